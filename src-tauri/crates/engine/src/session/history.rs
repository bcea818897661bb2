//! A thread's conversation rebuilt from the stored log, so an interrupted session can go on
//! where it stopped and an idle one can take a follow-up message.

use reverie_llm::{ContentBlock, Message, Role};
use reverie_protocol::{EventPayload, SessionEvent, ThreadId};

/// The conversation of `thread` as the model saw it, and the tool calls that never got a
/// result (the process died while they ran or waited for approval), in order.
pub fn history_from_events(events: &[SessionEvent], thread: &ThreadId) -> (Vec<Message>, Vec<String>) {
    let mut messages: Vec<Message> = Vec::new();
    let mut open_calls: Vec<String> = Vec::new();
    for event in events.iter().filter(|e| &e.thread_id == thread) {
        match &event.payload {
            // The grader's feedback reaches the agent as a user message.
            EventPayload::UserMessage { text } | EventPayload::OutcomeFeedback { text, .. } | EventPayload::ThreadMessageReceived { text, .. } => push(&mut messages, Role::User, ContentBlock::Text { text: text.clone() }),
            EventPayload::AgentMessage { text } => push(&mut messages, Role::Assistant, ContentBlock::Text { text: text.clone() }),
            EventPayload::AgentToolUse { tool_use_id, name, input } => {
                open_calls.push(tool_use_id.clone());
                push(&mut messages, Role::Assistant, ContentBlock::ToolUse { id: tool_use_id.clone(), name: name.clone(), input: input.clone() });
            }
            EventPayload::AgentToolResult { tool_use_id, content, is_error } => {
                open_calls.retain(|id| id != tool_use_id);
                push(
                    &mut messages,
                    Role::User,
                    ContentBlock::ToolResult { tool_use_id: tool_use_id.clone(), content: content.clone(), is_error: *is_error },
                );
            }
            _ => {}
        }
    }
    (messages, open_calls)
}

/// Appends a block, joining it to the last message when that has the same role (a turn's
/// text and tool calls form one assistant message; its results one user message).
pub(crate) fn push(messages: &mut Vec<Message>, role: Role, block: ContentBlock) {
    match messages.last_mut() {
        Some(last) if last.role == role => last.content.push(block),
        _ => messages.push(Message { role, content: vec![block] }),
    }
}
