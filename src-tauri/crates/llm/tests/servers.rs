//! Every server people run: the adapters against the fake provider's quirk profiles (llama.cpp,
//! LiteLLM, and each stream variant alone), in both wire formats where the variant exists.

use std::time::Duration;

use reverie_llm::{
    check_connection, complete, is_local_url, Completion, ContentBlock, Endpoint, ModelError, Stalled, StopReason,
    StreamOptions, Usage as LlmUsage, FIRST_TOKEN_TIMEOUT_ENV,
};
use reverie_protocol::ProviderKind;
use reverie_testkit::{FakeProvider, FakeProviderConfig, Fault, Quirk, Quirks, Reply, Script, Step, ToolUse, Usage};
use secrecy::SecretString;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::streaming::{fake, model, quick, request, KINDS};

/// Text, then two tool calls (explicit ids, so answers compare across quirks), and counts.
fn reply() -> Reply {
    let tool = |id: &str, name: &str, input| {
        Step::ToolUse(ToolUse { id: Some(id.into()), name: name.into(), input, chunks: Some(4) })
    };
    Reply::new()
        .text_chunks("Reading both.", 3)
        .step(tool("call_a", "read_file", json!({"path": "a.txt", "range": {"start": 1}})))
        .step(tool("call_b", "list_files", json!({"path": "src"})))
        .usage(Usage::new(120, 30).cache(80, 0))
}

/// The whole answer to [`reply`] from a fake with `quirks`.
async fn answer(kind: ProviderKind, quirks: Quirks, reply: Reply) -> Result<Completion, ModelError> {
    let fake = fake(vec![reply]).await;
    fake.set_quirks(quirks);
    complete(&*model(&fake, kind, quick()), request(), CancellationToken::new()).await
}

fn expected_content() -> Vec<ContentBlock> {
    vec![
        ContentBlock::Text { text: "Reading both.".into() },
        ContentBlock::ToolUse {
            id: "call_a".into(),
            name: "read_file".into(),
            input: json!({"path": "a.txt", "range": {"start": 1}}),
        },
        ContentBlock::ToolUse { id: "call_b".into(), name: "list_files".into(), input: json!({"path": "src"}) },
    ]
}

/// What every variant must come to: the same blocks, the stop, and counts as reported.
fn assert_same_answer(done: &Completion, what: &str) {
    assert_eq!(done.content, expected_content(), "{what}");
    assert_eq!(done.stop_reason, Some(StopReason::ToolUse), "{what}");
    assert!(done.invalid_tool_uses.is_empty(), "{what}: {:?}", done.invalid_tool_uses);
    assert_eq!((done.usage.tokens_in(), done.usage.output_tokens), (200, 30), "{what}: {:?}", done.usage);
    assert!(!done.usage.estimated, "{what}");
}

#[tokio::test]
async fn every_openai_stream_variant_gives_the_same_answer() {
    let variants = [
        Quirks::none(),
        Quirks::of([Quirk::ToolCallsWithoutIndex]),
        Quirks::of([Quirk::RepeatToolHead]),
        Quirks::of([Quirk::ToolCallsWithoutIndex, Quirk::RepeatToolHead]),
        Quirks::of([Quirk::UsageInEmptyChoice]),
        Quirks::of([Quirk::Timings, Quirk::UsageInEmptyChoice]),
        Quirks::of([Quirk::ContentNullFirst]),
        Quirks::llamacpp(),
        Quirks::of([Quirk::JsonBody]),
        Quirks::of([Quirk::JsonBody, Quirk::ToolCallsWithoutIndex]),
    ];
    for quirks in variants {
        let done = answer(ProviderKind::OpenaiCompatible, quirks.clone(), reply()).await;
        let done = done.unwrap_or_else(|e| panic!("{quirks}: {e:?}"));
        assert_same_answer(&done, &quirks.to_string());
        assert_eq!(done.usage.cache_read_tokens, 80, "{quirks}");
    }
}

#[tokio::test]
async fn every_anthropic_stream_variant_gives_the_same_answer() {
    let variants = [
        Quirks::none(),
        Quirks::of([Quirk::NoPings]),
        Quirks::of([Quirk::UsageInMessageDelta]),
        Quirks::of([Quirk::CacheReadSplit]),
        Quirks::of([Quirk::UsageInMessageDelta, Quirk::CacheReadSplit]),
        Quirks::of([Quirk::TextLeftOpen]),
        Quirks::of([Quirk::StopsReversed]),
        Quirks::of([Quirk::ToolBlocksOverlap]),
        Quirks::of([Quirk::ToolBlocksOverlap, Quirk::StopsReversed, Quirk::TextLeftOpen, Quirk::NoPings]),
        Quirks::llamacpp(),
        Quirks::of([Quirk::JsonBody]),
    ];
    for quirks in variants {
        let done = answer(ProviderKind::Anthropic, quirks.clone(), reply()).await;
        let done = done.unwrap_or_else(|e| panic!("{quirks}: {e:?}"));
        assert_same_answer(&done, &quirks.to_string());
    }
    // llama.cpp's split: one input token, the rest read from its cache; tokens in is the sum.
    let done = answer(ProviderKind::Anthropic, Quirks::of([Quirk::CacheReadSplit]), reply()).await.unwrap();
    assert_eq!((done.usage.input_tokens, done.usage.cache_read_tokens, done.usage.tokens_in()), (1, 199, 200));
}

#[tokio::test]
async fn a_tool_block_never_closed_is_still_a_tool_use() {
    // No block is ever closed (and a block never opened is): `message_stop` finishes them.
    let stream = concat!(
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"fake-model\",\"usage\":{\"input_tokens\":0,\"output_tokens\":0}}}\n\n",
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n",
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"read_file\",\"input\":{}}}\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"path\\\":\\\"a\\\"}\"}}\n\n",
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":7}\n\n",
        "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},\"usage\":{\"input_tokens\":12,\"output_tokens\":5}}\n\n",
        "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
    );
    let fake = fake(vec![Reply::new().fault(Fault::http_body(200, "text/event-stream", stream))]).await;
    let done =
        complete(&*model(&fake, ProviderKind::Anthropic, quick()), request(), CancellationToken::new()).await.unwrap();
    assert_eq!(done.text(), "Hi");
    assert_eq!(
        done.tool_uses().map(|(id, _, input)| (id.to_owned(), input.clone())).collect::<Vec<_>>(),
        [("t1".to_owned(), json!({"path": "a"}))]
    );
    assert_eq!((done.usage.input_tokens, done.usage.output_tokens), (12, 5), "input tokens from message_delta");
}

#[tokio::test]
async fn a_stream_without_usage_is_estimated_and_says_so() {
    for quirks in [Quirks::of([Quirk::NoUsage]), Quirks::of([Quirk::NoUsage, Quirk::JsonBody])] {
        let done = answer(ProviderKind::OpenaiCompatible, quirks.clone(), reply()).await.unwrap();
        assert_eq!(done.content, expected_content(), "{quirks}");
        assert!(done.usage.estimated, "{quirks}: {:?}", done.usage);
        // The request body is a few hundred bytes, the answer ~100: about 4 bytes a token.
        assert!((20..1_000).contains(&done.usage.input_tokens), "{quirks}: {:?}", done.usage);
        assert!((5..100).contains(&done.usage.output_tokens), "{quirks}: {:?}", done.usage);
    }
    // Reported counts are never marked.
    let done = answer(ProviderKind::OpenaiCompatible, Quirks::none(), reply()).await.unwrap();
    assert_eq!(
        done.usage,
        LlmUsage { input_tokens: 120, output_tokens: 30, cache_read_tokens: 80, ..LlmUsage::default() }
    );
}

#[tokio::test]
async fn a_whole_json_message_to_a_streaming_request_is_the_answer() {
    for kind in KINDS {
        let done = answer(kind, Quirks::litellm(), Reply::new().text("All done.")).await.unwrap();
        assert_eq!((done.text(), done.stop_reason), ("All done.".to_owned(), Some(StopReason::EndTurn)), "{kind:?}");
        // And an error in a 200 JSON body is that error, typed.
        let fake = fake(vec![Reply::new().fault(Fault::http_body(
            200,
            "application/json",
            r#"{"error":{"message":"This model's maximum context length is 8192 tokens","type":"invalid_request_error","code":"context_length_exceeded"}}"#,
        ))])
        .await;
        let err = complete(&*model(&fake, kind, quick()), request(), CancellationToken::new()).await.unwrap_err();
        assert!(matches!(err, ModelError::ContextWindowExceeded { .. }), "{kind:?}: {err:?}");
    }
}

#[tokio::test]
async fn context_errors_are_typed_in_every_servers_words_on_both_endpoints() {
    for quirks in [Quirks::none(), Quirks::llamacpp()] {
        for kind in KINDS {
            let fake = fake(vec![Reply::new().fault(Fault::context_exceeded())]).await;
            fake.set_quirks(quirks.clone());
            let err = complete(&*model(&fake, kind, quick()), request(), CancellationToken::new()).await.unwrap_err();
            assert!(matches!(&err, ModelError::ContextWindowExceeded { .. }), "{quirks} {kind:?}: {err:?}");
            assert!(err.user_message().contains("too large for the model"), "{}", err.user_message());
            assert_eq!(fake.requests().len(), 1, "{quirks} {kind:?}: not retried");
        }
    }
    // Mid-stream, in llama.cpp's shape on either endpoint.
    for kind in KINDS {
        let fake = fake(vec![Reply::new().text("x").fault(Fault::StreamError {
            after_events: 1,
            error_type: Some("exceed_context_size_error".into()),
            message: Some("the request exceeds the available context size, try increasing it".into()),
        })])
        .await;
        fake.set_quirks(Quirks::llamacpp());
        let err = complete(&*model(&fake, kind, quick()), request(), CancellationToken::new()).await.unwrap_err();
        assert!(matches!(&err, ModelError::ContextWindowExceeded { .. }), "{kind:?}: {err:?}");
    }
}

#[tokio::test]
async fn openai_shaped_errors_on_the_messages_path_are_typed() {
    let fake = fake(vec![
        Reply::new().text("x").fault(Fault::StreamError {
            after_events: 1,
            error_type: Some("server_error".into()),
            message: Some("slot unavailable".into()),
        }),
        Reply::new().fault(Fault::http(401)),
    ])
    .await;
    fake.set_quirks(Quirks::of([Quirk::LlamacppErrors]));
    let anthropic = model(&fake, ProviderKind::Anthropic, quick());
    let err = complete(&*anthropic, request(), CancellationToken::new()).await.unwrap_err();
    assert_eq!(err, ModelError::Overloaded, "an OpenAI-shaped event on /v1/messages is read, not 'malformed'");
    let err = complete(&*anthropic, request(), CancellationToken::new()).await.unwrap_err();
    assert!(matches!(err, ModelError::Auth { .. }), "{err:?}");
}

#[tokio::test]
async fn test_connection_falls_back_to_the_model_list_when_the_model_path_is_404() {
    let config = FakeProviderConfig { models: vec!["smollm2".into(), "fake-model".into()], ..Default::default() };
    let fake = FakeProvider::start_with_script(config, Script::new()).await.unwrap();
    fake.set_quirks(Quirks::llamacpp());
    let key = SecretString::from("sk-test-good".to_owned());
    let endpoint =
        |model: &str| Endpoint { kind: ProviderKind::Anthropic, base_url: fake.base_url(), model: model.into() };
    assert_eq!(check_connection(&endpoint("smollm2"), Some(&key)).await, Ok(()));
    let paths: Vec<String> = fake.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, ["/v1/models/smollm2", "/v1/models"], "the per-model path, then the list");
    let err = check_connection(&endpoint("qwen"), Some(&key)).await.unwrap_err();
    assert_eq!(
        err,
        ModelError::ModelNotFound { model: "qwen".into(), available: vec!["smollm2".into(), "fake-model".into()] }
    );
}

/// Comments only, for longer than every wait but the first-token limit in force.
fn commenting(comments: usize) -> Reply {
    Reply::new().text("read it all").fault(Fault::KeepAlive { after_events: 0, comments, every_ms: 50 })
}

#[tokio::test]
async fn comments_keep_a_server_alive_but_the_first_token_has_its_own_limit() {
    // The fake is on loopback: a local server, so the local limit applies, not the remote one.
    for kind in KINDS {
        let fake = fake(vec![commenting(16), commenting(16)]).await;
        fake.set_quirks(Quirks::llamacpp());
        let short = Duration::from_millis(300);
        let generous = StreamOptions {
            first_byte_timeout: short,
            idle_timeout: short,
            first_token_timeout: Duration::from_millis(100),
            local_first_token_timeout: Duration::from_secs(30),
            ..quick()
        };
        let done = complete(&*model(&fake, kind, generous), request(), CancellationToken::new()).await;
        assert_eq!(done.map(|c| c.text()), Ok("read it all".to_owned()), "{kind:?}: comments are life");

        let strict = StreamOptions { local_first_token_timeout: Duration::from_millis(400), ..generous };
        let err = complete(&*model(&fake, kind, strict), request(), CancellationToken::new()).await.unwrap_err();
        assert!(matches!(&err, ModelError::Timeout { stalled: Stalled::FirstToken, .. }), "{kind:?}: {err:?}");
        let message = err.user_message();
        assert!(message.contains("had not begun its answer") && message.contains(FIRST_TOKEN_TIMEOUT_ENV), "{message}");
    }
}

#[test]
fn loopback_and_lan_servers_are_local_and_hosted_apis_are_not() {
    assert!(is_local_url("http://127.0.0.1:8080/v1") && is_local_url("http://localhost:11434/v1"));
    assert!(is_local_url("http://192.168.1.20:1234/v1"));
    assert!(!is_local_url("https://api.anthropic.com") && !is_local_url("https://api.openai.com/v1"));
    let endpoint =
        Endpoint { kind: ProviderKind::OpenaiCompatible, base_url: "http://[::1]:8080/v1".into(), model: "m".into() };
    assert!(endpoint.is_local());
}
