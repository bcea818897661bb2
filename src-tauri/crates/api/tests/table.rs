//! The TypeScript table is what the Rust table generates, and every command is declared to
//! Tauri (build.rs) and granted to the window (capabilities), so the shell can answer it.

use std::path::Path;

fn root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..")
}

#[test]
fn the_checked_in_command_table_matches_the_rust_commands() {
    let path = root().join(reverie_api::bindings::COMMANDS_FILE);
    let fix = "run `cargo run -p reverie-api --bin export-commands` (or `make bindings`) and commit it";
    let on_disk = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} is missing: {fix}", reverie_api::bindings::COMMANDS_FILE));
    assert_eq!(on_disk, reverie_api::bindings::render(), "{} is stale: {fix}", reverie_api::bindings::COMMANDS_FILE);
    for name in reverie_api::NAMES {
        assert!(on_disk.contains(&format!("  {name}: {{ args: ")), "{name} is not in the table");
    }
}

#[test]
fn the_checked_in_limits_match_the_engines_constants() {
    let file = reverie_api::limits::LIMITS_FILE;
    let fix = "run `cargo run -p reverie-api --bin export-commands` (or `make bindings`) and commit it";
    let on_disk = std::fs::read_to_string(root().join(file)).unwrap_or_else(|_| panic!("{file} is missing: {fix}"));
    assert_eq!(on_disk, reverie_api::limits::render(), "{file} is stale: {fix}");
    assert!(on_disk.contains(&format!("taskMaxBytes: {},", reverie_engine::session::MAX_TASK_BYTES)));
}

#[test]
fn every_command_is_declared_to_tauri_and_granted_to_the_window() {
    let build = std::fs::read_to_string(root().join("src-tauri/build.rs")).unwrap();
    let capabilities = std::fs::read_to_string(root().join("src-tauri/capabilities/default.json")).unwrap();
    let names = reverie_api::NAMES.iter().chain(reverie_api::watch::WATCH_NAMES).chain(reverie_api::shell::SHELL_NAMES);
    for name in names {
        assert!(build.contains(&format!("\"{name}\",")), "{name} is not in build.rs's AppManifest commands");
        let permission = format!("\"allow-{}\"", name.replace('_', "-"));
        assert!(capabilities.contains(&permission), "{permission} is not in capabilities/default.json");
    }
    let mut all: Vec<_> = reverie_api::NAMES
        .iter()
        .chain(reverie_api::watch::WATCH_NAMES)
        .chain(reverie_api::shell::SHELL_NAMES)
        .collect();
    let count = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), count, "a command name is used twice");
}
