//! The event logs the UI's Vitest tests read (`ui/src/fixtures/*.jsonl`), recorded here from
//! real runs against the scripted fake provider. `REVERIE_WRITE_FIXTURES=1` (`make fixtures`)
//! writes them; otherwise the test fails when a committed file differs from what the engine
//! records now, like the bindings' drift check.
//!
//! Beside the logs, the engine's own diff and proposal arithmetic on sample texts
//! (`memory-diffs.json`, `proposal-files.json`), which the review and history views read.
//!
//! Deterministic by construction: the clock stands still (every time is 1000 ms), ids are
//! sequential (`ses_1`, `thr_2`, …), the fake's tool-use ids are its own counter. The only
//! values that change from run to run are normalized: the temporary workspace's path becomes
//! `/workspace` and the fake's loopback address `http://127.0.0.1:PORT`.

use std::path::PathBuf;

use reverie_engine::dream::proposal::file_change;
use reverie_engine::memory::diff_lines;
use reverie_protocol::{
    AgentInput, EventPayload, FileOp, IdleReason, OutcomeInput, Permission, ProviderKind, RunInput, SessionId, ToolRule,
};
use reverie_testkit::{Fault, Reply, Usage};
use serde_json::json;

use crate::sessions::{env_with, finish, wait_for, Env};

fn ask_before_commands() -> Vec<ToolRule> {
    vec![ToolRule { tool: "run_command".into(), permission: Permission::Ask }]
}

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../ui/src/fixtures")
}

/// The session's stored log as JSON lines, with the run-dependent values normalized.
fn record(e: &Env, id: &SessionId) -> String {
    let workspace = e.workspace.path().display().to_string();
    let canonical = e.workspace.path().canonicalize().unwrap().display().to_string();
    let mut out = String::new();
    for event in e.events(id) {
        let line = serde_json::to_string(&event).unwrap();
        let line = line.replace(&canonical, "/workspace").replace(&workspace, "/workspace");
        out.push_str(&line.replace(&e.fake.base_url(), "http://127.0.0.1:PORT"));
        out.push('\n');
    }
    out
}

/// Writes `name.jsonl` with `REVERIE_WRITE_FIXTURES=1`, else fails if it differs.
fn check(name: &str, recorded: &str) {
    let path = fixtures_dir().join(format!("{name}.jsonl"));
    if std::env::var_os("REVERIE_WRITE_FIXTURES").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(fixtures_dir()).unwrap();
        std::fs::write(&path, recorded).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{} is missing ({e}): run `make fixtures`", path.display()));
    assert!(
        committed == recorded,
        "{} differs from what the engine records now: run `make fixtures` and commit the result.\n--- now:\n{recorded}",
        path.display()
    );
}

fn check_json(name: &str, value: serde_json::Value) {
    let mut text = serde_json::to_string_pretty(&value).unwrap();
    text.push('\n');
    let path = fixtures_dir().join(name);
    if std::env::var_os("REVERIE_WRITE_FIXTURES").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(fixtures_dir()).unwrap();
        std::fs::write(&path, text).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{} is missing ({e}): run `make fixtures`", path.display()));
    assert!(committed == text, "{} differs from what the engine computes now: run `make fixtures`.", path.display());
}

const TESTING: &str = "# Testing\n\n- Run the tests with npm test.\n- Tests live in test/.\n- Saving on exit has its own test.\n- Use a temporary folder.\n\n## Before a release\n\nRead the whole output.\n";
const TESTING_NEXT: &str = "# Testing\n\n- Run the tests with npm test after every change.\n- Tests live in test/.\n- Saving on exit has its own test.\n- Use a temporary folder.\n\n## Before a release\n\nRead the whole output.\nSay which tests ran.\n";

#[test]
fn fixture_proposal_files_and_memory_diffs() {
    let change = |index, op, path: &str, previous: Option<&str>, base: Option<&str>, old: &str, new: &str| {
        file_change(index, op, path.into(), previous.map(Into::into), base.map(Into::into), old.into(), new.into())
    };
    check_json(
        "proposal-files.json",
        json!({
            "update": change(0, FileOp::Update, "testing.md", None, Some("sha-testing"), TESTING, TESTING_NEXT),
            "create": change(1, FileOp::Create, "lessons/runs.md", None, None, "", "# Runs\n\n- Write the plan first.\n"),
            "rename": change(2, FileOp::Rename, "project/style.md", Some("style.md"), Some("sha-style"), "# Style\n", "# Style\n"),
            "empty_the_file": change(0, FileOp::Update, "old.md", None, Some("sha"), "# Old\n", ""),
        }),
    );
    let before: String = (1..=20).map(|i| format!("line {i}")).collect::<Vec<_>>().join("\n");
    let after = before.replace("line 10", "line ten").replace("line 18\n", "");
    check_json(
        "memory-diffs.json",
        json!({
            "created": {"before": "", "after": "# Title\n\nBody\n", "hunks": diff_lines("", "# Title\n\nBody\n")},
            "two_changes": {"before": before, "after": after, "hunks": diff_lines(&before, &after)},
        }),
    );
}

#[tokio::test]
async fn fixture_a_run_with_tool_calls_and_an_approval() {
    let e = env_with(
        ProviderKind::Anthropic,
        vec![
            Reply::new()
                .text_chunks("I'll start by reading the README to see how the project is laid out.", 3)
                .tool_use("read_file", json!({"path": "README.md"}))
                .usage(Usage::new(1200, 40)),
            Reply::new()
                .text("Writing the plan.")
                .tool_use("write_file", json!({"path": "NOTES.md", "content": "# Plan\n\n1. Run the tests.\n"}))
                .usage(Usage::new(1400, 60).cache(1000, 0)),
            Reply::new()
                .text("Now the tests.")
                .tool_use("run_command", json!({"command": "echo 'pass 2'"}))
                .usage(Usage::new(1500, 30).cache(1200, 0)),
            Reply::new()
                .text("Done: the plan is in NOTES.md and the tests pass.")
                .usage(Usage::new(1600, 20).cache(1400, 0)),
        ],
        Some("sk-test-good"),
        ask_before_commands(),
    )
    .await;
    std::fs::write(e.workspace.path().join("README.md"), "# Notes app\n\nRun the tests with `npm test`.\n").unwrap();
    let started = e.start("Write the plan to NOTES.md and run the tests.").await;
    let id = started.summary.id.clone();
    let request = wait_for(&e.log, &id, |p| matches!(p, EventPayload::ApprovalRequested { .. })).await;
    let EventPayload::ApprovalRequested { tool_use_id, .. } = request.payload else { unreachable!() };
    e.sessions.answer(&id, &tool_use_id, true).unwrap();
    assert_eq!(finish(started).await.reason, IdleReason::EndTurn);
    check("run-approved", &record(&e, &id));
}

#[tokio::test]
async fn fixture_a_run_that_fails() {
    let e = env_with(
        ProviderKind::Anthropic,
        vec![Reply::new().fault(Fault::http_message(400, "This model does not take images."))],
        Some("sk-test-good"),
        vec![],
    )
    .await;
    let started = e.start("Describe the picture").await;
    let id = started.summary.id.clone();
    assert_eq!(finish(started).await.reason, IdleReason::Error);
    assert!(e.payloads(&id).iter().any(|p| matches!(p, EventPayload::Error { .. })));
    check("run-failed", &record(&e, &id));
}

#[tokio::test]
async fn fixture_a_run_cancelled_while_a_command_waits_for_approval() {
    let e = env_with(
        ProviderKind::Anthropic,
        vec![
            Reply::new().text("Reading first.").tool_use("read_file", json!({"path": "draft.md"})),
            Reply::new().text("Now the build.").tool_use("run_command", json!({"command": "make build"})),
        ],
        Some("sk-test-good"),
        ask_before_commands(),
    )
    .await;
    std::fs::write(e.workspace.path().join("draft.md"), "# Draft\n").unwrap();
    let started = e.start("Build the draft").await;
    let id = started.summary.id.clone();
    wait_for(&e.log, &id, |p| matches!(p, EventPayload::ApprovalRequested { .. })).await;
    e.sessions.cancel(&id).await.unwrap();
    assert_eq!(finish(started).await.reason, IdleReason::Cancelled);
    check("run-cancelled", &record(&e, &id));
}

#[tokio::test]
async fn fixture_a_coordinator_and_its_subagents() {
    let e = env_with(ProviderKind::Anthropic, vec![], Some("sk-test-good"), vec![]).await;
    let member = |name: &str, roster: Vec<reverie_protocol::AgentId>| {
        e.agents
            .create(AgentInput {
                name: name.into(),
                description: format!("The {name} of the team"),
                instructions: format!("You are the {name}. [[script:{name}]]"),
                provider_id: e.agent.provider_id.clone(),
                model: None,
                tools: vec![],
                max_turns: None,
                memory: vec![],
                roster,
            })
            .unwrap()
    };
    let researcher = member("researcher", vec![]);
    let writer = member("writer", vec![]);
    let lead = member("lead", vec![researcher.id.clone(), writer.id.clone()]);
    let delegate = |agent: &str, message: &str| json!({"agent": agent, "message": message});
    e.fake.push_replies(
        "lead",
        [
            Reply::new()
                .text("I'll have the facts found, then the guide written.")
                .tool_use("delegate", delegate("researcher", "Find how the tests are run."))
                .tool_use("delegate", delegate("writer", "Write GUIDE.md from what the README says.")),
            Reply::new().text("Done: the researcher found `npm test`, and GUIDE.md is written."),
        ],
    );
    e.fake.push_replies(
        "researcher",
        [
            Reply::new().text("Reading the README.").tool_use("read_file", json!({"path": "README.md"})),
            Reply::new().text("The tests run with `npm test` (README.md:3)."),
        ],
    );
    e.fake.push_replies(
        "writer",
        [
            Reply::new()
                .text("Writing it.")
                .tool_use("write_file", json!({"path": "GUIDE.md", "content": "# Guide\n\nRun `npm test`.\n"})),
            Reply::new().text("GUIDE.md is written."),
        ],
    );
    std::fs::write(e.workspace.path().join("README.md"), "# Notes\n\nRun the tests with `npm test`.\n").unwrap();
    // One subagent at a time, so the log's order is the same on every run.
    let input = RunInput { agent_id: lead.id.clone(), max_threads: Some(1), ..e.input("Write a short guide.") };
    let started = e.sessions.start(input, reverie_engine::session::RunOptions::default()).await.unwrap();
    let id = started.summary.id.clone();
    assert_eq!(finish(started).await.reason, IdleReason::EndTurn);
    check("run-team", &record(&e, &id));
}

#[tokio::test]
async fn fixture_a_graded_run_revised_once() {
    let e = env_with(
        ProviderKind::Anthropic,
        vec![
            Reply::new().text("The tests pass.").usage(Usage::new(900, 20)),
            Reply::new()
                .text("Adding the plan.")
                .tool_use("write_file", json!({"path": "NOTES.md", "content": "# Plan\n\n1. Test.\n"}))
                .usage(Usage::new(1100, 40)),
            Reply::new().text("NOTES.md has the plan now.").usage(Usage::new(1200, 20)),
        ],
        Some("sk-test-good"),
        vec![],
    )
    .await;
    let verdicts = |notes: &str| {
        json!({"applies": true, "criteria": [
            {"id": "tests", "verdict": "met", "evidence": "the final message", "change": ""},
            {"id": "notes", "verdict": notes, "evidence": "NOTES.md", "change": if notes == "met" { "" } else { "Write the plan to NOTES.md" }}
        ]})
    };
    e.fake.push_replies(
        "grader",
        [
            Reply::new().tool_use("submit_result", verdicts("not_met")).usage(Usage::new(800, 90)),
            Reply::new().tool_use("submit_result", verdicts("met")).usage(Usage::new(850, 60)),
        ],
    );
    let rubric =
        e.rubrics.create("Notes", "## Work\n- The tests pass {#tests}\n- NOTES.md has the plan {#notes}\n").unwrap();
    let outcome = OutcomeInput {
        description: "[[script:grader]] A plan in NOTES.md.".into(),
        rubric_id: rubric.id,
        rubric_version: None,
        max_iterations: Some(2),
        grader_passes: None,
        grader_provider_id: None,
        grader_model: None,
    };
    let input = RunInput { outcome: Some(outcome), ..e.input("Write the plan.") };
    let started = e.sessions.start(input, reverie_engine::session::RunOptions::default()).await.unwrap();
    let id = started.summary.id.clone();
    finish(started).await;
    check("run-graded", &record(&e, &id));
}
