//! The shared streaming machinery: send with retries, read SSE under the first-byte and idle
//! timers, map each event with the vendor's mapper, and hand normalized events to the caller
//! through a bounded channel. One task per response; dropping the stream or cancelling stops
//! it. Every error leaving here is sanitized (the key masked, texts bounded).

use std::marker::PhantomData;
use std::time::Duration;

use eventsource_stream::{EventStreamError, Eventsource};
use futures::StreamExt;
use reverie_protocol::ProviderKind;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::body::{self, read_prefix, watched, BodyError, ErrorText, MAX_ERROR_BODY_BYTES};
use crate::error::{from_reqwest, host_of, shown_url, Stalled};
use crate::http::client;
use crate::model::{EventStream, LanguageModel};
use crate::retry::{with_retries, RetryPolicy};
use crate::types::{Request, StreamEvent};
use crate::ModelError;

/// How many events may wait for a slow consumer before the reader pauses.
const CHANNEL_CAPACITY: usize = 64;

/// Turns one vendor's SSE events into normalized events.
pub trait SseMapper: Send + 'static {
    /// One SSE event (`event:` name, may be empty; `data:` payload).
    fn on_event(&mut self, event: &str, data: &str, out: &mut Vec<StreamEvent>) -> Result<(), ModelError>;
    /// Whether the response is complete (a stream that ends before is an error).
    fn is_done(&self) -> bool;
}

/// Stream settings shared by the adapters. Every wait on a provider is bounded: a provider
/// that accepts the connection and then says nothing ends the stream with
/// `ModelError::Timeout` naming the provider and the wait that ran out. Timeouts are not
/// retried (the wait was already as long as allowed).
#[derive(Debug, Clone, Copy)]
pub struct StreamOptions {
    pub retry: RetryPolicy,
    /// From sending the request to the response headers (default 180 s: a local server may
    /// load the model before it answers).
    pub response_timeout: Duration,
    /// From the headers to the first byte of the body (default 180 s: a server may read a long
    /// prompt first).
    pub first_byte_timeout: Duration,
    /// A stream that sends nothing (not even an SSE comment line) for this long is abandoned
    /// (default 90 s).
    pub idle_timeout: Duration,
}

impl Default for StreamOptions {
    fn default() -> Self {
        Self {
            retry: RetryPolicy::default(),
            response_timeout: Duration::from_secs(180),
            first_byte_timeout: Duration::from_secs(180),
            idle_timeout: Duration::from_secs(90),
        }
    }
}

/// Sets [`StreamOptions::response_timeout`] and [`StreamOptions::first_byte_timeout`], in
/// seconds, for the app and the CLI (a local server that loads a large model takes longer).
pub const RESPONSE_TIMEOUT_ENV: &str = "REVERIE_PROVIDER_TIMEOUT_SECS";
/// Sets [`StreamOptions::idle_timeout`], in seconds.
pub const IDLE_TIMEOUT_ENV: &str = "REVERIE_PROVIDER_IDLE_SECS";

impl StreamOptions {
    /// The defaults, with the waits the environment sets ([`RESPONSE_TIMEOUT_ENV`],
    /// [`IDLE_TIMEOUT_ENV`]). A value that is not a whole number of seconds from 1 to 86,400 is
    /// ignored with a warning that says so.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let secs = |name: &str| -> Option<Duration> {
            let raw = lookup(name)?;
            match raw.trim().parse::<u64>() {
                Ok(n @ 1..=86_400) => Some(Duration::from_secs(n)),
                _ => {
                    tracing::warn!(variable = name, value = %raw, "ignored: give a whole number of seconds from 1 to 86400");
                    None
                }
            }
        };
        let mut options = Self::default();
        if let Some(wait) = secs(RESPONSE_TIMEOUT_ENV) {
            options.response_timeout = wait;
            options.first_byte_timeout = wait;
        }
        if let Some(wait) = secs(IDLE_TIMEOUT_ENV) {
            options.idle_timeout = wait;
        }
        options
    }
}

/// What differs between wire formats; everything else about a streamed request is shared by
/// [`VendorModel`]. Each adapter implements it with its own request and event mapping.
pub trait Vendor: Send + Sync + 'static {
    type Mapper: SseMapper + Default;
    const KIND: ProviderKind;
    /// Appended to the base URL (`/v1/messages`, `/chat/completions`).
    const PATH: &'static str;
    /// The request body for `model`, serialized once (a retry sends the same bytes).
    fn body(model: &str, request: &Request) -> Vec<u8>;
    /// Vendor headers and the key (`x-api-key`, `Authorization: Bearer`).
    fn prepare(req: reqwest::RequestBuilder, key: Option<&SecretString>) -> reqwest::RequestBuilder;
    /// An HTTP error status and what its body says as a typed error (a 404 that does not
    /// name the model is [`ModelError::NoApi`] at `url`).
    fn http_error(
        model: &str,
        url: &str,
        status: u16,
        headers: Option<&reqwest::header::HeaderMap>,
        body: &ErrorText,
    ) -> ModelError;
}

/// A model behind one wire format: where requests go (base URL without a trailing slash),
/// which model, which key, and the stream settings.
pub struct VendorModel<V> {
    base_url: String,
    model: String,
    key: Option<SecretString>,
    options: StreamOptions,
    vendor: PhantomData<fn() -> V>,
}

impl<V: Vendor> VendorModel<V> {
    pub fn new(
        base_url: impl Into<String>,
        model: impl Into<String>,
        key: Option<SecretString>,
        options: StreamOptions,
    ) -> Self {
        Self {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            model: model.into(),
            key,
            options,
            vendor: PhantomData,
        }
    }
}

impl<V: Vendor> LanguageModel for VendorModel<V> {
    fn stream(&self, request: &Request, cancel: CancellationToken) -> EventStream {
        let body = V::body(&self.model, request);
        let url = format!("{}{}", self.base_url, V::PATH);
        let key = self.key.clone();
        let target = Target { host: host_of(&url), url: shown_url(&url), key: self.key.clone() };
        let build = move || {
            let post =
                client().post(&url).header("accept", "text/event-stream").header("content-type", "application/json");
            V::prepare(post.body(body.clone()), key.as_ref())
        };
        let model = self.model.clone();
        let shown = target.url.clone();
        let http_error =
            move |status, headers: Option<&_>, body: &ErrorText| V::http_error(&model, &shown, status, headers, body);
        run(self.options, target, cancel, build, http_error, V::Mapper::default())
    }

    fn model_id(&self) -> &str {
        &self.model
    }
}

/// Whom a stream talks to: for messages (host, URL without credentials) and for masking (the key).
pub(crate) struct Target {
    pub host: String,
    pub url: String,
    pub key: Option<SecretString>,
}

impl Target {
    /// `error` with the key and anything key-shaped masked, and its texts bounded.
    pub fn sanitize(&self, error: ModelError) -> ModelError {
        match &self.key {
            Some(key) => error.sanitized(&[key.expose_secret()]),
            None => error.sanitized(&[]),
        }
    }
}

/// Sends the request built by `build` (retrying per `options.retry`), maps HTTP errors with
/// `http_error`, then streams the body through `mapper`.
pub(crate) fn run<B, E, M>(
    options: StreamOptions,
    target: Target,
    cancel: CancellationToken,
    build: B,
    http_error: E,
    mapper: M,
) -> EventStream
where
    B: Fn() -> reqwest::RequestBuilder + Send + Sync + 'static,
    E: Fn(u16, Option<&reqwest::header::HeaderMap>, &ErrorText) -> ModelError + Send + Sync + 'static,
    M: SseMapper,
{
    let (tx, rx) = mpsc::channel::<Result<StreamEvent, ModelError>>(CHANNEL_CAPACITY);
    tokio::spawn(async move {
        let outcome = pump(options, &target, &cancel, &build, &http_error, mapper, &tx).await;
        if let Err(e) = outcome {
            let _ = tx.send(Err(target.sanitize(e))).await;
        }
    });
    Box::pin(futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) }))
}

/// Sends once: the response when it is a 200, else the typed (and sanitized) error.
async fn send<B, E>(
    options: &StreamOptions,
    target: &Target,
    build: &B,
    http_error: &E,
) -> Result<reqwest::Response, ModelError>
where
    B: Fn() -> reqwest::RequestBuilder,
    E: Fn(u16, Option<&reqwest::header::HeaderMap>, &ErrorText) -> ModelError,
{
    let sent = tokio::time::timeout(options.response_timeout, build().send()).await;
    let response = match sent {
        Err(_) => {
            return Err(ModelError::Timeout {
                host: target.host.clone(),
                stalled: Stalled::Headers,
                after: options.response_timeout,
            })
        }
        Ok(r) => r.map_err(|e| target.sanitize(from_reqwest(&e)))?,
    };
    let status = response.status().as_u16();
    if status == 200 {
        return Ok(response);
    }
    let headers = response.headers().clone();
    let body = read_prefix(response, MAX_ERROR_BODY_BYTES, options.first_byte_timeout).await;
    // Sanitized here already, so the retry loop's log never shows what the provider echoed.
    Err(target.sanitize(http_error(status, Some(&headers), &ErrorText::parse(&body))))
}

async fn pump<B, E, M>(
    options: StreamOptions,
    target: &Target,
    cancel: &CancellationToken,
    build: &B,
    http_error: &E,
    mut mapper: M,
    tx: &mpsc::Sender<Result<StreamEvent, ModelError>>,
) -> Result<(), ModelError>
where
    B: Fn() -> reqwest::RequestBuilder + Sync,
    E: Fn(u16, Option<&reqwest::header::HeaderMap>, &ErrorText) -> ModelError + Sync,
    M: SseMapper,
{
    let response = with_retries(options.retry, cancel, || send(&options, target, build, http_error)).await?;
    let content_type =
        response.headers().get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let mut chunks = watched(response.bytes_stream(), options.first_byte_timeout, options.idle_timeout);

    // A body labelled as something else is checked by its first bytes: SSE under a wrong label
    // is read as SSE; an HTML page or a JSON document is a base URL pointing elsewhere.
    let mut head = Vec::new();
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if !essence.is_empty() && essence != "text/event-stream" {
        let mut seen = Vec::new();
        // Enough to tell (`retry:` is the longest field name), then, for a body that is not
        // SSE, a little more to show what it was.
        while body::meaningful_len(&seen) < 6 || (!body::looks_like_sse(&seen) && seen.len() < 512) {
            let next = tokio::select! {
                _ = cancel.cancelled() => return Err(ModelError::Cancelled),
                next = chunks.next() => next,
            };
            match next {
                Some(Ok(chunk)) => {
                    seen.extend_from_slice(&chunk);
                    head.push(Ok(chunk));
                }
                Some(Err(e)) => return Err(body_error(target, e)),
                None => break,
            }
        }
        if !body::looks_like_sse(&seen) {
            let excerpt = body::excerpt(&String::from_utf8_lossy(&seen));
            return Err(ModelError::NotAnEventStream { url: target.url.clone(), content_type, excerpt });
        }
    }
    let mut events = futures::stream::iter(head).chain(chunks).eventsource();
    let mut out = Vec::new();
    let mut seen_events = 0usize;
    loop {
        let next = tokio::select! {
            _ = cancel.cancelled() => return Err(ModelError::Cancelled),
            next = events.next() => next,
        };
        let item = match next {
            None if mapper.is_done() => return Ok(()),
            None if seen_events == 0 => {
                return Err(ModelError::InvalidResponse { message: "the response held no server-sent events".into() })
            }
            None => {
                return Err(ModelError::Network {
                    message: "the connection closed before the response was complete".into(),
                })
            }
            Some(Err(EventStreamError::Transport(e))) => return Err(body_error(target, e)),
            Some(Err(EventStreamError::Utf8(_))) => {
                return Err(ModelError::InvalidResponse { message: "the event stream is not UTF-8 text".into() })
            }
            // The parser's error quotes the input: it is not repeated.
            Some(Err(EventStreamError::Parser(_))) => {
                return Err(ModelError::InvalidResponse { message: "the event stream could not be parsed".into() })
            }
            Some(Ok(event)) => event,
        };
        seen_events += 1;
        mapper.on_event(&item.event, &item.data, &mut out)?;
        for event in out.drain(..) {
            if tx.send(Ok(event)).await.is_err() {
                return Ok(()); // the consumer went away
            }
        }
        if mapper.is_done() {
            return Ok(());
        }
    }
}

/// A watched body's failure as a typed error.
fn body_error(target: &Target, e: BodyError) -> ModelError {
    match e {
        BodyError::Silent { first, after } => ModelError::Timeout {
            host: target.host.clone(),
            stalled: if first { Stalled::FirstByte } else { Stalled::Idle },
            after,
        },
        BodyError::LineTooLong => ModelError::InvalidResponse { message: format!("the provider sent {e}") },
        // Reading the body's bytes failed: reqwest calls it "decode", but it is the connection
        // (reset, closed before the end), never JSON.
        BodyError::Transport(e) => ModelError::Network {
            message: format!("the connection broke while the response was streaming ({})", root_cause(&e)),
        },
    }
}

/// Parses one event's JSON, naming the provider's format in the error.
pub(crate) fn parse<T: serde::de::DeserializeOwned>(data: &str, what: &str) -> Result<T, ModelError> {
    serde_json::from_str(data)
        .map_err(|e| ModelError::InvalidResponse { message: format!("malformed {what} event: {e}") })
}

/// Seconds from a `retry-after` header, when it is a number.
pub(crate) fn retry_after(headers: Option<&reqwest::header::HeaderMap>) -> Option<Duration> {
    let value = headers?.get("retry-after")?.to_str().ok()?;
    value.trim().parse::<f64>().ok().filter(|s| *s >= 0.0).map(Duration::from_secs_f64)
}

/// A tool call's accumulated input; an empty input means `{}`.
pub(crate) fn finish_tool_input(id: String, name: String, json: String) -> StreamEvent {
    let raw = if json.trim().is_empty() { "{}".to_owned() } else { json };
    match serde_json::from_str::<serde_json::Value>(&raw) {
        Ok(input) if input.is_object() => StreamEvent::ToolUse { id, name, input },
        Ok(_) => StreamEvent::InvalidToolUse { id, name, raw, error: "the tool input must be a JSON object".into() },
        Err(e) => {
            StreamEvent::InvalidToolUse { id, name, raw, error: format!("the tool input is not valid JSON: {e}") }
        }
    }
}

/// The innermost error's text (hyper's "connection closed before message completed", …).
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut current = e;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

#[cfg(test)]
mod options_tests {
    use super::*;

    #[test]
    fn the_environment_sets_the_waits_and_a_bad_value_is_ignored() {
        let options = StreamOptions::from_lookup(|name| match name {
            RESPONSE_TIMEOUT_ENV => Some("600".into()),
            IDLE_TIMEOUT_ENV => Some(" 30 ".into()),
            _ => None,
        });
        assert_eq!(
            (options.response_timeout, options.first_byte_timeout, options.idle_timeout),
            (Duration::from_secs(600), Duration::from_secs(600), Duration::from_secs(30))
        );
        for bad in ["0", "-5", "1.5", "soon", "999999"] {
            let options = StreamOptions::from_lookup(|name| (name == RESPONSE_TIMEOUT_ENV).then(|| bad.to_owned()));
            assert_eq!(options.response_timeout, StreamOptions::default().response_timeout, "{bad}");
        }
    }
}
