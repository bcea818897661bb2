//! The shell double: what the dev server answers for the few calls only the desktop shell can
//! answer (`reverie-devserver DATA_DIR --shell FILE`). It stands in for the *shell* (the
//! updater, the shell's own start-up notices, which keychain the platform offers), never for
//! the engine: every engine command still runs on the real engine. Browser tests use it to
//! show the Settings page with an update available, or Home with the shell's notices.
//!
//! The file is JSON, every field optional:
//!
//! ```json
//! {
//!   "update": {"type": "available", "current_version": "0.1.0", "version": "0.2.0", "notes": "…"},
//!   "install": "restarts",
//!   "notices": [{"id": "logs", "level": "warning", "title": "…", "detail": "…"}],
//!   "keychain": "memory_only"
//! }
//! ```
//!
//! - `update`: what `check_for_updates` answers (an `UpdateStatus`). Absent: the call fails
//!   with `not_found`, saying the dev server has no updater.
//! - `install`: what `install_update` does after a check answered `available`: `"restarts"`
//!   (it succeeds; the app would restart, the dev server keeps running) or `{"fails": "…"}`
//!   (it fails with that message). Before such a check it is `not_found`, as in the app.
//! - `notices`: added after the engine's own start-up notices in `app_status` (the app adds
//!   its log-folder and data-folder notices the same way).
//! - `keychain`: `"memory_only"` makes the dev server really keep keys in memory only (as the
//!   app does on a system without a keychain; `app_status` then says so); `"detect"` (the
//!   default) probes the platform's keychains as the app does.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use reverie_engine::Secrets;
use reverie_protocol::{AppError, ErrorCode, Notice, UpdateStatus};
use serde::Deserialize;

/// A shell file is at most this big.
pub const MAX_SHELL_FILE: u64 = 64 * 1024;

/// How `install_update` behaves.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Install {
    /// Succeeds: the app would install and restart.
    Restarts,
    /// Fails with this message.
    Fails(String),
}

/// Which keychain the dev server uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Keychain {
    /// The platform's keychains, probed in order (`Secrets::detect`).
    #[default]
    Detect,
    /// Keys in memory only (`Secrets::memory_only`).
    MemoryOnly,
}

/// What the shell file says.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShellDouble {
    #[serde(default)]
    pub update: Option<UpdateStatus>,
    #[serde(default)]
    pub install: Option<Install>,
    #[serde(default)]
    pub notices: Vec<Notice>,
    #[serde(default)]
    pub keychain: Keychain,
    /// Whether the last check answered `available` (what `install_update` needs).
    #[serde(skip)]
    ready: AtomicBool,
}

/// A shell file that can't be used, with what to do.
#[derive(Debug, thiserror::Error)]
#[error("The shell file {path} can't be used: {reason}")]
pub struct ShellFileError {
    pub path: String,
    pub reason: String,
}

impl ShellDouble {
    /// Reads and checks a shell file. Blocking.
    pub fn load(path: &Path) -> Result<Self, ShellFileError> {
        let fail = |reason: String| ShellFileError { path: path.display().to_string(), reason };
        let size = std::fs::metadata(path).map_err(|e| fail(e.to_string()))?.len();
        if size > MAX_SHELL_FILE {
            return Err(fail(format!("it is {size} bytes; a shell file is at most {MAX_SHELL_FILE}.")));
        }
        let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
        Self::parse(&text).map_err(fail)
    }

    /// Parses a shell file's text; the error says where and what is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        serde_json::from_str(text).map_err(|e| {
            format!("{e}. Expected a JSON object with any of `update`, `install`, `notices` and `keychain`.")
        })
    }

    /// The secret store this shell would have found.
    pub fn secrets(&self) -> Secrets {
        match self.keychain {
            Keychain::Detect => Secrets::detect(),
            Keychain::MemoryOnly => Secrets::memory_only(),
        }
    }

    /// `check_for_updates`.
    pub fn check_for_updates(&self) -> Result<UpdateStatus, AppError> {
        let Some(update) = &self.update else {
            return Err(AppError::new(
                ErrorCode::NotFound,
                "reverie-devserver has no updater (updates are for the installed app). Start it with --shell FILE naming an `update` to show one.",
            ));
        };
        self.ready.store(matches!(update, UpdateStatus::Available { .. }), Ordering::SeqCst);
        Ok(update.clone())
    }

    /// `install_update`: only after a check answered `available`, as in the app.
    pub fn install_update(&self) -> Result<(), AppError> {
        if !self.ready.load(Ordering::SeqCst) {
            return Err(AppError::new(ErrorCode::NotFound, "No update is ready to install. Check for updates first."));
        }
        match self.install.clone().unwrap_or(Install::Restarts) {
            Install::Restarts => Ok(()),
            Install::Fails(message) => Err(AppError::new(ErrorCode::Internal, message)),
        }
    }
}
