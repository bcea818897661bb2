//! The step-by-step model: requests wait until the test takes them, events arrive in the order
//! pushed, a failure or a cancel ends the stream, and the test sees when the caller stops.

use futures::StreamExt;
use reverie_llm::{complete, LanguageModel, Message, ModelError, Request, StopReason, StreamEvent, Usage};
use reverie_testkit::step::{StepModel, STEP_MODEL_ID};
use serde_json::json;
use tokio_util::sync::CancellationToken;

fn request(system: &str, text: &str) -> Request {
    Request { system: system.into(), messages: vec![Message::user(text)], max_tokens: 100, ..Default::default() }
}

#[tokio::test]
async fn events_arrive_in_the_order_pushed_after_the_message_start() {
    let model = StepModel::new();
    let mut stream = model.stream(&request("You help. [[script:helper]]", "Hi"), CancellationToken::new());
    let ask = model.next_request().await;
    assert_eq!((ask.conversation(), ask.number(), ask.system()), ("helper", 1, "You help. [[script:helper]]"));
    assert!(ask.mentions("Hi") && !ask.mentions("Bye"));
    ask.text("Hel").text("lo").tool_use("toolu_1", "read_file", json!({"path": "a.txt"})).usage(Usage {
        input_tokens: 5,
        output_tokens: 2,
        ..Usage::default()
    });
    ask.stop(StopReason::ToolUse);
    let mut events = Vec::new();
    while let Some(event) = stream.next().await {
        events.push(event.unwrap());
    }
    assert_eq!(events[0], StreamEvent::MessageStart { id: "step_1".into(), model: STEP_MODEL_ID.into() });
    assert_eq!(
        events[1..],
        [
            StreamEvent::TextDelta { text: "Hel".into() },
            StreamEvent::TextDelta { text: "lo".into() },
            StreamEvent::ToolUse { id: "toolu_1".into(), name: "read_file".into(), input: json!({"path": "a.txt"}) },
            StreamEvent::Usage(Usage { input_tokens: 5, output_tokens: 2, ..Usage::default() }),
            StreamEvent::Stop { reason: StopReason::ToolUse },
        ]
    );
    assert_eq!(model.requests(), [request("You help. [[script:helper]]", "Hi")]);
}

#[tokio::test]
async fn requests_wait_until_taken_and_can_be_taken_by_conversation() {
    let model = StepModel::with_model_id("m-1");
    assert_eq!(model.model_id(), "m-1");
    assert!(model.try_next_request().is_none());
    let engine = model.as_model();
    let (a, b) = (request("[[script:alpha]]", "one"), request("no marker", "two [[script:beta]]"));
    let (cancel, done) = (CancellationToken::new(), CancellationToken::new());
    let first = tokio::spawn({
        let engine = engine.clone();
        async move { complete(&*engine, a, cancel).await }
    });
    let second = tokio::spawn({
        let engine = engine.clone();
        async move { complete(&*engine, b, done).await }
    });
    // Taken out of order: alpha waits while beta is answered.
    let beta = model.next_request_for("beta").await;
    let alpha = model.next_request_for("alpha").await;
    assert_eq!(model.waiting(), 0);
    let mut conversations = model.conversations();
    conversations.sort();
    assert_eq!(conversations, ["alpha", "beta"]);
    beta.reply_text("B");
    assert_eq!(second.await.unwrap().unwrap().text(), "B");
    assert!(!first.is_finished() && !alpha.is_cancelled(), "alpha is still open");
    alpha.reply_text("A");
    let completion = first.await.unwrap().unwrap();
    assert_eq!((completion.text(), completion.stop_reason), ("A".into(), Some(StopReason::EndTurn)));
    assert_eq!(completion.model, "m-1");
    assert_eq!(model.requests_for("alpha").len(), 1);
    assert_eq!(model.requests_for("default").len(), 0);
}

#[tokio::test]
async fn a_failure_ends_the_stream_with_the_error_and_an_ended_stream_has_no_stop() {
    let model = StepModel::new();
    let failing = tokio::spawn({
        let model = model.clone();
        async move { complete(&model, request("", "x"), CancellationToken::new()).await }
    });
    let ask = model.next_request().await;
    assert_eq!(ask.conversation(), "default");
    ask.text("partial");
    ask.fail(ModelError::Overloaded);
    assert_eq!(failing.await.unwrap(), Err(ModelError::Overloaded));

    let cut = tokio::spawn({
        let model = model.clone();
        async move { complete(&model, request("", "y"), CancellationToken::new()).await }
    });
    let ask = model.next_request().await;
    ask.text("half");
    ask.end();
    assert!(
        matches!(cut.await.unwrap(), Err(ModelError::InvalidResponse { message }) if message.contains("without a stop reason"))
    );
}

#[tokio::test]
async fn the_test_sees_a_cancel_and_a_dropped_stream_and_the_caller_gets_cancelled() {
    let model = StepModel::new();
    let cancel = CancellationToken::new();
    let mut stream = model.stream(&request("", "x"), cancel.clone());
    let ask = model.next_request().await;
    assert_eq!(stream.next().await.map(|e| matches!(e, Ok(StreamEvent::MessageStart { .. }))), Some(true));
    cancel.cancel();
    ask.closed().await;
    assert!(ask.is_cancelled());
    assert_eq!(stream.next().await, Some(Err(ModelError::Cancelled)));
    assert!(stream.next().await.is_none());

    let stream = model.stream(&request("", "y"), CancellationToken::new());
    let ask = model.next_request().await;
    drop(stream);
    ask.closed().await;
    assert!(
        !ask.is_cancelled() && !ask.send(StreamEvent::TextDelta { text: "late".into() }),
        "nobody listens any more"
    );
}
