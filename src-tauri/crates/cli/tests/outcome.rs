//! `reverie run --rubric`: the work graded after each turn, the verdicts in the transcript, the
//! budget's exit code, a rubric file kept in the library as versions, and refused input.

use reverie_protocol::EventPayload;
use reverie_testkit::Reply;
use serde_json::json;

use crate::support::Cli;

const RUBRIC: &str = "# Notes\n- Has a title {#title}\n- Has a summary {#summary}\n";

fn summary_missing() -> Reply {
    Reply::new().tool_use(
        "submit_result",
        json!({"applies": true, "criteria": [
            {"id": "title", "verdict": "met", "evidence": "notes.md:1"},
            {"id": "summary", "verdict": "not_met", "evidence": "no summary", "change": "Add one"}
        ]}),
    )
}

#[tokio::test]
async fn a_rubric_file_grades_each_turn_and_a_spent_budget_exits_5() {
    let cli = Cli::with_agent(
        vec![Reply::new().text("Draft one."), Reply::new().text("Draft two."), Reply::new().text("Wrapped up.")],
        &[],
    )
    .await;
    cli.fake.push_replies("grader", [summary_missing(), summary_missing()]);
    let file = cli.data.path().join("release-notes.md");
    std::fs::write(&file, RUBRIC).unwrap();
    let rubric = file.display().to_string();
    let args = [
        "run",
        "--agent",
        "coder",
        "--rubric",
        &rubric,
        "--max-iterations",
        "2",
        "--outcome",
        "[[script:grader]] Short notes",
        "Write notes",
    ];
    let ran = cli.run(&args).await;
    assert_eq!(ran.code, 5, "{ran:#?}");
    for line in [
        "◆ Graded against “release-notes” (version 1, 2 criteria) by fake-model, 2 iteration(s) at most",
        "◆ Iteration 1: needs revision. (1 of 2 criteria met)\n  ✓ Has a title — met\n  ✗ Has a summary — not met\n▸ The grader's feedback went to the agent.",
        "◆ Iteration 2: the iteration budget is spent; the agent wraps up. (1 of 2 criteria met)",
        "Wrapped up.",
    ] {
        assert!(ran.stdout.contains(line), "{line:?} in:\n{}", ran.stdout);
    }
    let id = cli.sessions().await[0].id.clone();
    let events = cli.export(id.as_str()).await;
    assert_eq!(events.iter().filter(|e| matches!(e.payload, EventPayload::OutcomeEvaluationEnd { .. })).count(), 2);

    // The same file again is the same version; an edited one is the next.
    std::fs::write(&file, format!("{RUBRIC}- Is short {{#short .optional}}\n")).unwrap();
    cli.fake.push_replies("default", [Reply::new().text("Done.")]);
    cli.fake.push_replies(
        "grader",
        [Reply::new().tool_use(
            "submit_result",
            json!({"applies": true, "criteria": [
                {"id": "title", "verdict": "met", "evidence": "x"}, {"id": "summary", "verdict": "met", "evidence": "y"}, {"id": "short", "verdict": "met", "evidence": "z"}
            ]}),
        )],
    );
    let ran = cli.run(&args).await;
    assert_eq!(ran.code, 0, "{ran:#?}");
    assert!(
        ran.stdout.contains("(version 2, 3 criteria)")
            && ran.stdout.contains("◆ Iteration 1: the rubric is satisfied. (3 of 3 criteria met)"),
        "{}",
        ran.stdout
    );
}

#[tokio::test]
async fn a_bad_budget_or_an_unknown_rubric_exits_1_and_records_nothing() {
    let cli = Cli::with_agent(vec![], &[]).await;
    let file = cli.data.path().join("notes.md");
    std::fs::write(&file, RUBRIC).unwrap();
    let rubric = file.display().to_string();
    let ran = cli.run(&["run", "--agent", "coder", "--rubric", &rubric, "--max-iterations", "21", "Write notes"]).await;
    assert_eq!(ran.code, 1, "{ran:#?}");
    assert!(ran.stderr.contains("Choose between 1 and 20 iterations"), "{}", ran.stderr);
    let ran = cli.run(&["run", "--agent", "coder", "--rubric", "No such rubric", "Write notes"]).await;
    assert_eq!(ran.code, 1, "{ran:#?}");
    assert!(ran.stderr.contains("There is no rubric named “No such rubric”"), "{}", ran.stderr);
    let folder = cli.data.path().display().to_string();
    let ran = cli.run(&["run", "--agent", "coder", "--rubric", &folder, "Write notes"]).await;
    assert_eq!(ran.code, 1, "{ran:#?}");
    assert!(ran.stderr.contains("is a folder, not a rubric") && ran.stderr.contains("rubric.md"), "{}", ran.stderr);
    std::fs::write(&file, "# Notes\nNo list items here.\n").unwrap();
    let ran = cli.run(&["run", "--agent", "coder", "--rubric", &rubric, "Write notes"]).await;
    assert_eq!(ran.code, 1, "{ran:#?}");
    assert!(ran.stderr.contains("notes.md") && ran.stderr.contains("criteri"), "{}", ran.stderr);
    // A file larger than any rubric is refused as the app's import refuses it, unread.
    std::fs::File::create(&file).unwrap().set_len(reverie_engine::outcome::MAX_RUBRIC_FILE_BYTES + 1).unwrap();
    let ran = cli.run(&["run", "--agent", "coder", "--rubric", &rubric, "Write notes"]).await;
    assert_eq!(ran.code, 1, "{ran:#?}");
    assert!(
        ran.stderr.contains("a rubric is at most") && ran.stderr.contains("Choose a smaller file"),
        "{}",
        ran.stderr
    );
    assert!(cli.sessions().await.is_empty());
}
