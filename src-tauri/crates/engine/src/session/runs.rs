//! Runs: starting a session from an agent, a folder and a task; cancelling it; answering its
//! approvals; resuming it after a crash or sending it a follow-up; listing sessions. The app
//! and the CLI both drive sessions through this one type.

mod resume;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};

use reverie_llm::{model_for, Endpoint, LanguageModel, StreamOptions};
use reverie_protocol::{
    Agent, AppError, ErrorCode, EventPayload, IdleReason, MemoryAccess, MemoryAccessKind, MemoryAccessRecord,
    OutcomeDefinition, OutcomeInput, Permission, ProviderId, ProviderKind, RunInput, SessionEvent, SessionId,
    SessionStatus, SessionSummary, ThreadId,
};
use secrecy::SecretString;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::folder::{self, home_dir, Confirmed};
use super::permissions::{Approvals, PermissionPolicy};
use super::run::{run_thread, CancelReason, Opening, Run, RunOutcome, ThreadRole};
use super::{EventLog, Owner, Subscription};
use crate::agents::{allowed, Agents};
use crate::blocking::blocking;
use crate::memory::tools::{MemoryContext, Mounted};
use crate::memory::{Memory, INDEX_TOKEN_BUDGET};
use crate::orchestration::{Team, TeamParts, DEFAULT_MAX_THREADS, MAX_THREADS};
use crate::outcome::artifacts::Snapshot;
use crate::outcome::{Evaluator, Rubrics, DEFAULT_MAX_ITERATIONS, MAX_GRADER_PASSES, MAX_ITERATIONS};
use crate::providers::{ProviderConnection, Providers};
use crate::store::events::SessionRow;
use crate::tools::Tool;
use crate::tools::{ToolContext, ToolSet, Workspace};
use crate::{Error, Ids, Result};

/// The largest task accepted, in bytes. Anything longer belongs in a file the agent reads.
pub const MAX_TASK_BYTES: usize = 256 * 1024;
/// Sessions a list returns at most.
pub const LIST_LIMIT: usize = 500;
/// Events one read returns at most.
pub const READ_LIMIT: usize = 5000;

/// How a run may differ from its agent's saved configuration (the CLI's flags).
#[derive(Clone, Default)]
pub struct RunOptions {
    /// Turn every `ask` into `allow` (`reverie run --yes`); `deny` stays.
    pub approve_all: bool,
    pub max_turns: Option<u32>,
    /// Every model request of the run (its coordinator's, its subagents' and its grader's)
    /// goes to this model instead of an adapter for the agent's provider. The providers are
    /// still looked up and checked, so one that is gone or has no key fails the same way. For
    /// tests that drive the model one event at a time (`reverie_testkit::StepModel`); the app
    /// and the CLI leave it `None`.
    pub model: Option<Arc<dyn LanguageModel>>,
}

impl std::fmt::Debug for RunOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunOptions")
            .field("approve_all", &self.approve_all)
            .field("max_turns", &self.max_turns)
            .field("model", &self.model.as_ref().map(|m| m.model_id()))
            .finish()
    }
}

impl RunOptions {
    /// The model for a thread or grader of the run on `endpoint`: the override, or the adapter.
    fn model_for(
        &self,
        endpoint: &Endpoint,
        key: Option<SecretString>,
        stream_options: StreamOptions,
    ) -> Arc<dyn LanguageModel> {
        match &self.model {
            Some(model) => model.clone(),
            None => model_for(endpoint, key, stream_options),
        }
    }
}

/// A run in this process.
struct Active {
    cancel: CancellationToken,
    approvals: Approvals,
    /// A coordinator's subagents, for cancelling one of them.
    team: Option<Arc<Team>>,
    /// What cancelling it means: the user's stop, or Reverie quitting.
    cancel_reason: CancelReason,
}

/// A started run: its summary, the task that finishes with its outcome, and a subscription
/// made before the run began, so a follower sees every live text delta from the first one.
pub struct Started {
    pub summary: SessionSummary,
    pub done: JoinHandle<Result<RunOutcome>>,
    pub subscription: Subscription,
}

/// What [`Runs`] works with.
pub struct RunsParts {
    pub log: Arc<EventLog>,
    pub agents: Agents,
    pub providers: Providers,
    pub memory: Memory,
    pub rubrics: Rubrics,
    pub ids: Arc<dyn Ids>,
    pub owner: Owner,
    /// Apply to every model stream (tests shorten retries and timeouts).
    pub stream_options: StreamOptions,
}

pub struct Runs {
    log: Arc<EventLog>,
    agents: Agents,
    providers: Providers,
    memory: Memory,
    rubrics: Rubrics,
    ids: Arc<dyn Ids>,
    owner: Owner,
    stream_options: StreamOptions,
    active: Mutex<HashMap<SessionId, Active>>,
    /// Runs of this process whose end could not be recorded (see `resume`).
    stranded: Mutex<HashSet<SessionId>>,
    /// How many runs are active, for [`Runs::shutdown`] to wait on.
    running: watch::Sender<usize>,
}

impl Runs {
    pub fn new(parts: RunsParts) -> Arc<Self> {
        let RunsParts { log, agents, providers, memory, rubrics, ids, owner, stream_options } = parts;
        Arc::new(Self {
            log,
            agents,
            providers,
            memory,
            rubrics,
            ids,
            owner,
            stream_options,
            active: Mutex::default(),
            stranded: Mutex::default(),
            running: watch::channel(0).0,
        })
    }

    pub fn log(&self) -> &Arc<EventLog> {
        &self.log
    }

    pub fn owner_id(&self) -> &str {
        self.owner.id()
    }

    /// Sessions left running by a process that is gone become `interrupted`.
    pub async fn recover(&self, alive: impl Fn(&str) -> bool + Send + 'static) -> Result<Vec<SessionId>> {
        let log = self.log.clone();
        blocking(move || log.recover_interrupted(&alive)).await
    }

    pub async fn list(&self) -> Result<Vec<SessionSummary>> {
        let log = self.log.clone();
        let rows = blocking(move || log.sessions(LIST_LIMIT)).await?;
        Ok(rows.iter().map(|row| self.summary(row)).collect())
    }

    pub async fn get(&self, id: &SessionId) -> Result<SessionSummary> {
        Ok(self.summary(&self.row(id).await?))
    }

    /// A session as the user should see it: a stranded run of this process is interrupted.
    fn summary(&self, row: &SessionRow) -> SessionSummary {
        let mut summary = row.summary();
        if summary.status == SessionStatus::Running && self.is_stranded(&row.id) {
            summary.status = SessionStatus::Interrupted;
        }
        summary
    }

    /// How many runs of this process are working now.
    pub fn active(&self) -> usize {
        self.lock().len()
    }

    /// The whole task of a session (summaries carry a preview).
    pub async fn task(&self, id: &SessionId) -> Result<String> {
        Ok(self.row(id).await?.task)
    }

    /// Stored events after `after`, at most `limit` (capped at [`READ_LIMIT`]).
    pub async fn events(&self, id: &SessionId, after: u64, limit: usize) -> Result<Vec<SessionEvent>> {
        self.row(id).await?;
        let (log, id) = (self.log.clone(), id.clone());
        blocking(move || log.read(&id, after, limit.min(READ_LIMIT))).await
    }

    /// Every event after `after`, then live ones and text deltas as they come.
    pub async fn subscribe(&self, id: &SessionId, after: u64) -> Result<Subscription> {
        self.row(id).await?;
        Ok(self.log.subscribe(id, after))
    }

    /// Starts a run of `input.agent_id` on `input.task` in `input.workspace`. Bad input is an
    /// `Invalid` error naming the field; a provider without a key starts a session that ends
    /// at once with the reason in its transcript.
    #[tracing::instrument(skip_all, fields(agent_id = input.agent_id.as_str()))]
    pub async fn start(self: &Arc<Self>, input: RunInput, options: RunOptions) -> Result<Started> {
        let task = check_task(&input.task)?.to_owned();
        let workspace = folder::check(
            &input.workspace,
            Confirmed { home: input.allow_home.unwrap_or(false) },
            home_dir().as_deref(),
        )?;
        let max_threads = input.max_threads.unwrap_or(DEFAULT_MAX_THREADS);
        if !(1..=MAX_THREADS).contains(&max_threads) {
            return Err(Error::invalid(
                "max_threads",
                format!("Choose between 1 and {MAX_THREADS} subagent threads at once (you chose {max_threads})."),
            ));
        }
        let this = self.clone();
        let agent_id = input.agent_id.clone();
        let agent = blocking(move || {
            this.agents.get(&agent_id).map_err(|e| match e {
                Error::NotFound(_) => Error::invalid("agent_id", "Choose an agent; the one selected no longer exists."),
                other => other,
            })
        })
        .await?;
        let outcome = match &input.outcome {
            Some(o) => Some(self.define_outcome(o, &agent, &task).await?),
            None => None,
        };
        let session = SessionId(self.ids.new_id("ses"));
        let thread = ThreadId(self.ids.new_id("thr"));
        let row = SessionRow::new(
            session.clone(),
            Some(agent.id.clone()),
            &agent.name,
            &task,
            &workspace.root().display().to_string(),
            Some(self.owner.id().to_owned()),
            self.log.clock().now_ms(),
        );
        let (log, inserted, sid, tid) = (self.log.clone(), row.clone(), session.clone(), thread.clone());
        let defined = outcome.as_ref().map(|o| EventPayload::OutcomeDefined { outcome: o.definition.clone() });
        blocking(move || {
            log.insert_session(&inserted)?;
            if let Some(defined) = defined {
                log.append(&sid, &tid, vec![defined])?;
            }
            Ok(())
        })
        .await?;
        tracing::info!(session_id = session.as_str(), "run started");
        let subscription = self.log.subscribe(&session, 0);
        let done = self
            .launch(Launch {
                agent,
                workspace,
                session: session.clone(),
                thread,
                opening: Opening::Task(task),
                outcome,
                options,
                max_threads,
            })
            .await?;
        Ok(Started { summary: self.get(&session).await.unwrap_or_else(|_| row.summary()), done, subscription })
    }

    /// Cancels a run of this process: every model stream, approval and child process stops,
    /// and every pending tool call gets a cancelled result.
    pub async fn cancel(&self, id: &SessionId) -> Result<()> {
        if let Some(active) = self.lock().get(id) {
            active.cancel.cancel();
            return Ok(());
        }
        if self.take_stranded(id) {
            // Nothing runs it any more: record what it is.
            let (log, sid) = (self.log.clone(), id.clone());
            return match blocking(move || log.set_status(&sid, SessionStatus::Interrupted)).await {
                Ok(()) => Ok(()),
                Err(e) => {
                    self.strand(id);
                    Err(e)
                }
            };
        }
        let row = self.row(id).await?;
        Err(Error::Conflict {
            field: None,
            message: match row.status {
                SessionStatus::Running => {
                    "Another Reverie process (the CLI?) is running this session; stop it there.".into()
                }
                _ => "This session is not running.".into(),
            },
        })
    }

    /// Stops every run of this process because the app is quitting, and waits, at most
    /// `limit`, until each has recorded its end (stop reason `app_quit`, its threads' too) and
    /// stopped its child processes.
    pub async fn shutdown(&self, limit: std::time::Duration) {
        for active in self.lock().values() {
            active.cancel_reason.set(IdleReason::AppQuit);
            active.cancel.cancel();
        }
        let mut running = self.running.subscribe();
        if tokio::time::timeout(limit, running.wait_for(|n| *n == 0)).await.is_err() {
            tracing::warn!(runs = *running.borrow(), "runs still stopping at exit");
        }
    }

    /// Answers an approval request of a run in this process.
    pub fn answer(&self, id: &SessionId, tool_use_id: &str, approved: bool) -> Result<()> {
        let approvals = self.lock().get(id).map(|a| a.approvals.clone());
        match approvals {
            Some(approvals) if approvals.approve(tool_use_id, approved) => Ok(()),
            _ => Err(Error::NotFound("No approval is waiting for that tool call any more.".into())),
        }
    }

    /// The approval requests waiting in a run of this process.
    pub fn pending_approvals(&self, id: &SessionId) -> Vec<String> {
        self.lock().get(id).map(|a| a.approvals.pending()).unwrap_or_default()
    }

    async fn launch(self: &Arc<Self>, launch: Launch) -> Result<JoinHandle<Result<RunOutcome>>> {
        let Launch { agent, workspace, session, thread, opening, outcome, options, max_threads } = launch;
        let cancel = CancellationToken::new();
        let cancel_reason = CancelReason::default();
        let approvals = Approvals::new();
        let context = ToolContext::new(workspace, cancel.clone());
        let prepared = self.agent_run(&agent, &session, &thread, context.clone(), approvals.clone(), &options).await?;
        // A coordinator: its roster (agents deleted since are left out), the threads of earlier
        // runs, the two tools and the prompt section.
        let team = match &prepared {
            Ok(_) if !agent.roster.is_empty() => {
                let (this, ids, sid) = (self.clone(), agent.roster.clone(), session.clone());
                let (roster, events) = blocking(move || {
                    let roster = ids.iter().filter_map(|id| this.agents.get(id).ok()).collect::<Vec<_>>();
                    Ok((roster, this.log.read(&sid, 0, usize::MAX)?))
                })
                .await?;
                let team = Team::new(TeamParts {
                    runs: self.clone(),
                    ids: self.ids.clone(),
                    session: session.clone(),
                    coordinator: thread.clone(),
                    roster,
                    context: context.clone(),
                    approvals: approvals.clone(),
                    cancel_reason: cancel_reason.clone(),
                    options: options.clone(),
                    max_threads,
                });
                team.adopt(&events);
                Some(team)
            }
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
                        let grader = options.model_for(&plan.grader.endpoint, plan.grader.key, this.stream_options);
                        run.outcome = Some(
                            Evaluator::new(plan.definition, grader, baseline).resumed(plan.finished, plan.touched),
                        );
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

    /// A run of `agent` on one thread: its model, its tools (the workspace tools it may use and
    /// its memory's), its permissions and its system prompt; or, when its provider can't be
    /// used, why.
    async fn agent_run(
        &self,
        agent: &Agent,
        session: &SessionId,
        thread: &ThreadId,
        context: ToolContext,
        approvals: Approvals,
        options: &RunOptions,
    ) -> Result<std::result::Result<Run, AppError>> {
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
        let (memory_prompt, memory_tools) = self.mount_memory(agent, session, thread).await?;
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
            memory_tools.into_iter().fold(ToolSet::workspace().filter(|name| allowed(agent, name)), ToolSet::with);
        let root = context.workspace.root().to_owned();
        Ok(Ok(Run {
            system: system_prompt(agent, &root) + &memory_prompt,
            tools,
            policy,
            approvals,
            max_turns: options.max_turns.unwrap_or(agent.max_turns),
            ..Run::new(self.log.clone(), session.clone(), thread.clone(), model, context)
        }))
    }

    /// Runs a subagent's thread for its coordinator's `delegate` call, to its end.
    pub(crate) async fn run_subagent(
        self: &Arc<Self>,
        team: &Team,
        agent: &Agent,
        thread: ThreadId,
        opening: Opening,
        cancel: CancellationToken,
    ) -> Result<RunOutcome> {
        let role = ThreadRole::Subagent { parent: team.coordinator.clone() };
        let context = team.context.for_thread(cancel);
        // The run's turn limit is the coordinator's; a subagent keeps its own.
        let options = RunOptions { max_turns: None, ..team.options.clone() };
        match self.agent_run(agent, &team.session, &thread, context, team.approvals.clone(), &options).await? {
            Err(error) => fail_at_once(&self.log, &team.session, &thread, &role, opening, error).await,
            Ok(run) => {
                let run =
                    Run { system: run.system + SUBAGENT_NOTE, role, cancel_reason: team.cancel_reason.clone(), ..run };
                tokio::spawn(run_thread(run, opening))
                    .await
                    .map_err(|e| Error::Internal(format!("a subagent's run stopped: {e}")))?
            }
        }
    }

    /// Cancels one subagent thread of a run of this process; the coordinator carries on.
    pub fn cancel_thread(&self, id: &SessionId, thread: &ThreadId) -> Result<()> {
        let team = self.lock().get(id).and_then(|a| a.team.clone());
        match team {
            Some(team) if team.cancel_thread(thread) => Ok(()),
            _ => Err(Error::NotFound("That thread is not running in this app.".into())),
        }
    }

    /// Checks a `define_outcome` and resolves it: the rubric version (copied into the session,
    /// so it outlives the rubric) and the grader's provider and model.
    async fn define_outcome(&self, input: &OutcomeInput, agent: &Agent, task: &str) -> Result<OutcomePlan> {
        let max_iterations = input.max_iterations.unwrap_or(DEFAULT_MAX_ITERATIONS);
        if !(1..=MAX_ITERATIONS).contains(&max_iterations) {
            return Err(Error::invalid(
                "outcome.max_iterations",
                format!("Choose between 1 and {MAX_ITERATIONS} iterations: how many times the work is graded at most (you chose {max_iterations})."),
            ));
        }
        let grader_passes = input.grader_passes.unwrap_or(1);
        if !(1..=MAX_GRADER_PASSES).contains(&grader_passes) {
            return Err(Error::invalid(
                "outcome.grader_passes",
                format!("Choose between 1 and {MAX_GRADER_PASSES} grader passes (you chose {grader_passes})."),
            ));
        }
        let description = match input.description.trim() {
            "" => task.to_owned(),
            d => check_task(d)
                .map_err(|e| match e {
                    Error::Invalid { message, .. } => Error::invalid("outcome.description", message),
                    other => other,
                })?
                .to_owned(),
        };
        let (rubrics, rubric_id, version) = (self.rubrics.clone(), input.rubric_id.clone(), input.rubric_version);
        let (rubric, version) = blocking(move || {
            let rubric = rubrics.get(&rubric_id).map_err(|e| match e {
                Error::NotFound(_) => {
                    Error::invalid("outcome.rubric_id", "Choose a rubric; the one selected no longer exists.")
                }
                other => other,
            })?;
            let version = match version {
                None => rubric.latest.clone(),
                Some(v) => rubrics.version(&rubric_id, v).map_err(|e| match e {
                    Error::NotFound(m) => Error::invalid("outcome.rubric_version", m),
                    other => other,
                })?,
            };
            Ok((rubric, version))
        })
        .await?;
        let provider_id = input.grader_provider_id.clone().unwrap_or_else(|| agent.provider_id.clone());
        let model = input
            .grader_model
            .clone()
            .filter(|m| !m.trim().is_empty())
            .or_else(|| (provider_id == agent.provider_id).then(|| agent.model.clone()).flatten());
        let grader = self.grader_connection(&provider_id, model.as_deref()).await.map_err(|e| match e {
            Error::Invalid { message, .. } => Error::invalid("outcome.grader_provider_id", message),
            other => other,
        })?;
        let definition = OutcomeDefinition {
            description,
            rubric_id: rubric.id,
            rubric_name: rubric.name,
            rubric_version: version.version,
            criteria: version.criteria,
            max_iterations,
            grader_passes,
            grader_provider_id: provider_id,
            grader_model: grader.endpoint.model.clone(),
        };
        Ok(OutcomePlan { definition, grader, finished: 0, touched: Default::default() })
    }

    /// The grader's provider with `model` in place of its default; a provider that is gone or
    /// has no key is refused before anything runs.
    async fn grader_connection(&self, provider_id: &ProviderId, model: Option<&str>) -> Result<ProviderConnection> {
        let (providers, id) = (self.providers.clone(), provider_id.clone());
        let mut connection = blocking(move || providers.connection(&id)).await.map_err(|e| match e {
            Error::NotFound(_) => Error::invalid(
                "grader_provider_id",
                "The grader's model provider no longer exists. Choose another provider for the grader.",
            ),
            other => other,
        })?;
        if connection.key.is_none() && connection.endpoint.kind == ProviderKind::Anthropic {
            return Err(Error::invalid(
                "grader_provider_id",
                format!(
                    "No API key is set for the grader's provider “{}”. Add one in Settings → Model providers (or set {}), or choose another provider for the grader.",
                    connection.name,
                    ProviderKind::Anthropic.env_var()
                ),
            ));
        }
        if let Some(model) = model {
            connection.endpoint.model = model.to_owned();
        }
        Ok(connection)
    }

    /// The agent's memory for one thread: the system prompt's memory section (each store's
    /// note and index, recorded as `listed`) and the memory tools. Stores deleted since the
    /// agent was saved are left out.
    async fn mount_memory(
        &self,
        agent: &Agent,
        session: &SessionId,
        thread: &ThreadId,
    ) -> Result<(String, Vec<Arc<dyn Tool>>)> {
        if agent.memory.is_empty() {
            return Ok((String::new(), Vec::new()));
        }
        let (memory, mounts, session, thread) =
            (self.memory.clone(), agent.memory.clone(), session.clone(), thread.clone());
        blocking(move || {
            let mut mounted = Vec::new();
            let mut prompt = String::from(MEMORY_NOTE);
            let mut listed = Vec::new();
            for mount in mounts {
                let Ok(store) = memory.store(&mount.store_id) else { continue };
                let (index, paths) = memory.index(&store.id, INDEX_TOKEN_BUDGET)?;
                let access = match mount.access {
                    MemoryAccess::ReadWrite => "read and write",
                    MemoryAccess::ReadOnly => "read only",
                };
                prompt.push_str(&format!("\n### Memory store “{}” ({access})\n", store.name));
                if !store.description.is_empty() {
                    prompt.push_str(&format!("{}\n", store.description));
                }
                prompt.push_str(&index);
                let time_ms = memory.now();
                listed.extend(paths.into_iter().map(|path| MemoryAccessRecord {
                    session_id: session.clone(),
                    thread_id: thread.clone(),
                    store_id: store.id.clone(),
                    store_name: store.name.clone(),
                    path: Some(path),
                    kind: MemoryAccessKind::Listed,
                    query: None,
                    time_ms,
                }));
                mounted.push(Mounted { store, access: mount.access });
            }
            if mounted.is_empty() {
                return Ok((String::new(), Vec::new()));
            }
            memory.record_access(&listed)?;
            let tools = Arc::new(MemoryContext { memory: memory.clone(), mounts: mounted, session, thread }).tools();
            Ok((prompt, tools))
        })
        .await
    }

    async fn row(&self, id: &SessionId) -> Result<SessionRow> {
        let (log, id) = (self.log.clone(), id.clone());
        blocking(move || {
            log.session(&id)?.ok_or_else(|| Error::NotFound(format!("Session {} does not exist.", id.as_str())))
        })
        .await
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SessionId, Active>> {
        self.active.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Everything a run starts from.
struct Launch {
    agent: Agent,
    workspace: Workspace,
    session: SessionId,
    thread: ThreadId,
    opening: Opening,
    outcome: Option<OutcomePlan>,
    options: RunOptions,
    /// Subagent threads at once, for a coordinator.
    max_threads: u32,
}

/// An outcome to grade a run against: its definition, the grader's connection, and (after a
/// resume) how far it got.
struct OutcomePlan {
    definition: OutcomeDefinition,
    grader: ProviderConnection,
    finished: u32,
    touched: BTreeSet<String>,
}

/// What a subagent is told about its place.
const SUBAGENT_NOTE: &str = "\n\n## You are a subagent\nA coordinator gave you one part of a larger task; other agents may be working \
in the same folder at the same time, so stay within your part. When you are done, end your turn with a final message that says what \
you did and found: it is all the coordinator sees of your work.";

/// The start of the system prompt's memory section.
const MEMORY_NOTE: &str =
    "\n\n## Memory\nYou have memory: small Markdown files kept between sessions, listed below by store. \
Use memory_search to find what this task needs and memory_read to load it; don't read everything. \
In a store you may write, keep what will help next time (what worked, the user's preferences, pitfalls) \
with memory_write or memory_edit: small files, one topic each, a first line that says what the file is for.\n";

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

fn check_task(task: &str) -> Result<&str> {
    let task = task.trim();
    if task.is_empty() {
        return Err(Error::invalid("task", "Describe the task for the agent."));
    }
    if task.len() > MAX_TASK_BYTES {
        return Err(Error::invalid(
            "task",
            format!(
                "The task is {}; the most a task can be is {}. Put long material in a file in the workspace and ask the agent to read it.",
                human_bytes(task.len()),
                human_bytes(MAX_TASK_BYTES)
            ),
        ));
    }
    Ok(task)
}

fn human_bytes(n: usize) -> String {
    if n >= 1024 * 1024 {
        format!("{:.1} MB", n as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} kB", n.div_ceil(1024))
    }
}
