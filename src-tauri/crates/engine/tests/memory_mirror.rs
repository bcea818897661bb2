//! The disk mirror of memory stores: the app's writes appear as files, edits made in the
//! folder come back as `external` versions, an edit on both sides is a conflict the user
//! resolves, and files that can't be memory are reported, never imported.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use reverie_engine::clock::{ManualClock, SequentialIds};
use reverie_engine::memory::mirror::MIRROR_DIR;
use reverie_engine::memory::{sha256, Actor, Change, Mirror};
use reverie_engine::{Database, Error, Memory};
use reverie_protocol::{DiffLineKind, MemoryOp, MemoryStore, MemoryStoreInput};

struct Env {
    memory: Memory,
    mirror: Arc<Mirror>,
    store: MemoryStore,
    /// The store's folder.
    dir: PathBuf,
    _data: tempfile::TempDir,
}

fn env() -> Env {
    let data = tempfile::tempdir().unwrap();
    let (db, _) = Database::open_in(data.path(), 1).unwrap();
    let db = Arc::new(db);
    let clock = Arc::new(ManualClock::new(1_000));
    let ids = Arc::new(SequentialIds::default());
    let mirror = Arc::new(Mirror::new(data.path().join(MIRROR_DIR), db.clone(), clock.clone(), ids.clone()));
    let memory = Memory::new(db, clock, ids).with_listener(mirror.clone());
    let store =
        memory.create_store(MemoryStoreInput { name: "Project notes".into(), description: String::new() }).unwrap();
    mirror.flush().unwrap();
    let dir = data.path().join(MIRROR_DIR).join("Project notes");
    Env { memory, mirror, store, dir, _data: data }
}

impl Env {
    fn write(&self, path: &str, content: &str) {
        self.memory
            .apply(&self.store.id, Change::Write { path: path.into(), content: content.into() }, None, &Actor::User)
            .unwrap();
    }

    fn content(&self, path: &str) -> Option<String> {
        match self.memory.read(&self.store.id, path) {
            Ok(file) => Some(file.content),
            Err(Error::NotFound(_)) => None,
            Err(e) => panic!("{e}"),
        }
    }

    fn actors(&self, path: &str) -> Vec<(String, MemoryOp)> {
        self.memory.history(&self.store.id, path).unwrap().into_iter().map(|v| (v.actor, v.op)).collect()
    }

    fn disk(&self, path: &str) -> Option<String> {
        std::fs::read_to_string(self.dir.join(path)).ok()
    }

    fn edit_on_disk(&self, path: &str, content: impl AsRef<[u8]>) {
        let file = self.dir.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, content).unwrap();
    }
}

/// The conflict diff's changed lines, `-` for Reverie's side and `+` for the disk's.
fn changed_lines(env: &Env, path: &str) -> Vec<String> {
    let hunks = env.mirror.conflict_diff(&env.store.id, path).unwrap();
    hunks
        .iter()
        .flat_map(|h| h.lines.iter())
        .filter_map(|l| match l.kind {
            DiffLineKind::Removed => Some(format!("-{}", l.text)),
            DiffLineKind::Added => Some(format!("+{}", l.text)),
            DiffLineKind::Context => None,
        })
        .collect()
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().unwrap().is_dir() {
            out.extend(files_in(&entry.path()).into_iter().map(|f| format!("{name}/{f}")));
        } else {
            out.push(name);
        }
    }
    out.sort();
    out
}

#[test]
fn the_apps_writes_appear_in_the_folder_and_are_not_imported_back() {
    let env = env();
    env.write("notes/testing.md", "# Testing\n\nRun `make test`.\n");
    assert_eq!(env.disk("notes/testing.md").as_deref(), Some("# Testing\n\nRun `make test`.\n"));

    env.mirror.flush().unwrap();
    env.mirror.flush().unwrap();
    assert_eq!(
        env.actors("notes/testing.md"),
        [("user".to_owned(), MemoryOp::Create)],
        "one version: the app's own write"
    );

    env.memory
        .apply(
            &env.store.id,
            Change::Rename { from: "notes/testing.md".into(), to: "testing.md".into() },
            None,
            &Actor::User,
        )
        .unwrap();
    assert_eq!(files_in(&env.dir), ["testing.md"], "renamed on disk; the emptied folder is gone");
    env.memory.apply(&env.store.id, Change::Delete { path: "testing.md".into() }, None, &Actor::User).unwrap();
    assert!(files_in(&env.dir).is_empty());
    env.mirror.flush().unwrap();
    assert_eq!(env.memory.files(&env.store.id).unwrap().len(), 0);
    assert!(env.mirror.conflicts(&env.store.id).unwrap().is_empty());
}

#[test]
fn files_already_in_the_store_are_written_out_on_the_first_sync() {
    let data = tempfile::tempdir().unwrap();
    let (db, _) = Database::open_in(data.path(), 1).unwrap();
    let db = Arc::new(db);
    let (clock, ids) = (Arc::new(ManualClock::new(1)), Arc::new(SequentialIds::default()));
    // Written before any mirror existed (an older Reverie, or the mirror folder was moved).
    let plain = Memory::new(db.clone(), clock.clone(), ids.clone());
    let store = plain.create_store(MemoryStoreInput { name: "ops".into(), description: String::new() }).unwrap();
    plain
        .apply(
            &store.id,
            Change::Write { path: "deploy.md".into(), content: "Deploy on Tuesdays.\n".into() },
            None,
            &Actor::User,
        )
        .unwrap();

    let mirror = Mirror::new(data.path().join(MIRROR_DIR), db, clock, ids);
    mirror.flush().unwrap();
    assert_eq!(std::fs::read_to_string(data.path().join("memory/ops/deploy.md")).unwrap(), "Deploy on Tuesdays.\n");
    assert_eq!(plain.history(&store.id, "deploy.md").unwrap().len(), 1);
}

#[test]
fn an_external_edit_becomes_an_external_version_and_is_searchable() {
    let env = env();
    env.edit_on_disk("guides/release.md", "# Release\n\nTag with cargo-release, then push the zebra branch.\n");
    env.mirror.flush().unwrap();
    assert_eq!(
        env.content("guides/release.md").as_deref(),
        Some("# Release\n\nTag with cargo-release, then push the zebra branch.\n")
    );
    assert_eq!(env.actors("guides/release.md"), [("external".to_owned(), MemoryOp::Create)]);
    let hits = env.memory.search(&env.store.id, "zebra", 5).unwrap();
    assert_eq!(hits.iter().map(|h| h.path.as_str()).collect::<Vec<_>>(), ["guides/release.md"]);

    env.write("style.md", "Tabs.\n");
    env.edit_on_disk("style.md", "Spaces, four.\n");
    env.mirror.flush().unwrap();
    assert_eq!(env.content("style.md").as_deref(), Some("Spaces, four.\n"));
    assert_eq!(
        env.actors("style.md"),
        [("external".to_owned(), MemoryOp::Update), ("user".to_owned(), MemoryOp::Create)]
    );
    env.mirror.flush().unwrap();
    assert_eq!(env.actors("style.md").len(), 2, "an imported edit is not imported twice");
}

#[test]
fn an_external_delete_deletes() {
    let env = env();
    env.write("old/idea.md", "An idea.\n");
    std::fs::remove_file(env.dir.join("old/idea.md")).unwrap();
    env.mirror.flush().unwrap();
    assert_eq!(env.content("old/idea.md"), None);
    assert_eq!(env.actors("old/idea.md")[0], ("external".to_owned(), MemoryOp::Delete));
    env.mirror.flush().unwrap();
    assert_eq!(env.actors("old/idea.md").len(), 2);
}

#[test]
fn an_edit_on_both_sides_is_a_conflict_and_the_user_chooses() {
    let env = env();
    env.write("plan.md", "v1\n");
    env.edit_on_disk("plan.md", "theirs\n");
    env.write("plan.md", "ours\n");

    // Neither side won: ours in Reverie, theirs on disk and in the conflict.
    env.mirror.flush().unwrap();
    assert_eq!(env.content("plan.md").as_deref(), Some("ours\n"));
    assert_eq!(env.disk("plan.md").as_deref(), Some("theirs\n"));
    let conflicts = env.mirror.conflicts(&env.store.id).unwrap();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].path, "plan.md");
    assert_eq!(conflicts[0].theirs.as_deref(), Some("theirs\n"));
    assert_eq!(conflicts[0].ours_sha256.as_deref(), Some(sha256("ours\n").as_str()));
    assert_eq!(conflicts[0].detected_at, 1_000);
    assert_eq!(changed_lines(&env, "plan.md"), ["-ours", "+theirs"], "Reverie's text against the disk's");

    env.mirror.resolve(&env.store.id, "plan.md", true).unwrap();
    assert!(
        matches!(env.mirror.conflict_diff(&env.store.id, "plan.md"), Err(Error::NotFound(m)) if m.contains("no longer in conflict"))
    );
    assert_eq!(env.disk("plan.md").as_deref(), Some("ours\n"));
    assert!(env.mirror.conflicts(&env.store.id).unwrap().is_empty());
    env.mirror.flush().unwrap();
    assert_eq!(env.actors("plan.md").len(), 2, "keeping ours imports nothing");

    // Again, and this time take theirs.
    env.edit_on_disk("plan.md", "theirs again\n");
    env.write("plan.md", "ours again\n");
    env.mirror.flush().unwrap();
    assert_eq!(env.mirror.conflicts(&env.store.id).unwrap().len(), 1);
    env.mirror.resolve(&env.store.id, "plan.md", false).unwrap();
    assert_eq!(env.content("plan.md").as_deref(), Some("theirs again\n"));
    assert_eq!(env.actors("plan.md")[0].0, "external");
    assert!(env.mirror.conflicts(&env.store.id).unwrap().is_empty());
    env.mirror.flush().unwrap();
    assert_eq!(env.actors("plan.md").len(), 4);
    assert_eq!(env.disk("plan.md").as_deref(), Some("theirs again\n"));
}

#[test]
fn a_deletion_on_disk_against_an_edit_inside_is_a_conflict() {
    let env = env();
    env.write("a.md", "v1\n");
    std::fs::remove_file(env.dir.join("a.md")).unwrap();
    env.write("a.md", "v2\n");
    env.mirror.flush().unwrap();
    let conflicts = env.mirror.conflicts(&env.store.id).unwrap();
    assert_eq!((conflicts.len(), conflicts[0].theirs.as_deref()), (1, None), "theirs: deleted");
    assert_eq!(changed_lines(&env, "a.md"), ["-v2"], "the disk's side is empty");
    assert_eq!(env.content("a.md").as_deref(), Some("v2\n"));
    assert!(env.mirror.resolve(&env.store.id, "b.md", true).is_err(), "no conflict there");
    env.mirror.resolve(&env.store.id, "a.md", false).unwrap();
    assert_eq!(env.content("a.md"), None);
    assert_eq!(env.actors("a.md")[0], ("external".to_owned(), MemoryOp::Delete));
}

#[test]
fn files_that_cant_be_memory_are_reported_and_nothing_is_imported() {
    let env = env();
    env.write("kept.md", "Kept as it is.\n");
    let invalid_utf8 = b"caf\xe9 latin-1\n".to_vec();
    let big = "x".repeat(200_000);
    env.edit_on_disk("kept.md", &invalid_utf8);
    env.edit_on_disk("binary.md", [0xff, 0xfe, 0x00, 0x41]);
    env.edit_on_disk("big.md", &big);
    env.edit_on_disk("what?.md", "odd name\n");
    env.edit_on_disk("notes.txt", "not markdown\n");
    env.edit_on_disk("ctrl.md", "bell \u{7}\n");
    env.edit_on_disk(".swap.md", "hidden: editor file, skipped\n");
    env.mirror.flush().unwrap();

    let problems = env.mirror.problems(&env.store.id).unwrap();
    let by_path: Vec<(&str, &str)> = problems.iter().map(|p| (p.path.as_str(), p.problem.as_str())).collect();
    assert_eq!(
        by_path.iter().map(|(p, _)| *p).collect::<Vec<_>>(),
        ["big.md", "binary.md", "ctrl.md", "kept.md", "notes.txt", "what?.md"]
    );
    assert!(by_path[0].1.contains("200 kB") && by_path[0].1.contains("100 kB"), "{}", by_path[0].1);
    assert!(by_path[1].1.contains("UTF-8"), "{}", by_path[1].1);
    assert!(by_path[2].1.contains("control characters"), "{}", by_path[2].1);
    assert!(by_path[3].1.contains("UTF-8"), "{}", by_path[3].1);
    assert!(by_path[4].1.contains(".md"), "{}", by_path[4].1);
    assert!(by_path[5].1.contains("not a memory path"), "{}", by_path[5].1);
    assert!(env.mirror.conflicts(&env.store.id).unwrap().is_empty(), "problems are not both-sides conflicts");

    // Nothing imported, nothing lost on either side.
    let files: Vec<String> = env.memory.files(&env.store.id).unwrap().into_iter().map(|f| f.path).collect();
    assert_eq!(files, ["kept.md"]);
    assert_eq!(env.content("kept.md").as_deref(), Some("Kept as it is.\n"));
    assert_eq!(env.actors("kept.md").len(), 1);
    assert_eq!(std::fs::read(env.dir.join("kept.md")).unwrap(), invalid_utf8);
    assert_eq!(std::fs::read(env.dir.join("big.md")).unwrap().len(), 200_000);

    // A write inside doesn't overwrite the unreadable disk file either.
    env.write("kept.md", "Changed inside.\n");
    assert_eq!(std::fs::read(env.dir.join("kept.md")).unwrap(), invalid_utf8);
    assert!(env.mirror.resolve(&env.store.id, "kept.md", false).is_err(), "theirs can't be taken while unreadable");

    // Fixed files are picked up and their problems go; the edited-both-sides one is a conflict now.
    env.edit_on_disk("big.md", "small now\n");
    std::fs::remove_file(env.dir.join("what?.md")).unwrap();
    env.edit_on_disk("kept.md", "café, UTF-8 now\n");
    env.mirror.flush().unwrap();
    assert_eq!(env.content("big.md").as_deref(), Some("small now\n"));
    let left: Vec<String> = env.mirror.problems(&env.store.id).unwrap().into_iter().map(|p| p.path).collect();
    assert_eq!(left, ["binary.md", "ctrl.md", "notes.txt"]);
    let conflicts = env.mirror.conflicts(&env.store.id).unwrap();
    assert_eq!(conflicts.iter().map(|c| c.path.as_str()).collect::<Vec<_>>(), ["kept.md"]);
    assert_eq!(conflicts[0].theirs.as_deref(), Some("café, UTF-8 now\n"));
}

#[test]
fn a_store_folder_deleted_while_running_is_written_out_again() {
    let env = env();
    env.write("a.md", "A\n");
    env.write("deep/b.md", "B\n");
    std::fs::remove_dir_all(&env.dir).unwrap();
    env.mirror.flush().unwrap();
    assert_eq!(files_in(&env.dir), ["a.md", "deep/b.md"]);
    assert_eq!(env.content("a.md").as_deref(), Some("A\n"), "deleting the folder deletes nothing");
    assert_eq!(env.actors("a.md").len(), 1);

    // A write while the folder is gone brings the whole folder back.
    std::fs::remove_dir_all(&env.dir).unwrap();
    env.write("c.md", "C\n");
    assert_eq!(files_in(&env.dir), ["a.md", "c.md", "deep/b.md"]);
}

#[test]
fn an_import_never_lands_on_a_file_created_meanwhile() {
    let env = env();
    env.write("x.md", "inside\n");
    // The mirror imports a new disk file with "must not exist yet" as its precondition.
    let err = env.memory.apply(
        &env.store.id,
        Change::Write { path: "x.md".into(), content: "disk\n".into() },
        Some(""),
        &Actor::External,
    );
    assert!(matches!(err, Err(Error::Conflict { .. })), "{err:?}");
    assert_eq!(env.content("x.md").as_deref(), Some("inside\n"));
}

#[tokio::test]
async fn the_watcher_imports_an_external_edit() {
    let env = env();
    let watching = env.mirror.watch().unwrap();
    let mut synced = watching.synced();
    env.write("own.md", "The app wrote this.\n");
    env.edit_on_disk("from-editor.md", "Written in another editor.\n");

    let imported = async {
        loop {
            if env
                .memory
                .history(&env.store.id, "from-editor.md")
                .unwrap()
                .first()
                .is_some_and(|v| v.actor == "external")
            {
                break;
            }
            synced.changed().await.unwrap();
        }
    };
    tokio::time::timeout(Duration::from_secs(30), imported).await.expect("the watcher imported the edit");
    assert_eq!(env.content("from-editor.md").as_deref(), Some("Written in another editor.\n"));
    assert_eq!(
        env.actors("own.md"),
        [("user".to_owned(), MemoryOp::Create)],
        "the app's own write was not echoed back"
    );

    drop(watching);
    env.edit_on_disk("after.md", "Edited after the watcher stopped.\n");
    env.mirror.flush().unwrap();
    assert_eq!(env.actors("after.md"), [("external".to_owned(), MemoryOp::Create)]);
}
