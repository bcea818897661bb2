//! Blocking work (SQLite, the keychain, the file system) run off the async runtime.

use crate::{Error, Result};

/// Runs `f` on a blocking thread and waits for it.
pub async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| Error::Internal(format!("a background task failed: {e}")))?
}
