//! The shared streaming machinery: send with retries, read SSE with an idle timeout, map each
//! event with the vendor's mapper, and hand normalized events to the caller through a bounded
//! channel. One task per response; dropping the stream or cancelling stops it.

use std::marker::PhantomData;
use std::time::Duration;

use eventsource_stream::Eventsource;
use futures::StreamExt;
use secrecy::SecretString;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::error::from_reqwest;
use crate::http::client;
use crate::model::{EventStream, LanguageModel};
use crate::types::Request;
use crate::retry::{with_retries, RetryPolicy};
use crate::types::StreamEvent;
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

/// Stream settings shared by the adapters.
#[derive(Debug, Clone, Copy)]
pub struct StreamOptions {
    pub retry: RetryPolicy,
    /// A stream that sends nothing for this long is abandoned.
    pub idle_timeout: Duration,
}

impl Default for StreamOptions {
    fn default() -> Self {
        Self { retry: RetryPolicy::default(), idle_timeout: Duration::from_secs(90) }
    }
}

/// What differs between wire formats; everything else about a streamed request is shared by
/// [`VendorModel`]. Each adapter implements it with its own request and event mapping.
pub trait Vendor: Send + Sync + 'static {
    type Mapper: SseMapper + Default;
    /// Appended to the base URL (`/v1/messages`, `/chat/completions`).
    const PATH: &'static str;
    /// The request body for `model`, serialized once (a retry sends the same bytes).
    fn body(model: &str, request: &Request) -> Vec<u8>;
    /// Vendor headers and the key (`x-api-key`, `Authorization: Bearer`).
    fn prepare(req: reqwest::RequestBuilder, key: Option<&SecretString>) -> reqwest::RequestBuilder;
    /// An HTTP error status and body as a typed error.
    fn http_error(model: &str, status: u16, headers: Option<&reqwest::header::HeaderMap>, body: &str) -> ModelError;
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
    pub fn new(base_url: impl Into<String>, model: impl Into<String>, key: Option<SecretString>, options: StreamOptions) -> Self {
        Self { base_url: base_url.into().trim_end_matches('/').to_owned(), model: model.into(), key, options, vendor: PhantomData }
    }
}

impl<V: Vendor> LanguageModel for VendorModel<V> {
    fn stream(&self, request: &Request, cancel: CancellationToken) -> EventStream {
        let body = V::body(&self.model, request);
        let url = format!("{}{}", self.base_url, V::PATH);
        let key = self.key.clone();
        let build = move || {
            let post = client().post(&url).header("accept", "text/event-stream").header("content-type", "application/json");
            V::prepare(post.body(body.clone()), key.as_ref())
        };
        let model = self.model.clone();
        let http_error = move |status, headers: Option<&_>, body: &str| V::http_error(&model, status, headers, body);
        run(self.options, cancel, build, http_error, V::Mapper::default())
    }

    fn model_id(&self) -> &str {
        &self.model
    }
}

/// Sends the request built by `build` (retrying per `options.retry`), maps HTTP errors with
/// `http_error`, then streams the body through `mapper`.
pub(crate) fn run<B, E, M>(options: StreamOptions, cancel: CancellationToken, build: B, http_error: E, mapper: M) -> EventStream
where
    B: Fn() -> reqwest::RequestBuilder + Send + Sync + 'static,
    E: Fn(u16, Option<&reqwest::header::HeaderMap>, &str) -> ModelError + Send + Sync + 'static,
    M: SseMapper,
{
    let (tx, rx) = mpsc::channel::<Result<StreamEvent, ModelError>>(CHANNEL_CAPACITY);
    tokio::spawn(async move {
        let outcome = pump(options, &cancel, &build, &http_error, mapper, &tx).await;
        if let Err(e) = outcome {
            let _ = tx.send(Err(e)).await;
        }
    });
    Box::pin(futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) }))
}

async fn pump<B, E, M>(
    options: StreamOptions,
    cancel: &CancellationToken,
    build: &B,
    http_error: &E,
    mut mapper: M,
    tx: &mpsc::Sender<Result<StreamEvent, ModelError>>,
) -> Result<(), ModelError>
where
    B: Fn() -> reqwest::RequestBuilder + Sync,
    E: Fn(u16, Option<&reqwest::header::HeaderMap>, &str) -> ModelError + Sync,
    M: SseMapper,
{
    let response = with_retries(options.retry, cancel, || async {
        let response = build().send().await.map_err(|e| from_reqwest(&e))?;
        let status = response.status().as_u16();
        if status == 200 {
            return Ok(response);
        }
        let headers = response.headers().clone();
        let body = response.text().await.unwrap_or_default();
        Err(http_error(status, Some(&headers), &body))
    })
    .await?;

    let mut events = response.bytes_stream().eventsource();
    let mut out = Vec::new();
    loop {
        let next = tokio::select! {
            _ = cancel.cancelled() => return Err(ModelError::Cancelled),
            next = tokio::time::timeout(options.idle_timeout, events.next()) => next,
        };
        let item = match next {
            Err(_) => {
                return Err(ModelError::Network {
                    message: format!("the provider sent nothing for {} s; the stream was abandoned", options.idle_timeout.as_secs()),
                })
            }
            Ok(None) if mapper.is_done() => return Ok(()),
            Ok(None) => return Err(ModelError::Network { message: "the connection closed before the response was complete".into() }),
            Ok(Some(Err(e))) => {
                return Err(match e {
                    // Reading the body's bytes failed: reqwest calls it "decode", but it is the
                    // connection (reset, closed before the end), never JSON.
                    eventsource_stream::EventStreamError::Transport(e) => ModelError::Network {
                        message: format!("the connection broke while the response was streaming ({})", root_cause(&e)),
                    },
                    other => ModelError::InvalidResponse { message: format!("unreadable event stream: {other}") },
                })
            }
            Ok(Some(Ok(event))) => event,
        };
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

/// Parses one event's JSON, naming the provider's format in the error.
pub(crate) fn parse<T: serde::de::DeserializeOwned>(data: &str, what: &str) -> Result<T, ModelError> {
    serde_json::from_str(data).map_err(|e| ModelError::InvalidResponse { message: format!("malformed {what} event: {e}") })
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
        Err(e) => StreamEvent::InvalidToolUse { id, name, raw, error: format!("the tool input is not valid JSON: {e}") },
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
