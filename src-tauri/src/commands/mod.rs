//! IPC commands. Those defined once in `reverie-api` go through [`api`]; the rest (the
//! window, the updater, the close dialog, the Channels of live views) are the shell's own,
//! one file per area.

pub mod app;
pub mod dreams;
pub mod sessions;
pub mod updates;

use reverie_protocol::{AppError, ErrorCode};
use tauri::ipc::{Invoke, InvokeBody, InvokeError};
use tauri::{Manager, Runtime};

use crate::AppState;

/// What every command returns: a value, or the one error shape the UI knows.
pub type CommandResult<T> = Result<T, AppError>;

/// Answers a command of `reverie-api`'s table: its JSON arguments in, its result or the
/// `AppError` out.
pub fn api<R: Runtime>(invoke: Invoke<R>) {
    let name = invoke.message.command().to_owned();
    let args = match invoke.message.payload() {
        InvokeBody::Json(args) => Ok(args.clone()),
        InvokeBody::Raw(_) => Err(AppError::invalid("args", format!("`{name}` takes its arguments as JSON."))),
    };
    let Some(state) = invoke.message.webview_ref().try_state::<AppState>() else {
        invoke.resolver.reject(AppError::new(ErrorCode::Internal, "Reverie is still starting; try again."));
        return;
    };
    let ctx = state.api.clone();
    invoke.resolver.respond_async(async move {
        let args = args.map_err(InvokeError::from)?;
        match reverie_api::dispatch(&ctx, &name, args).await {
            Some(result) => result.map_err(InvokeError::from),
            None => Err(InvokeError::from(AppError::new(
                ErrorCode::NotFound,
                format!("There is no command called `{name}`."),
            ))),
        }
    });
}
