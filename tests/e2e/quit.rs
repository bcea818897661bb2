//! Closing the window while a run works: the app asks what to do with it; Escape keeps the
//! window and the run; "Keep working in the background" hides the window while the run goes
//! on; "Stop and quit" ends the run as stopped by quitting, which the session reads after a
//! restart.

use std::ffi::c_long;
use std::time::Duration;

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::Locator;
use reverie_testkit::{Fault, Reply, Script};
use serde_json::json;
use x11_dl::xlib;

use super::{
    fake_with, invoke, launch, launch_in, screenshot, testid, wait_css, wait_xpath, App, KEY, ONE_APP, SCENARIO_LIMIT,
    WAIT,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a display, a D-Bus session and tauri-driver: run through `make test`"]
async fn closing_the_window_mid_run_asks_and_stop_and_quit_records_the_quit() {
    let _one = ONE_APP.lock().await;
    tokio::time::timeout(SCENARIO_LIMIT, quit_scenario()).await.expect("the e2e scenario did not finish in time");
}

async fn quit_scenario() {
    // The model starts answering, then holds the stream open: the run keeps working.
    let script = Script::from_replies([Reply::new()
        .text_chunks("Reading the notes first, then", 3)
        .fault(Fault::Stall { after_events: 4, max_secs: Some(120) })]);
    let fake = fake_with(script).await;
    let workspace = tempfile::tempdir().unwrap();
    let App { c, driver, data, _config: config } = launch().await;
    wait_css(&c, &testid("empty-state")).await;
    let provider = invoke(&c, "create_provider", json!({"input": {"name": "Fake", "kind": "anthropic", "base_url": fake.base_url(), "model": "fake-model", "api_key": KEY}})).await;
    let agent = invoke(&c, "create_agent", json!({"input": {"name": "Slow thinker", "instructions": "You think before you act.", "provider_id": provider["id"]}})).await;
    assert!(agent.get("rejected").is_none(), "{agent}");
    let ws = workspace.path().display().to_string();
    let started = invoke(
        &c,
        "start_run",
        json!({"input": {"agent_id": agent["id"], "workspace": ws, "task": "Summarize notes.md."}}),
    )
    .await;
    let id = started["id"].as_str().unwrap_or_else(|| panic!("{started}")).to_owned();
    tokio::time::timeout(WAIT, fake.wait_for_open_streams(1)).await.expect("the run is streaming");
    wait_css(&c, &testid("nav-runs")).await.click().await.unwrap();
    wait_css(&c, "[data-testid='session-row'][data-status='running']").await.click().await.unwrap();
    // (Its streamed text went out before this view opened: only the stored events show.)
    wait_xpath(&c, "//*[@data-testid='transcript' and contains(., 'Summarize notes.md.')]").await;
    wait_css(&c, "[data-testid='session-view'][data-status='running']").await;

    // The close button asks, with the run named; Escape keeps the window and the run.
    close_window("Reverie");
    let dialog = wait_css(&c, "[data-testid='close-dialog'][open]").await;
    let text = dialog.text().await.unwrap();
    assert!(text.contains("A run is still working") && text.contains("Stop and quit"), "{text}");
    screenshot(&c, "app-close-asks.png").await;
    // Focus is on the safe choice; Escape, pressed there, cancels.
    wait_css(&c, &format!("{}:focus", testid("close-background"))).await;
    let escape = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: '\u{E00C}' })
        .then(KeyAction::Up { value: '\u{E00C}' });
    c.perform_actions(escape).await.unwrap();
    wait_css(&c, "[data-testid='close-dialog']:not([open])").await;
    wait_css(&c, "[data-testid='session-view'][data-status='running']").await;
    assert_eq!(fake.open_streams(), 1, "the run goes on");

    // Asked again: keep working in the background. The window goes, the run goes on; a second
    // launch (from the desktop's menu) brings the window back.
    close_window("Reverie");
    wait_css(&c, "[data-testid='close-dialog'][open]").await;
    wait_css(&c, &testid("close-background")).await;
    // Pressed from the page: WebKitWebDriver's own click waits for the window to paint again,
    // which a hidden window never does.
    let pressed = c
        .execute("document.querySelector(\"[data-testid='close-background']\").click(); return true;", vec![])
        .await
        .unwrap();
    assert_eq!(pressed, json!(true));
    tokio::time::timeout(WAIT, window_shown("Reverie", false)).await.expect("the window was hidden");
    assert_eq!(fake.open_streams(), 1, "the run goes on in the background");
    launch_again(data.path(), config.path()).await;
    tokio::time::timeout(WAIT, window_shown("Reverie", true)).await.expect("the window came back");
    wait_css(&c, "[data-testid='session-view'][data-status='running']").await;

    // Asked once more: stop and quit. The app ends the run and exits.
    close_window("Reverie");
    wait_css(&c, "[data-testid='close-dialog'][open]").await;
    let quit = wait_css(&c, &testid("close-quit")).await;
    // The app may be gone before the driver can answer the click: its exit is checked below.
    let _ = quit.click().await;
    tokio::time::timeout(WAIT, wait_exited(data.path())).await.expect("Reverie quit");
    tokio::time::timeout(WAIT, fake.wait_for_open_streams(0)).await.expect("the model stream was closed");
    drop(c);
    drop(driver);

    // Started again: the run reads as stopped by quitting, not cancelled, and can go on.
    let App { c, driver, data: _data, _config } = launch_in(data, config).await;
    wait_css(&c, &testid("nav-runs")).await.click().await.unwrap();
    let row = wait_css(&c, "[data-testid='session-row'][data-status='idle']").await;
    let pill = row.find(Locator::Css(".status-pill")).await.unwrap();
    assert_eq!(pill.text().await.unwrap(), "Stopped");
    assert_eq!(pill.attr("title").await.unwrap().as_deref(), Some("Stopped when Reverie quit"));
    screenshot(&c, "app-runs-stopped-at-quit.png").await;
    row.click().await.unwrap();
    wait_xpath(&c, "//*[@data-testid='idle-reason' and contains(., 'Stopped when Reverie quit')]").await;
    screenshot(&c, "app-run-stopped-at-quit.png").await;
    let summary = invoke(&c, "get_session", json!({"id": id})).await;
    assert_eq!(
        (summary["status"].as_str(), summary["stop_reason"].as_str()),
        (Some("idle"), Some("app_quit")),
        "{summary}"
    );
    let events = invoke(&c, "session_events", json!({"id": id, "after": 0, "limit": 100})).await;
    let last = events.as_array().and_then(|e| e.last()).cloned().unwrap_or_default();
    assert_eq!(last["payload"], json!({"type": "session.status_idle", "reason": "app_quit"}));
    assert!(c.find_all(Locator::Css(&testid("close-dialog"))).await.unwrap().len() == 1);
    c.close().await.unwrap();
    drop(driver);
}

/// Until the window titled `title` is on screen (`shown`) or not.
async fn window_shown(title: &str, shown: bool) {
    // SAFETY: see `close_window`.
    while unsafe { with_display(|x, display| top_level(x, display, title, None).is_some()) } != shown {
        // Mapping a window tells no one outside X: look again shortly.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A second launch, as from the desktop's menu: the running Reverie shows its window and the
/// new process exits at once.
async fn launch_again(data: &std::path::Path, config: &std::path::Path) {
    let mut second = tokio::process::Command::new(env!("CARGO_BIN_EXE_reverie"))
        .env("REVERIE_DATA_DIR", data)
        .env("XDG_CONFIG_HOME", config.join("config"))
        .env("XDG_DATA_HOME", config.join("share"))
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the app starts");
    let exited =
        tokio::time::timeout(WAIT, second.wait()).await.expect("the second launch handed over to the first and exited");
    assert!(exited.unwrap().success());
}

/// Until no Reverie process holds an owner lock in `data` (each holds one while it lives): a
/// blocking `flock` on each lock file returns when its process has exited.
async fn wait_exited(data: &std::path::Path) {
    let owners = data.join("owners");
    tokio::task::spawn_blocking(move || {
        for entry in std::fs::read_dir(&owners).into_iter().flatten().flatten() {
            let Ok(file) = std::fs::File::open(entry.path()) else { continue };
            // SAFETY: flock on a descriptor this function owns; it blocks until the lock is free.
            unsafe {
                use std::os::fd::AsRawFd;
                libc::flock(file.as_raw_fd(), libc::LOCK_EX);
                libc::flock(file.as_raw_fd(), libc::LOCK_UN);
            }
        }
    })
    .await
    .expect("waited for every owner lock");
}

/// Asks the window titled `title` to close the way a window manager's close button does: a
/// `WM_DELETE_WINDOW` client message (Xvfb runs no window manager that would send it).
fn close_window(title: &str) {
    // SAFETY: plain Xlib calls on a display `with_display` opens and closes; every pointer
    // Xlib returns is checked and freed with XFree.
    unsafe {
        with_display(|x, display| {
            let protocols = (x.XInternAtom)(display, c"WM_PROTOCOLS".as_ptr(), xlib::False);
            let delete = (x.XInternAtom)(display, c"WM_DELETE_WINDOW".as_ptr(), xlib::False);
            let window = top_level(x, display, title, Some(delete))
                .unwrap_or_else(|| panic!("no window titled {title:?} takes WM_DELETE_WINDOW"));
            let mut event: xlib::XEvent = std::mem::zeroed();
            let mut message = xlib::XClientMessageEvent {
                type_: xlib::ClientMessage,
                serial: 0,
                send_event: xlib::True,
                display,
                window,
                message_type: protocols,
                format: 32,
                data: xlib::ClientMessageData::new(),
            };
            message.data.set_long(0, delete as c_long);
            message.data.set_long(1, xlib::CurrentTime as c_long);
            event.client_message = message;
            (x.XSendEvent)(display, window, xlib::False, xlib::NoEventMask, &mut event);
            (x.XSync)(display, xlib::False);
        })
    }
}

/// Runs `f` on the test's X display (`DISPLAY`), closed afterwards.
unsafe fn with_display<T>(f: impl FnOnce(&xlib::Xlib, *mut xlib::Display) -> T) -> T {
    let x = xlib::Xlib::open().expect("libX11 loads");
    let display = (x.XOpenDisplay)(std::ptr::null());
    assert!(!display.is_null(), "no X display: run the e2e tests under scripts/with-session");
    let result = f(&x, display);
    (x.XCloseDisplay)(display);
    result
}

/// The viewable top-level window named `title` (that takes `delete`, `WM_DELETE_WINDOW`, if given).
unsafe fn top_level(
    x: &xlib::Xlib,
    display: *mut xlib::Display,
    title: &str,
    delete: Option<xlib::Atom>,
) -> Option<xlib::Window> {
    let root = (x.XDefaultRootWindow)(display);
    let (mut root_out, mut parent, mut children, mut count) = (0, 0, std::ptr::null_mut(), 0);
    if (x.XQueryTree)(display, root, &mut root_out, &mut parent, &mut children, &mut count) == 0 || children.is_null() {
        return None;
    }
    let windows = std::slice::from_raw_parts(children, count as usize).to_vec();
    (x.XFree)(children.cast());
    windows.into_iter().find(|&window| {
        let mut attributes: xlib::XWindowAttributes = std::mem::zeroed();
        if (x.XGetWindowAttributes)(display, window, &mut attributes) == 0 || attributes.map_state != xlib::IsViewable {
            return false;
        }
        let mut name = std::ptr::null_mut();
        if (x.XFetchName)(display, window, &mut name) == 0 || name.is_null() {
            return false;
        }
        let named = std::ffi::CStr::from_ptr(name).to_str() == Ok(title);
        (x.XFree)(name.cast());
        let Some(delete) = delete else { return named };
        let (mut atoms, mut n) = (std::ptr::null_mut(), 0);
        if !named || (x.XGetWMProtocols)(display, window, &mut atoms, &mut n) == 0 || atoms.is_null() {
            return false;
        }
        let takes = std::slice::from_raw_parts(atoms, n as usize).contains(&delete);
        (x.XFree)(atoms.cast());
        takes
    })
}
