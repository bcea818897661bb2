//! Prompt-cache breakpoints in the Anthropic request body, and the cache reads they earn,
//! through the real adapter and the fake provider (which records bodies and, with
//! `set_prompt_cache`, answers with the cache reads the API would report).

use reverie_llm::{complete, ContentBlock, Message, Request, Role};
use reverie_protocol::ProviderKind;
use reverie_testkit::{Reply, MIN_CACHEABLE_TOKENS};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use crate::streaming::{fake, model, quick, request};

fn tool_use(id: &str, path: &str) -> ContentBlock {
    ContentBlock::ToolUse { id: id.into(), name: "read_file".into(), input: json!({"path": path}) }
}

fn tool_result(id: &str, content: &str) -> Message {
    Message {
        role: Role::User,
        content: vec![ContentBlock::ToolResult { tool_use_id: id.into(), content: content.into(), is_error: false }],
    }
}

/// Every `cache_control` in a body, as paths (object keys in sorted order).
fn breakpoints(value: &Value, path: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "cache_control" {
                    out.push(path.clone());
                } else {
                    breakpoints(v, format!("{path}.{k}"), out);
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                breakpoints(v, format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

async fn sent_body(request: Request) -> Value {
    let fake = fake(vec![Reply::new().text("ok")]).await;
    complete(&*model(&fake, ProviderKind::Anthropic, quick()), request, CancellationToken::new()).await.unwrap();
    fake.requests().pop().and_then(|r| r.body).unwrap()
}

#[tokio::test]
async fn a_multi_turn_body_has_breakpoints_on_the_system_prompt_the_last_message_and_the_previous_turns_end() {
    let mut request = request();
    request.messages.push(Message::assistant(vec![
        ContentBlock::Text { text: "Reading it.".into() },
        tool_use("toolu_1", "a.txt"),
    ]));
    request.messages.push(tool_result("toolu_1", "alpha"));
    request.messages.push(Message::assistant(vec![tool_use("toolu_2", "b.txt")]));
    request.messages.push(tool_result("toolu_2", "beta"));
    let body = sent_body(request).await;
    let cached = json!({"type": "ephemeral"});
    assert_eq!(
        body,
        json!({
            "model": "fake-model",
            "max_tokens": 256,
            "system": [{"type": "text", "text": "You are a test.", "cache_control": cached}],
            "messages": [
                {"role": "user", "content": [{"type": "text", "text": "Read a.txt"}]},
                {"role": "assistant", "content": [
                    {"type": "text", "text": "Reading it."},
                    {"type": "tool_use", "id": "toolu_1", "name": "read_file", "input": {"path": "a.txt"}},
                ]},
                {"role": "user", "content": [
                    {"type": "tool_result", "tool_use_id": "toolu_1", "content": "alpha", "is_error": false, "cache_control": cached},
                ]},
                {"role": "assistant", "content": [
                    {"type": "tool_use", "id": "toolu_2", "name": "read_file", "input": {"path": "b.txt"}},
                ]},
                {"role": "user", "content": [
                    {"type": "tool_result", "tool_use_id": "toolu_2", "content": "beta", "is_error": false, "cache_control": cached},
                ]},
            ],
            "tools": [{"name": "read_file", "description": "Read a file", "input_schema": {"type": "object"}}],
            "stream": true,
        })
    );
}

#[tokio::test]
async fn no_body_has_more_than_four_breakpoints_and_empty_text_never_carries_one() {
    for system in ["", "You are a test."] {
        for turns in 0..6 {
            let mut request = request();
            request.system = system.into();
            for t in 0..turns {
                let id = format!("toolu_{t}");
                request
                    .messages
                    .push(Message::assistant(vec![tool_use(&id, "a.txt"), ContentBlock::Text { text: String::new() }]));
                request.messages.push(tool_result(&id, "alpha"));
            }
            request.messages.push(Message::assistant(vec![ContentBlock::Text { text: String::new() }]));
            let body = sent_body(request).await;
            let mut found = Vec::new();
            breakpoints(&body, String::new(), &mut found);
            assert!(found.len() <= 4, "{found:?}");
            let last = body["messages"].as_array().unwrap().len() - 1;
            let previous_user = if turns == 0 { 0 } else { last - 1 };
            let mut expected: Vec<String> = Vec::new();
            if !system.is_empty() {
                expected.push(".system[0]".into());
            }
            expected.push(format!(".messages[{previous_user}].content[0]"));
            found.sort();
            expected.sort();
            assert_eq!(found, expected, "system {system:?}, {turns} turns (the last message is empty text)");
        }
    }
}

#[tokio::test]
async fn each_turn_reads_the_previous_turns_prefix_from_the_cache() {
    let replies = (0..4).map(|_| Reply::new().tool_use("read_file", json!({"path": "a.txt"}))).collect();
    let fake = fake(replies).await;
    fake.set_prompt_cache(true);
    let model = model(&fake, ProviderKind::Anthropic, quick());
    let mut request = request();
    request.system = "Stable instructions. ".repeat(300);
    let mut usages = Vec::new();
    for turn in 0..4 {
        let done = complete(&*model, request.clone(), CancellationToken::new()).await.unwrap();
        usages.push(done.usage);
        request.messages.push(Message::assistant(done.content.clone()));
        let (id, _, _) = done.tool_uses().next().unwrap();
        request.messages.push(tool_result(id, &format!("result {turn}: {}", "x".repeat(2000))));
    }
    assert_eq!(usages[0].cache_read_tokens, 0, "{usages:?}");
    assert!(usages[0].cache_write_tokens >= MIN_CACHEABLE_TOKENS, "{usages:?}");
    for pair in usages.windows(2) {
        assert_eq!(
            pair[1].cache_read_tokens,
            pair[0].cache_read_tokens + pair[0].cache_write_tokens,
            "a turn reads everything the previous one read or wrote: {usages:?}"
        );
        assert!(pair[1].cache_write_tokens > 0 && pair[1].cache_write_tokens < pair[1].cache_read_tokens);
    }
    let last = usages[3];
    assert!(last.cache_read_tokens * 10 > last.tokens_in() * 7, "most of the prompt is read from the cache: {last:?}");
}
