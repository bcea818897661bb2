//! The Anthropic Messages API side: `POST /v1/messages` with `stream: true`, streamed as
//! `event: NAME\ndata: JSON\n\n` the way the API does, and its error bodies.

use crate::ordered::{obj, J};
use crate::script::{Block, Planned};
use crate::sse::{self, FaultEvents};
use crate::{llamacpp, Quirk, Quirks};

/// `event: NAME\ndata: JSON\n\n`.
pub(crate) fn event(name: &str, data: &J) -> String {
    format!("event: {name}\ndata: {data}\n\n")
}

fn ping() -> String {
    event("ping", &obj! {"type": "ping"})
}

/// One content block's events, to be put in order by the quirks.
struct BlockEvents {
    tool: bool,
    start: String,
    deltas: Vec<String>,
    stop: String,
}

/// The prompt's counts as `message_start` (or, with `usage_in_message_delta`, `message_delta`)
/// reports them: as planned, or (`cache_read_split`) llama.cpp's `input_tokens: 1` and the
/// rest as cache reads.
fn prompt_usage(plan: &Planned, quirks: &Quirks) -> (u64, u64, u64) {
    if quirks.has(Quirk::CacheReadSplit) {
        let total = plan.input_tokens + plan.cache_read + plan.cache_write;
        (total.min(1), 0, total.saturating_sub(1))
    } else {
        (plan.input_tokens, plan.cache_write, plan.cache_read)
    }
}

/// The whole event sequence for a planned reply:
/// `message_start`, `ping`, per block `content_block_start` / `content_block_delta`… /
/// `content_block_stop` (a tool block's first delta is an empty `partial_json`, then a `ping`,
/// then the pieces, as the API does), `message_delta`, `message_stop`. Keys are in the API's
/// order. `quirks` change it the way other servers do (see [`Quirk`]).
pub(crate) fn events(plan: &Planned, message_id: &str, model: &str, quirks: &Quirks) -> Vec<String> {
    let pings = !quirks.has(Quirk::NoPings);
    let late_usage = quirks.has(Quirk::UsageInMessageDelta);
    let (input, cache_write, cache_read) = prompt_usage(plan, quirks);
    let start_usage = if late_usage {
        obj! {"input_tokens": 0u64, "cache_creation_input_tokens": 0u64, "cache_read_input_tokens": 0u64, "output_tokens": 0u64}
    } else {
        obj! {
            "input_tokens": input,
            "cache_creation_input_tokens": cache_write,
            "cache_read_input_tokens": cache_read,
            "output_tokens": 1u64,
        }
    };
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
                "usage": start_usage,
            },
        },
    ));
    if pings {
        out.push(ping());
    }
    let blocks: Vec<BlockEvents> = plan
        .blocks
        .iter()
        .enumerate()
        .map(|(index, block)| {
            let stop = event("content_block_stop", &obj! {"type": "content_block_stop", "index": index});
            match block {
                Block::Text(pieces) => BlockEvents {
                    tool: false,
                    start: event(
                        "content_block_start",
                        &obj! {"type": "content_block_start", "index": index, "content_block": obj! {"type": "text", "text": ""}},
                    ),
                    deltas: pieces
                        .iter()
                        .map(|piece| {
                            event(
                                "content_block_delta",
                                &obj! {"type": "content_block_delta", "index": index, "delta": obj! {"type": "text_delta", "text": piece}},
                            )
                        })
                        .collect(),
                    stop,
                },
                Block::Tool { id, name, pieces } => {
                    let delta = |piece: &str| {
                        event(
                            "content_block_delta",
                            &obj! {"type": "content_block_delta", "index": index, "delta": obj! {"type": "input_json_delta", "partial_json": piece}},
                        )
                    };
                    let mut deltas = vec![delta("")];
                    if pings {
                        deltas.push(ping());
                    }
                    deltas.extend(pieces.iter().map(|p| delta(p)));
                    BlockEvents {
                        tool: true,
                        start: event(
                            "content_block_start",
                            &obj! {
                                "type": "content_block_start",
                                "index": index,
                                "content_block": obj! {"type": "tool_use", "id": id, "name": name, "input": obj! {}},
                            },
                        ),
                        deltas,
                        stop,
                    }
                }
            }
        })
        .collect();
    out.extend(ordered_blocks(blocks, quirks));
    let delta_usage = if late_usage {
        obj! {
            "input_tokens": input,
            "cache_creation_input_tokens": cache_write,
            "cache_read_input_tokens": cache_read,
            "output_tokens": plan.output_tokens,
        }
    } else {
        obj! {"output_tokens": plan.output_tokens}
    };
    out.push(event(
        "message_delta",
        &obj! {
            "type": "message_delta",
            "delta": obj! {"stop_reason": plan.stop_reason.anthropic(), "stop_sequence": J::Null},
            "usage": delta_usage,
        },
    ));
    out.push(event("message_stop", &obj! {"type": "message_stop"}));
    out
}

/// The blocks' events in the order the quirks give them: each block whole (the API);
/// consecutive tool blocks open at once with their deltas interleaved (`tool_blocks_overlap`);
/// a text block's stop after the next block's (`text_left_open`); every stop at the end in
/// reverse order (`stops_reversed`).
fn ordered_blocks(blocks: Vec<BlockEvents>, quirks: &Quirks) -> Vec<String> {
    let overlap = quirks.has(Quirk::ToolBlocksOverlap);
    let text_left_open = quirks.has(Quirk::TextLeftOpen);
    let stops_reversed = quirks.has(Quirk::StopsReversed);
    let mut out = Vec::new();
    let mut open_text: Option<String> = None;
    let mut late_stops = Vec::new();
    let mut blocks = blocks.into_iter().peekable();
    while let Some(first) = blocks.next() {
        let mut group = vec![first];
        while overlap && group[0].tool && blocks.peek().is_some_and(|b| b.tool) {
            group.extend(blocks.next());
        }
        out.extend(group.iter().map(|b| b.start.clone()));
        let longest = group.iter().map(|b| b.deltas.len()).max().unwrap_or(0);
        for k in 0..longest {
            out.extend(group.iter().filter_map(|b| b.deltas.get(k).cloned()));
        }
        for block in group {
            if stops_reversed {
                late_stops.push(block.stop);
            } else if text_left_open && !block.tool {
                out.extend(open_text.replace(block.stop));
            } else {
                out.push(block.stop);
                out.extend(open_text.take());
            }
        }
    }
    out.extend(open_text);
    out.extend(late_stops.into_iter().rev());
    out
}

/// A whole `message` document for a planned reply (the `json_body` quirk).
pub(crate) fn document(plan: &Planned, message_id: &str, model: &str, quirks: &Quirks) -> J {
    let (input, cache_write, cache_read) = prompt_usage(plan, quirks);
    let content: Vec<J> = plan
        .blocks
        .iter()
        .map(|block| match block {
            Block::Text(pieces) => obj! {"type": "text", "text": pieces.concat()},
            Block::Tool { id, name, pieces } => {
                let input = serde_json::from_str::<serde_json::Value>(&pieces.concat()).unwrap_or_default();
                obj! {"type": "tool_use", "id": id, "name": name, "input": input}
            }
        })
        .collect();
    obj! {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": plan.stop_reason.anthropic(),
        "stop_sequence": J::Null,
        "usage": obj! {
            "input_tokens": input,
            "cache_creation_input_tokens": cache_write,
            "cache_read_input_tokens": cache_read,
            "output_tokens": plan.output_tokens,
        },
    }
}

/// The 400 for a prompt larger than the context window.
pub(crate) fn context_error(prompt_tokens: u64, window: u64, request_id: &str) -> J {
    let message = format!("prompt is too long: {prompt_tokens} tokens > {window} maximum");
    obj! {
        "type": "error",
        "error": obj! {"type": "invalid_request_error", "message": message},
        "request_id": request_id,
    }
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

pub(crate) fn fault_events(quirks: &Quirks) -> FaultEvents {
    FaultEvents {
        malformed: "event: content_block_delta\ndata: {not json\n\n".into(),
        stream_error: if quirks.has(Quirk::LlamacppErrors) { llamacpp::stream_error } else { stream_error },
        comment: sse::comment(quirks),
    }
}
