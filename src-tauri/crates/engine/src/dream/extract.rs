//! The extract stage: each session's transcript (rendered with secrets redacted) sent to the
//! model, which returns findings; evidence is kept only when its quote is in the cited event.

use std::collections::HashMap;

use reverie_llm::{LanguageModel, Message, Request};
use reverie_protocol::{Dream, SessionId};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use super::redact::redact;
use super::stages::MAX_TOKENS;
use super::transcript::{quoted, render};
use super::{Dreams, Stop};
use crate::blocking::blocking;

/// The stage's prompt, a versioned file.
pub const EXTRACT_PROMPT: &str = include_str!("../../dream-prompts/extract.v1.md");

/// The text of each event a session's transcript showed, by `seq`: what evidence must quote.
pub(super) type Quotes = HashMap<SessionId, HashMap<u64, String>>;

/// What the extract stage returns for one session.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct Extraction {
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    pub kind: FindingKind,
    /// One or two sentences a future agent can act on.
    pub text: String,
    /// Where the transcript shows it.
    #[serde(default)]
    pub evidence: Vec<Quote>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    Lesson,
    Preference,
    FailureMode,
    Strategy,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Quote {
    /// The event's number, from `[seq N]`.
    pub seq: u64,
    /// A short quote copied exactly from that event.
    pub quote: String,
}

impl Dreams {
    /// Findings from each of the dream's sessions, with the events they may cite.
    pub(super) async fn extract(
        &self,
        dream: &mut Dream,
        model: &dyn LanguageModel,
        cancel: &CancellationToken,
    ) -> std::result::Result<(Vec<(SessionId, Finding)>, Quotes), Stop> {
        let system = if dream.instructions.is_empty() {
            EXTRACT_PROMPT.to_owned()
        } else {
            format!("{EXTRACT_PROMPT}\nThe user's instructions for this dream:\n{}", dream.instructions)
        };
        let mut findings: Vec<(SessionId, Finding)> = Vec::new();
        let mut quotes: Quotes = HashMap::new();
        for session in dream.sessions.clone() {
            if cancel.is_cancelled() {
                return Err(Stop::Canceled);
            }
            let (log, sid) = (self.log.clone(), session.clone());
            let events = blocking(move || log.read(&sid, 0, usize::MAX)).await?;
            dream.processed += 1;
            if events.is_empty() {
                continue;
            }
            let t = render(&events);
            let request = Request {
                system: system.clone(),
                messages: vec![Message::user(format!("Session {} — its transcript:\n\n{}", session.as_str(), t.text))],
                max_tokens: MAX_TOKENS,
                ..Default::default()
            };
            let extraction: Extraction = self.structured(dream, model, request, cancel, "extract").await?;
            for mut finding in extraction.findings {
                finding.evidence.retain(|q| t.events.get(&q.seq).is_some_and(|text| quoted(text, &q.quote)));
                finding.text = redact(&finding.text);
                findings.push((session.clone(), finding));
            }
            quotes.insert(session, t.events);
            self.save(dream).await?;
        }
        Ok((findings, quotes))
    }
}
