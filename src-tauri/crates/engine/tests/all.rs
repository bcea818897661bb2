//! The engine's integration tests: one binary, one module per area.

mod dream;
mod event_log;
mod fixtures;
mod memory;
mod memory_mirror;
mod memory_mirror_race;
mod orchestration;
mod outcome;
mod provider_errors;
mod providers;
mod rubric_files;
mod run_failures;
mod secrets_real;
mod sessions;
mod startup;
mod store;
mod thread_loop;
mod tools;
mod tools_escape;
mod tools_race;
mod tools_run_command;
