//! Grading against the fake provider: structured output checked against the rubric, one retry
//! with what was wrong, then a clear failure; the grader's request carries only what it is given.

use std::time::Duration;

use reverie_engine::outcome::grade::{grade_once, Pass};
use reverie_engine::outcome::parse;
use reverie_llm::{model_for, Endpoint, ModelError, RetryPolicy, StreamOptions};
use reverie_protocol::{ProviderKind, Verdict};
use reverie_testkit::{FakeProvider, FakeProviderConfig, Reply, Script};
use secrecy::SecretString;
use serde_json::json;
use tokio_util::sync::CancellationToken;

const RUBRIC: &str = "# Change\n- The tests pass {#tests}\n- The summary lists the files {#summary .optional}\n";

async fn grader(kind: ProviderKind, replies: Vec<Reply>) -> (FakeProvider, std::sync::Arc<dyn reverie_llm::LanguageModel>) {
    let fake = FakeProvider::start_with_script(FakeProviderConfig::default(), Script::from_replies(replies)).await.unwrap();
    let base_url = if kind == ProviderKind::Anthropic { fake.base_url() } else { fake.openai_base_url() };
    let options = StreamOptions { retry: RetryPolicy { max_attempts: 1, ..RetryPolicy::default() }, idle_timeout: Duration::from_secs(30) };
    let model = model_for(&Endpoint { kind, base_url, model: "fake-model".into() }, Some(SecretString::from("sk-test-good".to_owned())), options);
    (fake, model)
}

fn report(items: serde_json::Value) -> Reply {
    Reply::new().tool_use("submit_result", json!({"applies": true, "criteria": items}))
}

#[tokio::test]
async fn a_report_that_misses_a_criterion_is_sent_back_once_then_accepted() {
    for kind in [ProviderKind::Anthropic, ProviderKind::OpenaiCompatible] {
        let criteria = parse(RUBRIC).unwrap();
        let (fake, model) = grader(
            kind,
            vec![
                report(json!([{"id": "tests", "verdict": "met", "evidence": "cargo test: 12 passed"}])),
                report(json!([
                    {"id": "summary", "verdict": "partially_met", "evidence": "names 1 of 2 files", "change": "Name both files"},
                    {"id": "tests", "verdict": "not_met", "evidence": "tests/a.rs:4 fails", "change": "Fix the off-by-one"}
                ])),
            ],
        )
        .await;
        let prompt = "Description: fix the bug.\n\nRubric:\n- The tests pass\n\nArtifacts:\nsrc/a.rs";
        let (pass, _) = grade_once(&*model, "You grade work against a rubric.", prompt, &criteria, CancellationToken::new()).await.unwrap();
        let Pass::Graded(v) = pass else { panic!("{pass:?}") };
        assert_eq!((v[0].criterion_id.as_str(), v[0].verdict, v[1].verdict), ("tests", Verdict::NotMet, Verdict::PartiallyMet), "{kind:?}");
        let bodies: Vec<String> = fake.requests().iter().filter(|r| r.method == "POST").map(|r| r.body.as_ref().unwrap().to_string()).collect();
        assert_eq!(bodies.len(), 2);
        assert!(bodies[0].contains("Artifacts:") && !bodies[0].contains("not accepted"));
        assert!(bodies[1].contains("these criteria were not graded: summary"), "{kind:?}: the retry says what was wrong");
    }
}

#[tokio::test]
async fn output_that_stays_invalid_is_an_error_not_a_made_up_verdict() {
    let criteria = parse(RUBRIC).unwrap();
    let (_fake, model) = grader(
        ProviderKind::Anthropic,
        vec![
            Reply::new().tool_use("submit_result", json!({"applies": true, "criteria": [{"id": "tests", "verdict": "great"}]})),
            report(json!([{"id": "nope", "verdict": "met", "evidence": "x"}])),
        ],
    )
    .await;
    match grade_once(&*model, "Grade.", "Work.", &criteria, CancellationToken::new()).await {
        Err(ModelError::InvalidResponse { message }) => assert!(message.contains("did not match the rubric twice") && message.contains("\"nope\""), "{message}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_rubric_that_does_not_fit_is_reported_as_such() {
    let criteria = parse(RUBRIC).unwrap();
    let (_fake, model) = grader(
        ProviderKind::OpenaiCompatible,
        vec![Reply::new().tool_use("submit_result", json!({"applies": false, "reason": "The task was a poem; the rubric is about code.", "criteria": []}))],
    )
    .await;
    let (pass, _) = grade_once(&*model, "Grade.", "Work.", &criteria, CancellationToken::new()).await.unwrap();
    assert_eq!(pass, Pass::NotApplicable("The task was a poem; the rubric is about code.".into()));
}
