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

use crate::body::{self, read_prefix, watched, BodyError, ErrorText, Shape, MAX_DOCUMENT_BYTES, MAX_ERROR_BODY_BYTES};
use crate::error::{from_reqwest, host_of, shown_url, Stalled};
use crate::http::client;
use crate::model::{EventStream, LanguageModel};
use crate::retry::{with_retries, RetryPolicy};
use crate::types::{Request, StreamEvent, Usage};
use crate::ModelError;

/// How many events may wait for a slow consumer before the reader pauses.
const CHANNEL_CAPACITY: usize = 64;

/// Turns one vendor's SSE events into normalized events.
pub trait SseMapper: Send + 'static {
    /// A mapper for one response to a request body of `request_bytes` (the estimate when the
    /// provider reports no usage).
    fn new(request_bytes: usize) -> Self
    where
        Self: Sized;
    /// One SSE event (`event:` name, may be empty; `data:` payload).
    fn on_event(&mut self, event: &str, data: &str, out: &mut Vec<StreamEvent>) -> Result<(), ModelError>;
    /// A whole JSON body instead of an event stream (LiteLLM's mock answers `stream: true` so):
    /// the complete message as events, or the error it carries; `Ok(false)` when the document
    /// is neither (the base URL points elsewhere).
    fn on_document(&mut self, json: &str, out: &mut Vec<StreamEvent>) -> Result<bool, ModelError>;
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
    /// From the headers to the first event of the answer — SSE comments and pings keep the
    /// connection alive but are not the answer (default 300 s).
    pub first_token_timeout: Duration,
    /// The same for a local provider ([`crate::is_local_url`]), which reads a long prompt on
    /// the user's own hardware: llama.cpp took 19–60 s for a 1.4k-token prompt on 2 cores
    /// (default 1,800 s).
    pub local_first_token_timeout: Duration,
}

impl Default for StreamOptions {
    fn default() -> Self {
        Self {
            retry: RetryPolicy::default(),
            response_timeout: Duration::from_secs(180),
            first_byte_timeout: Duration::from_secs(180),
            idle_timeout: Duration::from_secs(90),
            first_token_timeout: Duration::from_secs(300),
            local_first_token_timeout: Duration::from_secs(1_800),
        }
    }
}

/// Sets [`StreamOptions::response_timeout`] and [`StreamOptions::first_byte_timeout`], in
/// seconds, for the app and the CLI (a local server that loads a large model takes longer).
pub const RESPONSE_TIMEOUT_ENV: &str = "REVERIE_PROVIDER_TIMEOUT_SECS";
/// Sets [`StreamOptions::idle_timeout`], in seconds.
pub const IDLE_TIMEOUT_ENV: &str = "REVERIE_PROVIDER_IDLE_SECS";
/// Sets both first-token limits ([`StreamOptions::first_token_timeout`] and
/// [`StreamOptions::local_first_token_timeout`]), in seconds.
pub const FIRST_TOKEN_TIMEOUT_ENV: &str = "REVERIE_PROVIDER_FIRST_TOKEN_SECS";

impl StreamOptions {
    /// The defaults, with the waits the environment sets ([`RESPONSE_TIMEOUT_ENV`],
    /// [`IDLE_TIMEOUT_ENV`], [`FIRST_TOKEN_TIMEOUT_ENV`]). A value that is not a whole number
    /// of seconds from 1 to 86,400 is ignored with a warning that says so.
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
        if let Some(wait) = secs(FIRST_TOKEN_TIMEOUT_ENV) {
            options.first_token_timeout = wait;
            options.local_first_token_timeout = wait;
        }
        options
    }

    /// The first-token limit for a provider that is local or not.
    pub fn first_token_for(&self, local: bool) -> Duration {
        if local {
            self.local_first_token_timeout
        } else {
            self.first_token_timeout
        }
    }
}

/// What differs between wire formats; everything else about a streamed request is shared by
/// [`VendorModel`]. Each adapter implements it with its own request and event mapping.
pub trait Vendor: Send + Sync + 'static {
    type Mapper: SseMapper;
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
/// which model, which key, and the stream settings; whether the server is local
/// ([`crate::is_local_url`]) picks its first-token limit.
pub struct VendorModel<V> {
    base_url: String,
    model: String,
    key: Option<SecretString>,
    options: StreamOptions,
    local: bool,
    vendor: PhantomData<fn() -> V>,
}

impl<V: Vendor> VendorModel<V> {
    pub fn new(
        base_url: impl Into<String>,
        model: impl Into<String>,
        key: Option<SecretString>,
        options: StreamOptions,
    ) -> Self {
        let base_url = base_url.into().trim_end_matches('/').to_owned();
        let local = crate::is_local_url(&base_url);
        Self { base_url, model: model.into(), key, options, local, vendor: PhantomData }
    }

    /// Whether the server counts as local (its first-token limit is the generous one).
    pub fn is_local(&self) -> bool {
        self.local
    }
}

impl<V: Vendor> LanguageModel for VendorModel<V> {
    fn stream(&self, request: &Request, cancel: CancellationToken) -> EventStream {
        let body = V::body(&self.model, request);
        let mapper = V::Mapper::new(body.len());
        let url = format!("{}{}", self.base_url, V::PATH);
        let key = self.key.clone();
        let target = Target {
            host: host_of(&url),
            url: shown_url(&url),
            key: self.key.clone(),
            first_token: self.options.first_token_for(self.local),
        };
        let build = move || {
            let post =
                client().post(&url).header("accept", "text/event-stream").header("content-type", "application/json");
            V::prepare(post.body(body.clone()), key.as_ref())
        };
        let model = self.model.clone();
        let shown = target.url.clone();
        let http_error =
            move |status, headers: Option<&_>, body: &ErrorText| V::http_error(&model, &shown, status, headers, body);
        run(self.options, target, cancel, build, http_error, mapper)
    }

    fn model_id(&self) -> &str {
        &self.model
    }
}

/// Whom a stream talks to: for messages (host, URL without credentials), for masking (the
/// key), and how long its first token may take (local or not).
pub(crate) struct Target {
    pub host: String,
    pub url: String,
    pub key: Option<SecretString>,
    pub first_token: Duration,
}

impl Target {
    /// The first-token limit ran out.
    fn no_first_token(&self) -> ModelError {
        ModelError::Timeout { host: self.host.clone(), stalled: Stalled::FirstToken, after: self.first_token }
    }

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
    // Comments and pings keep the connection alive; the answer itself must begin by then.
    let first_token = Some(tokio::time::Instant::now() + target.first_token);
    let content_type =
        response.headers().get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let mut chunks = watched(response.bytes_stream(), options.first_byte_timeout, options.idle_timeout);

    // What the body is, from its first bytes: SSE (under any label), a JSON document (the whole
    // message, or an error, sent to a streaming request), or something else (a web page).
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let sse_label = essence.is_empty() || essence == "text/event-stream";
    let mut head = Vec::new();
    let mut seen = Vec::new();
    let mut ended = false;
    let shape = loop {
        if let Some(shape) = body::shape(&seen, sse_label, ended) {
            break shape;
        }
        match next_chunk(&mut chunks, cancel, target, first_token).await? {
            Some(chunk) => {
                seen.extend_from_slice(&chunk);
                head.push(Ok(chunk));
            }
            None => ended = true,
        }
    };
    match shape {
        Shape::Sse => {}
        Shape::Json => {
            // The whole document, within its bound and the first-token limit.
            while !ended {
                match next_chunk(&mut chunks, cancel, target, first_token).await? {
                    Some(chunk) => seen.extend_from_slice(&chunk),
                    None => ended = true,
                }
                if seen.len() > MAX_DOCUMENT_BYTES {
                    let message = format!(
                        "the provider answered with a JSON document larger than {} MiB",
                        MAX_DOCUMENT_BYTES / (1024 * 1024)
                    );
                    return Err(ModelError::InvalidResponse { message });
                }
            }
            let text = String::from_utf8_lossy(&seen);
            let mut out = Vec::new();
            if !mapper.on_document(&text, &mut out)? {
                let excerpt = body::excerpt(&text);
                return Err(ModelError::NotAnEventStream { url: target.url.clone(), content_type, excerpt });
            }
            for event in out {
                if tx.send(Ok(event)).await.is_err() {
                    break; // the consumer went away
                }
            }
            return Ok(());
        }
        Shape::Other => {
            // A little more of it, to show what it was (a failure to read more is the end).
            while !ended && seen.len() < 512 {
                match next_chunk(&mut chunks, cancel, target, None).await {
                    Ok(Some(chunk)) => seen.extend_from_slice(&chunk),
                    Err(ModelError::Cancelled) => return Err(ModelError::Cancelled),
                    Ok(None) | Err(_) => ended = true,
                }
            }
            let excerpt = body::excerpt(&String::from_utf8_lossy(&seen));
            return Err(ModelError::NotAnEventStream { url: target.url.clone(), content_type, excerpt });
        }
    }
    let mut events = futures::stream::iter(head).chain(chunks).eventsource();
    let mut out = Vec::new();
    let mut seen_events = 0usize;
    let mut answered = false;
    loop {
        let next = tokio::select! {
            _ = cancel.cancelled() => return Err(ModelError::Cancelled),
            _ = until(first_token), if !answered => return Err(target.no_first_token()),
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
        // A ping maps to nothing: only an event of the answer stops the first-token clock.
        answered |= !out.is_empty();
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

/// Waits until `deadline`, or forever without one.
async fn until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// The next chunk of a watched body, `None` at its end. A cancel, the body's own limits and
/// the first-token `deadline` (when given) end it with their error.
async fn next_chunk(
    chunks: &mut body::Chunks,
    cancel: &CancellationToken,
    target: &Target,
    deadline: Option<tokio::time::Instant>,
) -> Result<Option<bytes::Bytes>, ModelError> {
    let next = tokio::select! {
        _ = cancel.cancelled() => return Err(ModelError::Cancelled),
        _ = until(deadline) => return Err(target.no_first_token()),
        next = chunks.next() => next,
    };
    match next {
        Some(Ok(chunk)) => Ok(Some(chunk)),
        Some(Err(e)) => Err(body_error(target, e)),
        None => Ok(None),
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

/// A rough token count for a provider that reports none: about 4 bytes a token, at least 1.
fn estimate_tokens(bytes: usize) -> u64 {
    (bytes.div_ceil(4)).max(1) as u64
}

/// `usage` with what the provider left out estimated from the bytes sent (`request_bytes`,
/// the JSON body: its tool schemas make it an overestimate) and received (`output_bytes`:
/// text and tool input), and marked [`Usage::estimated`]; `None` when nothing was missing.
/// A prompt of no tokens at all or an output of none for a non-empty answer is missing.
pub(crate) fn with_estimates(usage: Option<Usage>, request_bytes: usize, output_bytes: usize) -> Option<Usage> {
    let mut usage = usage.unwrap_or_default();
    let mut estimated = false;
    if usage.tokens_in() == 0 {
        usage.input_tokens = estimate_tokens(request_bytes);
        estimated = true;
    }
    if usage.output_tokens == 0 && output_bytes > 0 {
        usage.output_tokens = estimate_tokens(output_bytes);
        estimated = true;
    }
    if !estimated {
        return None;
    }
    tracing::info!(
        input_tokens = usage.input_tokens,
        output_tokens = usage.output_tokens,
        "the provider reported no token counts; they are estimated"
    );
    usage.estimated = true;
    Some(usage)
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
        let defaults = StreamOptions::default();
        assert_eq!(
            (options.first_token_for(false), options.first_token_for(true)),
            (defaults.first_token_timeout, defaults.local_first_token_timeout)
        );
        assert!(defaults.local_first_token_timeout > defaults.first_token_timeout, "local servers get longer");
        let options = StreamOptions::from_lookup(|name| (name == FIRST_TOKEN_TIMEOUT_ENV).then(|| "7200".to_owned()));
        assert_eq!(
            (options.first_token_for(false), options.first_token_for(true)),
            (Duration::from_secs(7200), Duration::from_secs(7200))
        );
        for bad in ["0", "-5", "1.5", "soon", "999999"] {
            let options = StreamOptions::from_lookup(|name| (name == RESPONSE_TIMEOUT_ENV).then(|| bad.to_owned()));
            assert_eq!(options.response_timeout, StreamOptions::default().response_timeout, "{bad}");
        }
    }
}
