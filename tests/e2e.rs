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
use reverie_testkit::{FakeProvider, FakeProviderConfig, Reply, Script};
use serde_json::{json, Value};

use crate::support::{contains, files_under};

mod dream;
mod quit;
mod team;

/// How long any single condition may take to become true before the test fails.
const WAIT: Duration = Duration::from_secs(30);
/// How long the app may take to start under WebDriver: a cold WebKit on a busy 2-core machine
/// took longer than `WAIT` once.
const START_WAIT: Duration = Duration::from_secs(90);
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
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
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
    let deadline = tokio::time::Instant::now() + START_WAIT;
    loop {
        let attempt =
            tokio::time::timeout(START_WAIT, ClientBuilder::native().capabilities(caps.clone()).connect(&url)).await;
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
            Err(_) => panic!("no WebDriver session within {START_WAIT:?}: is DISPLAY set and is the app built with --features custom-protocol?"),
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

/// The real app with its own empty data and config folders and an update server that is not
/// there, driven through a new WebDriver session. Dropped in reverse order: client, driver, folders.
struct App {
    c: Client,
    driver: Driver,
    data: tempfile::TempDir,
    _config: tempfile::TempDir,
}

async fn launch() -> App {
    launch_in(tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()).await
}

/// The real app on these data and config folders (a second launch on the same ones is a restart).
async fn launch_in(data: tempfile::TempDir, config: tempfile::TempDir) -> App {
    if !cfg!(feature = "custom-protocol") {
        panic!("build the app with the UI inside: cargo test --features reverie/custom-protocol");
    }
    let closed = free_port();
    let driver = Driver::start(&[
        ("REVERIE_DATA_DIR", data.path().display().to_string()),
        ("REVERIE_UPDATE_ENDPOINT", format!("http://127.0.0.1:{closed}/latest.json")),
        ("XDG_CONFIG_HOME", config.path().join("config").display().to_string()),
        // The webview's own storage (the UI's remembered choices: theme, the session view's
        // tab) too, so no scenario starts where another left off.
        ("XDG_DATA_HOME", config.path().join("share").display().to_string()),
    ]);
    let c = connect(&driver).await;
    App { c, driver, data, _config: config }
}

/// The fake provider with the e2e key and model, playing `script`.
async fn fake_with(script: Script) -> FakeProvider {
    let config = FakeProviderConfig { keys: vec![KEY.into()], models: vec!["fake-model".into()], open: false };
    FakeProvider::start_with_script(config, script).await.unwrap()
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

/// Picks a theme in Settings as a user does and waits until the page wears it. The settings page
/// loads its providers and update status after it mounts, so a click can land where the
/// Appearance section was a moment ago: wait until the control holds still for two frames, and
/// click again (at most three times) if the page still wears the other theme.
async fn choose_theme(c: &Client, theme: &str) {
    let control = testid(&format!("theme-{theme}"));
    let settled = "const [sel, done] = arguments; let last = ''; const tick = () => { const el = document.querySelector(sel); const r = el ? el.getBoundingClientRect() : null; const key = r ? `${r.top},${r.left},${r.width}` : ''; if (r && key === last) done(true); else { last = key; requestAnimationFrame(() => requestAnimationFrame(tick)); } }; tick();";
    // Resolves as soon as <html> wears the theme; if the click missed, the session's script
    // timeout (`WAIT`) ends the wait with an error and the control is clicked again.
    let worn = "const [theme, done] = arguments; const html = document.documentElement; if (html.dataset.theme === theme) return done(true); const seen = new MutationObserver(() => { if (html.dataset.theme === theme) { seen.disconnect(); done(true); } }); seen.observe(html, { attributes: true });";
    for _ in 0..3 {
        wait_css(c, &control).await;
        c.execute_async(settled, vec![json!(control)]).await.unwrap();
        wait_css(c, &control).await.click().await.unwrap();
        if c.execute_async(worn, vec![json!(theme)]).await.is_ok() {
            return;
        }
    }
    panic!("the page never wore the {theme} theme after three clicks on {control}");
}

async fn screenshot(c: &Client, name: &str) {
    // Wait for running transitions (a theme switch fades colours) so the picture is settled.
    // Endless ones (a spinner, a blinking caret) never finish: skip them.
    // Then two animation frames, so what was just rendered (an editor's first lines) is painted.
    let settle = "const done = arguments[0]; const painted = () => requestAnimationFrame(() => requestAnimationFrame(() => done(true))); const finite = document.getAnimations().filter((a) => a.effect?.getComputedTiming().iterations !== Infinity); Promise.all(finite.map((a) => a.finished)).then(painted, painted);";
    c.execute_async(settle, vec![]).await.unwrap();
    let png = c.screenshot().await.unwrap();
    std::fs::write(artifacts().join(name), png).unwrap();
}

/// Calls a command from inside the page, like the UI does, and returns the reply.
async fn invoke(c: &Client, cmd: &str, args: Value) -> Value {
    let script = "const [cmd, args, done] = arguments; window.__TAURI_INTERNALS__.invoke(cmd, args).then(done, (e) => done({ rejected: e }));";
    c.execute_async(script, vec![json!(cmd), args]).await.unwrap()
}

/// One real app at a time: two would share the display and race for the CPU.
static ONE_APP: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a display, a D-Bus session and tauri-driver: run through `make test`"]
async fn settings_add_a_provider_test_it_and_check_for_updates_offline() {
    let _one = ONE_APP.lock().await;
    // A WebDriver command that never answers must fail the test, not hang CI.
    tokio::time::timeout(SCENARIO_LIMIT, settings_scenario()).await.expect("the e2e scenario did not finish in time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a display, a D-Bus session and tauri-driver: run through `make test`"]
async fn an_agent_runs_a_task_live_with_an_approval_and_writes_the_file() {
    let _one = ONE_APP.lock().await;
    tokio::time::timeout(SCENARIO_LIMIT, run_scenario()).await.expect("the e2e scenario did not finish in time");
}

/// The whole scenario's limit: each step waits at most `WAIT`, but a hung command has none.
const SCENARIO_LIMIT: Duration = Duration::from_secs(240);

async fn settings_scenario() {
    let fake = fake_with(Script::new()).await;
    let App { c, driver, data, _config } = launch().await;

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
    let status =
        wait_xpath(&c, "//*[@data-testid='update-status' and contains(., \"Couldn't reach the update server\")]").await;
    assert_eq!(status.attr("data-tone").await.unwrap().as_deref(), Some("quiet"));
    choose_theme(&c, "light").await;
    screenshot(&c, "app-settings-light.png").await;
    choose_theme(&c, "dark").await;
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
    assert_eq!(
        replies[0]["secret_backend"],
        std::env::var("REVERIE_REAL_KEYCHAIN").unwrap_or_else(|_| "secret_service".into())
    );
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a display, a D-Bus session and tauri-driver: run through `make test`"]
async fn a_run_writes_memory_and_the_memory_page_shows_the_file_and_its_history() {
    let _one = ONE_APP.lock().await;
    tokio::time::timeout(SCENARIO_LIMIT, memory_scenario()).await.expect("the e2e scenario did not finish in time");
}

async fn memory_scenario() {
    let script = Script::from_replies([
        Reply::new().tool_use("memory_write", json!({"path": "testing/database.md", "content": "# Test database\n\nEach test opens a fresh SQLite file.\nNever share one between tests.\n"})),
        Reply::new().tool_use("memory_edit", json!({"path": "testing/database.md", "old_text": "a fresh SQLite file.", "new_text": "a fresh SQLite file in its own temp dir."})),
        Reply::new().text("I wrote down how the tests get their database."),
    ]);
    let fake = fake_with(script).await;
    let workspace = tempfile::tempdir().unwrap();
    let App { c, driver, data, _config } = launch().await;

    // A store made on the Memory page, an agent that mounts it read & write.
    wait_css(&c, &testid("nav-memory")).await.click().await.unwrap();
    wait_css(&c, &testid("memory-empty")).await;
    screenshot(&c, "app-memory-empty.png").await;
    wait_css(&c, &testid("new-store")).await.click().await.unwrap();
    fill(&c, "store-name", "Team notes").await;
    fill(&c, "store-description", "What we learned about this project").await;
    wait_css(&c, &testid("store-save")).await.click().await.unwrap();
    wait_css(&c, "[data-testid='memory-store'][data-store-name='Team notes']").await;
    let stores = invoke(&c, "list_memory_stores", json!({})).await;
    let store_id = stores[0]["id"].clone();
    let provider = invoke(&c, "create_provider", json!({"input": {"name": "Fake", "kind": "anthropic", "base_url": fake.base_url(), "model": "fake-model", "api_key": KEY}})).await;
    let agent = invoke(
        &c,
        "create_agent",
        json!({"input": {"name": "Rememberer", "provider_id": provider["id"], "memory": [{"store_id": store_id, "access": "read_write"}]}}),
    )
    .await;
    assert!(agent.get("rejected").is_none(), "{agent}");

    // A run writes the file, then edits it: two versions by the session's thread.
    let run = json!({"input": {"agent_id": agent["id"], "workspace": workspace.path().display().to_string(), "task": "Remember how the tests get their database."}});
    let started = invoke(&c, "start_run", run).await;
    assert_eq!(started["status"], "running", "{started}");
    wait_css(&c, &testid("nav-runs")).await.click().await.unwrap();
    wait_css(&c, "[data-testid='session-row'][data-status='idle']").await.click().await.unwrap();
    wait_xpath(&c, "//*[@data-testid='idle-reason' and contains(., 'Finished')]").await;
    wait_css(&c, &testid("session-memory-toggle")).await.click().await.unwrap();
    wait_xpath(&c, "//*[@data-testid='session-memory' and contains(., 'testing/database.md')]").await;
    screenshot(&c, "app-session-memory.png").await;

    // The Memory page shows the file, its history and the diff between the two versions.
    wait_css(&c, &testid("nav-memory")).await.click().await.unwrap();
    wait_css(&c, "[data-testid='memory-store'][data-store-name='Team notes']").await.click().await.unwrap();
    wait_css(&c, "[data-testid='memory-file'][data-path='testing/database.md']").await.click().await.unwrap();
    wait_xpath(&c, "//*[@data-testid='memory-editor' and contains(., 'in its own temp dir')]").await;
    wait_css(&c, &testid("memory-history")).await;
    let versions = c.find_all(Locator::Css("[data-testid='memory-version']")).await.unwrap();
    assert_eq!(versions.len(), 2, "created, then edited");
    for v in &versions {
        assert!(
            v.attr("data-actor").await.unwrap().unwrap_or_default().starts_with("session:"),
            "written by the session's thread"
        );
    }
    wait_xpath(&c, "//*[@data-testid='memory-diff']//*[@data-testid='diff-line' and @data-kind='added' and contains(., 'own temp dir')]").await;
    wait_xpath(&c, "//*[@data-testid='memory-diff']//*[@data-testid='diff-line' and @data-kind='removed']").await;
    wait_xpath(&c, "//*[@data-testid='memory-loaded-by' and contains(., 'ses_')]").await;
    // Nothing on the page is wider than the window (WebKit once scrolled sideways here).
    let widths = c
        .execute("const m = document.querySelector('main'); return [m.scrollWidth, m.clientWidth];", vec![])
        .await
        .unwrap();
    assert!(widths[0].as_i64() <= widths[1].as_i64(), "the page scrolls sideways: {widths}");
    screenshot(&c, "app-memory-history.png").await;
    c.execute("document.querySelector(\"[data-testid='memory-history']\").scrollIntoView({ block: 'start' });", vec![])
        .await
        .unwrap();
    screenshot(&c, "app-memory-diff.png").await;

    // The mirror holds the file for the user's own editor.
    let mirrored = data.path().join("memory/Team notes/testing/database.md");
    assert!(std::fs::read_to_string(&mirrored).unwrap().contains("in its own temp dir"), "{}", mirrored.display());
    c.close().await.unwrap();
    drop(driver);
}

/// The file the agent writes in the run scenario.
const SUMMARY: &str = "# Summary\n\n- Reverie runs agents on your own folder.\n- Every step is recorded.\n";

async fn run_scenario() {
    let script = Script::from_replies([
        Reply::new().text_chunks("I'll read the notes first.", 4).tool_use("read_file", json!({"path": "notes.md"})),
        Reply::new()
            .text_chunks("Now I'll write the summary.", 3)
            .tool_use("write_file", json!({"path": "SUMMARY.md", "content": SUMMARY})),
        Reply::new().text("Let me check the folder.").tool_use("run_command", json!({"command": "ls"})),
        Reply::new().text_chunks("Done: SUMMARY.md has the two points from notes.md.", 5),
    ]);
    let fake = fake_with(script).await;
    let workspace = tempfile::tempdir().unwrap();
    std::fs::write(
        workspace.path().join("notes.md"),
        "Reverie runs agents on your own folder.\nEvery step is recorded.\n",
    )
    .unwrap();
    let App { c, driver, data, _config } = launch().await;

    // Dark first (the light theme is pictured at the end), a provider (Settings is covered by
    // the other scenario), then an agent through the Agents page.
    wait_css(&c, &testid("nav-settings")).await.click().await.unwrap();
    choose_theme(&c, "dark").await;
    let provider = json!({"input": {"name": "Fake Anthropic", "kind": "anthropic", "base_url": fake.base_url(), "model": "fake-model", "api_key": KEY}});
    let created = invoke(&c, "create_provider", provider).await;
    assert!(created.get("rejected").is_none(), "{created}");
    wait_css(&c, &testid("nav-agents")).await.click().await.unwrap();
    wait_css(&c, &testid("new-agent")).await.click().await.unwrap();
    wait_css(&c, &testid("agent-form")).await;
    fill(&c, "agent-name", "Note taker").await;
    fill(&c, "agent-description", "Summarizes notes into SUMMARY.md").await;
    fill(&c, "agent-instructions", "You turn notes into short Markdown summaries.").await;
    wait_xpath(&c, "//select[@data-testid='agent-provider']/option[contains(., 'Fake Anthropic')]")
        .await
        .click()
        .await
        .unwrap();
    screenshot(&c, "app-agent-form.png").await;
    wait_css(&c, &testid("agent-save")).await.click().await.unwrap();
    wait_css(&c, "[data-testid='agent-row'][data-agent-name='Note taker']").await;
    screenshot(&c, "app-agents.png").await;

    // A run: the folder is typed (the picker is the OS's own dialog), then the live transcript.
    wait_css(&c, &testid("nav-runs")).await.click().await.unwrap();
    wait_css(&c, &testid("new-run")).await.click().await.unwrap();
    wait_css(&c, &testid("run-form")).await;
    wait_xpath(&c, "//select[@data-testid='run-agent']/option[contains(., 'Note taker')]").await.click().await.unwrap();
    fill(&c, "run-workspace", "/no/such/folder").await;
    fill(&c, "run-task", "Summarize notes.md into SUMMARY.md, then check the folder.").await;
    wait_css(&c, &testid("run-start")).await.click().await.unwrap();
    wait_xpath(&c, "//*[@data-testid='field-error-workspace' and contains(., 'does not exist')]").await;
    screenshot(&c, "app-run-bad-folder.png").await;
    fill(&c, "run-workspace", &workspace.path().display().to_string()).await;
    wait_css(&c, &testid("run-start")).await.click().await.unwrap();

    // The run pauses on `run_command` (permission ask) with the command and its folder shown.
    let approval = wait_css(&c, &testid("approval")).await;
    let text = approval.text().await.unwrap();
    assert!(text.contains("ls"), "{text}");
    wait_xpath(&c, "//*[@data-testid='tool-call' and @data-tool-name='write_file' and @data-state='ok']").await;
    screenshot(&c, "app-run-approval.png").await;
    wait_css(&c, &testid("approve")).await.click().await.unwrap();

    wait_css(&c, "[data-testid='session-view'][data-status='idle']").await;
    wait_xpath(&c, "//*[@data-testid='idle-reason' and contains(., 'Finished')]").await;
    screenshot(&c, "app-run-finished-dark.png").await;
    let transcript = wait_css(&c, &testid("transcript")).await.text().await.unwrap();
    for expected in [
        "Summarize notes.md",
        "I'll read the notes first.",
        "Now I'll write the summary.",
        "Done: SUMMARY.md has the two points",
    ] {
        assert!(transcript.contains(expected), "the transcript shows {expected:?}:\n{transcript}");
    }
    // Open the write_file call: its input shows the file the agent wrote.
    let write = wait_xpath(&c, "//*[@data-testid='tool-call' and @data-tool-name='write_file']").await;
    write.find(Locator::Css(&testid("tool-call-toggle"))).await.unwrap().click().await.unwrap();
    wait_xpath(&c, "//*[@data-testid='tool-call' and @data-tool-name='write_file']//*[@data-testid='tool-input' and contains(., 'Every step is recorded')]").await;
    let usage = wait_css(&c, &testid("session-usage")).await.text().await.unwrap();
    assert!(!usage.trim().is_empty());
    screenshot(&c, "app-run-file-written-dark.png").await;
    assert_eq!(
        std::fs::read_to_string(workspace.path().join("SUMMARY.md")).unwrap(),
        SUMMARY,
        "the agent wrote the file"
    );

    // The same session in the light theme, reopened from the list (rebuilt from the stored log).
    wait_css(&c, &testid("nav-settings")).await.click().await.unwrap();
    choose_theme(&c, "light").await;
    wait_css(&c, &testid("nav-runs")).await.click().await.unwrap();
    wait_css(&c, "[data-testid='session-row'][data-status='idle']").await.click().await.unwrap();
    wait_xpath(&c, "//*[@data-testid='idle-reason' and contains(., 'Finished')]").await;
    wait_xpath(&c, "//*[@data-testid='transcript' and contains(., 'Done: SUMMARY.md has the two points')]").await;
    screenshot(&c, "app-run-finished-light.png").await;
    assert_eq!(
        c.find_all(Locator::Css(&testid("session-view"))).await.unwrap().len(),
        1,
        "the picture is of the session"
    );
    wait_css(&c, &testid("back-to-runs")).await.click().await.unwrap();
    wait_css(&c, &testid("session-row")).await;
    screenshot(&c, "app-runs-list.png").await;

    // The model saw the approval's outcome: the command ran in the workspace.
    let requests: Vec<_> = fake.requests().into_iter().filter(|r| r.method == "POST").collect();
    assert_eq!(requests.len(), 4);
    assert!(requests[3].body.as_ref().unwrap().to_string().contains("SUMMARY.md"), "ls listed the new file");
    c.close().await.unwrap();
    drop(driver);
    for (path, bytes) in files_under(data.path()) {
        assert!(!contains(&bytes, KEY.as_bytes()), "{} contains the key", path.display());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a display, a D-Bus session and tauri-driver: run through `make test`"]
async fn a_rubric_written_in_the_editor_grades_a_run_and_the_matrix_turns_from_not_met_to_met() {
    let _one = ONE_APP.lock().await;
    tokio::time::timeout(SCENARIO_LIMIT, outcome_scenario()).await.expect("the e2e scenario did not finish in time");
}

/// The WebDriver keys for Enter and Backspace.
const ENTER: &str = "\u{E007}";
const BACKSPACE: &str = "\u{E003}";

/// The rubric typed into the editor, line by line.
const RUBRIC_LINES: [&str; 4] = [
    "# Release notes",
    "- The notes have a title {#title}",
    "- A summary paragraph says what changed {#summary}",
    "- Short sentences {#short .optional}",
];

fn verdicts(summary: &str) -> Reply {
    let (verdict, evidence, change) = match summary {
        "met" => ("met", "NOTES.md:3 “Exports are twice as fast.”", ""),
        _ => ("not_met", "NOTES.md has only a title", "Add a paragraph under the title that says what changed"),
    };
    Reply::new().tool_use(
        "submit_result",
        json!({"applies": true, "criteria": [
            {"id": "title", "verdict": "met", "evidence": "NOTES.md:1 “# Release 2.0”"},
            {"id": "summary", "verdict": verdict, "evidence": evidence, "change": change},
            {"id": "short", "verdict": "met", "evidence": "every sentence is short"}
        ]}),
    )
}

async fn outcome_scenario() {
    // The agent writes a title only; graded not met, it revises (pausing on an approval, so the
    // first column can be pictured) and the second grading finds everything met.
    let script = Script::new()
        .conversation(
            "default",
            [
                Reply::new()
                    .text("Writing the notes.")
                    .tool_use("write_file", json!({"path": "NOTES.md", "content": "# Release 2.0\n"})),
                Reply::new().text("I wrote NOTES.md."),
                Reply::new()
                    .text("Adding the summary; first a look at the folder.")
                    .tool_use("run_command", json!({"command": "ls"})),
                Reply::new().tool_use(
                    "write_file",
                    json!({"path": "NOTES.md", "content": "# Release 2.0\n\nExports are twice as fast.\n"}),
                ),
                Reply::new().text("Added a summary paragraph under the title."),
            ],
        )
        .conversation("grader", [verdicts("not_met"), verdicts("met")]);
    let fake = fake_with(script).await;
    let workspace = tempfile::tempdir().unwrap();
    let App { c, driver, data: _data, _config } = launch().await;
    // The first page has loaded (a click on the shell before that can be lost).
    wait_css(&c, &testid("empty-state")).await;
    wait_css(&c, &testid("nav-settings")).await.click().await.unwrap();
    choose_theme(&c, "dark").await;
    let provider = invoke(&c, "create_provider", json!({"input": {"name": "Fake", "kind": "anthropic", "base_url": fake.base_url(), "model": "fake-model", "api_key": KEY}})).await;
    let agent = invoke(&c, "create_agent", json!({"input": {"name": "Notes writer", "instructions": "You write release notes.", "provider_id": provider["id"]}})).await;
    assert!(agent.get("rejected").is_none(), "{agent}");

    // The rubric, typed into the editor: the preview follows, a broken id is named by its line.
    wait_css(&c, &testid("nav-rubrics")).await.click().await.unwrap();
    wait_css(&c, &testid("rubric-new")).await.click().await.unwrap();
    fill(&c, "rubric-name", "Release notes").await;
    let editor = wait_css(&c, &format!("{} .cm-content", testid("rubric-editor"))).await;
    editor.click().await.unwrap();
    // Enter is the WebDriver key (a "\n" in the text types nothing into a contenteditable).
    editor.send_keys(&format!("{}{ENTER}- Dates are ISO {{#title}}", RUBRIC_LINES.join(ENTER))).await.unwrap();
    wait_css(&c, "[data-testid='rubric-problem'][data-line='5']").await;
    screenshot(&c, "app-rubric-problem.png").await;
    // Take the bad line back out: the same length of backspaces.
    editor.send_keys(&BACKSPACE.repeat("\n- Dates are ISO {#title}".chars().count())).await.unwrap();
    wait_xpath(&c, "//*[@data-testid='rubric-preview' and contains(., 'A summary paragraph says what changed') and contains(., 'Short sentences')]").await;
    assert!(c.find_all(Locator::Css(&testid("rubric-problem"))).await.unwrap().is_empty(), "the problem is gone");
    wait_css(&c, &testid("rubric-save")).await.click().await.unwrap();
    wait_xpath(&c, "//*[@data-testid='rubric-save-state' and contains(., '1')]").await;
    screenshot(&c, "app-rubric-saved.png").await;
    let rubrics = invoke(&c, "list_rubrics", json!({})).await;
    assert_eq!(
        rubrics[0]["latest"]["source"].as_str().unwrap().trim_end(),
        RUBRIC_LINES.join("\n"),
        "what was typed is what was saved"
    );

    // A run graded against it.
    wait_css(&c, &testid("nav-runs")).await.click().await.unwrap();
    wait_css(&c, &testid("new-run")).await.click().await.unwrap();
    wait_xpath(&c, "//select[@data-testid='run-agent']/option[contains(., 'Notes writer')]")
        .await
        .click()
        .await
        .unwrap();
    fill(&c, "run-workspace", &workspace.path().display().to_string()).await;
    fill(&c, "run-task", "Write release notes for 2.0 in NOTES.md.").await;
    wait_xpath(&c, "//select[@data-testid='run-rubric']/option[contains(., 'Release notes')]")
        .await
        .click()
        .await
        .unwrap();
    fill(&c, "run-outcome-description", "[[script:grader]] Notes a user can read in a minute.").await;
    fill(&c, "run-max-iterations", "3").await;
    screenshot(&c, "app-run-form-outcome.png").await;
    wait_css(&c, &testid("run-start")).await.click().await.unwrap();

    // First grading: the summary is not met; the revision waits on its approval.
    wait_css(&c, "[data-testid='outcome-cell'][data-criterion='summary'][data-iteration='0'][data-verdict='not_met']")
        .await;
    wait_css(&c, "[data-testid='outcome-cell'][data-criterion='title'][data-iteration='0'][data-verdict='met']").await;
    wait_css(&c, &testid("approval")).await;
    c.execute("document.querySelector(\"[data-testid='outcome-panel']\").scrollIntoView({ block: 'start' });", vec![])
        .await
        .unwrap();
    screenshot(&c, "app-outcome-not-met-dark.png").await;
    wait_css(&c, &testid("approve")).await.click().await.unwrap();

    // Second grading: everything met, the outcome satisfied.
    wait_css(&c, "[data-testid='outcome-cell'][data-criterion='summary'][data-iteration='1'][data-verdict='met']")
        .await;
    wait_css(&c, "[data-testid='outcome-result'][data-result='satisfied']").await;
    wait_css(&c, "[data-testid='session-view'][data-status='idle']").await;
    c.execute("document.querySelector(\"[data-testid='outcome-panel']\").scrollIntoView({ block: 'start' });", vec![])
        .await
        .unwrap();
    screenshot(&c, "app-outcome-met-dark.png").await;
    wait_css(&c, "[data-testid='outcome-cell'][data-criterion='summary'][data-iteration='0']")
        .await
        .click()
        .await
        .unwrap();
    wait_xpath(&c, "//*[@data-testid='outcome-detail' and contains(., 'NOTES.md has only a title') and contains(., 'Add a paragraph under the title')]").await;
    screenshot(&c, "app-outcome-evidence-dark.png").await;
    assert_eq!(
        std::fs::read_to_string(workspace.path().join("NOTES.md")).unwrap(),
        "# Release 2.0\n\nExports are twice as fast.\n"
    );

    // The same session in the light theme, rebuilt from the log.
    wait_css(&c, &testid("nav-settings")).await.click().await.unwrap();
    choose_theme(&c, "light").await;
    wait_css(&c, &testid("nav-runs")).await.click().await.unwrap();
    wait_css(&c, "[data-testid='session-row'][data-status='idle']").await.click().await.unwrap();
    wait_css(&c, "[data-testid='outcome-result'][data-result='satisfied']").await;
    c.execute("document.querySelector(\"[data-testid='outcome-panel']\").scrollIntoView({ block: 'start' });", vec![])
        .await
        .unwrap();
    screenshot(&c, "app-outcome-met-light.png").await;

    // The grader saw the rubric and the file, not the agent's conversation.
    let grader: Vec<String> = fake
        .requests_for("grader")
        .iter()
        .filter(|r| r.method == "POST")
        .map(|r| r.body.as_ref().unwrap().to_string())
        .collect();
    assert_eq!(grader.len(), 2);
    assert!(grader[0].contains("A summary paragraph says what changed") && grader[0].contains("# Release 2.0"));
    assert!(!grader[0].contains("Write release notes for 2.0") && !grader[0].contains("Writing the notes."));
    c.close().await.unwrap();
    drop(driver);
}
