//! The engine's error type. Callers branch on the variant; the shell maps it to the one
//! `AppError` shape of the IPC protocol.

use reverie_llm::ModelError;
use reverie_protocol::{AppError, ErrorCode};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Something the user typed is wrong; `field` names the input.
    #[error("{message}")]
    Invalid { field: &'static str, message: String },
    /// Allowed only once the user says yes explicitly; `field` names the input it is about.
    #[error("{message}")]
    NeedsConfirmation { field: &'static str, message: String },
    #[error("{0}")]
    NotFound(String),
    #[error("{message}")]
    Conflict { field: Option<&'static str>, message: String },
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("{0}")]
    Keychain(String),
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error("{0}")]
    Internal(String),
}

impl Error {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid { field, message: message.into() }
    }
}

impl From<Error> for AppError {
    fn from(err: Error) -> Self {
        match err {
            Error::Invalid { field, message } => AppError::invalid(field, message),
            Error::NeedsConfirmation { field, message } => {
                AppError::new(ErrorCode::NeedsConfirmation, message).with_field(field)
            }
            Error::NotFound(message) => AppError::new(ErrorCode::NotFound, message),
            Error::Conflict { field, message } => {
                let e = AppError::new(ErrorCode::Conflict, message);
                match field {
                    Some(f) => e.with_field(f),
                    None => e,
                }
            }
            Error::Database(e) => AppError::new(
                ErrorCode::Database,
                format!(
                    "Reverie's database failed ({e}). Nothing was changed; try again, and if it persists see the log."
                ),
            ),
            Error::Keychain(message) => AppError::new(ErrorCode::Keychain, message),
            Error::Model(e) => model_error(&e),
            Error::Internal(message) => AppError::new(ErrorCode::Internal, message),
        }
    }
}

/// The user-facing sentence and code for a provider failure. Every provider failure the
/// engine stores (`session.error`, a dream's or a grader's failure) or replies with comes
/// through here: the adapters already masked the key they were given and bounded each text;
/// anything shaped like a key is masked once more, whoever built the error.
pub fn model_error(e: &ModelError) -> AppError {
    let code = match e {
        ModelError::Auth { .. } => ErrorCode::Auth,
        ModelError::ModelNotFound { .. } => ErrorCode::ModelNotFound,
        ModelError::Network { .. } | ModelError::Timeout { .. } => ErrorCode::Network,
        _ => ErrorCode::Provider,
    };
    AppError::new(code, reverie_llm::redact_secrets(&e.user_message(), &[]))
}
