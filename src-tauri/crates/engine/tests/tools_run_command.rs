//! run_command: output, exit codes, caps, and that timeout and cancel leave no process behind.

use std::os::fd::{FromRawFd, OwnedFd};
use std::time::Duration;

use serde_json::json;
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;

use crate::tools::Fixture;

/// How long a process may take to die before the test fails instead of hanging.
const EXIT_LIMIT: Duration = Duration::from_secs(20);

/// Awaits the exit of `pid` (any process, not only our children): a pidfd becomes readable
/// when the process terminates, so this waits on the event itself, not on a timer.
async fn await_exit(pid: i32) {
    // SAFETY: pidfd_open(pid, 0) takes no pointers; it returns a new descriptor or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        return; // ESRCH: the process is already gone
    }
    // SAFETY: `fd` was just returned by the kernel and is owned by nothing else.
    let fd = unsafe { OwnedFd::from_raw_fd(fd as i32) };
    // SAFETY: the AsyncFd owns the OwnedFd, so the descriptor stays open and the same for its
    // whole lifetime.
    let fd = unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) }.expect("a pidfd can be polled");
    let _ready = tokio::time::timeout(EXIT_LIMIT, fd.readable())
        .await
        .unwrap_or_else(|_| panic!("process {pid} still running after {EXIT_LIMIT:?}"))
        .expect("pidfd readiness");
}

/// A FIFO in the workspace: a command's `echo x > NAME` blocks until the test reads it, so the
/// read returning means "the command got this far".
fn fifo(f: &Fixture, name: &str) -> std::path::PathBuf {
    let path = f.ws.join(name);
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: `c` is a valid NUL-terminated path for the duration of the call.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo {}", path.display());
    path
}

/// `name=PID` lines printed by the test commands.
fn pids(text: &str, names: &[&str]) -> Vec<i32> {
    names
        .iter()
        .map(|name| {
            let prefix = format!("{name}=");
            let line =
                text.lines().find_map(|l| l.strip_prefix(&prefix)).unwrap_or_else(|| panic!("no {name}= in {text}"));
            line.trim().parse().unwrap()
        })
        .collect()
}

#[tokio::test]
async fn run_command_returns_interleaved_output_and_the_exit_code() {
    let f = Fixture::new();
    let out = f.ok("run_command", json!({"command": "echo out; echo err >&2; echo out2; exit 3"})).await;
    assert_eq!(out, "out\nerr\nout2\n[exit code: 3]");
    let out = f.ok("run_command", json!({"command": "true"})).await;
    assert_eq!(out, "(no output)\n[exit code: 0]");
}

#[tokio::test]
async fn run_command_runs_in_the_workspace_with_no_input() {
    let f = Fixture::new();
    f.write("marker.txt", "here");
    let out = f.ok("run_command", json!({"command": "pwd; cat marker.txt; echo; cat; echo after-cat"})).await;
    let root = f.ctx.workspace.root().display().to_string();
    assert_eq!(out, format!("{root}\nhere\nafter-cat\n[exit code: 0]"));
}

#[tokio::test]
async fn run_command_cuts_long_output_in_the_middle() {
    let f = Fixture::new();
    let out = f.ok("run_command", json!({"command": "echo FIRST; yes line | head -n 50000; echo LAST"})).await;
    assert!(out.starts_with("FIRST\n") && out.ends_with("LAST\n[exit code: 0]"), "head and tail are kept");
    assert!(out.contains(" of output cut here …]"), "the cut is marked");
    assert!(out.len() < 70 * 1024, "capped: {} bytes", out.len());
}

#[tokio::test]
async fn run_command_reports_a_signal_and_rejects_empty_input() {
    let f = Fixture::new();
    assert_eq!(f.ok("run_command", json!({"command": "kill -9 $$"})).await, "(no output)\n[terminated by signal 9]");
    assert!(f.err("run_command", json!({"command": "  "})).await.contains("command is empty"));
    let out = f.ok("run_command", json!({"command": "echo ok", "timeout_secs": 9999})).await;
    assert_eq!(out, "[timeout_secs 9999 is over the limit; used 600]\nok\n[exit code: 0]");
}

#[tokio::test]
async fn run_command_timeout_kills_the_whole_process_group() {
    let f = Fixture::new();
    let command = "sleep 100 & echo bg=$!; echo sh=$$; sleep 100 & echo fg=$!; wait";
    let out = f.call("run_command", json!({"command": command, "timeout_secs": 1})).await;
    assert!(out.is_error && out.content.starts_with("timed out: the command was stopped after 1 s"), "{}", out.content);
    let pids = pids(&out.content, &["bg", "sh", "fg"]);
    for pid in pids {
        await_exit(pid).await;
    }
}

#[tokio::test]
async fn cancel_mid_run_kills_the_group_and_returns_a_cancelled_result() {
    let f = Fixture::new();
    let started = fifo(&f, "started.fifo");
    let command = "sleep 100 & echo $! > bg.pid; sleep 100 & echo $! > fg.pid; echo $$ > sh.pid; echo started; echo go > started.fifo; wait";
    let pid_file =
        |name: &str| std::fs::read_to_string(f.ws.join(name)).ok().and_then(|s| s.trim().parse::<i32>().ok());
    let call = f.call("run_command", json!({"command": command}));
    let cancel = async {
        // Returns once the command has written every pid file and reached the FIFO.
        let go = tokio::task::spawn_blocking(move || std::fs::read_to_string(started)).await.unwrap().unwrap();
        assert_eq!(go.trim(), "go");
        f.ctx.cancel.cancel();
    };
    let (out, ()) = tokio::join!(call, cancel);
    assert!(out.is_cancelled(), "{out:?}");
    assert!(
        out.content.contains("every process it started were stopped") && out.content.contains("started"),
        "{}",
        out.content
    );
    for name in ["bg.pid", "fg.pid", "sh.pid"] {
        await_exit(pid_file(name).unwrap()).await;
    }
}

#[tokio::test]
async fn background_processes_left_by_a_finished_command_are_stopped() {
    let f = Fixture::new();
    let out = f.ok("run_command", json!({"command": "sleep 100 & echo bg=$!; echo done"})).await;
    assert!(out.ends_with("done\n[exit code: 0]"), "{out}");
    let [pid] = pids(&out, &["bg"])[..] else { unreachable!() };
    await_exit(pid).await;
}
