//! Helpers: a client, request bodies for both vendors, and an SSE reader.

use std::time::Duration;

use futures::StreamExt;
use reverie_testkit::{FakeProvider, FakeProviderConfig, Reply, Script};
use serde_json::{json, Value};

pub const KEY: &str = "sk-test-good";
pub const MODEL: &str = "fake-model";

pub async fn fake(script: Script) -> FakeProvider {
    FakeProvider::start_with_script(FakeProviderConfig::default(), script).await.expect("fake provider starts")
}

/// A fake whose `default` conversation plays `replies`.
pub async fn fake_with(replies: impl IntoIterator<Item = Reply>) -> FakeProvider {
    fake(Script::from_replies(replies)).await
}

pub fn client() -> reqwest::Client {
    // In a workspace build reqwest is unified with `rustls-no-provider` (the app's TLS
    // choice), so a crypto provider must be installed before any client is built.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("client")
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Vendor {
    Anthropic,
    OpenAi,
}

pub const VENDORS: [Vendor; 2] = [Vendor::Anthropic, Vendor::OpenAi];

/// A minimal streaming request whose user message is `text` (put a `[[script:NAME]]` in it to
/// pick a conversation).
pub fn body(vendor: Vendor, text: &str) -> Value {
    match vendor {
        Vendor::Anthropic => json!({
            "model": MODEL,
            "max_tokens": 1024,
            "stream": true,
            "system": [{"type": "text", "text": "You are a test."}],
            "messages": [{"role": "user", "content": text}],
        }),
        Vendor::OpenAi => json!({
            "model": MODEL,
            "stream": true,
            "stream_options": {"include_usage": true},
            "messages": [{"role": "system", "content": "You are a test."}, {"role": "user", "content": text}],
        }),
    }
}

/// POSTs `body` to the vendor's endpoint with a good key (`key: None` sends none).
pub async fn post_with_key(fake: &FakeProvider, vendor: Vendor, body: &Value, key: Option<&str>) -> reqwest::Response {
    let c = client();
    let req = match vendor {
        Vendor::Anthropic => {
            let r = c.post(format!("{}/v1/messages", fake.base_url())).header("anthropic-version", "2023-06-01");
            match key {
                Some(k) => r.header("x-api-key", k),
                None => r,
            }
        }
        Vendor::OpenAi => {
            let r = c.post(format!("{}/chat/completions", fake.openai_base_url()));
            match key {
                Some(k) => r.bearer_auth(k),
                None => r,
            }
        }
    };
    req.json(body).send().await.expect("request sent")
}

pub async fn post(fake: &FakeProvider, vendor: Vendor, body: &Value) -> reqwest::Response {
    post_with_key(fake, vendor, body, Some(KEY)).await
}

/// One SSE event: its `event:` name (if any) and its `data:`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sse {
    pub event: Option<String>,
    pub data: String,
}

impl Sse {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.data).unwrap_or_else(|e| panic!("event data is not JSON ({e}): {}", self.data))
    }
}

/// Splits a complete SSE text into events (each ends with a blank line).
pub fn parse_sse(text: &str) -> Vec<Sse> {
    assert!(text.is_empty() || text.ends_with("\n\n"), "stream does not end with a blank line: {text:?}");
    text.split_terminator("\n\n")
        .map(|block| {
            let mut sse = Sse { event: None, data: String::new() };
            for line in block.lines() {
                if let Some(name) = line.strip_prefix("event: ") {
                    sse.event = Some(name.to_owned());
                } else if let Some(data) = line.strip_prefix("data: ") {
                    sse.data = data.to_owned();
                } else {
                    panic!("not an SSE line: {line:?}");
                }
            }
            sse
        })
        .collect()
}

/// Reads the whole body; `Err` carries what arrived before the connection failed.
pub async fn read_body(resp: reqwest::Response) -> Result<String, String> {
    let mut stream = resp.bytes_stream();
    let mut text = Vec::new();
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(bytes) => text.extend_from_slice(&bytes),
            Err(_) => return Err(String::from_utf8(text).expect("utf-8")),
        }
    }
    Ok(String::from_utf8(text).expect("utf-8"))
}

/// Reads a complete, successful stream and parses it.
pub async fn read_events(resp: reqwest::Response) -> (String, Vec<Sse>) {
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/event-stream; charset=utf-8");
    let text = read_body(resp).await.expect("stream ends cleanly");
    let events = parse_sse(&text);
    (text, events)
}

/// What is left of a stream after [`read_n_events`].
pub type Rest = futures::stream::BoxStream<'static, reqwest::Result<Vec<u8>>>;

/// Reads until `n` whole events have arrived; returns them and the still-open rest.
pub async fn read_n_events(resp: reqwest::Response, n: usize) -> (Vec<Sse>, Rest) {
    let mut stream: Rest = resp.bytes_stream().map(|r| r.map(|b| b.to_vec())).boxed();
    let mut text = String::new();
    while text.matches("\n\n").count() < n {
        let chunk = stream.next().await.expect("stream still open").expect("no error");
        text.push_str(std::str::from_utf8(&chunk).expect("utf-8"));
    }
    (parse_sse(&text), stream)
}
