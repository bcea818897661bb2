//! Sessions and their event log: what the UI replays and what live subscribers receive.
//! Event names are fixed once, as the hosted platform names them (`agent.tool_use`, …).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::{AgentId, AppError, CriterionVerdict, OutcomeDefinition, OutcomeInput, OutcomeResult};

/// Identifies a session (`ses_…`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
pub struct SessionId(pub String);

/// Identifies a thread, one context window (`thr_…`). The primary thread is the coordinator.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
pub struct ThreadId(pub String);

impl SessionId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl ThreadId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Token counts of one model request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TokenUsage {
    #[ts(type = "number")]
    pub input_tokens: u64,
    #[ts(type = "number")]
    pub output_tokens: u64,
    #[ts(type = "number")]
    pub cache_read_tokens: u64,
    #[ts(type = "number")]
    pub cache_write_tokens: u64,
}

/// Why a session went idle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum IdleReason {
    /// The agent finished its turn.
    EndTurn,
    /// The turn limit was reached.
    MaxTurns,
    /// The user cancelled.
    Cancelled,
    /// An error ended the turn (a `session.error` event precedes this).
    Error,
    /// The process running it stopped before it finished (a crash, a kill, a lost database):
    /// written when the session is resumed, for a subagent thread that was still working.
    Interrupted,
    /// Reverie quit while it worked: the user chose to stop the work and quit.
    AppQuit,
}

/// One record of a session's append-only log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SessionEvent {
    pub session_id: SessionId,
    /// 1, 2, 3… per session, without gaps: a subscriber that sees a jump re-fetches.
    #[ts(type = "number")]
    pub seq: u64,
    pub thread_id: ThreadId,
    /// Unix milliseconds.
    #[ts(type = "number")]
    pub time_ms: i64,
    pub payload: EventPayload,
}

/// What happened, tagged by its event name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type")]
pub enum EventPayload {
    #[serde(rename = "user.message")]
    UserMessage { text: String },
    #[serde(rename = "session.status_running")]
    StatusRunning {},
    #[serde(rename = "session.status_idle")]
    StatusIdle { reason: IdleReason },
    #[serde(rename = "session.error")]
    Error { error: AppError },
    #[serde(rename = "span.model_request_start")]
    ModelRequestStart { model: String },
    #[serde(rename = "span.model_request_end")]
    ModelRequestEnd {
        usage: TokenUsage,
        /// Dollars, when the model's price is known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        cost_usd: Option<f64>,
        #[ts(type = "number")]
        duration_ms: u64,
        /// The request never finished: the process running it stopped. Written when the
        /// session resumes; `duration_ms` runs to the last event recorded before the stop.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        #[ts(as = "Option<bool>", optional)]
        interrupted: bool,
    },
    /// A complete assistant message (streamed text is sent live and recorded here whole).
    #[serde(rename = "agent.message")]
    AgentMessage { text: String },
    #[serde(rename = "agent.tool_use")]
    AgentToolUse {
        tool_use_id: String,
        name: String,
        #[ts(type = "unknown")]
        input: Value,
    },
    #[serde(rename = "agent.tool_result")]
    AgentToolResult { tool_use_id: String, content: String, is_error: bool },
    /// A tool call waits for the user (permission `ask`).
    #[serde(rename = "session.approval_requested")]
    ApprovalRequested {
        tool_use_id: String,
        name: String,
        #[ts(type = "unknown")]
        input: Value,
        /// The folder a command would run in, shown beside Approve / Deny.
        working_directory: String,
    },
    #[serde(rename = "session.approval_resolved")]
    ApprovalResolved { tool_use_id: String, approved: bool },
    /// A subagent's thread begins (recorded on the coordinator's thread).
    #[serde(rename = "session.thread_created")]
    ThreadCreated { thread_id: ThreadId, parent_thread_id: ThreadId, agent_id: AgentId, agent_name: String },
    /// The thread (this event's) starts working; a queued delegation waits for a free slot first.
    #[serde(rename = "session.thread_status_running")]
    ThreadStatusRunning {},
    #[serde(rename = "session.thread_status_idle")]
    ThreadStatusIdle { reason: IdleReason },
    /// A message to another thread: a delegation (coordinator → subagent) or a subagent's final
    /// report (subagent → coordinator, which gets it as the `delegate` result).
    #[serde(rename = "agent.thread_message_sent")]
    ThreadMessageSent { to_thread_id: ThreadId, text: String },
    /// A subagent's task from its coordinator, as its thread records it.
    #[serde(rename = "agent.thread_message_received")]
    ThreadMessageReceived { from_thread_id: ThreadId, text: String },
    /// The session's work will be graded against a rubric after each agent turn.
    #[serde(rename = "outcome.defined")]
    OutcomeDefined { outcome: OutcomeDefinition },
    /// The grader starts on iteration `iteration` (0-based).
    #[serde(rename = "span.outcome_evaluation_start")]
    OutcomeEvaluationStart { iteration: u32, grader_model: String, passes: u32 },
    /// The grader's verdicts (in rubric order) and the result computed from them.
    #[serde(rename = "span.outcome_evaluation_end")]
    OutcomeEvaluationEnd {
        iteration: u32,
        result: OutcomeResult,
        verdicts: Vec<CriterionVerdict>,
        /// Why the evaluation failed (the rubric does not apply, invalid output, a provider error).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        reason: Option<String>,
        usage: TokenUsage,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        cost_usd: Option<f64>,
        #[ts(type = "number")]
        duration_ms: u64,
    },
    /// What the agent is told after an evaluation: the unmet criteria, or that the budget is spent.
    #[serde(rename = "outcome.feedback")]
    OutcomeFeedback { iteration: u32, text: String },
}

impl EventPayload {
    /// The event's name as stored and sent (`agent.tool_use`, …).
    pub fn name(&self) -> &'static str {
        match self {
            Self::UserMessage { .. } => "user.message",
            Self::StatusRunning {} => "session.status_running",
            Self::StatusIdle { .. } => "session.status_idle",
            Self::Error { .. } => "session.error",
            Self::ModelRequestStart { .. } => "span.model_request_start",
            Self::ModelRequestEnd { .. } => "span.model_request_end",
            Self::AgentMessage { .. } => "agent.message",
            Self::AgentToolUse { .. } => "agent.tool_use",
            Self::AgentToolResult { .. } => "agent.tool_result",
            Self::ApprovalRequested { .. } => "session.approval_requested",
            Self::ApprovalResolved { .. } => "session.approval_resolved",
            Self::ThreadCreated { .. } => "session.thread_created",
            Self::ThreadStatusRunning {} => "session.thread_status_running",
            Self::ThreadStatusIdle { .. } => "session.thread_status_idle",
            Self::ThreadMessageSent { .. } => "agent.thread_message_sent",
            Self::ThreadMessageReceived { .. } => "agent.thread_message_received",
            Self::OutcomeDefined { .. } => "outcome.defined",
            Self::OutcomeEvaluationStart { .. } => "span.outcome_evaluation_start",
            Self::OutcomeEvaluationEnd { .. } => "span.outcome_evaluation_end",
            Self::OutcomeFeedback { .. } => "outcome.feedback",
        }
    }
}

/// Where a session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    /// A process is running it now.
    Running,
    /// It went idle; `stop_reason` says why.
    Idle,
    /// The process running it died; it can be resumed from its log.
    Interrupted,
}

impl SessionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Idle => "idle",
            Self::Interrupted => "interrupted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "running" => Some(Self::Running),
            "idle" => Some(Self::Idle),
            "interrupted" => Some(Self::Interrupted),
            _ => None,
        }
    }
}

/// A session as lists and headers show it; totals are kept as events are written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SessionSummary {
    pub id: SessionId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub agent_id: Option<AgentId>,
    pub agent_name: String,
    /// The task, cut to its first 200 characters.
    pub task_preview: String,
    pub workspace: String,
    pub status: SessionStatus,
    /// Why it last went idle, once it has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub stop_reason: Option<IdleReason>,
    /// Model requests made.
    pub turns: u32,
    pub usage: TokenUsage,
    /// Dollars over every priced request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub cost_usd: Option<f64>,
    /// Time spent running (model requests and tools), over every run of the session.
    #[ts(type = "number")]
    pub duration_ms: u64,
    /// The last event's `seq`.
    #[ts(type = "number")]
    pub last_seq: u64,
    #[ts(type = "number")]
    pub created_at: i64,
    #[ts(type = "number")]
    pub updated_at: i64,
}

/// What "New run" sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RunInput {
    pub agent_id: AgentId,
    /// An existing folder the agent works in; every tool is confined to it.
    pub workspace: String,
    pub task: String,
    /// Subagent threads running at once (1–25, default 8); more delegations wait their turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub max_threads: Option<u32>,
    /// Grade the work against a rubric and let the agent revise until it is satisfied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub outcome: Option<OutcomeInput>,
    /// The user confirmed that the agent may work on their whole home folder (refused with
    /// `needs_confirmation` otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub allow_home: Option<bool>,
}

/// One message on a session view's live stream: a stored event, or streamed text that the
/// next `agent.message` of the same thread will hold whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type")]
pub enum StreamItem {
    #[serde(rename = "event")]
    Event { event: SessionEvent },
    #[serde(rename = "text_delta")]
    TextDelta { thread_id: ThreadId, text: String },
}
