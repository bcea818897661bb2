//! Retries with exponential backoff and full jitter, honouring `retry-after`.

use std::future::Future;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::ModelError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// The backoff ceiling of the first retry; it doubles each retry.
    pub base_delay: Duration,
    /// No single wait is longer than this (a longer `retry-after` is not retried).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { max_attempts: 4, base_delay: Duration::from_millis(500), max_delay: Duration::from_secs(60) }
    }
}

impl RetryPolicy {
    /// No retries: for tests that want to see the first error.
    pub fn none() -> Self {
        Self { max_attempts: 1, ..Self::default() }
    }

    /// How long to wait before retry number `retry` (1-based) after `error`; `None` = give up.
    pub fn delay(&self, retry: u32, error: &ModelError) -> Option<Duration> {
        if retry >= self.max_attempts || !is_retryable(error) {
            return None;
        }
        if let ModelError::RateLimited { retry_after: Some(after) } = error {
            return (*after <= self.max_delay).then_some(*after);
        }
        let ceiling = self.base_delay.saturating_mul(1u32 << (retry - 1).min(16)).min(self.max_delay);
        // Full jitter: anywhere in [0, ceiling], so many clients do not retry in lockstep.
        Some(ceiling.mul_f64(rand::random::<f64>()))
    }
}

/// Rate limits, overload, transient HTTP 5xx and connection failures are worth retrying.
pub fn is_retryable(error: &ModelError) -> bool {
    match error {
        ModelError::RateLimited { .. } | ModelError::Overloaded | ModelError::Network { .. } => true,
        ModelError::Http { status, .. } => matches!(status, 500 | 502 | 503 | 504),
        _ => false,
    }
}

/// Runs `attempt` until it succeeds, fails for good, or `cancel` fires.
pub async fn with_retries<T, F, Fut>(
    policy: RetryPolicy,
    cancel: &CancellationToken,
    mut attempt: F,
) -> Result<T, ModelError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ModelError>>,
{
    let mut retry = 0;
    loop {
        let result = tokio::select! {
            _ = cancel.cancelled() => return Err(ModelError::Cancelled),
            r = attempt() => r,
        };
        let error = match result {
            Ok(value) => return Ok(value),
            Err(e) => e,
        };
        retry += 1;
        let Some(delay) = policy.delay(retry, &error) else { return Err(error) };
        tracing::warn!(retry, delay_ms = delay.as_millis() as u64, error = %error, "model request failed; retrying");
        tokio::select! {
            _ = cancel.cancelled() => return Err(ModelError::Cancelled),
            _ = tokio::time::sleep(delay) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_honoured_and_bounded() {
        let p = RetryPolicy::default();
        let limited = ModelError::RateLimited { retry_after: Some(Duration::from_secs(3)) };
        assert_eq!(p.delay(1, &limited), Some(Duration::from_secs(3)));
        let too_long = ModelError::RateLimited { retry_after: Some(Duration::from_secs(600)) };
        assert_eq!(p.delay(1, &too_long), None, "a wait longer than max_delay is not retried");
    }

    #[test]
    fn backoff_grows_within_its_ceiling_and_stops() {
        let p =
            RetryPolicy { max_attempts: 5, base_delay: Duration::from_millis(100), max_delay: Duration::from_secs(1) };
        for retry in 1..5 {
            let d = p.delay(retry, &ModelError::Overloaded).unwrap();
            assert!(
                d <= Duration::from_millis(100 * (1 << (retry - 1))).min(Duration::from_secs(1)),
                "retry {retry}: {d:?}"
            );
        }
        assert_eq!(p.delay(5, &ModelError::Overloaded), None);
        assert_eq!(p.delay(1, &ModelError::Auth { message: String::new() }), None, "auth errors are final");
    }
}
