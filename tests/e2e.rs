//! The real app, built with the embedded UI, under Xvfb, driven by tauri-driver +
//! WebKitWebDriver. Ignored by default (it needs a display, a D-Bus session and tauri-driver);
//! `make test` runs it inside `scripts/with-session` with `--include-ignored`.
//!
//! Screenshots go to `target/e2e-artifacts/`.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use reverie_testkit::{FakeProvider, FakeProviderConfig};
use serde_json::{json, Value};

use crate::support::{contains, files_under};

/// How long any single condition may take to become true before the test fails.
const WAIT: Duration = Duration::from_secs(30);
/// The test key: it must appear nowhere but the keychain.
const KEY: &str = "sk-test-good-e2e-4c1d8b2f";

/// tauri-driver and the WebKitWebDriver it starts, in their own process group, killed on drop.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start(env: &[(&str, String)]) -> Self {
        let port = free_port();
        let native_port = free_port();
        let mut cmd = Command::new(tauri_driver());
        cmd.args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .process_group(0);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().unwrap_or_else(|e| panic!("can't start tauri-driver ({e}); run scripts/setup"));
        Self { child, port }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // SAFETY: kill(2) on our own child's process group; no memory is shared.
        unsafe { libc::kill(-(self.child.id() as i32), libc::SIGTERM) };
        let _ = self.child.wait();
    }
}

fn tauri_driver() -> PathBuf {
    let home = std::env::var_os("CARGO_HOME").map(PathBuf::from).or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    let installed = home.map(|h| h.join("bin/tauri-driver")).filter(|p| p.exists());
    installed.unwrap_or_else(|| PathBuf::from("tauri-driver"))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/e2e-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn connect(driver: &Driver) -> Client {
    let caps = json!({
        "browserName": "wry",
        "tauri:options": { "application": env!("CARGO_BIN_EXE_reverie") }
    });
    let caps = caps.as_object().unwrap().clone();
    let url = format!("http://127.0.0.1:{}", driver.port);
    // The driver needs a moment to listen, and a session whose app can't start hangs: bound both.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let attempt = tokio::time::timeout(WAIT, ClientBuilder::native().capabilities(caps.clone()).connect(&url)).await;
        match attempt {
            Ok(Ok(client)) => {
                client
                    .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(Some(WAIT), Some(WAIT), Some(WAIT)))
                    .await
                    .expect("the driver accepts timeouts");
                return client;
            }
            Ok(Err(e)) if tokio::time::Instant::now() < deadline => {
                // Connection refused until tauri-driver listens: wait for the port, not for time.
                wait_for_port(driver.port, deadline).await;
                if tokio::time::Instant::now() >= deadline {
                    panic!("tauri-driver never accepted a session: {e}");
                }
            }
            Ok(Err(e)) => panic!("tauri-driver refused a session: {e}"),
            Err(_) => panic!("no WebDriver session within {WAIT:?}: is DISPLAY set and is the app built with --features custom-protocol?"),
        }
    }
}

async fn wait_for_port(port: u16, deadline: tokio::time::Instant) {
    while tokio::time::Instant::now() < deadline {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return;
        }
        tokio::task::yield_now().await;
    }
}

fn testid(id: &str) -> String {
    format!("[data-testid='{id}']")
}

/// The element matching the XPath, once it exists. The driver does the waiting (the session's
/// implicit-wait timeout is `WAIT`): client-side retry loops are not used because, after a
/// "no such element" reply, tauri-driver stops answering on that keep-alive connection.
async fn wait_xpath(c: &Client, xpath: &str) -> fantoccini::elements::Element {
    c.find(Locator::XPath(xpath)).await.unwrap_or_else(|e| panic!("waited {WAIT:?} for {xpath}: {e}"))
}

async fn wait_css(c: &Client, css: &str) -> fantoccini::elements::Element {
    c.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("waited {WAIT:?} for {css}: {e}"))
}

async fn fill(c: &Client, id: &str, value: &str) {
    let el = wait_css(c, &testid(id)).await;
    el.clear().await.unwrap();
    el.send_keys(value).await.unwrap();
}

async fn screenshot(c: &Client, name: &str) {
    // Wait for running transitions (a theme switch fades colours) so the picture is settled.
    let settle = "const done = arguments[0]; Promise.all(document.getAnimations().map((a) => a.finished)).then(() => done(true), () => done(true));";
    c.execute_async(settle, vec![]).await.unwrap();
    let png = c.screenshot().await.unwrap();
    std::fs::write(artifacts().join(name), png).unwrap();
}

/// Calls a command from inside the page, like the UI does, and returns the reply.
async fn invoke(c: &Client, cmd: &str, args: Value) -> Value {
    let script = "const [cmd, args, done] = arguments; window.__TAURI_INTERNALS__.invoke(cmd, args).then(done, (e) => done({ rejected: e }));";
    c.execute_async(script, vec![json!(cmd), args]).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a display, a D-Bus session and tauri-driver: run through `make test`"]
async fn settings_add_a_provider_test_it_and_check_for_updates_offline() {
    // A WebDriver command that never answers must fail the test, not hang CI.
    tokio::time::timeout(SCENARIO_LIMIT, settings_scenario()).await.expect("the e2e scenario did not finish in time");
}

/// The whole scenario's limit: each step waits at most `WAIT`, but a hung command has none.
const SCENARIO_LIMIT: Duration = Duration::from_secs(240);

async fn settings_scenario() {
    if !cfg!(feature = "custom-protocol") {
        panic!("build the app with the UI inside: cargo test --features reverie/custom-protocol");
    }
    let fake = FakeProvider::start(FakeProviderConfig { keys: vec![KEY.into()], models: vec!["fake-model".into()], open: false }).await.unwrap();
    let data = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let closed = free_port();
    let driver = Driver::start(&[
        ("REVERIE_DATA_DIR", data.path().display().to_string()),
        ("REVERIE_UPDATE_ENDPOINT", format!("http://127.0.0.1:{closed}/latest.json")),
        ("XDG_CONFIG_HOME", config.path().display().to_string()),
    ]);
    let c = connect(&driver).await;

    // A new user lands on the empty state.
    wait_css(&c, &testid("empty-state")).await;
    screenshot(&c, "app-home-empty.png").await;
    wait_css(&c, &testid("add-provider-button")).await.click().await.unwrap();

    // Add a provider pointing at the fake Anthropic API.
    wait_css(&c, &testid("provider-form")).await;
    fill(&c, "provider-name", "Fake Anthropic").await;
    fill(&c, "provider-base-url", &fake.base_url()).await;
    fill(&c, "provider-model", "fake-model").await;
    fill(&c, "provider-key", KEY).await;
    wait_css(&c, &testid("provider-save")).await.click().await.unwrap();
    wait_xpath(&c, "//*[@data-testid='provider-row' and @data-provider-name='Fake Anthropic']//*[@data-testid='key-status' and contains(., 'Key configured')]").await;

    // Test connection goes through the real adapter to the fake provider.
    wait_css(&c, &testid("test-connection")).await.click().await.unwrap();
    wait_xpath(&c, "//*[@data-testid='connection-result' and contains(., 'Connected')]").await;

    // Offline update check: a quiet message, not an error.
    wait_css(&c, &testid("check-updates")).await.click().await.unwrap();
    let status = wait_xpath(&c, "//*[@data-testid='update-status' and contains(., \"Couldn't reach the update server\")]").await;
    assert_eq!(status.attr("data-tone").await.unwrap().as_deref(), Some("quiet"));
    wait_css(&c, &testid("theme-light")).await.click().await.unwrap();
    wait_css(&c, "html[data-theme='light']").await;
    screenshot(&c, "app-settings-light.png").await;
    wait_css(&c, &testid("theme-dark")).await.click().await.unwrap();
    wait_css(&c, "html[data-theme='dark']").await;
    screenshot(&c, "app-settings-dark.png").await;

    // A bad URL gets a message under the field, and nothing saved is lost.
    wait_css(&c, &testid("open-add-provider")).await.click().await.unwrap();
    fill(&c, "provider-name", "Broken").await;
    fill(&c, "provider-base-url", "localhost:1234").await;
    fill(&c, "provider-model", "m").await;
    wait_css(&c, &testid("provider-save")).await.click().await.unwrap();
    wait_xpath(&c, "//*[@data-testid='field-error-base_url' and contains(., 'http')]").await;
    screenshot(&c, "app-settings-bad-url.png").await;

    // The secret scan: the key is in no reply the UI can get and nowhere in the page.
    let mut replies = Vec::new();
    replies.push(invoke(&c, "app_status", json!({})).await);
    let providers = invoke(&c, "list_providers", json!({})).await;
    let id = providers[0]["id"].clone();
    replies.push(providers);
    replies.push(invoke(&c, "test_provider", json!({"id": id})).await);
    assert_eq!(replies[2]["ok"], true, "{}", replies[2]);
    assert_eq!(replies[0]["secret_backend"], std::env::var("REVERIE_REAL_KEYCHAIN").unwrap_or_else(|_| "secret_service".into()));
    for reply in &replies {
        assert!(!reply.to_string().contains(KEY), "an IPC reply carried the key: {reply}");
    }
    assert!(!c.source().await.unwrap().contains(KEY), "the page holds the key");

    c.close().await.unwrap();
    drop(driver);
    let files = files_under(data.path());
    assert!(files.iter().any(|(p, _)| p.ends_with("reverie.db")), "the app wrote its database under REVERIE_DATA_DIR");
    assert!(files.iter().any(|(p, _)| p.to_string_lossy().contains("/logs/")), "the app wrote a log file");
    for (path, bytes) in files {
        assert!(!contains(&bytes, KEY.as_bytes()), "{} contains the key", path.display());
    }
}
