//! Reverie's model providers. A provider is data (`Endpoint`): kind, base URL, model; its
//! key comes from the keychain.
//!
//! - [`LanguageModel`]: one streaming method returning normalized [`StreamEvent`]s;
//!   [`complete`] and [`complete_structured`] are built on it.
//! - Adapters: [`anthropic::AnthropicModel`] (Messages API) and [`openai::OpenAiModel`]
//!   (Chat Completions: OpenAI, Ollama, llama.cpp, vLLM, LM Studio), each split into wire
//!   types, request mapping and event mapping. OpenAI reasoning models ([`is_reasoning_model`])
//!   get `max_completion_tokens`, no `temperature`, and `reasoning_effort` when asked.
//! - Typed [`ModelError`]s, retries with backoff that honour `retry-after`, bounded waits
//!   (response headers, first byte, idle, first token — generous for a local server, see
//!   [`StreamOptions`] and [`is_local_url`]), cancellation, and a price table so every turn
//!   has a cost.
//! - Provider text within bounds and without secrets: error bodies are read only up to 64 kB,
//!   every error's texts are masked ([`redact_secrets`]) and cut to [`MAX_MESSAGE_CHARS`].
//! - [`check_connection`]: the token-free check behind Settings' "Test connection".

pub mod anthropic;
mod body;
mod check;
mod error;
mod http;
mod local;
mod model;
pub mod openai;
pub mod prices;
mod reasoning;
mod redact;
mod retry;
mod stream;
pub mod types;

use std::sync::Arc;

pub use check::check_connection;
pub use error::{ModelError, Stalled, MAX_MESSAGE_CHARS};
pub use http::client;
pub use local::is_local_url;
pub use model::{complete, complete_structured, EventStream, LanguageModel, STRUCTURED_OUTPUT_TOOL};
pub use reasoning::is_reasoning_model;
pub use redact::{redact_secrets, REDACTED};
pub use retry::{is_retryable, RetryPolicy};
pub use stream::{StreamOptions, FIRST_TOKEN_TIMEOUT_ENV, IDLE_TIMEOUT_ENV, RESPONSE_TIMEOUT_ENV};
pub use types::*;

use reverie_protocol::ProviderKind;
use secrecy::SecretString;

/// Where and what to call. `base_url` has no trailing slash: `https://api.anthropic.com` for
/// Anthropic (paths start with `/v1/…`), `…/v1` for OpenAI-compatible servers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub kind: ProviderKind,
    pub base_url: String,
    pub model: String,
}

impl Endpoint {
    /// Whether the server is on this machine or the local network ([`is_local_url`]): it gets
    /// the generous first-token limit ([`StreamOptions::local_first_token_timeout`]).
    pub fn is_local(&self) -> bool {
        is_local_url(&self.base_url)
    }
}

/// The `anthropic-version` header every Anthropic request carries.
pub const ANTHROPIC_VERSION: &str = "2023-06-01";

/// The adapter for `endpoint`.
pub fn model_for(endpoint: &Endpoint, key: Option<SecretString>, options: StreamOptions) -> Arc<dyn LanguageModel> {
    match endpoint.kind {
        ProviderKind::Anthropic => {
            Arc::new(anthropic::AnthropicModel::new(&endpoint.base_url, &endpoint.model, key, options))
        }
        ProviderKind::OpenaiCompatible => {
            Arc::new(openai::OpenAiModel::new(&endpoint.base_url, &endpoint.model, key, options))
        }
    }
}
