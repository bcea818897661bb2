//! Messages API stream events → `StreamEvent`s, accumulating each tool call's partial JSON by
//! content-block index; a whole `message` document (a server that does not stream) → the same
//! events; and HTTP errors → `ModelError`. Servers other than Anthropic's (llama.cpp, LiteLLM)
//! are taken as they are: no pings, blocks closed late, out of order or never, two tool blocks
//! open at once, usage only in `message_delta`, errors in the OpenAI shape.

use std::collections::BTreeMap;

use serde::Deserialize;

use reverie_protocol::ProviderKind;

use super::wire::{BlockDelta, Document, DocumentBlock, StartBlock, StreamedEvent, WireUsage};
use crate::body::{says_context_exceeded, ErrorText};
use crate::openai::ErrorDetail;
use crate::stream::{finish_tool_input, parse, retry_after, with_estimates, SseMapper};
use crate::types::{StopReason, StreamEvent, Usage};
use crate::ModelError;

pub struct Mapper {
    /// Tool blocks still open, by index.
    tools: BTreeMap<usize, PendingTool>,
    /// Tool blocks closed while one before them is still open: they wait, so tool uses come
    /// in index order whatever order the stops came in.
    closed: BTreeMap<usize, StreamEvent>,
    usage: Usage,
    /// Whether any usage came at all.
    reported: bool,
    stop_reason: Option<StopReason>,
    request_bytes: usize,
    output_bytes: usize,
    done: bool,
}

struct PendingTool {
    id: String,
    name: String,
    json: String,
}

/// An error body or event in the OpenAI shape, which llama.cpp sends on `/v1/messages` too.
#[derive(Deserialize)]
struct OpenAiShaped {
    error: ErrorDetail,
}

impl Mapper {
    fn fold_usage(&mut self, u: &WireUsage) {
        self.reported = true;
        if let Some(n) = u.input_tokens {
            self.usage.input_tokens = n;
        }
        if let Some(n) = u.output_tokens {
            self.usage.output_tokens = n;
        }
        if let Some(n) = u.cache_creation_input_tokens {
            self.usage.cache_write_tokens = n;
        }
        if let Some(n) = u.cache_read_input_tokens {
            self.usage.cache_read_tokens = n;
        }
    }

    /// The closed tool blocks no open block precedes, in index order.
    fn release(&mut self, out: &mut Vec<StreamEvent>) {
        let ready = match self.tools.keys().next() {
            Some(&first_open) => {
                let later = self.closed.split_off(&first_open);
                std::mem::replace(&mut self.closed, later)
            }
            None => std::mem::take(&mut self.closed),
        };
        out.extend(ready.into_values());
    }

    /// The end: tool blocks never closed finished, every tool use in index order, counts
    /// estimated when the provider sent none, then the stop.
    fn finish(&mut self, out: &mut Vec<StreamEvent>) {
        for (index, tool) in std::mem::take(&mut self.tools) {
            self.closed.insert(index, finish_tool(tool));
        }
        self.release(out);
        let reported = self.reported.then_some(self.usage);
        if let Some(usage) = with_estimates(reported, self.request_bytes, self.output_bytes) {
            self.usage = usage;
            out.push(StreamEvent::Usage(usage));
        }
        let reason = self.stop_reason.take().unwrap_or(StopReason::EndTurn);
        out.push(StreamEvent::Stop { reason });
        self.done = true;
    }

    fn text(&mut self, text: String, out: &mut Vec<StreamEvent>) {
        if !text.is_empty() {
            self.output_bytes += text.len();
            out.push(StreamEvent::TextDelta { text });
        }
    }
}

impl SseMapper for Mapper {
    fn new(request_bytes: usize) -> Self {
        Self {
            tools: BTreeMap::new(),
            closed: BTreeMap::new(),
            usage: Usage::default(),
            reported: false,
            stop_reason: None,
            request_bytes,
            output_bytes: 0,
            done: false,
        }
    }

    fn on_event(&mut self, _event: &str, data: &str, out: &mut Vec<StreamEvent>) -> Result<(), ModelError> {
        let event = match parse::<StreamedEvent>(data, "Anthropic") {
            Ok(event) => event,
            Err(malformed) => match serde_json::from_str::<OpenAiShaped>(data) {
                Ok(shaped) => return Err(shaped.error.into_model_error()),
                Err(_) => return Err(malformed),
            },
        };
        match event {
            StreamedEvent::MessageStart { message } => {
                out.push(StreamEvent::MessageStart { id: message.id, model: message.model });
                if let Some(u) = &message.usage {
                    self.fold_usage(u);
                    out.push(StreamEvent::Usage(self.usage));
                }
            }
            StreamedEvent::ContentBlockStart { index, content_block } => match content_block {
                StartBlock::Text { text } => self.text(text, out),
                StartBlock::ToolUse { id, name } => {
                    self.output_bytes += name.len();
                    self.tools.insert(index, PendingTool { id, name, json: String::new() });
                }
                StartBlock::Other => {}
            },
            StreamedEvent::ContentBlockDelta { index, delta } => match delta {
                BlockDelta::Text { text } => self.text(text, out),
                BlockDelta::InputJson { partial_json } => match self.tools.get_mut(&index) {
                    Some(tool) => {
                        self.output_bytes += partial_json.len();
                        tool.json.push_str(&partial_json);
                    }
                    None => {
                        return Err(ModelError::InvalidResponse {
                            message: format!("input for unknown content block {index}"),
                        })
                    }
                },
                BlockDelta::Other => {}
            },
            // A stop for a block never opened (or closed twice) changes nothing.
            StreamedEvent::ContentBlockStop { index } => {
                if let Some(tool) = self.tools.remove(&index) {
                    self.closed.insert(index, finish_tool(tool));
                    self.release(out);
                }
            }
            StreamedEvent::MessageDelta { delta, usage } => {
                if let Some(reason) = delta.stop_reason {
                    self.stop_reason = Some(stop_reason(&reason));
                }
                if let Some(u) = &usage {
                    self.fold_usage(u);
                    out.push(StreamEvent::Usage(self.usage));
                }
            }
            StreamedEvent::MessageStop => self.finish(out),
            StreamedEvent::Ping | StreamedEvent::Unknown => {}
            StreamedEvent::Error { error } => return Err(api_error(&error.kind, &error.message, None)),
        }
        Ok(())
    }

    fn on_document(&mut self, json: &str, out: &mut Vec<StreamEvent>) -> Result<bool, ModelError> {
        if let Ok(shaped) = serde_json::from_str::<OpenAiShaped>(json) {
            return Err(shaped.error.into_model_error());
        }
        if let Ok(StreamedEvent::Error { error }) = serde_json::from_str::<StreamedEvent>(json) {
            return Err(api_error(&error.kind, &error.message, None));
        }
        let Ok(document) = serde_json::from_str::<Document>(json) else { return Ok(false) };
        if document.kind != "message" {
            return Ok(false);
        }
        out.push(StreamEvent::MessageStart { id: document.id, model: document.model });
        for block in document.content {
            match block {
                DocumentBlock::Text { text } => self.text(text, out),
                DocumentBlock::ToolUse { id, name, input } => {
                    let json = input.to_string();
                    self.output_bytes += name.len() + json.len();
                    out.push(finish_tool_input(id, name, json));
                }
                DocumentBlock::Other => {}
            }
        }
        if let Some(u) = &document.usage {
            self.fold_usage(u);
            out.push(StreamEvent::Usage(self.usage));
        }
        self.stop_reason = document.stop_reason.as_deref().map(stop_reason);
        self.finish(out);
        Ok(true)
    }

    fn is_done(&self) -> bool {
        self.done
    }
}

fn finish_tool(tool: PendingTool) -> StreamEvent {
    finish_tool_input(tool.id, tool.name, tool.json)
}

fn stop_reason(s: &str) -> StopReason {
    match s {
        "end_turn" => StopReason::EndTurn,
        "tool_use" => StopReason::ToolUse,
        "max_tokens" => StopReason::MaxTokens,
        "stop_sequence" => StopReason::StopSequence,
        other => StopReason::Other(other.to_owned()),
    }
}

fn api_error(kind: &str, message: &str, headers: Option<&reqwest::header::HeaderMap>) -> ModelError {
    match kind {
        "authentication_error" | "permission_error" => ModelError::Auth { message: message.to_owned() },
        "rate_limit_error" => ModelError::RateLimited { retry_after: retry_after(headers) },
        "overloaded_error" => ModelError::Overloaded,
        _ if says_context_exceeded(Some(kind), None, message) => {
            ModelError::ContextWindowExceeded { message: message.to_owned() }
        }
        "api_error" => ModelError::Http { status: 500, message: message.to_owned() },
        _ => ModelError::InvalidResponse { message: format!("{kind}: {message}") },
    }
}

pub fn http_error(
    model: &str,
    url: &str,
    status: u16,
    headers: Option<&reqwest::header::HeaderMap>,
    body: &ErrorText,
) -> ModelError {
    let message = if body.message.is_empty() { format!("HTTP {status}") } else { body.message.clone() };
    match status {
        401 | 403 => ModelError::Auth { message: format!("HTTP {status}: {message}") },
        404 if body.names_model(model) => ModelError::ModelNotFound { model: model.to_owned(), available: Vec::new() },
        404 => ModelError::NoApi { url: url.to_owned(), kind: ProviderKind::Anthropic },
        429 => ModelError::RateLimited { retry_after: retry_after(headers) },
        529 | 503 => ModelError::Overloaded,
        400 | 413 if body.context_exceeded() => ModelError::ContextWindowExceeded { message },
        400 | 413 => match &body.kind {
            Some(kind) => match api_error(kind, &message, headers) {
                ModelError::InvalidResponse { .. } => ModelError::Http { status, message },
                mapped => mapped,
            },
            None => ModelError::Http { status, message },
        },
        _ => ModelError::Http { status, message },
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn run(events: &[&str]) -> Result<Vec<StreamEvent>, ModelError> {
        let mut mapper = Mapper::new(100);
        let mut out = Vec::new();
        for data in events {
            mapper.on_event("", data, &mut out)?;
        }
        assert!(mapper.is_done(), "the stream must be complete");
        Ok(out)
    }

    #[test]
    fn text_and_a_tool_call_split_mid_key_become_normalized_events() {
        let out = run(&[
            r#"{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-x","stop_reason":null,"usage":{"input_tokens":10,"output_tokens":1,"cache_creation_input_tokens":5,"cache_read_input_tokens":7}}}"#,
            r#"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
            r#"{"type":"ping"}"#,
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Let me "}}"#,
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"look."}}"#,
            r#"{"type":"content_block_stop","index":0}"#,
            r#"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"read_file","input":{}}}"#,
            r#"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"pa"}}"#,
            r#"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"th\": \"src/ma"}}"#,
            r#"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"in.rs\"}"}}"#,
            r#"{"type":"content_block_stop","index":1}"#,
            r#"{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":42}}"#,
            r#"{"type":"message_stop"}"#,
        ])
        .unwrap();
        let usage = Usage {
            input_tokens: 10,
            output_tokens: 42,
            cache_read_tokens: 7,
            cache_write_tokens: 5,
            ..Usage::default()
        };
        assert_eq!(
            out,
            vec![
                StreamEvent::MessageStart { id: "msg_1".into(), model: "claude-x".into() },
                StreamEvent::Usage(Usage { output_tokens: 1, ..usage }),
                StreamEvent::TextDelta { text: "Let me ".into() },
                StreamEvent::TextDelta { text: "look.".into() },
                StreamEvent::ToolUse {
                    id: "toolu_1".into(),
                    name: "read_file".into(),
                    input: json!({"path": "src/main.rs"})
                },
                StreamEvent::Usage(usage),
                StreamEvent::Stop { reason: StopReason::ToolUse },
            ]
        );
    }

    #[test]
    fn invalid_tool_json_is_reported_for_the_model_not_as_a_stream_failure() {
        let out = run(&[
            r#"{"type":"message_start","message":{"id":"m","model":"c","usage":{"input_tokens":1,"output_tokens":1}}}"#,
            r#"{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t","name":"write_file","input":{}}}"#,
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"path\": \"a"}}"#,
            r#"{"type":"content_block_stop","index":0}"#,
            r#"{"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":3}}"#,
            r#"{"type":"message_stop"}"#,
        ])
        .unwrap();
        assert!(
            matches!(&out[2], StreamEvent::InvalidToolUse { id, raw, .. } if id == "t" && raw == "{\"path\": \"a"),
            "{out:?}"
        );
    }

    #[test]
    fn an_error_event_mid_stream_is_typed() {
        let mut mapper = Mapper::new(0);
        let err = mapper
            .on_event(
                "error",
                r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
                &mut Vec::new(),
            )
            .unwrap_err();
        assert_eq!(err, ModelError::Overloaded);
        let err = mapper.on_event("", "{not json", &mut Vec::new()).unwrap_err();
        assert!(matches!(err, ModelError::InvalidResponse { .. }));
    }

    #[test]
    fn http_errors_map_to_typed_errors() {
        let http_error = |model: &str, status: u16, headers: Option<&reqwest::header::HeaderMap>, body: &str| {
            http_error(
                model,
                "http://h/v1/messages",
                status,
                headers,
                &ErrorText::parse(&crate::body::Prefix { text: body.into(), cut: false }),
            )
        };
        let ctx = r#"{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 250000 tokens > 200000 maximum"}}"#;
        assert!(matches!(http_error("m", 400, None, ctx), ModelError::ContextWindowExceeded { .. }));
        assert!(matches!(http_error("m", 401, None, "{}"), ModelError::Auth { .. }));
        let unknown = r#"{"type":"error","error":{"type":"not_found_error","message":"model: claude-x"}}"#;
        assert!(matches!(http_error("claude-x", 404, None, unknown), ModelError::ModelNotFound { .. }));
        let no_path = r#"{"type":"error","error":{"type":"not_found_error","message":"Not Found"}}"#;
        assert!(matches!(http_error("claude-x", 404, None, no_path), ModelError::NoApi { .. }));
        assert_eq!(http_error("m", 529, None, "{}"), ModelError::Overloaded);
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("retry-after", "2".parse().unwrap());
        assert_eq!(
            http_error("m", 429, Some(&headers), "{}"),
            ModelError::RateLimited { retry_after: Some(std::time::Duration::from_secs(2)) }
        );
    }
}
