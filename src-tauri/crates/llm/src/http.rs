//! The shared HTTP client: rustls with the ring provider (no aws-lc), sane timeouts.

use std::sync::OnceLock;
use std::time::Duration;

/// How long to wait for a TCP + TLS connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// One client per process, so connections are pooled.
pub fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        // reqwest is built with `rustls-no-provider`: install ring once (a second install is a no-op error).
        let _ = rustls::crypto::ring::default_provider().install_default();
        reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .user_agent(concat!("Reverie/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_else(|e| {
                tracing::error!(error = %e, "HTTP client with custom settings failed; using defaults");
                reqwest::Client::new()
            })
    })
}
