//! `dreams`: the "Project notes" memory store the Maintainer mounts, with a history of user
//! edits, and the store's dreams, each a real dream run whose extract and consolidate stages
//! the fake model answers:
//!
//! 1. the store's first, which read every finished session so far and rewrote the testing
//!    notes from the `runs` seed's finished run, its proposal accepted and applied;
//! 2. one whose consolidate stage failed: the model stayed overloaded through every retry;
//! 3. one that read the finished run and a run whose command the user denied (a run of this
//!    seed), with instructions, left ready for review: an update of the testing notes in two hunks, a new file, a rename, with quotes
//!    from both sessions, and a change to a path outside the store left out.
//!
//! Then two more finished runs of the Maintainer that no dream has read yet ("Dream now · 2 new
//! sessions"), a daily 03:30 schedule in review mode, and a second store no agent mounts.
//!
//! The store is made here unless an earlier seed (`memory`) made a store of the same name: then
//! the dreams are of that store.

use std::collections::HashMap;

use reverie_engine::blocking::blocking;
use reverie_engine::dream::transcript::{quoted, render};
use reverie_engine::memory::{Actor, Change};
use reverie_engine::session::RunOptions;
use reverie_protocol::{
    Agent, DreamInput, DreamMode, DreamSettings, DreamStatus, HunkDecision, IdleReason, MemoryAccess, MemoryMount,
    MemoryStore, MemoryStoreInput, ProviderId, RunInput, SessionId, SessionStatus,
};
use reverie_testkit::{Fault, Reply, Usage};
use serde_json::{json, Value};

use super::providers::ANTHROPIC;
use super::runs::{FINISHED_TASK, MAINTAINER, PROJECT};
use super::team::input_of;
use super::{run_to_end, InSeed, Seed, SeedError, SeedFuture, Seeding, SEED_WAIT};

const NAME: &str = "dreams";

pub const SEED: Seed = Seed {
    name: NAME,
    summary: "the Project notes store and its dreams: applied, failed, one ready for review; 2 new sessions",
    needs: &["runs"],
    run,
};

pub const STORE: &str = "Project notes";
pub const UNMOUNTED_STORE: &str = "Reading list";
pub const READY_INSTRUCTIONS: &str = "Focus on how the tests are run; leave the storage notes alone.";
pub const DENIED_TASK: &str = "Add a CHANGELOG entry for the exit fix and run the tests.";
pub const NEW_TASKS: [&str; 2] =
    ["Add a --version flag that prints the version from package.json.", "Run the tests and say how long they take."];

pub const TESTING: &str = "project/testing.md";
const TESTING_V1: &str = "# Testing\n\n- Run `npm test` from the project folder; it runs sh test/run.sh.\n- The tests live in test/ and need no network.\n";
const TESTING_V2: &str = "# Testing\n\n- Run `npm test` from the project folder; it runs sh test/run.sh.\n- The tests live in test/ and need no network.\n- Saving on exit is checked by test/run.sh: run it after touching src/store.js.\n";
const TESTING_V3: &str = "# Testing\n\n- Run `npm test` from the project folder; it runs sh test/run.sh.\n- The tests live in test/ and need no network.\n- Saving on exit is checked by test/run.sh: run it after touching src/store.js.\n- Use a temporary folder (`mktemp -d`) for notes written by a test, never ~/.notes.\n";
/// What the applied dream made of the testing notes.
pub const TESTING_V4: &str = "# Testing\n\n- Run `npm test` from the project folder; it runs sh test/run.sh.\n- The tests live in test/, one check a line, and need no network.\n- Saving on exit is checked by test/run.sh: run it after touching src/store.js.\n- Use a temporary folder (`mktemp -d`) for notes written by a test, never ~/.notes.\n\n## Before a release\n\nRun `npm test` and read every line of the output, not only the last.\n";
/// What the waiting proposal makes of them: two changes, far enough apart to be two hunks.
pub const TESTING_V5: &str = "# Testing\n\n- Run `npm test` from the project folder; it runs sh test/run.sh and takes a second, so run it after every change, not only at the end.\n- The tests live in test/, one check a line, and need no network.\n- Saving on exit is checked by test/run.sh: run it after touching src/store.js.\n- Use a temporary folder (`mktemp -d`) for notes written by a test, never ~/.notes.\n\n## Before a release\n\nRun `npm test` and read every line of the output, not only the last.\nSay in your last message which tests ran and whether they passed.\n";
pub const INTERRUPTED_RUNS: &str = "lessons/interrupted-runs.md";
const INTERRUPTED_RUNS_CONTENT: &str = "# When a run stops early\n\n- Write the plan to NOTES.md before running any command: a run cut short while a command waits for approval still leaves its plan behind.\n- `npm test` waits for the user's approval. Ask for it early in the run, not as the last step.\n";
const OVERVIEW: &str = "# Notes app\n\nA small command-line notes app. Notes are Markdown files in ~/.notes, one per note.\n\n- Storage: src/store.js.\n- Install steps are in the README; keep them in step with package.json.\n";
const STORAGE: &str = "# Storage format\n\nEach note is a Markdown file named by its creation time (`2024-05-01T10-00.md`).\nWe chose files over SQLite so notes stay readable and diffable.\n";
const STYLE: &str =
    "# Style\n\n- Two spaces, semicolons, double quotes.\n- Ask the maintainers before changing the CLI flags.\n";

fn run<'a>(seeding: &'a Seeding<'a>) -> SeedFuture<'a> {
    Box::pin(async move {
        let ctx = seeding.ctx;
        let (memory, agents, providers) =
            (ctx.core.memory.clone(), ctx.core.agents.clone(), ctx.core.providers.clone());
        let (store, maintainer, anthropic) = blocking(move || {
            let store = match memory.store_by_name(STORE) {
                Ok(store) => store,
                Err(reverie_engine::Error::NotFound(_)) => project_notes(&memory)?,
                Err(e) => return Err(e),
            };
            memory.create_store(MemoryStoreInput {
                name: UNMOUNTED_STORE.into(),
                description: "Papers and posts worth remembering".into(),
            })?;
            let maintainer = agents.list()?.into_iter().find(|a| a.name == MAINTAINER).ok_or_else(|| {
                reverie_engine::Error::NotFound(format!("the agent “{MAINTAINER}” (from the runs seed)"))
            })?;
            let mut input = input_of(&maintainer);
            if !input.memory.iter().any(|m| m.store_id == store.id) {
                input.memory.push(MemoryMount { store_id: store.id.clone(), access: MemoryAccess::ReadWrite });
            }
            let maintainer = agents.update(&maintainer.id, input)?;
            // The dreams name their provider: the first agent mounting the store may be one on
            // a provider that isn't running (the memory seed mounts the Local helper too).
            let anthropic =
                providers.list()?.into_iter().find(|p| p.name == ANTHROPIC).map(|p| p.id).ok_or_else(|| {
                    reverie_engine::Error::NotFound(format!("the provider “{ANTHROPIC}” (from the providers seed)"))
                })?;
            Ok((store, maintainer, anthropic))
        })
        .await
        .in_seed(NAME)?;

        // The runs seed's finished run (its interrupted one is still waiting, so no dream reads it).
        let sessions = ctx.core.sessions.list().await.in_seed(NAME)?;
        let finished = sessions
            .iter()
            .find(|s| s.task_preview == FINISHED_TASK && s.stop_reason == Some(IdleReason::EndTurn))
            .map(|s| s.id.clone())
            .ok_or_else(|| SeedError::failed(NAME, "the runs seed left no finished run of the Maintainer"))?;
        // A run whose command the user denied: it stops without running the tests.
        let workspace = seeding.workspace(PROJECT, &[])?;
        seeding.model.push([
            Reply::new().text("Adding the entry under Unreleased.").tool_use("write_file", json!({"path": "CHANGELOG.md", "content": "# Changelog\n\n## Unreleased\n\n- Notes are saved on exit, so the last one is no longer lost.\n"})),
            Reply::new().text("Now let me run the tests.").tool_use("run_command", json!({"command": "sh test/run.sh"})),
            Reply::new().text("CHANGELOG.md has the entry. I couldn't run the tests: the command was denied.").usage(Usage::new(1300, 40)),
        ]);
        let denied = maintainer_run(seeding, &maintainer, &workspace, DENIED_TASK, false).await?;
        let quotes = Quotes::read(seeding, &[&finished, &denied]).await?;

        // 1. Applied: the store's first dream, of every finished session so far (so the two
        // runs below are the only new ones, whichever seeds came first), rewrote the testing
        // notes from the finished run. One extract call a session: the quote is kept only for
        // the session that says it.
        let (dreams, id) = (ctx.core.dreams.clone(), store.id.clone());
        let read =
            blocking(move || dreams.new_sessions(&id, reverie_engine::dream::MAX_SESSIONS)).await.in_seed(NAME)?;
        let finding = extract(&[(
            "lesson",
            "The tests are one check a line in test/run.sh, and the output says which passed.",
            quotes.cite(&finished, "✔ saves the last note on exit")?,
        )]);
        seeding.model.push(read.iter().map(|_| finding.clone()));
        seeding.model.push([
            consolidate(json!([{
                "op": "update", "path": TESTING, "content": TESTING_V4,
                "rationale": "The session ran test/run.sh and read only its last line: saying the tests are one check a line, and to read every line before a release, would have shown it both passed.",
                "evidence": [quotes.cited(&finished, "✔ saves the last note on exit")?, quotes.cited(&finished, "I ran the tests: both pass")?],
            }])),
        ]);
        let applied = dream(seeding, &store, &anthropic, Vec::new(), "").await?;
        let dreams = ctx.core.dreams.clone();
        blocking(move || {
            let proposal = dreams.proposal(&applied)?;
            let hunks: Vec<String> = proposal.files.iter().flat_map(|f| f.hunks.iter().map(|h| h.id.clone())).collect();
            dreams.decide(&applied, &hunks, HunkDecision::Accepted, None)?;
            dreams.apply(&applied).map(|_| ())
        })
        .await
        .in_seed(NAME)?;

        // 2. Failed: the consolidate stage's model stays overloaded through every retry.
        seeding.model.push([extract(&[(
            "strategy",
            "Fix the cause, then run the tests before reporting.",
            quotes.cite(&finished, "Now let me run the tests.")?,
        )])]);
        seeding.model.push((0..4).map(|_| Reply::new().fault(Fault::overloaded())));
        let failed = dream(seeding, &store, &anthropic, vec![finished.clone()], "").await;
        match failed {
            Err(SeedError::Failed { message, .. }) if message.contains("failed") => {}
            Err(e) => return Err(e),
            Ok(id) => return Err(SeedError::failed(NAME, format!("the dream {} was to fail", id.as_str()))),
        }

        // 3. Ready for review: both runs read, with instructions.
        seeding.model.push([
            extract(&[(
                "lesson",
                "The tests take a second; running them after each change costs nothing.",
                quotes.cite(&finished, "I ran the tests: both pass")?,
            )]),
            extract(&[(
                "failure_mode",
                "The tests were never run: `npm test` waits for approval, and the user said no.",
                quotes.cite(&denied, "Now let me run the tests.")?,
            )]),
            consolidate(json!([
                {
                    "op": "update", "path": TESTING, "content": TESTING_V5,
                    "rationale": "The tests finish in a second, so running them after each change costs nothing. The run that finished said in its last message that they pass; the other never ran them.",
                    "evidence": [quotes.cited(&denied, "Now let me run the tests.")?, quotes.cited(&finished, "I ran the tests: both pass")?],
                },
                {
                    "op": "create", "path": INTERRUPTED_RUNS, "content": INTERRUPTED_RUNS_CONTENT,
                    "rationale": "The changelog run asked to run the tests only at the end, and they never ran. The first run wrote its plan to NOTES.md before running anything, so its work was never at risk.",
                    "evidence": [quotes.cited(&finished, "First I'll write down the task in NOTES.md.")?, quotes.cited(&denied, "Now let me run the tests.")?],
                },
                {
                    "op": "rename", "path": "style.md", "new_path": "project/style.md",
                    "rationale": "Every other note about the notes app lives under project/. Moving the style notes there keeps the index grouped by topic.",
                },
                {
                    "op": "create", "path": "../NOTES.md", "content": "# Notes\n\nWrite the plan here first.\n",
                    "rationale": "The project's own NOTES.md should say to write the plan first.",
                },
            ])),
        ]);
        dream(seeding, &store, &anthropic, vec![finished.clone(), denied.clone()], READY_INSTRUCTIONS).await?;

        // Two finished runs no dream has read yet.
        seeding.model.push([
            Reply::new().text("Reading package.json for the version.").tool_use("read_file", json!({"path": "package.json"})),
            Reply::new().text("The version is 1.4.0, in package.json; `notes --version` should print it. I'll leave the flag's code for review.").usage(Usage::new(1200, 60)),
            Reply::new().text("Running the tests.").tool_use("run_command", json!({"command": "sh test/run.sh"})),
            Reply::new().text("Both tests pass, in well under a second.").usage(Usage::new(900, 30)),
        ]);
        for task in NEW_TASKS {
            maintainer_run(seeding, &maintainer, &workspace, task, true).await?;
        }

        let (dreams, id) = (ctx.core.dreams.clone(), store.id.clone());
        let settings =
            DreamSettings { mode: DreamMode::Review, daily_at: Some("03:30".into()), cron: None, after_sessions: None };
        blocking(move || dreams.set_settings(&id, settings).map(|_| ())).await.in_seed(NAME)?;
        Ok(())
    })
}

/// A run of the Maintainer to its end, its approvals answered `approve`; its id.
async fn maintainer_run(
    seeding: &Seeding<'_>,
    maintainer: &Agent,
    workspace: &std::path::Path,
    task: &str,
    approve: bool,
) -> Result<SessionId, SeedError> {
    let input = RunInput {
        agent_id: maintainer.id.clone(),
        workspace: workspace.display().to_string(),
        task: task.into(),
        max_threads: None,
        outcome: None,
        allow_home: None,
    };
    let started = seeding.ctx.core.sessions.start(input, RunOptions::default()).await.in_seed(NAME)?;
    let ended = run_to_end(seeding.ctx, NAME, started, |_, _| approve).await?;
    if ended.status != SessionStatus::Idle || ended.stop_reason != Some(IdleReason::EndTurn) {
        return Err(SeedError::failed(
            NAME,
            format!("the run “{task}” ended {:?} {:?}", ended.status, ended.stop_reason),
        ));
    }
    Ok(ended.id)
}

/// The store with a history: three files by the user, the testing notes edited twice.
fn project_notes(memory: &reverie_engine::Memory) -> reverie_engine::Result<MemoryStore> {
    let store = memory.create_store(MemoryStoreInput {
        name: STORE.into(),
        description: "How the notes app is built, tested and released".into(),
    })?;
    let write = |path: &str, content: &str| {
        memory.apply(&store.id, Change::Write { path: path.into(), content: content.into() }, None, &Actor::User)
    };
    write("project/overview.md", OVERVIEW)?;
    write("decisions/storage.md", STORAGE)?;
    write("style.md", STYLE)?;
    write(TESTING, TESTING_V1)?;
    write(TESTING, TESTING_V2)?;
    write(TESTING, TESTING_V3)?;
    memory.store(&store.id)
}

/// Runs a dream of `store` over `sessions` to its end; its id if it completed.
async fn dream(
    seeding: &Seeding<'_>,
    store: &MemoryStore,
    provider: &ProviderId,
    sessions: Vec<SessionId>,
    instructions: &str,
) -> Result<reverie_protocol::DreamId, SeedError> {
    let input = DreamInput {
        store_id: store.id.clone(),
        sessions,
        instructions: instructions.into(),
        provider_id: Some(provider.clone()),
        model: None,
        mode: None,
    };
    let started = seeding.ctx.core.dreams.start(input).await.in_seed(NAME)?;
    let ended = tokio::time::timeout(SEED_WAIT, started.done)
        .await
        .map_err(|_| SeedError::failed(NAME, format!("a dream didn't end within {} s", SEED_WAIT.as_secs())))?
        .map_err(|e| SeedError::failed(NAME, format!("the dream's task stopped ({e})")))?
        .in_seed(NAME)?;
    match ended.status {
        DreamStatus::Completed => Ok(ended.id),
        status => Err(SeedError::failed(
            NAME,
            format!("the dream {} ended {status:?}: {}", ended.id.as_str(), ended.error.unwrap_or_default()),
        )),
    }
}

/// The events of the seeded sessions as a dream reads them, to cite them by their number.
struct Quotes(HashMap<SessionId, HashMap<u64, String>>);

impl Quotes {
    async fn read(seeding: &Seeding<'_>, sessions: &[&SessionId]) -> Result<Self, SeedError> {
        let mut all = HashMap::new();
        for id in sessions {
            let events = seeding.ctx.core.sessions.events(id, 0, usize::MAX).await.in_seed(NAME)?;
            all.insert((*id).clone(), render(&events).events);
        }
        Ok(Self(all))
    }

    /// The number of the event of `session` that says `quote`.
    fn seq(&self, session: &SessionId, quote: &str) -> Result<u64, SeedError> {
        let events = self.0.get(session).ok_or_else(|| SeedError::failed(NAME, "a session not read"))?;
        let mut found: Vec<u64> = events.iter().filter(|(_, text)| quoted(text, quote)).map(|(seq, _)| *seq).collect();
        found.sort_unstable();
        found
            .first()
            .copied()
            .ok_or_else(|| SeedError::failed(NAME, format!("the session {} never says “{quote}”", session.as_str())))
    }

    /// An extract stage's quote.
    fn cite(&self, session: &SessionId, quote: &str) -> Result<Value, SeedError> {
        Ok(json!({"seq": self.seq(session, quote)?, "quote": quote}))
    }

    /// A consolidate stage's quote.
    fn cited(&self, session: &SessionId, quote: &str) -> Result<Value, SeedError> {
        Ok(json!({"session_id": session.as_str(), "seq": self.seq(session, quote)?, "quote": quote}))
    }
}

/// The extract stage's answer: `(kind, text, quote)` findings.
fn extract(findings: &[(&str, &str, Value)]) -> Reply {
    let findings: Vec<Value> =
        findings.iter().map(|(kind, text, quote)| json!({"kind": kind, "text": text, "evidence": [quote]})).collect();
    Reply::new().tool_use("submit_result", json!({"findings": findings})).usage(Usage::new(2400, 120))
}

/// The consolidate stage's answer.
fn consolidate(operations: Value) -> Reply {
    Reply::new().tool_use("submit_result", json!({"operations": operations})).usage(Usage::new(3100, 900))
}
