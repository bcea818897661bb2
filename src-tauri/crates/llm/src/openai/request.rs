//! `Request` → Chat Completions body. Tool results become `tool` messages; an assistant turn's
//! tool uses become `tool_calls` with JSON-string arguments.

use serde_json::{json, Value};

use crate::types::{ContentBlock, Request, Role, ToolChoice};

pub fn body(model: &str, request: &Request) -> Value {
    let mut messages = Vec::new();
    if !request.system.is_empty() {
        messages.push(json!({"role": "system", "content": request.system}));
    }
    for m in &request.messages {
        match m.role {
            Role::User => {
                // Tool results are their own messages; text stays a user message, after them.
                let mut text = String::new();
                for b in &m.content {
                    match b {
                        ContentBlock::ToolResult { tool_use_id, content, is_error } => {
                            let content = if *is_error { format!("Error: {content}") } else { content.clone() };
                            messages.push(json!({"role": "tool", "tool_call_id": tool_use_id, "content": content}));
                        }
                        ContentBlock::Text { text: t } => text.push_str(t),
                        ContentBlock::ToolUse { .. } => {}
                    }
                }
                if !text.is_empty() {
                    messages.push(json!({"role": "user", "content": text}));
                }
            }
            Role::Assistant => {
                let text: String = m
                    .content
                    .iter()
                    .filter_map(|b| if let ContentBlock::Text { text } = b { Some(text.as_str()) } else { None })
                    .collect();
                let calls: Vec<Value> = m
                    .content
                    .iter()
                    .filter_map(|b| match b {
                        ContentBlock::ToolUse { id, name, input } => Some(json!({
                            "id": id, "type": "function", "function": {"name": name, "arguments": input.to_string()}
                        })),
                        _ => None,
                    })
                    .collect();
                let mut msg = json!({"role": "assistant", "content": if text.is_empty() { Value::Null } else { Value::String(text) }});
                if !calls.is_empty() {
                    msg["tool_calls"] = Value::Array(calls);
                }
                messages.push(msg);
            }
        }
    }
    let mut body = json!({
        "model": model,
        "messages": messages,
        "max_tokens": request.max_tokens,
        "stream": true,
        "stream_options": {"include_usage": true},
    });
    if !request.tools.is_empty() {
        body["tools"] = request
            .tools
            .iter()
            .map(|t| json!({"type": "function", "function": {"name": t.name, "description": t.description, "parameters": t.input_schema}}))
            .collect();
    }
    if let ToolChoice::Tool(name) = &request.tool_choice {
        body["tool_choice"] = json!({"type": "function", "function": {"name": name}});
    }
    if let Some(t) = request.temperature {
        body["temperature"] = json!(t);
    }
    body
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::types::{Message, ToolSpec};

    #[test]
    fn tool_uses_and_results_map_to_tool_calls_and_tool_messages() {
        let request = Request {
            system: "You are terse.".into(),
            messages: vec![
                Message::user("Read a.txt"),
                Message::assistant(vec![ContentBlock::ToolUse { id: "call_1".into(), name: "read_file".into(), input: json!({"path": "a.txt"}) }]),
                Message {
                    role: Role::User,
                    content: vec![ContentBlock::ToolResult { tool_use_id: "call_1".into(), content: "hello".into(), is_error: false }],
                },
            ],
            tools: vec![ToolSpec { name: "read_file".into(), description: "Read".into(), input_schema: json!({"type": "object"}) }],
            max_tokens: 100,
            ..Default::default()
        };
        let body = body("gpt-x", &request);
        assert_eq!(body["messages"][0], json!({"role": "system", "content": "You are terse."}));
        assert_eq!(body["messages"][2]["tool_calls"][0]["function"]["arguments"], "{\"path\":\"a.txt\"}");
        assert_eq!(body["messages"][3], json!({"role": "tool", "tool_call_id": "call_1", "content": "hello"}));
        assert_eq!(body["tools"][0]["function"]["name"], "read_file");
        assert_eq!(body["stream_options"]["include_usage"], true);
    }
}
