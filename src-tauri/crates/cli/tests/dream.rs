//! `reverie dream` and `reverie proposals`: a dream over two runs, its proposal shown as a
//! diff, one hunk accepted and one rejected, and a second dream with nothing new refused.

use std::sync::Arc;

use reverie_engine::clock::{SystemClock, UuidIds};
use reverie_engine::memory::{Actor, Change};
use reverie_engine::{Database, Memory};
use reverie_protocol::MemoryStoreInput;
use reverie_testkit::Reply;
use serde_json::json;

use crate::support::Cli;

const OLD: &str = "# Testing\n\nRun cargo test.\nUse a fresh database.\n\n## Style\nShort names.\nNo abbreviations.\nComments say why.\nOne topic a file.\n";
const NEW: &str = "# Testing\n\nRun make test.\nUse a fresh database.\n\n## Style\nShort names.\nNo abbreviations.\nComments say why.\nOne topic a file.\nLink the issue.\n";

fn memory(cli: &Cli) -> (Memory, reverie_protocol::MemoryStoreId) {
    let (db, _) = Database::open_in(cli.data.path(), 0).unwrap();
    let memory = Memory::new(Arc::new(db), Arc::new(SystemClock), Arc::new(UuidIds));
    let store = match memory.store_by_name("Notes") {
        Ok(store) => store,
        Err(_) => memory.create_store(MemoryStoreInput { name: "Notes".into(), description: String::new() }).unwrap(),
    };
    (memory, store.id)
}

#[tokio::test]
async fn a_dream_proposes_a_diff_that_is_accepted_and_rejected_hunk_by_hunk() {
    let cli = Cli::with_agent(vec![], &[]).await;
    let (memory, store) = memory(&cli);
    memory.apply(&store, Change::Write { path: "testing.md".into(), content: OLD.into() }, None, &Actor::User).unwrap();
    cli.ok(&[
        "agents",
        "add",
        "--name",
        "tester",
        "--provider",
        "Fake",
        "--instructions",
        "[[script:agent]]",
        "--memory",
        "Notes",
    ])
    .await;
    cli.fake
        .push_replies("agent", [Reply::new().text("make test passed."), Reply::new().text("make test passed again.")]);
    for task in ["Run the tests", "Run them again"] {
        cli.ok(&["run", "--agent", "tester", task]).await;
    }
    let finding = Reply::new().tool_use(
        "submit_result",
        json!({"findings": [{"kind": "strategy", "text": "make test works.", "evidence": []}]}),
    );
    cli.fake.push_replies(
        "dream",
        [
            finding.clone(),
            finding,
            Reply::new().tool_use("submit_result", json!({"operations": [{"op": "update", "path": "testing.md", "content": NEW, "rationale": "Both runs used make test."}]})),
        ],
    );
    let ran = cli.ok(&["dream", "--store", "Notes", "--instructions", "[[script:dream]]"]).await;
    assert!(
        ran.stdout.contains("Dreaming about “Notes”: 2 session(s)")
            && ran.stdout.contains("Proposed 1 file change(s), 2 hunk(s)"),
        "{}",
        ran.stdout
    );
    let id = ran.stdout.split("(dream ").nth(1).unwrap().split(')').next().unwrap().to_owned();

    let shown = cli.ok(&["proposals", "show", &id]).await;
    for line in [
        "── update testing.md",
        "   why: Both runs used make test.",
        "@@ hunk 0.0 [pending]",
        "-Run cargo test.",
        "+Run make test.",
        "@@ hunk 0.1 [pending]",
        "+Link the issue.",
    ] {
        assert!(shown.stdout.contains(line), "{line:?} in\n{}", shown.stdout);
    }
    let noted = cli.ok(&["proposals", "accept", &id, "--hunk", "0.0"]).await;
    assert!(noted.stdout.contains("1 hunk(s) still pending"), "{}", noted.stdout);
    let applied = cli.ok(&["proposals", "reject", &id]).await;
    assert!(
        applied.stdout.contains("Applied: 1 new version(s) in memory; the proposal is applied."),
        "{}",
        applied.stdout
    );
    let (memory, store) = self::memory(&cli);
    let content = memory.read(&store, "testing.md").unwrap().content;
    assert!(content.contains("Run make test.") && !content.contains("Link the issue"), "{content}");
    assert!(cli.ok(&["proposals", "list"]).await.stdout.contains(&format!("{id}  completed  proposal applied")));

    let again = cli.run(&["dream", "--store", "Notes"]).await;
    assert_eq!(again.code, 1, "{again:#?}");
    assert!(again.stderr.contains("Nothing new to dream about"), "{}", again.stderr);
    let missing = cli.run(&["dream", "--store", "Nope"]).await;
    assert!(missing.code == 1 && missing.stderr.contains("There is no memory store named “Nope”"), "{missing:#?}");
}
