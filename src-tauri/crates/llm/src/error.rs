//! Typed provider errors. Callers branch on the variant (retry on `RateLimited`, tell the user
//! on `Auth`); `user_message` is the sentence shown in the UI.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// The key is missing, wrong or lacks permission (HTTP 401/403).
    #[error("authentication failed: {message}")]
    Auth { message: String },
    /// HTTP 429; `retry_after` from the `retry-after` header when present.
    #[error("rate limited")]
    RateLimited { retry_after: Option<Duration> },
    /// HTTP 529 (Anthropic) or 503: the provider is overloaded.
    #[error("provider overloaded")]
    Overloaded,
    /// The request does not fit the model's context window.
    #[error("context window exceeded: {message}")]
    ContextWindowExceeded { message: String },
    /// The provider does not serve this model. `available` lists what it does serve, when known.
    #[error("model {model} not found")]
    ModelNotFound { model: String, available: Vec<String> },
    /// No API at this URL (HTTP 404 on a known path).
    #[error("no API at {url}")]
    NoApi { url: String },
    /// The host could not be reached: DNS, refused connection, TLS, timeout.
    #[error("network error: {message}")]
    Network { message: String },
    /// The provider answered with something that is not its documented format.
    #[error("invalid response: {message}")]
    InvalidResponse { message: String },
    /// Any other HTTP error status.
    #[error("HTTP {status}: {message}")]
    Http { status: u16, message: String },
    #[error("cancelled")]
    Cancelled,
}

impl ModelError {
    /// What to tell the user, with what to do about it.
    pub fn user_message(&self) -> String {
        match self {
            Self::Auth { message } => {
                format!("The provider rejected the API key ({message}). Check the key with Edit and paste it again.")
            }
            Self::RateLimited { retry_after: Some(d) } => {
                format!("The provider is rate limiting this key. Try again in {} s.", d.as_secs().max(1))
            }
            Self::RateLimited { retry_after: None } => "The provider is rate limiting this key. Try again shortly.".into(),
            Self::Overloaded => "The provider is overloaded right now. Try again in a minute.".into(),
            Self::ContextWindowExceeded { message } => format!("The request is too large for the model ({message})."),
            Self::ModelNotFound { model, available } if available.is_empty() => {
                format!("The provider doesn't serve the model “{model}”. Check the model name with Edit.")
            }
            Self::ModelNotFound { model, available } => {
                let mut shown: Vec<&str> = available.iter().map(String::as_str).take(8).collect();
                if available.len() > shown.len() {
                    shown.push("…");
                }
                format!("The provider doesn't serve the model “{model}”. It offers: {}.", shown.join(", "))
            }
            Self::NoApi { url } => {
                format!("No provider API answered at {url}. Check the base URL (OpenAI-compatible URLs usually end in /v1).")
            }
            Self::Network { message } => format!("Couldn't reach the provider ({message}). Check the base URL and your connection."),
            Self::InvalidResponse { message } => {
                format!("The provider answered in an unexpected format ({message}). Is the provider type right?")
            }
            Self::Http { status, message } => format!("The provider answered HTTP {status}: {message}"),
            Self::Cancelled => "Cancelled.".into(),
        }
    }
}

/// Maps a transport failure, naming the host but never the full URL or headers.
pub(crate) fn from_reqwest(e: &reqwest::Error) -> ModelError {
    let host = e.url().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_else(|| "the host".into());
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_decode() || e.is_body() {
        return ModelError::InvalidResponse { message: "the response body could not be read".into() };
    } else {
        "request failed"
    };
    let mut detail = String::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        detail = s.to_string();
        source = s.source();
    }
    let message = if detail.is_empty() { format!("{host}: {what}") } else { format!("{host}: {what}: {detail}") };
    ModelError::Network { message }
}
