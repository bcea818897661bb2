//! The fake provider's tests, one binary: both wire formats over real HTTP, every fault, the
//! script (format, cursors, exhaustion), request recording, keys, and the standalone binary;
//! and the step-by-step model.

mod anthropic;
mod binary;
mod faults;
mod openai;
mod prompt_cache;
mod quirks;
mod script;
mod server;
mod step;
mod support;
