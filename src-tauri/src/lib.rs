//! Reverie's desktop shell: turns IPC commands into engine calls and engine results into
//! replies. No domain logic lives here (see ARCHITECTURE.md).

pub mod background;
pub mod closing;
pub mod commands;
pub mod logging;
pub mod state;
pub mod updates;
pub mod watches;

use tauri::{Manager, Runtime};

pub use state::AppState;

/// Registers every command the UI may call. Shared by the real app and the IPC tests. The
/// commands defined once in `reverie-api` are answered by its table (Tauri's ACL has already
/// checked the name against the capabilities); the shell's own (the window, the updater,
/// Channels) are Tauri commands.
pub fn with_commands<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    let shell = shell_commands::<R>();
    builder.invoke_handler(move |invoke: tauri::ipc::Invoke<R>| {
        if !reverie_api::NAMES.contains(&invoke.message.command()) {
            return shell(invoke);
        }
        commands::api(invoke);
        true
    })
}

/// The shell's own commands, as Tauri's handler.
fn shell_commands<R: Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        commands::app::app_status,
        commands::app::watch_close_requests,
        commands::app::answer_close_request,
        commands::updates::check_for_updates,
        commands::updates::install_update,
        commands::sessions::watch_session,
        commands::sessions::unwatch_session,
        commands::dreams::watch_dreams,
    ]
}

/// Starts the app.
pub fn run() {
    // reqwest is built without a default TLS provider; ring is the one the updater uses too.
    let _ = rustls::crypto::ring::default_provider().install_default();

    let builder = tauri::Builder::default()
        // A second launch focuses the running window instead of opening another app.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| background::show_window(app)))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_updater::Builder::new().build())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .setup(|app| {
            let paths = state::Paths::resolve(app.handle())?;
            let log_guard = logging::init(&paths.log_dir);
            let state = AppState::open(paths, state::UpdateSource::from_env())?;
            state.warm_up();
            app.manage(state);
            app.manage(log_guard);
            if let Some(tray) = background::tray(app.handle()) {
                app.manage(tray);
            }
            background::start_scheduler(app.handle());
            background::notify_proposals(app.handle());
            Ok(())
        })
        // Closing the window with work in progress asks what to do with it (see `closing`).
        .on_window_event(closing::on_window_event);

    let app = match with_commands(builder).build(tauri::generate_context!()) {
        Ok(app) => app,
        Err(e) => {
            eprintln!("Reverie could not start: {e}");
            std::process::exit(1);
        }
    };
    app.run(|app, event| {
        // Quitting stops every run first (recorded as `app_quit`), so no agent's child process
        // outlives the app.
        if let tauri::RunEvent::Exit = event {
            if let Some(state) = app.try_state::<AppState>() {
                state.shutdown();
            }
        }
    });
}
