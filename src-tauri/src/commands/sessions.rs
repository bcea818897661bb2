//! Runs and their live view. A session view opens one Channel (`watch_session`) that gets the
//! stored events first, then live events and text deltas, in order; `unwatch_session` ends it.

use reverie_engine::session::RunOptions;
use reverie_protocol::{RunInput, SessionEvent, SessionId, SessionSummary, StreamItem, ThreadId};
use tauri::ipc::Channel;
use tauri::State;

use super::CommandResult;
use crate::AppState;

#[tauri::command]
pub async fn list_sessions(state: State<'_, AppState>) -> CommandResult<Vec<SessionSummary>> {
    Ok(state.runs.list().await?)
}

#[tauri::command]
pub async fn get_session(state: State<'_, AppState>, id: SessionId) -> CommandResult<SessionSummary> {
    Ok(state.runs.get(&id).await?)
}

#[tauri::command]
pub async fn session_events(state: State<'_, AppState>, id: SessionId, after: u64, limit: usize) -> CommandResult<Vec<SessionEvent>> {
    Ok(state.runs.events(&id, after, limit).await?)
}

#[tauri::command]
pub async fn start_run(state: State<'_, AppState>, input: RunInput) -> CommandResult<SessionSummary> {
    Ok(state.runs.start(input, RunOptions::default()).await?.summary)
}

#[tauri::command]
pub async fn cancel_session(state: State<'_, AppState>, id: SessionId) -> CommandResult<()> {
    Ok(state.runs.cancel(&id).await?)
}

/// Stops one subagent thread; its coordinator gets a "cancelled" result and carries on.
#[tauri::command(rename_all = "snake_case")]
pub fn cancel_thread(state: State<'_, AppState>, id: SessionId, thread_id: ThreadId) -> CommandResult<()> {
    Ok(state.runs.cancel_thread(&id, &thread_id)?)
}

/// Resumes an interrupted session, or sends a follow-up message to an idle one.
#[tauri::command]
pub async fn continue_session(state: State<'_, AppState>, id: SessionId, message: Option<String>) -> CommandResult<SessionSummary> {
    Ok(state.runs.continue_run(&id, message, RunOptions::default()).await?.summary)
}

#[tauri::command(rename_all = "snake_case")]
pub fn answer_approval(state: State<'_, AppState>, session_id: SessionId, tool_use_id: String, approved: bool) -> CommandResult<()> {
    Ok(state.runs.answer(&session_id, &tool_use_id, approved)?)
}

/// Streams the session into `channel` until `unwatch_session`; returns the watch's id.
#[tauri::command]
pub async fn watch_session(state: State<'_, AppState>, id: SessionId, after: u64, channel: Channel<StreamItem>) -> CommandResult<u32> {
    let mut subscription = state.runs.subscribe(&id, after).await?;
    Ok(state.watches.start(async move {
        loop {
            match subscription.next_item().await {
                Ok(item) => {
                    if let Err(e) = channel.send(item) {
                        tracing::debug!(error = %e, "session view gone");
                        return;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "session stream ended");
                    return;
                }
            }
        }
    }))
}

#[tauri::command]
pub fn unwatch_session(state: State<'_, AppState>, watch: u32) {
    state.watches.stop(watch);
}
