//! `POST /v1/messages`: the exact Anthropic event sequence for text and tool calls.

use reverie_testkit::{Reply, Step, StopReason, ToolUse, Usage};
use serde_json::{json, Value};

use crate::support::*;

fn names(events: &[Sse]) -> Vec<&str> {
    events.iter().map(|e| e.event.as_deref().expect("every Anthropic event is named")).collect()
}

#[tokio::test]
async fn streams_text_in_the_scripted_number_of_deltas() {
    let reply = Reply::new().text_chunks("Hello from the fake, ünïcode ok.", 3).usage(Usage::new(42, 7).cache(30, 5));
    let fake = fake_with([reply]).await;
    let resp = post(&fake, Vendor::Anthropic, &body(Vendor::Anthropic, "hi")).await;
    assert!(resp.headers()["request-id"].to_str().unwrap().starts_with("req_"));
    let (text, events) = read_events(resp).await;

    assert_eq!(
        names(&events),
        [
            "message_start",
            "ping",
            "content_block_start",
            "content_block_delta",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop"
        ]
    );
    // Every event's data `type` is its event name.
    for e in &events {
        assert_eq!(e.json()["type"], e.event.as_deref().unwrap());
    }
    let start = events[0].json();
    let message = &start["message"];
    assert!(message["id"].as_str().unwrap().starts_with("msg_"));
    assert_eq!(message["type"], "message");
    assert_eq!(message["role"], "assistant");
    assert_eq!(message["model"], MODEL);
    assert_eq!(message["content"], json!([]));
    assert_eq!(message["stop_reason"], Value::Null);
    assert_eq!(
        message["usage"],
        json!({"input_tokens": 42, "output_tokens": 1, "cache_creation_input_tokens": 5, "cache_read_input_tokens": 30})
    );
    assert_eq!(
        events[2].json(),
        json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}})
    );
    let pieces: Vec<String> = events[3..6]
        .iter()
        .map(|e| {
            let d = e.json();
            assert_eq!(d["index"], 0);
            assert_eq!(d["delta"]["type"], "text_delta");
            d["delta"]["text"].as_str().unwrap().to_owned()
        })
        .collect();
    assert!(pieces.iter().all(|p| !p.is_empty()));
    assert_eq!(pieces.concat(), "Hello from the fake, ünïcode ok.");
    assert_eq!(events[6].json(), json!({"type": "content_block_stop", "index": 0}));
    assert_eq!(
        events[7].json(),
        json!({"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": null}, "usage": {"output_tokens": 7}})
    );
    // Byte for byte: `event: NAME\ndata: JSON\n\n`, compact JSON.
    assert!(text.starts_with("event: message_start\ndata: {\""));
    assert!(text.contains("\n\nevent: ping\ndata: {\"type\":\"ping\"}\n\n"));
    assert!(text.ends_with("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"));
    // Keys in the API's order, not sorted.
    let id = message["id"].as_str().unwrap();
    assert!(text.starts_with(&format!(
        "event: message_start\ndata: {{\"type\":\"message_start\",\"message\":{{\"model\":\"{MODEL}\",\"id\":\"{id}\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{{\"input_tokens\":42,\"cache_creation_input_tokens\":5,\"cache_read_input_tokens\":30,\"output_tokens\":1}}}}}}\n\nevent: ping\n"
    )));
    assert!(text.contains(&format!(
        "{}{}{}\"}}}}\n\n",
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"",
        pieces[0],
    )));
    assert!(text.contains(
        "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":7}}\n\n"
    ));
}

#[tokio::test]
async fn streams_a_tool_call_with_its_json_split_across_deltas() {
    let input = json!({"path": "notes/todo.txt", "lines": {"from": 1, "to": 20}, "note": "naïve"});
    let reply = Reply::new().text_chunks("Let me read it.", 2).step(Step::ToolUse(ToolUse {
        id: None,
        name: "read_file".into(),
        input: input.clone(),
        chunks: Some(4),
    }));
    let fake = fake_with([reply]).await;
    let (_, events) = read_events(post(&fake, Vendor::Anthropic, &body(Vendor::Anthropic, "read")).await).await;

    assert_eq!(
        names(&events),
        [
            "message_start",
            "ping",
            "content_block_start",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "content_block_start",
            "content_block_delta",
            "ping",
            "content_block_delta",
            "content_block_delta",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop"
        ]
    );
    let start = events[6].json();
    assert_eq!(start["index"], 1);
    let block = &start["content_block"];
    assert_eq!(block["type"], "tool_use");
    assert!(block["id"].as_str().unwrap().starts_with("toolu_"));
    assert_eq!(block["name"], "read_file");
    assert_eq!(block["input"], json!({}));

    let partials: Vec<String> = events[7..13]
        .iter()
        .filter(|e| e.event.as_deref() == Some("content_block_delta"))
        .map(|e| {
            let d = e.json();
            assert_eq!(d["index"], 1);
            assert_eq!(d["delta"]["type"], "input_json_delta");
            d["delta"]["partial_json"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(partials.len(), 5);
    assert_eq!(partials[0], "", "the first input_json_delta is empty, as the API sends it");
    assert!(partials[1..].iter().all(|p| !p.is_empty()));
    // Pieces are cut at arbitrary places: none of them is valid JSON on its own.
    assert!(partials[1..].iter().all(|p| serde_json::from_str::<Value>(p).is_err()));
    let joined = partials.concat();
    assert_eq!(serde_json::from_str::<Value>(&joined).unwrap(), input);
    assert_eq!(events[14].json()["delta"]["stop_reason"], "tool_use");
}

#[tokio::test]
async fn keeps_scripted_ids_and_stop_reasons() {
    let reply = Reply::new()
        .step(Step::ToolUse(ToolUse {
            id: Some("toolu_fixed".into()),
            name: "list_files".into(),
            input: json!({}),
            chunks: None,
        }))
        .stop_reason(StopReason::MaxTokens);
    let fake = fake_with([reply]).await;
    let (_, events) = read_events(post(&fake, Vendor::Anthropic, &body(Vendor::Anthropic, "x")).await).await;
    assert_eq!(events[2].json()["content_block"]["id"], "toolu_fixed");
    let partial: String = events
        .iter()
        .filter(|e| e.event.as_deref() == Some("content_block_delta"))
        .map(|e| e.json()["delta"]["partial_json"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(partial, "{}");
    let delta = events.iter().find(|e| e.event.as_deref() == Some("message_delta")).unwrap().json();
    assert_eq!(delta["delta"]["stop_reason"], "max_tokens");
}

#[tokio::test]
async fn an_empty_reply_is_still_a_whole_message() {
    let fake = fake_with([Reply::new()]).await;
    let (_, events) = read_events(post(&fake, Vendor::Anthropic, &body(Vendor::Anthropic, "x")).await).await;
    assert_eq!(names(&events), ["message_start", "ping", "message_delta", "message_stop"]);
}

#[tokio::test]
async fn usage_defaults_to_an_estimate() {
    let fake = fake_with([Reply::new().text("twelve chars")]).await;
    let (_, events) = read_events(post(&fake, Vendor::Anthropic, &body(Vendor::Anthropic, "x")).await).await;
    let usage = &events[0].json()["message"]["usage"];
    assert!(usage["input_tokens"].as_u64().unwrap() > 10, "≈ request bytes / 4: {usage}");
    assert_eq!(usage["cache_read_input_tokens"], 0);
    assert_eq!(usage["cache_creation_input_tokens"], 0);
    let delta = events.iter().find(|e| e.event.as_deref() == Some("message_delta")).unwrap().json();
    assert_eq!(delta["usage"]["output_tokens"], 3);
}
