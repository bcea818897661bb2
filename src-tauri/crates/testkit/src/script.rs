//! What the fake provider says: a [`Script`] maps a conversation name to an ordered list of
//! [`Reply`]s. The JSON file format is the serde form of these types (see the crate README).

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The conversation a request belongs to when its body has no `[[script:NAME]]` marker.
pub const DEFAULT_CONVERSATION: &str = "default";

/// Pieces a text or a tool input is streamed in when a step does not say.
pub const DEFAULT_CHUNKS: usize = 3;

/// How long a `stall` fault keeps the connection open at most when it does not say.
pub const DEFAULT_STALL_SECS: u64 = 120;

/// Conversation name → the replies its requests get, in order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Script {
    pub conversations: BTreeMap<String, Vec<Reply>>,
}

impl Script {
    pub fn new() -> Self {
        Self::default()
    }

    /// A script whose `"default"` conversation gets `replies`.
    pub fn from_replies(replies: impl IntoIterator<Item = Reply>) -> Self {
        Self::new().conversation(DEFAULT_CONVERSATION, replies)
    }

    /// Builder: sets (replaces) one conversation's replies.
    pub fn conversation(mut self, name: impl Into<String>, replies: impl IntoIterator<Item = Reply>) -> Self {
        self.conversations.insert(name.into(), replies.into_iter().collect());
        self
    }

    /// Appends one reply to a conversation (creating it).
    pub fn push(&mut self, name: impl Into<String>, reply: Reply) {
        self.conversations.entry(name.into()).or_default().push(reply);
    }

    pub fn replies(&self, name: &str) -> &[Reply] {
        self.conversations.get(name).map(Vec::as_slice).unwrap_or_default()
    }

    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// Reads a JSON script file; a parse error names the file, line and column.
    pub fn load(path: impl AsRef<Path>) -> std::io::Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)?;
        Self::from_json(&text)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{}: {e}", path.display())))
    }

    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// One model response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reply {
    /// Content blocks in order: text and tool calls.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Step>,
    /// Default: `tool_use` if any step is a tool call, else `end_turn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_reason: Option<StopReason>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    /// Wait this long (server side, Tokio time) before the first byte of the response.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub delay_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<Fault>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Reply {
    pub fn new() -> Self {
        Self::default()
    }

    /// Builder: a text step streamed in [`DEFAULT_CHUNKS`] deltas.
    pub fn text(self, text: impl Into<String>) -> Self {
        self.step(Step::Text { text: text.into(), chunks: None })
    }

    /// Builder: a text step streamed in `chunks` deltas.
    pub fn text_chunks(self, text: impl Into<String>, chunks: usize) -> Self {
        self.step(Step::Text { text: text.into(), chunks: Some(chunks) })
    }

    /// Builder: a tool call with a generated id.
    pub fn tool_use(self, name: impl Into<String>, input: Value) -> Self {
        self.step(Step::ToolUse(ToolUse { id: None, name: name.into(), input, chunks: None }))
    }

    pub fn step(mut self, step: Step) -> Self {
        self.steps.push(step);
        self
    }

    pub fn stop_reason(mut self, reason: StopReason) -> Self {
        self.stop_reason = Some(reason);
        self
    }

    pub fn usage(mut self, usage: Usage) -> Self {
        self.usage = Some(usage);
        self
    }

    pub fn delay_ms(mut self, ms: u64) -> Self {
        self.delay_ms = ms;
        self
    }

    pub fn fault(mut self, fault: Fault) -> Self {
        self.fault = Some(fault);
        self
    }

    /// The stop reason this reply ends with.
    pub fn effective_stop_reason(&self) -> StopReason {
        self.stop_reason.unwrap_or_else(|| {
            if self.steps.iter().any(|s| matches!(s, Step::ToolUse(_))) {
                StopReason::ToolUse
            } else {
                StopReason::EndTurn
            }
        })
    }
}

/// A content block: `{"text": "...", "chunks"?: N}` or `{"tool_use": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawStep", into = "RawStep")]
pub enum Step {
    Text { text: String, chunks: Option<usize> },
    ToolUse(ToolUse),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolUse {
    /// Generated (`toolu_…` / `call_…`) when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    #[serde(default = "empty_object")]
    pub input: Value,
    /// Pieces the input JSON is streamed in (split at arbitrary byte positions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunks: Option<usize>,
}

fn empty_object() -> Value {
    Value::Object(serde_json::Map::new())
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    chunks: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tool_use: Option<ToolUse>,
}

impl TryFrom<RawStep> for Step {
    type Error = String;
    fn try_from(raw: RawStep) -> Result<Self, String> {
        match (raw.text, raw.tool_use) {
            (Some(text), None) => Ok(Step::Text { text, chunks: raw.chunks }),
            (None, Some(tool)) if raw.chunks.is_none() => Ok(Step::ToolUse(tool)),
            (None, Some(_)) => Err("a tool_use step takes `chunks` inside `tool_use`".into()),
            (Some(_), Some(_)) => Err("a step is either `text` or `tool_use`, not both".into()),
            (None, None) => Err("a step needs `text` or `tool_use`".into()),
        }
    }
}

impl From<Step> for RawStep {
    fn from(step: Step) -> Self {
        match step {
            Step::Text { text, chunks } => RawStep { text: Some(text), chunks, tool_use: None },
            Step::ToolUse(tool) => RawStep { text: None, chunks: None, tool_use: Some(tool) },
        }
    }
}

/// Anthropic's stop reasons; OpenAI's names are accepted too (`stop`, `tool_calls`, `length`,
/// `content_filter`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    #[serde(alias = "stop")]
    EndTurn,
    #[serde(alias = "tool_calls")]
    ToolUse,
    #[serde(alias = "length")]
    MaxTokens,
    StopSequence,
    #[serde(alias = "content_filter")]
    Refusal,
}

impl StopReason {
    pub fn anthropic(self) -> &'static str {
        match self {
            StopReason::EndTurn => "end_turn",
            StopReason::ToolUse => "tool_use",
            StopReason::MaxTokens => "max_tokens",
            StopReason::StopSequence => "stop_sequence",
            StopReason::Refusal => "refusal",
        }
    }

    pub fn openai(self) -> &'static str {
        match self {
            StopReason::EndTurn | StopReason::StopSequence => "stop",
            StopReason::ToolUse => "tool_calls",
            StopReason::MaxTokens => "length",
            StopReason::Refusal => "content_filter",
        }
    }
}

/// Token counts, in Anthropic's terms: `input_tokens` excludes cached tokens. Absent counts
/// default to an estimate (≈ 4 bytes a token of the request body / of the reply's content) and
/// 0 for the cache counts. OpenAI's `prompt_tokens` = input + cache read + cache write, its
/// `cached_tokens` = cache read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Usage {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_read_tokens: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write_tokens: Option<u64>,
    /// Thinking tokens spent besides the visible output (OpenAI reasoning models): OpenAI gets
    /// them in `completion_tokens` and as `completion_tokens_details.reasoning_tokens`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_tokens: Option<u64>,
}

impl Usage {
    pub fn new(input_tokens: u64, output_tokens: u64) -> Self {
        Self { input_tokens: Some(input_tokens), output_tokens: Some(output_tokens), ..Self::default() }
    }

    pub fn cache(mut self, read: u64, write: u64) -> Self {
        self.cache_read_tokens = Some(read);
        self.cache_write_tokens = Some(write);
        self
    }

    pub fn reasoning(mut self, tokens: u64) -> Self {
        self.reasoning_tokens = Some(tokens);
        self
    }
}

/// Something going wrong, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fault {
    /// An HTTP error instead of a stream. The body is vendor-shaped for the status unless `body`
    /// is given (a JSON value is sent as JSON, a string verbatim as text/plain, or as
    /// `content_type` when given: `text/html` for a web page where the API should be).
    Http {
        status: u16,
        /// Seconds, sent as the `retry-after` header.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<u64>,
        /// Replaces the default error message in the vendor-shaped body.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<Value>,
        /// The `content-type` of a `body` given as a string (default `text/plain; charset=utf-8`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content_type: Option<String>,
    },
    /// The request is read, then nothing is sent, not even the response headers, until the
    /// client goes away, the server is dropped, or `max_secs` (default 120) pass.
    NoHeaders {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_secs: Option<u64>,
    },
    /// After `after_events` events, `comments` SSE comment lines (`: keep-alive`), one every
    /// `every_ms`, then the rest of the reply: a server that is alive but busy (llama.cpp sends
    /// only comment lines while it reads a long prompt).
    KeepAlive {
        #[serde(default)]
        after_events: usize,
        comments: usize,
        every_ms: u64,
    },
    /// The connection is cut (no terminating chunk) after `after_events` SSE events.
    Disconnect {
        #[serde(default)]
        after_events: usize,
    },
    /// After `after_events` events, an event whose data is not JSON (`data: {not json`), then
    /// the stream ends.
    Malformed {
        #[serde(default)]
        after_events: usize,
    },
    /// After `after_events` events nothing more is sent; the connection stays open until the
    /// client goes away, the server is dropped, or `max_secs` (default 120) pass, then it is cut.
    Stall {
        #[serde(default)]
        after_events: usize,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_secs: Option<u64>,
    },
    /// Every tool call's streamed JSON is truncated (its last character dropped), so the
    /// concatenated pieces do not parse.
    InvalidToolJson,
    /// HTTP 400 saying the prompt does not fit the context window, in the vendor's words
    /// (Anthropic "prompt is too long", OpenAI `context_length_exceeded`; with the
    /// `llamacpp_errors` quirk llama.cpp's `exceed_context_size_error` on both endpoints).
    /// `prompt_tokens` defaults to the request's estimate (at least `window` + 1), `window` to
    /// 2,048.
    ContextExceeded {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        prompt_tokens: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        window: Option<u64>,
    },
    /// After `after_events` events, an in-stream error the way the vendor sends one (Anthropic
    /// `event: error`, OpenAI `data: {"error": …}`), then the stream ends. `error_type` defaults
    /// to `overloaded_error`.
    StreamError {
        #[serde(default)]
        after_events: usize,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error_type: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
}

impl Fault {
    /// An HTTP error with the vendor's default body.
    pub fn http(status: u16) -> Self {
        Fault::Http { status, retry_after: None, message: None, body: None, content_type: None }
    }

    /// An HTTP error whose vendor-shaped body carries `message` (a provider echoing the key, a
    /// 5 MB message).
    pub fn http_message(status: u16, message: impl Into<String>) -> Self {
        Fault::Http { status, retry_after: None, message: Some(message.into()), body: None, content_type: None }
    }

    /// `status` with `body` sent verbatim as `content_type` (`200` + `text/html`: a web page
    /// where the API should be).
    pub fn http_body(status: u16, content_type: impl Into<String>, body: impl Into<String>) -> Self {
        Fault::Http {
            status,
            retry_after: None,
            message: None,
            body: Some(Value::String(body.into())),
            content_type: Some(content_type.into()),
        }
    }

    /// 429 with `retry-after: secs`.
    pub fn rate_limited(secs: u64) -> Self {
        Fault::Http { status: 429, retry_after: Some(secs), message: None, body: None, content_type: None }
    }

    /// 529 overloaded.
    pub fn overloaded() -> Self {
        Fault::http(529)
    }

    /// A 400 context-window error in the vendor's (or the quirks') words.
    pub fn context_exceeded() -> Self {
        Fault::ContextExceeded { prompt_tokens: None, window: None }
    }
}

/// The conversation named by the first `[[script:NAME]]` marker (NAME = `[A-Za-z0-9_.-]+`) in
/// `body`, else [`DEFAULT_CONVERSATION`].
pub fn conversation_of(body: &[u8]) -> String {
    const OPEN: &[u8] = b"[[script:";
    let mut from = 0;
    while let Some(pos) = find(&body[from..], OPEN) {
        let start = from + pos + OPEN.len();
        let len =
            body[start..].iter().take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')).count();
        if len > 0 && body[start + len..].starts_with(b"]]") {
            return String::from_utf8_lossy(&body[start..start + len]).into_owned();
        }
        from = start;
    }
    DEFAULT_CONVERSATION.to_owned()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Splits `s` into at most `n` (at least 1) non-empty pieces of about equal byte length, cutting
/// at arbitrary byte positions (mid-word, mid-key) but never inside a UTF-8 character.
pub fn split_pieces(s: &str, n: usize) -> Vec<&str> {
    if s.is_empty() {
        return Vec::new();
    }
    let n = n.max(1);
    let mut pieces = Vec::with_capacity(n);
    let mut start = 0;
    for i in 1..=n {
        let mut end = (s.len() * i).div_ceil(n);
        while !s.is_char_boundary(end) {
            end += 1;
        }
        if end > start {
            pieces.push(&s[start..end]);
            start = end;
        }
    }
    pieces
}

/// A rough token count: 4 bytes a token, at least 1.
pub(crate) fn estimate_tokens(bytes: usize) -> u64 {
    (bytes.div_ceil(4)).max(1) as u64
}

/// The reply's content resolved for streaming: ids filled in, tool inputs serialized (and
/// truncated for `invalid_tool_json`), counts decided.
pub(crate) struct Planned {
    pub blocks: Vec<Block>,
    pub stop_reason: StopReason,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_read: u64,
    pub cache_write: u64,
    pub reasoning: u64,
}

pub(crate) enum Block {
    Text(Vec<String>),
    Tool { id: String, name: String, pieces: Vec<String> },
}

impl Planned {
    /// `next_id` makes a fresh tool-call id (`toolu_…` or `call_…`).
    pub fn new(reply: &Reply, request_bytes: usize, mut next_id: impl FnMut() -> String) -> Self {
        let invalid_json = matches!(reply.fault, Some(Fault::InvalidToolJson));
        let mut out_bytes = 0;
        let blocks = reply
            .steps
            .iter()
            .map(|step| match step {
                Step::Text { text, chunks } => {
                    out_bytes += text.len();
                    Block::Text(
                        split_pieces(text, chunks.unwrap_or(DEFAULT_CHUNKS)).into_iter().map(str::to_owned).collect(),
                    )
                }
                Step::ToolUse(tool) => {
                    let mut json = serde_json::to_string(&tool.input).unwrap_or_else(|_| "{}".into());
                    if invalid_json {
                        json.pop();
                    }
                    out_bytes += json.len() + tool.name.len();
                    let pieces = split_pieces(&json, tool.chunks.unwrap_or(DEFAULT_CHUNKS))
                        .into_iter()
                        .map(str::to_owned)
                        .collect();
                    Block::Tool { id: tool.id.clone().unwrap_or_else(&mut next_id), name: tool.name.clone(), pieces }
                }
            })
            .collect();
        let usage = reply.usage.unwrap_or_default();
        Self {
            blocks,
            stop_reason: reply.effective_stop_reason(),
            input_tokens: usage.input_tokens.unwrap_or_else(|| estimate_tokens(request_bytes)),
            output_tokens: usage.output_tokens.unwrap_or_else(|| estimate_tokens(out_bytes)),
            cache_read: usage.cache_read_tokens.unwrap_or(0),
            cache_write: usage.cache_write_tokens.unwrap_or(0),
            reasoning: usage.reasoning_tokens.unwrap_or(0),
        }
    }
}
