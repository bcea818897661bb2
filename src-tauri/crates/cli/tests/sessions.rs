//! `sessions show` and `sessions export` of a finished session.

use reverie_testkit::Reply;
use serde_json::json;

use crate::support::{parse_events, Cli};

#[tokio::test]
async fn a_finished_session_shows_as_a_transcript_and_exports_every_event() {
    let replies = vec![
        Reply::new().text("Writing it.").tool_use("write_file", json!({"path": "hello.txt", "content": "hello\n"})),
        Reply::new().text("Wrote hello.txt."),
    ];
    let cli = Cli::with_agent(replies, &[]).await;
    let ran = cli.run(&["run", "--agent", "coder", "--json", "Say hello\nin a file"]).await;
    assert_eq!(ran.code, 0, "{ran:#?}");
    let id = cli.sessions().await[0].id.as_str().to_owned();

    let export = cli.ok(&["sessions", "export", &id]).await;
    assert_eq!(export.stdout, ran.stdout, "--json printed exactly the stored events");
    let events = parse_events(&export.stdout);
    assert_eq!(events.len() as u64, cli.sessions().await[0].last_seq);

    let show = cli.ok(&["sessions", "show", &id]).await;
    let lines: Vec<&str> = show.stdout.lines().collect();
    assert!(lines[0].starts_with(&format!("Session {id} · agent coder · idle · in ")), "{}", show.stdout);
    assert_eq!(
        lines[1..7],
        [
            "▸ Task: Say hello",
            "  in a file",
            "Writing it.",
            "→ write_file hello.txt",
            "  ✓ created hello.txt (6 bytes, 1 line)",
            "Wrote hello.txt."
        ][..],
        "{}",
        show.stdout
    );
    assert_eq!(lines[7], "■ The agent finished.");
    assert!(lines[8].starts_with("2 turns · ") && lines[8].ends_with("· idle (end_turn)"), "{}", lines[8]);

    let missing = cli.run(&["sessions", "show", "ses_nope"]).await;
    assert_eq!(missing.code, 1);
    assert!(missing.stderr.contains("There is no session ses_nope."), "{}", missing.stderr);
}
