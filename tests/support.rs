//! Builds the real shell (same commands, same capabilities, same tauri.conf.json) on
//! Tauri's MockRuntime, and calls commands the way the UI does.

use std::sync::Arc;

use reverie_engine::Secrets;
use reverie_lib::state::{Paths, UpdateSource};
use reverie_lib::AppState;
use serde_json::Value;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, Manager, WebviewUrl, WebviewWindow, WebviewWindowBuilder};

pub struct MockApp {
    pub _app: App<tauri::test::MockRuntime>,
    pub window: WebviewWindow<tauri::test::MockRuntime>,
    pub data_dir: tempfile::TempDir,
    /// Every reply the "UI" received, as JSON text, for the secret scan.
    pub replies: std::sync::Mutex<Vec<String>>,
}

pub fn mock_app(update_source: UpdateSource) -> MockApp {
    mock_app_in(tempfile::tempdir().unwrap(), update_source)
}

pub fn mock_app_in(data_dir: tempfile::TempDir, update_source: UpdateSource) -> MockApp {
    let state =
        AppState::open_with(Paths::in_dir(data_dir.path().to_owned()), Arc::new(Secrets::memory_only()), update_source)
            .expect("the app state opens");
    let app = reverie_lib::with_commands(mock_builder())
        .plugin(tauri_plugin_updater::Builder::new().build())
        .build(tauri::generate_context!(test = true))
        .expect("the mock app builds");
    app.manage(state);
    let window =
        WebviewWindowBuilder::new(&app, "main", WebviewUrl::default()).build().expect("the main window builds");
    MockApp { _app: app, window, data_dir, replies: Default::default() }
}

impl MockApp {
    /// Invokes `cmd` with `args`; `Ok` is the reply, `Err` the rejection (an `AppError`).
    pub fn call(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        let request = InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        };
        let reply =
            get_ipc_response(&self.window, request).map(|body| body.deserialize::<Value>().expect("a JSON reply"));
        let text = match &reply {
            Ok(v) | Err(v) => v.to_string(),
        };
        self.replies.lock().unwrap().push(text);
        reply
    }

    pub fn ok(&self, cmd: &str, args: Value) -> Value {
        self.call(cmd, args).unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
    }

    pub fn err(&self, cmd: &str, args: Value) -> Value {
        match self.call(cmd, args) {
            Ok(v) => panic!("{cmd} should have failed but replied {v}"),
            Err(e) => e,
        }
    }
}

/// Every file under `dir`, recursively, with its bytes.
pub fn files_under(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                out.push((path, bytes));
            }
        }
    }
    out
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
