//! Turning a list of SSE events plus a stream fault into a response body that is written
//! piece by piece, and counting the streams still open.

use std::collections::VecDeque;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::sync::watch;

use crate::script::{Fault, DEFAULT_STALL_SECS};

/// One thing the body does next.
pub(crate) enum Frame {
    /// Bytes to send (one whole SSE event, or a malformed one).
    Data(String),
    /// Send nothing for this long (or until the server shuts down), then cut the connection.
    Stall(Duration),
    /// Wait this long (or until the server shuts down), then go on.
    Pause(Duration),
    /// Cut the connection: the chunked body never gets its terminator.
    Abort,
}

/// How each vendor (and server) phrases the fault-specific lines.
pub(crate) struct FaultEvents {
    /// An event whose data is not JSON.
    pub malformed: String,
    /// An in-stream error event for `(error_type, message)`.
    pub stream_error: fn(&str, &str) -> String,
    /// A keep-alive comment line (`: keep-alive`, llama.cpp's bare `:`).
    pub comment: &'static str,
}

/// The frames for `events` with a stream fault applied (`http` and `invalid_tool_json` are
/// handled before: here they leave the events as they are).
pub(crate) fn apply_fault(events: Vec<String>, fault: Option<&Fault>, vendor: &FaultEvents) -> VecDeque<Frame> {
    let keep = |n: usize, events: Vec<String>| events.into_iter().take(n).map(Frame::Data).collect::<VecDeque<_>>();
    match fault {
        Some(Fault::Disconnect { after_events }) => {
            let mut frames = keep(*after_events, events);
            frames.push_back(Frame::Abort);
            frames
        }
        Some(Fault::Malformed { after_events }) => {
            let mut frames = keep(*after_events, events);
            frames.push_back(Frame::Data(vendor.malformed.clone()));
            frames
        }
        Some(Fault::Stall { after_events, max_secs }) => {
            let mut frames = keep(*after_events, events);
            frames.push_back(Frame::Stall(Duration::from_secs(max_secs.unwrap_or(DEFAULT_STALL_SECS))));
            frames
        }
        Some(Fault::StreamError { after_events, error_type, message }) => {
            let mut frames = keep(*after_events, events);
            let kind = error_type.as_deref().unwrap_or("overloaded_error");
            let message = message.as_deref().unwrap_or("Overloaded");
            frames.push_back(Frame::Data((vendor.stream_error)(kind, message)));
            frames
        }
        Some(Fault::KeepAlive { after_events, comments, every_ms }) => {
            let mut events = events.into_iter();
            let mut frames: VecDeque<Frame> = events.by_ref().take(*after_events).map(Frame::Data).collect();
            for _ in 0..*comments {
                frames.push_back(Frame::Pause(Duration::from_millis(*every_ms)));
                frames.push_back(Frame::Data(vendor.comment.into()));
            }
            frames.extend(events.map(Frame::Data));
            frames
        }
        Some(Fault::Http { .. } | Fault::NoHeaders { .. } | Fault::ContextExceeded { .. } | Fault::InvalidToolJson)
        | None => events.into_iter().map(Frame::Data).collect(),
    }
}

/// Counts the response streams that have not been dropped yet.
#[derive(Clone)]
pub(crate) struct StreamCounter(pub watch::Sender<usize>);

impl StreamCounter {
    fn open(&self) -> StreamGuard {
        self.0.send_modify(|n| *n += 1);
        StreamGuard(self.0.clone())
    }
}

struct StreamGuard(watch::Sender<usize>);

impl Drop for StreamGuard {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n = n.saturating_sub(1));
    }
}

#[derive(Debug)]
struct Cut;

impl std::fmt::Display for Cut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("fake provider: connection cut by the script")
    }
}

impl std::error::Error for Cut {}

struct BodyState {
    frames: VecDeque<Frame>,
    shutdown: watch::Receiver<bool>,
    _guard: StreamGuard,
}

/// The keep-alive comment for `quirks`.
pub(crate) fn comment(quirks: &crate::Quirks) -> &'static str {
    if quirks.has(crate::Quirk::BareComments) {
        ":\n\n"
    } else {
        ": keep-alive\n\n"
    }
}

/// A `200 text/event-stream` response that plays `frames`.
pub(crate) fn response(
    frames: VecDeque<Frame>,
    counter: &StreamCounter,
    shutdown: watch::Receiver<bool>,
    extra: &[(&'static str, String)],
) -> Response {
    let state = BodyState { frames, shutdown, _guard: counter.open() };
    let stream = futures::stream::unfold(state, |mut state| async move {
        while let Some(Frame::Pause(wait)) = state.frames.front() {
            let wait = *wait;
            state.frames.pop_front();
            let mut shutdown = state.shutdown.clone();
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.wait_for(|down| *down) => {}
            }
        }
        match state.frames.pop_front()? {
            Frame::Data(text) => Some((Ok(Bytes::from(text)), state)),
            Frame::Stall(max) => {
                let mut shutdown = state.shutdown.clone();
                tokio::select! {
                    _ = tokio::time::sleep(max) => {}
                    _ = shutdown.wait_for(|down| *down) => {}
                }
                state.frames.clear();
                Some((Err(Cut), state))
            }
            Frame::Pause(_) => Some((Ok(Bytes::new()), state)),
            Frame::Abort => {
                // Let the server flush what it already has before the connection is cut.
                tokio::time::sleep(Duration::from_millis(10)).await;
                state.frames.clear();
                Some((Err(Cut), state))
            }
        }
    });
    let mut resp = (StatusCode::OK, Body::from_stream(stream)).into_response();
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    for (name, value) in extra {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(*name, v);
        }
    }
    resp
}
