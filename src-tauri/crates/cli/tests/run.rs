//! `reverie run`: a multi-step task as a transcript and as JSON lines, approvals without a
//! terminal, and input the engine refuses.

use reverie_protocol::{EventPayload, IdleReason, SessionStatus};
use reverie_testkit::{FakeProvider, FakeProviderConfig, Reply, Script, Usage};
use serde_json::json;

use crate::support::{finish, names, parse_events, Cli};

fn multi_step() -> Vec<Reply> {
    vec![
        Reply::new().text_chunks("I'll read the notes first.", 3).tool_use("read_file", json!({"path": "notes.txt"})),
        Reply::new()
            .text("Fixing the typo.")
            .tool_use("edit_file", json!({"path": "notes.txt", "old_string": "teh", "new_string": "the"})),
        Reply::new().tool_use("write_file", json!({"path": "SUMMARY.md", "content": "# Summary\nFixed one typo.\n"})),
        Reply::new().text_chunks("Done: notes fixed and SUMMARY.md written.", 4),
    ]
}

#[tokio::test]
async fn a_multi_step_task_streams_a_transcript_and_does_the_work() {
    let cli = Cli::with_agent(multi_step(), &[]).await;
    std::fs::write(cli.workspace.path().join("notes.txt"), "teh notes\n").unwrap();
    // No --workspace: the current folder.
    let ran = cli.run(&["run", "--agent", "Coder", "Fix", "the", "typos"]).await;
    assert_eq!(ran.code, 0, "{ran:#?}");
    assert_eq!(std::fs::read_to_string(cli.workspace.path().join("notes.txt")).unwrap(), "the notes\n");
    assert_eq!(
        std::fs::read_to_string(cli.workspace.path().join("SUMMARY.md")).unwrap(),
        "# Summary\nFixed one typo.\n"
    );
    let lines = ran.lines();
    let expected = [
        "▸ Task: Fix the typos",
        "I'll read the notes first.",
        "→ read_file notes.txt",
        "  ✓ 1 line read",
        "Fixing the typo.",
        "→ edit_file notes.txt",
        "  ✓ edited notes.txt: replaced 1 occurrence (first at line 1)",
        "→ write_file SUMMARY.md",
    ];
    assert_eq!(lines[..expected.len()], expected, "{}", ran.stdout);
    assert_eq!(
        lines[expected.len()..expected.len() + 3],
        [
            "  ✓ created SUMMARY.md (26 bytes, 2 lines)",
            "Done: notes fixed and SUMMARY.md written.",
            "■ The agent finished."
        ]
    );
    let closing = lines.last().unwrap();
    assert!(
        closing.starts_with("4 turns · ") && closing.contains("tokens in /") && closing.contains(" · session ses_"),
        "{closing}"
    );

    let sessions = cli.sessions().await;
    assert_eq!(sessions.len(), 1);
    assert_eq!(
        (sessions[0].status, sessions[0].stop_reason, sessions[0].turns),
        (SessionStatus::Idle, Some(IdleReason::EndTurn), 4)
    );
    assert!(closing.ends_with(sessions[0].id.as_str()), "{closing}");
    assert_eq!(sessions[0].workspace, cli.workspace.path().canonicalize().unwrap().display().to_string());

    // The same task with --json: one stored event per line, nothing else on stdout.
    cli.fake.push_replies("default", multi_step());
    std::fs::write(cli.workspace.path().join("notes.txt"), "teh notes\n").unwrap();
    let ran = cli.run(&["run", "--agent", "coder", "--workspace", &cli.ws(), "--json", "Fix the typos"]).await;
    assert_eq!(ran.code, 0, "{ran:#?}");
    let events = parse_events(&ran.stdout);
    assert_eq!(events[0].payload, EventPayload::UserMessage { text: "Fix the typos".into() });
    assert_eq!(events.last().unwrap().payload, EventPayload::StatusIdle { reason: IdleReason::EndTurn });
    let tools: Vec<&str> = events
        .iter()
        .filter_map(|e| match &e.payload {
            EventPayload::AgentToolUse { name, .. } => Some(name.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(tools, ["read_file", "edit_file", "write_file"]);
    assert_eq!(names(&events).iter().filter(|n| **n == "agent.tool_result").count(), 3);
    assert_eq!(std::fs::read_to_string(cli.workspace.path().join("notes.txt")).unwrap(), "the notes\n");
    assert!(
        ran.stderr.starts_with("4 turns · ") && ran.stderr.lines().count() == 1,
        "the closing line goes to stderr: {}",
        ran.stderr
    );
}

#[tokio::test]
async fn an_ask_without_a_terminal_is_denied_and_yes_allows_it() {
    let replies = || {
        vec![
            Reply::new().tool_use("run_command", json!({"command": "touch ran.txt && echo approved-and-ran"})),
            Reply::new().text("All set."),
        ]
    };
    let cli = Cli::with_agent(replies(), &[]).await;
    let ran = cli.run(&["run", "--agent", "coder", "Touch a file"]).await;
    assert_eq!(ran.code, 0, "the agent still ends its turn: {ran:#?}");
    assert!(!cli.workspace.path().join("ran.txt").exists(), "the command did not run");
    assert!(
        ran.stdout.contains("? run_command `touch ran.txt && echo approved-and-ran` needs approval"),
        "{}",
        ran.stdout
    );
    assert!(ran.stdout.contains("No terminal to ask on, so run_command was denied; run with --yes"), "{}", ran.stdout);
    assert!(ran.stdout.contains("  ✗ denied: the user did not approve this run_command call."), "{}", ran.stdout);
    let id = cli.sessions().await[0].id.clone();
    let events = cli.export(id.as_str()).await;
    assert!(events
        .iter()
        .any(|e| e.payload == EventPayload::ApprovalResolved { tool_use_id: approval_id(&events), approved: false }));

    cli.fake.push_replies("default", replies());
    let ran = cli.run(&["run", "--agent", "coder", "--yes", "Touch a file"]).await;
    assert_eq!(ran.code, 0, "{ran:#?}");
    assert!(cli.workspace.path().join("ran.txt").exists(), "the command ran");
    assert!(ran.stdout.contains("  ✓ exit code: 0 · approved-and-ran"), "{}", ran.stdout);
    assert!(!ran.stdout.contains("needs approval"), "{}", ran.stdout);
}

fn approval_id(events: &[reverie_protocol::SessionEvent]) -> String {
    events
        .iter()
        .find_map(|e| match &e.payload {
            EventPayload::ApprovalRequested { tool_use_id, .. } => Some(tool_use_id.clone()),
            _ => None,
        })
        .unwrap()
}

#[tokio::test]
async fn refused_input_exits_1_and_records_nothing() {
    let cli = Cli::with_agent(vec![], &[]).await;
    let missing = cli.workspace.path().join("no-such-folder").display().to_string();
    let ran = cli.run(&["run", "--agent", "coder", "--workspace", &missing, "Do it"]).await;
    assert_eq!(ran.code, 1, "{ran:?}");
    assert!(ran.stderr.contains(&format!("The folder {missing} does not exist.")), "{}", ran.stderr);

    let ran = cli.run_with_stdin(&["run", "--agent", "coder", "-"], vec![b'x'; 1024 * 1024]).await;
    assert_eq!(ran.code, 1, "{ran:?}");
    assert!(ran.stderr.contains("The task is 1.0 MB; the most a task can be is 256 kB."), "{}", ran.stderr);

    let ran = cli.run(&["run", "--agent", "nobody", "Do it"]).await;
    assert_eq!(ran.code, 1, "{ran:?}");
    assert!(
        ran.stderr.contains("There is no agent named “nobody”. `reverie agents list` shows the agents."),
        "{}",
        ran.stderr
    );

    let ran = cli.run(&["resume", "ses_missing", "--message", "hi"]).await;
    assert_eq!(ran.code, 1, "{ran:?}");
    assert!(ran.stderr.contains("There is no session ses_missing."), "{}", ran.stderr);

    assert!(cli.sessions().await.is_empty(), "nothing was recorded");
    assert!(cli.fake.requests().is_empty(), "nothing reached the provider");
}

#[tokio::test]
async fn an_unreachable_provider_ends_the_run_with_the_error_and_keeps_every_event() {
    let cli = Cli::with_agent(vec![], &[]).await;
    // Port 9 (discard) is closed on loopback.
    cli.ok(&[
        "providers",
        "add",
        "--name",
        "Down",
        "--kind",
        "openai",
        "--base-url",
        "http://127.0.0.1:9/v1",
        "--model",
        "m",
    ])
    .await;
    cli.ok(&["agents", "add", "--name", "down", "--provider", "Down"]).await;
    let ran = cli.run(&["run", "--agent", "down", "Do it"]).await;
    assert_eq!(ran.code, 1, "{ran:#?}");
    let error = ran
        .lines()
        .into_iter()
        .find(|l| l.starts_with("✗ Error: "))
        .unwrap_or_else(|| panic!("{}", ran.stdout))
        .to_owned();
    assert!(ran.stdout.contains("■ The run stopped on an error."), "{}", ran.stdout);
    let id = cli.sessions().await[0].id.clone();
    let events = cli.export(id.as_str()).await;
    assert_eq!(names(&events).first(), Some(&"user.message"));
    assert_eq!(events.last().unwrap().payload, EventPayload::StatusIdle { reason: IdleReason::Error });
    let stored = events.iter().find_map(|e| match &e.payload {
        EventPayload::Error { error } => Some(error.message.clone()),
        _ => None,
    });
    assert_eq!(Some(error.trim_start_matches("✗ Error: ").to_owned()), stored, "the transcript shows the stored error");
}

#[tokio::test]
async fn the_turn_limit_exits_4_and_says_how_to_continue() {
    let cli = Cli::with_agent(vec![Reply::new().text("Looking around.").tool_use("list_files", json!({}))], &[]).await;
    let ran = cli.run(&["run", "--agent", "coder", "--max-turns", "1", "Look around"]).await;
    assert_eq!(ran.code, 4, "{ran:#?}");
    assert!(ran.stdout.contains("→ list_files .\n  ✓ "), "{}", ran.stdout);
    assert!(ran.stdout.contains("■ The run reached its turn limit.\n1 turn · "), "{}", ran.stdout);
    let id = cli.sessions().await[0].id.clone();
    assert!(
        ran.stdout.ends_with(&format!("Continue it with `reverie resume {} --message \"…\"`.\n", id.as_str())),
        "{}",
        ran.stdout
    );
    assert_eq!(cli.sessions().await[0].stop_reason, Some(IdleReason::MaxTurns));
}

#[tokio::test]
async fn risky_workspaces_are_refused_and_the_home_folder_needs_yes_home() {
    let cli = Cli::with_agent(vec![Reply::new().text("Done.")], &[]).await;
    for (folder, words) in [
        ("/", "is the whole file system"),
        ("/etc", "belongs to the operating system"),
        ("/usr", "belongs to the operating system"),
    ] {
        let ran = cli.run(&["run", "--agent", "coder", "--workspace", folder, "Tidy up"]).await;
        assert_eq!(ran.code, 1, "{ran:#?}");
        assert!(
            ran.stderr.contains(words) && ran.stderr.contains("Choose a project folder instead."),
            "{folder}: {}",
            ran.stderr
        );
    }
    // The home folder (this test's own) is refused until --yes-home says so.
    let home = cli.workspace.path().to_owned();
    let ran = finish(
        cli.command(&["run", "--agent", "coder", "--workspace", &cli.ws(), "Tidy up"])
            .env("HOME", &home)
            .spawn()
            .unwrap(),
    )
    .await;
    assert_eq!(ran.code, 1, "{ran:#?}");
    assert!(
        ran.stderr.contains("is your whole home folder") && ran.stderr.contains("run again with --yes-home"),
        "{}",
        ran.stderr
    );
    assert!(cli.sessions().await.is_empty(), "nothing was recorded");
    let ran = finish(
        cli.command(&["run", "--agent", "coder", "--workspace", &cli.ws(), "--yes-home", "Tidy up"])
            .env("HOME", &home)
            .spawn()
            .unwrap(),
    )
    .await;
    assert_eq!(ran.code, 0, "{ran:#?}");
    assert_eq!(cli.sessions().await.len(), 1);
}

#[tokio::test]
async fn what_run_json_prints_live_is_byte_identical_to_the_export() {
    // A priced model, and usage whose cost is not a short decimal in binary:
    // 1,000 × $3/M + 120 × $15/M = 0.0048000000000000004 as an f64.
    let replies = [
        Reply::new().tool_use("list_files", json!({"path": "."})).usage(Usage::new(1000, 120)),
        Reply::new().text("Done.").usage(Usage::new(1300, 7)),
    ];
    let config =
        FakeProviderConfig { open: true, models: vec!["claude-sonnet-4-5".into()], ..FakeProviderConfig::default() };
    let fake = FakeProvider::start_with_script(config, Script::from_replies(replies)).await.unwrap();
    let cli = Cli { data: tempfile::tempdir().unwrap(), workspace: tempfile::tempdir().unwrap(), fake };
    let url = cli.fake.openai_base_url();
    cli.ok(&[
        "providers",
        "add",
        "--name",
        "Priced",
        "--kind",
        "openai",
        "--base-url",
        &url,
        "--model",
        "claude-sonnet-4-5",
    ])
    .await;
    cli.ok(&["agents", "add", "--name", "coder", "--provider", "Priced", "--instructions", "Look around."]).await;
    let ran = cli.run(&["run", "--agent", "coder", "--workspace", &cli.ws(), "--json", "Look around"]).await;
    assert_eq!(ran.code, 0, "{ran:#?}");
    assert!(ran.stdout.contains("\"cost_usd\":0.0048000000000000004"), "{}", ran.stdout);
    let id = parse_events(&ran.stdout)[0].session_id.clone();
    let exported = cli.ok(&["sessions", "export", id.as_str()]).await;
    assert_eq!(ran.stdout, exported.stdout, "live and exported lines differ");
}
