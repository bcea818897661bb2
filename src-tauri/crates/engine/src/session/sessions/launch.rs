//! Launching a planned run: the primary thread's loop (its model, tools, permissions, memory and
//! prompt), a coordinator's team, the outcome's evaluator, and the bookkeeping of an active run
//! until it ends. Also how a subagent's thread is set up for its coordinator's `delegate` call.

use std::path::Path;
use std::sync::Arc;

use futures::future::BoxFuture;
use reverie_protocol::{
    Agent, AppError, ErrorCode, EventPayload, IdleReason, Permission, ProviderKind, SessionId, ThreadId,
};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::{Active, RunOptions, Sessions};
use crate::agents::allowed;
use crate::blocking::blocking;
use crate::memory::MountedMemory;
use crate::orchestration::{Subagents, Team, TeamParts, TeamPlan};
use crate::outcome::artifacts::Snapshot;
use crate::outcome::plan::OutcomePlan;
use crate::session::permissions::{Approvals, PermissionPolicy};
use crate::session::thread_loop::{run_thread, CancelReason, Opening, RunOutcome, ThreadLoop, ThreadRole};
use crate::session::EventLog;
use crate::tools::{ToolContext, ToolSet, Workspace};
use crate::{Error, Result};

/// Everything a run starts from, resolved before it begins (`session::input` checked it,
/// `outcome::plan` and `orchestration::TeamPlan` resolved their parts).
pub(super) struct RunPlan {
    pub agent: Agent,
    pub workspace: Workspace,
    pub session: SessionId,
    /// The primary thread.
    pub thread: ThreadId,
    pub opening: Opening,
    pub outcome: Option<OutcomePlan>,
    /// A coordinator's team.
    pub team: Option<TeamPlan>,
    pub options: RunOptions,
}

/// What a subagent is told about its place.
const SUBAGENT_NOTE: &str = "\n\n## You are a subagent\nA coordinator gave you one part of a larger task; other agents may be working \
in the same folder at the same time, so stay within your part. When you are done, end your turn with a final message that says what \
you did and found: it is all the coordinator sees of your work.";

impl Sessions {
    /// Starts the planned run's primary thread; the handle finishes with the run.
    pub(super) async fn launch(self: &Arc<Self>, plan: RunPlan) -> Result<JoinHandle<Result<RunOutcome>>> {
        let RunPlan { agent, workspace, session, thread, opening, outcome, team, options } = plan;
        let cancel = CancellationToken::new();
        let cancel_reason = CancelReason::default();
        let approvals = Approvals::new();
        let context = ToolContext::new(workspace, cancel.clone());
        let prepared =
            self.thread_loop(&agent, &session, &thread, context.clone(), approvals.clone(), &options).await?;
        // A coordinator whose model can be reached: its team, with the two tools and the
        // prompt section.
        let team = match (&prepared, team) {
            (Ok(_), Some(plan)) => Some(Team::new(TeamParts {
                plan,
                subagents: Arc::new(RunSubagents {
                    sessions: self.clone(),
                    session: session.clone(),
                    coordinator: thread.clone(),
                    context: context.clone(),
                    approvals: approvals.clone(),
                    cancel_reason: cancel_reason.clone(),
                    options: options.clone(),
                }),
                log: self.log.clone(),
                ids: self.ids.clone(),
                session: session.clone(),
                coordinator: thread.clone(),
                cancel: cancel.clone(),
                cancel_reason: cancel_reason.clone(),
            })),
            _ => None,
        };
        self.lock().insert(
            session.clone(),
            Active {
                cancel: cancel.clone(),
                approvals: approvals.clone(),
                team: team.clone(),
                cancel_reason: cancel_reason.clone(),
            },
        );
        self.running.send_modify(|n| *n += 1);
        let this = self.clone();
        let log = self.log.clone();
        let (session2, thread2) = (session.clone(), thread.clone());
        let done = tokio::spawn(async move {
            let result = match prepared {
                Err(error) => fail_at_once(&log, &session2, &thread2, &ThreadRole::Primary, opening, error).await,
                Ok(mut run) => {
                    run.cancel_reason = cancel_reason;
                    if let Some(team) = &team {
                        run.tools = team.tools().into_iter().fold(run.tools, ToolSet::with);
                        run.system.push_str(&team.prompt());
                    }
                    if let Some(plan) = outcome {
                        run.system.push_str(&crate::outcome::evaluate::agent_prompt(&plan.definition));
                        let root = run.context.workspace.root().to_owned();
                        let baseline =
                            tokio::task::spawn_blocking(move || Snapshot::take(&root)).await.unwrap_or_default();
                        let grader =
                            options.model_for(&plan.grader.endpoint, plan.grader.key.clone(), this.stream_options);
                        run.outcome = Some(plan.evaluator(grader, baseline));
                    }
                    run_thread(run, opening).await
                }
            };
            if result.is_err() {
                // Not even its end was written: this process knows it stopped.
                this.strand(&session2);
            }
            this.lock().remove(&session2);
            this.running.send_modify(|n| *n = n.saturating_sub(1));
            result
        });
        Ok(done)
    }

    /// The loop of `agent` on one thread: its model, its tools (the workspace tools it may use and
    /// its memory's), its permissions and its system prompt; or, when its provider can't be
    /// used, why.
    async fn thread_loop(
        &self,
        agent: &Agent,
        session: &SessionId,
        thread: &ThreadId,
        context: ToolContext,
        approvals: Approvals,
        options: &RunOptions,
    ) -> Result<std::result::Result<ThreadLoop, AppError>> {
        let providers = self.providers.clone();
        let provider_id = agent.provider_id.clone();
        let connection = match blocking(move || providers.connection(&provider_id)).await {
            Err(Error::NotFound(_)) => {
                return Ok(Err(AppError::new(
                    ErrorCode::NotFound,
                    format!("The agent “{}” uses a model provider that no longer exists. Edit the agent to choose another.", agent.name),
                )))
            }
            Err(e) => return Ok(Err(AppError::from(e))),
            Ok(c) if c.key.is_none() && c.endpoint.kind == ProviderKind::Anthropic => {
                return Ok(Err(AppError::new(
                    ErrorCode::Auth,
                    format!(
                        "No API key is set for the provider “{}” of the agent “{}”. Add one in Settings → Model providers (or set {}), then resume this session.",
                        c.name,
                        agent.name,
                        ProviderKind::Anthropic.env_var()
                    ),
                )))
            }
            Ok(c) => c,
        };
        let memory = if agent.memory.is_empty() {
            MountedMemory::default()
        } else {
            let (memory, mounts, session, thread) =
                (self.memory.clone(), agent.memory.clone(), session.clone(), thread.clone());
            blocking(move || memory.mount(&mounts, &session, &thread)).await?
        };
        let mut endpoint = connection.endpoint;
        if let Some(model) = &agent.model {
            endpoint.model = model.clone();
        }
        let model = options.model_for(&endpoint, connection.key, self.stream_options);
        let mut policy = PermissionPolicy::from_rules(&agent.tools);
        if options.approve_all {
            for rule in agent.tools.iter().filter(|r| r.permission == Permission::Ask) {
                policy.set(rule.tool.clone(), Permission::Allow);
            }
        }
        let tools =
            memory.tools.into_iter().fold(ToolSet::workspace().filter(|name| allowed(agent, name)), ToolSet::with);
        let root = context.workspace.root().to_owned();
        Ok(Ok(ThreadLoop {
            system: system_prompt(agent, &root) + &memory.prompt,
            tools,
            policy,
            approvals,
            max_turns: options.max_turns.unwrap_or(agent.max_turns),
            ..ThreadLoop::new(self.log.clone(), session.clone(), thread.clone(), model, context)
        }))
    }
}

/// What the subagent threads of one run share with its coordinator: the workspace (its write
/// locks), the approvals, what a cancel means and the run's options.
struct RunSubagents {
    sessions: Arc<Sessions>,
    session: SessionId,
    coordinator: ThreadId,
    context: ToolContext,
    approvals: Approvals,
    cancel_reason: CancelReason,
    options: RunOptions,
}

impl Subagents for RunSubagents {
    /// A subagent's thread for its coordinator's `delegate` call, run to its end.
    fn run<'a>(
        &'a self,
        agent: &'a Agent,
        thread: ThreadId,
        opening: Opening,
        cancel: CancellationToken,
    ) -> BoxFuture<'a, Result<RunOutcome>> {
        Box::pin(async move {
            let role = ThreadRole::Subagent { parent: self.coordinator.clone() };
            let context = self.context.for_thread(cancel);
            // The run's turn limit is the coordinator's; a subagent keeps its own.
            let options = RunOptions { max_turns: None, ..self.options.clone() };
            let prepared = self
                .sessions
                .thread_loop(agent, &self.session, &thread, context, self.approvals.clone(), &options)
                .await?;
            match prepared {
                Err(error) => fail_at_once(&self.sessions.log, &self.session, &thread, &role, opening, error).await,
                Ok(run) => {
                    let run = ThreadLoop {
                        system: run.system + SUBAGENT_NOTE,
                        role,
                        cancel_reason: self.cancel_reason.clone(),
                        ..run
                    };
                    tokio::spawn(run_thread(run, opening))
                        .await
                        .map_err(|e| Error::Internal(format!("a subagent's run stopped: {e}")))?
                }
            }
        })
    }
}

/// Records a run that can't reach its model: the opening, the error, idle.
async fn fail_at_once(
    log: &Arc<EventLog>,
    session: &SessionId,
    thread: &ThreadId,
    role: &ThreadRole,
    opening: Opening,
    error: AppError,
) -> Result<RunOutcome> {
    let mut events = Vec::new();
    match opening {
        Opening::Task(text) | Opening::Resume { follow_up: Some(text), .. } => events.push(role.incoming(text)),
        Opening::Resume { .. } => {}
    }
    let message = error.message.clone();
    events.extend([role.running(), EventPayload::Error { error }]);
    events.extend(role.end_events(IdleReason::Error, ""));
    let (log, session, thread) = (log.clone(), session.clone(), thread.clone());
    blocking(move || log.append(&session, &thread, events)).await?;
    Ok(RunOutcome { reason: IdleReason::Error, error: Some(message), ..RunOutcome::default() })
}

/// The agent's instructions and what it needs to know about where it works.
pub fn system_prompt(agent: &Agent, workspace: &Path) -> String {
    let instructions = if agent.instructions.trim().is_empty() {
        "You are a careful assistant who completes the user's task in their folder with the tools you have."
    } else {
        agent.instructions.trim()
    };
    format!(
        "{instructions}\n\nYou are working in the folder {}. Every path you give a tool is relative to it, and nothing outside it can be reached. \
         When the task is done, end with a short summary of what you changed.",
        workspace.display()
    )
}
