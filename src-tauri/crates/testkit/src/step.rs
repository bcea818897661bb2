//! A step-by-step fake [`LanguageModel`], for tests where the order of events matters.
//!
//! [`StepModel`] answers nothing by itself. Every `stream` call becomes a [`StepRequest`] that
//! waits in the model until the test takes it ([`StepModel::next_request`], or
//! [`StepModel::next_request_for`] one conversation); the test then pushes the response's
//! events into it (text, tool calls, usage, the stop) and ends it, or fails it with a
//! [`ModelError`]. Everything goes through channels: no timers, no delays. A test proves that
//! three subagents run side by side by holding all three requests open at once, and that a cap
//! of two queues the rest by seeing only two arrive until one is answered.
//!
//! Requests are told apart like the HTTP fake's: by the first `[[script:NAME]]` marker in the
//! system prompt or the messages (their conversation), or by anything else in the request.
//! The [`FakeProvider`](crate::FakeProvider) stays the fake for every other test, because it
//! exercises the real adapters and HTTP client; this one replaces the adapter altogether.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use reverie_llm::{ContentBlock, EventStream, LanguageModel, ModelError, Request, StopReason, StreamEvent, Usage};
use serde_json::Value;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use crate::script::conversation_of;

/// How long [`StepModel::next_request`] waits for a request before it fails the test.
pub const STEP_WAIT: Duration = Duration::from_secs(30);

/// The model id a [`StepModel`] reports unless told otherwise.
pub const STEP_MODEL_ID: &str = "step-model";

type Item = Result<StreamEvent, ModelError>;

/// A fake model driven by the test, one event at a time. Clones share the same requests: give
/// one to the engine (it is a [`LanguageModel`]) and keep one to drive it.
#[derive(Clone)]
pub struct StepModel {
    shared: Arc<Shared>,
}

struct Shared {
    model_id: String,
    state: Mutex<State>,
    /// Bumped on every new request, to wake whoever waits for one.
    arrivals: watch::Sender<usize>,
}

#[derive(Default)]
struct State {
    /// Requests the test has not taken yet, oldest first.
    waiting: VecDeque<StepRequest>,
    /// Every request so far, in the order they came: (conversation, request).
    seen: Vec<(String, Request)>,
}

impl Default for StepModel {
    fn default() -> Self {
        Self::new()
    }
}

impl StepModel {
    pub fn new() -> Self {
        Self::with_model_id(STEP_MODEL_ID)
    }

    /// A step model that reports `model_id` (what the engine records and prices turns by).
    pub fn with_model_id(model_id: impl Into<String>) -> Self {
        Self {
            shared: Arc::new(Shared {
                model_id: model_id.into(),
                state: Mutex::default(),
                arrivals: watch::channel(0).0,
            }),
        }
    }

    /// This model as the engine takes it.
    pub fn as_model(&self) -> Arc<dyn LanguageModel> {
        Arc::new(self.clone())
    }

    /// The oldest request the test has not taken yet, waiting for one to come.
    ///
    /// # Panics
    /// When none comes within [`STEP_WAIT`]: the test fails with what did come.
    pub async fn next_request(&self) -> StepRequest {
        self.next_request_where("any conversation", |_| true).await
    }

    /// The oldest waiting request of `conversation` (its first `[[script:NAME]]` marker, or
    /// `"default"`), waiting for one to come; requests of other conversations stay waiting.
    ///
    /// # Panics
    /// When none comes within [`STEP_WAIT`].
    pub async fn next_request_for(&self, conversation: &str) -> StepRequest {
        self.next_request_where(&format!("conversation {conversation}"), |r| r.conversation == conversation).await
    }

    /// The oldest waiting request that `matches`, waiting for one to come; `what` names it in
    /// the failure message.
    ///
    /// # Panics
    /// When none comes within [`STEP_WAIT`].
    pub async fn next_request_where(&self, what: &str, matches: impl Fn(&StepRequest) -> bool) -> StepRequest {
        let found = tokio::time::timeout(STEP_WAIT, async {
            loop {
                // Subscribed before looking, so a request that comes in between wakes us.
                let mut arrivals = self.shared.arrivals.subscribe();
                if let Some(request) = self.take_where(&matches) {
                    return request;
                }
                if arrivals.changed().await.is_err() {
                    // The sender lives in `self`: it cannot be gone while we wait.
                    continue;
                }
            }
        })
        .await;
        match found {
            Ok(request) => request,
            Err(_) => panic!(
                "no model request for {what} came within {} s; requests so far: {:?}; waiting untaken: {:?}",
                STEP_WAIT.as_secs(),
                self.conversations(),
                self.lock().waiting.iter().map(|r| r.conversation.clone()).collect::<Vec<_>>()
            ),
        }
    }

    /// The oldest waiting request, if one is waiting now.
    pub fn try_next_request(&self) -> Option<StepRequest> {
        self.take_where(&|_: &StepRequest| true)
    }

    /// How many requests came that the test has not taken yet.
    pub fn waiting(&self) -> usize {
        self.lock().waiting.len()
    }

    /// Every request so far, in the order they came.
    pub fn requests(&self) -> Vec<Request> {
        self.lock().seen.iter().map(|(_, r)| r.clone()).collect()
    }

    /// The requests of one conversation so far, in order.
    pub fn requests_for(&self, conversation: &str) -> Vec<Request> {
        self.lock().seen.iter().filter(|(c, _)| c == conversation).map(|(_, r)| r.clone()).collect()
    }

    /// The conversation of every request so far, in the order they came.
    pub fn conversations(&self) -> Vec<String> {
        self.lock().seen.iter().map(|(c, _)| c.clone()).collect()
    }

    fn take_where(&self, matches: &impl Fn(&StepRequest) -> bool) -> Option<StepRequest> {
        let mut state = self.lock();
        let at = state.waiting.iter().position(matches)?;
        state.waiting.remove(at)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.shared.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl LanguageModel for StepModel {
    fn stream(&self, request: &Request, cancel: CancellationToken) -> EventStream {
        let (events, rx) = mpsc::unbounded_channel();
        let conversation = conversation_of(searchable(request).as_bytes());
        {
            let mut state = self.lock();
            state.seen.push((conversation.clone(), request.clone()));
            let number = state.seen.len();
            // Like a real stream, it opens with the message's start.
            let _ = events.send(Ok(StreamEvent::MessageStart {
                id: format!("step_{number}"),
                model: self.shared.model_id.clone(),
            }));
            state.waiting.push_back(StepRequest {
                request: request.clone(),
                conversation,
                number,
                events,
                cancel: cancel.clone(),
            });
        }
        self.shared.arrivals.send_modify(|n| *n += 1);
        Box::pin(futures::stream::unfold(Some((rx, cancel)), |open| async move {
            let (mut rx, cancel) = open?;
            tokio::select! {
                biased;
                _ = cancel.cancelled() => Some((Err(ModelError::Cancelled), None)),
                item = rx.recv() => match item {
                    Some(Ok(event)) => Some((Ok(event), Some((rx, cancel)))),
                    // An error ends the stream, as it does an adapter's.
                    Some(Err(error)) => Some((Err(error), None)),
                    None => None,
                },
            }
        }))
    }

    fn model_id(&self) -> &str {
        &self.shared.model_id
    }
}

/// One model request held open until the test answers it. Dropping it ends the stream where
/// it is (with no stop reason, unless one was sent).
pub struct StepRequest {
    request: Request,
    conversation: String,
    number: usize,
    events: mpsc::UnboundedSender<Item>,
    cancel: CancellationToken,
}

impl std::fmt::Debug for StepRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StepRequest")
            .field("number", &self.number)
            .field("conversation", &self.conversation)
            .finish_non_exhaustive()
    }
}

impl StepRequest {
    /// The request as the engine made it.
    pub fn request(&self) -> &Request {
        &self.request
    }

    pub fn system(&self) -> &str {
        &self.request.system
    }

    /// Its conversation: the first `[[script:NAME]]` marker in the system prompt or the
    /// messages, else `"default"`.
    pub fn conversation(&self) -> &str {
        &self.conversation
    }

    /// Its place among all the model's requests, from 1.
    pub fn number(&self) -> usize {
        self.number
    }

    /// Whether the system prompt or any message (text, tool call, tool result) contains `needle`.
    pub fn mentions(&self, needle: &str) -> bool {
        searchable(&self.request).contains(needle)
    }

    /// The names of the tools the request offers.
    pub fn tool_names(&self) -> Vec<&str> {
        self.request.tools.iter().map(|t| t.name.as_str()).collect()
    }

    /// Sends one event; false when the caller no longer listens (it cancelled or dropped the
    /// stream).
    pub fn send(&self, event: StreamEvent) -> bool {
        self.events.send(Ok(event)).is_ok()
    }

    /// Streams `text` as one delta.
    pub fn text(&self, text: impl Into<String>) -> &Self {
        self.send(StreamEvent::TextDelta { text: text.into() });
        self
    }

    /// A complete tool call.
    pub fn tool_use(&self, id: impl Into<String>, name: impl Into<String>, input: Value) -> &Self {
        self.send(StreamEvent::ToolUse { id: id.into(), name: name.into(), input });
        self
    }

    pub fn usage(&self, usage: Usage) -> &Self {
        self.send(StreamEvent::Usage(usage));
        self
    }

    /// Sends the stop reason and ends the stream.
    pub fn stop(self, reason: StopReason) {
        self.send(StreamEvent::Stop { reason });
    }

    /// Ends the stream as it is (a response without a stop reason is invalid to the engine).
    pub fn end(self) {}

    /// Ends the stream with `error`, as an adapter does when a response fails.
    pub fn fail(self, error: ModelError) {
        let _ = self.events.send(Err(error));
    }

    /// Answers with `text` and ends the turn: one delta, `end_turn`, the end.
    pub fn reply_text(self, text: impl Into<String>) {
        self.text(text);
        self.stop(StopReason::EndTurn);
    }

    /// Whether the caller cancelled the request.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// Waits until the caller stops listening: it cancels the request or drops the stream.
    pub async fn closed(&self) {
        tokio::select! {
            _ = self.cancel.cancelled() => {}
            _ = self.events.closed() => {}
        }
    }
}

/// The text a request is searched in: the system prompt, then every message's content.
fn searchable(request: &Request) -> String {
    let mut out = request.system.clone();
    for message in &request.messages {
        for block in &message.content {
            out.push('\n');
            match block {
                ContentBlock::Text { text } => out.push_str(text),
                ContentBlock::ToolUse { name, input, .. } => {
                    out.push_str(name);
                    out.push(' ');
                    out.push_str(&input.to_string());
                }
                ContentBlock::ToolResult { content, .. } => out.push_str(content),
            }
        }
    }
    out
}
