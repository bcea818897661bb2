//! Every fault, for both wire formats.

use std::time::{Duration, Instant};

use futures::StreamExt;
use reverie_testkit::{Fault, Reply};
use serde_json::{json, Value};

use crate::support::*;

async fn error_body(resp: reqwest::Response) -> Value {
    assert_eq!(resp.headers()["content-type"], "application/json");
    resp.json().await.expect("a JSON error body")
}

#[tokio::test]
async fn rate_limited_429_carries_retry_after_and_a_vendor_body() {
    for vendor in VENDORS {
        let fake = fake_with([Reply::new().fault(Fault::rate_limited(7)), Reply::new().text("after the wait")]).await;
        let resp = post(&fake, vendor, &body(vendor, "x")).await;
        assert_eq!(resp.status(), 429);
        assert_eq!(resp.headers()["retry-after"], "7");
        let err = error_body(resp).await;
        match vendor {
            Vendor::Anthropic => {
                assert_eq!(err["type"], "error");
                assert_eq!(err["error"]["type"], "rate_limit_error");
                assert!(err["error"]["message"].is_string());
                assert!(err["request_id"].as_str().unwrap().starts_with("req_"));
            }
            Vendor::OpenAi => {
                assert_eq!(err["error"]["code"], "rate_limit_exceeded");
                assert!(err["error"]["message"].is_string());
                assert!(err["error"]["type"].is_string());
            }
        }
        // The retry gets the next reply.
        let (_, events) = read_events(post(&fake, vendor, &body(vendor, "x")).await).await;
        assert!(events.len() > 3);
    }
}

#[tokio::test]
async fn overloaded_529_and_server_error_500() {
    for vendor in VENDORS {
        let fake = fake_with([Reply::new().fault(Fault::overloaded()), Reply::new().fault(Fault::http(500))]).await;
        let resp = post(&fake, vendor, &body(vendor, "x")).await;
        assert_eq!(resp.status().as_u16(), 529);
        assert!(!resp.headers().contains_key("retry-after"));
        let err = error_body(resp).await;
        let resp = post(&fake, vendor, &body(vendor, "x")).await;
        assert_eq!(resp.status(), 500);
        let err500 = error_body(resp).await;
        match vendor {
            Vendor::Anthropic => {
                assert_eq!(err["error"], json!({"type": "overloaded_error", "message": "Overloaded"}));
                assert_eq!(err500["error"]["type"], "api_error");
            }
            Vendor::OpenAi => {
                assert_eq!(err["error"]["type"], "server_error");
                assert_eq!(err500["error"]["type"], "server_error");
            }
        }
    }
}

#[tokio::test]
async fn http_fault_with_a_message_or_a_body_of_its_own() {
    let context = Fault::Http {
        status: 400,
        retry_after: None,
        message: Some("prompt is too long: 210000 tokens > 200000 maximum".into()),
        body: None,
        content_type: None,
    };
    let garbage = Fault::Http {
        status: 200,
        retry_after: None,
        message: None,
        body: Some(json!("<html>bad gateway</html>")),
        content_type: None,
    };
    let custom = Fault::Http {
        status: 503,
        retry_after: Some(2),
        message: None,
        body: Some(json!({"whatever": true})),
        content_type: None,
    };
    let fake = fake_with([Reply::new().fault(context), Reply::new().fault(garbage), Reply::new().fault(custom)]).await;

    let err = error_body(post(&fake, Vendor::Anthropic, &body(Vendor::Anthropic, "x")).await).await;
    assert_eq!(
        err["error"],
        json!({"type": "invalid_request_error", "message": "prompt is too long: 210000 tokens > 200000 maximum"})
    );

    let resp = post(&fake, Vendor::OpenAi, &body(Vendor::OpenAi, "x")).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/plain; charset=utf-8");
    assert_eq!(resp.text().await.unwrap(), "<html>bad gateway</html>");

    let resp = post(&fake, Vendor::OpenAi, &body(Vendor::OpenAi, "x")).await;
    assert_eq!(resp.status(), 503);
    assert_eq!(resp.headers()["retry-after"], "2");
    assert_eq!(error_body(resp).await, json!({"whatever": true}));
}

#[tokio::test]
async fn disconnect_cuts_the_connection_after_n_events() {
    for vendor in VENDORS {
        let fake =
            fake_with([Reply::new().text_chunks("a long enough text", 5).fault(Fault::Disconnect { after_events: 3 })])
                .await;
        let resp = post(&fake, vendor, &body(vendor, "x")).await;
        assert_eq!(resp.status(), 200);
        let before = read_body(resp).await.expect_err("the body fails: the connection was cut");
        let events = parse_sse(&before);
        assert_eq!(events.len(), 3, "{vendor:?}: {before:?}");
        events.iter().for_each(|e| drop(e.json()));
        fake.wait_for_open_streams(0).await;
    }
}

#[tokio::test]
async fn malformed_sends_an_event_that_is_not_json_then_ends() {
    for vendor in VENDORS {
        let fake =
            fake_with([Reply::new().text_chunks("some text", 3).fault(Fault::Malformed { after_events: 2 })]).await;
        let (text, events) = read_events(post(&fake, vendor, &body(vendor, "x")).await).await;
        assert_eq!(events.len(), 3, "{vendor:?}: {text:?}");
        events[..2].iter().for_each(|e| drop(e.json()));
        assert_eq!(events[2].data, "{not json");
        assert!(serde_json::from_str::<Value>(&events[2].data).is_err());
        let expected_name = (vendor == Vendor::Anthropic).then(|| "content_block_delta".to_owned());
        assert_eq!(events[2].event, expected_name);
    }
}

#[tokio::test]
async fn stall_keeps_the_connection_open_until_the_client_goes_away() {
    for vendor in VENDORS {
        let fake = fake_with([Reply::new()
            .text_chunks("never finished", 3)
            .fault(Fault::Stall { after_events: 2, max_secs: None })])
        .await;
        let resp = post(&fake, vendor, &body(vendor, "x")).await;
        let (events, rest) = read_n_events(resp, 2).await;
        assert_eq!(events.len(), 2);
        assert_eq!(fake.open_streams(), 1, "the stalled stream is still open");
        drop(rest);
        // The server notices the client went away and drops the stream.
        fake.wait_for_open_streams(0).await;
    }
}

#[tokio::test]
async fn stall_is_bounded() {
    let fake = fake_with([Reply::new().text("x").fault(Fault::Stall { after_events: 1, max_secs: Some(1) })]).await;
    let started = Instant::now();
    let resp = post(&fake, Vendor::OpenAi, &body(Vendor::OpenAi, "x")).await;
    let before = read_body(resp).await.expect_err("cut when the stall ends");
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(parse_sse(&before).len(), 1);
}

#[tokio::test]
async fn dropping_the_fake_cuts_a_stalled_stream() {
    let fake = fake_with([Reply::new().text("x").fault(Fault::Stall { after_events: 1, max_secs: None })]).await;
    let resp = post(&fake, Vendor::Anthropic, &body(Vendor::Anthropic, "x")).await;
    let (_, mut rest) = read_n_events(resp, 1).await;
    drop(fake);
    let next = rest.next().await;
    assert!(matches!(next, Some(Err(_))), "the stream fails instead of hanging: {next:?}");
}

fn anthropic_partial_json(events: &[Sse]) -> String {
    events
        .iter()
        .filter(|e| e.event.as_deref() == Some("content_block_delta"))
        .filter_map(|e| e.json()["delta"]["partial_json"].as_str().map(str::to_owned))
        .collect()
}

fn openai_arguments(events: &[Sse]) -> String {
    events
        .iter()
        .filter(|e| e.data != "[DONE]")
        .filter_map(|e| {
            e.json()["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"].as_str().map(str::to_owned)
        })
        .collect()
}

#[tokio::test]
async fn invalid_tool_json_does_not_parse_when_concatenated() {
    let input = json!({"path": "a.txt", "content": "hello"});
    for vendor in VENDORS {
        let fake = fake_with([Reply::new().tool_use("write_file", input.clone()).fault(Fault::InvalidToolJson)]).await;
        let (_, events) = read_events(post(&fake, vendor, &body(vendor, "x")).await).await;
        let joined = match vendor {
            Vendor::Anthropic => anthropic_partial_json(&events),
            Vendor::OpenAi => openai_arguments(&events),
        };
        assert!(serde_json::from_str::<Value>(&joined).is_err(), "{vendor:?}: {joined}");
        let whole = serde_json::to_string(&input).unwrap();
        assert_eq!(joined, whole[..whole.len() - 1], "truncated by one character");
    }
}

#[tokio::test]
async fn stream_error_sends_the_vendor_in_stream_error() {
    let fault = Fault::StreamError { after_events: 3, error_type: None, message: None };
    for vendor in VENDORS {
        let fake = fake_with([Reply::new().text_chunks("text", 2).fault(fault.clone())]).await;
        let (_, events) = read_events(post(&fake, vendor, &body(vendor, "x")).await).await;
        assert_eq!(events.len(), 4);
        let last = &events[3];
        match vendor {
            Vendor::Anthropic => {
                assert_eq!(last.event.as_deref(), Some("error"));
                assert_eq!(
                    last.json(),
                    json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
                );
            }
            Vendor::OpenAi => {
                assert_eq!(last.event, None);
                assert_eq!(last.json()["error"]["type"], "server_error");
            }
        }
    }
}

#[tokio::test]
async fn delay_waits_before_the_first_byte() {
    let fake = fake_with([Reply::new().text("late").delay_ms(200)]).await;
    let started = Instant::now();
    let resp = post(&fake, Vendor::Anthropic, &body(Vendor::Anthropic, "x")).await;
    assert!(started.elapsed() >= Duration::from_millis(200));
    read_events(resp).await;
}

#[tokio::test]
async fn no_headers_answers_nothing_until_the_client_gives_up() {
    for vendor in VENDORS {
        let fake = fake_with([Reply::new().text("never").fault(Fault::NoHeaders { max_secs: Some(60) })]).await;
        let c = client();
        let url = match vendor {
            Vendor::Anthropic => format!("{}/v1/messages", fake.base_url()),
            Vendor::OpenAi => format!("{}/chat/completions", fake.openai_base_url()),
        };
        let req = c
            .post(url)
            .header("anthropic-version", "2023-06-01")
            .header("x-api-key", KEY)
            .bearer_auth(KEY)
            .json(&body(vendor, "x"));
        // The client's own bound ends the wait: not even headers came.
        let err = req.timeout(Duration::from_millis(300)).send().await.expect_err("no response");
        assert!(err.is_timeout(), "{vendor:?}: {err}");
        assert_eq!(fake.requests().len(), 1, "the request was read");
    }
}

#[tokio::test]
async fn keep_alive_sends_comment_lines_then_the_rest_of_the_reply() {
    for vendor in VENDORS {
        let fake = fake_with([Reply::new().text("after the wait").fault(Fault::KeepAlive {
            after_events: 1,
            comments: 3,
            every_ms: 10,
        })])
        .await;
        let resp = post(&fake, vendor, &body(vendor, "x")).await;
        let text = read_body(resp).await.expect("the stream ends cleanly");
        let blocks: Vec<&str> = text.split_terminator("\n\n").collect();
        assert_eq!(&blocks[1..4], [": keep-alive"; 3], "{vendor:?}: {text}");
        let without: String = text.replace(": keep-alive\n\n", "");
        let events = parse_sse(&without);
        assert!(events.iter().any(|e| e.data.contains("after")), "{vendor:?}: the reply follows: {without}");
    }
}

#[tokio::test]
async fn an_http_body_may_come_as_any_content_type() {
    let page = "<!DOCTYPE html><html><title>Sign in</title></html>";
    let fake = fake_with([Reply::new().fault(Fault::http_body(200, "text/html; charset=utf-8", page))]).await;
    let resp = post(&fake, Vendor::OpenAi, &body(Vendor::OpenAi, "x")).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(resp.text().await.unwrap(), page);
}
