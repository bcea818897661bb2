//! `Core::open`, the one start-up of the app and the CLI: a fresh folder, a damaged database
//! moved aside, sessions and dreams a dead process left running, a folder that can't be used,
//! and the memory mirror as the app asks for it.

use std::path::Path;
use std::sync::Arc;

use reverie_engine::clock::SequentialIds;
use reverie_engine::memory::{Actor, Change};
use reverie_engine::session::Owner;
use reverie_engine::store::events::SessionRow;
use reverie_engine::{Core, Database, OnFailure, OpenOptions, Opened, Secrets};
use reverie_llm::StreamOptions;
use reverie_protocol::{
    Dream, DreamId, DreamMode, DreamStatus, MemoryStoreInput, NoticeLevel, ProviderInput, ProviderKind, SessionId,
    SessionStatus, TokenUsage,
};

fn options(dir: &Path, on_failure: OnFailure) -> OpenOptions {
    OpenOptions {
        data_dir: dir.to_owned(),
        secrets: Arc::new(Secrets::memory_only()),
        stream_options: StreamOptions::default(),
        mirror_writes: false,
        on_failure,
    }
}

fn open(dir: &Path) -> Opened {
    Core::open(options(dir, OnFailure::Fail)).unwrap()
}

fn lock_files(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("owners")).map(|d| d.count()).unwrap_or(0)
}

#[test]
fn a_fresh_folder_gets_a_database_and_an_owner_lock_and_nothing_to_report() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().join("new folder");
    let Opened { core, report, .. } = open(&dir);
    assert!(dir.join("reverie.db").is_file());
    assert_eq!(report.data_dir, dir);
    assert_eq!((&report.recovered, &report.unusable), (&None, &None));
    assert!(report.interrupted.is_empty() && report.dreams_failed.is_empty());
    assert!(report.notices().is_empty(), "a clean start has nothing to announce");
    assert_eq!(lock_files(&dir), 1, "this process holds its owner lock");
    assert!(core.agents.list().unwrap().is_empty());
    drop(core);
    assert_eq!(lock_files(&dir), 0, "the lock goes with the core");
}

#[test]
fn a_damaged_database_is_moved_aside_and_reported() {
    let data = tempfile::tempdir().unwrap();
    std::fs::write(data.path().join("reverie.db"), b"definitely not sqlite".repeat(100)).unwrap();
    let Opened { core, report, .. } = open(data.path());
    let recovery = report.recovered.clone().expect("the recovery is reported");
    assert!(
        recovery.moved_to.file_name().unwrap().to_string_lossy().starts_with("reverie.db.corrupt-"),
        "{recovery:?}"
    );
    assert_eq!(
        std::fs::read(&recovery.moved_to).unwrap(),
        b"definitely not sqlite".repeat(100),
        "the damaged file is kept as it was"
    );
    let notices = report.notices();
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].level, NoticeLevel::Warning);
    assert!(
        notices[0].id.starts_with("db-recovered-")
            && notices[0].detail.contains(&recovery.moved_to.display().to_string()),
        "{notices:?}"
    );
    assert!(core.agents.list().unwrap().is_empty(), "the new database works");
}

#[test]
fn a_session_a_dead_process_left_running_is_reported_interrupted_and_a_live_ones_is_not() {
    let data = tempfile::tempdir().unwrap();
    let ids = SequentialIds::default();
    let (dead, live) = (SessionId("ses_dead".into()), SessionId("ses_live".into()));
    let running_elsewhere = Owner::acquire(data.path(), &ids).unwrap();
    {
        let Opened { core, .. } = open(data.path());
        let died = Owner::acquire(data.path(), &ids).unwrap();
        core.log
            .insert_session(&SessionRow::new(dead.clone(), None, "coder", "task", "/tmp/ws", Some(died.id().into()), 1))
            .unwrap();
        core.log
            .insert_session(&SessionRow::new(
                live.clone(),
                None,
                "coder",
                "task",
                "/tmp/ws",
                Some(running_elsewhere.id().into()),
                1,
            ))
            .unwrap();
        // The process running `ses_dead` exits: its lock goes with it.
        drop(died);
    }
    let Opened { core, report, .. } = open(data.path());
    assert_eq!(report.interrupted, std::slice::from_ref(&dead));
    assert_eq!(core.log.session(&dead).unwrap().unwrap().status, SessionStatus::Interrupted);
    assert_eq!(
        core.log.session(&live).unwrap().unwrap().status,
        SessionStatus::Running,
        "its process still holds its lock"
    );
    let notices = report.notices();
    assert_eq!(
        (notices.len(), notices[0].id.as_str(), notices[0].title.as_str()),
        (1, "interrupted-ses_dead", "A run was interrupted")
    );
    drop(core);
    assert!(open(data.path()).report.interrupted.is_empty(), "reported once");
}

#[test]
fn a_dream_a_dead_process_left_running_fails_and_is_reported() {
    let data = tempfile::tempdir().unwrap();
    let dream = {
        let Opened { core, .. } = open(data.path());
        let provider = core
            .providers
            .create(ProviderInput {
                name: "Fake".into(),
                kind: ProviderKind::Anthropic,
                base_url: "http://127.0.0.1:9".into(),
                model: "m".into(),
                api_key: None,
            })
            .unwrap();
        let store =
            core.memory.create_store(MemoryStoreInput { name: "Notes".into(), description: String::new() }).unwrap();
        let dream = Dream {
            id: DreamId("drm_orphan".into()),
            store_id: store.id,
            status: DreamStatus::Running,
            mode: DreamMode::Review,
            sessions: vec![],
            instructions: String::new(),
            model: "m".into(),
            stage: None,
            processed: 0,
            error: None,
            model_calls: 0,
            usage: TokenUsage::default(),
            cost_usd: None,
            created_at: 1,
            finished_at: None,
            proposal: None,
        };
        // Written as the dreaming process did, under an owner whose lock is gone.
        let (db, _) = Database::open_in(data.path(), 1).unwrap();
        reverie_engine::store::dreams::insert(&db.conn(), &dream, &provider.id, "own_gone").unwrap();
        dream
    };
    let Opened { core, report, .. } = open(data.path());
    assert_eq!(report.dreams_failed, std::slice::from_ref(&dream.id));
    let failed = core.dreams.get(&dream.id).unwrap();
    assert_eq!(failed.status, DreamStatus::Failed);
    assert!(failed.error.unwrap().contains("Nothing was written to memory"));
    let notices = report.notices();
    assert_eq!((notices.len(), notices[0].id.as_str()), (1, "dream-failed-drm_orphan"));
}

#[test]
fn a_folder_that_cant_be_used_fails_the_cli_and_runs_the_app_on_a_temporary_database() {
    let data = tempfile::tempdir().unwrap();
    std::fs::write(data.path().join("a file"), "").unwrap();
    let dir = data.path().join("a file").join("data");
    let err = Core::open(options(&dir, OnFailure::Fail)).err().expect("the CLI is told");
    assert!(err.to_string().contains("Couldn't create the data folder"), "{err}");

    let Opened { core, report, .. } = Core::open(options(&dir, OnFailure::Degrade)).unwrap();
    let reason = report.unusable.clone().expect("the app is told");
    assert!(reason.contains("Couldn't create the data folder"), "{reason}");
    let notices = report.notices();
    assert_eq!((notices.len(), notices[0].id.as_str(), notices[0].level), (1, "db-unavailable", NoticeLevel::Error));
    assert!(notices[0].detail.ends_with("Changes made now are not saved. Nothing on disk was changed."), "{notices:?}");
    core.memory.create_store(MemoryStoreInput { name: "Scratch".into(), description: String::new() }).unwrap();
    assert_eq!(core.memory.stores().unwrap().len(), 1, "the temporary database works");
    assert!(!dir.exists(), "nothing on disk was touched");
}

#[test]
fn memory_writes_reach_the_mirror_folder_only_when_asked() {
    let data = tempfile::tempdir().unwrap();
    let mut with_mirror = options(data.path(), OnFailure::Fail);
    with_mirror.mirror_writes = true;
    let Opened { core, mirror, .. } = Core::open(with_mirror).unwrap();
    let store =
        core.memory.create_store(MemoryStoreInput { name: "Notes".into(), description: String::new() }).unwrap();
    core.memory
        .apply(&store.id, Change::Write { path: "a.md".into(), content: "mirrored\n".into() }, None, &Actor::User)
        .unwrap();
    assert_eq!(mirror.root(), data.path().join("memory"));
    assert_eq!(std::fs::read_to_string(mirror.folder(&store).join("a.md")).unwrap(), "mirrored\n");
    drop(core);

    let Opened { core, mirror, .. } = open(data.path());
    core.memory
        .apply(&store.id, Change::Write { path: "b.md".into(), content: "not mirrored\n".into() }, None, &Actor::User)
        .unwrap();
    assert!(
        !mirror.folder(&store).join("b.md").exists(),
        "the CLI's writes reach the folder through the app's watcher"
    );
}
