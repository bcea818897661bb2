//! Reading what a provider sends, within bounds: an error body only up to a prefix, the
//! streamed body under the first-byte and idle timers (any byte counts as life, SSE `:` comment
//! lines included), and an error body's message whatever shape it comes in.

use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use futures::{Stream, StreamExt};
use serde_json::Value;

use crate::error::MAX_MESSAGE_CHARS;
use crate::redact::bound;

/// The most of an error body that is read; the rest is never read (the connection is dropped).
pub const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;

/// The largest JSON document read as a whole message (a server that does not stream).
pub const MAX_DOCUMENT_BYTES: usize = 16 * 1024 * 1024;

/// The longest line a streamed body may send (an SSE line without its end grows a buffer).
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// How much of a body that is not an event stream is shown.
const EXCERPT_CHARS: usize = 160;

/// The start of a body: at most the bytes asked for, and whether there was more.
#[derive(Debug, Default)]
pub struct Prefix {
    pub text: String,
    pub cut: bool,
}

/// Reads at most `max` bytes of `response`'s body, for at most `wait`; what came by then is
/// kept (a body that stalls or breaks is as good as what arrived).
pub async fn read_prefix(response: reqwest::Response, max: usize, wait: Duration) -> Prefix {
    let mut body = Box::pin(response.bytes_stream());
    let mut bytes = Vec::new();
    let mut cut = false;
    let _ = tokio::time::timeout(wait, async {
        while let Some(Ok(chunk)) = body.next().await {
            let room = max - bytes.len();
            if chunk.len() > room {
                bytes.extend_from_slice(&chunk[..room]);
                cut = true;
                return;
            }
            bytes.extend_from_slice(&chunk);
            if bytes.len() == max {
                cut = body.next().await.is_some();
                return;
            }
        }
    })
    .await;
    Prefix { text: String::from_utf8_lossy(&bytes).into_owned(), cut }
}

/// What an error body says, in any of the shapes servers use: `{"error": {"message", "type",
/// "code"}}` (Anthropic, OpenAI, Ollama), `{"error": "…"}`, `{"message": "…"}` (vLLM), or
/// text. `message` is bounded and says when it was cut.
#[derive(Debug, Default, PartialEq)]
pub struct ErrorText {
    pub message: String,
    /// `error.type` (Anthropic's `invalid_request_error`, …).
    pub kind: Option<String>,
    /// `error.code` when it is a string (OpenAI's `model_not_found`, …).
    pub code: Option<String>,
    /// The body was JSON.
    pub json: bool,
}

impl ErrorText {
    pub fn parse(body: &Prefix) -> Self {
        if let Ok(value) = serde_json::from_str::<Value>(&body.text) {
            let error = value.get("error");
            let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
            let message = text(error.and_then(|e| e.get("message")))
                .or_else(|| text(error))
                .or_else(|| text(value.get("message")))
                .or_else(|| text(value.get("detail")))
                .unwrap_or_default();
            return Self {
                message: bound(&message, MAX_MESSAGE_CHARS),
                kind: text(error.and_then(|e| e.get("type"))),
                code: text(error.and_then(|e| e.get("code"))),
                json: true,
            };
        }
        // A JSON body cut short does not parse: its message is read as far as it goes.
        if let Some((message, whole)) = message_prefix(&body.text) {
            let message = if whole { bound(&message, MAX_MESSAGE_CHARS) } else { cut_short(&message) };
            return Self { message, json: true, ..Self::default() };
        }
        let text = squeeze(&body.text);
        Self { message: if body.cut { cut_short(&text) } else { bound(&text, MAX_MESSAGE_CHARS) }, ..Self::default() }
    }

    /// Whether the error says the request does not fit the model's context window, in any
    /// server's words (see [`says_context_exceeded`]).
    pub fn context_exceeded(&self) -> bool {
        says_context_exceeded(self.kind.as_deref(), self.code.as_deref(), &self.message)
    }

    /// Whether a 404 says the model is unknown (OpenAI's `model_not_found`, or a message naming
    /// the model asked for: Anthropic "model: X", Ollama, vLLM), rather than the path.
    pub fn names_model(&self, model: &str) -> bool {
        self.code.as_deref() == Some("model_not_found")
            || (!model.trim().is_empty() && self.message.contains(model.trim()))
    }
}

/// Whether an error's `type`, `code` or message says the prompt does not fit the context
/// window: OpenAI's `context_length_exceeded` ("maximum context length"), llama.cpp's
/// `exceed_context_size_error` ("exceeds the available context size", on both its endpoints),
/// Anthropic's "prompt is too long", vLLM's and others' "context length"/"context window".
pub fn says_context_exceeded(kind: Option<&str>, code: Option<&str>, message: &str) -> bool {
    if code == Some("context_length_exceeded") || kind == Some("exceed_context_size_error") {
        return true;
    }
    let message = message.to_ascii_lowercase();
    ["context length", "context window", "context size", "prompt is too long"].iter().any(|p| message.contains(p))
}

/// `text` (bounded) marked as cut.
fn cut_short(text: &str) -> String {
    const NOTE: &str = " … [cut: the provider sent more than 64 kB; the rest was not read]";
    let keep = MAX_MESSAGE_CHARS - NOTE.chars().count();
    let end = text.char_indices().nth(keep).map(|(i, _)| i).unwrap_or(text.len());
    format!("{}{NOTE}", &text[..end])
}

/// Whitespace runs as one space, trimmed.
fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The value of the first `"message": "…"` in a JSON text that may be cut anywhere, and
/// whether the string ended (its closing quote was there).
fn message_prefix(text: &str) -> Option<(String, bool)> {
    let at = text.find("\"message\"")?;
    let rest = text[at + "\"message\"".len()..].trim_start().strip_prefix(':')?.trim_start().strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some((out, true)),
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('u') => {
                    let hex: String = chars.by_ref().take(4).collect();
                    if let Some(c) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                        out.push(c);
                    }
                }
                Some(other) => out.push(other),
                None => break,
            },
            c => out.push(c),
        }
        if out.len() > 4 * MAX_MESSAGE_CHARS {
            return Some((out, false));
        }
    }
    Some((out, false))
}

/// A short, whitespace-squeezed excerpt of a body, for a message.
pub fn excerpt(text: &str) -> String {
    let text = squeeze(text);
    match text.char_indices().nth(EXCERPT_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text,
    }
}

/// The start of a body without a byte-order mark and leading white space.
fn meaningful(head: &[u8]) -> &[u8] {
    let head = head.strip_prefix(b"\xef\xbb\xbf".as_slice()).unwrap_or(head);
    let start = head.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(head.len());
    &head[start..]
}

/// What a streamed body turned out to be, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Server-sent events (or, under an event-stream label, anything that is not JSON: the
    /// parser then says what was wrong).
    Sse,
    /// A JSON document: a server that answered `stream: true` with the whole message
    /// (LiteLLM's mock), an error, or something that is not the API at all.
    Json,
    /// Neither, under another content type: an HTML page where the API should be.
    Other,
}

/// What a body whose start is `head` is, or `None` while more bytes are needed to tell.
/// `sse_label`: the content type says `text/event-stream` (or nothing). `ended`: `head` is the
/// whole body.
pub fn shape(head: &[u8], sse_label: bool, ended: bool) -> Option<Shape> {
    let text = meaningful(head);
    if text.first() == Some(&b'{') {
        return Some(Shape::Json);
    }
    if looks_like_sse(text) || (sse_label && (!text.is_empty() || ended)) {
        return Some(Shape::Sse);
    }
    // `retry:` is the longest field name.
    (ended || text.len() >= 6).then_some(Shape::Other)
}

/// Whether the start of a body reads as server-sent events (a field or a comment line).
pub fn looks_like_sse(head: &[u8]) -> bool {
    let text = meaningful(head);
    [b":".as_slice(), b"data:", b"event:", b"id:", b"retry:"].iter().any(|p| text.starts_with(p))
}

/// Why a watched body stopped.
#[derive(Debug)]
pub enum BodyError {
    /// Nothing for `after` (before the first byte when `first`).
    Silent {
        first: bool,
        after: Duration,
    },
    LineTooLong,
    Transport(reqwest::Error),
}

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Silent { after, .. } => write!(f, "nothing for {} s", after.as_secs()),
            Self::LineTooLong => write!(f, "a line longer than {} MiB", MAX_LINE_BYTES / (1024 * 1024)),
            Self::Transport(e) => write!(f, "{e}"),
        }
    }
}

pub type Chunks = Pin<Box<dyn Stream<Item = Result<Bytes, BodyError>> + Send>>;

/// `body` with its waits bounded: `first_byte` until the first byte, then `idle` between any
/// two chunks. Every byte counts as life, so a server that sends only SSE comment lines while
/// it reads a long prompt (llama.cpp) is alive. Lines are bounded to [`MAX_LINE_BYTES`].
pub fn watched(
    body: impl Stream<Item = reqwest::Result<Bytes>> + Send + 'static,
    first_byte: Duration,
    idle: Duration,
) -> Chunks {
    struct State<S> {
        body: Pin<Box<S>>,
        started: bool,
        line: usize,
        ended: bool,
    }
    let state = State { body: Box::pin(body), started: false, line: 0, ended: false };
    Box::pin(futures::stream::unfold(state, move |mut st| async move {
        if st.ended {
            return None;
        }
        let wait = if st.started { idle } else { first_byte };
        let item = match tokio::time::timeout(wait, st.body.next()).await {
            Err(_) => Err(BodyError::Silent { first: !st.started, after: wait }),
            Ok(None) => return None,
            Ok(Some(Err(e))) => Err(BodyError::Transport(e)),
            Ok(Some(Ok(chunk))) => {
                st.started |= !chunk.is_empty();
                st.line = match chunk.iter().rposition(|b| *b == b'\n') {
                    Some(i) => chunk.len() - 1 - i,
                    None => st.line + chunk.len(),
                };
                if st.line > MAX_LINE_BYTES {
                    Err(BodyError::LineTooLong)
                } else {
                    Ok(chunk)
                }
            }
        };
        st.ended = item.is_err();
        Some((item, st))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefix(text: &str, cut: bool) -> Prefix {
        Prefix { text: text.into(), cut }
    }

    #[test]
    fn error_bodies_of_every_shape_give_their_message() {
        let anthropic = r#"{"type":"error","error":{"type":"not_found_error","message":"model: claude-x"}}"#;
        assert_eq!(
            ErrorText::parse(&prefix(anthropic, false)),
            ErrorText {
                message: "model: claude-x".into(),
                kind: Some("not_found_error".into()),
                code: None,
                json: true
            }
        );
        let openai = r#"{"error":{"message":"The model `m` does not exist","type":"invalid_request_error","code":"model_not_found"}}"#;
        assert_eq!(ErrorText::parse(&prefix(openai, false)).code.as_deref(), Some("model_not_found"));
        assert_eq!(
            ErrorText::parse(&prefix(r#"{"object":"error","message":"The model `m` does not exist."}"#, false)).message,
            "The model `m` does not exist."
        );
        assert_eq!(
            ErrorText::parse(&prefix(r#"{"error":"model 'm' not found"}"#, false)).message,
            "model 'm' not found"
        );
        assert_eq!(
            ErrorText::parse(&prefix("<html>\n  <body>502   Bad Gateway</body></html>", false)).message,
            "<html> <body>502 Bad Gateway</body></html>"
        );
    }

    #[test]
    fn a_cut_json_body_gives_the_start_of_its_message_and_says_it_was_cut() {
        let body = format!(
            r#"{{"type":"error","error":{{"type":"invalid_request_error","message":"caf\u00e9 {}"#,
            "x".repeat(70_000)
        );
        let parsed = ErrorText::parse(&prefix(&body[..MAX_ERROR_BODY_BYTES], true));
        assert!(parsed.message.starts_with("café xxx"), "{}", &parsed.message[..20]);
        assert!(parsed.message.ends_with("the rest was not read]"));
        assert_eq!(parsed.message.chars().count(), MAX_MESSAGE_CHARS);
    }

    #[test]
    fn sse_is_told_from_other_bodies() {
        assert!(looks_like_sse(b": ping\n\n"));
        assert!(looks_like_sse(b"\xef\xbb\xbfevent: message_start\ndata: {}\n\n"));
        assert!(looks_like_sse(b"\n\ndata: {}\n\n"));
        assert!(!looks_like_sse(b"<!DOCTYPE html><html>"));
        assert!(!looks_like_sse(br#"{"id":"chatcmpl-1","choices":[]}"#));
    }

    #[test]
    fn a_body_is_sse_json_or_something_else_as_soon_as_its_start_tells() {
        assert_eq!(shape(b"", true, false), None);
        assert_eq!(shape(b"\n", true, false), None);
        assert_eq!(shape(b":", true, false), Some(Shape::Sse));
        assert_eq!(shape(b"", true, true), Some(Shape::Sse), "an empty stream is for the parser to report");
        assert_eq!(shape(b" {\"id\"", true, false), Some(Shape::Json), "JSON under an event-stream label");
        assert_eq!(shape(b"{", false, false), Some(Shape::Json));
        assert_eq!(shape(b"da", false, false), None);
        assert_eq!(shape(b"data: {}", false, false), Some(Shape::Sse));
        assert_eq!(shape(b"<!DOCTYPE html>", false, false), Some(Shape::Other));
        assert_eq!(shape(b"<p>", false, true), Some(Shape::Other));
    }

    #[test]
    fn context_errors_are_recognized_in_every_servers_words() {
        let llamacpp = r#"{"error":{"code":400,"message":"request (2230 tokens) exceeds the available context size (2048 tokens), try increasing it","type":"exceed_context_size_error","n_prompt_tokens":2230,"n_ctx":2048}}"#;
        assert!(ErrorText::parse(&prefix(llamacpp, false)).context_exceeded());
        let openai = r#"{"error":{"message":"This model's maximum context length is 128000 tokens.","type":"invalid_request_error","code":"context_length_exceeded"}}"#;
        assert!(ErrorText::parse(&prefix(openai, false)).context_exceeded());
        let anthropic = r#"{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 250000 tokens > 200000 maximum"}}"#;
        assert!(ErrorText::parse(&prefix(anthropic, false)).context_exceeded());
        let other = r#"{"error":{"message":"max_tokens must be positive","type":"invalid_request_error"}}"#;
        assert!(!ErrorText::parse(&prefix(other, false)).context_exceeded());
    }
}
