//! The disk mirror when others act at the same time: an editor saving a file while the app
//! writes it out, a store subfolder swapped for a symbolic link to elsewhere, and another
//! process writing memory into the same database.

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use reverie_engine::clock::{ManualClock, SequentialIds};
use reverie_engine::memory::mirror::MIRROR_DIR;
use reverie_engine::memory::{Actor, Change, Mirror};
use reverie_engine::{Database, Memory, UuidIds};
use reverie_protocol::{MemoryStore, MemoryStoreInput};

struct Env {
    memory: Memory,
    mirror: Arc<Mirror>,
    store: MemoryStore,
    dir: PathBuf,
    data: tempfile::TempDir,
}

fn env() -> Env {
    let data = tempfile::tempdir().unwrap();
    let (db, _) = Database::open_in(data.path(), 1).unwrap();
    let db = Arc::new(db);
    let (clock, ids) = (Arc::new(ManualClock::new(1_000)), Arc::new(SequentialIds::default()));
    let mirror = Arc::new(Mirror::new(data.path().join(MIRROR_DIR), db.clone(), clock.clone(), ids.clone()));
    let memory = Memory::new(db, clock, ids).with_listener(mirror.clone());
    let store = memory.create_store(MemoryStoreInput { name: "notes".into(), description: String::new() }).unwrap();
    mirror.flush().unwrap();
    let dir = data.path().join(MIRROR_DIR).join("notes");
    Env { memory, mirror, store, dir, data }
}

impl Env {
    fn write(&self, path: &str, content: &str) {
        self.memory
            .apply(&self.store.id, Change::Write { path: path.into(), content: content.into() }, None, &Actor::User)
            .unwrap();
    }

    fn content(&self, path: &str) -> Option<String> {
        self.memory.read(&self.store.id, path).ok().map(|f| f.content)
    }

    /// Whether some version of `path` holds `content`.
    fn has_version(&self, path: &str, content: &str) -> bool {
        self.memory
            .history(&self.store.id, path)
            .unwrap()
            .iter()
            .any(|v| self.memory.version(&v.id).unwrap().1.as_deref() == Some(content))
    }
}

/// Saves like editors do: a temporary file beside it, renamed over it.
fn editor_save(file: &Path, content: &str) {
    let temp = file.with_file_name(".race.md.editor-swp");
    std::fs::write(&temp, content).unwrap();
    std::fs::rename(&temp, file).unwrap();
}

#[test]
fn an_editor_saving_while_the_app_writes_out_never_loses_its_save() {
    const ROUNDS: usize = 400;
    let env = env();
    env.write("race.md", "reverie 0\n");
    let file = env.dir.join("race.md");
    let (mut on_disk, mut imported, mut conflicts) = (0, 0, 0);
    for round in 1..=ROUNDS {
        let save = format!("editor save {round}\n");
        let start = Arc::new(Barrier::new(2));
        let editor = {
            let (start, file, save) = (start.clone(), file.clone(), save.clone());
            std::thread::spawn(move || {
                start.wait();
                // Land at a different moment of the app's write-out each round.
                let until = Instant::now() + Duration::from_micros((round % 40) as u64 * 25);
                while Instant::now() < until {
                    std::hint::spin_loop();
                }
                editor_save(&file, &save);
            })
        };
        start.wait();
        env.write("race.md", &format!("reverie {round}\n"));
        editor.join().unwrap();
        env.mirror.flush().unwrap();

        let disk = std::fs::read_to_string(&file).ok();
        let conflict = env.mirror.conflicts(&env.store.id).unwrap().into_iter().find(|c| c.path == "race.md");
        if conflict.as_ref().is_some_and(|c| c.theirs.as_deref() == Some(save.as_str())) {
            conflicts += 1;
        } else if env.has_version("race.md", &save) {
            imported += 1;
        } else if disk.as_deref() == Some(save.as_str()) {
            on_disk += 1;
        } else {
            panic!(
                "round {round}: the editor's save was lost (disk {disk:?}, Reverie {:?}, conflict {conflict:?})",
                env.content("race.md")
            );
        }
        if conflict.is_some() {
            // The user keeps the editor's side; the next round starts in step.
            env.mirror.resolve(&env.store.id, "race.md", false).unwrap();
        }
    }
    assert_eq!(on_disk + imported + conflicts, ROUNDS);
    assert!(imported > 0, "some saves landed after the write-out and were imported ({imported})");
    eprintln!("{ROUNDS} rounds: {imported} imported, {conflicts} conflicts, {on_disk} only on disk");
}

#[test]
fn a_store_subfolder_swapped_for_a_link_outside_is_neither_imported_nor_written_through() {
    let env = env();
    env.write("sub/a.md", "# A\ninside\n");
    // A folder outside the data dir.
    let outside_dir = tempfile::tempdir().unwrap();
    let outside = outside_dir.path().to_owned();
    std::fs::write(outside.join("a.md"), "# A\nOUTSIDE\n").unwrap();
    std::fs::write(outside.join("b.md"), "# B\nOUTSIDE\n").unwrap();
    std::fs::remove_dir_all(env.dir.join("sub")).unwrap();
    symlink(&outside, env.dir.join("sub")).unwrap();

    env.mirror.flush().unwrap();
    assert_eq!(env.content("sub/a.md").as_deref(), Some("# A\ninside\n"), "the outside file was not imported");
    assert!(env.content("sub/b.md").is_none(), "nothing under the link was imported");
    let problems = env.mirror.problems(&env.store.id).unwrap();
    assert!(problems.iter().any(|p| p.path == "sub" && p.problem.contains("symbolic link")), "{problems:?}");

    env.write("sub/a.md", "# A\nchanged in Reverie\n");
    env.mirror.flush().unwrap();
    assert_eq!(
        std::fs::read_to_string(outside.join("a.md")).unwrap(),
        "# A\nOUTSIDE\n",
        "never written through the link"
    );
    let names: Vec<_> = std::fs::read_dir(&outside).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 2, "nothing was created outside: {names:?}");

    // The store's folder itself swapped for a link: refused, nothing written through.
    let moved = env.data.path().join("moved-away");
    std::fs::rename(&env.dir, &moved).unwrap();
    symlink(&outside, &env.dir).unwrap();
    let err = env.mirror.flush().unwrap_err();
    assert!(err.to_string().contains("symbolic link"), "{err}");
    env.write("c.md", "# C\n");
    assert!(!outside.join("c.md").exists(), "a write-out never follows the link");
}

#[tokio::test]
async fn a_write_by_another_process_reaches_the_apps_folder_without_anything_else_changing() {
    let env = env();
    let watching = env.mirror.watch().unwrap();
    let mut synced = watching.synced();
    // Another process on the same database file: its own connection, no mirror of its own.
    let (other_db, _) = Database::open_in(env.data.path(), 1).unwrap();
    let other = Memory::new(Arc::new(other_db), Arc::new(ManualClock::new(2_000)), Arc::new(UuidIds));
    other
        .apply(
            &env.store.id,
            Change::Write { path: "from-cli.md".into(), content: "Accepted in the terminal.\n".into() },
            None,
            &Actor::User,
        )
        .unwrap();

    let file = env.dir.join("from-cli.md");
    let appeared = async {
        while std::fs::read_to_string(&file).ok().as_deref() != Some("Accepted in the terminal.\n") {
            synced.changed().await.unwrap();
        }
    };
    tokio::time::timeout(Duration::from_secs(30), appeared)
        .await
        .expect("the other process's write reached the folder");
    // And a deletion made there is brought in step as well.
    other.apply(&env.store.id, Change::Delete { path: "from-cli.md".into() }, None, &Actor::User).unwrap();
    let gone = async {
        while file.exists() {
            synced.changed().await.unwrap();
        }
    };
    tokio::time::timeout(Duration::from_secs(30), gone).await.expect("the deletion reached the folder");
    assert!(env.mirror.conflicts(&env.store.id).unwrap().is_empty());
}
