//! tauri-build reads ./tauri.conf.json and ./icons from the package root; only the capabilities
//! folder needs pointing. The app's own commands are declared here, so each must be granted
//! by a capability (least privilege: the UI gets exactly the commands it calls).

fn main() {
    // tauri-build emits no rerun-if-changed for a custom capabilities path.
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    let dist = std::path::Path::new("ui/dist/index.html");
    println!("cargo:rerun-if-changed=ui/dist/index.html");
    if std::env::var_os("CARGO_FEATURE_CUSTOM_PROTOCOL").is_some() && !dist.exists() {
        eprintln!("error: ui/dist is missing, so there is no UI to embed in the app.");
        eprintln!("       Build it first with `npm --prefix ui run build` (`make run` and `make test` do this).");
        std::process::exit(1);
    }
    let manifest = tauri_build::AppManifest::new().commands(&[
        "app_status",
        "watch_close_requests",
        "answer_close_request",
        "list_providers",
        "create_provider",
        "update_provider",
        "delete_provider",
        "test_provider",
        "check_for_updates",
        "install_update",
        "list_tools",
        "list_agents",
        "create_agent",
        "update_agent",
        "delete_agent",
        "create_example_team",
        "list_sessions",
        "get_session",
        "session_events",
        "start_run",
        "cancel_session",
        "cancel_thread",
        "continue_session",
        "answer_approval",
        "watch_session",
        "unwatch_session",
        "list_rubrics",
        "rubric_versions",
        "rubric_diff",
        "check_rubric",
        "create_rubric",
        "save_rubric",
        "delete_rubric",
        "rubric_templates",
        "create_rubric_from_template",
        "import_rubric",
        "export_rubric",
        "list_dreams",
        "get_dream",
        "start_dream",
        "cancel_dream",
        "new_dream_sessions",
        "dream_proposal",
        "decide_hunks",
        "apply_proposal",
        "revert_proposal",
        "dream_settings",
        "set_dream_settings",
        "watch_dreams",
        "list_memory_stores",
        "create_memory_store",
        "delete_memory_store",
        "list_memory_files",
        "read_memory_file",
        "write_memory_file",
        "delete_memory_file",
        "rename_memory_file",
        "memory_history",
        "memory_version",
        "memory_diff",
        "revert_memory_version",
        "redact_memory_version",
        "search_memory",
        "memory_file_sessions",
        "session_memory",
        "export_memory_store",
        "import_memory_store",
        "memory_conflicts",
        "memory_problems",
        "resolve_memory_conflict",
        "memory_conflict_diff",
    ]);
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/**/*")
        .app_manifest(manifest);
    if let Err(e) = tauri_build::try_build(attributes) {
        eprintln!("tauri-build failed: {e:#}");
        std::process::exit(1);
    }
}
