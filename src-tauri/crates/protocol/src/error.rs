//! The one error shape every IPC command rejects with.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What went wrong, as a code the UI branches on. Never match on the message text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A field the user typed is wrong; `AppError::field` names it.
    InvalidInput,
    /// The thing asked for does not exist (any more).
    NotFound,
    /// The request clashes with what is stored (for example a duplicate name).
    Conflict,
    /// The request is allowed only with the user's explicit yes (for example the whole home
    /// folder as a workspace); ask, then send it again with the confirmation set.
    NeedsConfirmation,
    /// The local database failed.
    Database,
    /// The OS keychain could not store or read a secret.
    Keychain,
    /// A remote host could not be reached (DNS, refused connection, timeout, TLS).
    Network,
    /// The provider rejected the API key.
    Auth,
    /// The provider does not serve the configured model.
    ModelNotFound,
    /// The provider answered with something Reverie did not expect.
    Provider,
    /// A bug in Reverie; the log has the details.
    Internal,
}

/// An error the UI can show as it is: `message` is a full sentence that says what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
    /// The input field the error is about, when there is one (`name`, `base_url`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub field: Option<String>,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), field: None }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self { code: ErrorCode::InvalidInput, message: message.into(), field: Some(field.to_owned()) }
    }

    pub fn with_field(mut self, field: &str) -> Self {
        self.field = Some(field.to_owned());
        self
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AppError {}
