//! [`Sessions`], the service that runs sessions: it starts one from an agent, a folder and a
//! task, cancels it, answers its approvals, resumes it after a crash or sends it a follow-up,
//! and lists and reads them. The app, the CLI and the dev server all drive sessions through it.
//!
//! A run (one start or continue of a session) goes: its input checked (`session::input`), its
//! plan resolved (`outcome::plan`, `orchestration::TeamPlan`), the session recorded, then
//! launched (`launch`): each thread is a [`ThreadLoop`](super::thread_loop::ThreadLoop) with
//! its agent's model, tools, permissions and mounted memory (`Memory::mount`).

mod launch;
mod resume;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use reverie_llm::{model_for, Endpoint, LanguageModel, StreamOptions};
use reverie_protocol::{
    EventPayload, IdleReason, RunInput, SessionEvent, SessionId, SessionStatus, SessionSummary, ThreadId,
};
use secrecy::SecretString;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use self::launch::RunPlan;
use super::input::{check_run, CheckedRun};
use super::permissions::Approvals;
use super::thread_loop::{CancelReason, Opening, RunOutcome};
use super::{EventLog, Owner, Subscription};
use crate::agents::Agents;
use crate::blocking::blocking;
use crate::memory::Memory;
use crate::orchestration::{Team, TeamPlan};
use crate::outcome::plan::OutcomePlan;
use crate::outcome::Rubrics;
use crate::providers::Providers;
use crate::store::events::SessionRow;
use crate::{Error, Ids, Result};

pub use self::launch::system_prompt;

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

/// What [`Sessions`] works with.
pub struct SessionsParts {
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

/// The session service: every session of the data folder, and the runs of this process.
pub struct Sessions {
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
    /// How many runs are active, for [`Sessions::shutdown`] to wait on.
    running: watch::Sender<usize>,
}

impl Sessions {
    pub fn new(parts: SessionsParts) -> Arc<Self> {
        let SessionsParts { log, agents, providers, memory, rubrics, ids, owner, stream_options } = parts;
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
        let CheckedRun { task, workspace, max_threads, outcome } = check_run(&input)?;
        let (agents, agent_id) = (self.agents.clone(), input.agent_id.clone());
        let (agent, team) = blocking(move || {
            let agent = agents.get(&agent_id).map_err(|e| match e {
                Error::NotFound(_) => Error::invalid("agent_id", "Choose an agent; the one selected no longer exists."),
                other => other,
            })?;
            let team = TeamPlan::load(&agents, &agent, &[], max_threads)?;
            Ok((agent, team))
        })
        .await?;
        let outcome = match outcome {
            Some(request) => Some(OutcomePlan::define(&self.rubrics, &self.providers, request, &agent).await?),
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
            .launch(RunPlan {
                agent,
                workspace,
                session: session.clone(),
                thread,
                opening: Opening::Task(task),
                outcome,
                team,
                options,
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

    /// Cancels one subagent thread of a run of this process; the coordinator carries on.
    pub fn cancel_thread(&self, id: &SessionId, thread: &ThreadId) -> Result<()> {
        let team = self.lock().get(id).and_then(|a| a.team.clone());
        match team {
            Some(team) if team.cancel_thread(thread) => Ok(()),
            _ => Err(Error::NotFound("That thread is not running in this app.".into())),
        }
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
