//! Checks of what a run starts or goes on with, before anything is looked up or written: the
//! task, a follow-up message, the folder, how many subagent threads run at once and an
//! outcome's limits. A refusal is an `Invalid` error that names the field and says what to do.

use reverie_protocol::{OutcomeInput, RunInput};

use super::folder::{self, home_dir, Confirmed};
use crate::orchestration::{DEFAULT_MAX_THREADS, MAX_THREADS};
use crate::outcome::plan::OutcomeRequest;
use crate::outcome::{DEFAULT_MAX_ITERATIONS, MAX_GRADER_PASSES, MAX_ITERATIONS};
use crate::tools::Workspace;
use crate::{Error, Result};

/// The largest task accepted, in bytes. Anything longer belongs in a file the agent reads.
pub const MAX_TASK_BYTES: usize = 256 * 1024;

/// A [`RunInput`] that passed every check.
pub(crate) struct CheckedRun {
    pub task: String,
    pub workspace: Workspace,
    pub max_threads: u32,
    pub outcome: Option<OutcomeRequest>,
}

/// Checks a new run's input.
pub(crate) fn check_run(input: &RunInput) -> Result<CheckedRun> {
    let task = check_task(&input.task)?.to_owned();
    let workspace =
        folder::check(&input.workspace, Confirmed { home: input.allow_home.unwrap_or(false) }, home_dir().as_deref())?;
    let max_threads = input.max_threads.unwrap_or(DEFAULT_MAX_THREADS);
    if !(1..=MAX_THREADS).contains(&max_threads) {
        return Err(Error::invalid(
            "max_threads",
            format!("Choose between 1 and {MAX_THREADS} subagent threads at once (you chose {max_threads})."),
        ));
    }
    let outcome = input.outcome.as_ref().map(|o| check_outcome(o, &task)).transpose()?;
    Ok(CheckedRun { task, workspace, max_threads, outcome })
}

/// A follow-up message as sent: trimmed, and none when blank.
pub(crate) fn follow_up(message: Option<String>) -> Option<String> {
    message.map(|m| m.trim().to_owned()).filter(|m| !m.is_empty())
}

/// Checks a follow-up message: one longer than a task is refused.
pub(crate) fn check_message(message: &str) -> Result<()> {
    check_task(message).map_err(|e| in_field(e, "message"))?;
    Ok(())
}

/// The folder of a session that is going on: it was accepted (and the home folder confirmed)
/// when the session started, and is checked again in case it changed since.
pub(crate) fn check_resumed_folder(path: &str) -> Result<Workspace> {
    folder::check(path, Confirmed { home: true }, home_dir().as_deref())
}

/// Checks an outcome's limits and description (empty: the task).
fn check_outcome(input: &OutcomeInput, task: &str) -> Result<OutcomeRequest> {
    let max_iterations = input.max_iterations.unwrap_or(DEFAULT_MAX_ITERATIONS);
    if !(1..=MAX_ITERATIONS).contains(&max_iterations) {
        return Err(Error::invalid(
            "outcome.max_iterations",
            format!("Choose between 1 and {MAX_ITERATIONS} iterations: how many times the work is graded at most (you chose {max_iterations})."),
        ));
    }
    let grader_passes = input.grader_passes.unwrap_or(1);
    if !(1..=MAX_GRADER_PASSES).contains(&grader_passes) {
        return Err(Error::invalid(
            "outcome.grader_passes",
            format!("Choose between 1 and {MAX_GRADER_PASSES} grader passes (you chose {grader_passes})."),
        ));
    }
    let description = match input.description.trim() {
        "" => task.to_owned(),
        d => check_task(d).map_err(|e| in_field(e, "outcome.description"))?.to_owned(),
    };
    Ok(OutcomeRequest {
        description,
        rubric_id: input.rubric_id.clone(),
        rubric_version: input.rubric_version,
        max_iterations,
        grader_passes,
        grader_provider_id: input.grader_provider_id.clone(),
        grader_model: input.grader_model.clone().filter(|m| !m.trim().is_empty()),
    })
}

fn check_task(task: &str) -> Result<&str> {
    let task = task.trim();
    if task.is_empty() {
        return Err(Error::invalid("task", "Describe the task for the agent."));
    }
    if task.len() > MAX_TASK_BYTES {
        return Err(Error::invalid(
            "task",
            format!(
                "The task is {}; the most a task can be is {}. Put long material in a file in the workspace and ask the agent to read it.",
                human_bytes(task.len()),
                human_bytes(MAX_TASK_BYTES)
            ),
        ));
    }
    Ok(task)
}

/// The same refusal, about another field.
fn in_field(e: Error, field: &'static str) -> Error {
    match e {
        Error::Invalid { message, .. } => Error::invalid(field, message),
        other => other,
    }
}

fn human_bytes(n: usize) -> String {
    if n >= 1024 * 1024 {
        format!("{:.1} MB", n as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} kB", n.div_ceil(1024))
    }
}
