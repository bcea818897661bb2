//! `memory`: the runs seed, plus a memory store, "Project notes", that the Maintainer mounts read
//! & write and the Local helper read only, with a history made the ways the app makes one,
//! oldest first:
//!
//! 1. the user writes the overview, the storage decision and the style notes (the editor's
//!    writes, `write_memory_file`);
//! 2. the Maintainer, in a run of the real session loop, searches and reads the store, creates
//!    `project/testing.md` and edits it (the memory tools, the thread as the actor);
//! 3. the user rewrites the style notes and redacts their first version (it had a phone number);
//! 4. `project/testing.md` is changed in the store's mirror folder (as in the user's own editor)
//!    and imported by the mirror as an `external` version;
//! 5. a second run of the Maintainer searches (once finding nothing) and reads what it needs;
//! 6. the user renames the storage decision and adds a section to the testing notes;
//! 7. the overview is changed both in the folder and in Reverie: a conflict the user settles;
//! 8. a file in the folder that isn't UTF-8 (`meetings/kickoff.md`): a problem, not imported.

use reverie_engine::blocking::blocking;
use reverie_engine::memory::{Actor, Change};
use reverie_engine::session::RunOptions;
use reverie_protocol::{Agent, AgentInput, MemoryAccess, MemoryMount, MemoryStoreId, MemoryStoreInput, RunInput};
use reverie_testkit::Reply;
use serde_json::json;

use super::runs::{LOCAL_HELPER, MAINTAINER, PROJECT};
use super::{run_to_end, InSeed, Seed, SeedError, SeedFuture, Seeding};

const NAME: &str = "memory";

pub const SEED: Seed = Seed {
    name: NAME,
    summary: "the runs seed and a memory store with history (you, two runs, your editor), a conflict and a problem",
    needs: &["runs"],
    run,
};

pub const STORE: &str = "Project notes";
pub const STORE_DESCRIPTION: &str = "How the notes app is built, tested and released";

/// The Maintainer's run that writes the testing notes.
pub const NOTES_TASK: &str = "Write down in memory how this project's tests are run.";
/// The Maintainer's run that only reads memory (one of its searches finds nothing).
pub const README_TASK: &str = "Check the README's install steps against what memory says.";
/// What that run searches for, in order; the second finds nothing.
pub const SEARCHES: [&str; 3] = ["install steps and tests", "database migrations", "notes stored files"];

pub const TESTING_V1: &str = "# Testing\n\n- Run `npm test` from the project folder; it runs test/run.sh.\n- The tests live in test/ and need no network.\n";
const TESTING_V1_LINE: &str = "- The tests live in test/ and need no network.\n";
const TESTING_V2_LINES: &str = "- The tests live in test/ and need no network.\n- Saving on exit is covered by test/run.sh: run it after touching src/store.js.\n";
/// As saved in the user's own editor, in the mirror folder.
pub const TESTING_V3: &str = "# Testing\n\n- Run `npm test` from the project folder; it runs test/run.sh.\n- Tests live in test/, one check per line, and need no network.\n- Saving on exit is covered by test/run.sh: run it after touching src/store.js.\n- Use a temporary folder (`mktemp -d`) for notes written by a test, never ~/.notes.\n";
pub const TESTING_V4: &str = "# Testing\n\n- Run `npm test` from the project folder after every change; it runs test/run.sh.\n- Tests live in test/, one check per line, and need no network.\n- Saving on exit is covered by test/run.sh: run it after touching src/store.js.\n- Use a temporary folder (`mktemp -d`) for notes written by a test, never ~/.notes.\n\n## Before a release\n\nRun `sh test/run.sh` and read every line it prints, not only the last.\n";

pub const OVERVIEW: &str = "# Notes app\n\nA small command-line notes app. Notes are Markdown files in ~/.notes, one per note.\n\n- Entry point: src/cli.js; storage: src/store.js.\n- Install steps are in the README; keep them in step with package.json.\n";
/// The overview as edited in Reverie after it was last written to the mirror folder…
pub const OVERVIEW_OURS: &str = "# Notes app\n\nA small command-line notes app. Notes are Markdown files in ~/.notes, one per note.\n\n- Entry point: src/cli.js; storage: src/store.js.\n- Install steps are in the README; keep them in step with package.json.\n- Needs Node 20 or newer.\n";
/// …and as edited meanwhile in the user's own editor, in the mirror folder.
pub const OVERVIEW_THEIRS: &str = "# Notes app\n\nA small command-line notes app. Notes are Markdown files in ~/.notes, one per note.\n\n- Entry point: src/cli.js; storage: src/store.js; export to HTML: src/export.js.\n- Install steps are in the README; keep them in step with package.json.\n";

pub const STORAGE: &str = "# Storage format\n\nEach note is a Markdown file named by its creation time (`2024-05-01T10-00.md`).\nWe chose files over SQLite so notes stay readable and diffable.\nWrites go to a temporary file first, then a rename, so a crash never leaves half a note.\n";
pub const STORAGE_PATH: &str = "decisions/storage.md";
pub const STORAGE_RENAMED: &str = "decisions/storage-format.md";

pub const STYLE_V1: &str =
    "# Style\n\n- Two spaces, semicolons, double quotes.\n- Ask Sam (sam@example.com, 555-0134) before changing the CLI flags.\n";
pub const STYLE_V2: &str =
    "# Style\n\n- Two spaces, semicolons, double quotes.\n- Ask the maintainers before changing the CLI flags.\n";

/// A file in the mirror folder that can't be imported: Latin-1, not UTF-8.
pub const PROBLEM_PATH: &str = "meetings/kickoff.md";
const PROBLEM_BYTES: &[u8] = b"# Kick-off\n\nCaf\xe9 at ten.\n";

fn run<'a>(seeding: &'a Seeding<'a>) -> SeedFuture<'a> {
    Box::pin(async move {
        let ctx = seeding.ctx;
        let memory = ctx.core.memory.clone();

        // 1. The store, and the user's first files; both agents mount it.
        let (store, maintainer) = {
            let (memory, agents) = (memory.clone(), ctx.core.agents.clone());
            blocking(move || {
                let store = memory
                    .create_store(MemoryStoreInput { name: STORE.into(), description: STORE_DESCRIPTION.into() })?;
                for (path, content) in
                    [("project/overview.md", OVERVIEW), (STORAGE_PATH, STORAGE), ("style.md", STYLE_V1)]
                {
                    memory.apply(&store.id, write(path, content), None, &Actor::User)?;
                }
                let mut maintainer = None;
                for agent in agents.list()? {
                    let access = match agent.name.as_str() {
                        MAINTAINER => MemoryAccess::ReadWrite,
                        LOCAL_HELPER => MemoryAccess::ReadOnly,
                        _ => continue,
                    };
                    let updated = agents.update(&agent.id, mounting(&agent, &store.id, access))?;
                    if updated.name == MAINTAINER {
                        maintainer = Some(updated);
                    }
                }
                let maintainer = maintainer.ok_or_else(|| {
                    reverie_engine::Error::NotFound(format!("the agent “{MAINTAINER}” (from the runs seed)"))
                })?;
                Ok((store, maintainer))
            })
            .await
            .in_seed(NAME)?
        };
        let workspace = seeding.workspaces.join(PROJECT);
        let input = |task: &str| RunInput {
            agent_id: maintainer.id.clone(),
            workspace: workspace.display().to_string(),
            task: task.into(),
            max_threads: None,
            outcome: None,
            allow_home: None,
        };

        // 2. A run writes the testing notes: it searches, reads, creates the file, then edits it.
        seeding.model.push([
            Reply::new()
                .text("Let me see what memory already says about the tests.")
                .tool_use("memory_search", json!({"query": "tests exit save"})),
            Reply::new().text("The overview first.").tool_use("memory_read", json!({"path": "project/overview.md"})),
            Reply::new()
                .text("Nothing about the tests yet; I'll write it down.")
                .tool_use("memory_write", json!({"path": "project/testing.md", "content": TESTING_V1})),
            Reply::new().text("And what covers saving on exit.").tool_use(
                "memory_edit",
                json!({"path": "project/testing.md", "old_text": TESTING_V1_LINE, "new_text": TESTING_V2_LINES}),
            ),
            Reply::new().text("project/testing.md now says how the tests run and what covers saving on exit."),
        ]);
        let started = ctx.core.sessions.start(input(NOTES_TASK), RunOptions::default()).await.in_seed(NAME)?;
        run_to_end(ctx, NAME, started, |_, _| true).await?;

        // 3. The user rewrites the style notes and redacts the version with Sam's phone number.
        {
            let (memory, store) = (memory.clone(), store.id.clone());
            blocking(move || {
                let first = memory.read(&store, "style.md")?;
                memory.apply(&store, write("style.md", STYLE_V2), Some(&first.sha256), &Actor::User)?;
                memory.redact(&first.version_id)?;
                Ok(())
            })
            .await
            .in_seed(NAME)?;
        }

        // 4. The testing notes edited in the mirror folder, as in the user's editor, and imported.
        let folder = ctx.mirror.folder(
            &blocking({
                let (memory, store) = (memory.clone(), store.id.clone());
                move || memory.store(&store)
            })
            .await
            .in_seed(NAME)?,
        );
        on_disk(&folder, "project/testing.md", TESTING_V3.as_bytes())?;
        flush(seeding).await?;

        // 5. A second run reads what it needs; one of its searches finds nothing.
        seeding.model.push([
            Reply::new()
                .text("Looking for the install steps in memory.")
                .tool_use("memory_search", json!({"query": SEARCHES[0]})),
            Reply::new().tool_use("memory_read", json!({"path": "project/overview.md"})),
            Reply::new()
                .text("Is there anything about upgrading the notes folder?")
                .tool_use("memory_search", json!({"query": SEARCHES[1]})),
            Reply::new().tool_use("memory_search", json!({"query": SEARCHES[2]})),
            Reply::new().tool_use("memory_read", json!({"path": STORAGE_PATH})),
            Reply::new().text(
                "The README's install steps match memory: `npm install -g .`. Nothing in memory covers migrating old notes.",
            ),
        ]);
        let started = ctx.core.sessions.start(input(README_TASK), RunOptions::default()).await.in_seed(NAME)?;
        run_to_end(ctx, NAME, started, |_, _| true).await?;

        // 6. The user renames the storage decision and adds a section to the testing notes.
        {
            let (memory, store) = (memory.clone(), store.id.clone());
            blocking(move || {
                let storage = memory.read(&store, STORAGE_PATH)?;
                let rename = Change::Rename { from: STORAGE_PATH.into(), to: STORAGE_RENAMED.into() };
                memory.apply(&store, rename, Some(&storage.sha256), &Actor::User)?;
                let testing = memory.read(&store, "project/testing.md")?;
                memory.apply(&store, write("project/testing.md", TESTING_V4), Some(&testing.sha256), &Actor::User)?;
                Ok(())
            })
            .await
            .in_seed(NAME)?;
        }

        // 7. The overview changed in the folder and, before the mirror noticed, in Reverie.
        on_disk(&folder, "project/overview.md", OVERVIEW_THEIRS.as_bytes())?;
        {
            let (memory, store) = (memory.clone(), store.id.clone());
            blocking(move || {
                let overview = memory.read(&store, "project/overview.md")?;
                memory.apply(&store, write("project/overview.md", OVERVIEW_OURS), Some(&overview.sha256), &Actor::User)
            })
            .await
            .in_seed(NAME)?;
        }

        // 8. A file the mirror can't import.
        on_disk(&folder, PROBLEM_PATH, PROBLEM_BYTES)?;
        flush(seeding).await?;

        let (mirror, id) = (ctx.mirror.clone(), store.id.clone());
        let (conflicts, problems) =
            blocking(move || Ok((mirror.conflicts(&id)?.len(), mirror.problems(&id)?.len()))).await.in_seed(NAME)?;
        if (conflicts, problems) != (1, 1) {
            return Err(SeedError::failed(
                NAME,
                format!("the mirror folder should hold one conflict and one problem, not {conflicts} and {problems}"),
            ));
        }
        Ok(())
    })
}

fn write(path: &str, content: &str) -> Change {
    Change::Write { path: path.into(), content: content.into() }
}

/// `agent` as its form would save it, mounting `store` with `access`.
fn mounting(agent: &Agent, store: &MemoryStoreId, access: MemoryAccess) -> AgentInput {
    AgentInput {
        name: agent.name.clone(),
        description: agent.description.clone(),
        instructions: agent.instructions.clone(),
        provider_id: agent.provider_id.clone(),
        model: agent.model.clone(),
        tools: agent.tools.clone(),
        max_turns: Some(agent.max_turns),
        memory: vec![MemoryMount { store_id: store.clone(), access }],
        roster: agent.roster.clone(),
    }
}

/// Writes `bytes` to `path` in the store's mirror folder, as another program would.
fn on_disk(folder: &std::path::Path, path: &str, bytes: &[u8]) -> Result<(), SeedError> {
    let file = folder.join(path);
    if let Some(parent) = file.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| SeedError::Setup(format!("couldn't create {}: {e}", parent.display())))?;
    }
    std::fs::write(&file, bytes).map_err(|e| SeedError::Setup(format!("couldn't write {}: {e}", file.display())))
}

/// Brings the mirror folder in step now, as its watcher does once the folder is quiet.
async fn flush(seeding: &Seeding<'_>) -> Result<(), SeedError> {
    let mirror = seeding.ctx.mirror.clone();
    blocking(move || mirror.flush()).await.in_seed(NAME)
}
