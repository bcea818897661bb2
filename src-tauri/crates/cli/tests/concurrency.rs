//! Many processes on one database: eight `reverie run`s at once, three rounds, while this
//! process writes memory and rubrics the way the app does. Every run finishes, every session's
//! log is whole (seq 1, 2, 3… without a gap), and no writer ever sees "database is locked".

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use reverie_engine::clock::{SystemClock, UuidIds};
use reverie_engine::memory::{Actor, Change};
use reverie_engine::outcome::Rubrics;
use reverie_engine::{Database, Memory};
use reverie_protocol::{IdleReason, MemoryStoreInput, SessionStatus};
use reverie_testkit::Reply;
use serde_json::json;

use crate::support::{finish, parse_events, Cli};

const AT_ONCE: usize = 8;
const ROUNDS: usize = 3;

/// What run `i` is told: write a file and a memory note, read the file back, finish.
fn replies(i: usize) -> Vec<Reply> {
    vec![
        Reply::new()
            .text("Writing.")
            .tool_use("write_file", json!({"path": "out.txt", "content": format!("run {i}\n")}))
            .tool_use("memory_write", json!({"path": format!("runs/run-{i}.md"), "content": format!("# Run {i}\n")})),
        Reply::new().tool_use("read_file", json!({"path": "out.txt"})),
        Reply::new().text(format!("Done {i}.")),
    ]
}

/// The app's side: its own connection writing memory files and rubric versions in a loop
/// until told to stop. Returns how many writes it made; any error fails the test.
fn app_writers(data: std::path::PathBuf, stop: Arc<AtomicBool>) -> usize {
    let (db, _) = Database::open_in(&data, 0).unwrap();
    let db = Arc::new(db);
    let memory = Memory::new(db.clone(), Arc::new(SystemClock), Arc::new(UuidIds));
    let rubrics = Rubrics::new(db, Arc::new(SystemClock), Arc::new(UuidIds));
    let store = memory.store_by_name("Notes").unwrap().id;
    let rubric = rubrics.create("Concurrency", "- The file exists.\n").unwrap();
    let mut writes = 0;
    while !stop.load(Ordering::Relaxed) {
        let path = format!("app/note-{}.md", writes % 5);
        let content = format!("# Note\n\nwrite {writes}\n");
        let expected = memory.read(&store, &path).ok().map(|f| f.sha256);
        memory
            .apply(&store, Change::Write { path, content }, expected.as_deref(), &Actor::User)
            .unwrap_or_else(|e| panic!("the app's memory write {writes} failed: {e}"));
        rubrics
            .save(&rubric.id, "Concurrency", &format!("- The file exists.\n- Write {writes} is recorded.\n"))
            .unwrap_or_else(|e| panic!("the app's rubric save {writes} failed: {e:?}"));
        writes += 2;
    }
    writes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_runs_at_once_and_the_apps_writers_never_fail_each_other() {
    let cli = Cli::empty(vec![]).await;
    {
        let (db, _) = Database::open_in(cli.data.path(), 0).unwrap();
        let memory = Memory::new(Arc::new(db), Arc::new(SystemClock), Arc::new(UuidIds));
        memory.create_store(MemoryStoreInput { name: "Notes".into(), description: String::new() }).unwrap();
    }
    cli.add_fake_agent(&["--memory", "Notes"]).await;
    let workspaces: Vec<tempfile::TempDir> = (0..AT_ONCE * ROUNDS).map(|_| tempfile::tempdir().unwrap()).collect();
    for i in 0..AT_ONCE * ROUNDS {
        cli.fake.push_replies(&format!("run{i}"), replies(i));
    }

    let stop = Arc::new(AtomicBool::new(false));
    let app = {
        let (data, stop) = (cli.data.path().to_owned(), stop.clone());
        tokio::task::spawn_blocking(move || app_writers(data, stop))
    };
    for round in 0..ROUNDS {
        let children: Vec<_> = (round * AT_ONCE..(round + 1) * AT_ONCE)
            .map(|i| {
                let ws = workspaces[i].path().display().to_string();
                (
                    i,
                    cli.spawn(&[
                        "run",
                        "--agent",
                        "coder",
                        "--workspace",
                        &ws,
                        &format!("[[script:run{i}]] Write the file."),
                    ]),
                )
            })
            .collect();
        for (i, child) in children {
            let ran = finish(child).await;
            assert_eq!(ran.code, 0, "run {i} failed: {ran:#?}");
            assert!(!ran.stderr.contains("locked"), "run {i}: {}", ran.stderr);
        }
    }
    stop.store(true, Ordering::Relaxed);
    let app_writes = app.await.unwrap();
    assert!(app_writes > 0, "the app's writers ran alongside");

    let sessions = cli.sessions().await;
    assert_eq!(sessions.len(), AT_ONCE * ROUNDS);
    for session in &sessions {
        assert_eq!(
            (session.status, session.stop_reason, session.turns),
            (SessionStatus::Idle, Some(IdleReason::EndTurn), 3),
            "{session:#?}"
        );
        let events = cli.export(session.id.as_str()).await;
        assert_eq!(events.len() as u64, events.last().unwrap().seq);
        parse_events(&cli.ok(&["sessions", "export", session.id.as_str()]).await.stdout);
    }
    for (i, ws) in workspaces.iter().enumerate() {
        assert_eq!(std::fs::read_to_string(ws.path().join("out.txt")).unwrap(), format!("run {i}\n"));
    }
    let (db, _) = Database::open_in(cli.data.path(), 0).unwrap();
    let memory = Memory::new(Arc::new(db), Arc::new(SystemClock), Arc::new(UuidIds));
    let store = memory.store_by_name("Notes").unwrap().id;
    let files = memory.files(&store).unwrap();
    let runs = files.iter().filter(|f| f.path.starts_with("runs/")).count();
    assert_eq!(runs, AT_ONCE * ROUNDS, "every run's memory note was written");
}
