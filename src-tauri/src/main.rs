// Keeps a console window from opening next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> std::process::ExitCode {
    // Before any thread: a keyring joined later would be one thread's alone (engine::secrets).
    reverie_engine::secrets::prepare_process();
    // `reverie run …`, `reverie sessions …`: the command line, without a window.
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    if reverie_cli::is_command(&args) {
        return reverie_cli::main_from(args);
    }
    reverie_lib::run();
    std::process::ExitCode::SUCCESS
}
