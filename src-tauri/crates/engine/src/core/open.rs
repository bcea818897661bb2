//! Start-up, the same for the app and the CLI: where the data folder is, the database (with
//! its integrity check and recovery), this process's owner lock, every service, and the
//! recovery of what a dead process left running. What happened comes back as a report each
//! caller tells the user about in its own way.

use std::path::PathBuf;
use std::sync::Arc;

use reverie_llm::StreamOptions;
use reverie_protocol::{DreamId, Notice, NoticeLevel, SessionId};

use super::{Core, CoreParts};
use crate::memory::mirror::MIRROR_DIR;
use crate::memory::{Mirror, WriteListener};
use crate::providers::process_env;
use crate::session::{owner, Owner};
use crate::store::Recovery;
use crate::{Clock, Database, Error, Ids, Result, Secrets, SystemClock, UuidIds};

/// The app's identifier: its data folder's name under the platform data dir, and the
/// keychain's service name.
pub const APP_ID: &str = "dev.reverie.desktop";
/// Overrides the data folder (tests, e2e runs, side-by-side installs).
pub const DATA_DIR_ENV: &str = "REVERIE_DATA_DIR";

/// The folder `REVERIE_DATA_DIR` names, when it is set and not empty.
pub fn data_dir_override() -> Option<PathBuf> {
    std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()).map(PathBuf::from)
}

/// Where Reverie keeps its data: `REVERIE_DATA_DIR` if set, else `dev.reverie.desktop` under
/// the platform data dir (`~/.local/share` on Linux), the same folder for the app and the CLI.
pub fn data_dir() -> Result<PathBuf> {
    if let Some(dir) = data_dir_override() {
        return Ok(dir);
    }
    dirs::data_dir().map(|d| d.join(APP_ID)).ok_or_else(|| {
        Error::Internal(format!(
            "Couldn't find your data folder (is HOME set?). Set {DATA_DIR_ENV} to the folder Reverie should use."
        ))
    })
}

/// What to do when the data folder can't be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnFailure {
    /// `Core::open` fails with the reason (the CLI says it and exits).
    Fail,
    /// Start on what still works and say so in the report: a temporary in-memory database
    /// when the file can't be opened (nothing on disk is touched), an owner only this process
    /// knows when its lock can't be taken, recovery skipped when it fails. The app does this,
    /// so that it can open its window and tell the user.
    Degrade,
}

/// How this process opens the engine; what differs between the app and the CLI.
pub struct OpenOptions {
    /// Usually [`data_dir()`].
    pub data_dir: PathBuf,
    pub secrets: Arc<Secrets>,
    /// Usually `StreamOptions::from_env()`.
    pub stream_options: StreamOptions,
    /// Whether every memory write is mirrored to `<data>/memory` at once (the app; the CLI's
    /// writes reach the folder through the app's watcher).
    pub mirror_writes: bool,
    pub on_failure: OnFailure,
}

/// The opened engine.
pub struct Opened {
    pub core: Core,
    /// The memory stores' disk mirror, `<data>/memory` (the app watches it).
    pub mirror: Arc<Mirror>,
    pub report: StartupReport,
}

/// What start-up found, for the user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StartupReport {
    pub data_dir: PathBuf,
    /// The database was damaged: where it was moved, and why. A new one was created.
    pub recovered: Option<Recovery>,
    /// The database couldn't be opened at all (only with [`OnFailure::Degrade`]): why. The
    /// core runs on a temporary in-memory database.
    pub unusable: Option<String>,
    /// Sessions a dead process left running, now `interrupted` (resumable).
    pub interrupted: Vec<SessionId>,
    /// Dreams a dead process left running, now failed (nothing of them was written).
    pub dreams_failed: Vec<DreamId>,
}

impl Core {
    /// Opens the engine over the data folder: the database (a damaged one moved aside), an
    /// owner lock for this process, every service, then sessions and dreams whose process
    /// died marked interrupted and failed. Blocking: call it off the async runtime.
    pub fn open(options: OpenOptions) -> Result<Opened> {
        let OpenOptions { data_dir, secrets, stream_options, mirror_writes, on_failure } = options;
        let degrade = on_failure == OnFailure::Degrade;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let ids: Arc<dyn Ids> = Arc::new(UuidIds);
        let mut report = StartupReport { data_dir: data_dir.clone(), ..StartupReport::default() };
        let db = match Database::open_in(&data_dir, clock.now_ms()) {
            Ok((db, opened)) => {
                report.recovered = opened.recovered;
                db
            }
            Err(e) if degrade => {
                tracing::error!(error = %e, "database unusable; running on a temporary in-memory database");
                report.unusable = Some(e.to_string());
                Database::in_memory()?
            }
            Err(e) => return Err(e),
        };
        let db = Arc::new(db);
        let mirror = Arc::new(Mirror::new(data_dir.join(MIRROR_DIR), db.clone(), clock.clone(), ids.clone()));
        let owner = if report.unusable.is_some() {
            Owner::in_process(&*ids)
        } else {
            match Owner::acquire(&data_dir, &*ids) {
                Ok(owner) => owner,
                Err(e) if degrade => {
                    tracing::warn!(error = %e, "no owner lock; sessions of this process can't be told apart after a crash");
                    Owner::in_process(&*ids)
                }
                Err(e) => return Err(e),
            }
        };
        let core = Core::new(CoreParts {
            db,
            secrets,
            clock,
            ids,
            env: process_env(),
            memory_listener: mirror_writes.then(|| mirror.clone() as Arc<dyn WriteListener>),
            owner,
            stream_options,
        });
        let alive = |id: &str| owner::is_alive(&data_dir, id);
        report.interrupted =
            recovered(core.log.recover_interrupted(&alive), degrade, "couldn't check for interrupted sessions")?;
        report.dreams_failed =
            recovered(core.dreams.recover(&alive), degrade, "couldn't check for interrupted dreams")?;
        Ok(Opened { core, mirror, report })
    }
}

/// A recovery's result; when degrading, a failure is logged and start-up goes on.
fn recovered<T>(result: Result<Vec<T>>, degrade: bool, what: &str) -> Result<Vec<T>> {
    match result {
        Err(e) if degrade => {
            tracing::error!(error = %e, "{what}");
            Ok(Vec::new())
        }
        other => other,
    }
}

impl StartupReport {
    /// The report as the app's notices (shown until dismissed; ids stable per occurrence).
    pub fn notices(&self) -> Vec<Notice> {
        let mut notices = Vec::new();
        if let Some(recovery) = &self.recovered {
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
        if let Some(reason) = &self.unusable {
            notices.push(Notice {
                id: "db-unavailable".into(),
                level: NoticeLevel::Error,
                title: "Reverie couldn't open its database".into(),
                detail: format!("{reason} Changes made now are not saved. Nothing on disk was changed."),
            });
        }
        if let Some(first) = self.interrupted.first() {
            let n = self.interrupted.len();
            notices.push(Notice {
                id: format!("interrupted-{}", first.as_str()),
                level: NoticeLevel::Info,
                title: if n == 1 { "A run was interrupted".into() } else { format!("{n} runs were interrupted") },
                detail: "Reverie (or the CLI) stopped while they ran. Everything they did is kept; open them on the Runs page to resume.".into(),
            });
        }
        if let Some(first) = self.dreams_failed.first() {
            notices.push(Notice {
                id: format!("dream-failed-{}", first.as_str()),
                level: NoticeLevel::Info,
                title: "A dream was stopped".into(),
                detail: "Reverie closed while a dream ran. Nothing was written to memory; start it again from the Dreams page.".into(),
            });
        }
        notices
    }
}
