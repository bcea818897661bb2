//! Going on with a session: resuming one that stopped (interrupted, or early on an error, a
//! cancel, the turn limit, Reverie quitting) or sending an idle one a follow-up. Before the run
//! goes on, every thread the stopped process left open is closed in the log, so each model
//! request has its end, each tool call its result and each subagent thread a stated status.
//!
//! A run whose end could not be recorded at all (the database refused every write) is left
//! `running` under this process: it is *stranded*. This process reports it as interrupted and
//! resumes it; the next start of any process recovers it as interrupted.

use std::sync::Arc;

use reverie_protocol::{IdleReason, SessionId, SessionStatus, ThreadId};

use super::{RunPlan, Sessions};
use crate::blocking::blocking;
use crate::orchestration::{TeamPlan, DEFAULT_MAX_THREADS};
use crate::outcome::plan::OutcomePlan;
use crate::session::history::{history_from_events, interrupted_closes};
use crate::session::input::{check_message, check_resumed_folder, follow_up};
use crate::session::thread_loop::Opening;
use crate::session::{RunOptions, Started};
use crate::{Error, Result};

impl Sessions {
    /// Resumes a session from its log — one that was interrupted, or that stopped early on an
    /// error, a cancel, the turn limit or Reverie quitting — or gives an idle one a follow-up
    /// message.
    #[tracing::instrument(skip_all, fields(session_id = id.as_str()))]
    pub async fn continue_run(
        self: &Arc<Self>,
        id: &SessionId,
        message: Option<String>,
        options: RunOptions,
    ) -> Result<Started> {
        let mut row = self.row(id).await?;
        if row.status == SessionStatus::Running && self.take_stranded(id) {
            // This process's own run, whose end could not be written: interrupted after all.
            let (log, sid) = (self.log.clone(), id.clone());
            if let Err(e) = blocking(move || log.set_status(&sid, SessionStatus::Interrupted)).await {
                self.strand(id);
                return Err(e);
            }
            row.status = SessionStatus::Interrupted;
        }
        let message = follow_up(message);
        match row.status {
            SessionStatus::Running => {
                return Err(Error::Conflict {
                    field: None,
                    message: "This session is running; wait for it to finish or cancel it.".into(),
                })
            }
            // A finished turn needs something new to say; one that stopped early (an error, a
            // cancel, the turn limit, a quit) or never recorded why it stopped can go on.
            SessionStatus::Idle if message.is_none() && row.stop_reason == Some(IdleReason::EndTurn) => {
                return Err(Error::invalid("message", "Write the message to send to the agent."))
            }
            _ => {}
        }
        if let Some(m) = &message {
            check_message(m)?;
        }
        let workspace = check_resumed_folder(&row.workspace)?;
        let agent_id = row
            .agent_id
            .clone()
            .ok_or_else(|| Error::invalid("id", "This session has no agent to continue with; start a new run."))?;
        // An outcome the log leaves unsettled goes on where it stopped; its grader is checked
        // before the session is claimed.
        let (log, sid) = (self.log.clone(), id.clone());
        let logged = blocking(move || log.read(&sid, 0, usize::MAX)).await?;
        let outcome = OutcomePlan::pending(&self.providers, &logged).await?;
        drop(logged);
        let (this, owner, sid) = (self.clone(), self.owner.id().to_owned(), id.clone());
        let (agent, events, team) = blocking(move || {
            let agent = this.agents.get(&agent_id).map_err(|e| match e {
                Error::NotFound(_) => Error::invalid(
                    "id",
                    "The agent that ran this session was deleted; start a new run with another agent.",
                ),
                other => other,
            })?;
            if !this.log.claim(&sid, &owner)? {
                return Err(Error::Conflict { field: None, message: "This session is already running.".into() });
            }
            // Stranded once but marked interrupted since: nothing is left to take back.
            this.take_stranded(&sid);
            let closed = (|| {
                let mut events = this.log.read(&sid, 0, usize::MAX)?;
                // Close what the stopped process left open, each thread in its own lane.
                for (thread, closes) in interrupted_closes(&events) {
                    events.extend(this.log.append(&sid, &thread, closes)?);
                }
                Ok(events)
            })();
            // A coordinator's team, with the subagent threads of earlier runs.
            let closed = closed.and_then(|events| {
                let team = TeamPlan::load(&this.agents, &agent, &events, DEFAULT_MAX_THREADS)?;
                Ok((events, team))
            });
            match closed {
                Ok((events, team)) => Ok((agent, events, team)),
                Err(e) => {
                    this.release(&sid);
                    Err(e)
                }
            }
        })
        .await?;
        let thread = events.first().map(|e| e.thread_id.clone()).unwrap_or_else(|| ThreadId(self.ids.new_id("thr")));
        let (history, open_calls) = history_from_events(&events, &thread);
        let opening = match (history.is_empty(), message) {
            // Nothing was recorded but the session itself: start over from the task.
            (true, None) => Opening::Task(row.task.clone()),
            (_, follow_up) => Opening::Resume { history, open_calls, follow_up },
        };
        let subscription = self.log.subscribe(id, row.last_seq);
        let plan = RunPlan { agent, workspace, session: id.clone(), thread, opening, outcome, team, options };
        let done = match self.launch(plan).await {
            Ok(done) => done,
            Err(e) => {
                let (this, sid) = (self.clone(), id.clone());
                let _ = blocking(move || {
                    this.release(&sid);
                    Ok(())
                })
                .await;
                return Err(e);
            }
        };
        Ok(Started { summary: self.get(id).await?, done, subscription })
    }

    /// Gives back a session claimed for a resume that could not start: interrupted again, or
    /// stranded when even that can't be written. Blocks (SQLite).
    fn release(&self, id: &SessionId) {
        if let Err(e) = self.log.set_status(id, SessionStatus::Interrupted) {
            tracing::error!(error = %e, "a session claimed for a resume could not be given back");
            self.strand(id);
        }
    }

    /// Notes a run of this process whose end could not be recorded.
    pub(super) fn strand(&self, id: &SessionId) {
        self.stranded().insert(id.clone());
    }

    /// Takes a stranded session back (only one caller gets it).
    pub(super) fn take_stranded(&self, id: &SessionId) -> bool {
        self.stranded().remove(id)
    }

    pub(super) fn is_stranded(&self, id: &SessionId) -> bool {
        self.stranded().contains(id)
    }

    fn stranded(&self) -> std::sync::MutexGuard<'_, std::collections::HashSet<SessionId>> {
        self.stranded.lock().unwrap_or_else(|p| p.into_inner())
    }
}
