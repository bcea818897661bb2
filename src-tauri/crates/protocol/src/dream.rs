//! Dreams: a background job that re-reads an agent's past sessions and proposes changes to a
//! memory store, which the user reviews hunk by hunk before anything is written.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{DiffHunk, MemoryStoreId, SessionId, TokenUsage};

/// Identifies a dream (`drm_…`); its proposal shares the id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
pub struct DreamId(pub String);

impl DreamId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DreamStatus {
    Pending,
    Running,
    Completed,
    Failed,
    Canceled,
}

/// Where a running dream is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DreamStage {
    /// Reading each session for lessons, preferences, failure modes and strategies.
    Extract,
    /// Turning them into file changes against the store.
    Consolidate,
    /// Computing the diff and checking the changes.
    Propose,
}

/// Review (the default): the proposal waits for the user. Auto: it is applied at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DreamMode {
    Review,
    Auto,
}

/// What "Dream now" (or `reverie dream`) sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DreamInput {
    pub store_id: MemoryStoreId,
    /// Sessions picked by hand; empty: every finished session of agents that mount the store
    /// since its last dream (at most 100; later dreams take the rest).
    #[serde(default)]
    pub sessions: Vec<SessionId>,
    /// Extra guidance for the dream (at most 4,096 characters).
    #[serde(default)]
    pub instructions: String,
    /// The provider to dream with; the first agent's that mounts the store when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub provider_id: Option<crate::ProviderId>,
    /// The model; the provider's default when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub model: Option<String>,
    /// Review (default) or apply at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub mode: Option<DreamMode>,
}

/// A dream as lists show it: its inputs, progress, cost and outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Dream {
    pub id: DreamId,
    pub store_id: MemoryStoreId,
    pub status: DreamStatus,
    pub mode: DreamMode,
    pub sessions: Vec<SessionId>,
    pub instructions: String,
    pub model: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub stage: Option<DreamStage>,
    /// Sessions read so far in the extract stage.
    pub processed: u32,
    /// Why it failed, as the user reads it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub error: Option<String>,
    pub model_calls: u32,
    pub usage: TokenUsage,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub cost_usd: Option<f64>,
    #[ts(type = "number")]
    pub created_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub finished_at: Option<i64>,
    /// The proposal's status, once there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub proposal: Option<ProposalStatus>,
}

/// Where a proposal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ProposalStatus {
    /// Waiting for the user's review.
    Ready,
    /// The dream found nothing to change.
    Empty,
    Applied,
    /// Every hunk was rejected.
    Rejected,
    Reverted,
}

/// Where a quote comes from: a session's event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Evidence {
    pub session_id: SessionId,
    #[ts(type = "number")]
    pub seq: u64,
    pub quote: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FileOp {
    Create,
    Update,
    Delete,
    Rename,
}

/// The user's call on one hunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum HunkDecision {
    Pending,
    Accepted,
    Rejected,
    /// Accepted, then applied: it is in memory.
    Applied,
    /// Accepted, but the file changed since and the hunk no longer applies: nothing was written.
    Conflict,
}

/// One hunk of a proposed change, with the user's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ProposalHunk {
    /// `<file index>.<hunk index>`, stable within the proposal.
    pub id: String,
    pub hunk: DiffHunk,
    pub decision: HunkDecision,
    /// Text the user put in place of the hunk's new lines (edit, then accept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub edited: Option<String>,
    /// For a conflict: the file's lines where the hunk was meant to go, as they are now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub theirs: Option<String>,
}

/// A proposed change to one file: the operation, the content it was based on, the hunks, and
/// why (rationale and evidence from the sessions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FileChange {
    pub op: FileOp,
    pub path: String,
    /// For a rename: the old path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub previous_path: Option<String>,
    /// The sha256 of the content the change was computed against (`None`: a new file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub base_sha256: Option<String>,
    pub old_content: String,
    pub new_content: String,
    pub hunks: Vec<ProposalHunk>,
    pub rationale: String,
    pub evidence: Vec<Evidence>,
}

/// What a dream proposes for its store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Proposal {
    pub dream_id: DreamId,
    pub store_id: MemoryStoreId,
    pub status: ProposalStatus,
    pub files: Vec<FileChange>,
    /// Changes the model proposed that were left out, and why (a path outside the store, a
    /// file over 100 kB, the store's file limit…).
    pub dropped: Vec<String>,
    #[ts(type = "number")]
    pub created_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub applied_at: Option<i64>,
}

/// What Apply (or Revert) did: the versions written, and the hunks that conflicted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ApplyReport {
    pub versions: Vec<String>,
    pub conflicts: Vec<String>,
}

/// When a store dreams.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DreamSettings {
    pub mode: DreamMode,
    /// A daily time, `HH:MM` in the user's time zone; none: not on a schedule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub daily_at: Option<String>,
    /// A cron expression (`minute hour day month weekday`, in the user's time zone), like
    /// `30 3 * * 1-5`; none: no cron schedule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub cron: Option<String>,
    /// Dream once this many new sessions have finished; none: not counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub after_sessions: Option<u32>,
}
