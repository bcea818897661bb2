use reverie_protocol::UpdateStatus;
use tauri::{AppHandle, Runtime, State};

use super::CommandResult;
use crate::AppState;

/// Checks the update server; an available update is downloaded and its signature verified
/// before it is offered.
#[tauri::command]
pub async fn check_for_updates<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> CommandResult<UpdateStatus> {
    Ok(state.updates.check(&app).await)
}

/// Installs the verified update from the last check and restarts Reverie.
#[tauri::command]
pub async fn install_update<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>) -> CommandResult<()> {
    state.updates.install()?;
    app.restart();
}
