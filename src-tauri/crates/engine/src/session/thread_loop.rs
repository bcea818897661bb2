//! The agent loop of one thread: model → tool calls → results → model, until the model ends
//! its turn, the turn limit is reached, an error ends it, or the session is cancelled.
//!
//! Everything the loop does is an event in the session's log, written before anyone sees it.
//! Every `agent.tool_use` gets exactly one `agent.tool_result` (a cancelled or failed run
//! included), so a transcript rebuilt from the log is always a valid conversation.

use std::sync::{Arc, OnceLock};

use futures::StreamExt;
use reverie_llm::{
    prices, Completion, ContentBlock, LanguageModel, Message, ModelError, Request, Role, StreamEvent, ToolChoice,
    ToolSpec, Usage,
};
use reverie_protocol::{
    AppError, ErrorCode, EventPayload, IdleReason, OutcomeResult, SessionId, SessionStatus, ThreadId, TokenUsage,
};
use serde_json::Value;

use super::history::{closes_before_end, push};
use super::permissions::{Approvals, Permission, PermissionPolicy};
use super::EventLog;
use crate::error::model_error;
use crate::outcome::{AfterTurn, Evaluation, Evaluator};
use crate::tools::{ToolContext, ToolFault, ToolOutput, ToolSet};
use crate::{Error, Result};

/// Default output budget of one model request.
pub const DEFAULT_MAX_TOKENS: u32 = 8192;
/// Default limit on model requests in one run.
pub const DEFAULT_MAX_TURNS: u32 = 50;
/// How much of an unparsable tool input is quoted back to the model.
const RAW_INPUT_SHOWN: usize = 2000;
/// The result recorded for a tool call that a dead process left without one.
pub const INTERRUPTED_RESULT: &str =
    "interrupted: Reverie stopped before this tool call finished, so it may not have run. Check its effect and run it again if it is still needed.";

/// How a run begins: a new task, or the conversation so far (rebuilt from the log by
/// `history_from_events`) with the calls left open and an optional follow-up message.
#[derive(Debug, Clone)]
pub enum Opening {
    Task(String),
    Resume { history: Vec<Message>, open_calls: Vec<String>, follow_up: Option<String> },
}

/// Whose thread a run is: the session's primary thread (the coordinator), or a subagent's
/// working for it. A subagent's thread records its task as a message from its parent and its
/// end as a thread status, never the session's.
#[derive(Debug, Clone, PartialEq)]
pub enum ThreadRole {
    Primary,
    Subagent { parent: ThreadId },
}

impl ThreadRole {
    /// The event that opens a turn with `text`: the user's message, or the task a subagent's
    /// coordinator gave it.
    pub(crate) fn incoming(&self, text: String) -> EventPayload {
        match self {
            ThreadRole::Primary => EventPayload::UserMessage { text },
            ThreadRole::Subagent { parent } => {
                EventPayload::ThreadMessageReceived { from_thread_id: parent.clone(), text }
            }
        }
    }

    pub(crate) fn running(&self) -> EventPayload {
        match self {
            ThreadRole::Primary => EventPayload::StatusRunning {},
            ThreadRole::Subagent { .. } => EventPayload::ThreadStatusRunning {},
        }
    }

    /// What closes the run: the session going idle, or the subagent's thread going idle after
    /// sending its report to its coordinator.
    pub(crate) fn end_events(&self, reason: IdleReason, final_message: &str) -> Vec<EventPayload> {
        match self {
            ThreadRole::Primary => vec![EventPayload::StatusIdle { reason }],
            ThreadRole::Subagent { parent } => {
                let mut events = Vec::new();
                if !final_message.is_empty() {
                    events.push(EventPayload::ThreadMessageSent {
                        to_thread_id: parent.clone(),
                        text: final_message.to_owned(),
                    });
                }
                events.push(EventPayload::ThreadStatusIdle { reason });
                events
            }
        }
    }
}

/// Tools whose calls in one turn run side by side (every other call runs in order first).
const PARALLEL_TOOLS: &[&str] = &["delegate"];

/// One thread's loop: what it talks to, what it may do, and when it stops.
pub struct ThreadLoop {
    pub log: Arc<EventLog>,
    pub session: SessionId,
    pub thread: ThreadId,
    pub model: Arc<dyn LanguageModel>,
    pub system: String,
    pub tools: ToolSet,
    /// The workspace the tools work in and the session's cancellation token: cancelling it
    /// stops the model stream, a pending approval and running tools (their child processes).
    pub context: ToolContext,
    pub policy: PermissionPolicy,
    pub approvals: Approvals,
    /// Model requests at most; the run stops (`max_turns`) after the last one's tool calls.
    pub max_turns: u32,
    pub max_tokens: u32,
    /// The session's outcome: when set, each turn that ends with `end_turn` is graded and the
    /// agent revises until the rubric is satisfied or the budget is spent.
    pub outcome: Option<Evaluator>,
    pub role: ThreadRole,
    /// What a cancel of the session means (the user's, or the app quitting).
    pub cancel_reason: CancelReason,
}

/// How a run ended, for callers that branch on it (the CLI's exit code).
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutcome {
    pub reason: IdleReason,
    /// Model requests made.
    pub turns: u32,
    pub usage: TokenUsage,
    /// Dollars over all turns, when the model's price is known.
    pub cost_usd: Option<f64>,
    /// How the session's outcome came out, when one was graded in this run.
    pub outcome: Option<OutcomeResult>,
    /// The agent's last text (what a subagent reports to its coordinator).
    pub final_message: String,
    /// What ended the run with `error`, as the user reads it.
    pub error: Option<String>,
}

impl Default for RunOutcome {
    fn default() -> Self {
        Self {
            reason: IdleReason::EndTurn,
            turns: 0,
            usage: TokenUsage::default(),
            cost_usd: None,
            outcome: None,
            final_message: String::new(),
            error: None,
        }
    }
}

/// A tool call as the model made it; `invalid` says why its input could not be parsed.
struct Call {
    id: String,
    name: String,
    input: Value,
    invalid: Option<String>,
}

/// What one streamed model response left behind.
struct Streamed {
    completion: Completion,
    calls: Vec<Call>,
    failure: Option<ModelError>,
}

impl ThreadLoop {
    /// A loop with the workspace tools, the default policy and limits, and no system prompt.
    pub fn new(
        log: Arc<EventLog>,
        session: SessionId,
        thread: ThreadId,
        model: Arc<dyn LanguageModel>,
        context: ToolContext,
    ) -> Self {
        Self {
            log,
            session,
            thread,
            model,
            system: String::new(),
            tools: ToolSet::workspace(),
            context,
            policy: PermissionPolicy::default(),
            approvals: Approvals::new(),
            max_turns: DEFAULT_MAX_TURNS,
            max_tokens: DEFAULT_MAX_TOKENS,
            outcome: None,
            role: ThreadRole::Primary,
            cancel_reason: CancelReason::default(),
        }
    }
}

/// Runs `task` on the run's thread until it goes idle, then marks the session idle.
/// Every failure is recorded as `session.error` followed by `session.status_idle` with reason
/// `error`, the event log failing included. `Err` only when not even that could be written.
pub async fn run_session(run: ThreadLoop, task: impl Into<String>) -> Result<RunOutcome> {
    run_thread(run, Opening::Task(task.into())).await
}

/// Runs the thread from `opening` until it goes idle, then marks the session idle; see
/// [`run_session`].
///
/// When a write to the log fails mid-run (the database is locked, the disk is full), the run
/// stops and records its end with what it left open closed, a `session.error` that says so,
/// and its idle status, retrying that last write a few times. If even that fails, the primary
/// thread's session is marked `interrupted`; failing that too, it stays `running` under this
/// process, which `Sessions` then treats as interrupted (and the next start recovers).
#[tracing::instrument(skip_all, fields(session_id = run.session.as_str(), thread_id = run.thread.as_str()))]
pub async fn run_thread(mut run: ThreadLoop, opening: Opening) -> Result<RunOutcome> {
    let mut outcome = RunOutcome::default();
    let mut evaluator = run.outcome.take();
    let result = run.turns(opening, &mut outcome, &mut evaluator).await;
    outcome.outcome = evaluator.and_then(|e| e.result());
    let (reason, events, stopped) = match result {
        Ok(reason) => {
            // A cancel says why the session was cancelled: the user, or the app quitting.
            let reason = if reason == IdleReason::Cancelled { run.cancel_reason.get() } else { reason };
            (reason, run.role.end_events(reason, &outcome.final_message), None)
        }
        Err(e) => {
            tracing::error!(error = %e, "the run failed inside the engine");
            let (closes, tools_used) = run.left_open().await;
            let error = stopped_error(&e, tools_used);
            outcome.error = Some(error.message.clone());
            let mut events = closes;
            events.push(EventPayload::Error { error });
            events.extend(run.role.end_events(IdleReason::Error, ""));
            (IdleReason::Error, events, Some((e, tools_used)))
        }
    };
    match run.record_end(events).await {
        Ok(()) => {
            outcome.reason = reason;
            Ok(outcome)
        }
        Err(e) => {
            tracing::error!(error = %e, "the run's end could not be recorded");
            let interrupted = run.role == ThreadRole::Primary && run.mark_interrupted().await.is_ok();
            let (cause, tools_used) = stopped.unwrap_or((e, None));
            Err(Error::Internal(unrecorded_message(&cause, tools_used, interrupted)))
        }
    }
}

/// Attempts at the write that records a run's end, and the wait before the first retry
/// (doubled after each): the store already waits out a busy database, so these cover a
/// failure that passes (a full disk being cleaned, a lock held past the busy timeout).
const END_WRITE_ATTEMPTS: u32 = 4;
const END_WRITE_BACKOFF: std::time::Duration = std::time::Duration::from_millis(50);

/// Why a run stopped when the engine failed under it, as `session.error` records it.
/// `tools_used`: whether the session had made tool calls (`None`: the log couldn't say).
fn stopped_error(e: &Error, tools_used: Option<bool>) -> AppError {
    let (code, cause) = match e {
        Error::Database(db) => (ErrorCode::Database, format!("Reverie couldn't save its progress ({db})")),
        other => (ErrorCode::Internal, format!("Reverie failed under it ({other})")),
    };
    AppError::new(
        code,
        format!(
            "The run stopped because {cause}. {} Resume the session to go on from its last saved step.",
            kept(tools_used)
        ),
    )
}

/// What a failed run left in the workspace, said plainly.
fn kept(tools_used: Option<bool>) -> &'static str {
    match tools_used {
        Some(false) => "The agent had not used any tool yet, so nothing in the folder was changed.",
        _ => "What the agent's tools already did in the folder is kept.",
    }
}

/// The error of a run whose end could not be recorded at all.
fn unrecorded_message(cause: &Error, tools_used: Option<bool>, interrupted: bool) -> String {
    let state = if interrupted {
        "The session is marked interrupted"
    } else {
        "The session shows as interrupted (and is marked so when Reverie next starts)"
    };
    format!(
        "The run stopped because Reverie couldn't save its progress ({cause}), and not even its end could be recorded. {} {state}: resume it to go on from its last saved step.",
        kept(tools_used)
    )
}

/// Why a session's cancellation token was cancelled: the user stopped it (the default), or
/// Reverie quit while it worked. Shared by every thread of the session.
#[derive(Debug, Clone, Default)]
pub struct CancelReason(Arc<OnceLock<IdleReason>>);

impl CancelReason {
    /// Records why the cancel comes; the first reason given stays.
    pub fn set(&self, reason: IdleReason) {
        let _ = self.0.set(reason);
    }

    pub fn get(&self) -> IdleReason {
        self.0.get().copied().unwrap_or(IdleReason::Cancelled)
    }
}

impl ThreadLoop {
    async fn turns(
        &self,
        opening: Opening,
        outcome: &mut RunOutcome,
        evaluator: &mut Option<Evaluator>,
    ) -> Result<IdleReason> {
        let mut turn_ended = false;
        let messages = match opening {
            Opening::Task(task) => {
                self.append(vec![self.role.incoming(task.clone()), self.role.running()]).await?;
                vec![Message::user(task)]
            }
            Opening::Resume { mut history, open_calls, follow_up } => {
                let mut events = Vec::new();
                for id in open_calls {
                    let result = ContentBlock::ToolResult {
                        tool_use_id: id.clone(),
                        content: INTERRUPTED_RESULT.into(),
                        is_error: true,
                    };
                    push(&mut history, Role::User, result);
                    events.push(EventPayload::AgentToolResult {
                        tool_use_id: id,
                        content: INTERRUPTED_RESULT.into(),
                        is_error: true,
                    });
                }
                if let Some(text) = follow_up {
                    push(&mut history, Role::User, ContentBlock::Text { text: text.clone() });
                    events.push(self.role.incoming(text));
                }
                events.push(self.role.running());
                self.append(events).await?;
                // The model had already finished its turn when the process stopped.
                if history.last().is_none_or(|m| m.role == Role::Assistant) {
                    if evaluator.is_none() || history.is_empty() {
                        return Ok(IdleReason::EndTurn);
                    }
                    turn_ended = true;
                }
                history
            }
        };
        let cancel = &self.context.cancel;
        let specs: Vec<ToolSpec> = self
            .tools
            .definitions()
            .into_iter()
            .map(|d| ToolSpec { name: d.name.into(), description: d.description, input_schema: d.input_schema })
            .collect();
        // One request for the whole run: each turn appends to its messages (nothing is copied).
        let mut request = Request {
            system: self.system.clone(),
            messages,
            tools: specs,
            tool_choice: ToolChoice::Auto,
            max_tokens: self.max_tokens,
            temperature: None,
            // No per-agent setting yet: a reasoning model thinks at its own default effort.
            reasoning_effort: None,
        };
        loop {
            if cancel.is_cancelled() {
                return Ok(IdleReason::Cancelled);
            }
            if std::mem::take(&mut turn_ended) {
                if let Some(reason) = self.end_of_turn(evaluator.as_mut(), &mut request).await? {
                    return Ok(reason);
                }
                continue;
            }
            if outcome.turns >= self.max_turns {
                return Ok(IdleReason::MaxTurns);
            }
            outcome.turns += 1;
            let Streamed { completion, calls, failure } = self.stream(&request, outcome).await?;
            let failure = match failure {
                _ if cancel.is_cancelled() => Some(ModelError::Cancelled),
                None if completion.stop_reason.is_none() => {
                    Some(ModelError::InvalidResponse { message: "the stream ended without a stop reason".into() })
                }
                other => other,
            };
            match failure {
                Some(ModelError::Cancelled) => {
                    self.close_calls(&calls, ToolOutput::cancelled()).await?;
                    return Ok(IdleReason::Cancelled);
                }
                Some(e) => {
                    tracing::warn!(error = %e, "the model request failed");
                    let not_run = ToolOutput::error("not run: the model's response failed before it was complete");
                    self.close_calls(&calls, not_run).await?;
                    let error = model_error(&e);
                    outcome.error = Some(error.message.clone());
                    self.append(vec![EventPayload::Error { error }]).await?;
                    return Ok(IdleReason::Error);
                }
                None => {}
            }
            let text = completion.text();
            if !text.trim().is_empty() {
                outcome.final_message = text;
            }
            if !completion.content.is_empty() {
                request.messages.push(Message::assistant(completion.content));
            }
            if calls.is_empty() {
                turn_ended = true;
                continue;
            }
            // Calls run in order, except delegations, which run side by side after them.
            let (parallel, serial): (Vec<&Call>, Vec<&Call>) =
                calls.iter().partition(|c| PARALLEL_TOOLS.contains(&c.name.as_str()));
            let mut outputs: Vec<(String, ToolOutput)> = Vec::with_capacity(calls.len());
            let mut fault = None;
            for call in serial {
                let output =
                    if fault.is_some() { self.not_run(call).await? } else { self.run_call(call, &mut fault).await? };
                outputs.push((call.id.clone(), output));
            }
            if fault.is_none() && !parallel.is_empty() {
                let mut faults = Vec::new();
                let done = futures::future::join_all(parallel.iter().map(|call| async {
                    let mut fault = None;
                    let output = self.run_call(call, &mut fault).await;
                    (call.id.clone(), output, fault)
                }))
                .await;
                for (id, output, f) in done {
                    outputs.push((id, output?));
                    faults.extend(f);
                }
                fault = faults.into_iter().next();
            } else {
                for call in parallel {
                    outputs.push((call.id.clone(), self.not_run(call).await?));
                }
            }
            // The results go back in the order of the calls.
            let results = calls
                .iter()
                .filter_map(|call| outputs.iter().position(|(id, _)| *id == call.id).map(|at| outputs.swap_remove(at)))
                .map(|(tool_use_id, output)| ContentBlock::ToolResult {
                    tool_use_id,
                    content: output.content,
                    is_error: output.is_error,
                })
                .collect();
            request.messages.push(Message { role: Role::User, content: results });
            if let Some(fault) = fault {
                let error = AppError::from(Error::from(fault));
                outcome.error = Some(error.message.clone());
                self.append(vec![EventPayload::Error { error }]).await?;
                return Ok(IdleReason::Error);
            }
        }
    }

    /// Records that a call was skipped because an earlier one faulted.
    async fn not_run(&self, call: &Call) -> Result<ToolOutput> {
        let output = ToolOutput::error("not run: an earlier tool call failed inside the engine");
        self.append(vec![EventPayload::AgentToolResult {
            tool_use_id: call.id.clone(),
            content: output.content.clone(),
            is_error: true,
        }])
        .await?;
        Ok(output)
    }

    /// Decides and runs one call and records its result; a tool's engine fault is kept in
    /// `fault` (and told to the model as an error).
    async fn run_call(&self, call: &Call, fault: &mut Option<ToolFault>) -> Result<ToolOutput> {
        let output = match self.resolve(call).await? {
            Ok(output) => output,
            Err(f) => {
                let output = ToolOutput::error(f.to_string());
                *fault = Some(f);
                output
            }
        };
        self.append(vec![EventPayload::AgentToolResult {
            tool_use_id: call.id.clone(),
            content: output.content.clone(),
            is_error: output.is_error,
        }])
        .await?;
        Ok(output)
    }

    /// The agent ended its turn: without an outcome the run is done; with one, the grader
    /// decides, and on a revision its feedback joins the conversation (`None`: go on).
    async fn end_of_turn(
        &self,
        evaluator: Option<&mut Evaluator>,
        request: &mut Request,
    ) -> Result<Option<IdleReason>> {
        let Some(evaluator) = evaluator else { return Ok(Some(IdleReason::EndTurn)) };
        let final_message = match request.messages.last() {
            Some(m) if m.role == Role::Assistant => m
                .content
                .iter()
                .filter_map(|b| match b {
                    ContentBlock::Text { text } => Some(text.as_str()),
                    _ => None,
                })
                .collect(),
            _ => String::new(),
        };
        let Some(start) = evaluator.start() else { return Ok(Some(IdleReason::EndTurn)) };
        self.append(vec![start]).await?;
        let Evaluation { events, next } = evaluator.grade(&self.context, self.log.clock(), &final_message).await?;
        self.append(events).await?;
        match next {
            AfterTurn::Finish => Ok(Some(IdleReason::EndTurn)),
            AfterTurn::Cancelled => Ok(Some(IdleReason::Cancelled)),
            AfterTurn::Revise(text) => {
                request.messages.push(Message::user(text));
                Ok(None)
            }
        }
    }

    /// One model request: records its span, its text and its tool calls as they arrive.
    async fn stream(&self, request: &Request, outcome: &mut RunOutcome) -> Result<Streamed> {
        let model_id = self.model.model_id().to_owned();
        self.append(vec![EventPayload::ModelRequestStart { model: model_id.clone() }]).await?;
        let started = self.log.clock().now_ms();
        let cancel = &self.context.cancel;
        let mut stream = self.model.stream(request, cancel.clone());
        let mut completion = Completion::default();
        let mut calls = Vec::new();
        let mut text = String::new();
        let mut failure = None;
        loop {
            let next = tokio::select! {
                biased;
                _ = cancel.cancelled() => {
                    failure = Some(ModelError::Cancelled);
                    break;
                }
                next = stream.next() => next,
            };
            let event = match next {
                None => break,
                Some(Err(e)) => {
                    failure = Some(e);
                    break;
                }
                Some(Ok(event)) => event,
            };
            let call = match &event {
                StreamEvent::TextDelta { text: delta } => {
                    text.push_str(delta);
                    self.log.publish_delta(&self.session, &self.thread, delta);
                    None
                }
                StreamEvent::ToolUse { id, name, input } => {
                    Some(Call { id: id.clone(), name: name.clone(), input: input.clone(), invalid: None })
                }
                StreamEvent::InvalidToolUse { id, name, raw, error } => Some(Call {
                    id: id.clone(),
                    name: name.clone(),
                    input: Value::Object(Default::default()),
                    invalid: Some(invalid_input_message(error, raw)),
                }),
                _ => None,
            };
            if let Some(call) = call {
                let mut events = take_message(&mut text);
                events.push(EventPayload::AgentToolUse {
                    tool_use_id: call.id.clone(),
                    name: call.name.clone(),
                    input: call.input.clone(),
                });
                self.append(events).await?;
                calls.push(call);
            }
            completion.apply(event);
        }
        drop(stream);
        let usage = completion.usage;
        let cost_usd = prices::cost(&model_id, &usage);
        add_usage(outcome, usage, cost_usd);
        let duration_ms = u64::try_from(self.log.clock().now_ms().saturating_sub(started)).unwrap_or(0);
        let mut events = take_message(&mut text);
        events.push(EventPayload::ModelRequestEnd {
            usage: token_usage(usage),
            cost_usd,
            duration_ms,
            interrupted: false,
        });
        self.append(events).await?;
        Ok(Streamed { completion, calls, failure })
    }

    /// Decides and runs one tool call. The outer `Err` is the log failing; the inner one a
    /// tool's engine fault.
    async fn resolve(&self, call: &Call) -> Result<Result<ToolOutput, ToolFault>> {
        let cancel = &self.context.cancel;
        if cancel.is_cancelled() {
            return Ok(Ok(ToolOutput::cancelled()));
        }
        if let Some(message) = &call.invalid {
            return Ok(Ok(ToolOutput::error(message.clone())));
        }
        match self.policy.permission(&call.name) {
            Permission::Allow => {}
            Permission::Deny => {
                return Ok(Ok(ToolOutput::error(format!(
                    "denied by policy: this agent may not use {}. Do the task without it or explain what you need.",
                    call.name
                ))))
            }
            Permission::Ask => {
                let answer = self.approvals.request(&call.id);
                self.append(vec![EventPayload::ApprovalRequested {
                    tool_use_id: call.id.clone(),
                    name: call.name.clone(),
                    input: call.input.clone(),
                    working_directory: self.context.workspace.root().display().to_string(),
                }])
                .await?;
                let approved = tokio::select! {
                    biased;
                    _ = cancel.cancelled() => None,
                    // A request withdrawn without an answer counts as denied.
                    answer = answer => Some(answer.unwrap_or(false)),
                };
                let Some(approved) = approved else {
                    self.approvals.withdraw(&call.id);
                    return Ok(Ok(ToolOutput::cancelled()));
                };
                self.append(vec![EventPayload::ApprovalResolved { tool_use_id: call.id.clone(), approved }]).await?;
                if !approved {
                    return Ok(Ok(ToolOutput::error(format!(
                        "denied: the user did not approve this {} call. Ask what they want instead, or do the task another way.",
                        call.name
                    ))));
                }
            }
        }
        Ok(self.tools.call(&call.name, call.input.clone(), &self.context).await)
    }

    /// Gives every call of an unfinished response the same result, so each tool use has one.
    async fn close_calls(&self, calls: &[Call], output: ToolOutput) -> Result<()> {
        if calls.is_empty() {
            return Ok(());
        }
        let events = calls
            .iter()
            .map(|c| EventPayload::AgentToolResult {
                tool_use_id: c.id.clone(),
                content: output.content.clone(),
                is_error: output.is_error,
            })
            .collect();
        self.append(events).await
    }

    /// Writes events off the async runtime (SQLite blocks).
    async fn append(&self, payloads: Vec<EventPayload>) -> Result<()> {
        let (log, session, thread) = (self.log.clone(), self.session.clone(), self.thread.clone());
        tokio::task::spawn_blocking(move || log.append(&session, &thread, payloads))
            .await
            .map_err(|e| Error::Internal(format!("the event writer stopped: {e}")))??;
        Ok(())
    }

    /// Writes the run's last events, trying again a few times if the log fails.
    async fn record_end(&self, events: Vec<EventPayload>) -> Result<()> {
        let mut wait = END_WRITE_BACKOFF;
        let mut attempt = 1;
        loop {
            match self.append(events.clone()).await {
                Ok(()) => return Ok(()),
                Err(e) if attempt >= END_WRITE_ATTEMPTS => return Err(e),
                Err(e) => {
                    tracing::warn!(error = %e, attempt, "the run's end could not be recorded; trying again");
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                    attempt += 1;
                }
            }
        }
    }

    /// What this thread left open in the log, to close before its end, and whether the session
    /// had made any tool call; nothing and `None` when the log can't be read either.
    async fn left_open(&self) -> (Vec<EventPayload>, Option<bool>) {
        let (log, session, thread) = (self.log.clone(), self.session.clone(), self.thread.clone());
        let read = tokio::task::spawn_blocking(move || {
            log.read(&session, 0, usize::MAX).map(|events| {
                let used = events.iter().any(|e| matches!(e.payload, EventPayload::AgentToolUse { .. }));
                (closes_before_end(&events, &thread), Some(used))
            })
        })
        .await;
        match read {
            Ok(Ok(found)) => found,
            _ => (Vec::new(), None),
        }
    }

    async fn mark_interrupted(&self) -> Result<()> {
        let (log, session) = (self.log.clone(), self.session.clone());
        tokio::task::spawn_blocking(move || log.set_status(&session, SessionStatus::Interrupted))
            .await
            .map_err(|e| Error::Internal(format!("the event writer stopped: {e}")))?
    }
}

/// The text streamed so far as an `agent.message`, if there is any.
fn take_message(text: &mut String) -> Vec<EventPayload> {
    if text.is_empty() {
        return Vec::new();
    }
    vec![EventPayload::AgentMessage { text: std::mem::take(text) }]
}

fn invalid_input_message(error: &str, raw: &str) -> String {
    let shown = match raw.char_indices().nth(RAW_INPUT_SHOWN) {
        Some((at, _)) => format!("{}…", &raw[..at]),
        None => raw.to_owned(),
    };
    format!("{error}. The input you sent was: {shown}\nCall the tool again with its input as one valid JSON object.")
}

fn token_usage(u: Usage) -> TokenUsage {
    TokenUsage {
        input_tokens: u.input_tokens,
        output_tokens: u.output_tokens,
        cache_read_tokens: u.cache_read_tokens,
        cache_write_tokens: u.cache_write_tokens,
    }
}

fn add_usage(outcome: &mut RunOutcome, usage: Usage, cost: Option<f64>) {
    outcome.usage.input_tokens += usage.input_tokens;
    outcome.usage.output_tokens += usage.output_tokens;
    outcome.usage.cache_read_tokens += usage.cache_read_tokens;
    outcome.usage.cache_write_tokens += usage.cache_write_tokens;
    if let Some(cost) = cost {
        *outcome.cost_usd.get_or_insert(0.0) += cost;
    }
}
