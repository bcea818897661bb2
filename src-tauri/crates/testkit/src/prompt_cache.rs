//! Anthropic's prompt cache, simulated for [`crate::FakeProvider::set_prompt_cache`]: the
//! request's prefix (model, tools, system, then every message block, in that order) is cached
//! at each `cache_control` breakpoint at least [`MIN_CACHEABLE_TOKENS`] long; a later request
//! reads the longest cached prefix that ends at one of its breakpoints or up to
//! [`LOOKBACK_BLOCKS`] blocks before one, and writes the rest up to its last breakpoint.
//! Tokens are the fake's usual estimate, about 4 bytes each of the blocks' JSON.

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};

use serde_json::Value;

/// The shortest prefix the API caches (Sonnet and Opus; shorter breakpoints are ignored).
pub const MIN_CACHEABLE_TOKENS: u64 = 1024;
/// How many blocks before a breakpoint the API looks for an earlier cache entry.
pub const LOOKBACK_BLOCKS: usize = 20;

/// The cache entries written so far: hashes of prefixes.
#[derive(Debug, Default)]
pub(crate) struct PromptCache {
    entries: HashSet<u64>,
}

/// One block of a request's prefix: the hash and length of everything up to and including it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Point {
    hash: u64,
    bytes: usize,
    breakpoint: bool,
}

/// A request's prompt tokens read from and written to the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CacheUse {
    pub read: u64,
    pub write: u64,
}

fn tokens(bytes: usize) -> u64 {
    bytes as u64 / 4
}

/// The prefix points of a Messages API body, in the order the API caches them.
pub(crate) fn points(body: &Value) -> Vec<Point> {
    let mut hasher = DefaultHasher::new();
    body.get("model").and_then(Value::as_str).unwrap_or_default().hash(&mut hasher);
    let mut out = Vec::new();
    let mut bytes = 0;
    let mut push = |kind: &str, block: &Value| {
        let mut block = block.clone();
        let breakpoint = block.as_object_mut().and_then(|o| o.remove("cache_control")).is_some();
        let text = block.to_string();
        kind.hash(&mut hasher);
        text.hash(&mut hasher);
        bytes += text.len();
        out.push(Point { hash: hasher.finish(), bytes, breakpoint });
    };
    for tool in body.get("tools").and_then(Value::as_array).into_iter().flatten() {
        push("tool", tool);
    }
    match body.get("system") {
        Some(Value::Array(blocks)) => blocks.iter().for_each(|b| push("system", b)),
        Some(text @ Value::String(_)) => push("system", text),
        _ => {}
    }
    for message in body.get("messages").and_then(Value::as_array).into_iter().flatten() {
        let role = message.get("role").and_then(Value::as_str).unwrap_or_default();
        match message.get("content") {
            Some(Value::Array(blocks)) => blocks.iter().for_each(|b| push(role, b)),
            Some(text) => push(role, text),
            None => {}
        }
    }
    out
}

impl PromptCache {
    /// Serves one request: what it reads from the cache, what it writes, and the new entries.
    pub fn serve(&mut self, points: &[Point]) -> CacheUse {
        let mut read = 0;
        for (i, _) in points.iter().enumerate().filter(|(_, p)| p.breakpoint) {
            let from = (i + 1).saturating_sub(LOOKBACK_BLOCKS);
            if let Some(hit) = points[from..=i].iter().rev().find(|p| self.entries.contains(&p.hash)) {
                read = read.max(hit.bytes);
            }
        }
        let cacheable = || points.iter().filter(|p| p.breakpoint && tokens(p.bytes) >= MIN_CACHEABLE_TOKENS);
        let cached = cacheable().next_back().map_or(0, |p| tokens(p.bytes));
        self.entries.extend(cacheable().map(|p| p.hash));
        let read = tokens(read);
        CacheUse { read, write: cached.saturating_sub(read) }
    }
}
