//! The fake provider's HTTP server: `/v1/models` and `/v1/models/{id}` in both vendors' formats,
//! the scripted streaming endpoints `/v1/messages` (Anthropic) and `/v1/chat/completions`
//! (OpenAI), key checks, and a log of every request it receives.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::prompt_cache::{self, PromptCache};
use crate::script::{conversation_of, estimate_tokens, Fault, Planned, Reply, Script, DEFAULT_STALL_SECS};
use crate::sse::{self, StreamCounter};
use crate::{anthropic, llamacpp, openai, Quirk, Quirks};

/// The largest request body accepted (the Messages API's limit); larger gets 413.
pub const MAX_REQUEST_BYTES: usize = 32 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct FakeProviderConfig {
    /// Keys the server accepts (as `x-api-key` or `Authorization: Bearer`).
    pub keys: Vec<String>,
    /// Models the server serves. The streaming endpoints answer 404 for any other model (unless
    /// the list is empty).
    pub models: Vec<String>,
    /// Whether a request without any key is accepted (like a local Ollama). A key that is sent
    /// must still be one of `keys`.
    pub open: bool,
}

impl Default for FakeProviderConfig {
    fn default() -> Self {
        Self { keys: vec!["sk-test-good".into()], models: vec!["fake-model".into()], open: false }
    }
}

/// What the server received: method, path, headers (values as sent) and the body parsed as JSON.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    /// The body parsed as JSON; `None` when there was none or it was not JSON.
    pub body: Option<Value>,
    /// The script conversation the request was assigned (streaming endpoints only).
    pub conversation: Option<String>,
    /// The time the fake spent on the request itself (finding its conversation, parsing and
    /// checking its JSON), so a benchmark can tell it apart from the client's own time.
    pub server_time: std::time::Duration,
}

impl RecordedRequest {
    /// The first value of a header (names are lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

struct ScriptState {
    script: Script,
    /// Replies already served per conversation.
    cursors: HashMap<String, usize>,
}

struct Shared {
    config: FakeProviderConfig,
    script: Mutex<ScriptState>,
    quirks: Mutex<Quirks>,
    /// `Some` while the Anthropic endpoint simulates prompt caching.
    prompt_cache: Mutex<Option<PromptCache>>,
    requests: Mutex<Vec<RecordedRequest>>,
    request_count: watch::Sender<usize>,
    streams: StreamCounter,
    shutdown: watch::Receiver<bool>,
    ids: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    fn next_id(&self, prefix: &str) -> String {
        format!("{prefix}{:016}", self.ids.fetch_add(1, Ordering::Relaxed) + 1)
    }

    fn record(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: Option<Value>,
        conversation: Option<String>,
        started: Instant,
    ) {
        let headers =
            headers.iter().map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("<binary>").to_owned())).collect();
        let request = RecordedRequest {
            method: method.to_string(),
            path: uri.path().to_owned(),
            headers,
            body,
            conversation,
            server_time: started.elapsed(),
        };
        let count = {
            let mut requests = lock(&self.requests);
            requests.push(request);
            requests.len()
        };
        self.request_count.send_replace(count);
    }

    /// The conversation's next reply, or how many it has served when it has none left.
    fn take_reply(&self, conversation: &str) -> Result<Reply, usize> {
        let mut state = lock(&self.script);
        let ScriptState { script, cursors } = &mut *state;
        let cursor = cursors.entry(conversation.to_owned()).or_default();
        match script.replies(conversation).get(*cursor) {
            Some(reply) => {
                *cursor += 1;
                Ok(reply.clone())
            }
            None => Err(*cursor),
        }
    }

    fn key_ok(&self, key: Option<&str>) -> bool {
        match key {
            Some(k) => self.config.keys.iter().any(|good| good == k),
            None => self.config.open,
        }
    }

    /// Waits `ms` (Tokio time); returns early when the server shuts down.
    async fn delay(&self, ms: u64) {
        if ms == 0 {
            return;
        }
        let mut shutdown = self.shutdown.clone();
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(ms)) => {}
            _ = shutdown.wait_for(|down| *down) => {}
        }
    }
}

/// A running fake provider. Dropping it shuts the server down (stalled streams are cut).
pub struct FakeProvider {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
}

impl Drop for FakeProvider {
    fn drop(&mut self) {
        self.shutdown.send_replace(true);
    }
}

impl FakeProvider {
    /// Starts on `127.0.0.1` on a free port, on the current Tokio runtime, with an empty script.
    pub async fn start(config: FakeProviderConfig) -> std::io::Result<Self> {
        Self::start_with_script(config, Script::default()).await
    }

    /// Starts on `127.0.0.1` on a free port with `script`.
    pub async fn start_with_script(config: FakeProviderConfig, script: Script) -> std::io::Result<Self> {
        Self::bind(SocketAddr::from(([127, 0, 0, 1], 0)), config, script).await
    }

    /// Starts on `addr` (port 0 = a free one).
    pub async fn bind(addr: SocketAddr, config: FakeProviderConfig, script: Script) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (shutdown, shutdown_rx) = watch::channel(false);
        let shared = Arc::new(Shared {
            config,
            script: Mutex::new(ScriptState { script, cursors: HashMap::new() }),
            quirks: Mutex::default(),
            prompt_cache: Mutex::default(),
            requests: Mutex::default(),
            request_count: watch::channel(0).0,
            streams: StreamCounter(watch::channel(0).0),
            shutdown: shutdown_rx.clone(),
            ids: AtomicU64::new(0),
        });
        let app = Router::new()
            .route("/v1/models", get(list_models))
            .route("/v1/models/{id}", get(get_model))
            .route("/v1/messages", post(messages))
            .route("/v1/chat/completions", post(chat_completions))
            .fallback(not_found)
            .layer(DefaultBodyLimit::disable())
            .with_state(shared.clone());
        let mut rx = shutdown_rx;
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = rx.wait_for(|down| *down).await;
                })
                .await;
        });
        Ok(Self { addr, shared, shutdown })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` — the Anthropic base URL.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT/v1` — the OpenAI-compatible base URL.
    pub fn openai_base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Every request received so far, in order (rejected ones included).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// The requests assigned to a script conversation.
    pub fn requests_for(&self, conversation: &str) -> Vec<RecordedRequest> {
        lock(&self.shared.requests)
            .iter()
            .filter(|r| r.conversation.as_deref() == Some(conversation))
            .cloned()
            .collect()
    }

    /// Waits until at least `n` requests have been received, then returns them all.
    pub async fn wait_for_requests(&self, n: usize) -> Vec<RecordedRequest> {
        let mut rx = self.shared.request_count.subscribe();
        let _ = rx.wait_for(|count| *count >= n).await;
        self.requests()
    }

    /// Makes the fake answer the way another server does from now on (a profile such as
    /// [`Quirks::llamacpp`], or single [`Quirk`]s); [`Quirks::none`] is the vendors' own APIs.
    pub fn set_quirks(&self, quirks: Quirks) {
        *lock(&self.shared.quirks) = quirks;
    }

    /// The quirks in force.
    pub fn quirks(&self) -> Quirks {
        lock(&self.shared.quirks).clone()
    }

    /// Makes `POST /v1/messages` report prompt-cache reads and writes the way the Anthropic API
    /// does for the `cache_control` breakpoints it is sent (for replies whose usage the script
    /// leaves to the fake), from an empty cache; `false` turns it off (cache counts 0).
    pub fn set_prompt_cache(&self, on: bool) {
        *lock(&self.shared.prompt_cache) = on.then(PromptCache::default);
    }

    /// Replaces the script; every conversation starts again at its first reply.
    pub fn set_script(&self, script: Script) {
        let mut state = lock(&self.shared.script);
        state.script = script;
        state.cursors.clear();
    }

    /// Appends replies to a conversation (its cursor is kept, so an exhausted conversation
    /// goes on with these).
    pub fn push_replies(&self, conversation: &str, replies: impl IntoIterator<Item = Reply>) {
        let mut state = lock(&self.shared.script);
        for reply in replies {
            state.script.push(conversation, reply);
        }
    }

    pub fn push_reply(&self, conversation: &str, reply: Reply) {
        self.push_replies(conversation, [reply]);
    }

    /// How many replies a conversation has served.
    pub fn replies_served(&self, conversation: &str) -> usize {
        lock(&self.shared.script).cursors.get(conversation).copied().unwrap_or(0)
    }

    /// Response streams not yet finished or dropped (a stalled stream counts until the client
    /// goes away).
    pub fn open_streams(&self) -> usize {
        *self.shared.streams.0.borrow()
    }

    /// Waits until exactly `n` response streams are open.
    pub async fn wait_for_open_streams(&self, n: usize) {
        let mut rx = self.shared.streams.0.subscribe();
        let _ = rx.wait_for(|open| *open == n).await;
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Vendor {
    Anthropic,
    OpenAi,
}

fn error_response(vendor: Vendor, quirks: &Quirks, status: u16, message: Option<&str>, request_id: &str) -> Response {
    let body = match vendor {
        _ if quirks.has(Quirk::LlamacppErrors) => llamacpp::error_body(status, message),
        Vendor::Anthropic => anthropic::error_body(status, message, request_id),
        Vendor::OpenAi => openai::error_body(status, message),
    };
    with_request_id(vendor, (code(status), Json(body)).into_response(), request_id)
}

/// The 400 for a `context_exceeded` fault, in the vendor's (or llama.cpp's) words.
fn context_response(
    vendor: Vendor,
    quirks: &Quirks,
    fault: &Fault,
    request_bytes: usize,
    request_id: &str,
) -> Option<Response> {
    let Fault::ContextExceeded { prompt_tokens, window } = fault else { return None };
    let window = window.unwrap_or(2_048);
    let prompt = prompt_tokens.unwrap_or_else(|| estimate_tokens(request_bytes).max(window + 1));
    let body = match vendor {
        _ if quirks.has(Quirk::LlamacppErrors) => llamacpp::context_error(prompt, window),
        Vendor::Anthropic => anthropic::context_error(prompt, window, request_id),
        Vendor::OpenAi => openai::context_error(prompt, window),
    };
    Some(with_request_id(vendor, (StatusCode::BAD_REQUEST, Json(body)).into_response(), request_id))
}

fn code(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

fn with_request_id(vendor: Vendor, mut resp: Response, request_id: &str) -> Response {
    let name = if vendor == Vendor::Anthropic { "request-id" } else { "x-request-id" };
    if let Ok(v) = HeaderValue::from_str(request_id) {
        resp.headers_mut().insert(name, v);
    }
    resp
}

/// The response for an `http` fault.
fn http_fault(vendor: Vendor, quirks: &Quirks, fault: &Fault, request_id: &str) -> Option<Response> {
    let Fault::Http { status, retry_after, message, body, content_type } = fault else { return None };
    let mut resp = match body {
        Some(Value::String(text)) => {
            let kind = content_type.as_deref().unwrap_or("text/plain; charset=utf-8");
            let kind = HeaderValue::from_str(kind).unwrap_or(HeaderValue::from_static("text/plain; charset=utf-8"));
            (code(*status), [(header::CONTENT_TYPE, kind)], text.clone()).into_response()
        }
        Some(value) => (code(*status), Json(value.clone())).into_response(),
        None => error_response(vendor, quirks, *status, message.as_deref(), request_id),
    };
    if let Some(secs) = retry_after {
        resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(*secs));
    }
    Some(with_request_id(vendor, resp, request_id))
}

/// What both streaming endpoints do before they stream: record, check the key, parse and check
/// the body, take the conversation's reply and wait its delay. `Err` is the response to send.
struct Accepted {
    reply: Reply,
    quirks: Quirks,
    model: String,
    /// OpenAI's `stream_options.include_usage`.
    include_usage: bool,
    request_bytes: usize,
    /// What the simulated prompt cache served, when it is on.
    cache: Option<prompt_cache::CacheUse>,
}

async fn accept(
    shared: &Shared,
    vendor: Vendor,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    raw: &Bytes,
    request_id: &str,
) -> Result<Accepted, Response> {
    let started = Instant::now();
    let quirks = lock(&shared.quirks).clone();
    let conversation = conversation_of(raw);
    let parsed = serde_json::from_slice::<Value>(raw).ok();
    // Check first, then record the parsed body itself (no copy of a long history).
    let checked = check(shared, vendor, headers, raw.len(), parsed.as_ref());
    let refused = match (vendor, &parsed) {
        (Vendor::OpenAi, Some(body)) if quirks.has(Quirk::ReasoningModel) => openai::reasoning_refusal(body),
        _ => None,
    };
    let cache_points = match (vendor, &parsed) {
        (Vendor::Anthropic, Some(body)) if lock(&shared.prompt_cache).is_some() => Some(prompt_cache::points(body)),
        _ => None,
    };
    shared.record(method, uri, headers, parsed, Some(conversation.clone()), started);
    let (model, include_usage) =
        checked.map_err(|(status, message)| error_response(vendor, &quirks, status, message.as_deref(), request_id))?;
    if let Some(body) = refused {
        return Err(with_request_id(vendor, (StatusCode::BAD_REQUEST, Json(body)).into_response(), request_id));
    }
    let reply = shared.take_reply(&conversation).map_err(|served| {
        let message = format!("script exhausted for conversation {conversation} after {served} replies");
        error_response(vendor, &quirks, 500, Some(&message), request_id)
    })?;
    shared.delay(reply.delay_ms).await;
    if let Some(Fault::NoHeaders { max_secs }) = reply.fault {
        shared.delay(max_secs.unwrap_or(DEFAULT_STALL_SECS).saturating_mul(1000)).await;
        let message = Some("the fake provider sent no headers, as scripted");
        return Err(error_response(vendor, &quirks, 504, message, request_id));
    }
    if let Some(fault) = &reply.fault {
        if let Some(resp) = http_fault(vendor, &quirks, fault, request_id)
            .or_else(|| context_response(vendor, &quirks, fault, raw.len(), request_id))
        {
            return Err(resp);
        }
    }
    let cache = cache_points.and_then(|points| lock(&shared.prompt_cache).as_mut().map(|c| c.serve(&points)));
    Ok(Accepted { reply, quirks, model, include_usage, request_bytes: raw.len(), cache })
}

/// The key, headers and body as the real API checks them: the model and `include_usage`, or
/// the status and message to answer with (`None`: the vendor's default for that status).
fn check(
    shared: &Shared,
    vendor: Vendor,
    headers: &HeaderMap,
    bytes: usize,
    parsed: Option<&Value>,
) -> Result<(String, bool), (u16, Option<String>)> {
    let fail = |status: u16, message: &str| Err((status, Some(message.to_owned())));
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let key = match vendor {
        Vendor::Anthropic => header("x-api-key"),
        Vendor::OpenAi => header("authorization").map(|v| v.strip_prefix("Bearer ").unwrap_or(v)),
    };
    if !shared.key_ok(key) {
        return Err((401, None));
    }
    if vendor == Vendor::Anthropic && header("anthropic-version").is_none() {
        return fail(400, "anthropic-version: header is required");
    }
    if bytes > MAX_REQUEST_BYTES {
        return fail(413, "Request exceeds the maximum allowed number of bytes.");
    }
    let Some(Value::Object(body)) = parsed else {
        return fail(400, "The request body is not valid JSON.");
    };
    let Some(model) = body.get("model").and_then(Value::as_str).map(str::to_owned) else {
        return fail(400, "model: Field required");
    };
    if !body.get("messages").is_some_and(Value::is_array) {
        return fail(400, "messages: Field required");
    }
    if vendor == Vendor::Anthropic && !body.get("max_tokens").is_some_and(Value::is_u64) {
        return fail(400, "max_tokens: Field required");
    }
    if body.get("stream") != Some(&Value::Bool(true)) {
        return fail(400, "The fake provider only streams: set \"stream\": true.");
    }
    if !shared.config.models.is_empty() && !shared.config.models.contains(&model) {
        let message = match vendor {
            Vendor::Anthropic => format!("model: {model}"),
            Vendor::OpenAi => format!("The model `{model}` does not exist or you do not have access to it."),
        };
        return fail(404, &message);
    }
    let include_usage = body.get("stream_options").and_then(|o| o.get("include_usage")) == Some(&Value::Bool(true));
    Ok((model, include_usage))
}

async fn messages(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    raw: Bytes,
) -> Response {
    let request_id = shared.next_id("req_fake");
    let a = match accept(&shared, Vendor::Anthropic, &method, &uri, &headers, &raw, &request_id).await {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    let mut plan = Planned::new(&a.reply, a.request_bytes, || shared.next_id("toolu_fake"));
    let scripted = a
        .reply
        .usage
        .is_some_and(|u| u.input_tokens.is_some() || u.cache_read_tokens.is_some() || u.cache_write_tokens.is_some());
    if let (Some(cache), false) = (a.cache, scripted) {
        plan.input_tokens = plan.input_tokens.saturating_sub(cache.read + cache.write).max(1);
        plan.cache_read = cache.read;
        plan.cache_write = cache.write;
    }
    let message_id = shared.next_id("msg_fake");
    if a.quirks.has(Quirk::JsonBody) {
        let document = anthropic::document(&plan, &message_id, &a.model, &a.quirks);
        return with_request_id(Vendor::Anthropic, Json(document).into_response(), &request_id);
    }
    let events = anthropic::events(&plan, &message_id, &a.model, &a.quirks);
    let frames = sse::apply_fault(events, a.reply.fault.as_ref(), &anthropic::fault_events(&a.quirks));
    sse::response(frames, &shared.streams, shared.shutdown.clone(), &[("request-id", request_id)])
}

async fn chat_completions(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    raw: Bytes,
) -> Response {
    let request_id = shared.next_id("req_fake");
    let a = match accept(&shared, Vendor::OpenAi, &method, &uri, &headers, &raw, &request_id).await {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    let plan = Planned::new(&a.reply, a.request_bytes, || shared.next_id("call_fake"));
    let id = shared.next_id("chatcmpl-fake");
    let created = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let completion =
        openai::Completion { id: &id, created, model: &a.model, include_usage: a.include_usage, quirks: &a.quirks };
    if a.quirks.has(Quirk::JsonBody) {
        let document = openai::document(&plan, &completion);
        return with_request_id(Vendor::OpenAi, Json(document).into_response(), &request_id);
    }
    let events = openai::events(&plan, &completion);
    let frames = sse::apply_fault(events, a.reply.fault.as_ref(), &openai::fault_events(&a.quirks));
    sse::response(frames, &shared.streams, shared.shutdown.clone(), &[("x-request-id", request_id)])
}

async fn not_found(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    raw: Bytes,
) -> Response {
    shared.record(&method, &uri, &headers, serde_json::from_slice(&raw).ok(), None, Instant::now());
    let body = json!({"type": "error", "error": {"type": "not_found_error", "message": format!("Not found: {} {}", method, uri.path())}});
    (StatusCode::NOT_FOUND, Json(body)).into_response()
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

/// The rejection to send when the key is missing or wrong, in the caller's vendor format.
fn rejection(shared: &Shared, caller: &Caller) -> Option<Response> {
    let (key, anthropic) = match caller {
        Caller::Anthropic(k) => (k, true),
        Caller::OpenAi(k) => (k, false),
    };
    if shared.key_ok(key.as_deref()) {
        return None;
    }
    let body = if anthropic {
        json!({"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}})
    } else {
        json!({"error": {"message": "Incorrect API key provided.", "type": "invalid_request_error", "code": "invalid_api_key"}})
    };
    Some((StatusCode::UNAUTHORIZED, Json(body)).into_response())
}

async fn list_models(State(shared): State<Arc<Shared>>, method: Method, uri: Uri, headers: HeaderMap) -> Response {
    shared.record(&method, &uri, &headers, None, None, Instant::now());
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

async fn get_model(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    shared.record(&method, &uri, &headers, None, None, Instant::now());
    let caller = caller(&headers);
    if let Some(resp) = rejection(&shared, &caller) {
        return resp;
    }
    if lock(&shared.quirks).has(Quirk::NoModelById) {
        let body = json!({"error": {"code": 404, "message": "File Not Found", "type": "not_found_error"}});
        return (StatusCode::NOT_FOUND, Json(body)).into_response();
    }
    if shared.config.models.contains(&id) {
        Json(json!({"type": "model", "id": id, "display_name": id, "created_at": "2026-01-01T00:00:00Z"}))
            .into_response()
    } else {
        let body = json!({"type": "error", "error": {"type": "not_found_error", "message": format!("model: {id}")}});
        (StatusCode::NOT_FOUND, Json(body)).into_response()
    }
}
