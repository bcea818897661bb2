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

/// Registers every command the UI may call. Shared by the real app and the IPC tests.
pub fn with_commands<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::app::app_status,
        commands::app::watch_close_requests,
        commands::app::answer_close_request,
        commands::providers::list_providers,
        commands::providers::create_provider,
        commands::providers::update_provider,
        commands::providers::delete_provider,
        commands::providers::test_provider,
        commands::updates::check_for_updates,
        commands::updates::install_update,
        commands::agents::list_tools,
        commands::agents::list_agents,
        commands::agents::create_agent,
        commands::agents::update_agent,
        commands::agents::delete_agent,
        commands::agents::create_example_team,
        commands::sessions::list_sessions,
        commands::sessions::get_session,
        commands::sessions::session_events,
        commands::sessions::start_run,
        commands::sessions::cancel_session,
        commands::sessions::cancel_thread,
        commands::sessions::continue_session,
        commands::sessions::answer_approval,
        commands::sessions::watch_session,
        commands::sessions::unwatch_session,
        commands::rubrics::list_rubrics,
        commands::rubrics::rubric_versions,
        commands::rubrics::rubric_diff,
        commands::rubrics::check_rubric,
        commands::rubrics::create_rubric,
        commands::rubrics::save_rubric,
        commands::rubrics::delete_rubric,
        commands::rubrics::rubric_templates,
        commands::rubrics::create_rubric_from_template,
        commands::rubrics::import_rubric,
        commands::rubrics::export_rubric,
        commands::dreams::list_dreams,
        commands::dreams::get_dream,
        commands::dreams::start_dream,
        commands::dreams::cancel_dream,
        commands::dreams::new_dream_sessions,
        commands::dreams::dream_proposal,
        commands::dreams::decide_hunks,
        commands::dreams::apply_proposal,
        commands::dreams::revert_proposal,
        commands::dreams::dream_settings,
        commands::dreams::set_dream_settings,
        commands::dreams::watch_dreams,
        commands::memory::list_memory_stores,
        commands::memory::create_memory_store,
        commands::memory::delete_memory_store,
        commands::memory::list_memory_files,
        commands::memory::read_memory_file,
        commands::memory::write_memory_file,
        commands::memory::delete_memory_file,
        commands::memory::rename_memory_file,
        commands::memory::memory_history,
        commands::memory::memory_version,
        commands::memory::memory_diff,
        commands::memory::revert_memory_version,
        commands::memory::redact_memory_version,
        commands::memory::search_memory,
        commands::memory::memory_file_sessions,
        commands::memory::session_memory,
        commands::memory::export_memory_store,
        commands::memory::import_memory_store,
        commands::memory::memory_conflicts,
        commands::memory::memory_problems,
        commands::memory::resolve_memory_conflict,
        commands::memory::memory_conflict_diff,
    ])
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
