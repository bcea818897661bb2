//! The app package's integration tests, one binary: IPC on Tauri's MockRuntime (no display),
//! the updater against a loopback server, and the real-app e2e under Xvfb (`e2e`, ignored by
//! default; `make test` runs it with `--include-ignored`).

mod cli;
mod e2e;
mod ipc;
mod support;
mod updates;
