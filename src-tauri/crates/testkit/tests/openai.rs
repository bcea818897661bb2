//! `POST /v1/chat/completions`: the exact OpenAI chunk sequence for text and tool calls.

use reverie_testkit::{Reply, Step, StopReason, ToolUse, Usage};
use serde_json::{json, Value};

use crate::support::*;

/// The chunks before `[DONE]`, checked for the fields every chunk repeats.
fn chunks(events: &[Sse], include_usage: bool) -> Vec<Value> {
    let (last, rest) = events.split_last().expect("events");
    assert_eq!(last, &Sse { event: None, data: "[DONE]".into() });
    let chunks: Vec<Value> = rest
        .iter()
        .map(|e| {
            assert_eq!(e.event, None);
            e.json()
        })
        .collect();
    let id = chunks[0]["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("chatcmpl-"));
    for c in &chunks {
        assert_eq!(c["id"], id.as_str());
        assert_eq!(c["object"], "chat.completion.chunk");
        assert_eq!(c["model"], MODEL);
        assert_eq!(c["created"], chunks[0]["created"]);
        assert!(c["created"].as_u64().unwrap() > 1_700_000_000);
        assert_eq!(c.get("usage").is_some(), include_usage);
    }
    chunks
}

fn delta(c: &Value) -> &Value {
    assert_eq!(c["choices"].as_array().unwrap().len(), 1);
    assert_eq!(c["choices"][0]["index"], 0);
    &c["choices"][0]["delta"]
}

fn finish(c: &Value) -> &Value {
    &c["choices"][0]["finish_reason"]
}

#[tokio::test]
async fn streams_text_as_content_deltas_then_usage_then_done() {
    let reply = Reply::new().text_chunks("Hello from the fake, ünïcode ok.", 3).usage(Usage::new(42, 7).cache(30, 5));
    let fake = fake_with([reply]).await;
    let resp = post(&fake, Vendor::OpenAi, &body(Vendor::OpenAi, "hi")).await;
    assert!(resp.headers().contains_key("x-request-id"));
    let (text, events) = read_events(resp).await;
    let chunks = chunks(&events, true);
    assert_eq!(chunks.len(), 6);

    assert_eq!(delta(&chunks[0]), &json!({"role": "assistant", "content": ""}));
    let pieces: Vec<&str> = chunks[1..4]
        .iter()
        .map(|c| {
            assert_eq!(finish(c), &Value::Null);
            assert_eq!(c["usage"], Value::Null);
            let d = delta(c);
            assert_eq!(d.as_object().unwrap().len(), 1, "only content: {d}");
            d["content"].as_str().unwrap()
        })
        .collect();
    assert_eq!(pieces.concat(), "Hello from the fake, ünïcode ok.");
    assert_eq!(delta(&chunks[4]), &json!({}));
    assert_eq!(finish(&chunks[4]), "stop");
    assert_eq!(chunks[5]["choices"], json!([]));
    assert_eq!(
        chunks[5]["usage"],
        json!({"prompt_tokens": 77, "completion_tokens": 7, "total_tokens": 84, "prompt_tokens_details": {"cached_tokens": 30}})
    );
    // Byte for byte, keys in the API's order.
    let (id, created) = (chunks[0]["id"].as_str().unwrap(), &chunks[0]["created"]);
    let head = format!("{{\"id\":\"{id}\",\"object\":\"chat.completion.chunk\",\"created\":{created},\"model\":\"{MODEL}\",\"system_fingerprint\":\"fp_fake\"");
    assert!(text.starts_with(&format!(
        "data: {head},\"choices\":[{{\"index\":0,\"delta\":{{\"role\":\"assistant\",\"content\":\"\"}},\"logprobs\":null,\"finish_reason\":null}}],\"usage\":null}}\n\n"
    )));
    assert!(text.contains(&format!(
        "data: {head},\"choices\":[{{\"index\":0,\"delta\":{{}},\"logprobs\":null,\"finish_reason\":\"stop\"}}],\"usage\":null}}\n\n"
    )));
    assert!(text.ends_with(&format!(
        "data: {head},\"choices\":[],\"usage\":{{\"prompt_tokens\":77,\"completion_tokens\":7,\"total_tokens\":84,\"prompt_tokens_details\":{{\"cached_tokens\":30}}}}}}\n\ndata: [DONE]\n\n"
    )));
}

#[tokio::test]
async fn without_include_usage_there_is_no_usage_chunk() {
    let fake = fake_with([Reply::new().text_chunks("hi there", 2)]).await;
    let mut req = body(Vendor::OpenAi, "hi");
    req.as_object_mut().unwrap().remove("stream_options");
    let (_, events) = read_events(post(&fake, Vendor::OpenAi, &req).await).await;
    let chunks = chunks(&events, false);
    assert_eq!(chunks.len(), 4);
    assert_eq!(finish(&chunks[3]), "stop");
}

#[tokio::test]
async fn streams_tool_calls_with_arguments_split_across_deltas() {
    let first = json!({"path": "notes/todo.txt", "lines": {"from": 1, "to": 20}, "note": "naïve"});
    let second = json!({"command": "ls -la", "timeout_secs": 5});
    let reply = Reply::new()
        .step(Step::ToolUse(ToolUse { id: None, name: "read_file".into(), input: first.clone(), chunks: Some(4) }))
        .step(Step::ToolUse(ToolUse {
            id: Some("call_fixed".into()),
            name: "run_command".into(),
            input: second.clone(),
            chunks: Some(2),
        }));
    let fake = fake_with([reply]).await;
    let (_, events) = read_events(post(&fake, Vendor::OpenAi, &body(Vendor::OpenAi, "go")).await).await;
    let chunks = chunks(&events, true);
    // role, call 0 head + 4 pieces, call 1 head + 2 pieces, finish, usage
    assert_eq!(chunks.len(), 1 + 5 + 3 + 1 + 1);
    assert_eq!(delta(&chunks[0]), &json!({"role": "assistant", "content": null}));

    let head = delta(&chunks[1]);
    let call = &head["tool_calls"][0];
    assert_eq!(call["index"], 0);
    assert!(call["id"].as_str().unwrap().starts_with("call_"));
    assert_eq!(call["type"], "function");
    assert_eq!(call["function"], json!({"name": "read_file", "arguments": ""}));

    let args = |range: std::ops::Range<usize>, index: u64| -> String {
        chunks[range]
            .iter()
            .map(|c| {
                let d = delta(c);
                assert_eq!(d.as_object().unwrap().len(), 1);
                let call = &d["tool_calls"][0];
                assert_eq!(call.as_object().unwrap().len(), 2, "only index and function: {call}");
                assert_eq!(call["index"], index);
                assert_eq!(call["function"].as_object().unwrap().len(), 1);
                let piece = call["function"]["arguments"].as_str().unwrap().to_owned();
                assert!(!piece.is_empty() && serde_json::from_str::<Value>(&piece).is_err());
                piece
            })
            .collect()
    };
    assert_eq!(serde_json::from_str::<Value>(&args(2..6, 0)).unwrap(), first);

    let call = &delta(&chunks[6])["tool_calls"][0];
    assert_eq!(call["index"], 1);
    assert_eq!(call["id"], "call_fixed");
    assert_eq!(call["function"]["name"], "run_command");
    assert_eq!(serde_json::from_str::<Value>(&args(7..9, 1)).unwrap(), second);

    assert_eq!(finish(&chunks[9]), "tool_calls");
    assert_eq!(chunks[10]["choices"], json!([]));
}

#[tokio::test]
async fn maps_stop_reasons() {
    for (reason, expected) in
        [(StopReason::MaxTokens, "length"), (StopReason::EndTurn, "stop"), (StopReason::ToolUse, "tool_calls")]
    {
        let fake = fake_with([Reply::new().text("x").stop_reason(reason)]).await;
        let (_, events) = read_events(post(&fake, Vendor::OpenAi, &body(Vendor::OpenAi, "x")).await).await;
        let chunks = chunks(&events, true);
        assert_eq!(finish(&chunks[chunks.len() - 2]), expected);
    }
}
