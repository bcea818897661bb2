//! Reverie's model providers. A provider is data (`Endpoint`): kind, base URL, model; its
//! key comes from the keychain. This crate speaks the vendors' HTTP APIs.
//!
//! Today it holds the typed error set and the connection check behind Settings'
//! "Test connection"; the streaming `LanguageModel` trait and the two adapters build on the
//! same client and errors.

mod check;
mod error;
mod http;

pub use check::check_connection;
pub use error::ModelError;
pub use http::client;

use reverie_protocol::ProviderKind;

/// Where and what to call. `base_url` has no trailing slash: `https://api.anthropic.com` for
/// Anthropic (paths start with `/v1/…`), `…/v1` for OpenAI-compatible servers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub kind: ProviderKind,
    pub base_url: String,
    pub model: String,
}

/// The `anthropic-version` header every Anthropic request carries.
pub const ANTHROPIC_VERSION: &str = "2023-06-01";
