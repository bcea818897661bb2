//! The `reverie` command: runs, sessions, agents and providers in a terminal, on the app's own
//! engine and database. See the crate's README for the commands and exit codes.

mod agents;
mod args;
mod dreams;
mod engine;
mod exit;
mod providers;
mod run;
mod sessions;
mod transcript;
mod units;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command, COMMANDS};
use engine::Engine;
use exit::{Failure, Outcome};

/// Runs the CLI with `args` (without the program name).
pub fn main_from(args: Vec<OsString>) -> ExitCode {
    let cli = match Cli::try_parse_from(std::iter::once(OsString::from("reverie")).chain(args)) {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with 0; usage errors to stderr with 2.
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(exit::USAGE));
        }
    };
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return Failure::new(format!("Couldn't start ({e}).")).report(),
    };
    let result = runtime.block_on(dispatch(cli.command));
    // A terminal prompt may still be reading stdin; nothing else is left running.
    runtime.shutdown_background();
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) => failure.report(),
    }
}

async fn dispatch(command: Command) -> Outcome {
    let engine = Engine::open().await?;
    match command {
        Command::Run(args) => run::run(&engine, args).await,
        Command::Resume(args) => run::resume(&engine, args).await,
        Command::Sessions(command) => sessions::command(&engine, command).await,
        Command::Agents(command) => agents::command(&engine, command).await,
        Command::Providers(command) => providers::command(&engine, command).await,
        Command::Dream(args) => dreams::dream(&engine, args).await,
        Command::Proposals(command) => dreams::proposals(&engine, command).await,
    }
}

/// The engine's log on stderr, only when asked for with `RUST_LOG`.
fn init_logging() {
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .try_init();
    }
}

/// Whether `args` ask for the command line rather than the window (the first argument is a
/// subcommand, `help`, `--help` or `--version`).
pub fn is_command(args: &[OsString]) -> bool {
    args.first()
        .and_then(|a| a.to_str())
        .is_some_and(|a| COMMANDS.contains(&a) || ["help", "--help", "-h", "--version", "-V"].contains(&a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subcommands_and_help_are_commands_anything_else_opens_the_window() {
        let args = |a: &[&str]| a.iter().map(OsString::from).collect::<Vec<_>>();
        for cmd in COMMANDS.iter().chain(&["--help", "-V", "help"]) {
            assert!(is_command(&args(&[cmd, "x"])), "{cmd}");
        }
        assert!(!is_command(&args(&[])));
        assert!(!is_command(&args(&["--some-webview-flag"])));
        // Every subcommand clap knows is one `is_command` knows.
        use clap::CommandFactory;
        let known: Vec<String> = Cli::command().get_subcommands().map(|c| c.get_name().to_owned()).collect();
        assert_eq!(known, COMMANDS);
    }
}
