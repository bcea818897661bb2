//! The commands, one file per area (the same areas as the UI's features and the engine's
//! modules).

pub mod agents;
pub mod dreams;
pub mod memory;
pub mod providers;
pub mod rubrics;
pub mod sessions;
