//! Test-only parts shared by the engine, CLI and app tests.
//!
//! [`FakeProvider`] is a loopback HTTP server that answers like the Anthropic and OpenAI APIs,
//! so the real adapters and HTTP client are exercised and only the far end is scripted.

mod fake_provider;

pub use fake_provider::{FakeProvider, FakeProviderConfig, RecordedRequest};
