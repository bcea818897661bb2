//! Reverie's desktop shell: turns IPC commands into engine calls and engine results into
//! replies. No domain logic lives here (see ARCHITECTURE.md).

pub mod commands;
pub mod logging;
pub mod state;
pub mod updates;

use tauri::{Manager, Runtime};

pub use state::AppState;

/// Registers every command the UI may call. Shared by the real app and the IPC tests.
pub fn with_commands<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::app::app_status,
        commands::providers::list_providers,
        commands::providers::create_provider,
        commands::providers::update_provider,
        commands::providers::delete_provider,
        commands::providers::test_provider,
        commands::updates::check_for_updates,
        commands::updates::install_update,
    ])
}

/// Starts the app.
pub fn run() {
    // reqwest is built without a default TLS provider; ring is the one the updater uses too.
    let _ = rustls::crypto::ring::default_provider().install_default();

    let builder = tauri::Builder::default()
        // A second launch focuses the running window instead of opening another app.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.set_focus();
            }
        }))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_updater::Builder::new().build())
        .setup(|app| {
            let paths = state::Paths::resolve(app.handle())?;
            let log_guard = logging::init(&paths.log_dir);
            let state = AppState::open(paths, state::UpdateSource::from_env());
            state.warm_up();
            app.manage(state);
            app.manage(log_guard);
            Ok(())
        });

    if let Err(e) = with_commands(builder).run(tauri::generate_context!()) {
        eprintln!("Reverie could not start: {e}");
        std::process::exit(1);
    }
}
