//! Typed provider errors. Callers branch on the variant (retry on `RateLimited`, tell the user
//! on `Auth`); `user_message` is the sentence shown in the UI.
//!
//! Every error an adapter returns has been through [`ModelError::sanitized`]: the configured
//! key and anything shaped like a key masked, and every text bounded to
//! [`MAX_MESSAGE_CHARS`], so whatever stores, logs or shows it never sees a secret or an
//! unbounded body.

use std::time::Duration;

use reverie_protocol::ProviderKind;

use crate::redact::{bound, redact_secrets};

/// The longest provider text an error keeps (a longer one is cut, and says so).
pub const MAX_MESSAGE_CHARS: usize = 2_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// The key is missing, wrong or lacks permission (HTTP 401/403).
    #[error("authentication failed: {message}")]
    Auth { message: String },
    /// HTTP 429; `retry_after` from the `retry-after` header when present.
    #[error("rate limited")]
    RateLimited { retry_after: Option<Duration> },
    /// HTTP 529 (Anthropic) or 503: the provider is overloaded.
    #[error("provider overloaded")]
    Overloaded,
    /// The request does not fit the model's context window.
    #[error("context window exceeded: {message}")]
    ContextWindowExceeded { message: String },
    /// The provider does not serve this model (its answer said so). `available` lists what it
    /// does serve, when known.
    #[error("model {model} not found")]
    ModelNotFound { model: String, available: Vec<String> },
    /// HTTP 404 on the endpoint itself, and the answer did not say the model is unknown: the
    /// base URL points where no API is served. `url` is the full URL that answered 404.
    #[error("HTTP 404 at {url}")]
    NoApi { url: String, kind: ProviderKind },
    /// The host could not be reached: DNS, refused connection, TLS, a connect timeout.
    #[error("network error: {message}")]
    Network { message: String },
    /// The provider took the request but did not answer within a configured bound.
    #[error("{host} sent nothing for {} ({stalled:?})", waited(.after.to_owned()))]
    Timeout { host: String, stalled: Stalled, after: Duration },
    /// A `200` whose body is not a server-sent event stream (an HTML page, a JSON document):
    /// the base URL points at something other than the provider's API.
    #[error("{url} answered with {content_type}, not an event stream")]
    NotAnEventStream { url: String, content_type: String, excerpt: String },
    /// The provider answered with something that is not its documented format.
    #[error("invalid response: {message}")]
    InvalidResponse { message: String },
    /// Any other HTTP error status.
    #[error("HTTP {status}: {message}")]
    Http { status: u16, message: String },
    #[error("cancelled")]
    Cancelled,
}

/// Which wait ran out (see `StreamOptions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stalled {
    /// The connection was accepted but no response headers came.
    Headers,
    /// Headers came, then not one byte of the body.
    FirstByte,
    /// The response began, then stopped (SSE comment lines count as life).
    Idle,
    /// The server kept the connection alive (SSE comments, pings) but sent no event of the
    /// answer within the first-token limit.
    FirstToken,
}

/// `90 s`, or `300 ms` below a second.
fn waited(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{} s", d.as_secs())
    }
}

/// How each provider kind's base URL is written, for messages about a wrong one.
fn base_url_hint(kind: ProviderKind) -> &'static str {
    match kind {
        ProviderKind::Anthropic => "an Anthropic base URL is the host alone, e.g. https://api.anthropic.com (Reverie adds /v1/messages)",
        ProviderKind::OpenaiCompatible => {
            "an OpenAI-compatible base URL usually ends in /v1, e.g. http://localhost:11434/v1 (Reverie adds /chat/completions)"
        }
    }
}

impl ModelError {
    /// What to tell the user, with what to do about it.
    pub fn user_message(&self) -> String {
        match self {
            Self::Auth { message } => {
                format!("The provider rejected the API key ({message}). Check the key with Edit and paste it again.")
            }
            Self::RateLimited { retry_after: Some(d) } => {
                format!("The provider is rate limiting this key. Try again in {} s.", d.as_secs().max(1))
            }
            Self::RateLimited { retry_after: None } => "The provider is rate limiting this key. Try again shortly.".into(),
            Self::Overloaded => "The provider is overloaded right now. Try again in a minute.".into(),
            Self::ContextWindowExceeded { message } => format!("The request is too large for the model ({message})."),
            Self::ModelNotFound { model, available } if available.is_empty() => {
                format!("The provider doesn't serve the model “{model}”. Check the model name with Edit.")
            }
            Self::ModelNotFound { model, available } => {
                let mut shown: Vec<&str> = available.iter().map(String::as_str).take(8).collect();
                if available.len() > shown.len() {
                    shown.push("…");
                }
                format!("The provider doesn't serve the model “{model}”. It offers: {}.", shown.join(", "))
            }
            Self::NoApi { url, kind } => format!(
                "The provider answered HTTP 404 (not found) for {url}: no API is served at that path. Check the base URL with Edit: {}.",
                base_url_hint(*kind)
            ),
            Self::Network { message } => format!("Couldn't reach the provider ({message}). Check the base URL and your connection."),
            Self::Timeout { host, stalled, after } => {
                let waited = waited(*after);
                match stalled {
                    Stalled::Headers => format!(
                        "The provider at {host} accepted the connection but sent no response within {waited}. Check that the server is running and not stuck (a local server may still be loading the model), then try again, or allow it longer with {}=<seconds>.",
                        crate::stream::RESPONSE_TIMEOUT_ENV
                    ),
                    Stalled::FirstByte => format!(
                        "The provider at {host} answered but then sent nothing for {waited}. Check that the server is working (a local server may still be reading a long prompt), then try again, or allow it longer with {}=<seconds>.",
                        crate::stream::RESPONSE_TIMEOUT_ENV
                    ),
                    Stalled::FirstToken => format!(
                        "The provider at {host} kept the connection open but had not begun its answer after {waited}. A local server may still be reading a long prompt: allow it longer with {}=<seconds>, or use a shorter prompt or a faster model.",
                        crate::stream::FIRST_TOKEN_TIMEOUT_ENV
                    ),
                    Stalled::Idle => format!(
                        "The provider at {host} stopped sending in the middle of its answer ({waited} without data). Try again; if it keeps happening, check the server and your connection."
                    ),
                }
            }
            Self::NotAnEventStream { url, content_type, excerpt } => {
                let began = if excerpt.is_empty() { String::new() } else { format!(" It began: “{excerpt}”.") };
                format!(
                    "The provider answered {url} with {content_type}, not an event stream: the base URL points at something other than the provider's API.{began} Check the base URL with Edit."
                )
            }
            Self::InvalidResponse { message } => {
                format!("The provider answered in an unexpected format ({message}). Is the provider type right?")
            }
            Self::Http { status, message } => format!("The provider answered HTTP {status}: {message}"),
            Self::Cancelled => "Cancelled.".into(),
        }
    }

    /// Every text in the error with `secrets` (and anything shaped like a key) masked and each
    /// bounded to [`MAX_MESSAGE_CHARS`]. Adapters apply it to every error they return.
    pub fn sanitized(self, secrets: &[&str]) -> Self {
        self.map_text(|text| bound(&redact_secrets(text, secrets), MAX_MESSAGE_CHARS))
    }

    fn map_text(self, f: impl Fn(&str) -> String) -> Self {
        match self {
            Self::Auth { message } => Self::Auth { message: f(&message) },
            Self::ContextWindowExceeded { message } => Self::ContextWindowExceeded { message: f(&message) },
            Self::ModelNotFound { model, available } => {
                // At most a few hundred names are worth keeping.
                Self::ModelNotFound { model: f(&model), available: available.iter().take(500).map(|m| f(m)).collect() }
            }
            Self::NoApi { url, kind } => Self::NoApi { url: f(&url), kind },
            Self::Network { message } => Self::Network { message: f(&message) },
            Self::Timeout { host, stalled, after } => Self::Timeout { host: f(&host), stalled, after },
            Self::NotAnEventStream { url, content_type, excerpt } => {
                Self::NotAnEventStream { url: f(&url), content_type: f(&content_type), excerpt: f(&excerpt) }
            }
            Self::InvalidResponse { message } => Self::InvalidResponse { message: f(&message) },
            Self::Http { status, message } => Self::Http { status, message: f(&message) },
            other @ (Self::RateLimited { .. } | Self::Overloaded | Self::Cancelled) => other,
        }
    }
}

/// Maps a transport failure, naming the host but never the full URL or headers.
pub(crate) fn from_reqwest(e: &reqwest::Error) -> ModelError {
    let host = e.url().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_else(|| "the host".into());
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_decode() || e.is_body() {
        return ModelError::InvalidResponse { message: "the response body could not be read".into() };
    } else {
        "request failed"
    };
    let mut detail = String::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        detail = s.to_string();
        source = s.source();
    }
    let message = if detail.is_empty() { format!("{host}: {what}") } else { format!("{host}: {what}: {detail}") };
    ModelError::Network { message }
}

/// `host[:port]` of a URL, for naming a provider in a message (never its path, query or
/// credentials).
pub(crate) fn host_of(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => match (u.host_str(), u.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_owned(),
            _ => "the provider".into(),
        },
        Err(_) => "the provider".into(),
    }
}

/// A URL as it may be shown: scheme, host, port and path, without credentials or query.
pub(crate) fn shown_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.set_query(None);
            u.set_fragment(None);
            u.to_string()
        }
        Err(_) => "the provider's URL".into(),
    }
}
