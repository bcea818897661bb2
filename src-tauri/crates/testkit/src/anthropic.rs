//! The Anthropic Messages API side: `POST /v1/messages` with `stream: true`, streamed as
//! `event: NAME\ndata: JSON\n\n` the way the API does, and its error bodies.

use crate::ordered::{obj, J};
use crate::script::{Block, Planned};
use crate::sse::FaultEvents;

/// `event: NAME\ndata: JSON\n\n`.
pub(crate) fn event(name: &str, data: &J) -> String {
    format!("event: {name}\ndata: {data}\n\n")
}

fn ping() -> String {
    event("ping", &obj! {"type": "ping"})
}

/// The whole event sequence for a planned reply:
/// `message_start`, `ping`, per block `content_block_start` / `content_block_delta`… /
/// `content_block_stop` (a tool block's first delta is an empty `partial_json`, then a `ping`,
/// then the pieces, as the API does), `message_delta`, `message_stop`. Keys are in the API's
/// order.
pub(crate) fn events(plan: &Planned, message_id: &str, model: &str) -> Vec<String> {
    let mut out = Vec::new();
    out.push(event(
        "message_start",
        &obj! {
            "type": "message_start",
            "message": obj! {
                "model": model,
                "id": message_id,
                "type": "message",
                "role": "assistant",
                "content": Vec::<J>::new(),
                "stop_reason": J::Null,
                "stop_sequence": J::Null,
                "usage": obj! {
                    "input_tokens": plan.input_tokens,
                    "cache_creation_input_tokens": plan.cache_write,
                    "cache_read_input_tokens": plan.cache_read,
                    "output_tokens": 1u64,
                },
            },
        },
    ));
    out.push(ping());
    for (index, block) in plan.blocks.iter().enumerate() {
        match block {
            Block::Text(pieces) => {
                out.push(event(
                    "content_block_start",
                    &obj! {"type": "content_block_start", "index": index, "content_block": obj! {"type": "text", "text": ""}},
                ));
                for piece in pieces {
                    out.push(event(
                        "content_block_delta",
                        &obj! {"type": "content_block_delta", "index": index, "delta": obj! {"type": "text_delta", "text": piece}},
                    ));
                }
            }
            Block::Tool { id, name, pieces } => {
                out.push(event(
                    "content_block_start",
                    &obj! {
                        "type": "content_block_start",
                        "index": index,
                        "content_block": obj! {"type": "tool_use", "id": id, "name": name, "input": obj! {}},
                    },
                ));
                let delta = |piece: &str| {
                    event(
                        "content_block_delta",
                        &obj! {"type": "content_block_delta", "index": index, "delta": obj! {"type": "input_json_delta", "partial_json": piece}},
                    )
                };
                out.push(delta(""));
                out.push(ping());
                out.extend(pieces.iter().map(|p| delta(p)));
            }
        }
        out.push(event("content_block_stop", &obj! {"type": "content_block_stop", "index": index}));
    }
    out.push(event(
        "message_delta",
        &obj! {
            "type": "message_delta",
            "delta": obj! {"stop_reason": plan.stop_reason.anthropic(), "stop_sequence": J::Null},
            "usage": obj! {"output_tokens": plan.output_tokens},
        },
    ));
    out.push(event("message_stop", &obj! {"type": "message_stop"}));
    out
}

/// The error `type` Anthropic uses for an HTTP status.
pub(crate) fn error_type(status: u16) -> &'static str {
    match status {
        401 => "authentication_error",
        402 => "billing_error",
        403 => "permission_error",
        404 => "not_found_error",
        409 => "conflict_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        529 => "overloaded_error",
        500..=599 => "api_error",
        _ => "invalid_request_error",
    }
}

fn default_message(status: u16) -> &'static str {
    match status {
        401 => "invalid x-api-key",
        403 => "Your API key does not have permission to use the specified resource.",
        404 => "The requested resource could not be found.",
        413 => "Request exceeds the maximum allowed number of bytes.",
        429 => "Number of request tokens has exceeded your per-minute rate limit",
        529 => "Overloaded",
        500..=599 => "Internal server error",
        _ => "Invalid request",
    }
}

/// `{"type":"error","error":{"type":…,"message":…},"request_id":…}`.
pub(crate) fn error_body(status: u16, message: Option<&str>, request_id: &str) -> J {
    obj! {
        "type": "error",
        "error": obj! {"type": error_type(status), "message": message.unwrap_or(default_message(status))},
        "request_id": request_id,
    }
}

fn stream_error(kind: &str, message: &str) -> String {
    event("error", &obj! {"type": "error", "error": obj! {"type": kind, "message": message}})
}

pub(crate) fn fault_events() -> FaultEvents {
    FaultEvents { malformed: "event: content_block_delta\ndata: {not json\n\n".into(), stream_error }
}
