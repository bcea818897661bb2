//! Shapes that servers other than the vendors' own send, so each has a cheap test: a set of
//! named [`Quirk`]s, and named profiles of them (`llamacpp`, `litellm`) that stand for a real
//! server. The fake applies them to every reply (`FakeProvider::set_quirks`, the binary's
//! `--quirks`); the script stays the same.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

/// One way a server departs from the vendor's own stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Quirk {
    // OpenAI chunks.
    /// The first delta is `{"role":"assistant","content":null}`, whatever follows.
    ContentNullFirst,
    /// Tool-call deltas carry no `index` (the position in the list stands for it).
    ToolCallsWithoutIndex,
    /// Every tool-call delta repeats the call's `id`, `type: "function"` and `function.name`.
    RepeatToolHead,
    /// The usage chunk has `choices: [{"index":0,"delta":{}}]` instead of `[]`.
    UsageInEmptyChoice,
    /// The usage chunk carries llama.cpp's `timings` object beside `usage`.
    Timings,
    /// No usage chunk at all, even when `stream_options.include_usage` asks for one.
    NoUsage,
    // Anthropic events.
    /// No `ping` events.
    NoPings,
    /// `message_start`'s usage is all zeros; `message_delta` carries every count.
    UsageInMessageDelta,
    /// `input_tokens: 1` with the rest of the prompt as `cache_read_input_tokens` (llama.cpp
    /// reports the prompt it had in its cache so).
    CacheReadSplit,
    /// A text block is still open when the next block opens: its `content_block_stop` comes
    /// after that block's.
    TextLeftOpen,
    /// No block is closed as it ends: every `content_block_stop` comes at the end, in reverse
    /// order.
    StopsReversed,
    /// Consecutive tool blocks are open at once: all their starts, then their deltas
    /// interleaved, then their stops.
    ToolBlocksOverlap,
    // Both formats.
    /// Errors in llama.cpp's shape on both endpoints (`{"error":{"code":400,"message",
    /// "type"}}`, the OpenAI shape on `/v1/messages` too), a context error as
    /// `exceed_context_size_error`.
    LlamacppErrors,
    /// A `200` `application/json` body with the whole message instead of an event stream, to a
    /// `stream: true` request (LiteLLM's mock).
    JsonBody,
    /// `GET /v1/models/{id}` is 404 (`File Not Found`) while `GET /v1/models` lists the model.
    NoModelById,
    /// Keep-alive comment lines are a bare `:` (llama.cpp), not `: keep-alive`.
    BareComments,
    /// OpenAI: the model is a reasoning model (o3, o4-mini, gpt-5…): a request with
    /// `max_tokens`, a `temperature` other than 1 or an unknown `reasoning_effort` is refused
    /// with OpenAI's own 400.
    ReasoningModel,
}

impl Quirk {
    pub const ALL: [Quirk; 17] = [
        Quirk::ContentNullFirst,
        Quirk::ToolCallsWithoutIndex,
        Quirk::RepeatToolHead,
        Quirk::UsageInEmptyChoice,
        Quirk::Timings,
        Quirk::NoUsage,
        Quirk::NoPings,
        Quirk::UsageInMessageDelta,
        Quirk::CacheReadSplit,
        Quirk::TextLeftOpen,
        Quirk::StopsReversed,
        Quirk::ToolBlocksOverlap,
        Quirk::LlamacppErrors,
        Quirk::JsonBody,
        Quirk::NoModelById,
        Quirk::BareComments,
        Quirk::ReasoningModel,
    ];

    /// The snake_case name (`tool_calls_without_index`).
    pub fn name(self) -> String {
        serde_json::to_value(self).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
    }
}

/// The profiles [`Quirks::named`] knows, with what each stands for.
pub const PROFILES: [(&str, &str); 3] = [
    ("none", "the vendors' own APIs"),
    ("llamacpp", "llama.cpp's server (the xllamacpp wheel), both endpoints, as measured"),
    ("litellm", "the LiteLLM proxy and its mock"),
];

/// A set of quirks; empty is the vendors' own behaviour.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Quirks(pub BTreeSet<Quirk>);

impl Quirks {
    pub fn none() -> Self {
        Self::default()
    }

    pub fn of(quirks: impl IntoIterator<Item = Quirk>) -> Self {
        Self(quirks.into_iter().collect())
    }

    /// llama.cpp's server as measured against the real one (xllamacpp 2026.10, both
    /// endpoints): `content: null` first, usage in a `choices: []` chunk with `timings`, no
    /// pings, `message_start` only once the prompt is read (with a keep-alive fault: comments,
    /// then the events), the prompt reported as `input_tokens` plus cache reads, errors in its
    /// OpenAI-like shape on both endpoints (`exceed_context_size_error`), no
    /// `GET /v1/models/{id}`, bare `:` comments.
    pub fn llamacpp() -> Self {
        Self::of([
            Quirk::ContentNullFirst,
            Quirk::Timings,
            Quirk::NoPings,
            Quirk::CacheReadSplit,
            Quirk::LlamacppErrors,
            Quirk::NoModelById,
            Quirk::BareComments,
        ])
    }

    /// The LiteLLM proxy's mock: a whole JSON message to a `stream: true` request.
    pub fn litellm() -> Self {
        Self::of([Quirk::JsonBody])
    }

    /// A profile by name (see [`PROFILES`]).
    pub fn named(name: &str) -> Option<Self> {
        match name {
            "none" => Some(Self::none()),
            "llamacpp" | "llama.cpp" => Some(Self::llamacpp()),
            "litellm" => Some(Self::litellm()),
            _ => None,
        }
    }

    /// `llamacpp`, `litellm,no_usage`, `tool_calls_without_index,no_pings`: profiles and
    /// single quirks, comma-separated, together.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut all = BTreeSet::new();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if let Some(profile) = Self::named(part) {
                all.extend(profile.0);
                continue;
            }
            match Quirk::ALL.iter().find(|q| q.name() == part) {
                Some(q) => {
                    all.insert(*q);
                }
                None => {
                    let profiles: Vec<&str> = PROFILES.iter().map(|(name, _)| *name).collect();
                    let quirks: Vec<String> = Quirk::ALL.iter().map(|q| q.name()).collect();
                    return Err(format!(
                        "unknown quirk “{part}”: give a profile ({}) or quirks ({})",
                        profiles.join(", "),
                        quirks.join(", ")
                    ));
                }
            }
        }
        Ok(Self(all))
    }

    pub fn has(&self, quirk: Quirk) -> bool {
        self.0.contains(&quirk)
    }

    pub fn with(mut self, quirk: Quirk) -> Self {
        self.0.insert(quirk);
        self
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Quirks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("none");
        }
        let names: Vec<String> = self.0.iter().map(|q| q.name()).collect();
        f.write_str(&names.join(","))
    }
}
