//! What the shell keeps for the app's lifetime: the engine parts, where files live, and the
//! notices gathered at start-up.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use reverie_engine::providers::process_env;
use reverie_engine::dream::Dreams;
use reverie_engine::outcome::Rubrics;
use reverie_engine::session::{owner, Owner, Runs};
use reverie_engine::memory::mirror::{MirrorWatch, MIRROR_DIR};
use reverie_engine::memory::Mirror;
use reverie_engine::{Agents, Clock, Core, CoreParts, Database, Ids, Memory, Providers, Secrets, SystemClock, UuidIds};
use reverie_llm::StreamOptions;
use reverie_protocol::{AppStatus, Notice, NoticeLevel};
use tauri::{Manager, Runtime};

pub use crate::updates::{UpdateSource, Updates};

/// Overrides the data folder (tests and e2e runs each get an empty one).
pub const DATA_DIR_ENV: &str = "REVERIE_DATA_DIR";

/// How long quitting waits for running agents to stop.
const SHUTDOWN_LIMIT: std::time::Duration = std::time::Duration::from_secs(3);

#[derive(Debug, Clone)]
pub struct Paths {
    pub data_dir: PathBuf,
    pub log_dir: PathBuf,
}

impl Paths {
    /// `REVERIE_DATA_DIR` if set, else the platform data dir; logs in the platform log dir
    /// (or `<data dir>/logs` when overridden, so a test run keeps everything in one place).
    pub fn resolve<R: Runtime>(app: &tauri::AppHandle<R>) -> tauri::Result<Self> {
        if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
            let data_dir = PathBuf::from(dir);
            return Ok(Self { log_dir: data_dir.join("logs"), data_dir });
        }
        Ok(Self { data_dir: app.path().app_data_dir()?, log_dir: app.path().app_log_dir()? })
    }

    pub fn in_dir(data_dir: PathBuf) -> Self {
        Self { log_dir: data_dir.join("logs"), data_dir }
    }
}

pub struct AppState {
    /// What the commands of `reverie-api` run over (the same services as the fields below).
    pub api: Arc<reverie_api::Context>,
    pub providers: Providers,
    pub agents: Agents,
    pub memory: Memory,
    pub rubrics: Rubrics,
    pub dreams: Arc<Dreams>,
    pub mirror: Arc<Mirror>,
    /// The watcher of the mirror folder, once started; dropping it stops it.
    mirror_watch: Mutex<Option<MirrorWatch>>,
    pub runs: Arc<Runs>,
    pub watches: crate::watches::Watches,
    /// Where the window's close button asks the UI what to do with work in progress.
    pub closing: crate::closing::Closing,
    pub secrets: Arc<Secrets>,
    pub updates: Updates,
    pub paths: Paths,
    /// Notices from start-up (database recovered, database unusable…).
    notices: Vec<Notice>,
}

impl AppState {
    /// Opens the database and the keychain. Never fails: a database that can't be opened at
    /// all is replaced by an in-memory one with an error notice, so the user is told, nothing
    /// on disk is touched, and the app still starts.
    pub fn open(paths: Paths, update_source: UpdateSource) -> Self {
        Self::open_with(paths, Arc::new(Secrets::detect()), update_source)
    }

    pub fn open_with(paths: Paths, secrets: Arc<Secrets>, update_source: UpdateSource) -> Self {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let ids: Arc<dyn Ids> = Arc::new(UuidIds);
        let mut notices = Vec::new();
        let db = match Database::open_in(&paths.data_dir, clock.now_ms()) {
            Ok((db, report)) => {
                if let Some(recovery) = report.recovered {
                    notices.push(Notice {
                        id: format!("db-recovered-{}", recovery.moved_to.display()),
                        level: NoticeLevel::Warning,
                        title: "Reverie's database was damaged and has been replaced".into(),
                        detail: format!(
                            "The damaged file was kept at {} ({}). Reverie started with a new, empty database; \
                             add your providers again. Keep the old file if you want to try recovering it.",
                            recovery.moved_to.display(),
                            recovery.reason
                        ),
                    });
                }
                db
            }
            Err(e) => {
                tracing::error!(error = %e, "database unusable; running on a temporary in-memory database");
                notices.push(Notice {
                    id: "db-unavailable".into(),
                    level: NoticeLevel::Error,
                    title: "Reverie couldn't open its database".into(),
                    detail: format!("{e} Changes made now are not saved. Nothing on disk was changed."),
                });
                match Database::in_memory() {
                    Ok(db) => db,
                    Err(e) => {
                        // SQLite in memory failing means the process is out of memory; nothing sensible remains.
                        eprintln!("Reverie cannot create even an in-memory database: {e}");
                        std::process::exit(1);
                    }
                }
            }
        };
        let on_disk = db.path() != std::path::Path::new(":memory:");
        let db = Arc::new(db);
        // The memory stores, mirrored as plain files under <data>/memory for the user's own editor.
        let mirror = Arc::new(Mirror::new(paths.data_dir.join(MIRROR_DIR), db.clone(), clock.clone(), ids.clone()));
        let owner = match on_disk.then(|| Owner::acquire(&paths.data_dir, &*ids)) {
            Some(Ok(owner)) => owner,
            Some(Err(e)) => {
                tracing::warn!(error = %e, "no owner lock; sessions of this process can't be told apart after a crash");
                Owner::in_process(&*ids)
            }
            None => Owner::in_process(&*ids),
        };
        let core = Core::new(CoreParts {
            db,
            secrets: secrets.clone(),
            clock,
            ids,
            env: process_env(),
            memory_listener: Some(mirror.clone()),
            owner,
            stream_options: StreamOptions::from_env(),
        });
        let (providers, agents, memory, rubrics, log, dreams, runs) =
            (core.providers.clone(), core.agents.clone(), core.memory.clone(), core.rubrics.clone(), core.log.clone(), core.dreams.clone(), core.runs.clone());
        // The commands defined once in `reverie-api` run over the same services.
        let api = Arc::new(reverie_api::Context { core, mirror: mirror.clone() });
        // Sessions whose process died (a crash, a kill -9 of the CLI) become resumable.
        let data_dir = paths.data_dir.clone();
        match log.recover_interrupted(&|id| owner::is_alive(&data_dir, id)) {
            Ok(ids) if !ids.is_empty() => notices.push(Notice {
                id: format!("interrupted-{}", ids[0].as_str()),
                level: NoticeLevel::Info,
                title: if ids.len() == 1 { "A run was interrupted".into() } else { format!("{} runs were interrupted", ids.len()) },
                detail: "Reverie (or the CLI) stopped while they ran. Everything they did is kept; open them on the Runs page to resume.".into(),
            }),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "couldn't check for interrupted sessions"),
        }
        // Dreams a dead process left running become failed: nothing of them was written.
        match dreams.recover(&|id| owner::is_alive(&data_dir, id)) {
            Ok(ids) if !ids.is_empty() => notices.push(Notice {
                id: format!("dream-failed-{}", ids[0].as_str()),
                level: NoticeLevel::Info,
                title: "A dream was stopped".into(),
                detail: "Reverie closed while a dream ran. Nothing was written to memory; start it again from the Dreams page.".into(),
            }),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "couldn't check for interrupted dreams"),
        }
        Self { api, providers, agents, memory, rubrics, dreams, mirror, mirror_watch: Mutex::new(None), runs, watches: Default::default(), closing: Default::default(), secrets, updates: Updates::new(update_source), paths, notices }
    }

    /// Stops every run and dream of this process (the app is quitting): each run records that
    /// Reverie quit (`app_quit`) and its child processes are killed before the app exits.
    pub fn shutdown(&self) {
        self.dreams.cancel_all();
        let runs = self.runs.clone();
        tauri::async_runtime::block_on(runs.shutdown(SHUTDOWN_LIMIT));
    }

    /// Probes the keychain on a background thread so the first request doesn't wait for it,
    /// and starts watching the memory mirror (then imports what changed while Reverie was
    /// closed: after the watch starts, so nothing edited meanwhile is missed).
    pub fn warm_up(&self) {
        let secrets = self.secrets.clone();
        std::thread::spawn(move || secrets.backend());
        match self.mirror.watch() {
            Ok(watch) => *self.mirror_watch.lock().unwrap_or_else(|p| p.into_inner()) = Some(watch),
            Err(e) => tracing::warn!(error = %e, "the memory folder is not watched; external edits are imported at the next start"),
        }
        let mirror = self.mirror.clone();
        std::thread::spawn(move || {
            if let Err(e) = mirror.flush() {
                tracing::warn!(error = %e, "the memory folder could not be synced");
            }
        });
    }

    pub fn status(&self) -> AppStatus {
        // A memory-only keychain is not a notice: the UI shows it from `secret_backend`, always.
        let secret_backend = self.secrets.backend();
        let notices = self.notices.clone();
        AppStatus {
            version: env!("CARGO_PKG_VERSION").into(),
            data_dir: self.paths.data_dir.display().to_string(),
            log_dir: self.paths.log_dir.display().to_string(),
            secret_backend,
            notices,
        }
    }
}
