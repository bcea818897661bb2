//! Quirk profiles: the fake answers the way llama.cpp's server and LiteLLM do, byte for byte
//! where it matters, and the binary takes `--quirks`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use reverie_testkit::{Fault, Quirk, Quirks, Reply, Script, ToolUse};
use serde_json::{json, Value};

use crate::support::*;

fn reply() -> Reply {
    Reply::new()
        .text_chunks("Let me look.", 2)
        .step(reverie_testkit::Step::ToolUse(ToolUse {
            id: Some("toolu_a".into()),
            name: "read_file".into(),
            input: json!({"path": "a.txt"}),
            chunks: Some(2),
        }))
        .step(reverie_testkit::Step::ToolUse(ToolUse {
            id: Some("toolu_b".into()),
            name: "list_files".into(),
            input: json!({"path": "."}),
            chunks: Some(2),
        }))
        .usage(reverie_testkit::Usage::new(30, 7).cache(12, 0))
}

/// The events of one reply under `quirks`.
async fn events_with(quirks: Quirks, vendor: Vendor, reply: Reply) -> Vec<Sse> {
    let fake = fake_with([reply]).await;
    fake.set_quirks(quirks);
    read_events(post(&fake, vendor, &body(vendor, "hi")).await).await.1
}

fn types(events: &[Sse]) -> Vec<String> {
    events
        .iter()
        .filter(|e| e.data != "[DONE]")
        .map(|e| {
            let v = e.json();
            let index = v.get("index").map(|i| format!("#{i}")).unwrap_or_default();
            format!("{}{index}", v["type"].as_str().unwrap_or("?"))
        })
        .collect()
}

#[test]
fn profiles_and_single_quirks_parse_by_name_and_unknown_names_are_refused() {
    assert_eq!(Quirks::parse("llamacpp").unwrap(), Quirks::llamacpp());
    assert_eq!(Quirks::parse("none").unwrap(), Quirks::none());
    let mixed = Quirks::parse("litellm, no_usage,tool_calls_without_index").unwrap();
    assert!(mixed.has(Quirk::JsonBody) && mixed.has(Quirk::NoUsage) && mixed.has(Quirk::ToolCallsWithoutIndex));
    assert_eq!(Quirks::parse(&mixed.to_string()).unwrap(), mixed, "Display round-trips");
    let err = Quirks::parse("llamacp").unwrap_err();
    assert!(err.contains("llamacp") && err.contains("llamacpp") && err.contains("no_pings"), "{err}");
    for quirk in Quirk::ALL {
        assert_eq!(Quirks::parse(&quirk.name()).unwrap(), Quirks::of([quirk]), "{quirk:?}");
    }
}

#[tokio::test]
async fn llamacpp_streams_content_null_first_usage_with_timings_and_no_pings() {
    let openai = events_with(Quirks::llamacpp(), Vendor::OpenAi, Reply::new().text("hi there")).await;
    assert_eq!(openai[0].json()["choices"][0]["delta"], json!({"role": "assistant", "content": null}));
    let usage = openai.iter().rev().find(|e| e.data.contains("\"usage\":{")).unwrap().json();
    assert_eq!(usage["choices"], json!([]));
    assert!(usage["timings"]["prompt_n"].is_u64(), "{usage}");

    let anthropic = events_with(Quirks::llamacpp(), Vendor::Anthropic, reply()).await;
    assert!(anthropic.iter().all(|e| e.event.as_deref() != Some("ping")), "no pings");
    let start = anthropic[0].json();
    assert_eq!(
        start["message"]["usage"],
        json!({"input_tokens": 1, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 41, "output_tokens": 1}),
        "the prompt as one input token and the rest read from the cache"
    );
}

#[tokio::test]
async fn anthropic_block_quirks_reorder_starts_deltas_and_stops() {
    let plain = types(&events_with(Quirks::none(), Vendor::Anthropic, reply()).await);
    assert_eq!(
        plain.iter().filter(|t| t.starts_with("content_block_st")).cloned().collect::<Vec<_>>(),
        [
            "content_block_start#0",
            "content_block_stop#0",
            "content_block_start#1",
            "content_block_stop#1",
            "content_block_start#2",
            "content_block_stop#2"
        ]
    );
    let blocks = |events: Vec<String>| -> Vec<String> {
        events.into_iter().filter(|t| t.starts_with("content_block_st")).collect()
    };
    let open = blocks(types(&events_with(Quirks::of([Quirk::TextLeftOpen]), Vendor::Anthropic, reply()).await));
    assert_eq!(
        open,
        [
            "content_block_start#0",
            "content_block_start#1",
            "content_block_stop#1",
            "content_block_stop#0",
            "content_block_start#2",
            "content_block_stop#2"
        ]
    );
    let reversed = blocks(types(&events_with(Quirks::of([Quirk::StopsReversed]), Vendor::Anthropic, reply()).await));
    assert_eq!(
        reversed,
        [
            "content_block_start#0",
            "content_block_start#1",
            "content_block_start#2",
            "content_block_stop#2",
            "content_block_stop#1",
            "content_block_stop#0"
        ]
    );
    let overlap = types(&events_with(Quirks::of([Quirk::ToolBlocksOverlap]), Vendor::Anthropic, reply()).await);
    let tools: Vec<&str> =
        overlap.iter().map(String::as_str).filter(|t| t.ends_with("#1") || t.ends_with("#2")).collect();
    assert_eq!(&tools[..2], ["content_block_start#1", "content_block_start#2"], "{tools:?}");
    assert_eq!(&tools[2..4], ["content_block_delta#1", "content_block_delta#2"], "interleaved: {tools:?}");
    assert_eq!(&tools[tools.len() - 2..], ["content_block_stop#1", "content_block_stop#2"]);

    let late = events_with(Quirks::of([Quirk::UsageInMessageDelta]), Vendor::Anthropic, reply()).await;
    assert_eq!(
        late[0].json()["message"]["usage"],
        json!({"input_tokens": 0, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0, "output_tokens": 0})
    );
    let delta = late.iter().find(|e| e.event.as_deref() == Some("message_delta")).unwrap().json();
    assert_eq!(delta["usage"]["input_tokens"], 30);
    assert_eq!(delta["usage"]["cache_read_input_tokens"], 12);
}

#[tokio::test]
async fn openai_tool_call_quirks_drop_the_index_and_repeat_the_head() {
    let calls = |events: &[Sse]| -> Vec<Value> {
        events
            .iter()
            .filter(|e| e.data.contains("\"tool_calls\":["))
            .map(|e| e.json()["choices"][0]["delta"]["tool_calls"][0].clone())
            .collect()
    };
    let no_index = calls(&events_with(Quirks::of([Quirk::ToolCallsWithoutIndex]), Vendor::OpenAi, reply()).await);
    assert!(no_index.iter().all(|c| c.get("index").is_none()), "{no_index:?}");
    let repeated = calls(&events_with(Quirks::of([Quirk::RepeatToolHead]), Vendor::OpenAi, reply()).await);
    assert!(repeated.len() > 2);
    assert!(
        repeated.iter().all(|c| c["type"] == "function" && c["function"]["name"].is_string() && c["id"].is_string()),
        "{repeated:?}"
    );
    let no_usage = events_with(Quirks::of([Quirk::NoUsage]), Vendor::OpenAi, reply()).await;
    assert!(no_usage.iter().all(|e| !e.data.contains("usage")), "not even usage: null");
    let empty_choice = events_with(Quirks::of([Quirk::UsageInEmptyChoice]), Vendor::OpenAi, reply()).await;
    let usage = empty_choice.iter().find(|e| e.data.contains("\"usage\":{")).unwrap().json();
    assert_eq!(usage["choices"], json!([{"index": 0, "delta": {}}]));
}

#[tokio::test]
async fn json_body_answers_a_streaming_request_with_the_whole_message() {
    for vendor in VENDORS {
        let fake = fake_with([reply()]).await;
        fake.set_quirks(Quirks::litellm());
        let resp = post(&fake, vendor, &body(vendor, "hi")).await;
        assert_eq!(resp.status(), 200);
        assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
        let doc: Value = resp.json().await.unwrap();
        match vendor {
            Vendor::Anthropic => {
                assert_eq!(doc["type"], "message");
                assert_eq!(doc["content"][0], json!({"type": "text", "text": "Let me look."}));
                assert_eq!(doc["content"][1]["input"], json!({"path": "a.txt"}));
                assert_eq!(doc["stop_reason"], "tool_use");
            }
            Vendor::OpenAi => {
                assert_eq!(doc["object"], "chat.completion");
                let message = &doc["choices"][0]["message"];
                assert_eq!(message["content"], "Let me look.");
                assert_eq!(message["tool_calls"][1]["function"]["arguments"], "{\"path\":\".\"}");
                assert_eq!(doc["usage"]["prompt_tokens"], 42);
            }
        }
    }
}

#[tokio::test]
async fn llamacpp_errors_and_model_lookup_are_shaped_like_its_server() {
    for vendor in VENDORS {
        let fake = fake_with([Reply::new().fault(Fault::context_exceeded())]).await;
        fake.set_quirks(Quirks::llamacpp());
        let resp = post(&fake, vendor, &body(vendor, "hi")).await;
        assert_eq!(resp.status(), 400);
        let error: Value = resp.json().await.unwrap();
        assert_eq!(error["error"]["type"], "exceed_context_size_error", "{vendor:?}: {error}");
        assert_eq!(error["error"]["code"], 400);
        assert!(error["error"]["message"].as_str().unwrap().contains("exceeds the available context size"));
    }
    // Without the quirk, each vendor's own words.
    let fake = fake_with(vec![Reply::new().fault(Fault::context_exceeded()); 2]).await;
    let error: Value = post(&fake, Vendor::Anthropic, &body(Vendor::Anthropic, "hi")).await.json().await.unwrap();
    assert!(error["error"]["message"].as_str().unwrap().starts_with("prompt is too long"), "{error}");
    let error: Value = post(&fake, Vendor::OpenAi, &body(Vendor::OpenAi, "hi")).await.json().await.unwrap();
    assert_eq!(error["error"]["code"], "context_length_exceeded");

    let fake = fake_with([]).await;
    fake.set_quirks(Quirks::llamacpp());
    let c = client();
    let by_id = c
        .get(format!("{}/v1/models/{MODEL}", fake.base_url()))
        .header("x-api-key", KEY)
        .header("anthropic-version", "2023-06-01")
        .send()
        .await
        .unwrap();
    assert_eq!(by_id.status(), 404);
    let list: Value = c
        .get(format!("{}/v1/models", fake.base_url()))
        .header("x-api-key", KEY)
        .header("anthropic-version", "2023-06-01")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["data"][0]["id"], MODEL);
}

#[tokio::test]
async fn keep_alive_comments_are_bare_under_llamacpp() {
    let fake =
        fake_with([Reply::new().text("x").fault(Fault::KeepAlive { after_events: 0, comments: 2, every_ms: 1 })]).await;
    fake.set_quirks(Quirks::llamacpp());
    let resp = post(&fake, Vendor::OpenAi, &body(Vendor::OpenAi, "hi")).await;
    let text = read_body(resp).await.unwrap();
    assert!(text.starts_with(":\n\n:\n\ndata: "), "{text:?}");
}

#[tokio::test]
async fn the_binary_takes_quirks_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("demo.json");
    std::fs::write(&file, Script::from_replies([Reply::new().text("whole")]).to_json_pretty()).unwrap();
    let bin = env!("CARGO_BIN_EXE_fake-provider");
    let bad = Command::new(bin).args(["--script", file.to_str().unwrap(), "--quirks", "nope"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown quirk “nope”"));

    let mut child = Command::new(bin)
        .args(["--script", file.to_str().unwrap(), "--port", "0", "--quirks", "litellm"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut openai, mut quirks) = (None, None);
    while quirks.is_none() {
        let line = lines.next().expect("the binary prints its settings").unwrap();
        if let Some(url) = line.trim().strip_prefix("OpenAI base URL:") {
            openai = Some(url.trim().to_owned());
        }
        if let Some(q) = line.trim().strip_prefix("quirks:") {
            quirks = Some(q.trim().to_owned());
        }
    }
    assert_eq!(quirks.as_deref(), Some("json_body"));
    let doc: Value = client()
        .post(format!("{}/chat/completions", openai.unwrap()))
        .bearer_auth(KEY)
        .json(&json!({"model": MODEL, "stream": true, "messages": []}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["choices"][0]["message"]["content"], "whole");
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test]
async fn reasoning_model_refuses_max_tokens_temperature_and_unknown_efforts_and_reports_reasoning_tokens() {
    let fake = fake_with([Reply::new().text("ok").usage(reverie_testkit::Usage::new(20, 3).reasoning(40))]).await;
    fake.set_quirks(Quirks::of([Quirk::ReasoningModel]));
    let with = |extra: Value| {
        let mut body = body(Vendor::OpenAi, "hi");
        if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
            b.extend(e);
        }
        body
    };
    for (extra, param, code) in [
        (json!({"max_tokens": 100}), "max_tokens", "unsupported_parameter"),
        (json!({"max_completion_tokens": 100, "temperature": 0.2}), "temperature", "unsupported_value"),
        (json!({"reasoning_effort": "extreme"}), "reasoning_effort", "invalid_value"),
    ] {
        let resp = post(&fake, Vendor::OpenAi, &with(extra.clone())).await;
        assert_eq!(resp.status(), 400, "{extra}");
        let error: Value = resp.json().await.unwrap();
        assert_eq!(
            (error["error"]["param"].as_str(), error["error"]["code"].as_str()),
            (Some(param), Some(code)),
            "{error}"
        );
    }
    // What a reasoning model takes streams, with the thinking in the usage.
    let ok = with(json!({"max_completion_tokens": 100, "temperature": 1, "reasoning_effort": "low"}));
    let (_, events) = read_events(post(&fake, Vendor::OpenAi, &ok).await).await;
    let usage = events.iter().rev().find(|e| e.data.contains("\"usage\":{")).unwrap().json()["usage"].clone();
    assert_eq!(usage["completion_tokens"], 43, "{usage}");
    assert_eq!(usage["completion_tokens_details"], json!({"reasoning_tokens": 40}), "{usage}");
}
