//! The app's own binary is also the command line: `reverie agents list` answers in the
//! terminal and opens no window (here with no display at all).

use std::process::Command;

#[test]
fn the_app_binary_runs_cli_commands_without_a_window() {
    let data = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_reverie"))
        .args(["agents", "list"])
        .env("REVERIE_DATA_DIR", data.path())
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(stdout.to_lowercase().contains("no agents"), "{stdout}");
    assert!(data.path().join("reverie.db").exists(), "the same database as the app");

    let out = Command::new(env!("CARGO_BIN_EXE_reverie"))
        .args(["sessions", "show", "ses_missing"])
        .env("REVERIE_DATA_DIR", data.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("ses_missing"), "{out:?}");
}
