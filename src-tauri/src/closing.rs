//! Closing the window while work is in progress. The window does not just vanish: the UI asks
//! whether to keep working in the background (the window hides; the tray icon brings it back)
//! or to stop the work and quit, in which case every run records that Reverie quit (stop
//! reason `app_quit`), not a cancel by the user.

use std::sync::Mutex;

use reverie_protocol::{CloseChoice, CloseRequest};
use tauri::ipc::Channel;
use tauri::tray::TrayIcon;
use tauri::{AppHandle, Manager, Runtime, Window, WindowEvent};

use crate::AppState;

/// Where close requests go: the channel the UI opened last (`watch_close_requests`).
#[derive(Default)]
pub struct Closing {
    channel: Mutex<Option<Channel<CloseRequest>>>,
}

impl Closing {
    pub fn watch(&self, channel: Channel<CloseRequest>) {
        *self.lock() = Some(channel);
    }

    /// Asks the UI; false when no UI listens (it never loaded, or went away).
    fn ask(&self, request: CloseRequest) -> bool {
        self.lock().as_ref().is_some_and(|channel| channel.send(request).is_ok())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Channel<CloseRequest>>> {
        self.channel.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// What would be lost by closing now, or `None` when nothing is working.
pub fn work_in_progress<R: Runtime>(app: &AppHandle<R>) -> Option<CloseRequest> {
    let state = app.try_state::<AppState>()?;
    let request = CloseRequest {
        runs: u32::try_from(state.sessions.active()).unwrap_or(u32::MAX),
        dreams: u32::try_from(state.dreams.active()).unwrap_or(u32::MAX),
        can_hide: app.try_state::<TrayIcon<R>>().is_some(),
    };
    (request.runs > 0 || request.dreams > 0).then_some(request)
}

/// The main window's close button.
pub fn on_window_event<R: Runtime>(window: &Window<R>, event: &WindowEvent) {
    let WindowEvent::CloseRequested { api, .. } = event else { return };
    let app = window.app_handle();
    let Some(state) = app.try_state::<AppState>() else { return };
    if let Some(request) = work_in_progress(app) {
        // Without a UI to ask, the window closes and quitting stops the work, recorded as such.
        if state.closing.ask(request) {
            api.prevent_close();
        }
        return;
    }
    // Nothing works now: with dreams scheduled and a tray to come back from, closing the window
    // keeps Reverie running so they still run; otherwise it quits as usual.
    let scheduled = state.dreams.scheduled().unwrap_or(false);
    if scheduled && app.try_state::<TrayIcon<R>>().is_some() {
        api.prevent_close();
        let _ = window.hide();
    }
}

/// Carries out the user's answer. `Err` when asked to keep working without a tray to come back from.
pub fn answer<R: Runtime>(app: &AppHandle<R>, choice: CloseChoice) -> Result<(), reverie_protocol::AppError> {
    match choice {
        CloseChoice::Background => {
            if app.try_state::<TrayIcon<R>>().is_none() {
                return Err(reverie_protocol::AppError::invalid(
                    "choice",
                    "This desktop shows no tray icon to bring Reverie back from, so it can't keep working with its window closed. Keep the window open, or stop the work and quit.",
                ));
            }
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.hide();
            }
            tracing::info!("the window was closed; the work goes on in the background");
        }
        CloseChoice::Quit => {
            tracing::info!("quitting at the user's request; the work in progress stops");
            // The exit handler stops every run (recorded as `app_quit`) before the process ends.
            app.exit(0);
        }
    }
    Ok(())
}
