//! Sessions: the append-only event log every view is rebuilt from, the agent loop that writes
//! into it, and [`Runs`], which starts, watches, cancels and resumes them.

pub mod folder;
mod history;
mod input;
mod log;
pub mod owner;
pub mod permissions;
pub mod run;
mod runs;

pub use history::{history_from_events, interrupted_closes};
pub use input::MAX_TASK_BYTES;
pub use log::{EventLog, Subscription, WriteFault, POLL_INTERVAL};
pub use owner::Owner;
pub use runs::{system_prompt, RunOptions, Runs, RunsParts, Started};
