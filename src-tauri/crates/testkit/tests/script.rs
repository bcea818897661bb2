//! The script: its JSON format, conversation markers, per-conversation cursors, exhaustion,
//! and replacing it at run time.

use reverie_testkit::{conversation_of, split_pieces, Fault, Reply, Script, Step, StopReason, DEFAULT_CONVERSATION};
use serde_json::{json, Value};

use crate::support::*;

/// The text of a streamed reply, for either vendor.
async fn reply_text(fake: &reverie_testkit::FakeProvider, vendor: Vendor, user: &str) -> String {
    let (_, events) = read_events(post(fake, vendor, &body(vendor, user)).await).await;
    events
        .iter()
        .filter(|e| e.data != "[DONE]")
        .filter_map(|e| {
            let d = e.json();
            d["delta"]["text"].as_str().or(d["choices"][0]["delta"]["content"].as_str()).map(str::to_owned)
        })
        .collect()
}

#[test]
fn the_readme_example_parses_and_means_what_it_says() {
    let readme = include_str!("../README.md");
    let start = readme.find("```json\n").expect("a JSON example in the README") + "```json\n".len();
    let end = start + readme[start..].find("```").unwrap();
    let script = Script::from_json(&readme[start..end]).expect("the README example is a valid script");
    let default = script.replies(DEFAULT_CONVERSATION);
    assert!(default.iter().any(|r| r.steps.iter().any(|s| matches!(s, Step::Text { .. }))));
    assert!(default.iter().any(|r| r.steps.iter().any(|s| matches!(s, Step::ToolUse(_)))));
    assert!(script.conversations.values().flatten().any(|r| r.fault.is_some()));
    // It round-trips.
    assert_eq!(Script::from_json(&script.to_json_pretty()).unwrap(), script);
}

#[test]
fn json_format() {
    let script = Script::from_json(
        r#"{
          "default": [
            {"steps": [{"text": "Looking.", "chunks": 2},
                       {"tool_use": {"name": "read_file", "input": {"path": "a"}, "chunks": 4}}]},
            {"steps": [{"text": "Done."}], "stop_reason": "length",
             "usage": {"input_tokens": 10, "output_tokens": 2, "cache_read_tokens": 5, "cache_write_tokens": 1},
             "delay_ms": 5},
            {"fault": {"type": "http", "status": 429, "retry_after": 1}},
            {"fault": {"type": "disconnect", "after_events": 2}},
            {"fault": {"type": "malformed", "after_events": 1}},
            {"fault": {"type": "stall", "after_events": 3}},
            {"steps": [{"tool_use": {"id": "toolu_x", "name": "t"}}], "fault": {"type": "invalid_tool_json"}},
            {"fault": {"type": "stream_error", "after_events": 4, "error_type": "api_error"}}
          ],
          "worker-1": []
        }"#,
    )
    .unwrap();
    let d = script.replies("default");
    assert_eq!(d.len(), 8);
    assert_eq!(
        d[0],
        Reply::new().text_chunks("Looking.", 2).step(Step::ToolUse(reverie_testkit::ToolUse {
            id: None,
            name: "read_file".into(),
            input: json!({"path": "a"}),
            chunks: Some(4),
        }))
    );
    assert_eq!(d[0].effective_stop_reason(), StopReason::ToolUse);
    assert_eq!(d[1].effective_stop_reason(), StopReason::MaxTokens);
    assert_eq!(d[1].delay_ms, 5);
    assert_eq!(d[2].fault, Some(Fault::rate_limited(1)));
    assert_eq!(d[5].fault, Some(Fault::Stall { after_events: 3, max_secs: None }));
    let Step::ToolUse(tool) = &d[6].steps[0] else { panic!() };
    assert_eq!(tool.input, json!({}), "input defaults to {{}}");
    assert!(script.replies("worker-1").is_empty());
    assert!(script.replies("nobody").is_empty());
}

#[test]
fn bad_scripts_are_refused_with_a_reason() {
    for (bad, why) in [
        (r#"{"default": [{"steps": [{"text": "a", "tool_use": {"name": "t"}}]}]}"#, "not both"),
        (r#"{"default": [{"steps": [{}]}]}"#, "needs `text` or `tool_use`"),
        (r#"{"default": [{"fault": {"type": "explode"}}]}"#, "explode"),
        (r#"{"default": [{"stepz": []}]}"#, "stepz"),
        (r#"{"default": [{"stop_reason": "maybe"}]}"#, "maybe"),
    ] {
        let err = Script::from_json(bad).expect_err(bad).to_string();
        assert!(err.contains(why), "{bad}: {err}");
    }
}

#[test]
fn conversation_markers() {
    assert_eq!(conversation_of(br#"{"system":"[[script:planner]] you plan"}"#), "planner");
    assert_eq!(conversation_of(b"x [[script:a.b-c_9]] then [[script:second]]"), "a.b-c_9");
    assert_eq!(conversation_of(b"[[script:]] [[script:has space]] [[script:ok]]"), "ok");
    assert_eq!(conversation_of(b"[[script:unterminated"), DEFAULT_CONVERSATION);
    assert_eq!(conversation_of(b"no marker"), DEFAULT_CONVERSATION);
    assert_eq!(conversation_of(b""), DEFAULT_CONVERSATION);
}

#[test]
fn split_pieces_cuts_anywhere_but_inside_a_character() {
    assert_eq!(split_pieces("{\"path\":\"a.txt\"}", 3), ["{\"path", "\":\"a.", "txt\"}"]);
    assert_eq!(split_pieces("ab", 5), ["a", "b"]);
    assert_eq!(split_pieces("", 3), Vec::<&str>::new());
    assert_eq!(split_pieces("abc", 0), ["abc"]);
    let s = "ééé€€";
    for n in 1..=12 {
        let pieces = split_pieces(s, n);
        assert_eq!(pieces.concat(), s);
        assert!(pieces.len() <= n && pieces.iter().all(|p| !p.is_empty()));
    }
}

#[tokio::test]
async fn each_conversation_has_its_own_cursor() {
    let script = Script::new()
        .conversation("planner", [Reply::new().text("p1"), Reply::new().text("p2")])
        .conversation("worker", [Reply::new().text("w1")])
        .conversation(DEFAULT_CONVERSATION, [Reply::new().text("d1")]);
    let fake = fake(script).await;
    // The marker can be anywhere in the body; the vendor does not matter.
    assert_eq!(reply_text(&fake, Vendor::Anthropic, "[[script:planner]] plan it").await, "p1");
    assert_eq!(reply_text(&fake, Vendor::OpenAi, "do it [[script:worker]]").await, "w1");
    assert_eq!(reply_text(&fake, Vendor::OpenAi, "again [[script:planner]]").await, "p2");
    assert_eq!(reply_text(&fake, Vendor::Anthropic, "no marker").await, "d1");
    assert_eq!(fake.replies_served("planner"), 2);
    assert_eq!(fake.replies_served("worker"), 1);
    assert_eq!(fake.requests_for("planner").len(), 2);
    assert_eq!(fake.requests_for(DEFAULT_CONVERSATION).len(), 1);
}

#[tokio::test]
async fn an_exhausted_conversation_answers_500_saying_so() {
    for vendor in VENDORS {
        let fake = fake(Script::new().conversation("solo", [Reply::new().text("one"), Reply::new().text("two")])).await;
        for _ in 0..2 {
            read_events(post(&fake, vendor, &body(vendor, "[[script:solo]]")).await).await;
        }
        let resp = post(&fake, vendor, &body(vendor, "[[script:solo]]")).await;
        assert_eq!(resp.status(), 500);
        let err: Value = resp.json().await.unwrap();
        let message = err["error"]["message"].as_str().unwrap();
        assert_eq!(message, "script exhausted for conversation solo after 2 replies");

        // A conversation the script never mentions is exhausted at once.
        let resp = post(&fake, vendor, &body(vendor, "[[script:ghost]]")).await;
        assert_eq!(resp.status(), 500);
        let err: Value = resp.json().await.unwrap();
        assert_eq!(err["error"]["message"], "script exhausted for conversation ghost after 0 replies");

        // Pushing a reply lets it go on.
        fake.push_reply("solo", Reply::new().text("three"));
        assert_eq!(reply_text(&fake, vendor, "[[script:solo]]").await, "three");
    }
}

#[tokio::test]
async fn the_script_can_be_replaced_per_step() {
    let fake = fake(Script::new()).await;
    fake.set_script(Script::from_replies([Reply::new().text("first")]));
    assert_eq!(reply_text(&fake, Vendor::Anthropic, "x").await, "first");
    fake.push_replies(DEFAULT_CONVERSATION, [Reply::new().text("second"), Reply::new().text("third")]);
    assert_eq!(reply_text(&fake, Vendor::Anthropic, "x").await, "second");
    // Replacing the script starts every conversation over.
    fake.set_script(Script::from_replies([Reply::new().text("fresh")]));
    assert_eq!(fake.replies_served(DEFAULT_CONVERSATION), 0);
    assert_eq!(reply_text(&fake, Vendor::OpenAi, "x").await, "fresh");
}
