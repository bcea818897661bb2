//! Chat Completions chunks → `StreamEvent`s, accumulating `tool_calls` by index; HTTP errors →
//! `ModelError`.

use std::collections::BTreeMap;

use serde::Deserialize;

use reverie_protocol::ProviderKind;

use crate::body::ErrorText;
use crate::stream::finish_tool_input;
use crate::stream::{parse, retry_after, SseMapper};
use crate::types::{StopReason, StreamEvent, Usage};
use crate::ModelError;

#[derive(Debug, Deserialize)]
struct Chunk {
    #[serde(default)]
    id: String,
    #[serde(default)]
    model: String,
    #[serde(default)]
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<WireUsage>,
    /// Some servers report failures inside the stream as `{"error": {...}}`.
    #[serde(default)]
    error: Option<ErrorDetail>,
}

#[derive(Debug, Deserialize)]
struct Choice {
    #[serde(default)]
    delta: Option<ChunkDelta>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct ChunkDelta {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    tool_calls: Vec<ToolCallDelta>,
}

#[derive(Debug, Deserialize)]
struct ToolCallDelta {
    index: usize,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    function: Option<FunctionDelta>,
}

#[derive(Debug, Deserialize)]
struct FunctionDelta {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    arguments: Option<String>,
}

#[derive(Debug, Deserialize)]
struct WireUsage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
    #[serde(default)]
    prompt_tokens_details: Option<PromptDetails>,
}

#[derive(Debug, Deserialize)]
struct PromptDetails {
    #[serde(default)]
    cached_tokens: u64,
}

#[derive(Default)]
pub struct Mapper {
    started: bool,
    calls: BTreeMap<usize, (String, String, String)>,
    stop_reason: Option<StopReason>,
    done: bool,
}

impl SseMapper for Mapper {
    fn on_event(&mut self, _event: &str, data: &str, out: &mut Vec<StreamEvent>) -> Result<(), ModelError> {
        if data.trim() == "[DONE]" {
            if let Some(reason) = self.stop_reason.take() {
                out.push(StreamEvent::Stop { reason });
            } else {
                return Err(ModelError::InvalidResponse { message: "the stream ended without a finish reason".into() });
            }
            self.done = true;
            return Ok(());
        }
        let chunk: Chunk = parse(data, "OpenAI")?;
        if let Some(error) = chunk.error {
            let code = error.code.as_ref().and_then(|c| c.as_str()).unwrap_or_default();
            return Err(match (error.kind.as_deref(), code) {
                (_, "rate_limit_exceeded") | (Some("rate_limit_error"), _) => {
                    ModelError::RateLimited { retry_after: None }
                }
                (Some("overloaded_error") | Some("server_error"), _) => ModelError::Overloaded,
                _ => ModelError::InvalidResponse {
                    message: format!("the provider reported an error mid-stream: {}", error.message),
                },
            });
        }
        if !self.started {
            self.started = true;
            out.push(StreamEvent::MessageStart { id: chunk.id.clone(), model: chunk.model.clone() });
        }
        for choice in chunk.choices {
            if let Some(delta) = choice.delta {
                if let Some(text) = delta.content.filter(|t| !t.is_empty()) {
                    out.push(StreamEvent::TextDelta { text });
                }
                for call in delta.tool_calls {
                    let entry = self.calls.entry(call.index).or_default();
                    if let Some(id) = call.id {
                        entry.0 = id;
                    }
                    if let Some(f) = call.function {
                        if let Some(name) = f.name {
                            entry.1.push_str(&name);
                        }
                        if let Some(args) = f.arguments {
                            entry.2.push_str(&args);
                        }
                    }
                }
            }
            if let Some(reason) = choice.finish_reason {
                for (_, (id, name, args)) in std::mem::take(&mut self.calls) {
                    out.push(finish_tool_input(id, name, args));
                }
                self.stop_reason = Some(match reason.as_str() {
                    "stop" => StopReason::EndTurn,
                    "tool_calls" | "function_call" => StopReason::ToolUse,
                    "length" => StopReason::MaxTokens,
                    other => StopReason::Other(other.to_owned()),
                });
            }
        }
        if let Some(u) = chunk.usage {
            let cached = u.prompt_tokens_details.map(|d| d.cached_tokens).unwrap_or(0);
            out.push(StreamEvent::Usage(Usage {
                input_tokens: u.prompt_tokens.saturating_sub(cached),
                output_tokens: u.completion_tokens,
                cache_read_tokens: cached,
                cache_write_tokens: 0,
            }));
        }
        Ok(())
    }

    fn is_done(&self) -> bool {
        self.done
    }
}

#[derive(Debug, Deserialize)]
struct ErrorDetail {
    #[serde(default)]
    message: String,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    code: Option<serde_json::Value>,
}

pub fn http_error(
    model: &str,
    url: &str,
    status: u16,
    headers: Option<&reqwest::header::HeaderMap>,
    body: &ErrorText,
) -> ModelError {
    let message = if body.message.is_empty() { format!("HTTP {status}") } else { body.message.clone() };
    let code = body.code.as_deref().unwrap_or_default();
    match status {
        401 | 403 => ModelError::Auth { message: format!("HTTP {status}: {message}") },
        404 if body.names_model(model) => ModelError::ModelNotFound { model: model.to_owned(), available: Vec::new() },
        404 => ModelError::NoApi { url: url.to_owned(), kind: ProviderKind::OpenaiCompatible },
        429 => ModelError::RateLimited { retry_after: retry_after(headers) },
        503 | 529 => ModelError::Overloaded,
        400 if code == "context_length_exceeded" || message.contains("context length") => {
            ModelError::ContextWindowExceeded { message }
        }
        _ => ModelError::Http { status, message },
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn chunks_with_tool_call_deltas_and_usage_become_normalized_events() {
        let mut mapper = Mapper::default();
        let mut out = Vec::new();
        for data in [
            r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-x","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"#,
            r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-x","choices":[{"index":0,"delta":{"content":"Reading."},"finish_reason":null}]}"#,
            r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-x","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"read_file","arguments":""}}]},"finish_reason":null}]}"#,
            r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-x","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"pa"}}]},"finish_reason":null}]}"#,
            r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-x","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"th\":\"a.txt\"}"}}]},"finish_reason":null}]}"#,
            r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-x","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
            r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-x","choices":[],"usage":{"prompt_tokens":20,"completion_tokens":9,"total_tokens":29,"prompt_tokens_details":{"cached_tokens":8}}}"#,
            "[DONE]",
        ] {
            mapper.on_event("", data, &mut out).unwrap();
        }
        assert!(mapper.is_done());
        assert_eq!(
            out,
            vec![
                StreamEvent::MessageStart { id: "chatcmpl-1".into(), model: "gpt-x".into() },
                StreamEvent::TextDelta { text: "Reading.".into() },
                StreamEvent::ToolUse { id: "call_1".into(), name: "read_file".into(), input: json!({"path": "a.txt"}) },
                StreamEvent::Usage(Usage {
                    input_tokens: 12,
                    output_tokens: 9,
                    cache_read_tokens: 8,
                    cache_write_tokens: 0
                }),
                StreamEvent::Stop { reason: StopReason::ToolUse },
            ]
        );
    }

    #[test]
    fn done_without_a_finish_reason_is_an_error() {
        let mut mapper = Mapper::default();
        assert!(mapper.on_event("", "[DONE]", &mut Vec::new()).is_err());
    }

    #[test]
    fn context_length_errors_are_typed() {
        let http_error = |model: &str, status: u16, headers: Option<&reqwest::header::HeaderMap>, body: &str| {
            http_error(
                model,
                "http://h/v1/chat/completions",
                status,
                headers,
                &ErrorText::parse(&crate::body::Prefix { text: body.into(), cut: false }),
            )
        };
        let body = r#"{"error":{"message":"This model's maximum context length is 128000 tokens.","type":"invalid_request_error","code":"context_length_exceeded"}}"#;
        assert!(matches!(http_error("m", 400, None, body), ModelError::ContextWindowExceeded { .. }));
        assert!(matches!(http_error("m", 401, None, "{}"), ModelError::Auth { .. }));
    }
}
