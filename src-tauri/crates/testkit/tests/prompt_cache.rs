//! `set_prompt_cache`: `POST /v1/messages` reports the cache reads and writes the Anthropic
//! API would for the `cache_control` breakpoints it is sent.

use reverie_testkit::{FakeProvider, FakeProviderConfig, Reply, Script, Usage};
use serde_json::{json, Value};

use crate::support::*;

/// A body whose messages alternate user / assistant, the last one marked as a breakpoint.
fn cached_body(model: &str, history: &[&str]) -> Value {
    let messages: Vec<Value> = history
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let role = if i % 2 == 0 { "user" } else { "assistant" };
            let mut block = json!({"type": "text", "text": text});
            if i + 1 == history.len() {
                block["cache_control"] = json!({"type": "ephemeral"});
            }
            json!({"role": role, "content": [block]})
        })
        .collect();
    json!({
        "model": model,
        "max_tokens": 1024,
        "stream": true,
        "system": [{"type": "text", "text": "s", "cache_control": {"type": "ephemeral"}}],
        "messages": messages,
    })
}

/// `(input, cache write, cache read)` from `message_start`.
async fn usage(fake: &FakeProvider, body: &Value) -> (u64, u64, u64) {
    let (_, events) = read_events(post(fake, Vendor::Anthropic, body).await).await;
    let start = events.iter().find(|e| e.event.as_deref() == Some("message_start")).expect("message_start").json();
    let u = &start["message"]["usage"];
    let n = |k: &str| u[k].as_u64().expect("a count");
    (n("input_tokens"), n("cache_creation_input_tokens"), n("cache_read_input_tokens"))
}

#[tokio::test]
async fn a_later_request_reads_the_prefix_an_earlier_one_wrote() {
    let long = "x".repeat(8000);
    let config = FakeProviderConfig { models: vec![MODEL.into(), "other-model".into()], ..Default::default() };
    let script = Script::from_replies((0..4).map(|_| Reply::new().text("ok")));
    let fake = FakeProvider::start_with_script(config, script).await.unwrap();
    fake.set_prompt_cache(true);
    let (_, first_write, first_read) = usage(&fake, &cached_body(MODEL, &[&long])).await;
    assert_eq!(first_read, 0);
    assert!(first_write >= 2000, "{first_write}");
    let (input, write, read) = usage(&fake, &cached_body(MODEL, &[&long, "ok", "more"])).await;
    assert_eq!(read, first_write, "the first request's whole prefix is read (found within 20 blocks)");
    assert!(write > 0 && write < 20 && input < 100, "{input} {write} {read}");
    let (_, _, other) = usage(&fake, &cached_body("other-model", &[&long])).await;
    assert_eq!(other, 0, "cache entries are per model");
    let (_, short_write, short_read) = usage(&fake, &cached_body(MODEL, &["hi"])).await;
    assert_eq!((short_write, short_read), (0, 0), "a prefix under 1024 tokens is not cached");
}

#[tokio::test]
async fn scripted_counts_win_and_the_cache_is_off_by_default() {
    let long = "x".repeat(8000);
    let fake = fake_with([Reply::new().text("ok"), Reply::new().text("ok").usage(Usage::new(7, 1).cache(3, 2))]).await;
    let (_, write, read) = usage(&fake, &cached_body(MODEL, &[&long])).await;
    assert_eq!((write, read), (0, 0));
    fake.set_prompt_cache(true);
    assert_eq!(usage(&fake, &cached_body(MODEL, &[&long])).await, (7, 2, 3));
}
