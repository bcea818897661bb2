//! The dev server: the same commands over HTTP (`POST /api/<command>`, the JSON arguments in
//! the body, the JSON result or an `AppError` back) and the same streams over WebSocket
//! (`GET /ws/<watch>?args=<JSON>`, one JSON text message per item), for a browser UI talking
//! to a real engine. Loopback only: it binds 127.0.0.1 on a random port, every request needs
//! the random token it printed (the `x-reverie-token` header or `?token=`), and a request from
//! a page that is not on this machine (its `Origin` not localhost) is refused. Of the shell's
//! own commands it answers `app_status` from start-up, and `check_for_updates` /
//! `install_update` from the shell double ([`crate::shell_double`]), which stands in for the
//! desktop shell, not for the engine.

use std::collections::HashMap;
use std::io::Read;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{DefaultBodyLimit, Path as UrlPath, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::StreamExt;
use reverie_engine::memory::mirror::MirrorWatch;
use reverie_engine::{Core, Error, OnFailure, OpenOptions, Opened, Secrets};
use reverie_protocol::{AppError, AppStatus, ErrorCode};
use serde_json::Value;
use tokio::task::JoinHandle;

use crate::shell_double::ShellDouble;
use crate::{watch, Context};

/// The header that carries the token (a WebSocket from a browser can't set headers: `?token=`).
pub const TOKEN_HEADER: &str = "x-reverie-token";
/// A request body at most (the largest input, a run's task, is 256 kB).
const MAX_BODY: usize = 2 * 1024 * 1024;

/// The engine over a data folder, as the app opens it: the database (a damaged one moved
/// aside), this process's owner lock, the memory mirror, and the recovery of sessions and
/// dreams a dead process left running. Blocking: call it off the async runtime.
pub fn open(data_dir: &Path, secrets: Arc<Secrets>) -> Result<(Context, MirrorWatch), Error> {
    let Opened { core, mirror, report } = Core::open(OpenOptions {
        data_dir: data_dir.to_owned(),
        secrets: secrets.clone(),
        stream_options: reverie_llm::StreamOptions::from_env(),
        mirror_writes: true,
        on_failure: OnFailure::Fail,
    })?;
    if let Some(recovery) = &report.recovered {
        tracing::warn!(moved_to = %recovery.moved_to.display(), reason = %recovery.reason, "the database was damaged and replaced");
    }
    let watch = mirror.watch()?;
    mirror.flush()?;
    let status = AppStatus {
        version: env!("CARGO_PKG_VERSION").into(),
        data_dir: report.data_dir.display().to_string(),
        // The dev server logs to its standard error, not to files.
        log_dir: "the standard error of reverie-devserver".into(),
        secret_backend: secrets.backend(),
        notices: report.notices(),
    };
    Ok((Context { core, mirror, status: Some(status) }, watch))
}

/// A running dev server; dropping it stops it.
pub struct DevServer {
    pub addr: SocketAddr,
    pub token: String,
    task: JoinHandle<()>,
}

impl DevServer {
    /// The base URL with the token, as printed at start.
    pub fn url(&self) -> String {
        format!("http://{}/?token={}", self.addr, self.token)
    }
}

impl Drop for DevServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct Shared {
    ctx: Arc<Context>,
    token: String,
    /// What stands in for the desktop shell's own commands.
    shell: ShellDouble,
}

/// Binds 127.0.0.1 on a random port with a fresh random token and serves `ctx`, with no
/// shell double (no updater, no notices of the shell's).
pub async fn start(ctx: Arc<Context>) -> std::io::Result<DevServer> {
    start_with(ctx, ShellDouble::default()).await
}

/// [`start`], with `shell` answering what only the desktop shell can.
pub async fn start_with(ctx: Arc<Context>, shell: ShellDouble) -> std::io::Result<DevServer> {
    let token = random_token()?;
    let listener = tokio::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0)).await?;
    let addr = listener.local_addr()?;
    let shared = Arc::new(Shared { ctx, token: token.clone(), shell });
    let app = Router::new()
        .route("/api/{command}", post(command))
        .route("/ws/{watch}", get(stream))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn_with_state(shared.clone(), guard))
        .with_state(shared);
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "the dev server stopped");
        }
    });
    Ok(DevServer { addr, token, task })
}

/// 32 random bytes from the kernel, as hex.
fn random_token() -> std::io::Result<String> {
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// An `Origin` is accepted when it is a page on this machine (or absent: not a browser).
fn origin_allowed(origin: &str) -> bool {
    let Some(rest) = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")) else {
        return false;
    };
    let host = if let Some(v6) = rest.strip_prefix('[') {
        v6.split(']').next().map(|h| format!("[{h}]"))
    } else {
        rest.split([':', '/']).next().map(str::to_owned)
    };
    matches!(host.as_deref(), Some("127.0.0.1" | "localhost" | "[::1]"))
}

/// Compares without stopping at the first difference.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn refused(status: StatusCode, field: &str, message: &str) -> Response {
    (status, Json(AppError::invalid(field, message))).into_response()
}

/// Origin first (so a foreign page learns nothing), then the token; a browser's preflight is
/// answered for local pages only.
async fn guard(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let origin = request.headers().get(header::ORIGIN).map(|o| o.to_str().unwrap_or("").to_owned());
    if let Some(origin) = &origin {
        if !origin_allowed(origin) {
            return refused(
                StatusCode::FORBIDDEN,
                "origin",
                "The dev server answers pages on this machine only (Origin must be localhost).",
            );
        }
    }
    if request.method() == Method::OPTIONS {
        let mut response = StatusCode::NO_CONTENT.into_response();
        cors(response.headers_mut(), origin.as_deref());
        return response;
    }
    let header_token = request.headers().get(TOKEN_HEADER).and_then(|t| t.to_str().ok()).map(str::to_owned);
    let query_token =
        Query::<HashMap<String, String>>::try_from_uri(request.uri()).ok().and_then(|q| q.0.get("token").cloned());
    let ok = header_token.or(query_token).is_some_and(|t| same(&t, &shared.token));
    if !ok {
        return refused(
            StatusCode::UNAUTHORIZED,
            "token",
            "Send the token the dev server printed at start (the x-reverie-token header, or ?token= for a WebSocket).",
        );
    }
    let mut response = next.run(request).await;
    cors(response.headers_mut(), origin.as_deref());
    response
}

/// Lets a local page (the UI on Vite's port) read the reply.
fn cors(headers: &mut HeaderMap, origin: Option<&str>) {
    let Some(value) = origin.and_then(|o| HeaderValue::from_str(o).ok()) else { return };
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("POST, GET, OPTIONS"));
    headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("content-type, x-reverie-token"));
    headers.insert(header::VARY, HeaderValue::from_static("origin"));
}

fn status_of(error: &AppError) -> StatusCode {
    match error.code {
        ErrorCode::InvalidInput | ErrorCode::NeedsConfirmation => StatusCode::BAD_REQUEST,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::Conflict => StatusCode::CONFLICT,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn failure(error: AppError) -> Response {
    (status_of(&error), Json(error)).into_response()
}

async fn command(State(shared): State<Arc<Shared>>, UrlPath(name): UrlPath<String>, body: Bytes) -> Response {
    let args = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        match serde_json::from_slice(&body) {
            Ok(args) => args,
            Err(e) => {
                return failure(AppError::invalid(
                    "args",
                    format!("The body must be the command's arguments as JSON ({e})."),
                ))
            }
        }
    };
    // The shell commands the dev server answers itself: what start-up found, as the app says
    // it (with the shell double's notices after the engine's), and the double's updater.
    match name.as_str() {
        "app_status" => {
            if let Some(status) = &shared.ctx.status {
                let mut status = status.clone();
                status.notices.extend(shared.shell.notices.iter().cloned());
                return Json(status).into_response();
            }
        }
        "check_for_updates" => {
            return match shared.shell.check_for_updates() {
                Ok(update) => Json(update).into_response(),
                Err(error) => failure(error),
            }
        }
        "install_update" => {
            return match shared.shell.install_update() {
                Ok(()) => Json(()).into_response(),
                Err(error) => failure(error),
            }
        }
        _ => {}
    }
    match crate::dispatch(&shared.ctx, &name, args).await {
        Some(Ok(result)) => Json(result).into_response(),
        Some(Err(error)) => failure(error),
        None => failure(AppError::new(
            ErrorCode::NotFound,
            format!("There is no command called `{name}` on the dev server."),
        )),
    }
}

async fn stream(
    State(shared): State<Arc<Shared>>,
    UrlPath(name): UrlPath<String>,
    Query(query): Query<HashMap<String, String>>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let args = match query.get("args").map(|a| serde_json::from_str::<Value>(a)) {
        None => Value::Null,
        Some(Ok(args)) => args,
        Some(Err(e)) => {
            return failure(AppError::invalid("args", format!("`args` must be the stream's arguments as JSON ({e}).")))
        }
    };
    let feed = match watch::open(&shared.ctx, &name, args).await {
        Some(Ok(feed)) => feed,
        Some(Err(error)) => return failure(error),
        None => return failure(watch::unknown(&name)),
    };
    upgrade.on_upgrade(move |socket| pump(socket, feed))
}

/// Sends each item as a JSON text message until the feed ends or the client goes away.
async fn pump(mut socket: WebSocket, mut feed: watch::Feed<Value>) {
    loop {
        tokio::select! {
            item = feed.next() => {
                let Some(item) = item else { break };
                if socket.send(Message::Text(item.to_string().into())).await.is_err() {
                    return;
                }
            }
            message = socket.recv() => match message {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(_)) => {}
            },
        }
    }
    let _ = socket.send(Message::Close(None)).await;
}
