//! The Dreams page: start and cancel dreams, their history and progress, the review of a
//! proposal hunk by hunk, Apply and Revert, and each store's dream settings.

use reverie_engine::blocking::blocking;
use reverie_protocol::{ApplyReport, Dream, DreamId, DreamInput, DreamSettings, HunkDecision, MemoryStoreId, Proposal, SessionId};
use tauri::ipc::Channel;
use tauri::State;

use super::CommandResult;
use crate::AppState;

#[tauri::command(rename_all = "snake_case")]
pub async fn list_dreams(state: State<'_, AppState>, store_id: Option<MemoryStoreId>) -> CommandResult<Vec<Dream>> {
    let dreams = state.dreams.clone();
    Ok(blocking(move || dreams.list(store_id.as_ref())).await?)
}

#[tauri::command]
pub async fn get_dream(state: State<'_, AppState>, id: DreamId) -> CommandResult<Dream> {
    let dreams = state.dreams.clone();
    Ok(blocking(move || dreams.get(&id)).await?)
}

/// Starts a dream in the background ("Dream now"); its progress comes through `watch_dreams`.
#[tauri::command]
pub async fn start_dream(state: State<'_, AppState>, input: DreamInput) -> CommandResult<Dream> {
    Ok(state.dreams.start(input).await?.dream)
}

#[tauri::command]
pub fn cancel_dream(state: State<'_, AppState>, id: DreamId) -> CommandResult<()> {
    Ok(state.dreams.cancel(&id)?)
}

/// Finished sessions the next dream of the store would read.
#[tauri::command(rename_all = "snake_case")]
pub async fn new_dream_sessions(state: State<'_, AppState>, store_id: MemoryStoreId) -> CommandResult<Vec<SessionId>> {
    let dreams = state.dreams.clone();
    Ok(blocking(move || dreams.new_sessions(&store_id, reverie_engine::dream::MAX_SESSIONS)).await?)
}

#[tauri::command]
pub async fn dream_proposal(state: State<'_, AppState>, id: DreamId) -> CommandResult<Proposal> {
    let dreams = state.dreams.clone();
    Ok(blocking(move || dreams.proposal(&id)).await?)
}

/// Accepts, rejects or resets hunks; `edited` (one hunk, accepted) replaces its new lines.
#[tauri::command]
pub async fn decide_hunks(state: State<'_, AppState>, id: DreamId, hunks: Vec<String>, decision: HunkDecision, edited: Option<String>) -> CommandResult<Proposal> {
    let dreams = state.dreams.clone();
    Ok(blocking(move || dreams.decide(&id, &hunks, decision, edited)).await?)
}

#[tauri::command]
pub async fn apply_proposal(state: State<'_, AppState>, id: DreamId) -> CommandResult<(Proposal, ApplyReport)> {
    let dreams = state.dreams.clone();
    Ok(blocking(move || dreams.apply(&id)).await?)
}

#[tauri::command]
pub async fn revert_proposal(state: State<'_, AppState>, id: DreamId) -> CommandResult<(Proposal, ApplyReport)> {
    let dreams = state.dreams.clone();
    Ok(blocking(move || dreams.revert(&id)).await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn dream_settings(state: State<'_, AppState>, store_id: MemoryStoreId) -> CommandResult<DreamSettings> {
    let dreams = state.dreams.clone();
    Ok(blocking(move || dreams.settings(&store_id)).await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn set_dream_settings(state: State<'_, AppState>, store_id: MemoryStoreId, settings: DreamSettings) -> CommandResult<DreamSettings> {
    let dreams = state.dreams.clone();
    Ok(blocking(move || dreams.set_settings(&store_id, settings)).await?)
}

/// Every change to any dream (progress, the end, a proposal applied) until `unwatch_session`
/// with the returned id.
#[tauri::command]
pub fn watch_dreams(state: State<'_, AppState>, channel: Channel<Dream>) -> u32 {
    let mut updates = state.dreams.subscribe();
    state.watches.start(async move {
        loop {
            match updates.recv().await {
                Ok(dream) => {
                    if channel.send(dream).is_err() {
                        return;
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    })
}
