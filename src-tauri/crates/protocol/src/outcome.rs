//! Outcomes: rubrics parsed into criteria the grader judges one by one.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

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
