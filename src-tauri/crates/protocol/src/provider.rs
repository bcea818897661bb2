//! Model providers as the Settings page sees them. A provider is data, so a new
//! OpenAI-compatible endpoint needs no code. The API key itself never appears here.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{AppError, ProviderId};

/// Which wire format the provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    /// Anthropic Messages API.
    Anthropic,
    /// OpenAI Chat Completions and everything that speaks it (Ollama, llama.cpp, vLLM, LM Studio).
    OpenaiCompatible,
}

impl ProviderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Anthropic => "anthropic",
            Self::OpenaiCompatible => "openai_compatible",
        }
    }

    /// The environment variable read when no key is stored for a provider of this kind.
    pub fn env_var(self) -> &'static str {
        match self {
            Self::Anthropic => "ANTHROPIC_API_KEY",
            Self::OpenaiCompatible => "OPENAI_API_KEY",
        }
    }
}

/// Where a provider's API key comes from. The key's value is never sent to the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum KeySource {
    /// Stored in the OS keychain (secret service or kernel keyring).
    Keychain,
    /// Held in memory only, because no keychain works on this system; lost on quit.
    Memory,
    /// Read from `ANTHROPIC_API_KEY` / `OPENAI_API_KEY`.
    Environment,
    /// No key: fine for local servers such as Ollama, an error for hosted APIs.
    None,
}

/// "Configured: yes/no", and from where. This is all the UI ever learns about a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct KeyStatus {
    pub configured: bool,
    pub source: KeySource,
}

/// A configured provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Provider {
    pub id: ProviderId,
    pub name: String,
    pub kind: ProviderKind,
    pub base_url: String,
    pub model: String,
    pub key: KeyStatus,
    #[ts(type = "number")]
    pub created_at: i64,
    #[ts(type = "number")]
    pub updated_at: i64,
}

/// What the Settings form sends to create or edit a provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ProviderInput {
    pub name: String,
    pub kind: ProviderKind,
    pub base_url: String,
    pub model: String,
    /// A new API key. On edit, absent means "keep the stored key" and an empty string removes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub api_key: Option<String>,
}

/// The result of "Test connection".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ConnectionReport {
    pub ok: bool,
    /// A sentence for the user: what worked, or what failed and what to do.
    pub message: String,
    /// Round-trip time of the check, in milliseconds.
    pub latency_ms: u32,
    /// Set when `ok` is false: the typed reason (auth, network, model_not_found, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub error: Option<AppError>,
}
