//! `Request` → Messages API body. The system prompt is the stable prefix and carries
//! `cache_control`, so repeated turns of a session read it from the prompt cache.

use serde_json::json;

use super::wire::{CacheControl, MessagesRequest, SystemBlock, WireBlock, WireMessage, WireTool};
use crate::types::{ContentBlock, Request, Role, ToolChoice};

/// The request body as JSON bytes.
pub fn body(model: &str, request: &Request) -> Vec<u8> {
    let system = if request.system.is_empty() {
        Vec::new()
    } else {
        vec![SystemBlock {
            kind: "text",
            text: &request.system,
            cache_control: Some(CacheControl { kind: "ephemeral" }),
        }]
    };
    let messages = request
        .messages
        .iter()
        .map(|m| WireMessage {
            role: match m.role {
                Role::User => "user",
                Role::Assistant => "assistant",
            },
            content: m.content.iter().map(block).collect(),
        })
        .collect();
    let tools = request
        .tools
        .iter()
        .map(|t| WireTool { name: &t.name, description: &t.description, input_schema: &t.input_schema })
        .collect();
    let tool_choice = match &request.tool_choice {
        ToolChoice::Auto => None,
        ToolChoice::Tool(name) => Some(json!({"type": "tool", "name": name})),
    };
    let body = MessagesRequest {
        model,
        max_tokens: request.max_tokens,
        system,
        messages,
        tools,
        tool_choice,
        temperature: request.temperature,
        stream: true,
    };
    // Plain structs of strings and JSON values always serialize.
    serde_json::to_vec(&body).unwrap_or_default()
}

fn block(b: &ContentBlock) -> WireBlock<'_> {
    match b {
        ContentBlock::Text { text } => WireBlock::Text { text },
        ContentBlock::ToolUse { id, name, input } => WireBlock::ToolUse { id, name, input },
        ContentBlock::ToolResult { tool_use_id, content, is_error } => {
            WireBlock::ToolResult { tool_use_id, content, is_error: *is_error }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::types::Message;

    #[test]
    fn the_system_prompt_is_the_cached_prefix_and_tool_choice_is_forced_when_asked() {
        let request = Request {
            system: "Stable prefix".into(),
            messages: vec![Message::user("hi")],
            tool_choice: ToolChoice::Tool("submit_result".into()),
            max_tokens: 10,
            ..Default::default()
        };
        let body: serde_json::Value = serde_json::from_slice(&body("claude-x", &request)).unwrap();
        assert_eq!(
            body["system"][0],
            json!({"type": "text", "text": "Stable prefix", "cache_control": {"type": "ephemeral"}})
        );
        assert_eq!(body["messages"][0], json!({"role": "user", "content": [{"type": "text", "text": "hi"}]}));
        assert_eq!(body["tool_choice"], json!({"type": "tool", "name": "submit_result"}));
        assert_eq!(body["stream"], true);
    }
}
