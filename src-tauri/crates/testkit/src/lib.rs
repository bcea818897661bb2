//! Test-only parts shared by the engine, CLI and app tests.
//!
//! [`FakeProvider`] is a loopback HTTP server that answers like the Anthropic and OpenAI APIs,
//! so the real adapters and HTTP client are exercised and only the far end is scripted. It
//! streams the replies of a [`Script`] (text, tool calls, usage, faults) over
//! `POST /v1/messages` and `POST /v1/chat/completions`, picking the conversation by the first
//! `[[script:NAME]]` marker in the request body, and records every request. With
//! [`FakeProvider::set_prompt_cache`] it reports Anthropic prompt-cache reads and writes for
//! the `cache_control` breakpoints it is sent. The script format
//! is documented in the crate's README; the `fake-provider` binary serves a script file.
//! [`Quirks`] make it answer the way other servers do (`llamacpp`, `litellm`, or single
//! quirks), so an adapter's handling of each shape has a cheap test.
//!
//! [`step::StepModel`] is the other fake: a `LanguageModel` the test drives one event at a
//! time, for engine tests where order matters (which requests are open at once, what happens
//! while one is held). It replaces the adapter, so only those tests use it.

mod anthropic;
mod llamacpp;
mod openai;
mod ordered;
mod prompt_cache;
mod quirks;
mod script;
mod server;
mod sse;
pub mod step;

pub use prompt_cache::{LOOKBACK_BLOCKS, MIN_CACHEABLE_TOKENS};
pub use quirks::{Quirk, Quirks, PROFILES};
pub use script::{
    conversation_of, split_pieces, Fault, Reply, Script, Step, StopReason, ToolUse, Usage, DEFAULT_CHUNKS,
    DEFAULT_CONVERSATION, DEFAULT_STALL_SECS,
};
pub use server::{FakeProvider, FakeProviderConfig, RecordedRequest, MAX_REQUEST_BYTES};
pub use step::{StepModel, StepRequest};
