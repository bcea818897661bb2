//! Provider-neutral requests and stream events. Adapters map these to and from each vendor's
//! wire format; the engine only ever sees these.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One model request.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Request {
    /// The system prompt. It is the stable prefix: adapters that support prompt caching mark it.
    pub system: String,
    pub messages: Vec<Message>,
    pub tools: Vec<ToolSpec>,
    pub tool_choice: ToolChoice,
    pub max_tokens: u32,
    pub temperature: Option<f32>,
    /// How hard an OpenAI reasoning model thinks (`reasoning_effort`); `None` leaves it to the
    /// model. Sent only to reasoning models ([`crate::is_reasoning_model`]); other models and
    /// Anthropic ignore it.
    pub reasoning_effort: Option<ReasoningEffort>,
}

/// OpenAI's `reasoning_effort` for reasoning models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasoningEffort {
    Low,
    Medium,
    High,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    User,
    Assistant,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub role: Role,
    pub content: Vec<ContentBlock>,
}

impl Message {
    pub fn user(text: impl Into<String>) -> Self {
        Self { role: Role::User, content: vec![ContentBlock::Text { text: text.into() }] }
    }

    pub fn assistant(content: Vec<ContentBlock>) -> Self {
        Self { role: Role::Assistant, content }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentBlock {
    Text { text: String },
    ToolUse { id: String, name: String, input: Value },
    ToolResult { tool_use_id: String, content: String, is_error: bool },
}

/// A tool the model may call: its name, what it is for, and the JSON schema of its input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolSpec {
    pub name: String,
    pub description: String,
    pub input_schema: Value,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ToolChoice {
    /// The model decides.
    #[default]
    Auto,
    /// The model must call this tool (used for structured output).
    Tool(String),
}

/// Token counts of one request. Cache counts are zero where the provider reports none.
/// `input_tokens` excludes the cached ones (Anthropic's terms; OpenAI's `prompt_tokens` is
/// split): what the model read is [`Usage::tokens_in`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_read_tokens: u64,
    pub cache_write_tokens: u64,
    /// Of `output_tokens`, those a reasoning model spent thinking (OpenAI's
    /// `completion_tokens_details.reasoning_tokens`); billed as output, never shown.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub reasoning_tokens: u64,
    /// The provider reported no counts (or none for the prompt), so some are estimated from
    /// the bytes sent and received (about 4 a token).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub estimated: bool,
}

impl Usage {
    pub fn add(&mut self, other: Usage) {
        self.input_tokens += other.input_tokens;
        self.output_tokens += other.output_tokens;
        self.cache_read_tokens += other.cache_read_tokens;
        self.cache_write_tokens += other.cache_write_tokens;
        self.reasoning_tokens += other.reasoning_tokens;
        self.estimated |= other.estimated;
    }

    /// Every prompt token the model read: uncached, read from the cache and written to it
    /// (llama.cpp's Anthropic endpoint reports `input_tokens: 1` and the rest as cache reads).
    pub fn tokens_in(&self) -> u64 {
        self.input_tokens + self.cache_read_tokens + self.cache_write_tokens
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    EndTurn,
    ToolUse,
    MaxTokens,
    StopSequence,
    /// Anything else the provider said, verbatim.
    Other(String),
}

/// What a stream yields, in order: `MessageStart`, then text deltas and complete tool uses in
/// the order the model produced them, `Usage` (possibly more than once, cumulative per
/// provider semantics already folded), and finally `Stop`.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    MessageStart {
        id: String,
        model: String,
    },
    TextDelta {
        text: String,
    },
    /// A tool call whose JSON input has been fully accumulated from the partial deltas.
    ToolUse {
        id: String,
        name: String,
        input: Value,
    },
    /// A tool call whose accumulated input is not valid JSON. The caller answers it with an
    /// error result so the model can try again; it is not a stream failure.
    InvalidToolUse {
        id: String,
        name: String,
        raw: String,
        error: String,
    },
    Usage(Usage),
    Stop {
        reason: StopReason,
    },
}

/// A whole response, collected from a stream by `complete`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Completion {
    pub id: String,
    pub model: String,
    pub content: Vec<ContentBlock>,
    pub usage: Usage,
    pub stop_reason: Option<StopReason>,
    /// Tool calls whose input was not valid JSON: `(tool_use_id, what was wrong)`. They also
    /// appear in `content` as tool uses with an empty object input, so the transcript stays valid.
    pub invalid_tool_uses: Vec<(String, String)>,
}

impl Completion {
    /// The text blocks, joined.
    pub fn text(&self) -> String {
        self.content
            .iter()
            .filter_map(|b| match b {
                ContentBlock::Text { text } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    pub fn tool_uses(&self) -> impl Iterator<Item = (&str, &str, &Value)> {
        self.content.iter().filter_map(|b| match b {
            ContentBlock::ToolUse { id, name, input } => Some((id.as_str(), name.as_str(), input)),
            _ => None,
        })
    }

    /// Folds one stream event into the completion (text deltas merge into the last text block).
    pub fn apply(&mut self, event: StreamEvent) {
        match event {
            StreamEvent::MessageStart { id, model } => {
                self.id = id;
                self.model = model;
            }
            StreamEvent::TextDelta { text } => match self.content.last_mut() {
                Some(ContentBlock::Text { text: last }) => last.push_str(&text),
                _ => self.content.push(ContentBlock::Text { text }),
            },
            StreamEvent::ToolUse { id, name, input } => self.content.push(ContentBlock::ToolUse { id, name, input }),
            StreamEvent::InvalidToolUse { id, name, raw, error } => {
                self.invalid_tool_uses.push((id.clone(), format!("{error} (input was: {raw})")));
                self.content.push(ContentBlock::ToolUse { id, name, input: Value::Object(Default::default()) });
            }
            StreamEvent::Usage(usage) => self.usage = usage,
            StreamEvent::Stop { reason } => self.stop_reason = Some(reason),
        }
    }
}
