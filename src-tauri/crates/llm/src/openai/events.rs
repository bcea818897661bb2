//! Chat Completions chunks → `StreamEvent`s, accumulating `tool_calls` by index (or, for
//! servers that send none, by position and id); a whole `chat.completion` document (a server
//! that does not stream) → the same events; HTTP errors → `ModelError`.

use serde::Deserialize;

use reverie_protocol::ProviderKind;

use crate::body::{says_context_exceeded, ErrorText};
use crate::stream::{finish_tool_input, parse, retry_after, with_estimates, SseMapper};
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
    #[serde(default, deserialize_with = "null_as_empty")]
    tool_calls: Vec<ToolCallDelta>,
}

#[derive(Debug, Deserialize)]
struct ToolCallDelta {
    /// Absent on some servers: the call's position in the delta's list stands for it.
    #[serde(default)]
    index: Option<usize>,
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
    #[serde(default)]
    completion_tokens_details: Option<CompletionDetails>,
}

/// Of the completion tokens, those a reasoning model spent thinking (`null` on some servers).
#[derive(Debug, Deserialize)]
struct CompletionDetails {
    #[serde(default)]
    reasoning_tokens: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct PromptDetails {
    #[serde(default)]
    cached_tokens: u64,
}

impl WireUsage {
    fn normalized(&self) -> Usage {
        let cached = self.prompt_tokens_details.as_ref().map(|d| d.cached_tokens).unwrap_or(0);
        Usage {
            input_tokens: self.prompt_tokens.saturating_sub(cached),
            output_tokens: self.completion_tokens,
            cache_read_tokens: cached,
            reasoning_tokens: self.completion_tokens_details.as_ref().and_then(|d| d.reasoning_tokens).unwrap_or(0),
            ..Usage::default()
        }
    }
}

/// A whole (non-streamed) `chat.completion`.
#[derive(Debug, Deserialize)]
struct Document {
    #[serde(default)]
    id: String,
    #[serde(default)]
    model: String,
    choices: Vec<DocumentChoice>,
    #[serde(default)]
    usage: Option<WireUsage>,
}

#[derive(Debug, Deserialize)]
struct DocumentChoice {
    #[serde(default)]
    message: Option<DocumentMessage>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
struct DocumentMessage {
    #[serde(default)]
    content: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    tool_calls: Vec<ToolCallDelta>,
}

/// `null` read as an empty list.
fn null_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// One tool call being accumulated. `index` is the wire's (or the position standing for it).
struct PendingCall {
    index: usize,
    id: String,
    name: String,
    args: String,
}

pub struct Mapper {
    started: bool,
    /// In the order they began.
    calls: Vec<PendingCall>,
    stop_reason: Option<StopReason>,
    usage: Option<Usage>,
    request_bytes: usize,
    output_bytes: usize,
    done: bool,
}

impl Mapper {
    /// The call a delta continues, or a new one: the latest call with its index, unless the
    /// delta brings an id that call does not have (servers that number every call 0).
    fn call_for(&mut self, index: usize, id: Option<&str>) -> &mut PendingCall {
        let found =
            self.calls.iter().rposition(|c| c.index == index && id.is_none_or(|id| c.id.is_empty() || c.id == id));
        let at = match found {
            Some(at) => at,
            None => {
                self.calls.push(PendingCall { index, id: String::new(), name: String::new(), args: String::new() });
                self.calls.len() - 1
            }
        };
        &mut self.calls[at]
    }

    fn on_tool_delta(&mut self, position: usize, call: ToolCallDelta) {
        let id = call.id.filter(|id| !id.is_empty());
        let entry = self.call_for(call.index.unwrap_or(position), id.as_deref());
        if let (Some(id), true) = (id, entry.id.is_empty()) {
            entry.id = id;
        }
        let Some(f) = call.function else { return };
        // A name sent again on every delta (some servers do) is the same name, not more of it.
        if let Some(name) = f.name.filter(|n| !n.is_empty() && *n != entry.name) {
            entry.name.push_str(&name);
        }
        if let Some(args) = f.arguments {
            entry.args.push_str(&args);
            self.output_bytes += args.len();
        }
    }

    fn on_text(&mut self, text: Option<String>, out: &mut Vec<StreamEvent>) {
        if let Some(text) = text.filter(|t| !t.is_empty()) {
            self.output_bytes += text.len();
            out.push(StreamEvent::TextDelta { text });
        }
    }

    /// The finished tool calls, in the order they began; a call without an id gets one.
    fn flush_calls(&mut self, out: &mut Vec<StreamEvent>) {
        for (n, call) in std::mem::take(&mut self.calls).into_iter().enumerate() {
            let id = if call.id.is_empty() { format!("call_{}", n + 1) } else { call.id };
            out.push(finish_tool_input(id, call.name, call.args));
        }
    }

    fn on_usage(&mut self, usage: &WireUsage, out: &mut Vec<StreamEvent>) {
        let usage = usage.normalized();
        self.usage = Some(usage);
        out.push(StreamEvent::Usage(usage));
    }

    /// The end: counts estimated when the provider sent none, then the stop.
    fn finish(&mut self, reason: StopReason, out: &mut Vec<StreamEvent>) {
        if let Some(usage) = with_estimates(self.usage, self.request_bytes, self.output_bytes) {
            out.push(StreamEvent::Usage(usage));
        }
        out.push(StreamEvent::Stop { reason });
        self.done = true;
    }
}

fn stop_reason(reason: &str) -> StopReason {
    match reason {
        "stop" => StopReason::EndTurn,
        "tool_calls" | "function_call" => StopReason::ToolUse,
        "length" => StopReason::MaxTokens,
        other => StopReason::Other(other.to_owned()),
    }
}

impl SseMapper for Mapper {
    fn new(request_bytes: usize) -> Self {
        Self {
            started: false,
            calls: Vec::new(),
            stop_reason: None,
            usage: None,
            request_bytes,
            output_bytes: 0,
            done: false,
        }
    }

    fn on_event(&mut self, _event: &str, data: &str, out: &mut Vec<StreamEvent>) -> Result<(), ModelError> {
        if data.trim() == "[DONE]" {
            let Some(reason) = self.stop_reason.take() else {
                return Err(ModelError::InvalidResponse { message: "the stream ended without a finish reason".into() });
            };
            self.finish(reason, out);
            return Ok(());
        }
        let chunk: Chunk = parse(data, "OpenAI")?;
        if let Some(error) = chunk.error {
            return Err(error.into_model_error());
        }
        if !self.started {
            self.started = true;
            out.push(StreamEvent::MessageStart { id: chunk.id.clone(), model: chunk.model.clone() });
        }
        for choice in chunk.choices {
            if let Some(delta) = choice.delta {
                self.on_text(delta.content, out);
                for (position, call) in delta.tool_calls.into_iter().enumerate() {
                    self.on_tool_delta(position, call);
                }
            }
            if let Some(reason) = choice.finish_reason {
                self.flush_calls(out);
                self.stop_reason = Some(stop_reason(&reason));
            }
        }
        if let Some(u) = &chunk.usage {
            self.on_usage(u, out);
        }
        Ok(())
    }

    fn on_document(&mut self, json: &str, out: &mut Vec<StreamEvent>) -> Result<bool, ModelError> {
        #[derive(Deserialize)]
        struct Failure {
            error: ErrorDetail,
        }
        if let Ok(Failure { error }) = serde_json::from_str::<Failure>(json) {
            return Err(error.into_model_error());
        }
        let Ok(document) = serde_json::from_str::<Document>(json) else { return Ok(false) };
        out.push(StreamEvent::MessageStart { id: document.id, model: document.model });
        let mut reason = None;
        if let Some(choice) = document.choices.into_iter().next() {
            if let Some(message) = choice.message {
                self.on_text(message.content, out);
                for (position, call) in message.tool_calls.into_iter().enumerate() {
                    self.on_tool_delta(position, call);
                }
            }
            reason = choice.finish_reason;
        }
        self.flush_calls(out);
        if let Some(u) = &document.usage {
            self.on_usage(u, out);
        }
        self.finish(stop_reason(reason.as_deref().unwrap_or("stop")), out);
        Ok(true)
    }

    fn is_done(&self) -> bool {
        self.done
    }
}

/// An error as OpenAI-shaped servers send it: in the stream, as a whole body, and (llama.cpp)
/// on Anthropic's path too.
#[derive(Debug, Deserialize)]
pub(crate) struct ErrorDetail {
    #[serde(default)]
    message: String,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    /// A string (`rate_limit_exceeded`) or the HTTP status as a number (llama.cpp).
    #[serde(default)]
    code: Option<serde_json::Value>,
}

impl ErrorDetail {
    /// The typed error for a failure reported inside a `200` response.
    pub(crate) fn into_model_error(self) -> ModelError {
        let code = self.code.as_ref().and_then(|c| c.as_str()).unwrap_or_default();
        if says_context_exceeded(self.kind.as_deref(), Some(code), &self.message) {
            return ModelError::ContextWindowExceeded { message: self.message };
        }
        match (self.kind.as_deref(), code) {
            (_, "rate_limit_exceeded") | (Some("rate_limit_error"), _) => ModelError::RateLimited { retry_after: None },
            (Some("overloaded_error") | Some("server_error"), _) => ModelError::Overloaded,
            (Some("authentication_error"), _) | (_, "invalid_api_key") => ModelError::Auth { message: self.message },
            _ => ModelError::InvalidResponse {
                message: format!("the provider reported an error mid-stream: {}", self.message),
            },
        }
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
        404 => ModelError::NoApi { url: url.to_owned(), kind: ProviderKind::OpenaiCompatible },
        429 => ModelError::RateLimited { retry_after: retry_after(headers) },
        503 | 529 => ModelError::Overloaded,
        400 | 413 if body.context_exceeded() => ModelError::ContextWindowExceeded { message },
        _ => ModelError::Http { status, message },
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn chunks_with_tool_call_deltas_and_usage_become_normalized_events() {
        let mut mapper = Mapper::new(100);
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
                    ..Usage::default()
                }),
                StreamEvent::Stop { reason: StopReason::ToolUse },
            ]
        );
    }

    fn tool_uses(chunks: &[&str]) -> Vec<StreamEvent> {
        let mut mapper = Mapper::new(0);
        let mut out = Vec::new();
        for data in chunks {
            mapper.on_event("", data, &mut out).unwrap();
        }
        mapper.on_event("", "[DONE]", &mut out).unwrap();
        out.into_iter().filter(|e| matches!(e, StreamEvent::ToolUse { .. })).collect()
    }

    #[test]
    fn calls_are_told_apart_by_id_when_every_one_is_numbered_0_or_none_is() {
        let call = |id: &str, name: &str| StreamEvent::ToolUse { id: id.into(), name: name.into(), input: json!({}) };
        for (head_a, head_b) in [
            (
                r#"{"index":0,"id":"a","function":{"name":"one","arguments":"{"}}"#,
                r#"{"index":0,"id":"b","function":{"name":"two","arguments":"{"}}"#,
            ),
            (
                r#"{"id":"a","function":{"name":"one","arguments":"{"}}"#,
                r#"{"id":"b","function":{"name":"two","arguments":"{"}}"#,
            ),
        ] {
            let rest = r#"{"function":{"arguments":"}"}}"#;
            let chunk = |call: &str| format!(r#"{{"choices":[{{"delta":{{"tool_calls":[{call}]}}}}]}}"#);
            let out = tool_uses(&[
                &chunk(head_a),
                &chunk(rest),
                &chunk(head_b),
                &chunk(rest),
                r#"{"choices":[{"delta":{},"finish_reason":"tool_calls"}]}"#,
            ]);
            assert_eq!(out, [call("a", "one"), call("b", "two")], "{head_a}");
        }
        // Two calls in one delta without an index: their positions number them.
        let out = tool_uses(&[
            r#"{"choices":[{"delta":{"tool_calls":[{"id":"a","function":{"name":"one","arguments":"{}"}},{"id":"b","function":{"name":"two","arguments":"{}"}}]}}]}"#,
            r#"{"choices":[{"delta":{},"finish_reason":"tool_calls"}]}"#,
        ]);
        assert_eq!(out, [call("a", "one"), call("b", "two")]);
    }

    #[test]
    fn done_without_a_finish_reason_is_an_error() {
        let mut mapper = Mapper::new(0);
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
