//! `runs`: two agents and three past sessions of the real session loop on a small notes project
//! (`seed-workspaces/notes`), oldest first:
//!
//! 1. the Maintainer finds why the last note is lost on exit, fixes it (an `edit_file` it asks
//!    for, approved), runs the tests (a `run_command`, approved) and finishes;
//! 2. the Maintainer starts on the README, asks to run the tests, and is left waiting: the
//!    process "dies" there, so the dev server starts with it interrupted (and says so);
//! 3. the Local helper's run fails at once: its provider, Ollama (local), isn't running.

use reverie_engine::blocking::blocking;
use reverie_engine::session::RunOptions;
use reverie_protocol::{AgentInput, Permission, RunInput, ToolRule};
use reverie_testkit::{Reply, Usage};
use serde_json::json;

use super::providers::{ANTHROPIC, OLLAMA};
use super::{run_to_end, until_approval, InSeed, Seed, SeedError, SeedFuture, Seeding};

const NAME: &str = "runs";

pub const SEED: Seed = Seed {
    name: NAME,
    summary: "the Maintainer and the Local helper, and three past runs: finished, interrupted, failed",
    needs: &["providers"],
    run,
};

pub const MAINTAINER: &str = "Maintainer";
pub const LOCAL_HELPER: &str = "Local helper";
/// The project the runs work in, under `seed-workspaces/`.
pub const PROJECT: &str = "notes";

pub const FINISHED_TASK: &str = "Find out why the notes app loses the last note on exit, fix it and run the tests.";
pub const INTERRUPTED_TASK: &str = "Update the README with the new install steps.";
pub const FAILED_TASK: &str = "Explain how notes are stored on disk.";

const README: &str = "# Notes\n\nA small command-line notes app. Notes are Markdown files in ~/.notes.\n\n## Install\n\n    npm install -g .\n\n## Tests\n\nRun `npm test` (it runs `sh test/run.sh`; no network needed).\n";
const PACKAGE: &str =
    "{\n  \"name\": \"notes\",\n  \"version\": \"1.4.0\",\n  \"scripts\": { \"test\": \"sh test/run.sh\" }\n}\n";
const STORE: &str = "// Notes are kept in memory and written to disk every few seconds.\nexport function start(notes, save) {\n  setInterval(() => save(notes), 5000);\n}\n";
pub const STORE_OLD: &str = "  setInterval(() => save(notes), 5000);\n";
pub const STORE_NEW: &str = "  setInterval(() => save(notes), 5000);\n  process.on(\"exit\", () => save(notes));\n";
/// The project's "tests": plain sh, so they run wherever the dev server does.
const TESTS: &str = "#!/bin/sh\n# The notes app's checks.\ngrep -q 'save(notes)' src/store.js && echo '✔ adds a note'\ngrep -q 'process.on(\"exit\"' src/store.js && echo '✔ saves the last note on exit' || { echo '✖ saves the last note on exit'; exit 1; }\n";
pub const TESTS_COMMAND: &str = "sh test/run.sh";

fn run<'a>(seeding: &'a Seeding<'a>) -> SeedFuture<'a> {
    Box::pin(async move {
        let ctx = seeding.ctx;
        let workspace = project(seeding, PROJECT)?;
        let (providers, agents) = (ctx.core.providers.clone(), ctx.core.agents.clone());
        let (maintainer, helper) = blocking(move || {
            let by_name = |name: &str| {
                providers.list()?.into_iter().find(|p| p.name == name).map(|p| p.id).ok_or_else(|| {
                    reverie_engine::Error::NotFound(format!("the provider “{name}” (from the providers seed)"))
                })
            };
            let maintainer = agents.create(AgentInput {
                name: MAINTAINER.into(),
                description: "Keeps a small project tidy: reads, fixes, runs the tests.".into(),
                instructions:
                    "You maintain this project. Read before you change anything, keep changes small, and run the tests."
                        .into(),
                provider_id: by_name(ANTHROPIC)?,
                model: None,
                tools: vec![rule("edit_file", Permission::Ask)],
                max_turns: Some(30),
                memory: Vec::new(),
                roster: Vec::new(),
            })?;
            let helper = agents.create(AgentInput {
                name: LOCAL_HELPER.into(),
                description: "Answers questions about the code with a local model.".into(),
                instructions: "Answer questions about the code in this folder. Never change files.".into(),
                provider_id: by_name(OLLAMA)?,
                model: None,
                tools: ["write_file", "edit_file", "run_command"].map(|t| rule(t, Permission::Deny)).to_vec(),
                max_turns: None,
                memory: Vec::new(),
                roster: Vec::new(),
            })?;
            Ok((maintainer, helper))
        })
        .await
        .in_seed(NAME)?;
        let input = |agent: &reverie_protocol::Agent, task: &str| RunInput {
            agent_id: agent.id.clone(),
            workspace: workspace.display().to_string(),
            task: task.into(),
            max_threads: None,
            outcome: None,
            allow_home: None,
        };

        // 1. Finished: a fix and the tests, both approved.
        seeding.model.push([
            Reply::new()
                .text("First I'll write down the task in NOTES.md.")
                .tool_use("write_file", json!({"path": "NOTES.md", "content": format!("# Task\n\n{FINISHED_TASK}\n")})),
            Reply::new().text("Now the README, to see how the tests run.").tool_use("read_file", json!({"path": "README.md"})),
            Reply::new()
                .text("src/store.js saves every five seconds and never on exit, so a note added just before quitting is lost. Saving on exit fixes it.")
                .tool_use("edit_file", json!({"path": "src/store.js", "old_string": STORE_OLD, "new_string": STORE_NEW})),
            Reply::new().text("Now let me run the tests.").tool_use("run_command", json!({"command": TESTS_COMMAND})),
            Reply::new()
                .text("Fixed. The cause: notes were only saved on a timer, so the last one was lost on exit; src/store.js now also saves when the process exits. I ran the tests: both pass.")
                .usage(Usage::new(1840, 96).cache(1200, 0)),
        ]);
        let started =
            ctx.core.sessions.start(input(&maintainer, FINISHED_TASK), RunOptions::default()).await.in_seed(NAME)?;
        run_to_end(ctx, NAME, started, |_, _| true).await?;

        // 2. Interrupted: left waiting for its command's approval when the process goes.
        seeding.model.push([
            Reply::new().text("Reading the README first.").tool_use("read_file", json!({"path": "README.md"})),
            Reply::new().text("Now let me run the tests.").tool_use("run_command", json!({"command": TESTS_COMMAND})),
        ]);
        let started =
            ctx.core.sessions.start(input(&maintainer, INTERRUPTED_TASK), RunOptions::default()).await.in_seed(NAME)?;
        let (_, done) = until_approval(NAME, started).await?;
        seeding.leave_running(done);

        // 3. Failed: nothing listens where Ollama (local) should be.
        let started =
            ctx.core.sessions.start(input(&helper, FAILED_TASK), RunOptions::default()).await.in_seed(NAME)?;
        run_to_end(ctx, NAME, started, |_, _| false).await?;
        Ok(())
    })
}

/// A copy of the notes project, as it was before any run, in `seed-workspaces/<name>`.
pub fn project(seeding: &Seeding<'_>, name: &str) -> Result<std::path::PathBuf, SeedError> {
    seeding.workspace(
        name,
        &[("README.md", README), ("package.json", PACKAGE), ("src/store.js", STORE), ("test/run.sh", TESTS)],
    )
}

fn rule(tool: &str, permission: Permission) -> ToolRule {
    ToolRule { tool: tool.into(), permission }
}
