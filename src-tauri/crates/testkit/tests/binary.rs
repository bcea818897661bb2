//! The standalone `fake-provider` binary serves a script file.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use reverie_testkit::{Reply, Script};

use crate::support::*;

#[tokio::test]
async fn serves_a_script_file_and_prints_both_base_urls() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("demo.json");
    let script = Script::from_replies([
        Reply::new().text("from the binary"),
        Reply::new().tool_use("list_files", serde_json::json!({})),
    ]);
    std::fs::write(&file, script.to_json_pretty()).unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_fake-provider"))
        .args(["--script", file.to_str().unwrap(), "--port", "0", "--key", "sk-demo", "--model", "demo-model"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut anthropic = None;
    let mut openai = None;
    while openai.is_none() {
        let line = lines.next().expect("the binary prints its URLs").unwrap();
        if let Some(url) = line.trim().strip_prefix("Anthropic base URL:") {
            anthropic = Some(url.trim().to_owned());
        }
        if let Some(url) = line.trim().strip_prefix("OpenAI base URL:") {
            openai = Some(url.trim().to_owned());
        }
    }
    let (anthropic, openai) = (anthropic.unwrap(), openai.unwrap());
    assert_eq!(format!("{anthropic}/v1"), openai);

    let c = client();
    let resp = c
        .post(format!("{anthropic}/v1/messages"))
        .header("x-api-key", "sk-demo")
        .header("anthropic-version", "2023-06-01")
        .json(&serde_json::json!({"model": "demo-model", "max_tokens": 10, "stream": true, "messages": []}))
        .send()
        .await
        .unwrap();
    let (text, _) = read_events(resp).await;
    assert!(text.contains("\"text\":\"from"));
    let resp = c
        .post(format!("{openai}/chat/completions"))
        .bearer_auth("sk-demo")
        .json(&serde_json::json!({"model": "demo-model", "stream": true, "messages": []}))
        .send()
        .await
        .unwrap();
    let (text, _) = read_events(resp).await;
    assert!(text.contains("\"finish_reason\":\"tool_calls\""));

    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn a_bad_script_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.json");
    std::fs::write(&file, r#"{"default": [{"steps": [{"txt": "typo"}]}]}"#).unwrap();
    let out =
        Command::new(env!("CARGO_BIN_EXE_fake-provider")).args(["--script", file.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.json") && err.contains("txt"), "{err}");
}
