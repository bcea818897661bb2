//! llama.cpp's error shape, which its server uses on both endpoints (`/v1/chat/completions`
//! and `/v1/messages`): `{"error":{"code":STATUS,"message","type"}}`, measured against the
//! xllamacpp wheel.

use crate::ordered::{obj, J};

/// The `type` llama.cpp gives an HTTP status.
fn error_type(status: u16) -> &'static str {
    match status {
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        501 => "not_supported_error",
        503 => "unavailable_error",
        500..=599 => "server_error",
        _ => "invalid_request_error",
    }
}

fn default_message(status: u16) -> &'static str {
    match status {
        401 => "Invalid API Key",
        404 => "File Not Found",
        503 => "Loading model",
        500..=599 => "Internal Server Error",
        _ => "Invalid request",
    }
}

/// `{"error":{"code","message","type"}}` for an HTTP status.
pub(crate) fn error_body(status: u16, message: Option<&str>) -> J {
    obj! {"error": obj! {"code": u64::from(status), "message": message.unwrap_or(default_message(status)), "type": error_type(status)}}
}

/// The 400 for a prompt larger than the context, as llama.cpp words it.
pub(crate) fn context_error(prompt_tokens: u64, window: u64) -> J {
    obj! {"error": obj! {
        "code": 400u64,
        "message": format!("request ({prompt_tokens} tokens) exceeds the available context size ({window} tokens), try increasing it"),
        "type": "exceed_context_size_error",
        "n_prompt_tokens": prompt_tokens,
        "n_ctx": window,
    }}
}

/// An error inside a stream: `data: {"error":…}` on either endpoint.
pub(crate) fn stream_error(kind: &str, message: &str) -> String {
    let kind = if kind == "overloaded_error" || kind == "api_error" { "server_error" } else { kind };
    format!("data: {}\n\n", obj! {"error": obj! {"code": 500u64, "message": message, "type": kind}})
}
