//! Dreams: between runs, re-read the sessions of the agents that mount a memory store, find
//! what recurs, and propose changes to the store. Two structured model calls (extract per
//! session, consolidate against the store) whose prompts live in `dream-prompts/`; the engine
//! checks every proposed operation and computes the diff itself. Nothing reaches memory until
//! the user applies accepted hunks (or the store is in auto mode), always through the memory
//! write path, in one transaction, revertible as a unit.
//!
//! By stage, one file each: `prepare` (the input checked, the sessions found, the model chosen),
//! `extract` (per session: its transcript rendered by `transcript`, findings with checked
//! evidence), `consolidate` (the findings against the store: operations), `stages` (the run
//! through them, each model call retried once), `check` (the operations checked, each file's
//! hunks computed by `proposal`), `apply` (decisions, Apply with rebase, Revert), `schedule`
//! (settings and when a store is due) and `ready` (proposals ready for review).

mod apply;
mod check;
mod consolidate;
mod extract;
mod prepare;
pub mod proposal;
mod ready;
pub mod redact;
mod schedule;
mod stages;
pub mod transcript;

pub use consolidate::{Cited, Consolidation, Op, Operation, CONSOLIDATE_PROMPT};
pub use extract::{Extraction, Finding, FindingKind, Quote, EXTRACT_PROMPT};
pub use prepare::{MAX_INSTRUCTIONS_CHARS, MAX_SESSIONS};
pub use ready::{is_ready_for_review, ReadyProposal, ReadyProposals};
pub use schedule::cron_schedule;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use reverie_llm::StreamOptions;
use reverie_protocol::{Dream, DreamId, DreamInput, MemoryStoreId};
use tokio::sync::broadcast;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::blocking::blocking;
use crate::providers::Providers;
use crate::session::EventLog;
use crate::store::dreams as rows;
use crate::{Agents, Clock, Database, Error, Ids, Memory, Result};

/// What [`Dreams`] works with.
pub struct DreamsParts {
    pub db: Arc<Database>,
    pub memory: Memory,
    pub providers: Providers,
    pub agents: Agents,
    pub log: Arc<EventLog>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn Ids>,
    /// This process (see `session::owner`), so a dream left running by a dead one is found.
    pub owner: String,
    pub stream_options: StreamOptions,
}

pub struct Dreams {
    db: Arc<Database>,
    memory: Memory,
    providers: Providers,
    agents: Agents,
    log: Arc<EventLog>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn Ids>,
    owner: String,
    stream_options: StreamOptions,
    active: Mutex<HashMap<DreamId, CancellationToken>>,
    updates: broadcast::Sender<Dream>,
}

/// A started dream and the task that finishes with it.
pub struct StartedDream {
    pub dream: Dream,
    pub done: JoinHandle<Result<Dream>>,
}

/// Why a dream stopped early.
enum Stop {
    Canceled,
    Failed(String),
    Engine(Error),
}

impl From<Error> for Stop {
    fn from(e: Error) -> Self {
        Self::Engine(e)
    }
}

impl Dreams {
    pub fn new(parts: DreamsParts) -> Arc<Self> {
        let DreamsParts { db, memory, providers, agents, log, clock, ids, owner, stream_options } = parts;
        Arc::new(Self {
            db,
            memory,
            providers,
            agents,
            log,
            clock,
            ids,
            owner,
            stream_options,
            active: Mutex::default(),
            updates: broadcast::channel(256).0,
        })
    }

    /// Every change to a dream (progress, the end), for the UI.
    pub fn subscribe(&self) -> broadcast::Receiver<Dream> {
        self.updates.subscribe()
    }

    pub fn list(&self, store: Option<&MemoryStoreId>) -> Result<Vec<Dream>> {
        rows::list(&self.db.conn(), store, 200)
    }

    pub fn get(&self, id: &DreamId) -> Result<Dream> {
        Ok(self.row(id)?.dream)
    }

    fn row(&self, id: &DreamId) -> Result<rows::DreamRow> {
        rows::get(&self.db.conn(), id)?.ok_or_else(|| Error::NotFound(format!("Dream {} does not exist.", id.as_str())))
    }

    /// Dreams a dead process left pending or running become failed (nothing was written).
    pub fn recover(&self, alive: &dyn Fn(&str) -> bool) -> Result<Vec<DreamId>> {
        Self::recover_in(&self.db, self.clock.now_ms(), alive)
    }

    /// [`Dreams::recover`] before the service exists (at start-up).
    pub fn recover_in(db: &Database, now_ms: i64, alive: &dyn Fn(&str) -> bool) -> Result<Vec<DreamId>> {
        rows::fail_orphans(&db.conn(), now_ms, alive)
    }

    /// Starts a dream of `input.store_id` in the background. Bad input, nothing new to read,
    /// or a store already dreaming is an error before anything runs.
    pub async fn start(self: &Arc<Self>, input: DreamInput) -> Result<StartedDream> {
        let this = self.clone();
        let (dream, model) = blocking(move || this.prepare(input)).await?;
        let cancel = CancellationToken::new();
        self.lock().insert(dream.id.clone(), cancel.clone());
        let (this, started) = (self.clone(), dream.clone());
        let done = tokio::spawn(async move {
            let id = started.id.clone();
            let result = this.run(started, model, cancel).await;
            this.lock().remove(&id);
            result
        });
        Ok(StartedDream { dream, done })
    }

    /// How many dreams of this process are working now.
    pub fn active(&self) -> usize {
        self.lock().len()
    }

    /// Stops every dream of this process (the app is quitting); each becomes `canceled`, or
    /// `failed` at the next start if the process ends first.
    pub fn cancel_all(&self) {
        for token in self.lock().values() {
            token.cancel();
        }
    }

    /// Stops a running dream; the store stays as it was and the dream becomes `canceled`.
    pub fn cancel(&self, id: &DreamId) -> Result<()> {
        match self.lock().get(id) {
            Some(token) => {
                token.cancel();
                Ok(())
            }
            None => Err(Error::Conflict { field: None, message: "This dream is not running in this process.".into() }),
        }
    }

    async fn save(&self, dream: &Dream) -> Result<()> {
        let (db, d) = (self.db.clone(), dream.clone());
        blocking(move || rows::progress(&db.conn(), &d)).await?;
        let _ = self.updates.send(dream.clone());
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<DreamId, CancellationToken>> {
        self.active.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// An engine error as the sentence the user reads.
struct AppMessage<'a>(&'a Error);

impl std::fmt::Display for AppMessage<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Error::Invalid { message, .. } => f.write_str(message.trim_end_matches('.')),
            other => write!(f, "{other}"),
        }
    }
}
