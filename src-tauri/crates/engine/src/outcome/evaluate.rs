//! The revise loop's judge: after each agent turn that ends with `end_turn`, grade the work in a
//! fresh context (the rubric, the description and the artifacts; never the transcript), and give
//! the loop the evaluation's events to record and whether the agent revises, wraps up or stops.
//! The evaluator writes nothing itself: the thread loop records what it returns.

use std::collections::BTreeSet;
use std::sync::Arc;

use futures::future::join_all;
use reverie_llm::{prices, LanguageModel, ModelError, Usage};
use reverie_protocol::{
    Criterion, CriterionVerdict, EventPayload, OutcomeDefinition, OutcomeResult, SessionEvent, TokenUsage, Verdict,
};

use super::artifacts::{changed_files, render, Snapshot};
use super::grade::{combine, feedback, grade_once, result, Grader, Pass};
use crate::error::model_error;
use crate::tools::text::cut;
use crate::tools::{ToolContext, ToolSet};
use crate::{Clock, Result};

/// Default and largest iteration budget of an outcome.
pub const DEFAULT_MAX_ITERATIONS: u32 = 3;
pub const MAX_ITERATIONS: u32 = 20;
/// Largest number of independent grader passes per evaluation.
pub const MAX_GRADER_PASSES: u32 = 5;
/// Bytes of the agent's final message shown to the grader.
const FINAL_MESSAGE_BYTES: usize = 16 * 1024;

/// The grader's instructions.
pub const GRADER_SYSTEM: &str = "You are an independent grader. You judge finished work against a rubric, one criterion at a time. \
You see what the work should achieve, the rubric, the agent's final message and the files it changed; you may read more of the \
workspace with read_file, list_files and search_files. Judge only what you can see: for each criterion give the verdict met, \
partially_met or not_met, evidence (a short quote or a file:line), and, unless it is met, what exactly to change. \
If the rubric plainly does not apply to this task, set applies to false and say why in reason. \
When you are done, call submit_result once with every criterion id of the rubric.";

/// What the loop does after an evaluation.
#[derive(Debug, Clone, PartialEq)]
pub enum AfterTurn {
    /// The outcome is over (satisfied, failed, or the wrap-up turn is done): the run ends.
    Finish,
    /// The agent gets this message and another turn.
    Revise(String),
    /// Cancelled while grading.
    Cancelled,
}

/// A finished evaluation: the events that record it (`span.outcome_evaluation_end`, and the
/// feedback when the agent revises) and what the loop does next.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub events: Vec<EventPayload>,
    pub next: AfterTurn,
}

/// One outcome in progress on a session.
pub struct Evaluator {
    definition: OutcomeDefinition,
    grader: Arc<dyn LanguageModel>,
    /// The next evaluation's 0-based number.
    iteration: u32,
    /// The budget is spent and the wrap-up turn was granted: nothing is graded any more.
    done: bool,
    /// The workspace when the outcome began (or the run resumed).
    baseline: Snapshot,
    /// Files earlier runs of this outcome wrote through their tools.
    touched: BTreeSet<String>,
    /// The last evaluation's result.
    last: Option<OutcomeResult>,
}

impl Evaluator {
    pub fn new(definition: OutcomeDefinition, grader: Arc<dyn LanguageModel>, baseline: Snapshot) -> Self {
        Self { definition, grader, iteration: 0, done: false, baseline, touched: BTreeSet::new(), last: None }
    }

    /// The outcome a session's log leaves unfinished, to go on with after a resume: the last
    /// one defined, unless an evaluation already settled it. Also returns how many
    /// evaluations it has finished and the files the agent wrote meanwhile.
    pub fn pending(events: &[SessionEvent]) -> Option<(OutcomeDefinition, u32, BTreeSet<String>)> {
        let start = events.iter().rposition(|e| matches!(e.payload, EventPayload::OutcomeDefined { .. }))?;
        let EventPayload::OutcomeDefined { outcome } = &events[start].payload else { return None };
        let mut finished = 0;
        let mut touched = BTreeSet::new();
        for event in &events[start..] {
            match &event.payload {
                EventPayload::OutcomeEvaluationEnd { result, .. } => match result {
                    OutcomeResult::NeedsRevision => finished += 1,
                    OutcomeResult::Interrupted => {}
                    OutcomeResult::Satisfied | OutcomeResult::Failed | OutcomeResult::MaxIterationsReached => {
                        return None
                    }
                },
                EventPayload::AgentToolUse { name, input, .. }
                    if matches!(name.as_str(), "write_file" | "edit_file") =>
                {
                    if let Some(path) = input.get("path").and_then(|p| p.as_str()) {
                        touched.insert(path.trim_start_matches("./").to_owned());
                    }
                }
                _ => {}
            }
        }
        Some((outcome.clone(), finished, touched))
    }

    /// Goes on from a log: `finished` evaluations are done, `touched` files were written.
    pub fn resumed(mut self, finished: u32, touched: BTreeSet<String>) -> Self {
        self.iteration = finished;
        self.touched = touched;
        self
    }

    /// How the last evaluation of this run came out.
    pub fn result(&self) -> Option<OutcomeResult> {
        self.last
    }

    /// The event that opens the next evaluation, for the loop to record before it calls
    /// [`Evaluator::grade`]; `None` when the outcome is over (the wrap-up turn is done, or the
    /// outcome settled): nothing is graded any more and the run finishes.
    pub fn start(&self) -> Option<EventPayload> {
        (!self.done).then(|| EventPayload::OutcomeEvaluationStart {
            iteration: self.iteration,
            grader_model: self.definition.grader_model.clone(),
            passes: self.definition.grader_passes,
        })
    }

    /// Grades the work in `context`'s workspace after the agent ended its turn with
    /// `final_message`; `clock` times the evaluation. Call it after recording
    /// [`Evaluator::start`]'s event.
    pub async fn grade(&mut self, context: &ToolContext, clock: &dyn Clock, final_message: &str) -> Result<Evaluation> {
        let iteration = self.iteration;
        let d = &self.definition;
        let started = clock.now_ms();
        let root = context.workspace.root().to_owned();
        let (baseline, touched) = (self.baseline.clone(), self.touched.clone());
        let files = tokio::task::spawn_blocking(move || render(&root, &changed_files(&root, &baseline, &touched)))
            .await
            .map_err(|e| crate::Error::Internal(format!("the workspace could not be compared: {e}")))?;
        let prompt = grader_prompt(d, final_message, &files);
        let tools = ToolSet::workspace().filter(|name| matches!(name, "read_file" | "list_files" | "search_files"));
        let grader = Grader { model: &*self.grader, tools: &tools, context };
        let passes =
            join_all((0..d.grader_passes).map(|_| grade_once(&grader, GRADER_SYSTEM, &prompt, &d.criteria))).await;

        let mut usage = Usage::default();
        let mut graded = Vec::new();
        let mut errors = Vec::new();
        for pass in passes {
            match pass {
                Ok((pass, u)) => {
                    usage.add(u);
                    graded.push(pass);
                }
                Err(e) => errors.push(e),
            }
        }
        let cost_usd = prices::cost(self.grader.model_id(), &usage);
        let duration_ms = u64::try_from(clock.now_ms().saturating_sub(started)).unwrap_or(0);
        let end = |result: OutcomeResult, verdicts: Vec<CriterionVerdict>, reason: Option<String>| {
            EventPayload::OutcomeEvaluationEnd {
                iteration,
                result,
                verdicts,
                reason,
                usage: TokenUsage {
                    input_tokens: usage.input_tokens,
                    output_tokens: usage.output_tokens,
                    cache_read_tokens: usage.cache_read_tokens,
                    cache_write_tokens: usage.cache_write_tokens,
                },
                cost_usd,
                duration_ms,
            }
        };
        let cancelled = context.cancel.is_cancelled() || errors.iter().any(|e| matches!(e, ModelError::Cancelled));
        let combined = combine(&graded);
        // (result, verdicts, why it failed, the message for the agent)
        let (result, verdicts, reason, message) = if cancelled {
            (OutcomeResult::Interrupted, Vec::new(), None, None)
        } else if let Some(e) = errors.first() {
            tracing::warn!(error = %e, iteration, "grading failed");
            (
                OutcomeResult::Failed,
                Vec::new(),
                Some(format!("The grader could not finish: {}", model_error(e).message)),
                None,
            )
        } else {
            match &combined {
                Pass::NotApplicable(why) => (
                    OutcomeResult::Failed,
                    Vec::new(),
                    Some(format!("The rubric does not apply to this task: {why}")),
                    None,
                ),
                Pass::Graded(verdicts) => match result(&d.criteria, &combined) {
                    OutcomeResult::NeedsRevision if iteration + 1 >= d.max_iterations => (
                        OutcomeResult::MaxIterationsReached,
                        verdicts.clone(),
                        None,
                        Some(wrap_up(&d.criteria, verdicts)),
                    ),
                    OutcomeResult::NeedsRevision => {
                        (OutcomeResult::NeedsRevision, verdicts.clone(), None, Some(feedback(&d.criteria, verdicts)))
                    }
                    other => (other, verdicts.clone(), None, None),
                },
            }
        };
        let mut events = vec![end(result, verdicts, reason)];
        if let Some(text) = &message {
            events.push(EventPayload::OutcomeFeedback { iteration, text: text.clone() });
        }
        self.last = Some(result);
        let next = match result {
            OutcomeResult::Interrupted => AfterTurn::Cancelled,
            OutcomeResult::NeedsRevision => {
                self.iteration += 1;
                AfterTurn::Revise(message.unwrap_or_default())
            }
            OutcomeResult::MaxIterationsReached => {
                self.done = true;
                AfterTurn::Revise(message.unwrap_or_default())
            }
            OutcomeResult::Satisfied | OutcomeResult::Failed => {
                self.done = true;
                AfterTurn::Finish
            }
        };
        Ok(Evaluation { events, next })
    }
}

/// What the grader reads: the description first, then the rubric, the agent's final message
/// and the changed files. Nothing of the agent's conversation is in it.
pub fn grader_prompt(d: &OutcomeDefinition, final_message: &str, files: &str) -> String {
    let mut out = format!(
        "## What the work should achieve\n{}\n\n## Rubric “{}” (version {})\n",
        d.description.trim(),
        d.rubric_name,
        d.rubric_version
    );
    let mut group = None;
    for c in &d.criteria {
        if c.group.is_some() && c.group != group {
            group = c.group.clone();
            out.push_str(&format!("\n### {}\n", group.as_deref().unwrap_or_default()));
        }
        let optional = if c.optional { " (optional: partially met is enough)" } else { "" };
        out.push_str(&format!("- id `{}`: {}{optional}\n", c.id, c.text));
    }
    let message = cut(final_message.trim(), FINAL_MESSAGE_BYTES);
    let message = if message.is_empty() { "(the agent ended without a message)" } else { message };
    out.push_str(&format!("\n## The agent's final message\n{message}\n\n## Files\n{files}"));
    out
}

/// The system prompt's outcome section: the agent knows what its work is graded against (the
/// criteria; the description stays with the grader, the task already says what to do).
pub fn agent_prompt(d: &OutcomeDefinition) -> String {
    let mut out = String::from(
        "\n\n## How your work is judged\nWhen you end your turn, an independent grader checks the result (your final message and the files you changed) \
         against these criteria. What is not met comes back to you to revise.\n",
    );
    for c in &d.criteria {
        let optional = if c.optional { " (optional)" } else { "" };
        out.push_str(&format!("- {}{optional}\n", c.text));
    }
    out
}

/// The message for the agent's last turn once the budget is spent.
fn wrap_up(criteria: &[Criterion], verdicts: &[CriterionVerdict]) -> String {
    let open: Vec<String> = criteria
        .iter()
        .zip(verdicts)
        .filter(|(c, v)| v.verdict == Verdict::NotMet || (v.verdict == Verdict::PartiallyMet && !c.optional))
        .map(|(c, v)| {
            format!("- {} ({})", c.text, if v.verdict == Verdict::NotMet { "not met" } else { "partially met" })
        })
        .collect();
    format!(
        "The iteration budget for this outcome is spent, and these criteria are still not met:\n{}\n\nDon't start new work. Wrap up: end your turn with a short summary of what is done and what is still missing.",
        open.join("\n")
    )
}
