//! `reverie agents add --delegate-to` and a coordinator's run: subagents' lines tagged with
//! their names in the transcript.

use reverie_testkit::Reply;
use serde_json::json;

use crate::support::Cli;

#[tokio::test]
async fn a_coordinator_delegates_and_the_transcript_tags_each_subagent() {
    let cli = Cli::with_agent(vec![], &[]).await;
    cli.ok(&[
        "agents",
        "add",
        "--name",
        "helper",
        "--provider",
        "Fake",
        "--description",
        "Lists files",
        "--instructions",
        "[[script:helper]]",
    ])
    .await;
    let added = cli
        .ok(&[
            "agents",
            "add",
            "--name",
            "lead",
            "--provider",
            "Fake",
            "--instructions",
            "[[script:lead]]",
            "--delegate-to",
            "helper",
        ])
        .await;
    assert!(added.stdout.contains("Added agent “lead”"), "{}", added.stdout);
    cli.fake.push_replies(
        "lead",
        [
            Reply::new().tool_use("delegate", json!({"agent": "helper", "message": "List the files."})),
            Reply::new().text("The helper found them."),
        ],
    );
    cli.fake.push_replies(
        "helper",
        [Reply::new().tool_use("list_files", json!({})), Reply::new().text("There is nothing here.")],
    );
    let ran = cli.run(&["run", "--agent", "lead", "Find the files"]).await;
    assert_eq!(ran.code, 0, "{ran:#?}");
    for line in [
        "⇢ helper starts on its part (",
        "  [helper] ◂ List the files.",
        "  [helper] → list_files",
        "  [helper] There is nothing here.",
        "  [helper] ■ The agent finished.",
        "The helper found them.",
    ] {
        assert!(ran.stdout.contains(line), "{line:?} in:\n{}", ran.stdout);
    }
    let ran = cli.run(&["agents", "add", "--name", "lost", "--provider", "Fake", "--delegate-to", "nobody"]).await;
    assert_eq!(ran.code, 1);
    assert!(ran.stderr.contains("There is no agent named “nobody”"), "{}", ran.stderr);
}
