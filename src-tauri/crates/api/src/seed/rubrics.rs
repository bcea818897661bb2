//! `rubrics`: the runs seed, plus a rubric library made through the library's own saves — "Bug
//! fix", saved three times (each version adds criteria), and "Research brief" from the starter
//! templates — and a past run of the Maintainer graded against "Bug fix" by three grader passes
//! of the real evaluator: the first evaluation needs a revision (the tests weren't run, the cause
//! wasn't said; one pass dissents on whether the bug is fixed), the agent revises, and the second
//! is satisfied. It works on a fresh copy of the notes project (`seed-workspaces/notes-bug-fix`).

use reverie_engine::blocking::blocking;
use reverie_engine::session::RunOptions;
use reverie_engine::Error;
use reverie_protocol::{OutcomeInput, RunInput};
use reverie_testkit::{Reply, Usage};
use serde_json::{json, Value};

use super::runs::{project, MAINTAINER, STORE_NEW, STORE_OLD, TESTS_COMMAND};
use super::{run_to_end, InSeed, Seed, SeedError, SeedFuture, Seeding};

const NAME: &str = "rubrics";

pub const SEED: Seed = Seed {
    name: NAME,
    summary: "the runs seed, \"Bug fix\" (three versions) and \"Research brief\", and a run graded against Bug fix",
    needs: &["runs"],
    run,
};

pub const BUG_FIX: &str = "Bug fix";
pub const RESEARCH_BRIEF: &str = "Research brief";
/// The graded run's task.
pub const GRADED_TASK: &str = "The notes app loses the last note on exit. Find the cause, fix it and run the tests.";
/// The graded run's project, under `seed-workspaces/`.
pub const GRADED_PROJECT: &str = "notes-bug-fix";
/// What a good result is, in the user's words.
pub const DESCRIPTION: &str = "A fix another engineer could merge as it is.";
/// Grader passes per evaluation.
pub const PASSES: u32 = 3;

pub const BUG_FIX_V1: &str = "# Bug fix\n\n## Fix\n- The bug described in the task no longer happens {#fixed weight=3}\n- The project's tests pass {#tests-pass weight=2}\n\n## Report\n- The final message says what the cause was {#cause}\n";
pub const BUG_FIX_V2: &str = "# Bug fix\n\nA fix another engineer could merge as it is.\n\n## Fix\n- The bug described in the task no longer happens {#fixed weight=3}\n- The project's tests pass {#tests-pass weight=2}\n- A test fails without the fix and passes with it {#regression-test weight=2}\n\n## Report\n- The final message says what the cause was {#cause}\n";
pub const BUG_FIX_V3: &str = "# Bug fix\n\nA fix another engineer could merge as it is.\n\n## Fix\n- The bug described in the task no longer happens {#fixed weight=3}\n- The project's tests pass {#tests-pass weight=2}\n- A test fails without the fix and passes with it {#regression-test weight=2}\n- Nothing outside the fix changed {#focused}\n\n## Report\n- The final message says what the cause was {#cause}\n- NOTES.md records the cause for next time {#notes .optional}\n";

/// What `NOTES.md` says after the first attempt.
const NOTES: &str =
    "# Notes\n\n- Notes were saved every five seconds only, so the last one was lost on exit; src/store.js now also saves on exit.\n";

fn run<'a>(seeding: &'a Seeding<'a>) -> SeedFuture<'a> {
    Box::pin(async move {
        let ctx = seeding.ctx;
        let (rubrics, agents) = (ctx.core.rubrics.clone(), ctx.core.agents.clone());
        let (bug_fix, maintainer) = blocking(move || {
            let rubric = rubrics.create(BUG_FIX, BUG_FIX_V1).map_err(Error::from)?;
            rubrics.save(&rubric.id, BUG_FIX, BUG_FIX_V2).map_err(Error::from)?;
            let rubric = rubrics.save(&rubric.id, BUG_FIX, BUG_FIX_V3).map_err(Error::from)?;
            rubrics.create_from_template(RESEARCH_BRIEF)?;
            Ok((rubric, agents.by_name(MAINTAINER)?))
        })
        .await
        .in_seed(NAME)?;
        if bug_fix.latest.version != 3 {
            return Err(SeedError::failed(
                NAME,
                format!("“{BUG_FIX}” is at version {}, not 3", bug_fix.latest.version),
            ));
        }
        let workspace = project(seeding, GRADED_PROJECT)?;

        // The agent's first attempt, three grader passes (one dissenting on `fixed`), the
        // revision, and three passes that are satisfied: the evaluator asks in this order.
        let first = [
            ("fixed", "met", "src/store.js:3 saves on \"exit\"", ""),
            (
                "tests-pass",
                "not_met",
                "the final message mentions no test run",
                "Run `sh test/run.sh` and make sure the project's tests pass",
            ),
            ("regression-test", "met", "test/run.sh checks `process.on(\"exit\"` in src/store.js", ""),
            (
                "focused",
                "partially_met",
                "NOTES.md is new besides the fix",
                "Keep NOTES.md to the cause, or leave it out",
            ),
            (
                "cause",
                "not_met",
                "the final message says what changed, not why",
                "Say in the final message why the last note was lost",
            ),
            ("notes", "met", "NOTES.md:3", ""),
        ];
        let mut dissent = first;
        dissent[0] = (
            "fixed",
            "not_met",
            "nothing shows the last note survives an exit",
            "Show that a note added just before exit is saved",
        );
        let second = [
            ("fixed", "met", "src/store.js:3 saves on \"exit\"", ""),
            ("tests-pass", "met", "`sh test/run.sh`: ✔ adds a note, ✔ saves the last note on exit", ""),
            ("regression-test", "met", "test/run.sh fails without the fix", ""),
            ("focused", "met", "only src/store.js and NOTES.md changed", ""),
            ("cause", "met", "“notes were only saved on a timer”", ""),
            ("notes", "met", "NOTES.md:3", ""),
        ];
        seeding.model.push([
            Reply::new().text("Reading the store first.").tool_use("read_file", json!({"path": "src/store.js"})),
            Reply::new()
                .text("It only saves on a timer. Saving on exit too.")
                .tool_use("edit_file", json!({"path": "src/store.js", "old_string": STORE_OLD, "new_string": STORE_NEW})),
            Reply::new()
                .text("Writing down what I found.")
                .tool_use("write_file", json!({"path": "NOTES.md", "content": NOTES})),
            Reply::new().text("Fixed: src/store.js now saves on exit.").usage(Usage::new(1620, 40)),
            grade(&first),
            grade(&dissent),
            grade(&first),
            Reply::new().text("Running the tests, as the grader asks.").tool_use("run_command", json!({"command": TESTS_COMMAND})),
            Reply::new()
                .text("The cause: notes were only saved on a timer, so a note added in the last five seconds was lost on exit. src/store.js now also saves when the process exits. I ran the tests (`sh test/run.sh`): both pass.")
                .usage(Usage::new(2310, 64)),
            grade(&second),
            grade(&second),
            grade(&second),
        ]);
        let input = RunInput {
            agent_id: maintainer.id,
            workspace: workspace.display().to_string(),
            task: GRADED_TASK.into(),
            max_threads: None,
            outcome: Some(OutcomeInput {
                description: DESCRIPTION.into(),
                rubric_id: bug_fix.id,
                rubric_version: None,
                max_iterations: Some(3),
                grader_passes: Some(PASSES),
                grader_provider_id: None,
                grader_model: None,
            }),
            allow_home: None,
        };
        let started = ctx.core.sessions.start(input, RunOptions::default()).await.in_seed(NAME)?;
        run_to_end(ctx, NAME, started, |_, _| true).await?;
        Ok(())
    })
}

/// One grader pass's report, submitted as the structured output it must be.
fn grade(verdicts: &[(&str, &str, &str, &str)]) -> Reply {
    let criteria: Vec<Value> = verdicts
        .iter()
        .map(|(id, verdict, evidence, change)| json!({"id": id, "verdict": verdict, "evidence": evidence, "change": change}))
        .collect();
    Reply::new().tool_use("submit_result", json!({"applies": true, "criteria": criteria})).usage(Usage::new(900, 120))
}
