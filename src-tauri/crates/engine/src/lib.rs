//! Reverie's headless engine. Nothing here depends on `tauri`: the desktop shell and the CLI
//! both drive it, and `cargo test` needs no window.

pub mod agents;
pub mod beneath;
pub mod blocking;
pub mod clock;
pub mod core;
pub mod dream;
pub mod error;
pub mod memory;
pub mod orchestration;
pub mod outcome;
pub mod providers;
pub mod secrets;
pub mod session;
pub mod store;
pub mod tools;

pub use agents::Agents;
pub use clock::{Clock, Ids, SystemClock, UuidIds};
pub use core::{
    data_dir, data_dir_override, Core, CoreParts, OnFailure, OpenOptions, Opened, StartupReport, APP_ID, DATA_DIR_ENV,
};
pub use error::{Error, Result};
pub use memory::Memory;
pub use providers::Providers;
pub use secrets::Secrets;
pub use store::{Database, OpenReport};
