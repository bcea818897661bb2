//! Commands only the desktop shell can answer (the window, the updater, the close dialog, a
//! Channel's end): declared here so the TypeScript table covers every call the UI makes, and
//! implemented in `src-tauri/src/commands/`, whose argument names must match these fields.

use reverie_protocol::{AppStatus, CloseChoice, CloseRequest, UpdateStatus};
use serde::Deserialize;
use ts_rs::TS;

use crate::bindings;

/// A shell command: its arguments are `Self`'s fields.
pub trait ShellCommand: TS + 'static {
    const NAME: &'static str;
    type Output: TS;
}

/// Version, folders, keychain backend and start-up notices.
#[derive(Debug, Deserialize, TS)]
pub struct AppStatusArgs {}

/// Checks the update server; an available update is downloaded and verified first.
#[derive(Debug, Deserialize, TS)]
pub struct CheckForUpdates {}

/// Installs the verified update from the last check and restarts Reverie.
#[derive(Debug, Deserialize, TS)]
pub struct InstallUpdate {}

/// The user's answer to a close request.
#[derive(Debug, Deserialize, TS)]
pub struct AnswerCloseRequest {
    pub choice: CloseChoice,
}

/// Ends a stream (`watch_session`, `watch_dreams`) by the id its watch returned.
#[derive(Debug, Deserialize, TS)]
pub struct UnwatchSession {
    pub watch: u32,
}

/// Where the shell asks what to do when the window is closed while work is in progress.
#[derive(Debug, Deserialize, TS)]
pub struct WatchCloseRequests {}

macro_rules! shell {
    ($($ty:ty => $name:literal : $out:ty),* $(,)?) => {
        $(impl ShellCommand for $ty {
            const NAME: &'static str = $name;
            type Output = $out;
        })*

        /// Every shell command's name.
        pub const SHELL_NAMES: &[&str] = &[$($name),*];

        pub(crate) fn entries(cfg: &ts_rs::Config) -> Vec<bindings::Entry> {
            vec![$(bindings::Entry::of::<$ty, $out>($name, cfg)),*]
        }
    };
}

shell![
    AppStatusArgs => "app_status": AppStatus,
    CheckForUpdates => "check_for_updates": UpdateStatus,
    InstallUpdate => "install_update": (),
    AnswerCloseRequest => "answer_close_request": (),
    UnwatchSession => "unwatch_session": (),
];

/// The shell's own stream: close requests (the UI opens it once; a reload replaces it).
pub(crate) fn watch_entries(cfg: &ts_rs::Config) -> Vec<bindings::Entry> {
    vec![bindings::Entry::of::<WatchCloseRequests, CloseRequest>("watch_close_requests", cfg)]
}
