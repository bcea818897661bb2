//! A session as a dream reads it: one line per event that matters, numbered by its `seq`
//! (evidence cites them), secrets redacted, the middle cut when it is long.

use std::collections::HashMap;

use reverie_protocol::{EventPayload, SessionEvent, Verdict};

use super::redact::redact;
use crate::tools::text::cut;

/// The most characters of one session's transcript a dream sends; longer ones keep their start
/// and their end (where the lessons usually are).
pub const MAX_TRANSCRIPT_CHARS: usize = 48_000;
/// The most characters of one event's text.
const EVENT_CHARS: usize = 4_000;

/// A session's transcript and each event's text by `seq`, for checking quotes.
pub struct Transcript {
    pub text: String,
    pub events: HashMap<u64, String>,
}

pub fn render(events: &[SessionEvent]) -> Transcript {
    let primary = events.first().map(|e| e.thread_id.clone());
    let mut names: HashMap<String, String> = HashMap::new();
    let mut lines = Vec::new();
    let mut texts = HashMap::new();
    for event in events {
        let who = match &primary {
            Some(p) if *p != event.thread_id => {
                names.get(event.thread_id.as_str()).cloned().unwrap_or_else(|| "subagent".into())
            }
            _ => "agent".into(),
        };
        let text = match &event.payload {
            EventPayload::UserMessage { text } => Some(format!("user: {text}")),
            EventPayload::AgentMessage { text } => Some(format!("{who}: {text}")),
            EventPayload::AgentToolUse { name, input, .. } => Some(format!("{who} calls {name} {input}")),
            EventPayload::AgentToolResult { content, is_error, .. } => {
                Some(format!("{} {content}", if *is_error { "tool error:" } else { "tool result:" }))
            }
            EventPayload::Error { error } => Some(format!("error: {}", error.message)),
            EventPayload::ApprovalResolved { approved, .. } => {
                Some(format!("the user {} the call", if *approved { "approved" } else { "denied" }))
            }
            EventPayload::ThreadCreated { thread_id, agent_name, .. } => {
                names.insert(thread_id.as_str().to_owned(), agent_name.clone());
                Some(format!("delegated to {agent_name}"))
            }
            EventPayload::ThreadMessageReceived { text, .. } => Some(format!("{who} was asked: {text}")),
            EventPayload::OutcomeDefined { outcome } => {
                let criteria: Vec<String> = outcome.criteria.iter().map(|c| format!("{} ({})", c.text, c.id)).collect();
                Some(format!("graded against the rubric “{}”: {}", outcome.rubric_name, criteria.join("; ")))
            }
            EventPayload::OutcomeEvaluationEnd { iteration, result, verdicts, reason, .. } => {
                let verdicts: Vec<String> = verdicts
                    .iter()
                    .map(|v| {
                        let verdict = match v.verdict {
                            Verdict::Met => "met",
                            Verdict::PartiallyMet => "partially_met",
                            Verdict::NotMet => "not_met",
                        };
                        let change =
                            if v.change.is_empty() { String::new() } else { format!(" — change: {}", v.change) };
                        format!("{} {verdict} (evidence: {}){change}", v.criterion_id, v.evidence)
                    })
                    .collect();
                let reason = reason.as_deref().map(|r| format!(" {r}")).unwrap_or_default();
                Some(format!("grader, iteration {iteration}: {result:?}{reason}. {}", verdicts.join("; ")))
            }
            EventPayload::StatusIdle { reason } => Some(format!("session ended: {reason:?}")),
            _ => None,
        };
        if let Some(text) = text {
            let text = redact(cut(text.trim(), EVENT_CHARS));
            lines.push(format!("[seq {}] {}", event.seq, text.replace('\n', "\n    ")));
            texts.insert(event.seq, text);
        }
    }
    let mut text = lines.join("\n");
    if text.len() > MAX_TRANSCRIPT_CHARS {
        let head = cut(&text, MAX_TRANSCRIPT_CHARS / 3).to_owned();
        let tail_from = text.len() - (MAX_TRANSCRIPT_CHARS * 2 / 3);
        let tail_from = (tail_from..text.len()).find(|i| text.is_char_boundary(*i)).unwrap_or(text.len());
        text = format!("{head}\n[… the middle of the session is left out …]\n{}", &text[tail_from..]);
    }
    Transcript { text, events: texts }
}

/// Whether `quote` is in `text`, ignoring case and runs of whitespace.
pub fn quoted(text: &str, quote: &str) -> bool {
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    let quote = norm(quote);
    !quote.is_empty() && norm(text).contains(&quote)
}
