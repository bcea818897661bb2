//! What runs while the app is open, window or not: the dream scheduler, and the tray icon that
//! keeps Reverie alive when its window is closed while dreams are scheduled.

use std::time::Duration;

use chrono::Local;
use reverie_engine::blocking::blocking;
use reverie_protocol::DreamInput;
use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Runtime};

use crate::AppState;

/// How often the scheduler looks at the stores' dream settings.
const TICK: Duration = Duration::from_secs(60);

/// Starts the scheduler: every minute, each store whose daily or cron time has come (in the
/// user's time zone) or that has enough new sessions dreams, in the background.
pub fn start_scheduler<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            tokio::time::sleep(TICK).await;
            let Some(state) = app.try_state::<AppState>() else { continue };
            let dreams = state.dreams.clone();
            let now = Local::now();
            let due = match blocking({
                let dreams = dreams.clone();
                move || dreams.due(now)
            })
            .await
            {
                Ok(due) => due,
                Err(e) => {
                    tracing::warn!(error = %e, "the dream schedule could not be read");
                    continue;
                }
            };
            for (store_id, mode) in due {
                let input = DreamInput {
                    store_id: store_id.clone(),
                    sessions: vec![],
                    instructions: String::new(),
                    provider_id: None,
                    model: None,
                    mode: Some(mode),
                };
                match dreams.start(input).await {
                    Ok(started) => tracing::info!(
                        dream_id = started.dream.id.as_str(),
                        store_id = store_id.as_str(),
                        "scheduled dream started"
                    ),
                    Err(e) => {
                        tracing::warn!(error = %e, store_id = store_id.as_str(), "a scheduled dream could not start")
                    }
                }
            }
        }
    });
}

/// A desktop notification when a dream's proposal is ready for review (the sidebar's badge
/// says so too).
pub fn notify_proposals<R: Runtime>(app: &AppHandle<R>) {
    use tauri_plugin_notification::NotificationExt;
    let Some(state) = app.try_state::<AppState>() else { return };
    let mut ready = state.dreams.ready_proposals();
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        while let Some(proposal) = ready.next().await {
            let store = proposal.store_name;
            let shown = app
                .notification()
                .builder()
                .title("A dream is ready for review")
                .body(format!("Reverie has changes to propose for “{store}”. Review them on the Dreams page."))
                .show();
            if let Err(e) = shown {
                tracing::info!(error = %e, "no desktop notification (the Dreams page badge still shows it)");
            }
        }
    });
}

/// The tray icon: show the window again, or quit. `None` where the desktop has no tray.
pub fn tray<R: Runtime>(app: &AppHandle<R>) -> Option<tauri::tray::TrayIcon<R>> {
    let built = (|| -> tauri::Result<_> {
        let show = MenuItem::with_id(app, "show", "Show Reverie", true, None::<&str>)?;
        let quit = MenuItem::with_id(app, "quit", "Quit Reverie", true, None::<&str>)?;
        let menu = Menu::with_items(app, &[&show, &quit])?;
        let mut builder =
            TrayIconBuilder::with_id("reverie").tooltip("Reverie").menu(&menu).on_menu_event(|app, event| match event
                .id
                .as_ref()
            {
                "show" => show_window(app),
                "quit" => app.exit(0),
                _ => {}
            });
        if let Some(icon) = app.default_window_icon() {
            builder = builder.icon(icon.clone());
        }
        builder.build(app)
    })();
    match built {
        Ok(tray) => Some(tray),
        Err(e) => {
            tracing::warn!(error = %e, "no tray icon; closing the window quits Reverie");
            None
        }
    }
}

pub fn show_window<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}
