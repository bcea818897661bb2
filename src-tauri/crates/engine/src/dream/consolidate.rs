//! The consolidate stage: the findings of every session against the store's files (in full
//! while a budget lasts), answered by the operations the model proposes.

use reverie_llm::{LanguageModel, Message, Request};
use reverie_protocol::{Dream, MemoryStoreId, SessionId};
use schemars::JsonSchema;
use serde::Deserialize;
use tokio_util::sync::CancellationToken;

use super::extract::Finding;
use super::redact::redact;
use super::stages::MAX_TOKENS;
use super::{Dreams, Stop};
use crate::blocking::blocking;
use crate::Result;

/// The stage's prompt, a versioned file.
pub const CONSOLIDATE_PROMPT: &str = include_str!("../../dream-prompts/consolidate.v1.md");
/// Characters of the store's files shown in full to the consolidate stage; the rest by path.
const STORE_SHOWN_CHARS: usize = 200_000;

/// What the consolidate stage returns.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct Consolidation {
    pub operations: Vec<Operation>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct Operation {
    pub op: Op,
    pub path: String,
    /// For `rename`: the new path.
    #[serde(default)]
    pub new_path: Option<String>,
    /// For `create` and `update`: the whole new content.
    #[serde(default)]
    pub content: Option<String>,
    pub rationale: String,
    #[serde(default)]
    pub evidence: Vec<Cited>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Create,
    Update,
    Delete,
    Rename,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct Cited {
    pub session_id: String,
    pub seq: u64,
    pub quote: String,
}

impl Dreams {
    /// The operations the model proposes for the store from `findings` (none without findings).
    pub(super) async fn consolidate(
        &self,
        dream: &mut Dream,
        model: &dyn LanguageModel,
        cancel: &CancellationToken,
        findings: &[(SessionId, Finding)],
    ) -> std::result::Result<Vec<Operation>, Stop> {
        if findings.is_empty() {
            return Ok(Vec::new());
        }
        let store = self.store_text(&dream.store_id).await?;
        let mut listed = String::new();
        for (session, f) in findings {
            let cites: Vec<String> = f
                .evidence
                .iter()
                .map(|q| format!("(session_id {}, seq {}, “{}”)", session.as_str(), q.seq, q.quote))
                .collect();
            listed.push_str(&format!(
                "- [{}] {} {}\n",
                serde_json::to_value(f.kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
                f.text,
                cites.join(" ")
            ));
        }
        let mut user =
            format!("## The store's files\n{store}\n## Findings from {} session(s)\n{listed}", dream.sessions.len());
        if !dream.instructions.is_empty() {
            user.push_str(&format!("\n## The user's instructions\n{}\n", dream.instructions));
        }
        let request = Request {
            system: CONSOLIDATE_PROMPT.to_owned(),
            messages: vec![Message::user(user)],
            max_tokens: MAX_TOKENS * 2,
            ..Default::default()
        };
        let consolidation: Consolidation = self.structured(dream, model, request, cancel, "consolidate").await?;
        Ok(consolidation.operations)
    }

    /// The store as the consolidate stage reads it: each file in full while the budget lasts,
    /// the rest by path and first line.
    async fn store_text(&self, store: &MemoryStoreId) -> Result<String> {
        let (memory, store) = (self.memory.clone(), store.clone());
        blocking(move || {
            let files = memory.files(&store)?;
            if files.is_empty() {
                return Ok("(the store is empty)\n".into());
            }
            let mut out = String::new();
            let mut budget = STORE_SHOWN_CHARS;
            for file in files {
                let content = memory.read(&store, &file.path)?.content;
                if content.len() <= budget {
                    budget -= content.len();
                    out.push_str(&format!("\n### {}\n```markdown\n{}\n```\n", file.path, redact(&content)));
                } else {
                    out.push_str(&format!("\n### {} (not shown: {})\n", file.path, file.description));
                }
            }
            Ok(out)
        })
        .await
    }
}
