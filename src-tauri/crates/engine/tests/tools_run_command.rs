//! run_command: output, exit codes, caps, and that timeout and cancel leave no process behind.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::tools::Fixture;

/// Waits until `cond` holds, checking often; fails after a generous limit instead of hanging.
async fn await_condition(what: &str, mut cond: impl FnMut() -> bool) {
    let limit = Instant::now() + Duration::from_secs(20);
    while !cond() {
        assert!(Instant::now() < limit, "gave up waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A pid no longer names a running process (gone, or a zombie nobody has reaped yet).
fn gone(pid: i32) -> bool {
    // SAFETY: signal 0 sends nothing; it only asks whether `pid` exists.
    if unsafe { libc::kill(pid, 0) } != 0 {
        return true;
    }
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|stat| stat.rsplit_once(')').is_some_and(|(_, rest)| rest.trim_start().starts_with(['Z', 'X'])))
        .unwrap_or(true)
}

/// `name=PID` lines printed by the test commands.
fn pids(text: &str, names: &[&str]) -> Vec<i32> {
    names
        .iter()
        .map(|name| {
            let prefix = format!("{name}=");
            let line = text.lines().find_map(|l| l.strip_prefix(&prefix)).unwrap_or_else(|| panic!("no {name}= in {text}"));
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
        await_condition(&format!("process {pid} to be gone"), || gone(pid)).await;
    }
}

#[tokio::test]
async fn cancel_mid_run_kills_the_group_and_returns_a_cancelled_result() {
    let f = Fixture::new();
    let command = "sleep 100 & echo $! > bg.pid; sleep 100 & echo $! > fg.pid; echo $$ > sh.pid; echo started; wait";
    let pid_file = |name: &str| std::fs::read_to_string(f.ws.join(name)).ok().and_then(|s| s.trim().parse::<i32>().ok());
    let call = f.call("run_command", json!({"command": command}));
    let cancel = async {
        await_condition("the command to start", || pid_file("sh.pid").is_some()).await;
        f.ctx.cancel.cancel();
    };
    let (out, ()) = tokio::join!(call, cancel);
    assert!(out.is_cancelled(), "{out:?}");
    assert!(out.content.contains("every process it started were stopped") && out.content.contains("started"), "{}", out.content);
    for name in ["bg.pid", "fg.pid", "sh.pid"] {
        let pid = pid_file(name).unwrap();
        await_condition(&format!("process {pid} ({name}) to be gone"), || gone(pid)).await;
    }
}

#[tokio::test]
async fn background_processes_left_by_a_finished_command_are_stopped() {
    let f = Fixture::new();
    let out = f.ok("run_command", json!({"command": "sleep 100 & echo bg=$!; echo done"})).await;
    assert!(out.ends_with("done\n[exit code: 0]"), "{out}");
    let [pid] = pids(&out, &["bg"])[..] else { unreachable!() };
    await_condition("the background sleep to be gone", || gone(pid)).await;
}
