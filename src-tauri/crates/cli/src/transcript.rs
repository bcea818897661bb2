//! A session's events as a readable transcript: the task, the assistant's text (streamed as it
//! arrives when live), one line per tool call and one per result, approvals, errors and why the
//! session stopped. `reverie run` feeds it live items; `reverie sessions show` stored events.

use std::collections::HashMap;
use std::io::{self, Write};

use reverie_protocol::{EventPayload, IdleReason, OutcomeResult, SessionEvent, SessionSummary, ThreadId, Verdict};
use serde_json::Value;

use crate::units;

/// Widest a tool call's argument or a result line is shown.
const LINE_CHARS: usize = 120;

pub struct Transcript<W: Write> {
    out: W,
    /// Text streamed for the assistant message being written, not yet closed by its `agent.message`.
    streamed: String,
    /// Tool names by tool-use id, to describe results.
    tools: HashMap<String, String>,
    /// User messages seen; the first is the task.
    user_messages: usize,
    /// The outcome's criteria texts by id, to name them in verdicts.
    criteria: HashMap<String, String>,
    /// The coordinator's (first) thread, and each subagent thread's agent name.
    primary: Option<ThreadId>,
    subagents: HashMap<ThreadId, String>,
}

impl<W: Write> Transcript<W> {
    pub fn new(out: W) -> Self {
        Self {
            out,
            streamed: String::new(),
            tools: HashMap::new(),
            user_messages: 0,
            criteria: HashMap::new(),
            primary: None,
            subagents: HashMap::new(),
        }
    }

    /// Live assistant text of the coordinator's thread: printed as it comes (subagents' text
    /// is printed whole, so parallel threads don't interleave mid-line).
    pub fn delta(&mut self, thread: &ThreadId, text: &str) -> io::Result<()> {
        if self.primary.as_ref().is_some_and(|p| p != thread) {
            return Ok(());
        }
        self.streamed.push_str(text);
        self.out.write_all(text.as_bytes())?;
        self.out.flush()
    }

    pub fn event(&mut self, event: &SessionEvent) -> io::Result<()> {
        let primary = self.primary.get_or_insert_with(|| event.thread_id.clone());
        if *primary != event.thread_id {
            self.end_stream()?;
            return self.subagent_event(event);
        }
        match &event.payload {
            EventPayload::AgentMessage { text } => return self.message(text),
            // Anything else closes the streamed text (a message normally does so first).
            _ => self.end_stream()?,
        }
        match &event.payload {
            EventPayload::UserMessage { text } => {
                self.user_messages += 1;
                let label = if self.user_messages == 1 { "Task" } else { "You" };
                writeln!(self.out, "▸ {label}: {}", indent(text.trim(), "  "))?;
            }
            EventPayload::StatusRunning {}
            | EventPayload::ModelRequestStart { .. }
            | EventPayload::ModelRequestEnd { .. } => {}
            EventPayload::StatusIdle { reason } => writeln!(self.out, "■ {}", reason_sentence(*reason))?,
            EventPayload::Error { error } => writeln!(self.out, "✗ Error: {}", error.message)?,
            EventPayload::AgentToolUse { tool_use_id, name, input } => {
                self.tools.insert(tool_use_id.clone(), name.clone());
                writeln!(self.out, "→ {}", call_line(name, input))?;
            }
            EventPayload::AgentToolResult { tool_use_id, content, is_error } => {
                let name = self.tools.get(tool_use_id).map(String::as_str).unwrap_or("");
                let mark = if *is_error { '✗' } else { '✓' };
                writeln!(self.out, "  {mark} {}", result_line(name, content, *is_error))?;
            }
            EventPayload::ApprovalRequested { name, input, working_directory, .. } => {
                writeln!(self.out, "? {} needs approval (in {working_directory})", call_line(name, input))?;
            }
            // A denial is told by the tool's result that follows.
            EventPayload::ApprovalResolved { approved, .. } => {
                if *approved {
                    writeln!(self.out, "  approved")?;
                }
            }
            EventPayload::AgentMessage { .. } => {}
            EventPayload::OutcomeDefined { outcome } => {
                self.criteria = outcome.criteria.iter().map(|c| (c.id.clone(), c.text.clone())).collect();
                writeln!(
                    self.out,
                    "◆ Graded against “{}” (version {}, {} criteria) by {}, {} iteration(s) at most",
                    outcome.rubric_name,
                    outcome.rubric_version,
                    outcome.criteria.len(),
                    outcome.grader_model,
                    outcome.max_iterations
                )?;
            }
            EventPayload::OutcomeEvaluationStart { iteration, .. } => {
                writeln!(self.out, "◆ Grading iteration {}…", iteration + 1)?
            }
            EventPayload::OutcomeEvaluationEnd { iteration, result, verdicts, reason, .. } => {
                let met = verdicts.iter().filter(|v| v.verdict == Verdict::Met).count();
                let tally = if verdicts.is_empty() {
                    String::new()
                } else {
                    format!(" ({met} of {} criteria met)", verdicts.len())
                };
                writeln!(self.out, "◆ Iteration {}: {}{tally}", iteration + 1, result_sentence(*result))?;
                if let Some(reason) = reason {
                    writeln!(self.out, "  {}", indent(reason, "  "))?;
                }
                for v in verdicts {
                    let (mark, text) = match v.verdict {
                        Verdict::Met => ('✓', "met"),
                        Verdict::PartiallyMet => ('~', "partially met"),
                        Verdict::NotMet => ('✗', "not met"),
                    };
                    let name = self.criteria.get(&v.criterion_id).unwrap_or(&v.criterion_id);
                    writeln!(self.out, "  {mark} {name} — {text}")?;
                }
            }
            EventPayload::ThreadCreated { thread_id, agent_name, .. } => {
                self.subagents.insert(thread_id.clone(), agent_name.clone());
                writeln!(self.out, "⇢ {agent_name} starts on its part ({})", thread_id.as_str())?;
            }
            // The delegate call shows the message; a coordinator has no thread status.
            EventPayload::ThreadMessageSent { .. }
            | EventPayload::ThreadMessageReceived { .. }
            | EventPayload::ThreadStatusRunning {}
            | EventPayload::ThreadStatusIdle { .. } => {}
            // The unmet criteria were just listed; the message itself is in the session's log.
            EventPayload::OutcomeFeedback { .. } => writeln!(self.out, "▸ The grader's feedback went to the agent.")?,
        }
        self.out.flush()
    }

    /// An event of a subagent's thread, each line tagged with the agent's name.
    fn subagent_event(&mut self, event: &SessionEvent) -> io::Result<()> {
        let name = self.subagents.get(&event.thread_id).cloned().unwrap_or_else(|| event.thread_id.as_str().to_owned());
        let tag = format!("  [{name}]");
        match &event.payload {
            EventPayload::ThreadMessageReceived { text, .. } => writeln!(self.out, "{tag} ◂ {}", first_line(text))?,
            EventPayload::AgentMessage { text } => writeln!(self.out, "{tag} {}", indent(text.trim(), "    "))?,
            EventPayload::AgentToolUse { tool_use_id, name: tool, input } => {
                self.tools.insert(tool_use_id.clone(), tool.clone());
                writeln!(self.out, "{tag} → {}", call_line(tool, input))?;
            }
            EventPayload::AgentToolResult { tool_use_id, content, is_error } => {
                let tool = self.tools.get(tool_use_id).cloned().unwrap_or_default();
                let mark = if *is_error { '✗' } else { '✓' };
                writeln!(self.out, "{tag}   {mark} {}", result_line(&tool, content, *is_error))?;
            }
            EventPayload::ApprovalRequested { name: tool, input, working_directory, .. } => {
                writeln!(self.out, "{tag} ? {} needs approval (in {working_directory})", call_line(tool, input))?
            }
            EventPayload::Error { error } => writeln!(self.out, "{tag} ✗ Error: {}", error.message)?,
            EventPayload::ThreadStatusIdle { reason } => writeln!(self.out, "{tag} ■ {}", reason_sentence(*reason))?,
            _ => {}
        }
        self.out.flush()
    }

    /// A line of the CLI's own (a note, the closing line), after any open streamed text.
    pub fn note(&mut self, line: &str) -> io::Result<()> {
        self.end_stream()?;
        writeln!(self.out, "{line}")?;
        self.out.flush()
    }

    /// The assistant's whole message: what the deltas did not already print.
    fn message(&mut self, text: &str) -> io::Result<()> {
        let streamed = std::mem::take(&mut self.streamed);
        if streamed.is_empty() {
            writeln!(self.out, "{}", text.trim_end())?;
        } else if let Some(rest) = text.strip_prefix(streamed.as_str()) {
            writeln!(self.out, "{}", rest.trim_end())?;
        } else {
            // The live text and the stored message disagree (deltas were missed): the stored
            // message is the truth.
            writeln!(self.out, "\n{}", text.trim_end())?;
        }
        self.out.flush()
    }

    fn end_stream(&mut self) -> io::Result<()> {
        if !std::mem::take(&mut self.streamed).is_empty() {
            writeln!(self.out)?;
        }
        Ok(())
    }
}

fn first_line(text: &str) -> &str {
    text.trim().lines().next().unwrap_or_default()
}

/// Why a session stopped, as a sentence.
pub fn result_sentence(result: OutcomeResult) -> &'static str {
    match result {
        OutcomeResult::Satisfied => "the rubric is satisfied.",
        OutcomeResult::NeedsRevision => "needs revision.",
        OutcomeResult::MaxIterationsReached => "the iteration budget is spent; the agent wraps up.",
        OutcomeResult::Failed => "grading failed.",
        OutcomeResult::Interrupted => "grading was interrupted.",
    }
}

pub fn reason_sentence(reason: IdleReason) -> &'static str {
    match reason {
        IdleReason::EndTurn => "The agent finished.",
        IdleReason::MaxTurns => "The run reached its turn limit.",
        IdleReason::Cancelled => "The run was cancelled.",
        IdleReason::Error => "The run stopped on an error.",
        IdleReason::Interrupted => "The run was interrupted before it finished.",
        IdleReason::AppQuit => "The run was stopped when Reverie quit.",
    }
}

/// `4 turns · 1.2k tokens in / 310 out · $0.0123 · 6.1s`
pub fn totals(turns: u32, input: u64, output: u64, cost_usd: Option<f64>, duration_ms: u64) -> String {
    format!(
        "{turns} turn{} · {} tokens in / {} out · {} · {}",
        if turns == 1 { "" } else { "s" },
        units::tokens(input),
        units::tokens(output),
        units::cost(cost_usd),
        units::duration_ms(duration_ms)
    )
}

/// A session's header line for `sessions show`.
pub fn header(s: &SessionSummary) -> String {
    format!("Session {} · agent {} · {} · in {}", s.id.as_str(), s.agent_name, s.status.as_str(), s.workspace)
}

/// `read_file notes.md`, `run_command `cargo test``, `search_files "TODO" in src`.
pub fn call_line(name: &str, input: &Value) -> String {
    let text = |key: &str| input.get(key).and_then(Value::as_str);
    let shown = match name {
        "run_command" => text("command").map(|c| format!("`{}`", units::first_line(c, LINE_CHARS))),
        "search_files" => {
            text("pattern").map(|p| format!("{:?} in {}", units::clip(p, LINE_CHARS), text("path").unwrap_or(".")))
        }
        "list_files" => Some(text("path").unwrap_or(".").to_owned()),
        _ => text("path").map(|p| units::clip(p, LINE_CHARS)),
    };
    match shown {
        Some(shown) => format!("{name} {shown}"),
        None if input.as_object().is_some_and(|o| o.is_empty()) => name.to_owned(),
        None => format!("{name} {}", units::clip(&input.to_string(), LINE_CHARS)),
    }
}

/// A tool result in one line: how many lines for reads and listings, the exit code and first output
/// line for commands, else its first line.
pub fn result_line(name: &str, content: &str, is_error: bool) -> String {
    if is_error {
        return units::first_line(content, LINE_CHARS);
    }
    let lines = content.lines().count();
    match name {
        "read_file" => format!("{} line{} read", lines, plural(lines)),
        "list_files" | "search_files" => format!("{} line{}", lines, plural(lines)),
        "run_command" => {
            // The output, then `[exit code: N]`.
            let (output, status) = match content.rfind('[') {
                Some(at) if content.ends_with(']') => (&content[..at], &content[at + 1..content.len() - 1]),
                _ => (content, ""),
            };
            match output.trim() {
                "" => status.to_owned(),
                out => format!("{status} · {}", units::first_line(out, LINE_CHARS)),
            }
        }
        _ => units::first_line(content, LINE_CHARS),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn indent(text: &str, prefix: &str) -> String {
    text.lines().collect::<Vec<_>>().join(&format!("\n{prefix}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reverie_protocol::{SessionId, ThreadId};
    use serde_json::json;

    fn event(seq: u64, payload: EventPayload) -> SessionEvent {
        SessionEvent {
            session_id: SessionId("ses_1".into()),
            seq,
            thread_id: ThreadId("thr_1".into()),
            time_ms: 0,
            payload,
        }
    }

    #[test]
    fn a_transcript_reads_like_a_conversation() {
        let mut t = Transcript::new(Vec::new());
        t.event(&event(1, EventPayload::UserMessage { text: "Fix it".into() })).unwrap();
        t.delta(&ThreadId("thr_1".into()), "Let me ").unwrap();
        t.delta(&ThreadId("thr_1".into()), "look.").unwrap();
        t.event(&event(2, EventPayload::AgentMessage { text: "Let me look.".into() })).unwrap();
        let input = json!({"path": "a.txt"});
        t.event(&event(3, EventPayload::AgentToolUse { tool_use_id: "t1".into(), name: "read_file".into(), input }))
            .unwrap();
        t.event(&event(
            4,
            EventPayload::AgentToolResult {
                tool_use_id: "t1".into(),
                content: "1\tone\n2\ttwo\n".into(),
                is_error: false,
            },
        ))
        .unwrap();
        let input = json!({"command": "make test"});
        t.event(&event(5, EventPayload::AgentToolUse { tool_use_id: "t2".into(), name: "run_command".into(), input }))
            .unwrap();
        t.event(&event(
            6,
            EventPayload::AgentToolResult {
                tool_use_id: "t2".into(),
                content: "ok\n[exit code: 0]".into(),
                is_error: false,
            },
        ))
        .unwrap();
        t.event(&event(7, EventPayload::AgentMessage { text: "Done.".into() })).unwrap();
        t.event(&event(8, EventPayload::StatusIdle { reason: IdleReason::EndTurn })).unwrap();
        let text = String::from_utf8(t.out).unwrap();
        assert_eq!(
            text,
            "▸ Task: Fix it\nLet me look.\n→ read_file a.txt\n  ✓ 2 lines read\n→ run_command `make test`\n  ✓ exit code: 0 · ok\nDone.\n■ The agent finished.\n"
        );
    }
}
