//! Outcomes: rubrics parsed into criteria the grader judges one by one.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::ProviderId;

/// One criterion of a rubric: a list item, with the heading it sits under.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Criterion {
    /// Stable across edits: the item's `{#id}`, else derived from its text.
    pub id: String,
    pub text: String,
    /// The nearest heading above the item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub group: Option<String>,
    /// How much the criterion counts (`weight=N`, default 1).
    pub weight: u32,
    /// `.optional`: may be partially met without failing the rubric.
    pub optional: bool,
    /// 1-based line in the rubric's Markdown.
    pub line: u32,
}

/// Why a rubric can't be used, at which line (1-based; 0 for the rubric as a whole).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RubricProblem {
    pub line: u32,
    pub message: String,
}

/// Identifies a rubric (`rub_…`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
pub struct RubricId(pub String);

impl RubricId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One saved version of a rubric: its Markdown and the criteria parsed from it. Versions are
/// never changed; an outcome records the version it used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RubricVersion {
    pub rubric_id: RubricId,
    /// 1, 2, 3… per rubric.
    pub version: u32,
    pub source: String,
    pub criteria: Vec<Criterion>,
    #[ts(type = "number")]
    pub created_at: i64,
}

/// A rubric in the library: its name and latest version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Rubric {
    pub id: RubricId,
    pub name: String,
    pub latest: RubricVersion,
    #[ts(type = "number")]
    pub created_at: i64,
    #[ts(type = "number")]
    pub updated_at: i64,
}

/// The grader's verdict on one criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Met,
    PartiallyMet,
    NotMet,
}

/// How an evaluation came out, computed in code from the verdicts (never taken from the grader).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeResult {
    /// Every required criterion is met (optional ones at least partially).
    Satisfied,
    NeedsRevision,
    /// The iteration budget is spent.
    MaxIterationsReached,
    /// The grader judged the rubric does not apply, or its output stayed invalid.
    Failed,
    /// Cancelled while grading.
    Interrupted,
}

/// One criterion as graded: the verdict, the evidence (a quote or `file:line`) and what to change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CriterionVerdict {
    pub criterion_id: String,
    pub verdict: Verdict,
    pub evidence: String,
    /// Empty when met.
    pub change: String,
    /// With several grader passes: each pass's verdict, when they did not all agree.
    #[serde(default)]
    pub disagreement: Vec<Verdict>,
}

/// What a rubric's Markdown parses to, for the editor's live preview: the criteria, or every
/// problem with its line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RubricCheck {
    pub criteria: Vec<Criterion>,
    pub problems: Vec<RubricProblem>,
}

/// A starter rubric that ships with the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RubricTemplate {
    pub name: String,
    pub source: String,
}

/// `define_outcome`: what the work should achieve, the rubric it is graded against, and how
/// many times the agent may revise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct OutcomeInput {
    /// What a good result is, in the user's words; empty means the task itself.
    #[serde(default)]
    pub description: String,
    pub rubric_id: RubricId,
    /// The rubric version to grade against; the latest when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub rubric_version: Option<u32>,
    /// Evaluations at most (1–20, default 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub max_iterations: Option<u32>,
    /// Independent gradings per evaluation, combined by majority (1–5, default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub grader_passes: Option<u32>,
    /// The grader's provider; the agent's when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub grader_provider_id: Option<ProviderId>,
    /// The grader's model; the provider's default when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub grader_model: Option<String>,
}

/// An outcome as a session records it (`outcome.defined`): the rubric version's criteria are
/// copied in, so the outcome outlives edits and deletion of its rubric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct OutcomeDefinition {
    pub description: String,
    pub rubric_id: RubricId,
    pub rubric_name: String,
    pub rubric_version: u32,
    pub criteria: Vec<Criterion>,
    pub max_iterations: u32,
    pub grader_passes: u32,
    /// The provider and model that grade.
    pub grader_provider_id: ProviderId,
    pub grader_model: String,
}
