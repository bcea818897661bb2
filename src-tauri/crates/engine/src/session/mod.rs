//! Sessions: the append-only event log every view is rebuilt from. (The agent loop that
//! writes into it builds on this module.)

mod log;
pub mod permissions;
pub mod run;

pub use log::{EventLog, Subscription};
