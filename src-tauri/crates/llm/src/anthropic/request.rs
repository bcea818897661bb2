//! `Request` → Messages API body, with prompt-cache breakpoints (`cache_control`): the system
//! prompt is the stable prefix, and a rolling breakpoint on the last message caches the
//! history so far, so the next turn of a session reads everything before its new messages
//! from the cache. The previous request's last message keeps a breakpoint too, so that
//! request's cache entry is hit however many blocks the turn added (the API looks back only
//! 20 blocks from a breakpoint for an earlier entry).

use serde_json::json;

use super::wire::{CacheControl, MessagesRequest, SystemBlock, WireBlock, WireMessage, WireTool};
use crate::types::{ContentBlock, Message, Request, Role, ToolChoice};

/// The most `cache_control` breakpoints the API accepts in one request.
pub const MAX_BREAKPOINTS: usize = 4;

const EPHEMERAL: CacheControl = CacheControl { kind: "ephemeral" };

/// The request body as JSON bytes.
pub fn body(model: &str, request: &Request) -> Vec<u8> {
    let system = if request.system.is_empty() {
        Vec::new()
    } else {
        vec![SystemBlock { kind: "text", text: &request.system, cache_control: Some(EPHEMERAL) }]
    };
    let marked = history_breakpoints(&request.messages, MAX_BREAKPOINTS - system.len());
    let messages = request
        .messages
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let at = marked.contains(&i).then(|| breakpoint_block(m)).flatten();
            WireMessage {
                role: match m.role {
                    Role::User => "user",
                    Role::Assistant => "assistant",
                },
                content: m.content.iter().enumerate().map(|(j, b)| block(b, at == Some(j))).collect(),
            }
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

/// The messages that carry a breakpoint, at most `budget` of them: the last message (the
/// rolling one, written to the cache for the next turn) and the last user message before it
/// (where the previous request ended in a tool loop, so its cache entry is read).
fn history_breakpoints(messages: &[Message], budget: usize) -> Vec<usize> {
    let Some(last) = messages.len().checked_sub(1) else { return Vec::new() };
    let previous = messages[..last].iter().rposition(|m| m.role == Role::User);
    [Some(last), previous].into_iter().flatten().take(budget).collect()
}

/// The block of a message that takes its breakpoint: the last one the API accepts a
/// `cache_control` on (not an empty text).
fn breakpoint_block(message: &Message) -> Option<usize> {
    message.content.iter().rposition(|b| !matches!(b, ContentBlock::Text { text } if text.is_empty()))
}

fn block(b: &ContentBlock, breakpoint: bool) -> WireBlock<'_> {
    let cache_control = breakpoint.then_some(EPHEMERAL);
    match b {
        ContentBlock::Text { text } => WireBlock::Text { text, cache_control },
        ContentBlock::ToolUse { id, name, input } => WireBlock::ToolUse { id, name, input, cache_control },
        ContentBlock::ToolResult { tool_use_id, content, is_error } => {
            WireBlock::ToolResult { tool_use_id, content, is_error: *is_error, cache_control }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

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
        assert_eq!(
            body["messages"][0],
            json!({"role": "user", "content": [{"type": "text", "text": "hi", "cache_control": {"type": "ephemeral"}}]})
        );
        assert_eq!(body["tool_choice"], json!({"type": "tool", "name": "submit_result"}));
        assert_eq!(body["stream"], true);
    }
}
