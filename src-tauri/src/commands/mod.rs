//! IPC commands, one file per area. Each maps engine results to the protocol's `AppError`.

pub mod agents;
pub mod app;
pub mod dreams;
pub mod memory;
pub mod providers;
pub mod rubrics;
pub mod sessions;
pub mod updates;

use reverie_protocol::AppError;

/// What every command returns: a value, or the one error shape the UI knows.
pub type CommandResult<T> = Result<T, AppError>;
