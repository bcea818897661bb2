//! A session view's live stream: one Channel (`watch_session`) that gets the stored events
//! first, then live events and text deltas, in order (`reverie_api::WatchSession`);
//! `unwatch_session` ends it. The other run commands are `reverie-api`'s.

use futures::StreamExt;
use reverie_api::{Watch, WatchSession};
use reverie_protocol::{SessionId, StreamItem};
use tauri::ipc::Channel;
use tauri::State;

use super::CommandResult;
use crate::AppState;

/// Streams the session into `channel` until `unwatch_session`; returns the watch's id.
#[tauri::command]
pub async fn watch_session(
    state: State<'_, AppState>,
    id: SessionId,
    after: u64,
    channel: Channel<StreamItem>,
) -> CommandResult<u32> {
    let mut feed = WatchSession { id, after }.open(&state.api).await?;
    Ok(state.watches.start(async move {
        while let Some(item) = feed.next().await {
            if let Err(e) = channel.send(item) {
                tracing::debug!(error = %e, "session view gone");
                return;
            }
        }
    }))
}

#[tauri::command]
pub fn unwatch_session(state: State<'_, AppState>, watch: u32) {
    state.watches.stop(watch);
}
