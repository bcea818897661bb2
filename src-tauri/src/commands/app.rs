use reverie_protocol::AppStatus;
use tauri::State;

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
