//! The OpenAI Chat Completions side: `POST /v1/chat/completions` with `stream: true`, streamed
//! as `data: JSON\n\n` chunks ending with `data: [DONE]\n\n`, and its error bodies.

use crate::ordered::{obj, ToJ, J};
use crate::script::{Block, Planned};
use crate::sse::{self, FaultEvents};
use crate::{llamacpp, Quirk, Quirks};

/// What every chunk of one completion repeats.
pub(crate) struct Completion<'a> {
    pub id: &'a str,
    pub created: u64,
    pub model: &'a str,
    /// The request asked for `stream_options.include_usage`: every chunk carries `"usage": null`
    /// and a last chunk with `choices: []` carries the counts.
    pub include_usage: bool,
    pub quirks: &'a Quirks,
}

fn data(value: &J) -> String {
    format!("data: {value}\n\n")
}

impl Completion<'_> {
    fn chunk(&self, choices: Vec<J>, usage: Option<J>) -> String {
        self.chunk_with(choices, usage, None)
    }

    /// A chunk, with llama.cpp's `timings` after the usage when given.
    fn chunk_with(&self, choices: Vec<J>, usage: Option<J>, timings: Option<J>) -> String {
        let mut chunk = obj! {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "system_fingerprint": "fp_fake",
            "choices": choices,
        };
        if let J::Obj(fields) = &mut chunk {
            if self.include_usage && !self.quirks.has(Quirk::NoUsage) {
                fields.push(("usage", usage.unwrap_or(J::Null)));
            }
            if let Some(timings) = timings {
                fields.push(("timings", timings));
            }
        }
        data(&chunk)
    }

    fn delta(&self, delta: J, finish_reason: Option<&str>) -> String {
        self.chunk(
            vec![obj! {"index": 0u64, "delta": delta, "logprobs": J::Null, "finish_reason": finish_reason}],
            None,
        )
    }
}

/// The whole chunk sequence for a planned reply: a `role: assistant` delta, `content` pieces,
/// per tool call a delta with `id`, `type`, `function.name` and empty `arguments` followed by
/// deltas carrying only `{index, function: {arguments: piece}}`, an empty delta with the
/// `finish_reason`, the usage chunk when asked for, and `data: [DONE]`. `quirks` change it the
/// way other servers do (see [`Quirk`]).
pub(crate) fn events(plan: &Planned, c: &Completion<'_>) -> Vec<String> {
    let q = c.quirks;
    let mut out = Vec::new();
    let starts_with_text = matches!(plan.blocks.first(), None | Some(Block::Text(_)));
    let content = (starts_with_text && !q.has(Quirk::ContentNullFirst)).then_some("");
    out.push(c.delta(obj! {"role": "assistant", "content": content}, None));
    let mut tool_index = 0usize;
    for block in &plan.blocks {
        match block {
            Block::Text(pieces) => {
                out.extend(pieces.iter().map(|p| c.delta(obj! {"content": p}, None)));
            }
            Block::Tool { id, name, pieces } => {
                let call = |head: bool, arguments: &str| {
                    let mut fields = Vec::new();
                    if !q.has(Quirk::ToolCallsWithoutIndex) {
                        fields.push(("index", J::Val(tool_index.into())));
                    }
                    let repeat = head || q.has(Quirk::RepeatToolHead);
                    let function = if repeat {
                        obj! {"name": name, "arguments": arguments}
                    } else {
                        obj! {"arguments": arguments}
                    };
                    if repeat {
                        fields.push(("id", J::Val(id.as_str().into())));
                        fields.push(("type", J::Val("function".into())));
                    }
                    fields.push(("function", function));
                    c.delta(obj! {"tool_calls": vec![J::Obj(fields)]}, None)
                };
                out.push(call(true, ""));
                out.extend(pieces.iter().map(|p| call(false, p)));
                tool_index += 1;
            }
        }
    }
    out.push(c.delta(obj! {}, Some(plan.stop_reason.openai())));
    if c.include_usage && !q.has(Quirk::NoUsage) {
        let choices =
            if q.has(Quirk::UsageInEmptyChoice) { vec![obj! {"index": 0u64, "delta": obj! {}}] } else { Vec::new() };
        out.push(c.chunk_with(choices, Some(usage(plan)), q.has(Quirk::Timings).then(|| timings(plan))));
    }
    out.push("data: [DONE]\n\n".to_owned());
    out
}

fn usage(plan: &Planned) -> J {
    let prompt = plan.input_tokens + plan.cache_read + plan.cache_write;
    let completion = plan.output_tokens + plan.reasoning;
    let mut usage = obj! {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": obj! {"cached_tokens": plan.cache_read},
    };
    if let (true, J::Obj(fields)) = (plan.reasoning > 0, &mut usage) {
        fields.push(("completion_tokens_details", obj! {"reasoning_tokens": plan.reasoning}));
    }
    usage
}

/// The 400 a reasoning model (the `reasoning_model` quirk) answers to a parameter it refuses,
/// in OpenAI's words; `None` when it takes the request.
pub(crate) fn reasoning_refusal(body: &serde_json::Value) -> Option<J> {
    let refuse = |param: &str, code: &str, message: String| {
        obj! {"error": obj! {"message": message, "type": "invalid_request_error", "param": param, "code": code}}
    };
    if body.get("max_tokens").is_some() {
        let message = "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.";
        return Some(refuse("max_tokens", "unsupported_parameter", message.to_owned()));
    }
    if let Some(t) = body.get("temperature").filter(|t| t.as_f64() != Some(1.0)) {
        let message = format!(
            "Unsupported value: 'temperature' does not support {t} with this model. Only the default (1) value is supported."
        );
        return Some(refuse("temperature", "unsupported_value", message));
    }
    let effort = body.get("reasoning_effort");
    if let Some(e) = effort.filter(|e| !matches!(e.as_str(), Some("minimal" | "low" | "medium" | "high"))) {
        let message = format!("Invalid value: {e}. Supported values are: 'minimal', 'low', 'medium', and 'high'.");
        return Some(refuse("reasoning_effort", "invalid_value", message));
    }
    None
}

/// llama.cpp's `timings` beside `usage` (the figures are made up but shaped as it sends them).
fn timings(plan: &Planned) -> J {
    obj! {
        "cache_n": plan.cache_read,
        "prompt_n": plan.input_tokens,
        "prompt_ms": 401.021,
        "prompt_per_token_ms": 20.05,
        "prompt_per_second": 49.87,
        "predicted_n": plan.output_tokens,
        "predicted_ms": 181.972,
        "predicted_per_token_ms": 25.99,
        "predicted_per_second": 38.46,
    }
}

/// A whole `chat.completion` document for a planned reply (the `json_body` quirk); without
/// usage under `no_usage`.
pub(crate) fn document(plan: &Planned, c: &Completion<'_>) -> J {
    let text: String =
        plan.blocks.iter().filter_map(|b| if let Block::Text(p) = b { Some(p.concat()) } else { None }).collect();
    let tool_calls: Vec<J> = plan
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Tool { id, name, pieces } => Some(obj! {
                "id": id,
                "type": "function",
                "function": obj! {"name": name, "arguments": pieces.concat()},
            }),
            Block::Text(_) => None,
        })
        .collect();
    let mut message =
        vec![("role", J::Val("assistant".into())), ("content", (!text.is_empty()).then_some(text).to_j())];
    if !tool_calls.is_empty() {
        message.push(("tool_calls", J::Arr(tool_calls)));
    }
    let mut doc = obj! {
        "id": c.id,
        "object": "chat.completion",
        "created": c.created,
        "model": c.model,
        "choices": vec![obj! {"index": 0u64, "message": J::Obj(message), "finish_reason": plan.stop_reason.openai()}],
    };
    if let (false, J::Obj(fields)) = (c.quirks.has(Quirk::NoUsage), &mut doc) {
        fields.push(("usage", usage(plan)));
    }
    doc
}

/// The 400 for a prompt larger than the context window.
pub(crate) fn context_error(prompt_tokens: u64, window: u64) -> J {
    let message = format!(
        "This model's maximum context length is {window} tokens. However, your messages resulted in {prompt_tokens} tokens. Please reduce the length of the messages."
    );
    obj! {"error": obj! {"message": message, "type": "invalid_request_error", "param": "messages", "code": "context_length_exceeded"}}
}

/// `(type, code, message)` OpenAI uses for an HTTP status.
fn error_parts(status: u16) -> (&'static str, Option<&'static str>, &'static str) {
    match status {
        401 => ("invalid_request_error", Some("invalid_api_key"), "Incorrect API key provided."),
        403 => (
            "invalid_request_error",
            Some("unsupported_country_region_territory"),
            "Country, region, or territory not supported",
        ),
        404 => (
            "invalid_request_error",
            Some("model_not_found"),
            "The model does not exist or you do not have access to it.",
        ),
        429 => ("requests", Some("rate_limit_exceeded"), "Rate limit reached for requests. Please try again later."),
        503 | 529 => ("server_error", None, "The engine is currently overloaded, please try again later."),
        500..=599 => ("server_error", None, "The server had an error while processing your request. Sorry about that!"),
        _ => ("invalid_request_error", None, "Invalid request."),
    }
}

/// `{"error":{"message","type","param":null,"code"}}`.
pub(crate) fn error_body(status: u16, message: Option<&str>) -> J {
    let (kind, code, default) = error_parts(status);
    error_value(kind, code, message.unwrap_or(default))
}

pub(crate) fn error_value(kind: &str, code: Option<&str>, message: &str) -> J {
    obj! {"error": obj! {"message": message, "type": kind, "param": J::Null, "code": code}}
}

fn stream_error(kind: &str, message: &str) -> String {
    let kind = if kind == "overloaded_error" || kind == "api_error" { "server_error" } else { kind };
    data(&error_value(kind, None, message))
}

pub(crate) fn fault_events(quirks: &Quirks) -> FaultEvents {
    FaultEvents {
        malformed: "data: {not json\n\n".into(),
        stream_error: if quirks.has(Quirk::LlamacppErrors) { llamacpp::stream_error } else { stream_error },
        comment: sse::comment(quirks),
    }
}
