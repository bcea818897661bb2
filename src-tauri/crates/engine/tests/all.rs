//! The engine's integration tests: one binary, one module per area.

mod dream;
mod event_log;
mod memory_mirror;
mod memory;
mod orchestration;
mod outcome;
mod providers;
mod run;
mod run_failures;
mod runs;
mod secrets_real;
mod store;
mod tools;
mod tools_escape;
mod tools_run_command;
