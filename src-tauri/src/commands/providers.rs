use reverie_engine::blocking::blocking;
use reverie_protocol::{ConnectionReport, Provider, ProviderId, ProviderInput};
use tauri::State;

use super::CommandResult;
use crate::AppState;

#[tauri::command]
pub async fn list_providers(state: State<'_, AppState>) -> CommandResult<Vec<Provider>> {
    let providers = state.providers.clone();
    Ok(blocking(move || providers.list()).await?)
}

#[tauri::command]
pub async fn create_provider(state: State<'_, AppState>, input: ProviderInput) -> CommandResult<Provider> {
    let providers = state.providers.clone();
    Ok(blocking(move || providers.create(input)).await?)
}

#[tauri::command]
pub async fn update_provider(state: State<'_, AppState>, id: ProviderId, input: ProviderInput) -> CommandResult<Provider> {
    let providers = state.providers.clone();
    Ok(blocking(move || providers.update(&id, input)).await?)
}

#[tauri::command]
pub async fn delete_provider(state: State<'_, AppState>, id: ProviderId) -> CommandResult<()> {
    let providers = state.providers.clone();
    Ok(blocking(move || providers.delete(&id)).await?)
}

#[tauri::command]
pub async fn test_provider(state: State<'_, AppState>, id: ProviderId) -> CommandResult<ConnectionReport> {
    Ok(state.providers.test_connection(&id).await?)
}
