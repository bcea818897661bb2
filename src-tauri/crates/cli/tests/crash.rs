//! A run killed with -9 mid-stream is found interrupted, keeps what it wrote and resumes;
//! Ctrl-C cancels a run cleanly with exit code 3.

use reverie_protocol::{EventPayload, IdleReason, SessionStatus};
use reverie_testkit::{Fault, Reply};
use serde_json::json;
use tokio::io::AsyncReadExt;
use tokio::process::ChildStdout;

use crate::support::{finish, names, timeout, Cli};

/// A reply that streams "Thinking" (the role delta, then the text in one delta) and stalls.
fn stalled_thinking() -> Reply {
    Reply::new().text_chunks("Thinking", 1).fault(Fault::Stall { after_events: 2, max_secs: Some(120) })
}

/// Reads the child's stdout until it shows `text`; returns what it read.
async fn read_until(stdout: &mut ChildStdout, text: &str) -> String {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&seen).contains(text) {
        let n = timeout(text, stdout.read(&mut buf)).await.unwrap();
        assert!(n > 0, "stdout ended before {text:?}: {}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&buf[..n]);
    }
    String::from_utf8(seen).unwrap()
}

#[tokio::test]
async fn a_run_killed_with_9_is_interrupted_keeps_its_events_and_resumes() {
    let replies =
        vec![Reply::new().text("Listing first.").tool_use("list_files", json!({"path": "."})), stalled_thinking()];
    let cli = Cli::with_agent(replies, &[]).await;
    std::fs::write(cli.workspace.path().join("a.txt"), "a").unwrap();
    let mut child = cli.spawn(&["run", "--agent", "coder", "Tidy up"]);
    // The second request means the first turn (its tool use and result) is written.
    timeout("the second model request", cli.fake.wait_for_requests(2)).await;
    timeout("the stalled stream", cli.fake.wait_for_open_streams(1)).await;
    // The stalled reply's text exists only as live deltas: seeing it proves they stream.
    let shown = read_until(child.stdout.as_mut().unwrap(), "Thinking").await;
    assert!(shown.starts_with("▸ Task: Tidy up\nListing first.\n→ list_files .\n  ✓ 1 line\n"), "{shown}");
    child.start_kill().unwrap();
    let killed = finish(child).await;
    assert_eq!(killed.code, -1, "killed by a signal: {killed:?}");

    let listed = cli.run(&["sessions", "list", "--json"]).await;
    let sessions: Vec<reverie_protocol::SessionSummary> = serde_json::from_str(&listed.stdout).unwrap();
    assert_eq!(sessions.len(), 1);
    let id = sessions[0].id.as_str().to_owned();
    assert_eq!(sessions[0].status, SessionStatus::Interrupted);
    assert!(listed.stderr.contains(&format!("reverie resume {id}")), "the note says how to resume: {}", listed.stderr);

    let events = cli.export(&id).await;
    assert_eq!(
        names(&events),
        [
            "user.message",
            "session.status_running",
            "span.model_request_start",
            "agent.message",
            "agent.tool_use",
            "span.model_request_end",
            "agent.tool_result",
            "span.model_request_start",
        ],
        "{events:#?}"
    );
    assert!(
        matches!(&events[6].payload, EventPayload::AgentToolResult { content, is_error: false, .. } if content.contains("a.txt"))
    );
    let again = cli.run(&["sessions", "list"]).await;
    assert!(again.stderr.is_empty(), "the note comes once: {}", again.stderr);

    cli.fake.push_reply("default", Reply::new().text("Resumed and done."));
    let ran = cli.run(&["resume", &id, "--yes"]).await;
    assert_eq!(ran.code, 0, "{ran:#?}");
    assert!(ran.stdout.starts_with(&format!("Resuming session {id} (coder)")), "{}", ran.stdout);
    assert!(ran.stdout.contains("Resumed and done.\n■ The agent finished."), "{}", ran.stdout);
    let summary = &cli.sessions().await[0];
    assert_eq!((summary.status, summary.stop_reason), (SessionStatus::Idle, Some(IdleReason::EndTurn)));
    let events = cli.export(&id).await;
    assert_eq!(events.last().unwrap().payload, EventPayload::StatusIdle { reason: IdleReason::EndTurn });
    let resumed = cli.fake.requests_for("default").pop().unwrap();
    let body = resumed.body.unwrap().to_string();
    assert!(body.contains("Tidy up") && body.contains("a.txt"), "the resumed request carries the history: {body}");

    // An idle session takes a follow-up message.
    cli.fake.push_reply("default", Reply::new().text("Follow-up answered."));
    let ran = cli.run(&["resume", &id, "--message", "One more thing"]).await;
    assert_eq!(ran.code, 0, "{ran:#?}");
    assert!(
        ran.stdout.contains("▸ Task: One more thing") || ran.stdout.contains("▸ You: One more thing"),
        "{}",
        ran.stdout
    );
    assert!(ran.stdout.contains("Follow-up answered."), "{}", ran.stdout);
}

#[tokio::test]
async fn ctrl_c_cancels_a_stalled_run_and_exits_3() {
    let cli = Cli::with_agent(vec![stalled_thinking()], &[]).await;
    let mut child = cli.spawn(&["run", "--agent", "coder", "Think hard"]);
    let shown = read_until(child.stdout.as_mut().unwrap(), "Thinking").await;
    let pid = i32::try_from(child.id().unwrap()).unwrap();
    // SAFETY: sends SIGINT to the child we spawned.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let ran = finish(child).await;
    assert_eq!(ran.code, 3, "{ran:#?}");
    let stdout = shown + &ran.stdout;
    assert!(stdout.contains("Thinking\nCancelling…") && stdout.contains("■ The run was cancelled."), "{stdout}");
    timeout("the stream to close", cli.fake.wait_for_open_streams(0)).await;
    let summary = &cli.sessions().await[0];
    assert_eq!((summary.status, summary.stop_reason), (SessionStatus::Idle, Some(IdleReason::Cancelled)));
}
