//! `Request` → Chat Completions body. Tool results become `tool` messages; an assistant turn's
//! tool uses become `tool_calls` with JSON-string arguments. A reasoning model
//! ([`is_reasoning_model`]) gets `max_completion_tokens` instead of `max_tokens`, no
//! `temperature` (it refuses any but the default), and `reasoning_effort` when the request has one.

use std::borrow::Cow;

use serde::Serialize;
use serde_json::Value;

use crate::is_reasoning_model;
use crate::types::{ContentBlock, ReasoningEffort, Request, Role, ToolChoice};

/// The request body as JSON bytes.
pub fn body(model: &str, request: &Request) -> Vec<u8> {
    let mut messages = Vec::new();
    if !request.system.is_empty() {
        messages.push(WireMessage::plain("system", Some(Cow::Borrowed(&request.system))));
    }
    for m in &request.messages {
        match m.role {
            Role::User => {
                // Tool results are their own messages; text stays a user message, after them.
                let mut text = String::new();
                for b in &m.content {
                    match b {
                        ContentBlock::ToolResult { tool_use_id, content, is_error } => {
                            let content = if *is_error {
                                Cow::Owned(format!("Error: {content}"))
                            } else {
                                Cow::Borrowed(content.as_str())
                            };
                            messages.push(WireMessage {
                                tool_call_id: Some(tool_use_id),
                                ..WireMessage::plain("tool", Some(content))
                            });
                        }
                        ContentBlock::Text { text: t } => text.push_str(t),
                        ContentBlock::ToolUse { .. } => {}
                    }
                }
                if !text.is_empty() {
                    messages.push(WireMessage::plain("user", Some(Cow::Owned(text))));
                }
            }
            Role::Assistant => {
                let text: String = m
                    .content
                    .iter()
                    .filter_map(|b| if let ContentBlock::Text { text } = b { Some(text.as_str()) } else { None })
                    .collect();
                let tool_calls: Vec<WireCall<'_>> = m
                    .content
                    .iter()
                    .filter_map(|b| match b {
                        ContentBlock::ToolUse { id, name, input } => Some(WireCall {
                            id,
                            kind: "function",
                            function: WireFunction { name, arguments: input.to_string() },
                        }),
                        _ => None,
                    })
                    .collect();
                // An assistant turn of only tool calls sends `content: null`.
                let content = (!text.is_empty()).then_some(Cow::Owned(text));
                messages.push(WireMessage { tool_calls, ..WireMessage::plain("assistant", content) });
            }
        }
    }
    let reasoning = is_reasoning_model(model);
    let body = ChatRequest {
        model,
        messages,
        max_tokens: (!reasoning).then_some(request.max_tokens),
        max_completion_tokens: reasoning.then_some(request.max_tokens),
        reasoning_effort: request.reasoning_effort.filter(|_| reasoning),
        stream: true,
        stream_options: StreamOptions { include_usage: true },
        tools: request
            .tools
            .iter()
            .map(|t| WireTool {
                kind: "function",
                function: WireToolFunction { name: &t.name, description: &t.description, parameters: &t.input_schema },
            })
            .collect(),
        tool_choice: match &request.tool_choice {
            ToolChoice::Auto => None,
            ToolChoice::Tool(name) => Some(WireToolChoice { kind: "function", function: WireChoiceFunction { name } }),
        },
        temperature: request.temperature.filter(|_| !reasoning),
    };
    // Plain structs of strings and JSON values always serialize.
    serde_json::to_vec(&body).unwrap_or_default()
}

#[derive(Serialize)]
struct ChatRequest<'a> {
    model: &'a str,
    messages: Vec<WireMessage<'a>>,
    /// One of the two: `max_completion_tokens` for a reasoning model, `max_tokens` otherwise
    /// (what every other OpenAI-compatible server knows).
    #[serde(skip_serializing_if = "Option::is_none")]
    max_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_completion_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reasoning_effort: Option<ReasoningEffort>,
    stream: bool,
    stream_options: StreamOptions,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tools: Vec<WireTool<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_choice: Option<WireToolChoice<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f32>,
}

#[derive(Serialize)]
struct StreamOptions {
    include_usage: bool,
}

#[derive(Serialize)]
struct WireMessage<'a> {
    role: &'static str,
    content: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_call_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_calls: Vec<WireCall<'a>>,
}

impl<'a> WireMessage<'a> {
    fn plain(role: &'static str, content: Option<Cow<'a, str>>) -> Self {
        Self { role, content, tool_call_id: None, tool_calls: Vec::new() }
    }
}

#[derive(Serialize)]
struct WireCall<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    function: WireFunction<'a>,
}

#[derive(Serialize)]
struct WireFunction<'a> {
    name: &'a str,
    /// The arguments as a JSON string, as the API wants them.
    arguments: String,
}

#[derive(Serialize)]
struct WireTool<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    function: WireToolFunction<'a>,
}

#[derive(Serialize)]
struct WireToolFunction<'a> {
    name: &'a str,
    description: &'a str,
    parameters: &'a Value,
}

#[derive(Serialize)]
struct WireToolChoice<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    function: WireChoiceFunction<'a>,
}

#[derive(Serialize)]
struct WireChoiceFunction<'a> {
    name: &'a str,
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;
    use crate::types::{Message, ToolSpec};

    #[test]
    fn tool_uses_and_results_map_to_tool_calls_and_tool_messages() {
        let request = Request {
            system: "You are terse.".into(),
            messages: vec![
                Message::user("Read a.txt"),
                Message::assistant(vec![ContentBlock::ToolUse {
                    id: "call_1".into(),
                    name: "read_file".into(),
                    input: json!({"path": "a.txt"}),
                }]),
                Message {
                    role: Role::User,
                    content: vec![ContentBlock::ToolResult {
                        tool_use_id: "call_1".into(),
                        content: "hello".into(),
                        is_error: false,
                    }],
                },
            ],
            tools: vec![ToolSpec {
                name: "read_file".into(),
                description: "Read".into(),
                input_schema: json!({"type": "object"}),
            }],
            max_tokens: 100,
            ..Default::default()
        };
        let body: Value = serde_json::from_slice(&body("gpt-x", &request)).unwrap();
        assert_eq!(body["messages"][0], json!({"role": "system", "content": "You are terse."}));
        assert_eq!(body["messages"][2]["tool_calls"][0]["function"]["arguments"], "{\"path\":\"a.txt\"}");
        assert_eq!(body["messages"][2]["content"], Value::Null, "a turn of only tool calls sends content: null");
        assert!(body.get("tool_choice").is_none() && body.get("temperature").is_none());
        assert_eq!(body["messages"][3], json!({"role": "tool", "tool_call_id": "call_1", "content": "hello"}));
        assert_eq!(body["tools"][0]["function"]["name"], "read_file");
        assert_eq!(body["stream_options"]["include_usage"], true);
    }
}
