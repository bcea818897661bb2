//! Outcomes against the fake provider: the revise loop through `Sessions` (fail → revise →
//! satisfied, the budget spent, invalid grader output, a rubric that does not fit, cancel while
//! grading and resuming, several grader passes), what the grader is and is not shown, and the
//! input a run with an outcome refuses. The agent's requests go to the fake's `default`
//! conversation (its instructions carry the marker); the grader's to `grader` (the outcome's
//! description carries it, and the description opens the grader's prompt). The cancel while
//! grading holds the grader's request open in a `StepModel` instead.

use std::time::Duration;

use reverie_engine::outcome::artifacts::Snapshot;
use reverie_engine::outcome::grade::{grade_once, Grader, Pass};
use reverie_engine::outcome::{evaluate, parse, AfterTurn, Evaluator};
use reverie_engine::session::RunOptions;
use reverie_engine::tools::{ToolContext, ToolSet, Workspace};
use reverie_engine::{Error, SystemClock};
use reverie_llm::{model_for, Endpoint, ModelError, RetryPolicy, StopReason, StreamOptions};
use reverie_protocol::{
    EventPayload, IdleReason, OutcomeDefinition, OutcomeInput, OutcomeResult, ProviderId, ProviderInput, ProviderKind,
    RubricId, SessionStatus, Verdict,
};
use reverie_testkit::{FakeProvider, FakeProviderConfig, Reply, Script, StepModel, Usage};
use secrecy::SecretString;
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use crate::sessions::{env_with, finish, Env};

const RUBRIC: &str = "# Release notes\n\n## Content\n- The notes have a title {#title}\n- A summary paragraph says what changed {#summary}\n\n## Style\n- Short sentences {#short .optional}\n";
const TASK: &str = "Write release notes in notes.md. TASK-TEXT-7781";
const DESCRIPTION: &str = "[[script:grader]] Release notes a user can read in a minute.";

fn grade(verdicts: &[(&str, &str, &str, &str)]) -> Reply {
    let criteria: Vec<Value> = verdicts
        .iter()
        .map(|(id, v, evidence, change)| json!({"id": id, "verdict": v, "evidence": evidence, "change": change}))
        .collect();
    Reply::new().tool_use("submit_result", json!({"applies": true, "criteria": criteria})).usage(Usage::new(900, 120))
}

fn all_met() -> Reply {
    grade(&[("title", "met", "notes.md:1", ""), ("summary", "met", "notes.md:3", ""), ("short", "met", "", "")])
}

fn summary_missing() -> Reply {
    grade(&[
        ("title", "met", "notes.md:1 “# Release 2.0”", ""),
        ("summary", "not_met", "notes.md has only a title", "Add a paragraph under the title that says what changed"),
        ("short", "partially_met", "one long line", "Split the long sentence"),
    ])
}

async fn outcome_env(agent: Vec<Reply>, grader: Vec<Reply>) -> (Env, RubricId) {
    let e = env_with(ProviderKind::Anthropic, agent, Some("sk-test-good"), vec![]).await;
    e.fake.push_replies("grader", grader);
    let rubric = e.rubrics.create("Release notes", RUBRIC).unwrap();
    (e, rubric.id)
}

fn outcome(rubric: &RubricId, max_iterations: Option<u32>) -> OutcomeInput {
    OutcomeInput {
        description: DESCRIPTION.into(),
        rubric_id: rubric.clone(),
        rubric_version: None,
        max_iterations,
        grader_passes: None,
        grader_provider_id: None,
        grader_model: None,
    }
}

fn bodies(e: &Env, conversation: &str) -> Vec<Value> {
    e.fake.requests_for(conversation).iter().filter(|r| r.method == "POST").map(|r| r.body.clone().unwrap()).collect()
}

/// The text of the last user message of an Anthropic request body.
fn last_user_text(body: &Value) -> String {
    let last = body["messages"].as_array().unwrap().last().unwrap();
    assert_eq!(last["role"], "user");
    match &last["content"] {
        Value::String(s) => s.clone(),
        Value::Array(blocks) => blocks.iter().filter_map(|b| b["text"].as_str()).collect(),
        other => panic!("{other}"),
    }
}

/// One recorded evaluation: iteration, result, (criterion, verdict)s and why it failed.
type Evaluation = (u32, OutcomeResult, Vec<(String, Verdict)>, Option<String>);

/// Every evaluation of a session, in order.
fn evaluations(e: &Env, id: &reverie_protocol::SessionId) -> Vec<Evaluation> {
    e.payloads(id)
        .into_iter()
        .filter_map(|p| match p {
            EventPayload::OutcomeEvaluationEnd { iteration, result, verdicts, reason, .. } => {
                Some((iteration, result, verdicts.into_iter().map(|v| (v.criterion_id, v.verdict)).collect(), reason))
            }
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn the_agent_revises_on_the_graders_feedback_until_the_rubric_is_satisfied() {
    let (e, rubric) = outcome_env(
        vec![
            Reply::new()
                .text("Thinking privately: PRIVATE-REASONING-55.")
                .tool_use("write_file", json!({"path": "notes.md", "content": "# Release 2.0\n"})),
            Reply::new().text("I wrote notes.md."),
            Reply::new().tool_use(
                "write_file",
                json!({"path": "notes.md", "content": "# Release 2.0\n\nExports are twice as fast.\n"}),
            ),
            Reply::new().text("Added a summary."),
        ],
        vec![summary_missing(), all_met()],
    )
    .await;
    let started = e
        .sessions
        .start(
            reverie_protocol::RunInput { outcome: Some(outcome(&rubric, None)), ..e.input(TASK) },
            Default::default(),
        )
        .await
        .unwrap();
    let id = started.summary.id.clone();
    // Deleting the rubric while the outcome runs changes nothing: the outcome holds its version.
    e.rubrics.delete(&rubric).unwrap();
    let done = finish(started).await;
    assert_eq!((done.reason, done.outcome), (IdleReason::EndTurn, Some(OutcomeResult::Satisfied)));

    let evals = evaluations(&e, &id);
    let v = |id: &str, verdict| (id.to_owned(), verdict);
    assert_eq!(
        evals,
        [
            (
                0,
                OutcomeResult::NeedsRevision,
                vec![v("title", Verdict::Met), v("summary", Verdict::NotMet), v("short", Verdict::PartiallyMet)],
                None
            ),
            (
                1,
                OutcomeResult::Satisfied,
                vec![v("title", Verdict::Met), v("summary", Verdict::Met), v("short", Verdict::Met)],
                None
            ),
        ]
    );
    // The feedback: each unmet required criterion with the grader's evidence and change, word
    // for word (the optional one, partially met, is enough as it is).
    let expected = "Your work was checked against the rubric. These criteria are not met yet:\n\n\
                    - A summary paragraph says what changed (not met)\n  Evidence: notes.md has only a title\n  What to change: Add a paragraph under the title that says what changed\n\n\
                    Revise the work so every criterion is met, then end your turn with a short summary of what you changed.";
    let feedback: Vec<(u32, String)> = e
        .payloads(&id)
        .into_iter()
        .filter_map(|p| match p {
            EventPayload::OutcomeFeedback { iteration, text } => Some((iteration, text)),
            _ => None,
        })
        .collect();
    assert_eq!(feedback, [(0, expected.to_owned())]);
    let agent = bodies(&e, "default");
    assert_eq!(agent.len(), 4);
    assert_eq!(last_user_text(&agent[2]), expected, "the agent's next request ends with the feedback");
    let system = agent[0]["system"].to_string();
    assert!(
        system.contains("How your work is judged") && system.contains("- Short sentences (optional)"),
        "the agent knows the criteria: {system}"
    );
    assert!(!system.contains("read in a minute"), "the description stays with the grader");

    // The grader saw the description, the rubric, the final message and the changed file, and
    // nothing of the agent's conversation: not the task, its reasoning, its tool calls or its
    // instructions.
    let grader = bodies(&e, "grader");
    assert_eq!(grader.len(), 2);
    let first = grader[0].to_string();
    for shown in [
        "Release notes a user can read in a minute",
        "id `summary`: A summary paragraph says what changed",
        "I wrote notes.md.",
        "notes.md (new",
        "# Release 2.0",
    ] {
        assert!(first.contains(shown), "the grader is shown {shown:?}: {first}");
    }
    for hidden in ["TASK-TEXT-7781", "PRIVATE-REASONING-55", "write_file", "You tidy up notes"] {
        assert!(!first.contains(hidden), "the grader must not see {hidden:?}");
    }
    assert!(grader[1].to_string().contains("Exports are twice as fast."), "the second grading sees the revision");

    // The outcome as recorded: the version's criteria, the defaults, and grading in the totals.
    let defined = e.payloads(&id).into_iter().find_map(|p| match p {
        EventPayload::OutcomeDefined { outcome } => Some(outcome),
        _ => None,
    });
    let OutcomeDefinition { rubric_version, criteria, max_iterations, grader_passes, grader_model, .. } =
        defined.unwrap();
    assert_eq!(
        (rubric_version, criteria.len(), max_iterations, grader_passes, grader_model.as_str()),
        (1, 3, 3, 1, "fake-model")
    );
    let summary = e.sessions.get(&id).await.unwrap();
    assert!(summary.usage.input_tokens >= 1800, "grading counts in the session's tokens: {:?}", summary.usage);
    assert_eq!(summary.turns, 4, "grading is not an agent turn");
}

#[tokio::test]
async fn a_spent_budget_gives_the_agent_one_final_turn_to_wrap_up() {
    let (e, rubric) = outcome_env(
        vec![
            Reply::new().text("Draft one."),
            Reply::new().text("Draft two."),
            Reply::new().text("Wrapped up: the summary is still missing."),
        ],
        vec![summary_missing(), summary_missing()],
    )
    .await;
    let started = e
        .sessions
        .start(
            reverie_protocol::RunInput { outcome: Some(outcome(&rubric, Some(2))), ..e.input(TASK) },
            Default::default(),
        )
        .await
        .unwrap();
    let id = started.summary.id.clone();
    let done = finish(started).await;
    assert_eq!((done.reason, done.outcome), (IdleReason::EndTurn, Some(OutcomeResult::MaxIterationsReached)));
    let results: Vec<(u32, OutcomeResult)> = evaluations(&e, &id).into_iter().map(|(i, r, ..)| (i, r)).collect();
    assert_eq!(results, [(0, OutcomeResult::NeedsRevision), (1, OutcomeResult::MaxIterationsReached)]);
    let agent = bodies(&e, "default");
    assert_eq!(agent.len(), 3, "one final turn, and it is not graded");
    let wrap_up = last_user_text(&agent[2]);
    assert!(
        wrap_up.starts_with("The iteration budget for this outcome is spent")
            && wrap_up.contains("- A summary paragraph says what changed (not met)"),
        "{wrap_up}"
    );
    assert!(!wrap_up.contains("Short sentences"), "an optional criterion partially met is not listed");
    assert_eq!(bodies(&e, "grader").len(), 2);
}

#[tokio::test]
async fn grader_output_invalid_twice_fails_the_evaluation_with_the_error_shown() {
    let (e, rubric) = outcome_env(
        vec![Reply::new().text("Done.")],
        vec![
            Reply::new().tool_use(
                "submit_result",
                json!({"applies": true, "criteria": [{"id": "title", "verdict": "great", "evidence": "x"}]}),
            ),
            grade(&[("title", "met", "x", ""), ("nope", "met", "x", "")]),
        ],
    )
    .await;
    let started = e
        .sessions
        .start(
            reverie_protocol::RunInput { outcome: Some(outcome(&rubric, None)), ..e.input(TASK) },
            Default::default(),
        )
        .await
        .unwrap();
    let id = started.summary.id.clone();
    let done = finish(started).await;
    assert_eq!((done.reason, done.outcome), (IdleReason::EndTurn, Some(OutcomeResult::Failed)));
    let evals = evaluations(&e, &id);
    assert_eq!(evals.len(), 1);
    let (_, result, verdicts, reason) = &evals[0];
    assert_eq!((*result, verdicts.len()), (OutcomeResult::Failed, 0), "no made-up verdicts");
    let reason = reason.as_deref().unwrap();
    assert!(
        reason.starts_with("The grader could not finish")
            && reason.contains("invalid twice")
            && reason.contains("\"nope\""),
        "{reason}"
    );
    let grader = bodies(&e, "grader");
    assert_eq!(grader.len(), 2, "retried once");
    assert!(
        grader[1].to_string().contains("unknown variant `great`"),
        "the retry carries the validation error: {}",
        grader[1]
    );
    assert_eq!(bodies(&e, "default").len(), 1, "the agent got no feedback");
}

#[tokio::test]
async fn a_rubric_that_does_not_fit_the_task_fails_with_the_graders_reason() {
    let (e, rubric) = outcome_env(
        vec![Reply::new().text("Here is your poem.")],
        vec![Reply::new().tool_use("submit_result", json!({"applies": false, "reason": "The task was a poem; the rubric is about release notes.", "criteria": []}))],
    )
    .await;
    let started = e
        .sessions
        .start(
            reverie_protocol::RunInput { outcome: Some(outcome(&rubric, None)), ..e.input(TASK) },
            Default::default(),
        )
        .await
        .unwrap();
    let id = started.summary.id.clone();
    assert_eq!(finish(started).await.outcome, Some(OutcomeResult::Failed));
    let (_, result, _, reason) = evaluations(&e, &id).remove(0);
    assert_eq!(result, OutcomeResult::Failed);
    assert_eq!(
        reason.as_deref(),
        Some("The rubric does not apply to this task: The task was a poem; the rubric is about release notes.")
    );
}

#[tokio::test]
async fn cancelling_while_grading_interrupts_the_evaluation_and_continuing_grades_again() {
    // The agent's and the grader's requests both go to a step model, so the cancel comes while
    // the grader's request is open.
    let (e, rubric) = outcome_env(vec![], vec![]).await;
    let model = StepModel::new();
    let options = RunOptions { model: Some(model.as_model()), ..RunOptions::default() };
    let started = e
        .sessions
        .start(reverie_protocol::RunInput { outcome: Some(outcome(&rubric, None)), ..e.input(TASK) }, options.clone())
        .await
        .unwrap();
    let id = started.summary.id.clone();
    model.next_request_for("default").await.reply_text("Done.");
    let grading = model.next_request_for("grader").await;
    assert!(grading.mentions("Release notes a user can read in a minute.") && !grading.mentions("TASK-TEXT-7781"));
    e.sessions.cancel(&id).await.unwrap();
    grading.closed().await;
    let done = finish(started).await;
    assert_eq!((done.reason, done.outcome), (IdleReason::Cancelled, Some(OutcomeResult::Interrupted)));
    assert_eq!(
        evaluations(&e, &id).into_iter().map(|(i, r, ..)| (i, r)).collect::<Vec<_>>(),
        [(0, OutcomeResult::Interrupted)]
    );

    // Continuing the session grades the same iteration again; the agent is not asked anything.
    let again = e.sessions.continue_run(&id, None, options).await.unwrap();
    let grading = model.next_request_for("grader").await;
    let criteria = json!([{"id": "title", "verdict": "met", "evidence": "notes.md:1", "change": ""}, {"id": "summary", "verdict": "met", "evidence": "notes.md:3", "change": ""}, {"id": "short", "verdict": "met", "evidence": "", "change": ""}]);
    grading.tool_use("toolu_grade", "submit_result", json!({"applies": true, "criteria": criteria}));
    grading.stop(StopReason::ToolUse);
    let done = finish(again).await;
    assert_eq!((done.reason, done.outcome), (IdleReason::EndTurn, Some(OutcomeResult::Satisfied)));
    let results: Vec<(u32, OutcomeResult)> = evaluations(&e, &id).into_iter().map(|(i, r, ..)| (i, r)).collect();
    assert_eq!(results, [(0, OutcomeResult::Interrupted), (0, OutcomeResult::Satisfied)]);
    assert_eq!(model.conversations(), ["default", "grader", "grader"]);
    assert!(e.fake.requests().is_empty(), "no request went to the provider");
    assert_eq!(e.sessions.get(&id).await.unwrap().status, SessionStatus::Idle);
}

#[tokio::test]
async fn three_grader_passes_take_the_majority_and_keep_the_dissent() {
    let dissent = grade(&[
        ("title", "met", "notes.md:1", ""),
        ("summary", "not_met", "no summary", "Add one"),
        ("short", "met", "", ""),
    ]);
    let (e, rubric) = outcome_env(vec![Reply::new().text("Done.")], vec![all_met(), dissent, all_met()]).await;
    let input = OutcomeInput { grader_passes: Some(3), ..outcome(&rubric, None) };
    let started = e
        .sessions
        .start(reverie_protocol::RunInput { outcome: Some(input), ..e.input(TASK) }, Default::default())
        .await
        .unwrap();
    let id = started.summary.id.clone();
    assert_eq!(finish(started).await.outcome, Some(OutcomeResult::Satisfied));
    let end = e
        .payloads(&id)
        .into_iter()
        .find_map(|p| match p {
            EventPayload::OutcomeEvaluationEnd { verdicts, usage, .. } => Some((verdicts, usage)),
            _ => None,
        })
        .unwrap();
    let (verdicts, usage) = end;
    assert_eq!(verdicts[1].verdict, Verdict::Met, "two of three passes found it met");
    let mut dissent = verdicts[1].disagreement.clone();
    dissent.sort_by_key(|v| format!("{v:?}"));
    assert_eq!(dissent, [Verdict::Met, Verdict::Met, Verdict::NotMet]);
    assert!(verdicts[0].disagreement.is_empty() && verdicts[2].disagreement.is_empty());
    assert_eq!(usage.input_tokens, 2700, "every pass is paid for");
    assert_eq!(bodies(&e, "grader").len(), 3);
}

#[tokio::test]
async fn bad_outcome_input_is_refused_before_anything_runs() {
    let (e, rubric) = outcome_env(vec![], vec![]).await;
    let keyless = e
        .providers
        .create(ProviderInput {
            name: "Keyless".into(),
            kind: ProviderKind::Anthropic,
            base_url: e.fake.base_url(),
            model: "m".into(),
            api_key: None,
        })
        .unwrap();
    let cases = [
        (
            OutcomeInput { max_iterations: Some(0), ..outcome(&rubric, None) },
            "outcome.max_iterations",
            "between 1 and 20",
        ),
        (OutcomeInput { max_iterations: Some(21), ..outcome(&rubric, None) }, "outcome.max_iterations", "you chose 21"),
        (OutcomeInput { grader_passes: Some(6), ..outcome(&rubric, None) }, "outcome.grader_passes", "between 1 and 5"),
        (
            OutcomeInput { rubric_id: RubricId("rub_gone".into()), ..outcome(&rubric, None) },
            "outcome.rubric_id",
            "no longer exists",
        ),
        (OutcomeInput { rubric_version: Some(9), ..outcome(&rubric, None) }, "outcome.rubric_version", "no version 9"),
        (
            OutcomeInput { grader_provider_id: Some(keyless.id.clone()), ..outcome(&rubric, None) },
            "outcome.grader_provider_id",
            "No API key is set for the grader's provider “Keyless”",
        ),
    ];
    for (input, field, says) in cases {
        let err = e
            .sessions
            .start(reverie_protocol::RunInput { outcome: Some(input), ..e.input(TASK) }, Default::default())
            .await
            .err()
            .unwrap();
        match err {
            Error::Invalid { field: f, message } => {
                assert_eq!(f, field);
                assert!(message.contains(says), "{field}: {message}");
            }
            other => panic!("{field}: {other:?}"),
        }
    }
    assert!(e.sessions.list().await.unwrap().is_empty(), "no session was recorded");
    assert!(e.fake.requests().iter().all(|r| r.method != "POST"));
}

// ---- One grading pass, on both wire formats ----

async fn grader(
    kind: ProviderKind,
    replies: Vec<Reply>,
) -> (FakeProvider, std::sync::Arc<dyn reverie_llm::LanguageModel>) {
    let fake =
        FakeProvider::start_with_script(FakeProviderConfig::default(), Script::from_replies(replies)).await.unwrap();
    let base_url = if kind == ProviderKind::Anthropic { fake.base_url() } else { fake.openai_base_url() };
    let options = StreamOptions {
        retry: RetryPolicy { max_attempts: 1, ..RetryPolicy::default() },
        idle_timeout: Duration::from_secs(30),
        ..StreamOptions::default()
    };
    let model = model_for(
        &Endpoint { kind, base_url, model: "fake-model".into() },
        Some(SecretString::from("sk-test-good".to_owned())),
        options,
    );
    (fake, model)
}

fn read_only() -> ToolSet {
    ToolSet::workspace().filter(|n| matches!(n, "read_file" | "list_files" | "search_files"))
}

#[tokio::test]
async fn a_grader_reads_files_it_was_not_shown_and_a_report_missing_a_criterion_is_sent_back_once() {
    for kind in [ProviderKind::Anthropic, ProviderKind::OpenaiCompatible] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("CHANGELOG.md"), "## 2.0\n- faster exports\n").unwrap();
        let criteria = parse(RUBRIC).unwrap();
        let (fake, model) = grader(
            kind,
            vec![
                Reply::new().tool_use("read_file", json!({"path": "CHANGELOG.md"})),
                grade(&[("title", "met", "x", "")]),
                grade(&[
                    ("title", "met", "CHANGELOG.md:1", ""),
                    ("summary", "partially_met", "CHANGELOG.md:2", "Say why"),
                    ("short", "met", "", ""),
                ]),
            ],
        )
        .await;
        let tools = read_only();
        let context = ToolContext::new(Workspace::new(dir.path()).unwrap(), CancellationToken::new());
        let g = Grader { model: &*model, tools: &tools, context: &context };
        let (pass, usage) = grade_once(&g, "Grade.", "The work.", &criteria).await.unwrap();
        let Pass::Graded(v) = pass else { panic!("{pass:?}") };
        assert_eq!(
            (v[1].criterion_id.as_str(), v[1].verdict, v[1].change.as_str()),
            ("summary", Verdict::PartiallyMet, "Say why"),
            "{kind:?}"
        );
        assert!(usage.output_tokens > 0);
        let bodies: Vec<String> = fake
            .requests()
            .iter()
            .filter(|r| r.method == "POST")
            .map(|r| r.body.as_ref().unwrap().to_string())
            .collect();
        assert_eq!(bodies.len(), 3, "{kind:?}");
        assert!(bodies[1].contains("faster exports"), "{kind:?}: the file read comes back to the grader");
        assert!(
            bodies[2].contains("these criteria were not graded: summary, short"),
            "{kind:?}: the retry says what was wrong"
        );
        assert!(
            !bodies[0].contains("write_file") && !bodies[0].contains("run_command"),
            "{kind:?}: the grader's tools only read"
        );
    }
}

// ---- The evaluator on its own: it returns events, the loop records them ----

#[tokio::test]
async fn the_evaluator_returns_each_evaluation_as_events_until_its_budget_is_spent() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.md"), "# Release 2.0\n").unwrap();
    let (_fake, model) = grader(ProviderKind::Anthropic, vec![summary_missing(), summary_missing()]).await;
    let definition = OutcomeDefinition {
        description: "Release notes a user can read in a minute.".into(),
        rubric_id: RubricId("rub_1".into()),
        rubric_name: "Release notes".into(),
        rubric_version: 1,
        criteria: parse(RUBRIC).unwrap(),
        max_iterations: 2,
        grader_passes: 1,
        grader_provider_id: ProviderId("prv_1".into()),
        grader_model: "fake-model".into(),
    };
    let mut evaluator = Evaluator::new(definition, model, Snapshot::default());
    let context = ToolContext::new(Workspace::new(dir.path()).unwrap(), CancellationToken::new());
    for (iteration, last) in [(0, OutcomeResult::NeedsRevision), (1, OutcomeResult::MaxIterationsReached)] {
        assert!(
            matches!(evaluator.start(), Some(EventPayload::OutcomeEvaluationStart { iteration: i, passes: 1, .. }) if i == iteration),
            "evaluation {iteration} opens with its start event"
        );
        let evaluate::Evaluation { events, next } =
            evaluator.grade(&context, &SystemClock, "Wrote the title.").await.unwrap();
        let [EventPayload::OutcomeEvaluationEnd { iteration: i, result, verdicts, .. }, EventPayload::OutcomeFeedback { text, .. }] =
            &events[..]
        else {
            panic!("evaluation {iteration}: {events:?}")
        };
        assert_eq!((*i, *result, verdicts.len()), (iteration, last, 3));
        assert_eq!(next, AfterTurn::Revise(text.clone()), "the feedback is the agent's next message");
        assert_eq!(evaluator.result(), Some(last));
    }
    assert!(evaluator.start().is_none(), "after the wrap-up turn nothing is graded any more");
}

#[tokio::test]
async fn a_cancelled_grading_pass_is_cancelled_not_failed() {
    let dir = tempfile::tempdir().unwrap();
    let (_fake, model) = grader(ProviderKind::Anthropic, vec![all_met().delay_ms(60_000)]).await;
    let tools = read_only();
    let cancel = CancellationToken::new();
    let context = ToolContext::new(Workspace::new(dir.path()).unwrap(), cancel.clone());
    let g = Grader { model: &*model, tools: &tools, context: &context };
    let criteria = parse(RUBRIC).unwrap();
    let (result, ()) = tokio::join!(grade_once(&g, "Grade.", "Work.", &criteria), async { cancel.cancel() });
    assert!(matches!(result, Err(ModelError::Cancelled)), "{result:?}");
}
