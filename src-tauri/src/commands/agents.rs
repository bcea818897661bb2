use reverie_engine::agents::tool_catalog;
use reverie_engine::blocking::blocking;
use reverie_protocol::{Agent, AgentId, AgentInput, ProviderId, ToolInfo};
use tauri::State;

use super::CommandResult;
use crate::AppState;

/// The workspace tools an agent can be given, with their default permissions.
#[tauri::command]
pub fn list_tools() -> Vec<ToolInfo> {
    tool_catalog()
}

#[tauri::command]
pub async fn list_agents(state: State<'_, AppState>) -> CommandResult<Vec<Agent>> {
    let agents = state.agents.clone();
    Ok(blocking(move || agents.list()).await?)
}

#[tauri::command]
pub async fn create_agent(state: State<'_, AppState>, input: AgentInput) -> CommandResult<Agent> {
    let agents = state.agents.clone();
    Ok(blocking(move || agents.create(input)).await?)
}

#[tauri::command]
pub async fn update_agent(state: State<'_, AppState>, id: AgentId, input: AgentInput) -> CommandResult<Agent> {
    let agents = state.agents.clone();
    Ok(blocking(move || agents.update(&id, input)).await?)
}

#[tauri::command]
pub async fn delete_agent(state: State<'_, AppState>, id: AgentId) -> CommandResult<()> {
    let agents = state.agents.clone();
    Ok(blocking(move || agents.delete(&id)).await?)
}

/// The example team (a coordinator with a researcher, a writer and a reviewer) on a provider.
#[tauri::command(rename_all = "snake_case")]
pub async fn create_example_team(state: State<'_, AppState>, provider_id: ProviderId) -> CommandResult<Vec<Agent>> {
    let agents = state.agents.clone();
    Ok(blocking(move || agents.create_example_team(&provider_id)).await?)
}
