//! Every wait on a provider is bounded, error bodies are read and kept only in part, the key is
//! never echoed, and messages name the real cause — for both wire formats against the fake.

use std::sync::Arc;
use std::time::Duration;

use reverie_llm::{
    complete, model_for, Endpoint, LanguageModel, ModelError, RetryPolicy, Stalled, StreamOptions, MAX_MESSAGE_CHARS,
};
use reverie_protocol::ProviderKind;
use reverie_testkit::{FakeProvider, FakeProviderConfig, Fault, Reply, Script};
use secrecy::SecretString;
use tokio_util::sync::CancellationToken;

use crate::streaming::{fake, model, quick, request, KINDS};

fn base_url(fake: &FakeProvider, kind: ProviderKind) -> String {
    match kind {
        ProviderKind::Anthropic => fake.base_url(),
        ProviderKind::OpenaiCompatible => fake.openai_base_url(),
    }
}

fn model_at(
    base_url: String,
    kind: ProviderKind,
    model: &str,
    key: &str,
    options: StreamOptions,
) -> Arc<dyn LanguageModel> {
    model_for(&Endpoint { kind, base_url, model: model.into() }, Some(SecretString::from(key.to_owned())), options)
}

async fn failure(model: &dyn LanguageModel) -> ModelError {
    complete(model, request(), CancellationToken::new()).await.unwrap_err()
}

#[tokio::test]
async fn a_provider_that_never_sends_headers_ends_with_a_timeout_naming_it() {
    for kind in KINDS {
        let fake = fake(vec![Reply::new().fault(Fault::NoHeaders { max_secs: Some(60) })]).await;
        let options = StreamOptions { response_timeout: Duration::from_millis(300), ..quick() };
        let err = failure(&*model(&fake, kind, options)).await;
        assert!(matches!(&err, ModelError::Timeout { stalled: Stalled::Headers, .. }), "{kind:?}: {err:?}");
        let message = err.user_message();
        assert!(message.contains(&fake.addr().to_string()) && message.contains("sent no response within"), "{message}");
        assert_eq!(fake.requests().len(), 1, "{kind:?}: a timeout is not retried");
    }
}

#[tokio::test]
async fn headers_then_nothing_ends_with_a_first_byte_timeout() {
    for kind in KINDS {
        let fake = fake(vec![Reply::new().text("x").fault(Fault::Stall { after_events: 0, max_secs: Some(60) })]).await;
        let options = StreamOptions { first_byte_timeout: Duration::from_millis(300), ..quick() };
        let err = failure(&*model(&fake, kind, options)).await;
        assert!(matches!(&err, ModelError::Timeout { stalled: Stalled::FirstByte, .. }), "{kind:?}: {err:?}");
        assert!(err.user_message().contains("answered but then sent nothing"), "{}", err.user_message());
    }
}

#[tokio::test]
async fn sse_comment_lines_keep_a_busy_server_alive() {
    for kind in KINDS {
        // 15 comment lines 50 ms apart: 750 ms of comments only, longer than the first-byte and
        // idle bounds, before the reply itself.
        let fake = fake(vec![Reply::new().text("read it all").fault(Fault::KeepAlive {
            after_events: 0,
            comments: 15,
            every_ms: 50,
        })])
        .await;
        let bound = Duration::from_millis(500);
        let options = StreamOptions { first_byte_timeout: bound, idle_timeout: bound, ..quick() };
        let done = complete(&*model(&fake, kind, options), request(), CancellationToken::new()).await;
        assert_eq!(done.map(|c| c.text()), Ok("read it all".to_owned()), "{kind:?}");
    }
}

#[tokio::test]
async fn a_5_mb_error_body_is_read_only_in_part_and_its_message_says_it_was_cut() {
    for kind in KINDS {
        let fake = fake(vec![Reply::new().fault(Fault::http_message(400, "x".repeat(5 * 1024 * 1024)))]).await;
        let err = failure(&*model(&fake, kind, quick())).await;
        let ModelError::Http { status: 400, message } = &err else { panic!("{kind:?}: {:.300}", format!("{err:?}")) };
        assert!(message.chars().count() <= MAX_MESSAGE_CHARS, "{kind:?}: {} chars", message.chars().count());
        assert!(
            message.starts_with("xxxx") && message.ends_with("the rest was not read]"),
            "{kind:?}: …{}",
            &message[message.len() - 80..]
        );
        assert!(err.user_message().chars().count() < MAX_MESSAGE_CHARS + 100);
    }
}

#[tokio::test]
async fn a_key_the_provider_echoes_never_leaves_the_adapter() {
    // Not shaped like any vendor's key: only masking by value can catch it.
    let key = "zq-local-echo-0123456789abcdef";
    for kind in KINDS {
        let script = Script::from_replies([
            Reply::new()
                .fault(Fault::http_message(401, format!("Incorrect API key provided: {key}. Or was it Bearer {key}?"))),
            Reply::new().fault(Fault::http_message(500, format!("upstream refused {key}"))),
            Reply::new().fault(Fault::http_message(502, format!("upstream refused {key} again"))),
            Reply::new().text("x").fault(Fault::StreamError {
                after_events: 1,
                error_type: Some("invalid_request_error".into()),
                message: Some(format!("key {key} is not allowed mid-stream; also sk-ant-api03-otherkey123456")),
            }),
        ]);
        let config = FakeProviderConfig { keys: vec![key.into()], ..FakeProviderConfig::default() };
        let fake = FakeProvider::start_with_script(config, script).await.unwrap();
        let options = StreamOptions { retry: RetryPolicy { max_attempts: 2, ..quick().retry }, ..quick() };
        let model = model_at(base_url(&fake, kind), kind, "fake-model", key, options);
        let auth = failure(&*model).await;
        assert!(matches!(auth, ModelError::Auth { .. }), "{kind:?}: {auth:?}");
        // 500, retried, then 502: the error the retry loop logs is sanitized before it is
        // logged (in `send`), and so is the last one.
        let retried = failure(&*model).await;
        let mid_stream = failure(&*model).await;
        for err in [&auth, &retried, &mid_stream] {
            let shown = format!("{err:?} {err} {}", err.user_message());
            assert!(!shown.contains(key) && !shown.contains(&key[..12]), "{kind:?}: {shown}");
            assert!(shown.contains("[REDACTED]"), "{kind:?}: {shown}");
            assert!(!shown.contains("otherkey123456"), "{kind:?}: a key-shaped word is masked too: {shown}");
        }
        assert!(
            auth.user_message()
                .starts_with("The provider rejected the API key (HTTP 401: Incorrect API key provided: [REDACTED]."),
            "{}",
            auth.user_message()
        );
    }
}

/// Everything logged while it is held, as text.
#[derive(Clone, Default)]
struct Logs(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_retry_log_never_shows_an_echoed_key() {
    let key = "zq-log-echo-0123456789abcdef";
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt().with_writer(move || writer.clone()).with_ansi(false).finish();
    // The test runtime is single-threaded: the stream's task logs on this thread.
    let _guard = tracing::subscriber::set_default(subscriber);
    for kind in KINDS {
        let script = Script::from_replies([
            Reply::new().fault(Fault::http_message(500, format!("upstream refused {key}"))),
            Reply::new().fault(Fault::http_message(502, format!("upstream refused {key} again"))),
        ]);
        let config = FakeProviderConfig { keys: vec![key.into()], ..FakeProviderConfig::default() };
        let fake = FakeProvider::start_with_script(config, script).await.unwrap();
        let options = StreamOptions { retry: RetryPolicy { max_attempts: 2, ..quick().retry }, ..quick() };
        failure(&*model_at(base_url(&fake, kind), kind, "fake-model", key, options)).await;
    }
    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert_eq!(text.matches("retrying").count(), 2, "{text}");
    assert!(text.contains("upstream refused [REDACTED]") && !text.contains(key), "{text}");
}

#[tokio::test]
async fn a_404_on_the_path_says_so_and_only_a_404_naming_the_model_says_model() {
    for kind in KINDS {
        let fake = fake(vec![]).await;
        let wrong_path =
            model_at(format!("{}/nothing", base_url(&fake, kind)), kind, "fake-model", "sk-test-good", quick());
        let err = failure(&*wrong_path).await;
        assert!(matches!(&err, ModelError::NoApi { url, .. } if url.contains("/nothing/")), "{kind:?}: {err:?}");
        let message = err.user_message();
        assert!(
            message.contains("HTTP 404") && message.contains("/nothing/") && message.contains("Check the base URL"),
            "{message}"
        );
        assert!(!message.contains("doesn't serve the model"), "{message}");

        let unknown = model_at(base_url(&fake, kind), kind, "no-such-model", "sk-test-good", quick());
        let err = failure(&*unknown).await;
        assert!(
            matches!(&err, ModelError::ModelNotFound { model, .. } if model == "no-such-model"),
            "{kind:?}: {err:?}"
        );
        assert!(err.user_message().contains("doesn't serve the model “no-such-model”"), "{}", err.user_message());
    }
}

#[tokio::test]
async fn a_200_that_is_not_an_event_stream_says_what_it_was() {
    let page = "<!DOCTYPE html>\n<html><head><title>Sign in to the proxy</title></head><body>…</body></html>";
    // JSON that is neither vendor's message (a whole message is read as one: `json_body` tests).
    let document = r#"{"status":"ok","service":"auth-proxy","version":"1.2"}"#;
    for kind in KINDS {
        let fake = fake(vec![
            Reply::new().fault(Fault::http_body(200, "text/html; charset=utf-8", page)),
            Reply::new().fault(Fault::http_body(200, "application/json", document)),
        ])
        .await;
        let model = model(&fake, kind, quick());
        for (expected, began) in [
            ("text/html; charset=utf-8", "<!DOCTYPE html> <html><head><title>Sign in"),
            ("application/json", "{\"status\":\"ok\""),
        ] {
            let err = failure(&*model).await;
            assert!(
                matches!(&err, ModelError::NotAnEventStream { content_type, .. } if content_type == expected),
                "{kind:?}: {err:?}"
            );
            let message = err.user_message();
            assert!(
                message.contains(&format!("with {expected}, not an event stream"))
                    && message.contains("Check the base URL"),
                "{message}"
            );
            assert!(message.contains(began), "{message}");
            assert!(!message.contains("Couldn't reach"), "{message}");
        }
    }
}

#[tokio::test]
async fn an_event_stream_under_another_label_is_still_read() {
    let stream = concat!(
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"fake-model\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":\"stop\"}]}\n\n",
        "data: [DONE]\n\n"
    );
    let fake = fake(vec![Reply::new().fault(Fault::http_body(200, "text/plain", stream))]).await;
    let done = complete(&*model(&fake, ProviderKind::OpenaiCompatible, quick()), request(), CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(done.text(), "hi");
}
