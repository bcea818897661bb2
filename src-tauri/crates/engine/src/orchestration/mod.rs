//! Orchestration: a coordinator hands parts of its task to the agents of its roster. Each
//! delegation runs in a thread of its own (its own history, the subagent's own instructions,
//! tools and permissions), in the same workspace; several delegations of one turn run side by
//! side, at most `max_threads` at a time; the subagent's final message comes back as the
//! `delegate` result. Subagents get neither tool, so they cannot delegate further.

mod plan;

pub use plan::TeamPlan;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;

use reverie_protocol::{Agent, EventPayload, IdleReason, SessionId, ThreadId};
use schemars::JsonSchema;
use serde::Deserialize;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::session::thread_loop::{CancelReason, Opening, RunOutcome};
use crate::session::{history_from_events, EventLog};
use crate::tools::{Tool, ToolContext, ToolFault, ToolOutput, TypedTool};
use crate::{Ids, Result};

/// Subagent threads running at once when the run does not say, and the most it may say.
pub const DEFAULT_MAX_THREADS: u32 = 8;
pub const MAX_THREADS: u32 = 25;
/// The longest delegation message, in bytes (like a task).
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024;

/// How a team runs a subagent's thread. The session service implements it for each run (the
/// subagent's model, tools, permissions and memory, the run's workspace and approvals), so a
/// team knows nothing of the service that runs it.
pub trait Subagents: Send + Sync {
    /// Runs `agent` on `thread` of the session from `opening` to its end; `cancel` stops it.
    fn run<'a>(
        &'a self,
        agent: &'a Agent,
        thread: ThreadId,
        opening: Opening,
        cancel: CancellationToken,
    ) -> BoxFuture<'a, Result<RunOutcome>>;
}

/// A coordinator's session-wide team: its roster, the subagent threads so far, and the slots
/// that cap how many run at once.
pub struct Team {
    subagents: Arc<dyn Subagents>,
    log: Arc<EventLog>,
    ids: Arc<dyn Ids>,
    session: SessionId,
    coordinator: ThreadId,
    roster: Vec<Agent>,
    /// The session's cancellation; each subagent thread has a child token of it.
    cancel: CancellationToken,
    /// What a cancel of the session means, for every thread.
    cancel_reason: CancelReason,
    slots: Arc<Semaphore>,
    threads: Mutex<HashMap<ThreadId, Member>>,
    /// Taken while a delegation is recorded. Tokio's mutex serves waiters in the order they
    /// asked, and a turn's calls first run in the order the model gave them, so the threads
    /// of one turn are created in the log (and laid out as lanes) in the coordinator's order.
    recording: tokio::sync::Mutex<()>,
}

/// A subagent thread of the session.
struct Member {
    agent: Agent,
    cancel: CancellationToken,
    /// Working (or waiting for a slot) on a delegation now.
    busy: bool,
}

/// Arguments of [`Team::new`].
pub struct TeamParts {
    pub plan: TeamPlan,
    pub subagents: Arc<dyn Subagents>,
    pub log: Arc<EventLog>,
    pub ids: Arc<dyn Ids>,
    pub session: SessionId,
    pub coordinator: ThreadId,
    pub cancel: CancellationToken,
    pub cancel_reason: CancelReason,
}

impl Team {
    pub fn new(parts: TeamParts) -> Arc<Self> {
        let TeamParts { plan, subagents, log, ids, session, coordinator, cancel, cancel_reason } = parts;
        let TeamPlan { roster, earlier, max_threads } = plan;
        let threads = earlier
            .into_iter()
            .map(|(thread, agent)| (thread, Member { agent, cancel: cancel.child_token(), busy: false }))
            .collect();
        Arc::new(Self {
            subagents,
            log,
            ids,
            session,
            coordinator,
            roster,
            cancel,
            cancel_reason,
            slots: Arc::new(Semaphore::new(max_threads.clamp(1, MAX_THREADS) as usize)),
            threads: Mutex::new(threads),
            recording: tokio::sync::Mutex::new(()),
        })
    }

    /// The coordinator's two tools.
    pub fn tools(self: &Arc<Self>) -> Vec<Arc<dyn Tool>> {
        vec![Arc::new(ListAgents(self.clone())), Arc::new(Delegate(self.clone()))]
    }

    /// The coordinator's system prompt section about its team.
    pub fn prompt(&self) -> String {
        let mut out = String::from(
            "\n\n## Your team\nYou can hand parts of the task to these agents with the delegate tool. Each works in its own context, \
             in the same folder, and its final message comes back as the delegate result. Several delegate calls in one turn run at \
             the same time, so delegate independent parts together. To follow up with a subagent (it keeps its history), pass the \
             thread_id its result gave.\n",
        );
        for agent in &self.roster {
            out.push_str(&format!("- {}: {}\n", agent.name, one_line(&agent.description)));
        }
        out
    }

    /// Cancels one subagent thread (its delegate call returns "cancelled"; the coordinator goes
    /// on). False when the session has no such thread.
    pub fn cancel_thread(&self, thread: &ThreadId) -> bool {
        match self.lock().get(thread) {
            Some(member) => {
                member.cancel.cancel();
                true
            }
            None => false,
        }
    }

    async fn delegate(&self, input: DelegateInput) -> Result<ToolOutput> {
        let message = input.message.trim().to_owned();
        if message.is_empty() {
            return Ok(ToolOutput::error(
                "the message is empty: say what the subagent should do and what to report back",
            ));
        }
        if message.len() > MAX_MESSAGE_BYTES {
            return Ok(ToolOutput::error(format!(
                "the message is {} bytes; a delegation carries at most {MAX_MESSAGE_BYTES}. Put long material in a file in the workspace and tell the subagent where it is.",
                message.len()
            )));
        }
        let (thread, agent, cancel, fresh) = match input.thread_id.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            Some(id) => {
                let thread = ThreadId(id.to_owned());
                let mut threads = self.lock();
                let Some(member) = threads.get_mut(&thread) else {
                    return Ok(ToolOutput::error(format!(
                        "there is no subagent thread {id} in this session; use a thread_id an earlier delegate result gave, or leave it out to start a new thread"
                    )));
                };
                if member.busy {
                    return Ok(ToolOutput::error(format!(
                        "thread {id} is still working on an earlier message; wait for its result"
                    )));
                }
                if member.cancel.is_cancelled() {
                    member.cancel = self.cancel.child_token();
                }
                member.busy = true;
                (thread, member.agent.clone(), member.cancel.clone(), false)
            }
            None => {
                let Some(agent) = self.roster.iter().find(|a| a.name.eq_ignore_ascii_case(input.agent.trim())) else {
                    let names: Vec<&str> = self.roster.iter().map(|a| a.name.as_str()).collect();
                    return Ok(ToolOutput::error(format!(
                        "“{}” is not on your roster; you can delegate to: {}",
                        input.agent.trim(),
                        names.join(", ")
                    )));
                };
                let thread = ThreadId(self.ids.new_id("thr"));
                let cancel = self.cancel.child_token();
                self.lock().insert(thread.clone(), Member { agent: agent.clone(), cancel: cancel.clone(), busy: true });
                (thread, agent.clone(), cancel, true)
            }
        };
        let outcome = self.run_thread(&thread, &agent, message, cancel, fresh).await;
        if let Some(member) = self.lock().get_mut(&thread) {
            member.busy = false;
        }
        let outcome = outcome?;
        let follow_up =
            format!("(thread_id: {}; pass it to delegate to follow up with {})", thread.as_str(), agent.name);
        Ok(match outcome.reason {
            IdleReason::EndTurn => ToolOutput::ok(format!("{}\n\n{follow_up}", outcome.final_message.trim())),
            IdleReason::Cancelled | IdleReason::AppQuit | IdleReason::Interrupted => ToolOutput::error(format!(
                "cancelled: {}'s thread was stopped before it finished. Carry on without it, or delegate again. {follow_up}",
                agent.name
            )),
            IdleReason::MaxTurns => ToolOutput::error(format!(
                "{} reached its turn limit before finishing. Its last message: {} {follow_up}",
                agent.name,
                outcome.final_message.trim()
            )),
            IdleReason::Error => ToolOutput::error(format!(
                "{} failed: {} {follow_up}",
                agent.name,
                outcome.error.as_deref().unwrap_or("the run stopped on an error")
            )),
        })
    }

    /// Records the delegation, waits for a free slot (or a cancel), then runs the subagent.
    async fn run_thread(
        &self,
        thread: &ThreadId,
        agent: &Agent,
        message: String,
        cancel: CancellationToken,
        fresh: bool,
    ) -> Result<RunOutcome> {
        let mut events = Vec::new();
        if fresh {
            events.push(EventPayload::ThreadCreated {
                thread_id: thread.clone(),
                parent_thread_id: self.coordinator.clone(),
                agent_id: agent.id.clone(),
                agent_name: agent.name.clone(),
            });
        }
        events.push(EventPayload::ThreadMessageSent { to_thread_id: thread.clone(), text: message.clone() });
        {
            let _in_order = self.recording.lock().await;
            self.append(&self.coordinator, events).await?;
        }
        let slot = tokio::select! {
            biased;
            _ = cancel.cancelled() => None,
            slot = self.slots.clone().acquire_owned() => slot.ok(),
        };
        let Some(_slot) = slot else {
            // Stopped while queued: it never ran. A thread stopped on its own is cancelled; one
            // stopped with the session says why the session was.
            let reason = if self.cancel.is_cancelled() { self.cancel_reason.get() } else { IdleReason::Cancelled };
            self.append(thread, vec![EventPayload::ThreadStatusIdle { reason }]).await?;
            return Ok(RunOutcome { reason, ..Default::default() });
        };
        let opening = if fresh {
            Opening::Task(message)
        } else {
            let (log, session) = (self.log.clone(), self.session.clone());
            let events = tokio::task::spawn_blocking(move || log.read(&session, 0, usize::MAX))
                .await
                .map_err(|e| crate::Error::Internal(format!("the event reader stopped: {e}")))??;
            let (history, open_calls) = history_from_events(&events, thread);
            Opening::Resume { history, open_calls, follow_up: Some(message) }
        };
        self.subagents.run(agent, thread.clone(), opening, cancel).await
    }

    async fn append(&self, thread: &ThreadId, events: Vec<EventPayload>) -> Result<()> {
        let (log, session, thread) = (self.log.clone(), self.session.clone(), thread.clone());
        tokio::task::spawn_blocking(move || log.append(&session, &thread, events))
            .await
            .map_err(|e| crate::Error::Internal(format!("the event writer stopped: {e}")))??;
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ThreadId, Member>> {
        self.threads.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn one_line(text: &str) -> &str {
    let line = text.trim().lines().next().unwrap_or_default();
    if line.is_empty() {
        "(no description)"
    } else {
        line
    }
}

/// Lists the agents you can delegate to, with what each is for.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListAgentsInput {}

struct ListAgents(Arc<Team>);

impl TypedTool for ListAgents {
    const NAME: &'static str = "list_agents";
    type Input = ListAgentsInput;

    async fn run(&self, _input: ListAgentsInput, _ctx: &ToolContext) -> std::result::Result<ToolOutput, ToolFault> {
        let lines: Vec<String> =
            self.0.roster.iter().map(|a| format!("- {}: {}", a.name, one_line(&a.description))).collect();
        Ok(ToolOutput::ok(lines.join("\n")))
    }
}

/// Hands a part of the task to an agent of your roster (see list_agents). It works on it in its
/// own context, in the same folder, with its own tools, and its final message comes back as the
/// result. Several delegate calls in one turn run at the same time. To follow up with the same
/// subagent, which keeps its history, pass the thread_id an earlier result gave.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DelegateInput {
    /// The agent's name, as list_agents gives it.
    pub agent: String,
    /// What the subagent should do and what to report back: it sees nothing else of your conversation.
    pub message: String,
    /// An earlier delegation's thread, to continue it instead of starting a new one.
    #[serde(default)]
    pub thread_id: Option<String>,
}

struct Delegate(Arc<Team>);

impl TypedTool for Delegate {
    const NAME: &'static str = "delegate";
    type Input = DelegateInput;

    async fn run(&self, input: DelegateInput, _ctx: &ToolContext) -> std::result::Result<ToolOutput, ToolFault> {
        self.0.delegate(input).await.map_err(|e| ToolFault::Crashed { tool: "delegate", message: e.to_string() })
    }
}
