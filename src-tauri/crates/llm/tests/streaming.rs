use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use reverie_llm::{
    complete, complete_structured, model_for, Endpoint, LanguageModel, Message, ModelError, Request, RetryPolicy,
    Stalled, StopReason, StreamEvent, StreamOptions, ToolSpec,
};
use reverie_protocol::ProviderKind;
use reverie_testkit::{FakeProvider, FakeProviderConfig, Fault, Reply, Script, Usage};
use secrecy::SecretString;
use serde_json::json;
use tokio_util::sync::CancellationToken;

pub const KINDS: [ProviderKind; 2] = [ProviderKind::Anthropic, ProviderKind::OpenaiCompatible];

pub async fn fake(replies: Vec<Reply>) -> FakeProvider {
    FakeProvider::start_with_script(FakeProviderConfig::default(), Script::from_replies(replies)).await.unwrap()
}

pub fn model(fake: &FakeProvider, kind: ProviderKind, options: StreamOptions) -> Arc<dyn LanguageModel> {
    let base_url = match kind {
        ProviderKind::Anthropic => fake.base_url(),
        ProviderKind::OpenaiCompatible => fake.openai_base_url(),
    };
    let endpoint = Endpoint { kind, base_url, model: "fake-model".into() };
    model_for(&endpoint, Some(SecretString::from("sk-test-good".to_owned())), options)
}

/// Retries without waiting, so tests stay fast; `retry-after` is still honoured when given.
pub fn quick() -> StreamOptions {
    StreamOptions {
        retry: RetryPolicy { max_attempts: 3, base_delay: Duration::from_millis(1), max_delay: Duration::from_secs(5) },
        idle_timeout: Duration::from_secs(30),
        ..StreamOptions::default()
    }
}

pub fn request() -> Request {
    Request {
        system: "You are a test.".into(),
        messages: vec![Message::user("Read a.txt")],
        tools: vec![ToolSpec {
            name: "read_file".into(),
            description: "Read a file".into(),
            input_schema: json!({"type": "object"}),
        }],
        max_tokens: 256,
        ..Default::default()
    }
}

#[tokio::test]
async fn text_then_a_tool_call_stream_as_normalized_events() {
    for kind in KINDS {
        let fake = fake(vec![Reply::new()
            .text_chunks("I will read the file.", 4)
            .tool_use("read_file", json!({"path": "a.txt", "range": {"start": 1, "end": 20}}))
            .usage(Usage::new(120, 30).cache(100, 0))])
        .await;
        let model = model(&fake, kind, quick());
        let mut stream = model.stream(&request(), CancellationToken::new());
        let mut events = Vec::new();
        while let Some(e) = stream.next().await {
            events.push(e.unwrap());
        }
        let text: String = events
            .iter()
            .filter_map(|e| if let StreamEvent::TextDelta { text } = e { Some(text.as_str()) } else { None })
            .collect();
        assert_eq!(text, "I will read the file.", "{kind:?}");
        assert!(
            events.iter().filter(|e| matches!(e, StreamEvent::TextDelta { .. })).count() >= 2,
            "{kind:?}: text arrives in several deltas"
        );
        let tool = events.iter().find_map(|e| {
            if let StreamEvent::ToolUse { name, input, .. } = e {
                Some((name, input))
            } else {
                None
            }
        });
        assert_eq!(
            tool,
            Some((&"read_file".to_owned(), &json!({"path": "a.txt", "range": {"start": 1, "end": 20}}))),
            "{kind:?}"
        );
        assert_eq!(events.last(), Some(&StreamEvent::Stop { reason: StopReason::ToolUse }), "{kind:?}");
        let usage =
            events.iter().rev().find_map(|e| if let StreamEvent::Usage(u) = e { Some(*u) } else { None }).unwrap();
        assert_eq!((usage.output_tokens, usage.cache_read_tokens), (30, 100), "{kind:?}");

        // What was sent: the vendor's auth header and the tool definition.
        let sent = fake.requests().pop().unwrap();
        let body = sent.body.clone().unwrap();
        match kind {
            ProviderKind::Anthropic => {
                assert_eq!(sent.header("x-api-key"), Some("sk-test-good"));
                assert_eq!(body["system"][0]["cache_control"]["type"], "ephemeral");
                assert_eq!(body["tools"][0]["name"], "read_file");
            }
            ProviderKind::OpenaiCompatible => {
                assert_eq!(sent.header("authorization"), Some("Bearer sk-test-good"));
                assert_eq!(body["tools"][0]["function"]["name"], "read_file");
            }
        }
    }
}

#[tokio::test]
async fn rate_limits_and_overload_are_retried_then_succeed() {
    for kind in KINDS {
        let fake = fake(vec![
            Reply::new().fault(Fault::rate_limited(0)),
            Reply::new().fault(Fault::overloaded()),
            Reply::new().text("finally"),
        ])
        .await;
        let done = complete(&*model(&fake, kind, quick()), request(), CancellationToken::new()).await.unwrap();
        assert_eq!(done.text(), "finally", "{kind:?}");
        assert_eq!(fake.requests().len(), 3, "{kind:?}: two retries");
    }
}

#[tokio::test]
async fn retries_stop_at_the_budget_with_the_typed_error() {
    let fake = fake(vec![Reply::new().fault(Fault::overloaded()); 3]).await;
    let err = complete(&*model(&fake, ProviderKind::Anthropic, quick()), request(), CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(err, ModelError::Overloaded);
    assert_eq!(fake.requests().len(), 3);
}

#[tokio::test]
async fn auth_errors_are_not_retried() {
    for kind in KINDS {
        let fake = fake(vec![Reply::new().text("never")]).await;
        let base_url = match kind {
            ProviderKind::Anthropic => fake.base_url(),
            ProviderKind::OpenaiCompatible => fake.openai_base_url(),
        };
        let endpoint = Endpoint { kind, base_url, model: "fake-model".into() };
        let wrong = model_for(&endpoint, Some(SecretString::from("sk-wrong".to_owned())), quick());
        let err = complete(&*wrong, request(), CancellationToken::new()).await.unwrap_err();
        assert!(matches!(err, ModelError::Auth { .. }), "{kind:?}: {err:?}");
        assert_eq!(fake.requests().len(), 1, "{kind:?}");
    }
}

#[tokio::test]
async fn a_disconnect_mid_stream_is_a_network_error() {
    for kind in KINDS {
        let fake = fake(vec![Reply::new()
            .text_chunks("partial answer that never ends", 5)
            .fault(Fault::Disconnect { after_events: 3 })])
        .await;
        let err = complete(&*model(&fake, kind, quick()), request(), CancellationToken::new()).await.unwrap_err();
        assert!(matches!(err, ModelError::Network { .. }), "{kind:?}: {err:?}");
    }
}

#[tokio::test]
async fn malformed_sse_is_an_invalid_response() {
    for kind in KINDS {
        let fake = fake(vec![Reply::new().text("x").fault(Fault::Malformed { after_events: 2 })]).await;
        let err = complete(&*model(&fake, kind, quick()), request(), CancellationToken::new()).await.unwrap_err();
        assert!(matches!(err, ModelError::InvalidResponse { .. }), "{kind:?}: {err:?}");
    }
}

#[tokio::test]
async fn a_stalled_stream_hits_the_idle_timeout() {
    for kind in KINDS {
        let fake = fake(vec![Reply::new().text("x").fault(Fault::Stall { after_events: 2, max_secs: Some(30) })]).await;
        let options = StreamOptions { idle_timeout: Duration::from_millis(300), ..quick() };
        let err = complete(&*model(&fake, kind, options), request(), CancellationToken::new()).await.unwrap_err();
        assert!(matches!(&err, ModelError::Timeout { stalled: Stalled::Idle, .. }), "{kind:?}: {err:?}");
        assert!(err.user_message().contains("stopped sending in the middle"), "{}", err.user_message());
    }
}

#[tokio::test]
async fn invalid_tool_json_reaches_the_caller_as_an_invalid_tool_use() {
    for kind in KINDS {
        let fake = fake(vec![Reply::new()
            .tool_use("write_file", json!({"path": "a.txt", "content": "hi"}))
            .fault(Fault::InvalidToolJson)])
        .await;
        let done = complete(&*model(&fake, kind, quick()), request(), CancellationToken::new()).await.unwrap();
        assert_eq!(done.invalid_tool_uses.len(), 1, "{kind:?}");
        assert!(done.invalid_tool_uses[0].1.contains("not valid JSON"), "{kind:?}: {:?}", done.invalid_tool_uses);
        assert_eq!(done.stop_reason, Some(StopReason::ToolUse));
    }
}

#[tokio::test]
async fn cancelling_mid_stream_ends_it_and_closes_the_connection() {
    for kind in KINDS {
        let fake = fake(vec![Reply::new().text("x").fault(Fault::Stall { after_events: 2, max_secs: Some(60) })]).await;
        let cancel = CancellationToken::new();
        let mut stream = model(&fake, kind, quick()).stream(&request(), cancel.clone());
        assert!(matches!(stream.next().await, Some(Ok(StreamEvent::MessageStart { .. }))), "{kind:?}");
        fake.wait_for_open_streams(1).await;
        cancel.cancel();
        let mut last = None;
        while let Some(item) = stream.next().await {
            last = Some(item);
        }
        assert!(matches!(last, Some(Err(ModelError::Cancelled))), "{kind:?}: {last:?}");
        fake.wait_for_open_streams(0).await;
    }
}

#[derive(Debug, serde::Deserialize, schemars::JsonSchema, PartialEq)]
struct Verdict {
    met: bool,
    evidence: String,
}

#[tokio::test]
async fn structured_output_is_parsed_or_rejected_with_the_reason() {
    for kind in KINDS {
        let fake = fake(vec![
            Reply::new().tool_use("submit_result", json!({"met": true, "evidence": "src/lib.rs:12"})),
            Reply::new().tool_use("submit_result", json!({"met": "maybe"})),
        ])
        .await;
        let model = model(&fake, kind, quick());
        let (verdict, _) = complete_structured::<Verdict>(&*model, request(), CancellationToken::new()).await.unwrap();
        assert_eq!(verdict, Verdict { met: true, evidence: "src/lib.rs:12".into() }, "{kind:?}");
        let sent = fake.requests().pop().unwrap().body.unwrap();
        let schema_props = match kind {
            ProviderKind::Anthropic => sent["tools"][0]["input_schema"]["properties"].clone(),
            ProviderKind::OpenaiCompatible => sent["tools"][0]["function"]["parameters"]["properties"].clone(),
        };
        assert!(schema_props.get("evidence").is_some(), "{kind:?}: the schema was sent: {schema_props}");
        let err = complete_structured::<Verdict>(&*model, request(), CancellationToken::new()).await.unwrap_err();
        assert!(
            matches!(&err, ModelError::InvalidResponse { message } if message.contains("schema")),
            "{kind:?}: {err:?}"
        );
    }
}
