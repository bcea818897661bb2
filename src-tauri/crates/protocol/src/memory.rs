//! Memory stores as the Memory page, the Agents page and the memory tools see them: named sets
//! of small Markdown files where every write is an immutable version.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{SessionId, ThreadId};

/// Identifies a memory store (`mem_…`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
pub struct MemoryStoreId(pub String);

impl MemoryStoreId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A store with its current size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct MemoryStore {
    pub id: MemoryStoreId,
    pub name: String,
    pub description: String,
    pub files: u32,
    #[ts(type = "number")]
    pub bytes: u64,
    #[ts(type = "number")]
    pub created_at: i64,
    #[ts(type = "number")]
    pub updated_at: i64,
}

/// What "New store" sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MemoryStoreInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
}

/// How an agent mounts a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MemoryAccess {
    ReadWrite,
    ReadOnly,
}

/// A store an agent mounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MemoryMount {
    pub store_id: MemoryStoreId,
    pub access: MemoryAccess,
}

/// A file of a store as listed (no content).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MemoryFile {
    pub path: String,
    /// One line: the front matter's `description`, else the first line of text.
    pub description: String,
    pub sha256: String,
    #[ts(type = "number")]
    pub bytes: u64,
    /// The version that wrote the current content.
    pub version_id: String,
    #[ts(type = "number")]
    pub updated_at: i64,
}

/// A file with its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MemoryFileContent {
    pub path: String,
    pub content: String,
    pub sha256: String,
    pub version_id: String,
    #[ts(type = "number")]
    pub updated_at: i64,
}

/// What a version did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MemoryOp {
    Create,
    Update,
    Delete,
    Rename,
}

/// One immutable version of a file. `actor` is `session:<id>/thread:<id>`, `user`, `external`
/// or `dream:<id>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MemoryVersion {
    pub id: String,
    pub store_id: MemoryStoreId,
    pub path: String,
    pub op: MemoryOp,
    /// The path before a rename.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub previous_path: Option<String>,
    /// The content's sha256 after this version (`None` for a delete).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub sha256: Option<String>,
    #[ts(type = "number")]
    pub bytes: u64,
    pub actor: String,
    #[ts(type = "number")]
    pub time_ms: i64,
    /// The content was redacted; who and when are kept.
    pub redacted: bool,
}

/// A write from the Memory page's editor. `expected_sha256` is the content the user started
/// from; if the file changed since, the write is a conflict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MemoryWrite {
    pub path: String,
    pub content: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub expected_sha256: Option<String>,
}

/// One ranked search result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct MemorySearchHit {
    pub path: String,
    /// A short excerpt with the matches between `«` and `»`.
    pub snippet: String,
    /// BM25 relevance; higher is better.
    pub score: f64,
}

/// How a session touched a memory file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MemoryAccessKind {
    /// Shown in the index of the system prompt.
    Listed,
    Searched,
    Read,
    Written,
}

/// Why a memory file was loaded: which session and thread, how, with which query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MemoryAccessRecord {
    pub session_id: SessionId,
    pub thread_id: ThreadId,
    pub store_id: MemoryStoreId,
    pub store_name: String,
    /// `None` for a search that found nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub path: Option<String>,
    pub kind: MemoryAccessKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub query: Option<String>,
    #[ts(type = "number")]
    pub time_ms: i64,
}

/// A line of a diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DiffLineKind {
    Context,
    Added,
    Removed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DiffLine {
    pub kind: DiffLineKind,
    pub text: String,
}

/// One hunk of a line diff, numbered from 1 like a unified diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DiffHunk {
    pub old_start: u32,
    pub old_lines: u32,
    pub new_start: u32,
    pub new_lines: u32,
    pub lines: Vec<DiffLine>,
}

/// A file changed both outside Reverie (in the mirror folder) and inside since they last
/// agreed. Neither side won; the user chooses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MemoryConflict {
    pub store_id: MemoryStoreId,
    pub path: String,
    /// The content in Reverie now.
    pub ours_sha256: Option<String>,
    /// The content on disk now (`None`: deleted on disk).
    pub theirs: Option<String>,
    #[ts(type = "number")]
    pub detected_at: i64,
}

/// A version with the content it left (`None` for a delete or once redacted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MemoryVersionContent {
    pub version: MemoryVersion,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub content: Option<String>,
}

/// A file in a store's mirror folder that couldn't be imported (not UTF-8, too large, a name
/// that isn't a memory path…): nothing was imported and the file was left as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MemoryProblem {
    pub store_id: MemoryStoreId,
    pub path: String,
    pub problem: String,
    #[ts(type = "number")]
    pub detected_at: i64,
}
