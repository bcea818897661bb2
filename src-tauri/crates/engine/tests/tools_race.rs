//! The file tools against a workspace that changes under them: a folder swapped with a symbolic
//! link to the outside (`renameat2(RENAME_EXCHANGE)` in a loop) while the real tools write and
//! read through it, and a file hard-linked to one outside.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use serde_json::json;

use crate::tools::Fixture;

const OUTSIDE: &str = "OUTSIDE-content-never-to-be-read";
const INSIDE: &str = "inside content";
const CALLS: usize = 1000;

/// Swaps `a` and `b` (a folder and a link) until told to stop; counts the swaps.
fn swapper(ws: &Path, stop: Arc<AtomicBool>, swaps: Arc<AtomicU64>) -> std::thread::JoinHandle<()> {
    let dir =
        rustix::fs::open(ws, rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::DIRECTORY, rustix::fs::Mode::empty())
            .unwrap();
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            rustix::fs::renameat_with(&dir, "sub", &dir, "swap", rustix::fs::RenameFlags::EXCHANGE).unwrap();
            swaps.fetch_add(1, Ordering::Relaxed);
        }
    })
}

/// Waits (bounded) until the swapper has begun, so the calls race it from the first.
fn started(swaps: &AtomicU64) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while swaps.load(Ordering::Relaxed) < 10 && std::time::Instant::now() < deadline {
        std::thread::yield_now();
    }
}

/// Whether enough calls ran and the race really happened; calls go on (bounded in time) until
/// it did, so a loaded machine slows the test down instead of making it pass vacuously.
fn keep_going(i: usize, swaps: &AtomicU64, refused: usize, since: std::time::Instant) -> bool {
    let raced = swaps.load(Ordering::Relaxed) > 1000 && refused > 0;
    i < CALLS || (!raced && since.elapsed() < std::time::Duration::from_secs(30))
}

fn outside_written(outside: &Path) -> usize {
    fs::read_dir(outside)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().starts_with('w'))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_folder_swapped_with_a_link_outside_never_lets_a_write_or_read_escape() {
    let f = Fixture::new();
    let outside = f.tmp.path().join("outside");
    fs::create_dir(&outside).unwrap();
    fs::write(outside.join("target.txt"), OUTSIDE).unwrap();
    f.write("sub/target.txt", INSIDE);
    symlink(&outside, f.ws.join("swap")).unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let swaps = Arc::new(AtomicU64::new(0));
    let thread = swapper(&f.ws, stop.clone(), swaps.clone());
    started(&swaps);

    let (mut leaks, mut refused, mut done) = (0, 0, 0);
    let mut shown_host_path = Vec::new();
    let host = fs::canonicalize(f.tmp.path()).unwrap().display().to_string();
    let (since, mut i) = (std::time::Instant::now(), 0);
    while keep_going(i, &swaps, refused, since) {
        i += 1;
        let out = if i % 2 == 0 {
            f.call("write_file", json!({"path": format!("sub/w{i}.txt"), "content": "written by the agent"})).await
        } else {
            f.call("read_file", json!({"path": "sub/target.txt"})).await
        };
        leaks += usize::from(out.content.contains(OUTSIDE));
        if out.content.contains(&host) {
            shown_host_path.push(out.content.clone());
        }
        if out.is_error {
            refused += 1;
        } else {
            done += 1;
        }
    }
    stop.store(true, Ordering::Relaxed);
    thread.join().unwrap();

    let swaps = swaps.load(Ordering::Relaxed);
    let written_outside = outside_written(&outside);
    assert!(swaps > 1000, "the swapper raced the calls ({swaps} swaps)");
    assert!(refused > 0 && done > 0, "the race was real: {refused} calls refused, {done} went through");
    assert_eq!(written_outside, 0, "0 files written outside the workspace ({written_outside} were)");
    assert_eq!(leaks, 0, "0 reads returned outside content ({leaks} did)");
    assert_eq!(fs::read_to_string(outside.join("target.txt")).unwrap(), OUTSIDE);
    assert!(
        shown_host_path.is_empty(),
        "no refusal names a host path: {:?}",
        &shown_host_path[..shown_host_path.len().min(3)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_mid_call_says_a_link_appeared_without_naming_the_outside() {
    let f = Fixture::new();
    let outside = f.tmp.path().join("outside");
    fs::create_dir(&outside).unwrap();
    f.write("sub/target.txt", INSIDE);
    symlink(&outside, f.ws.join("swap")).unwrap();
    // The workspace's own handle is what the tools open beneath: swap before the open, after
    // `resolve` would have accepted the path, by resolving first and then swapping.
    let resolved = f.ctx.workspace.resolve("sub/target.txt", reverie_engine::tools::Intent::Read).unwrap();
    let dir =
        rustix::fs::open(&f.ws, rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::DIRECTORY, rustix::fs::Mode::empty())
            .unwrap();
    rustix::fs::renameat_with(&dir, "sub", &dir, "swap", rustix::fs::RenameFlags::EXCHANGE).unwrap();
    let refused = f.ctx.workspace.dir().open_read(f.ctx.workspace.relative(&resolved)).unwrap_err();
    assert_eq!(
        reverie_engine::beneath::refusal(&refused),
        Some(reverie_engine::beneath::Refused::Symlink),
        "{refused}"
    );
    // Through the tool, the path is refused by `resolve` or by the open, worded for the model.
    let err = f.err("write_file", json!({"path": "sub/new.txt", "content": "x"})).await;
    assert!(err.contains("symbolic link"), "{err}");
    assert!(!err.contains(&*f.tmp.path().to_string_lossy()), "{err}");
    assert_eq!(fs::read_dir(&outside).unwrap().count(), 0, "nothing was created outside");
}

#[tokio::test]
async fn a_file_hard_linked_to_one_outside_is_never_written_or_edited() {
    let f = Fixture::new();
    let outside = f.tmp.path().join("outside.txt");
    fs::write(&outside, "outside original").unwrap();
    fs::hard_link(&outside, f.ws.join("linked.txt")).unwrap();

    let err = f.err("write_file", json!({"path": "linked.txt", "content": "overwritten"})).await;
    assert!(err.contains("linked.txt") && err.contains("2 hard links"), "{err}");
    let err = f.err("edit_file", json!({"path": "linked.txt", "old_string": "original", "new_string": "edited"})).await;
    assert!(err.contains("2 hard links"), "{err}");
    assert_eq!(fs::read_to_string(&outside).unwrap(), "outside original", "the outside file is unchanged");
    assert!(!err.contains(&*f.tmp.path().to_string_lossy()), "no host path in {err}");

    // Reading it is fine (it is in the workspace), and a plain file is written as before.
    assert!(f.ok("read_file", json!({"path": "linked.txt"})).await.contains("outside original"));
    f.ok("write_file", json!({"path": "plain.txt", "content": "ok"})).await;
    f.ok("write_file", json!({"path": "plain.txt", "content": "again"})).await;
    assert_eq!(f.read("plain.txt"), "again");
}

#[test]
fn the_beneath_root_refuses_what_is_not_a_plain_relative_path() {
    let tmp = tempfile::tempdir().unwrap();
    fs::create_dir(tmp.path().join("ws")).unwrap();
    fs::write(tmp.path().join("secret.txt"), OUTSIDE).unwrap();
    symlink(tmp.path().join("secret.txt"), tmp.path().join("ws/link")).unwrap();
    let root = reverie_engine::beneath::Root::open(&tmp.path().join("ws")).unwrap();
    for path in ["../secret.txt", "/etc/passwd", "link", "a/../../secret.txt"] {
        let e = root.open_read(Path::new(path)).unwrap_err();
        assert!(reverie_engine::beneath::refusal(&e).is_some(), "{path}: {e}");
    }
    assert!(root.open_write(Path::new("link")).is_err());
    assert_eq!(fs::read_to_string(tmp.path().join("secret.txt")).unwrap(), OUTSIDE);
    root.create_dir_all(Path::new("a/b/c")).unwrap();
    assert!(tmp.path().join("ws/a/b/c").is_dir());
    assert!(root.create_dir_all(Path::new("link/x")).is_err(), "mkdir -p never goes through a link");
}

#[test]
fn the_per_component_fallback_is_as_strict_under_the_same_race() {
    use std::io::{Read, Write};
    let tmp = tempfile::tempdir().unwrap();
    let (ws, outside) = (tmp.path().join("ws"), tmp.path().join("outside"));
    fs::create_dir_all(ws.join("sub")).unwrap();
    fs::create_dir(&outside).unwrap();
    fs::write(ws.join("sub/target.txt"), INSIDE).unwrap();
    fs::write(outside.join("target.txt"), OUTSIDE).unwrap();
    symlink(&outside, ws.join("swap")).unwrap();
    let root = reverie_engine::beneath::Root::open(&ws).unwrap().without_openat2();
    assert!(!root.uses_openat2());

    let stop = Arc::new(AtomicBool::new(false));
    let swaps = Arc::new(AtomicU64::new(0));
    let thread = swapper(&ws, stop.clone(), swaps.clone());
    started(&swaps);
    let (mut leaks, mut refused) = (0, 0);
    let (since, mut i) = (std::time::Instant::now(), 0);
    while keep_going(i, &swaps, refused, since) {
        i += 1;
        if i % 2 == 0 {
            match root.open_write(Path::new(&format!("sub/w{i}.txt"))) {
                Ok(mut f) => f.write_all(b"x").unwrap(),
                Err(e) => {
                    assert!(
                        reverie_engine::beneath::refusal(&e).is_some() || e.kind() == std::io::ErrorKind::NotFound,
                        "{e}"
                    );
                    refused += 1;
                }
            }
        } else {
            match root.open_read(Path::new("sub/target.txt")) {
                Ok((mut f, _)) => {
                    let mut text = String::new();
                    f.read_to_string(&mut text).unwrap();
                    leaks += usize::from(text == OUTSIDE);
                }
                Err(_) => refused += 1,
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    thread.join().unwrap();
    assert!(swaps.load(Ordering::Relaxed) > 1000 && refused > 0, "the race was real");
    assert_eq!(outside_written(&outside), 0, "0 files written outside");
    assert_eq!(leaks, 0, "0 outside reads");
}
