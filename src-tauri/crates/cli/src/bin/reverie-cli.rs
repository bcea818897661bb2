fn main() -> std::process::ExitCode {
    reverie_cli::main_from(std::env::args_os().skip(1).collect())
}
