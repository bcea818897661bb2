//! Sessions: the append-only event log every view is rebuilt from, the agent loop of one
//! thread that writes into it ([`thread_loop`]), and [`Sessions`], the service that starts,
//! watches, cancels and resumes them.

pub mod folder;
mod history;
mod input;
mod log;
pub mod owner;
pub mod permissions;
mod sessions;
pub mod thread_loop;

pub use history::{history_from_events, interrupted_closes};
pub use input::MAX_TASK_BYTES;
pub use log::{EventLog, Subscription, WriteFault, POLL_INTERVAL};
pub use owner::Owner;
pub use sessions::{system_prompt, RunOptions, Sessions, SessionsParts, Started};
