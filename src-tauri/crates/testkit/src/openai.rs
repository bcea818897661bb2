//! The OpenAI Chat Completions side: `POST /v1/chat/completions` with `stream: true`, streamed
//! as `data: JSON\n\n` chunks ending with `data: [DONE]\n\n`, and its error bodies.

use crate::ordered::{obj, J};
use crate::script::{Block, Planned};
use crate::sse::FaultEvents;

/// What every chunk of one completion repeats.
pub(crate) struct Completion<'a> {
    pub id: &'a str,
    pub created: u64,
    pub model: &'a str,
    /// The request asked for `stream_options.include_usage`: every chunk carries `"usage": null`
    /// and a last chunk with `choices: []` carries the counts.
    pub include_usage: bool,
}

fn data(value: &J) -> String {
    format!("data: {value}\n\n")
}

impl Completion<'_> {
    fn chunk(&self, choices: Vec<J>, usage: Option<J>) -> String {
        let mut chunk = obj! {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "system_fingerprint": "fp_fake",
            "choices": choices,
        };
        if let (true, J::Obj(fields)) = (self.include_usage, &mut chunk) {
            fields.push(("usage", usage.unwrap_or(J::Null)));
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
/// `finish_reason`, the usage chunk when asked for, and `data: [DONE]`.
pub(crate) fn events(plan: &Planned, c: &Completion<'_>) -> Vec<String> {
    let mut out = Vec::new();
    let starts_with_text = matches!(plan.blocks.first(), None | Some(Block::Text(_)));
    let content = starts_with_text.then_some("");
    out.push(c.delta(obj! {"role": "assistant", "content": content}, None));
    let mut tool_index = 0usize;
    for block in &plan.blocks {
        match block {
            Block::Text(pieces) => {
                out.extend(pieces.iter().map(|p| c.delta(obj! {"content": p}, None)));
            }
            Block::Tool { id, name, pieces } => {
                let head = obj! {"index": tool_index, "id": id, "type": "function", "function": obj! {"name": name, "arguments": ""}};
                out.push(c.delta(obj! {"tool_calls": vec![head]}, None));
                out.extend(pieces.iter().map(|p| {
                    let piece = obj! {"index": tool_index, "function": obj! {"arguments": p}};
                    c.delta(obj! {"tool_calls": vec![piece]}, None)
                }));
                tool_index += 1;
            }
        }
    }
    out.push(c.delta(obj! {}, Some(plan.stop_reason.openai())));
    if c.include_usage {
        let prompt = plan.input_tokens + plan.cache_read + plan.cache_write;
        out.push(c.chunk(
            Vec::new(),
            Some(obj! {
                "prompt_tokens": prompt,
                "completion_tokens": plan.output_tokens,
                "total_tokens": prompt + plan.output_tokens,
                "prompt_tokens_details": obj! {"cached_tokens": plan.cache_read},
            }),
        ));
    }
    out.push("data: [DONE]\n\n".to_owned());
    out
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

pub(crate) fn fault_events() -> FaultEvents {
    FaultEvents { malformed: "data: {not json\n\n".into(), stream_error }
}
