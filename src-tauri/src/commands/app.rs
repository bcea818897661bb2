use reverie_protocol::{AppStatus, CloseChoice, CloseRequest};
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};

use super::CommandResult;
use crate::AppState;

/// Version, folders, keychain backend and start-up notices.
#[tauri::command]
pub async fn app_status(state: State<'_, AppState>) -> CommandResult<AppStatus> {
    let secrets = state.secrets.clone();
    // The first call may wait for the keychain probe: keep it off the async runtime.
    tauri::async_runtime::spawn_blocking(move || secrets.backend()).await.ok();
    Ok(state.status())
}

/// Where the shell asks what to do when the window is closed while work is in progress
/// (the UI opens it once; a reload replaces it).
#[tauri::command]
pub fn watch_close_requests(state: State<'_, AppState>, channel: Channel<CloseRequest>) {
    state.closing.watch(channel);
}

/// The user's answer to a close request: keep working in the background, or stop and quit.
#[tauri::command]
pub fn answer_close_request<R: Runtime>(app: AppHandle<R>, choice: CloseChoice) -> CommandResult<()> {
    crate::closing::answer(&app, choice)
}
