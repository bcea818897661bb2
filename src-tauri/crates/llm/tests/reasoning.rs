//! OpenAI reasoning models: the Chat Completions body for a reasoning model and for a normal
//! one, against the fake answering as a reasoning model (the `reasoning_model` quirk).

use reverie_llm::{
    complete, is_reasoning_model, model_for, Completion, Endpoint, ModelError, ReasoningEffort, Request,
};
use reverie_protocol::ProviderKind;
use reverie_testkit::{FakeProvider, FakeProviderConfig, Quirk, Quirks, Reply, Script, Usage};
use secrecy::SecretString;
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use crate::streaming::{quick, request};

/// A request that sets everything a reasoning model treats differently.
fn tuned() -> Request {
    Request { temperature: Some(0.5), reasoning_effort: Some(ReasoningEffort::High), ..request() }
}

/// One answer from a fake serving `model` as a reasoning model would (or not, per `reasoning`),
/// and the body it received.
async fn ask(model: &str, reasoning: bool, request: Request) -> (Result<Completion, ModelError>, Value) {
    let config = FakeProviderConfig { models: vec![model.into()], ..FakeProviderConfig::default() };
    let reply = Reply::new().text("Done.").usage(Usage::new(50, 10).reasoning(64));
    let fake = FakeProvider::start_with_script(config, Script::from_replies(vec![reply])).await.unwrap();
    if reasoning {
        fake.set_quirks(Quirks::of([Quirk::ReasoningModel]));
    }
    let endpoint =
        Endpoint { kind: ProviderKind::OpenaiCompatible, base_url: fake.openai_base_url(), model: model.into() };
    let llm = model_for(&endpoint, Some(SecretString::from("sk-test-good".to_owned())), quick());
    let done = complete(&*llm, request, CancellationToken::new()).await;
    let body = fake.requests().last().and_then(|r| r.body.clone()).unwrap_or(Value::Null);
    (done, body)
}

#[tokio::test]
async fn a_reasoning_model_gets_max_completion_tokens_its_effort_and_no_temperature() {
    for model in ["o4-mini", "gpt-5", "openai/o3"] {
        assert!(is_reasoning_model(model), "{model}");
        let (done, body) = ask(model, true, tuned()).await;
        let done = done.unwrap_or_else(|e| panic!("{model}: the reasoning model refused the request: {e:?}"));
        assert_eq!(done.text(), "Done.");
        assert_eq!(body["max_completion_tokens"], json!(256), "{model}: {body}");
        assert_eq!(body["reasoning_effort"], json!("high"), "{model}: {body}");
        for refused in ["max_tokens", "temperature"] {
            assert!(body.get(refused).is_none(), "{model}: {refused} is not sent: {body}");
        }
        assert_eq!(body["stream_options"], json!({"include_usage": true}), "{model}");
        assert_eq!(
            (done.usage.output_tokens, done.usage.reasoning_tokens),
            (74, 64),
            "{model}: the thinking is output, and counted apart: {:?}",
            done.usage
        );
    }
    // Without an effort the model's own default stands: nothing is sent.
    let (done, body) = ask("o3-mini", true, request()).await;
    assert!(done.is_ok(), "{done:?}");
    assert!(body.get("reasoning_effort").is_none(), "{body}");
}

#[tokio::test]
async fn a_normal_model_keeps_max_tokens_and_temperature_and_gets_no_effort() {
    for model in ["gpt-4o", "gpt-5-chat-latest", "fake-model"] {
        assert!(!is_reasoning_model(model), "{model}");
        let (done, body) = ask(model, false, tuned()).await;
        let done = done.unwrap_or_else(|e| panic!("{model}: {e:?}"));
        assert_eq!(body["max_tokens"], json!(256), "{model}: {body}");
        assert_eq!(body["temperature"].as_f64(), Some(0.5), "{model}: {body}");
        for absent in ["max_completion_tokens", "reasoning_effort"] {
            assert!(body.get(absent).is_none(), "{model}: {absent} is not sent: {body}");
        }
        assert_eq!(done.usage.reasoning_tokens, 64, "{model}: reasoning tokens are read wherever reported");
    }
}

#[tokio::test]
async fn the_fake_reasoning_model_refuses_what_a_real_one_refuses() {
    // `fake-model` is not a reasoning model by the prefix rule, so it is sent `max_tokens`: the
    // fake, answering as a reasoning model, refuses it in OpenAI's words.
    let (done, body) = ask("fake-model", true, tuned()).await;
    assert_eq!(body["max_tokens"], json!(256));
    match done {
        Err(ModelError::Http { status: 400, message }) => {
            assert!(
                message.contains("'max_tokens' is not supported") && message.contains("max_completion_tokens"),
                "{message}"
            )
        }
        other => panic!("expected OpenAI's 400 for max_tokens, got {other:?}"),
    }
}
