//! The server around the script: request recording, keys and the `open` flag, request checks,
//! the models endpoints, and concurrent streams.

use reverie_testkit::{FakeProvider, FakeProviderConfig, Fault, Reply, Script};
use serde_json::{json, Value};

use crate::support::*;

#[tokio::test]
async fn records_every_request_with_its_headers_and_json_body() {
    let fake = fake(Script::new().conversation("rec", [Reply::new().text("a"), Reply::new().text("b")])).await;
    let sent_a = body(Vendor::Anthropic, "[[script:rec]] hello");
    read_events(post(&fake, Vendor::Anthropic, &sent_a).await).await;
    let sent_o = body(Vendor::OpenAi, "[[script:rec]] again");
    read_events(post(&fake, Vendor::OpenAi, &sent_o).await).await;
    let _ = post_with_key(&fake, Vendor::Anthropic, &body(Vendor::Anthropic, "no key"), None).await;

    let all = fake.wait_for_requests(3).await;
    assert_eq!(all.len(), 3);
    let a = &all[0];
    assert_eq!((a.method.as_str(), a.path.as_str()), ("POST", "/v1/messages"));
    assert_eq!(a.header("x-api-key"), Some(KEY));
    assert_eq!(a.header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(a.header("Content-Type"), Some("application/json"));
    assert_eq!(a.body.as_ref(), Some(&sent_a));
    assert_eq!(a.conversation.as_deref(), Some("rec"));
    let o = &all[1];
    assert_eq!((o.method.as_str(), o.path.as_str()), ("POST", "/v1/chat/completions"));
    assert_eq!(o.header("authorization"), Some(format!("Bearer {KEY}").as_str()));
    assert_eq!(o.body.as_ref(), Some(&sent_o));
    // Rejected requests are recorded too.
    assert_eq!(all[2].header("x-api-key"), None);
    assert_eq!(all[2].conversation.as_deref(), Some("default"));

    let rec = fake.requests_for("rec");
    assert_eq!(rec.len(), 2);
    assert_eq!(rec[1].body.as_ref().unwrap()["messages"][1]["content"], "[[script:rec]] again");
}

#[tokio::test]
async fn a_body_that_is_not_json_is_recorded_as_none_and_refused() {
    let fake = fake_with([Reply::new().text("unused")]).await;
    let resp = client()
        .post(format!("{}/chat/completions", fake.openai_base_url()))
        .bearer_auth(KEY)
        .body("{oops")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let req = &fake.requests()[0];
    assert_eq!(req.body, None);
    assert_eq!(fake.replies_served("default"), 0);
}

#[tokio::test]
async fn keys_and_the_open_flag() {
    let script = || Script::from_replies((0..4).map(|_| Reply::new().text("ok")));
    for vendor in VENDORS {
        // Closed: no key and a wrong key are refused, in the vendor's shape, without using a reply.
        let closed = fake(script()).await;
        for key in [None, Some("sk-wrong")] {
            let resp = post_with_key(&closed, vendor, &body(vendor, "x"), key).await;
            assert_eq!(resp.status(), 401);
            let err: Value = resp.json().await.unwrap();
            match vendor {
                Vendor::Anthropic => assert_eq!(err["error"]["type"], "authentication_error"),
                Vendor::OpenAi => assert_eq!(err["error"]["code"], "invalid_api_key"),
            }
        }
        assert_eq!(closed.replies_served("default"), 0);

        // Open: no key is fine, a wrong key is still refused.
        let config = FakeProviderConfig { open: true, ..Default::default() };
        let open = FakeProvider::start_with_script(config, script()).await.unwrap();
        read_events(post_with_key(&open, vendor, &body(vendor, "x"), None).await).await;
        let resp = post_with_key(&open, vendor, &body(vendor, "x"), Some("sk-wrong")).await;
        assert_eq!(resp.status(), 401);
        read_events(post_with_key(&open, vendor, &body(vendor, "x"), Some(KEY)).await).await;
    }
}

#[tokio::test]
async fn the_models_endpoints_still_answer_both_vendors() {
    let config = FakeProviderConfig { keys: vec!["k1".into()], models: vec!["m1".into(), "m2".into()], open: false };
    let fake = FakeProvider::start(config).await.unwrap();
    let c = client();
    let anthropic: Value = c
        .get(format!("{}/v1/models", fake.base_url()))
        .header("x-api-key", "k1")
        .header("anthropic-version", "2023-06-01")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(anthropic["data"][1]["id"], "m2");
    let resp = c.get(format!("{}/models/m1", fake.openai_base_url())).bearer_auth("k1").send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let resp = c.get(format!("{}/models/nope", fake.openai_base_url())).bearer_auth("k1").send().await.unwrap();
    assert_eq!(resp.status(), 404);
    let resp = c.get(format!("{}/models", fake.openai_base_url())).bearer_auth("bad").send().await.unwrap();
    assert_eq!(resp.status(), 401);
    let paths: Vec<String> = fake.requests().into_iter().map(|r| format!("{} {}", r.method, r.path)).collect();
    assert_eq!(paths, ["GET /v1/models", "GET /v1/models/m1", "GET /v1/models/nope", "GET /v1/models"]);
}

#[tokio::test]
async fn requests_are_checked_like_the_real_apis() {
    let fake = fake_with([Reply::new().text("unused")]).await;
    let c = client();
    // Anthropic needs anthropic-version and max_tokens.
    let resp = c
        .post(format!("{}/v1/messages", fake.base_url()))
        .header("x-api-key", KEY)
        .json(&body(Vendor::Anthropic, "x"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let err: Value = resp.json().await.unwrap();
    assert_eq!(err["error"]["type"], "invalid_request_error");
    assert!(err["error"]["message"].as_str().unwrap().contains("anthropic-version"));
    let mut no_max = body(Vendor::Anthropic, "x");
    no_max.as_object_mut().unwrap().remove("max_tokens");
    assert_eq!(post(&fake, Vendor::Anthropic, &no_max).await.status(), 400);
    for vendor in VENDORS {
        // An unknown model is a 404 in the vendor's shape.
        let mut other = body(vendor, "x");
        other["model"] = json!("no-such-model");
        let resp = post(&fake, vendor, &other).await;
        assert_eq!(resp.status(), 404);
        let err: Value = resp.json().await.unwrap();
        assert!(err["error"]["message"].as_str().unwrap().contains("no-such-model"));
        // Only streaming is served.
        let mut not_streaming = body(vendor, "x");
        not_streaming["stream"] = json!(false);
        assert_eq!(post(&fake, vendor, &not_streaming).await.status(), 400);
    }
    assert_eq!(fake.replies_served("default"), 0, "refused requests use no reply");
    // Unknown paths are 404 and recorded.
    let resp = c.post(format!("{}/v1/complete", fake.base_url())).json(&json!({})).send().await.unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(fake.requests().last().unwrap().path, "/v1/complete");
}

#[tokio::test]
async fn streams_are_served_concurrently() {
    let stall = || Reply::new().text_chunks("held open", 3).fault(Fault::Stall { after_events: 1, max_secs: None });
    let script = Script::new()
        .conversation("slow", [stall(), stall()])
        .conversation("fast", [Reply::new().text("quick"), Reply::new().text("quick")]);
    let fake = fake(script).await;
    for vendor in VENDORS {
        let slow = post(&fake, vendor, &body(vendor, "[[script:slow]]")).await;
        let (_, rest) = read_n_events(slow, 1).await;
        // While the slow stream is held open, another completes.
        let (_, events) = read_events(post(&fake, vendor, &body(vendor, "[[script:fast]]")).await).await;
        assert!(events.len() > 3);
        fake.wait_for_open_streams(1).await;
        drop(rest);
        fake.wait_for_open_streams(0).await;
    }
}
