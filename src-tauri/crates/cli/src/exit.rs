//! Exit codes and the one-sentence failures every command ends with.

use std::process::ExitCode;

use reverie_protocol::{AppError, IdleReason};

/// The agent finished its turn, or the command did what it was asked.
pub const OK: u8 = 0;
/// The run ended with an error, or the input was refused.
pub const FAILED: u8 = 1;
/// The command line could not be parsed (clap's own code).
pub const USAGE: u8 = 2;
/// The run was cancelled or interrupted.
pub const CANCELLED: u8 = 3;
/// The run reached its turn limit.
pub const MAX_TURNS: u8 = 4;
/// The agent finished, but its outcome's rubric was not satisfied (the budget ran out, or
/// grading failed).
pub const NOT_SATISFIED: u8 = 5;

/// The exit code for how a run ended.
pub fn for_reason(reason: IdleReason) -> u8 {
    match reason {
        IdleReason::EndTurn => OK,
        IdleReason::Error => FAILED,
        // Stopped before it finished, whoever stopped it.
        IdleReason::Cancelled | IdleReason::AppQuit | IdleReason::Interrupted => CANCELLED,
        IdleReason::MaxTurns => MAX_TURNS,
    }
}

/// A command that could not do what was asked: a sentence for stderr that says what to do.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub code: u8,
}

impl Failure {
    pub fn new(message: impl Into<String>) -> Self {
        Self { message: message.into(), code: FAILED }
    }

    pub fn report(&self) -> ExitCode {
        if !self.message.is_empty() {
            eprintln!("reverie: {}", self.message);
        }
        ExitCode::from(self.code)
    }
}

impl From<reverie_engine::Error> for Failure {
    fn from(e: reverie_engine::Error) -> Self {
        let asks_for_home = matches!(e, reverie_engine::Error::NeedsConfirmation { field: "workspace", .. });
        let message = AppError::from(e).message;
        if asks_for_home {
            return Self::new(format!("{message} To confirm, run again with --yes-home."));
        }
        Self::new(message)
    }
}

pub type Outcome<T = u8> = Result<T, Failure>;
