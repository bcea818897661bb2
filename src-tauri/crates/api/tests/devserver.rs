//! The dev server in-process on a fresh data folder, against the scripted fake provider.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use reverie_api::server::{self, DevServer, TOKEN_HEADER};
use reverie_api::shell_double::{Keychain, ShellDouble};
use reverie_engine::memory::mirror::MirrorWatch;
use reverie_engine::Secrets;
use reverie_testkit::{FakeProvider, FakeProviderConfig, Reply, Script};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

const KEY: &str = "sk-test-devserver-51c0e2";

struct Server {
    server: DevServer,
    http: reqwest::Client,
    _watch: MirrorWatch,
    _data: tempfile::TempDir,
}

impl Server {
    async fn start() -> Self {
        Self::start_with(ShellDouble::default()).await
    }

    async fn start_with(shell: ShellDouble) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let data = tempfile::tempdir().unwrap();
        let dir = data.path().to_owned();
        let (ctx, watch) = tokio::task::spawn_blocking(move || server::open(&dir, Arc::new(Secrets::memory_only())))
            .await
            .unwrap()
            .unwrap();
        let server = server::start_with(Arc::new(ctx), shell).await.unwrap();
        assert!(server.addr.ip().is_loopback(), "bound {}", server.addr);
        Self { server, http: reqwest::Client::new(), _watch: watch, _data: data }
    }

    /// `POST /api/<command>`: the status and the JSON reply.
    async fn post(&self, command: &str, args: Value) -> (u16, Value) {
        let response = self
            .http
            .post(format!("http://{}/api/{command}", self.server.addr))
            .header(TOKEN_HEADER, &self.server.token)
            .json(&args)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }

    async fn ok(&self, command: &str, args: Value) -> Value {
        let (status, reply) = self.post(command, args).await;
        assert_eq!(status, 200, "{command} failed: {reply}");
        reply
    }

    fn ws_url(&self, watch: &str, token: &str, args: Value) -> String {
        let url = reqwest::Url::parse_with_params(
            &format!("ws://{}/ws/{watch}", self.server.addr),
            [("token", token.to_owned()), ("args", args.to_string())],
        )
        .unwrap();
        url.to_string()
    }
}

fn provider_input(base_url: &str) -> Value {
    json!({"input": {"name": "Fake", "kind": "anthropic", "base_url": base_url, "model": "fake-model", "api_key": KEY}})
}

#[tokio::test]
async fn a_run_watched_over_the_websocket_sends_exactly_its_stored_log() {
    let script = Script::from_replies([
        Reply::new().text("Writing it.").tool_use("write_file", json!({"path": "out.md", "content": "# Out\n"})),
        Reply::new().text("Done."),
    ]);
    let config = FakeProviderConfig { keys: vec![KEY.into()], models: vec!["fake-model".into()], open: false };
    let fake = FakeProvider::start_with_script(config, script).await.unwrap();
    let s = Server::start().await;
    let workspace = tempfile::tempdir().unwrap();

    let provider = s.ok("create_provider", provider_input(&fake.base_url())).await;
    assert_eq!(provider["key"]["configured"], true, "{provider}");
    assert_eq!(s.ok("list_providers", json!({})).await.as_array().unwrap().len(), 1);
    let agent = s
        .ok(
            "create_agent",
            json!({"input": {"name": "Writer", "instructions": "Write files.", "provider_id": provider["id"]}}),
        )
        .await;
    let started = s.ok("start_run", json!({"input": {"agent_id": agent["id"], "workspace": workspace.path().display().to_string(), "task": "Write out.md"}})).await;
    let id = started["id"].as_str().unwrap().to_owned();

    let (mut socket, _) =
        tokio_tungstenite::connect_async(s.ws_url("watch_session", &s.server.token, json!({"id": id, "after": 0})))
            .await
            .unwrap();
    let mut events = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(message) = socket.next().await {
            let Message::Text(text) = message.unwrap() else { continue };
            let item: Value = serde_json::from_str(&text).unwrap();
            if item["type"] != "event" {
                assert_eq!(item["type"], "text_delta", "{item}");
                continue;
            }
            let idle = item["event"]["payload"]["type"] == "session.status_idle";
            events.push(item["event"].clone());
            if idle {
                return;
            }
        }
        panic!("the stream ended before the run went idle");
    })
    .await
    .expect("the run went idle");

    let stored = s.ok("session_events", json!({"id": id, "after": 0, "limit": 1000})).await;
    assert_eq!(Value::Array(events), stored, "the WebSocket sent the stored log, in order");
    assert_eq!(std::fs::read_to_string(workspace.path().join("out.md")).unwrap(), "# Out\n");
    let summary = s.ok("get_session", json!({"id": id})).await;
    assert_eq!((summary["status"].as_str(), summary["turns"].as_u64()), (Some("idle"), Some(2)));
    assert_eq!(s.ok("list_sessions", json!({})).await[0]["id"], id.as_str());
    // Idle: nothing to cancel, no approval waiting.
    let (status, idle) = s.post("cancel_session", json!({"id": id})).await;
    assert_eq!((status, idle["code"].as_str()), (409, Some("conflict")), "{idle}");
    let (status, missing) =
        s.post("answer_approval", json!({"session_id": id, "tool_use_id": "toolu_x", "approved": true})).await;
    assert_eq!((status, missing["code"].as_str()), (404, Some("not_found")));
    socket.close(None).await.unwrap();
}

#[tokio::test]
async fn a_wrong_token_and_a_foreign_origin_are_refused() {
    let s = Server::start().await;
    let url = format!("http://{}/api/list_providers", s.server.addr);

    let none = s.http.post(&url).json(&json!({})).send().await.unwrap();
    assert_eq!(none.status().as_u16(), 401);
    let wrong =
        s.http.post(&url).header(TOKEN_HEADER, "0".repeat(s.server.token.len())).json(&json!({})).send().await.unwrap();
    assert_eq!(wrong.status().as_u16(), 401);
    let error: Value = wrong.json().await.unwrap();
    assert_eq!((error["code"].as_str(), error["field"].as_str()), (Some("invalid_input"), Some("token")));

    let foreign = s
        .http
        .post(&url)
        .header(TOKEN_HEADER, &s.server.token)
        .header("origin", "http://evil.example")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status().as_u16(), 403);
    assert_eq!(foreign.json::<Value>().await.unwrap()["field"], "origin");
    let lookalike = s
        .http
        .post(&url)
        .header(TOKEN_HEADER, &s.server.token)
        .header("origin", "http://localhost.evil.example")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(lookalike.status().as_u16(), 403);

    // A page on this machine (the UI on Vite's port) is answered, and may read the reply.
    let local = s
        .http
        .post(&url)
        .header(TOKEN_HEADER, &s.server.token)
        .header("origin", "http://localhost:5173")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(local.status().as_u16(), 200);
    assert_eq!(local.headers()["access-control-allow-origin"], "http://localhost:5173");
    assert_eq!(local.json::<Value>().await.unwrap(), json!([]));

    // The WebSocket: a wrong token, and the right token from a foreign page.
    let wrong_ws = tokio_tungstenite::connect_async(s.ws_url("watch_dreams", "nope", json!({}))).await;
    assert!(
        matches!(wrong_ws, Err(tokio_tungstenite::tungstenite::Error::Http(ref r)) if r.status() == 401),
        "{wrong_ws:?}"
    );
    let mut request = s.ws_url("watch_dreams", &s.server.token, json!({})).into_client_request().unwrap();
    request.headers_mut().insert("origin", "https://evil.example".parse().unwrap());
    let foreign_ws = tokio_tungstenite::connect_async(request).await;
    assert!(
        matches!(foreign_ws, Err(tokio_tungstenite::tungstenite::Error::Http(ref r)) if r.status() == 403),
        "{foreign_ws:?}"
    );
    let (mut dreams, _) =
        tokio_tungstenite::connect_async(s.ws_url("watch_dreams", &s.server.token, json!({}))).await.unwrap();
    dreams.close(None).await.unwrap();
}

#[tokio::test]
async fn bad_input_is_the_app_error_with_its_code_and_field() {
    let s = Server::start().await;
    let mut input = provider_input("https://api.anthropic.com");
    input["input"]["name"] = json!(" ");
    let (status, error) = s.post("create_provider", input).await;
    assert_eq!(
        (status, error["code"].as_str(), error["field"].as_str()),
        (400, Some("invalid_input"), Some("name")),
        "{error}"
    );
    assert!(!error["message"].as_str().unwrap().is_empty());

    let (status, missing) = s.post("create_provider", json!({})).await;
    assert_eq!(
        (status, missing["code"].as_str(), missing["field"].as_str()),
        (400, Some("invalid_input"), Some("input")),
        "{missing}"
    );
    let (status, not_object) = s.post("get_session", json!(["ses_1"])).await;
    assert_eq!((status, not_object["field"].as_str()), (400, Some("args")));
    let (status, gone) = s.post("get_session", json!({"id": "ses_missing"})).await;
    assert_eq!((status, gone["code"].as_str()), (404, Some("not_found")));
    let (status, unknown) = s.post("no_such_command", json!({})).await;
    assert_eq!((status, unknown["code"].as_str()), (404, Some("not_found")));

    let garbled = s
        .http
        .post(format!("http://{}/api/list_agents", s.server.addr))
        .header(TOKEN_HEADER, &s.server.token)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(garbled.status().as_u16(), 400);
    assert_eq!(garbled.json::<Value>().await.unwrap()["field"], "args");

    // A stream's bad arguments are refused before the upgrade, with the same shape.
    let bad_watch = tokio_tungstenite::connect_async(s.ws_url(
        "watch_session",
        &s.server.token,
        json!({"id": "ses_missing", "after": 0}),
    ))
    .await;
    assert!(
        matches!(bad_watch, Err(tokio_tungstenite::tungstenite::Error::Http(ref r)) if r.status() == 404),
        "{bad_watch:?}"
    );
}

#[tokio::test]
async fn app_status_names_the_data_folder_and_the_keychain_start_up_found() {
    let s = Server::start().await;
    let (status, reply) = s.post("app_status", json!({})).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["version"], json!(env!("CARGO_PKG_VERSION")));
    assert_eq!(reply["data_dir"], json!(s._data.path().display().to_string()));
    assert_eq!(reply["secret_backend"], json!("memory_only"));
    assert_eq!(reply["notices"], json!([]));
}

#[tokio::test]
async fn without_a_shell_double_there_is_no_updater_and_the_shell_file_answers_for_the_shell_only() {
    let s = Server::start().await;
    let (status, reply) = s.post("check_for_updates", json!({})).await;
    assert_eq!((status, reply["code"].as_str()), (404, Some("not_found")), "{reply}");
    assert!(reply["message"].as_str().unwrap().contains("--shell"), "{reply}");

    let shell = ShellDouble::parse(
        r#"{
          "update": {"type": "available", "current_version": "0.1.0", "version": "0.2.0", "notes": "Faster."},
          "install": {"fails": "The package's signature doesn't match."},
          "notices": [{"id": "logs", "level": "warning", "title": "Logs are not being written", "detail": "The log folder is read-only."}],
          "keychain": "memory_only"
        }"#,
    )
    .unwrap();
    assert_eq!(shell.keychain, Keychain::MemoryOnly);
    assert_eq!(shell.secrets().backend(), reverie_protocol::SecretBackend::MemoryOnly);
    let s = Server::start_with(shell).await;
    // Installing needs a check that found an update first, as in the app.
    let (status, early) = s.post("install_update", json!({})).await;
    assert_eq!((status, early["code"].as_str()), (404, Some("not_found")), "{early}");
    let update = s.ok("check_for_updates", json!({})).await;
    assert_eq!((update["type"].as_str(), update["version"].as_str()), (Some("available"), Some("0.2.0")));
    let (status, failed) = s.post("install_update", json!({})).await;
    assert_eq!((status, failed["message"].as_str()), (500, Some("The package's signature doesn't match.")));
    // The shell's notices come after the engine's (none on a new folder).
    let app = s.ok("app_status", json!({})).await;
    assert_eq!(app["notices"][0]["id"], "logs", "{app}");
    // Every engine command is still the engine's.
    assert_eq!(s.ok("list_providers", json!({})).await, json!([]));

    let restarts =
        ShellDouble::parse(r#"{"update": {"type": "available", "current_version": "0.1.0", "version": "0.2.0"}}"#)
            .unwrap();
    let s = Server::start_with(restarts).await;
    s.ok("check_for_updates", json!({})).await;
    assert_eq!(s.ok("install_update", json!({})).await, Value::Null);

    let wrong = ShellDouble::parse(r#"{"updates": {}}"#).unwrap_err();
    assert!(wrong.contains("unknown field `updates`") && wrong.contains("`update`"), "{wrong}");
}
