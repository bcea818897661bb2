//! What the shell keeps for the app's lifetime: the engine parts, where files live, and the
//! notices gathered at start-up.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use reverie_engine::dream::Dreams;
use reverie_engine::memory::mirror::MirrorWatch;
use reverie_engine::memory::Mirror;
use reverie_engine::outcome::Rubrics;
use reverie_engine::session::Sessions;
use reverie_engine::{Agents, Core, Memory, OnFailure, OpenOptions, Opened, Providers, Secrets};
use reverie_llm::StreamOptions;
use reverie_protocol::{AppStatus, Notice};
use tauri::{Manager, Runtime};

pub use crate::updates::{UpdateSource, Updates};

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
    pub fn resolve<R: Runtime>(app: &tauri::AppHandle<R>) -> Result<Self, Box<dyn std::error::Error>> {
        if let Some(data_dir) = reverie_engine::data_dir_override() {
            return Ok(Self::in_dir(data_dir));
        }
        Ok(Self { data_dir: reverie_engine::data_dir()?, log_dir: app.path().app_log_dir()? })
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
    pub sessions: Arc<Sessions>,
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
    /// Opens the engine (`Core::open`) with the keychain. A database that can't be opened at
    /// all is replaced by an in-memory one with an error notice, so the user is told, nothing
    /// on disk is touched, and the app still starts; it fails only when not even that works.
    pub fn open(paths: Paths, update_source: UpdateSource) -> reverie_engine::Result<Self> {
        Self::open_with(paths, Arc::new(Secrets::detect()), update_source)
    }

    pub fn open_with(paths: Paths, secrets: Arc<Secrets>, update_source: UpdateSource) -> reverie_engine::Result<Self> {
        let Opened { core, mirror, report } = Core::open(OpenOptions {
            data_dir: paths.data_dir.clone(),
            secrets: secrets.clone(),
            stream_options: StreamOptions::from_env(),
            // The memory stores, mirrored as plain files under <data>/memory for the user's own editor.
            mirror_writes: true,
            on_failure: OnFailure::Degrade,
        })?;
        let (providers, agents, memory, rubrics, dreams, sessions) = (
            core.providers.clone(),
            core.agents.clone(),
            core.memory.clone(),
            core.rubrics.clone(),
            core.dreams.clone(),
            core.sessions.clone(),
        );
        // The commands defined once in `reverie-api` run over the same services.
        let api = Arc::new(reverie_api::Context { core, mirror: mirror.clone(), status: None });
        Ok(Self {
            api,
            providers,
            agents,
            memory,
            rubrics,
            dreams,
            mirror,
            mirror_watch: Mutex::new(None),
            sessions,
            watches: Default::default(),
            closing: Default::default(),
            secrets,
            updates: Updates::new(update_source),
            paths,
            notices: report.notices(),
        })
    }

    /// Stops every run and dream of this process (the app is quitting): each run records that
    /// Reverie quit (`app_quit`) and its child processes are killed before the app exits.
    pub fn shutdown(&self) {
        self.dreams.cancel_all();
        let sessions = self.sessions.clone();
        tauri::async_runtime::block_on(sessions.shutdown(SHUTDOWN_LIMIT));
    }

    /// Probes the keychain on a background thread so the first request doesn't wait for it,
    /// and starts watching the memory mirror (then imports what changed while Reverie was
    /// closed: after the watch starts, so nothing edited meanwhile is missed).
    pub fn warm_up(&self) {
        let secrets = self.secrets.clone();
        std::thread::spawn(move || secrets.backend());
        match self.mirror.watch() {
            Ok(watch) => *self.mirror_watch.lock().unwrap_or_else(|p| p.into_inner()) = Some(watch),
            Err(e) => {
                tracing::warn!(error = %e, "the memory folder is not watched; external edits are imported at the next start")
            }
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
