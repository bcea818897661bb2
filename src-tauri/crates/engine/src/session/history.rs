//! A thread's conversation rebuilt from the stored log, so an interrupted session can go on
//! where it stopped and an idle one can take a follow-up message; and what closes every thread
//! a stopped process left open.

use reverie_llm::{ContentBlock, Message, Role};
use reverie_protocol::{EventPayload, IdleReason, OutcomeResult, SessionEvent, ThreadId, TokenUsage};

use super::thread_loop::INTERRUPTED_RESULT;

/// The conversation of `thread` as the model saw it, and the tool calls that never got a
/// result (the process died while they ran or waited for approval), in order.
pub fn history_from_events(events: &[SessionEvent], thread: &ThreadId) -> (Vec<Message>, Vec<String>) {
    let mut messages: Vec<Message> = Vec::new();
    let mut open_calls: Vec<String> = Vec::new();
    for event in events.iter().filter(|e| &e.thread_id == thread) {
        match &event.payload {
            // The grader's feedback reaches the agent as a user message.
            EventPayload::UserMessage { text }
            | EventPayload::OutcomeFeedback { text, .. }
            | EventPayload::ThreadMessageReceived { text, .. } => {
                push(&mut messages, Role::User, ContentBlock::Text { text: text.clone() })
            }
            EventPayload::AgentMessage { text } => {
                push(&mut messages, Role::Assistant, ContentBlock::Text { text: text.clone() })
            }
            EventPayload::AgentToolUse { tool_use_id, name, input } => {
                open_calls.push(tool_use_id.clone());
                push(
                    &mut messages,
                    Role::Assistant,
                    ContentBlock::ToolUse { id: tool_use_id.clone(), name: name.clone(), input: input.clone() },
                );
            }
            EventPayload::AgentToolResult { tool_use_id, content, is_error } => {
                open_calls.retain(|id| id != tool_use_id);
                push(
                    &mut messages,
                    Role::User,
                    ContentBlock::ToolResult {
                        tool_use_id: tool_use_id.clone(),
                        content: content.clone(),
                        is_error: *is_error,
                    },
                );
            }
            _ => {}
        }
    }
    (messages, open_calls)
}

/// Appends a block, joining it to the last message when that has the same role (a turn's
/// text and tool calls form one assistant message; its results one user message).
pub(crate) fn push(messages: &mut Vec<Message>, role: Role, block: ContentBlock) {
    match messages.last_mut() {
        Some(last) if last.role == role => last.content.push(block),
        _ => messages.push(Message { role, content: vec![block] }),
    }
}

/// What a thread left open in the log: a model request without its end, tool calls without a
/// result, a grading without its verdict, and (for a subagent) a run without its end.
#[derive(Debug, Default)]
struct Open {
    subagent: bool,
    /// When the open model request started.
    request_since: Option<i64>,
    calls: Vec<String>,
    /// The open grading's iteration and start.
    evaluation: Option<(u32, i64)>,
    /// A subagent thread running, or queued for a slot.
    working: bool,
}

impl Open {
    fn is_open(&self) -> bool {
        self.request_since.is_some()
            || !self.calls.is_empty()
            || self.evaluation.is_some()
            || (self.subagent && self.working)
    }
}

/// What a process that stopped mid-run left open, per thread, in the order the threads first
/// appear in the log.
fn open_threads(events: &[SessionEvent]) -> Vec<(ThreadId, Open)> {
    let mut threads: Vec<(ThreadId, Open)> = Vec::new();
    fn at<'a>(threads: &'a mut Vec<(ThreadId, Open)>, thread: &ThreadId) -> &'a mut Open {
        let index = match threads.iter().position(|(t, _)| t == thread) {
            Some(i) => i,
            None => {
                threads.push((thread.clone(), Open::default()));
                threads.len() - 1
            }
        };
        &mut threads[index].1
    }
    for event in events {
        match &event.payload {
            EventPayload::ThreadCreated { thread_id, .. } => at(&mut threads, thread_id).subagent = true,
            // A delegation queues the subagent's thread until it gets a slot.
            EventPayload::ThreadMessageSent { to_thread_id, .. } => {
                if let Some((_, open)) = threads.iter_mut().find(|(t, o)| t == to_thread_id && o.subagent) {
                    open.working = true;
                }
            }
            EventPayload::ThreadStatusRunning {} => at(&mut threads, &event.thread_id).working = true,
            EventPayload::ThreadStatusIdle { .. } => at(&mut threads, &event.thread_id).working = false,
            EventPayload::ModelRequestStart { .. } => {
                at(&mut threads, &event.thread_id).request_since = Some(event.time_ms)
            }
            EventPayload::ModelRequestEnd { .. } => at(&mut threads, &event.thread_id).request_since = None,
            EventPayload::AgentToolUse { tool_use_id, .. } => {
                at(&mut threads, &event.thread_id).calls.push(tool_use_id.clone())
            }
            EventPayload::AgentToolResult { tool_use_id, .. } => {
                at(&mut threads, &event.thread_id).calls.retain(|id| id != tool_use_id)
            }
            EventPayload::OutcomeEvaluationStart { iteration, .. } => {
                at(&mut threads, &event.thread_id).evaluation = Some((*iteration, event.time_ms))
            }
            EventPayload::OutcomeEvaluationEnd { .. } => at(&mut threads, &event.thread_id).evaluation = None,
            _ => {}
        }
    }
    threads.retain(|(_, open)| open.is_open());
    threads
}

/// The events that close what `open` left, as if it ended at `last` (the last event recorded).
fn closes(open: &Open, last: i64, end_thread: bool) -> Vec<EventPayload> {
    let since = |start: i64| u64::try_from(last.saturating_sub(start)).unwrap_or(0);
    let mut events = Vec::new();
    if let Some(start) = open.request_since {
        events.push(EventPayload::ModelRequestEnd {
            usage: TokenUsage::default(),
            cost_usd: None,
            duration_ms: since(start),
            interrupted: true,
        });
    }
    events.extend(open.calls.iter().map(|id| EventPayload::AgentToolResult {
        tool_use_id: id.clone(),
        content: INTERRUPTED_RESULT.into(),
        is_error: true,
    }));
    if let Some((iteration, start)) = open.evaluation {
        events.push(EventPayload::OutcomeEvaluationEnd {
            iteration,
            result: OutcomeResult::Interrupted,
            verdicts: Vec::new(),
            reason: Some(INTERRUPTED_GRADING.into()),
            usage: TokenUsage::default(),
            cost_usd: None,
            duration_ms: since(start),
        });
    }
    if end_thread && open.subagent && open.working {
        events.push(EventPayload::ThreadStatusIdle { reason: IdleReason::Interrupted });
    }
    events
}

/// Why a grading left open by a stopped process has no verdict.
const INTERRUPTED_GRADING: &str =
    "Reverie stopped before the grader finished; this iteration is graded again when the session goes on.";

/// What a resume writes before anything else, thread by thread, so no thread of the session
/// is left open: each model request without an end ends `interrupted`, each tool call without
/// a result gets the interrupted result, a grading without a verdict ends `interrupted`, and a
/// subagent thread still working (or queued) goes idle with reason `interrupted`. Subagent
/// threads come first, so the primary thread's closing is the last thing before it goes on.
pub fn interrupted_closes(events: &[SessionEvent]) -> Vec<(ThreadId, Vec<EventPayload>)> {
    let last = events.iter().map(|e| e.time_ms).max().unwrap_or(0);
    let (subagents, primary): (Vec<_>, Vec<_>) = open_threads(events).into_iter().partition(|(_, open)| open.subagent);
    subagents
        .into_iter()
        .chain(primary)
        .map(|(thread, open)| {
            let events = closes(&open, last, true);
            (thread, events)
        })
        .collect()
}

/// What closes `thread`'s open requests, calls and grading before its run records its own end
/// (the run failed and is about to write `session.error` and its idle status).
pub(crate) fn closes_before_end(events: &[SessionEvent], thread: &ThreadId) -> Vec<EventPayload> {
    let last = events.iter().map(|e| e.time_ms).max().unwrap_or(0);
    open_threads(events)
        .into_iter()
        .find(|(t, _)| t == thread)
        .map(|(_, open)| closes(&open, last, false))
        .unwrap_or_default()
}
