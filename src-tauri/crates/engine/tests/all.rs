//! The engine's integration tests: one binary, one module per area.

mod providers;
mod secrets_real;
mod store;
