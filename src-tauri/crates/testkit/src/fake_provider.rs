//! The fake provider: `/v1/models` and `/v1/models/{id}` in both vendors' formats, with key
//! checks, recording every request it receives.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

#[derive(Debug, Clone)]
pub struct FakeProviderConfig {
    /// Keys the server accepts (as `x-api-key` or `Authorization: Bearer`).
    pub keys: Vec<String>,
    /// Models the server serves.
    pub models: Vec<String>,
    /// Whether a request without any key is accepted (like a local Ollama).
    pub open: bool,
}

impl Default for FakeProviderConfig {
    fn default() -> Self {
        Self { keys: vec!["sk-test-good".into()], models: vec!["fake-model".into()], open: false }
    }
}

/// What the server received: method, path and headers (values as sent, for assertions).
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
}

struct Shared {
    config: FakeProviderConfig,
    requests: Mutex<Vec<RecordedRequest>>,
}

/// A running fake provider. Dropping it shuts the server down.
pub struct FakeProvider {
    addr: SocketAddr,
    shared: Arc<Shared>,
    _shutdown: oneshot::Sender<()>,
}

impl FakeProvider {
    /// Starts on `127.0.0.1` on a free port, on the current Tokio runtime.
    pub async fn start(config: FakeProviderConfig) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared { config, requests: Mutex::default() });
        let app = Router::new()
            .route("/v1/models", get(list_models))
            .route("/v1/models/{id}", get(get_model))
            .with_state(shared.clone());
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).with_graceful_shutdown(async { let _ = rx.await; }).await;
        });
        Ok(Self { addr, shared, _shutdown: tx })
    }

    /// `http://127.0.0.1:PORT` — the Anthropic base URL.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT/v1` — the OpenAI-compatible base URL.
    pub fn openai_base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

enum Caller {
    Anthropic(Option<String>),
    OpenAi(Option<String>),
}

fn caller(headers: &HeaderMap) -> Caller {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    if headers.contains_key("anthropic-version") || headers.contains_key("x-api-key") {
        Caller::Anthropic(header("x-api-key"))
    } else {
        Caller::OpenAi(header("authorization").and_then(|v| v.strip_prefix("Bearer ").map(str::to_owned)))
    }
}

fn record(shared: &Shared, path: String, headers: &HeaderMap) {
    let headers = headers.iter().map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("<binary>").to_owned())).collect();
    if let Ok(mut r) = shared.requests.lock() {
        r.push(RecordedRequest { method: "GET".into(), path, headers });
    }
}

/// The rejection to send when the key is missing or wrong, in the caller's vendor format.
fn rejection(shared: &Shared, caller: &Caller) -> Option<Response> {
    let (key, anthropic) = match caller {
        Caller::Anthropic(k) => (k, true),
        Caller::OpenAi(k) => (k, false),
    };
    let ok = match key {
        Some(k) => shared.config.keys.iter().any(|good| good == k),
        None => shared.config.open,
    };
    if ok {
        return None;
    }
    let body = if anthropic {
        json!({"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}})
    } else {
        json!({"error": {"message": "Incorrect API key provided.", "type": "invalid_request_error", "code": "invalid_api_key"}})
    };
    Some((StatusCode::UNAUTHORIZED, Json(body)).into_response())
}

async fn list_models(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    record(&shared, "/v1/models".into(), &headers);
    let caller = caller(&headers);
    if let Some(resp) = rejection(&shared, &caller) {
        return resp;
    }
    let models = &shared.config.models;
    match caller {
        Caller::Anthropic(_) => Json(json!({
            "data": models.iter().map(|m| json!({"type": "model", "id": m, "display_name": m, "created_at": "2026-01-01T00:00:00Z"})).collect::<Vec<_>>(),
            "has_more": false,
            "first_id": models.first(),
            "last_id": models.last(),
        }))
        .into_response(),
        Caller::OpenAi(_) => Json(json!({
            "object": "list",
            "data": models.iter().map(|m| json!({"id": m, "object": "model", "created": 1_767_225_600, "owned_by": "fake"})).collect::<Vec<_>>(),
        }))
        .into_response(),
    }
}

async fn get_model(State(shared): State<Arc<Shared>>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    record(&shared, format!("/v1/models/{id}"), &headers);
    let caller = caller(&headers);
    if let Some(resp) = rejection(&shared, &caller) {
        return resp;
    }
    if shared.config.models.contains(&id) {
        Json(json!({"type": "model", "id": id, "display_name": id, "created_at": "2026-01-01T00:00:00Z"})).into_response()
    } else {
        let body = json!({"type": "error", "error": {"type": "not_found_error", "message": format!("model: {id}")}});
        (StatusCode::NOT_FOUND, Json(body)).into_response()
    }
}
