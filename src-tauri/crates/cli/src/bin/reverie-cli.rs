fn main() -> std::process::ExitCode {
    // Before any thread: a keyring joined later would be one thread's alone (engine::secrets).
    reverie_engine::secrets::prepare_process();
    reverie_cli::main_from(std::env::args_os().skip(1).collect())
}
