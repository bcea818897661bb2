//! App-wide status: version, storage, keychain, start-up notices and updates.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Which secret store holds API keys on this machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SecretBackend {
    /// The desktop keychain over D-Bus (GNOME Keyring, KWallet, KeePassXC…). Persistent.
    SecretService,
    /// The Linux kernel keyring. Kept until reboot (or a few idle days).
    KernelKeyring,
    /// No keychain works: keys are kept in memory and forgotten when Reverie quits.
    MemoryOnly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum NoticeLevel {
    Info,
    Warning,
    Error,
}

/// Something the user should know that happened outside any request (at start-up, mostly).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Notice {
    /// Stable id, so the UI can remember that the user dismissed it.
    pub id: String,
    pub level: NoticeLevel,
    pub title: String,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AppStatus {
    pub version: String,
    /// Where Reverie keeps its database and files.
    pub data_dir: String,
    /// Where the log files are written.
    pub log_dir: String,
    pub secret_backend: SecretBackend,
    pub notices: Vec<Notice>,
}

/// The answer to "Check for updates".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum UpdateStatus {
    UpToDate {
        current_version: String,
    },
    Available {
        current_version: String,
        version: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        notes: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        date: Option<String>,
    },
    /// The update server could not be reached: said quietly, Reverie works on.
    Offline {
        current_version: String,
    },
    /// The server answered but the answer is unusable (bad JSON, bad signature…).
    Failed {
        current_version: String,
        message: String,
    },
}

/// Sent to the UI when the window is closed while work is in progress: it asks whether to keep
/// working in the background or to stop the work and quit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CloseRequest {
    /// Runs of this app still working.
    pub runs: u32,
    /// Dreams still working.
    pub dreams: u32,
    /// Whether the work can go on with the window hidden (there is a tray icon to come back from).
    pub can_hide: bool,
}

/// The user's answer to a [`CloseRequest`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CloseChoice {
    /// Hide the window; the work goes on and the tray icon brings the window back.
    Background,
    /// Stop every run and dream (each run is recorded as stopped by quitting), then quit.
    Quit,
}
