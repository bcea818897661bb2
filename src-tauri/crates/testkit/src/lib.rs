//! Test-only parts shared by the engine, CLI and app tests.
//!
//! [`FakeProvider`] is a loopback HTTP server that answers like the Anthropic and OpenAI APIs,
//! so the real adapters and HTTP client are exercised and only the far end is scripted. It
//! streams the replies of a [`Script`] (text, tool calls, usage, faults) over
//! `POST /v1/messages` and `POST /v1/chat/completions`, picking the conversation by the first
//! `[[script:NAME]]` marker in the request body, and records every request. The script format
//! is documented in the crate's README; the `fake-provider` binary serves a script file.

mod anthropic;
mod openai;
mod ordered;
mod script;
mod server;
mod sse;

pub use script::{
    conversation_of, split_pieces, Fault, Reply, Script, Step, StopReason, ToolUse, Usage, DEFAULT_CHUNKS,
    DEFAULT_CONVERSATION, DEFAULT_STALL_SECS,
};
pub use server::{FakeProvider, FakeProviderConfig, RecordedRequest, MAX_REQUEST_BYTES};
