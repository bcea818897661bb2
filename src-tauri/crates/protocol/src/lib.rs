//! Reverie's wire protocol: everything that crosses the IPC boundary between the Rust core and
//! the React UI.
//!
//! Conventions (kept by every type here):
//! - enums that carry data are internally tagged with `type` (`#[serde(tag = "type")]`);
//!   enums without data serialize as plain `snake_case` strings, which is what the UI compares;
//! - ids are strings, times are Unix milliseconds (`number` in TypeScript);
//! - TypeScript declarations are generated from these types with `ts-rs` into
//!   `ui/src/bindings/` (see [`bindings`]) and checked in; a test fails on drift.

pub mod agent;
pub mod app;
pub mod bindings;
pub mod dream;
pub mod error;
pub mod ids;
pub mod memory;
pub mod outcome;
pub mod provider;
pub mod session;

pub use agent::{Agent, AgentId, AgentInput, Permission, ToolInfo, ToolRule};
pub use app::{AppStatus, CloseChoice, CloseRequest, Notice, NoticeLevel, SecretBackend, UpdateStatus};
pub use dream::{
    ApplyReport, Dream, DreamId, DreamInput, DreamMode, DreamSettings, DreamStage, DreamStatus, Evidence, FileChange,
    FileOp, HunkDecision, Proposal, ProposalHunk, ProposalStatus,
};
pub use error::{AppError, ErrorCode};
pub use ids::ProviderId;
pub use memory::{
    DiffHunk, DiffLine, DiffLineKind, MemoryAccess, MemoryAccessKind, MemoryAccessRecord, MemoryConflict, MemoryFile,
    MemoryFileContent, MemoryMount, MemoryOp, MemoryProblem, MemorySearchHit, MemoryStore, MemoryStoreId,
    MemoryStoreInput, MemoryVersion, MemoryVersionContent, MemoryWrite,
};
pub use outcome::{
    Criterion, CriterionVerdict, OutcomeDefinition, OutcomeInput, OutcomeResult, Rubric, RubricCheck, RubricId,
    RubricProblem, RubricTemplate, RubricVersion, Verdict,
};
pub use provider::{ConnectionReport, KeySource, KeyStatus, Provider, ProviderInput, ProviderKind};
pub use session::{
    EventPayload, IdleReason, RunInput, SessionEvent, SessionId, SessionStatus, SessionSummary, StreamItem, ThreadId,
    TokenUsage,
};
