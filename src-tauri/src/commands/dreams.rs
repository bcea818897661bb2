//! The Dreams page's live view; its commands are `reverie-api`'s.

use futures::StreamExt;
use reverie_api::{Watch, WatchDreams};
use reverie_protocol::Dream;
use tauri::ipc::Channel;
use tauri::State;

use super::CommandResult;
use crate::AppState;

/// Every change to any dream (progress, the end, a proposal applied) until `unwatch_session`
/// with the returned id.
#[tauri::command]
pub async fn watch_dreams(state: State<'_, AppState>, channel: Channel<Dream>) -> CommandResult<u32> {
    let mut feed = WatchDreams {}.open(&state.api).await?;
    Ok(state.watches.start(async move {
        while let Some(dream) = feed.next().await {
            if channel.send(dream).is_err() {
                return;
            }
        }
    }))
}
