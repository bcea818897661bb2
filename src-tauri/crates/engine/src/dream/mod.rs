//! Dreams: between runs, re-read the sessions of the agents that mount a memory store, find
//! what recurs, and propose changes to the store. Two structured model calls (extract per
//! session, consolidate against the store) whose prompts live in `dream-prompts/`; the engine
//! checks every proposed operation and computes the diff itself. Nothing reaches memory until
//! the user applies accepted hunks (or the store is in auto mode), always through the memory
//! write path, in one transaction, revertible as a unit.

pub mod proposal;
mod ready;
pub mod redact;
mod review;
pub mod transcript;

pub use ready::{is_ready_for_review, ReadyProposal, ReadyProposals};

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveTime, TimeZone};
use reverie_llm::{complete_structured, model_for, prices, LanguageModel, Message, ModelError, Request, StreamOptions};
use reverie_protocol::{
    Dream, DreamId, DreamInput, DreamMode, DreamSettings, DreamStage, DreamStatus, FileOp, HunkDecision, MemoryStoreId,
    ProposalStatus, ProviderKind, SessionId, SessionStatus,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use self::redact::redact;
use self::transcript::{quoted, render};
use crate::blocking::blocking;
use crate::error::model_error;
use crate::providers::Providers;
use crate::session::EventLog;
use crate::store::dreams as rows;
use crate::{Agents, Clock, Database, Error, Ids, Memory, Result};

/// The most sessions one dream reads; later dreams take the rest.
pub const MAX_SESSIONS: usize = 100;
pub const MAX_INSTRUCTIONS_CHARS: usize = 4096;
/// The stage prompts, versioned files.
pub const EXTRACT_PROMPT: &str = include_str!("../../dream-prompts/extract.v1.md");
pub const CONSOLIDATE_PROMPT: &str = include_str!("../../dream-prompts/consolidate.v1.md");
/// Characters of the store's files shown in full to the consolidate stage; the rest by path.
const STORE_SHOWN_CHARS: usize = 200_000;
const MAX_TOKENS: u32 = 8192;

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

/// What Apply wrote for one file, so Revert can restore it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Applied {
    op: FileOp,
    path: String,
    previous_path: Option<String>,
    before: Option<String>,
    after: Option<String>,
}

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

    pub fn settings(&self, store: &MemoryStoreId) -> Result<DreamSettings> {
        self.memory.check_store(store)?;
        rows::settings(&self.db.conn(), store)
    }

    pub fn set_settings(&self, store: &MemoryStoreId, settings: DreamSettings) -> Result<DreamSettings> {
        self.memory.check_store(store)?;
        if let Some(at) = &settings.daily_at {
            let ok = at.len() == 5
                && at.as_bytes()[2] == b':'
                && at[..2].parse::<u8>().is_ok_and(|h| h < 24)
                && at[3..].parse::<u8>().is_ok_and(|m| m < 60);
            if !ok {
                return Err(Error::invalid(
                    "daily_at",
                    format!("“{at}” is not a time of day; write it as HH:MM, like 03:30."),
                ));
            }
        }
        if let Some(expr) = &settings.cron {
            cron_schedule(expr).map_err(|e| Error::invalid("cron", format!("“{expr}” is not a cron schedule ({e}). Write minute hour day month weekday, like 30 3 * * 1-5.")))?;
        }
        if settings.after_sessions.is_some_and(|n| !(1..=1000).contains(&n)) {
            return Err(Error::invalid("after_sessions", "Dream after between 1 and 1,000 new sessions."));
        }
        rows::set_settings(&self.db.conn(), store, &settings)?;
        Ok(settings)
    }

    /// Finished sessions of the agents mounting the store that no dream has read yet.
    pub fn new_sessions(&self, store: &MemoryStoreId, limit: usize) -> Result<Vec<SessionId>> {
        let agents = self.mounting_ids(store)?;
        rows::undreamed_sessions(&self.db.conn(), store, &agents, limit)
    }

    /// The ids of the agents that mount the store.
    fn mounting_ids(&self, store: &MemoryStoreId) -> Result<Vec<String>> {
        Ok(self
            .agents
            .list()?
            .into_iter()
            .filter(|a| a.memory.iter().any(|m| &m.store_id == store))
            .map(|a| a.id.0)
            .collect())
    }

    async fn mounting(self: &Arc<Self>, store: &MemoryStoreId) -> Result<Vec<String>> {
        let (this, store) = (self.clone(), store.clone());
        blocking(move || this.mounting_ids(&store)).await
    }

    /// Dreams a dead process left pending or running become failed (nothing was written).
    pub fn recover(&self, alive: &dyn Fn(&str) -> bool) -> Result<Vec<DreamId>> {
        Self::recover_in(&self.db, self.clock.now_ms(), alive)
    }

    /// [`Dreams::recover`] before the service exists (at start-up).
    pub fn recover_in(db: &Database, now_ms: i64, alive: &dyn Fn(&str) -> bool) -> Result<Vec<DreamId>> {
        rows::fail_orphans(&db.conn(), now_ms, alive)
    }

    /// Whether any store dreams on a schedule (then closing the window keeps the app running).
    pub fn scheduled(&self) -> Result<bool> {
        // (The settings are read before the stores are checked: one connection at a time.)
        let all = rows::all_settings(&self.db.conn())?;
        Ok(all.iter().any(|(store, s)| {
            (s.daily_at.is_some() || s.cron.is_some() || s.after_sessions.is_some())
                && self.memory.check_store(store).is_ok()
        }))
    }

    /// Stores whose schedule says to dream now: a daily time or a cron time that has come since
    /// their last dream, or enough new sessions; `now` is in the user's time zone. Stores
    /// dreaming already, or with nothing new, are left out.
    pub fn due<Tz: TimeZone>(&self, now: DateTime<Tz>) -> Result<Vec<(MemoryStoreId, DreamMode)>> {
        let now_ms = now.timestamp_millis();
        let midnight_ms = now
            .timezone()
            .from_local_datetime(&now.date_naive().and_time(NaiveTime::MIN))
            .earliest()
            .map(|m| m.timestamp_millis());
        let mut due = Vec::new();
        let all = rows::all_settings(&self.db.conn())?;
        for (store, settings) in all {
            if self.memory.check_store(&store).is_err() {
                continue;
            }
            let latest = rows::list(&self.db.conn(), Some(&store), 1)?;
            let dreaming =
                latest.first().is_some_and(|d| matches!(d.status, DreamStatus::Pending | DreamStatus::Running));
            if dreaming {
                continue;
            }
            // The latest scheduled moment that has come: today's daily time, the cron's last one.
            let daily = settings.daily_at.as_deref().and_then(|at| {
                let minutes = at.get(..2)?.parse::<i64>().ok()? * 60 + at.get(3..)?.parse::<i64>().ok()?;
                Some(midnight_ms? + minutes * 60_000)
            });
            let by_cron = settings.cron.as_deref().and_then(|expr| {
                let schedule = cron_schedule(expr).ok()?;
                let from = now.clone() - chrono::Duration::days(2);
                schedule.after(&from).take_while(|t| *t <= now).last().map(|t| t.timestamp_millis())
            });
            let last = rows::last_started(&self.db.conn(), &store)?;
            let came = |at: Option<i64>| matches!(at, Some(at) if now_ms >= at && last.is_none_or(|last| last < at));
            let by_clock = came(daily) || came(by_cron);
            let wanted = match settings.after_sessions {
                Some(n) if !by_clock => self.new_sessions(&store, n as usize)?.len() >= n as usize,
                _ => by_clock && !self.new_sessions(&store, 1)?.is_empty(),
            };
            if wanted {
                due.push((store, settings.mode));
            }
        }
        Ok(due)
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

    fn prepare(&self, input: DreamInput) -> Result<(Dream, Arc<dyn LanguageModel>)> {
        let store = self.memory.store(&input.store_id).map_err(|e| match e {
            Error::NotFound(_) => {
                Error::invalid("store_id", "Choose a memory store; the one selected no longer exists.")
            }
            other => other,
        })?;
        let instructions = input.instructions.trim().to_owned();
        if instructions.chars().count() > MAX_INSTRUCTIONS_CHARS {
            return Err(Error::invalid(
                "instructions",
                format!(
                    "The instructions are {} characters; a dream takes at most {MAX_INSTRUCTIONS_CHARS}.",
                    instructions.chars().count()
                ),
            ));
        }
        let mounting: Vec<_> =
            self.agents.list()?.into_iter().filter(|a| a.memory.iter().any(|m| m.store_id == store.id)).collect();
        let sessions = if input.sessions.is_empty() {
            let ids: Vec<String> = mounting.iter().map(|a| a.id.0.clone()).collect();
            rows::undreamed_sessions(&self.db.conn(), &store.id, &ids, MAX_SESSIONS)?
        } else {
            if input.sessions.len() > MAX_SESSIONS {
                return Err(Error::invalid("sessions", format!("Pick at most {MAX_SESSIONS} sessions for one dream.")));
            }
            let mut picked = Vec::new();
            for id in &input.sessions {
                let row = self
                    .log
                    .session(id)?
                    .ok_or_else(|| Error::invalid("sessions", format!("Session {} no longer exists.", id.as_str())))?;
                if row.status == SessionStatus::Running {
                    return Err(Error::invalid(
                        "sessions",
                        format!("Session {} is still running; let it finish first.", id.as_str()),
                    ));
                }
                if !picked.contains(id) {
                    picked.push(id.clone());
                }
            }
            picked
        };
        if sessions.is_empty() {
            return Err(Error::invalid(
                "sessions",
                format!("Nothing new to dream about: no session of an agent that mounts “{}” has finished since its last dream.", store.name),
            ));
        }
        let (provider_id, agent_model) = match (&input.provider_id, mounting.first()) {
            (Some(p), _) => (p.clone(), None),
            (None, Some(agent)) => (agent.provider_id.clone(), agent.model.clone()),
            (None, None) => {
                return Err(Error::invalid(
                    "provider_id",
                    "No agent mounts this store, so there is no model to dream with. Choose a provider.",
                ))
            }
        };
        let mut connection = self.providers.connection(&provider_id).map_err(|e| match e {
            Error::NotFound(_) => {
                Error::invalid("provider_id", "The model provider to dream with no longer exists. Choose another.")
            }
            other => other,
        })?;
        if connection.key.is_none() && connection.endpoint.kind == ProviderKind::Anthropic {
            return Err(Error::invalid(
                "provider_id",
                format!(
                    "No API key is set for the provider “{}”. Add one in Settings → Model providers, then dream again.",
                    connection.name
                ),
            ));
        }
        if let Some(model) = input.model.clone().filter(|m| !m.trim().is_empty()).or(agent_model) {
            connection.endpoint.model = model.trim().to_owned();
        }
        let mode = match input.mode {
            Some(mode) => mode,
            None => rows::settings(&self.db.conn(), &store.id)?.mode,
        };
        let dream = Dream {
            id: DreamId(self.ids.new_id("drm")),
            store_id: store.id.clone(),
            status: DreamStatus::Pending,
            mode,
            sessions,
            instructions,
            model: connection.endpoint.model.clone(),
            stage: None,
            processed: 0,
            error: None,
            model_calls: 0,
            usage: Default::default(),
            cost_usd: None,
            created_at: self.clock.now_ms(),
            finished_at: None,
            proposal: None,
        };
        rows::insert(&self.db.conn(), &dream, &provider_id, &self.owner)?;
        let model = model_for(&connection.endpoint, connection.key, self.stream_options);
        Ok((dream, model))
    }

    async fn run(
        self: &Arc<Self>,
        mut dream: Dream,
        model: Arc<dyn LanguageModel>,
        cancel: CancellationToken,
    ) -> Result<Dream> {
        let outcome = self.stages(&mut dream, &*model, &cancel).await;
        dream.finished_at = Some(self.clock.now_ms());
        dream.stage = None;
        match outcome {
            Ok(()) => {}
            Err(Stop::Canceled) => dream.status = DreamStatus::Canceled,
            Err(Stop::Failed(message)) => {
                dream.status = DreamStatus::Failed;
                dream.error = Some(message);
            }
            Err(Stop::Engine(e)) => {
                tracing::error!(error = %e, "a dream failed inside the engine");
                dream.status = DreamStatus::Failed;
                dream.error =
                    Some(format!("The dream stopped on an internal error: {e}. Nothing was written to memory."));
            }
        }
        if dream.status != DreamStatus::Completed {
            self.save(&dream).await?;
        }
        let dream = self.get(&dream.id)?;
        let _ = self.updates.send(dream.clone());
        tracing::info!(dream_id = dream.id.as_str(), status = ?dream.status, "dream ended");
        Ok(dream)
    }

    async fn stages(
        self: &Arc<Self>,
        dream: &mut Dream,
        model: &dyn LanguageModel,
        cancel: &CancellationToken,
    ) -> std::result::Result<(), Stop> {
        dream.status = DreamStatus::Running;
        dream.stage = Some(DreamStage::Extract);
        self.save(dream).await?;
        let system = if dream.instructions.is_empty() {
            EXTRACT_PROMPT.to_owned()
        } else {
            format!("{EXTRACT_PROMPT}\nThe user's instructions for this dream:\n{}", dream.instructions)
        };
        let mut findings: Vec<(SessionId, Finding)> = Vec::new();
        let mut quotes: HashMap<SessionId, HashMap<u64, String>> = HashMap::new();
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
        if cancel.is_cancelled() {
            return Err(Stop::Canceled);
        }
        dream.stage = Some(DreamStage::Consolidate);
        self.save(dream).await?;
        let operations = if findings.is_empty() {
            Vec::new()
        } else {
            let store = self.store_text(&dream.store_id).await?;
            let mut listed = String::new();
            for (session, f) in &findings {
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
            let mut user = format!(
                "## The store's files\n{store}\n## Findings from {} session(s)\n{listed}",
                dream.sessions.len()
            );
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
            consolidation.operations
        };
        if cancel.is_cancelled() {
            return Err(Stop::Canceled);
        }
        dream.stage = Some(DreamStage::Propose);
        self.save(dream).await?;
        let (this, d, q) = (self.clone(), dream.clone(), quotes);
        let mut proposal = blocking(move || this.propose(&d, operations, &q)).await?;
        // Completed: the proposal, the watermark and the dream's end in one transaction.
        dream.status = DreamStatus::Completed;
        dream.stage = None;
        dream.finished_at = Some(self.clock.now_ms());
        let agents = self.mounting(&dream.store_id).await?;
        let (db, d, p) = (self.db.clone(), dream.clone(), proposal.clone());
        blocking(move || {
            let conn = db.conn();
            let tx = crate::store::write_tx(&conn)?;
            rows::insert_proposal(&tx, &p)?;
            rows::mark_dreamed(&tx, &d.store_id, &d.sessions, &d.id, &agents)?;
            rows::progress(&tx, &d)?;
            tx.commit()?;
            Ok(())
        })
        .await?;
        if dream.mode == DreamMode::Auto && proposal.status == ProposalStatus::Ready {
            for file in &mut proposal.files {
                for hunk in &mut file.hunks {
                    hunk.decision = HunkDecision::Accepted;
                }
            }
            let (this, p) = (self.clone(), proposal);
            blocking(move || {
                rows::save_proposal(&this.db.conn(), &p, None)?;
                this.apply(&p.dream_id)
            })
            .await?;
        }
        Ok(())
    }

    /// A structured stage call, retried once with what was wrong; usage is counted.
    async fn structured<T: JsonSchema + serde::de::DeserializeOwned>(
        &self,
        dream: &mut Dream,
        model: &dyn LanguageModel,
        mut request: Request,
        cancel: &CancellationToken,
        stage: &str,
    ) -> std::result::Result<T, Stop> {
        for attempt in 0..2 {
            dream.model_calls += 1;
            match complete_structured::<T>(model, request.clone(), cancel.clone()).await {
                Ok((value, completion)) => {
                    let u = completion.usage;
                    dream.usage.input_tokens += u.input_tokens;
                    dream.usage.output_tokens += u.output_tokens;
                    if let Some(cost) = prices::cost(model.model_id(), &u) {
                        *dream.cost_usd.get_or_insert(0.0) += cost;
                    }
                    return Ok(value);
                }
                Err(ModelError::Cancelled) => return Err(Stop::Canceled),
                Err(ModelError::InvalidResponse { message }) if attempt == 0 => {
                    tracing::warn!(stage, message = message.as_str(), "dream stage output rejected");
                    request.messages.push(Message::user(format!("Your result was not accepted: {message}. Call submit_result again with a result that matches its schema.")));
                }
                Err(ModelError::InvalidResponse { message }) => {
                    // Stored with the dream: key-shaped text in what the model sent is masked.
                    let message = reverie_llm::redact_secrets(&message, &[]);
                    return Err(Stop::Failed(format!("The model's {stage} output did not match what a dream needs, twice: {message}. Nothing was written to memory.")));
                }
                Err(e) => {
                    // The model error's message is a sentence of its own; no second full stop.
                    let message = model_error(&e).message;
                    return Err(Stop::Failed(format!(
                        "The {stage} stage failed: {}. Nothing was written to memory.",
                        message.trim_end().trim_end_matches('.')
                    )));
                }
            }
        }
        Err(Stop::Failed(format!("The {stage} stage failed.")))
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

/// A cron schedule from the usual five fields (minute hour day month weekday, with Sunday 0 or
/// 7 as in crontab); six or seven (seconds first, a year last) are taken as the `cron` crate
/// reads them.
pub fn cron_schedule(expr: &str) -> std::result::Result<cron::Schedule, String> {
    let fields: Vec<&str> = expr.split_whitespace().collect();
    let full = match fields.as_slice() {
        [minute, hour, day, month, weekday] => {
            format!("0 {minute} {hour} {day} {month} {}", crontab_weekdays(weekday)?)
        }
        [_, _, _, _, _, _] | [_, _, _, _, _, _, _] => expr.trim().to_owned(),
        other => return Err(format!("it has {} field{}, not 5", other.len(), if other.len() == 1 { "" } else { "s" })),
    };
    full.parse::<cron::Schedule>().map_err(|e| e.to_string())
}

/// crontab's weekday numbers (0–7, Sunday 0 and 7) as the `cron` crate's (1–7, Sunday 1);
/// names and steps stay as they are.
fn crontab_weekdays(field: &str) -> std::result::Result<String, String> {
    let day = |n: &str| -> std::result::Result<String, String> {
        match n.parse::<u8>() {
            Ok(d @ 0..=7) => Ok(((d % 7) + 1).to_string()),
            Ok(d) => Err(format!("weekday {d} is not between 0 and 7")),
            Err(_) => Ok(n.to_owned()),
        }
    };
    field
        .split(',')
        .map(|item| {
            let (range, step) = match item.split_once('/') {
                Some((range, step)) => (range, Some(step)),
                None => (item, None),
            };
            let range = match range.split_once('-') {
                Some((a, b)) => format!("{}-{}", day(a)?, day(b)?),
                None => day(range)?,
            };
            Ok(match step {
                Some(step) => format!("{range}/{step}"),
                None => range,
            })
        })
        .collect::<std::result::Result<Vec<_>, String>>()
        .map(|items| items.join(","))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crontab_weekdays_become_the_cron_crates() {
        assert_eq!(crontab_weekdays("0").unwrap(), "1");
        assert_eq!(crontab_weekdays("7").unwrap(), "1");
        assert_eq!(crontab_weekdays("1-5").unwrap(), "2-6");
        assert_eq!(crontab_weekdays("0,6").unwrap(), "1,7");
        assert_eq!(crontab_weekdays("*/2").unwrap(), "*/2");
        assert_eq!(crontab_weekdays("MON-FRI").unwrap(), "MON-FRI");
        assert!(crontab_weekdays("9").is_err());
        assert!(cron_schedule("30 3 * * 1-5").is_ok());
        assert_eq!(cron_schedule("every day").unwrap_err(), "it has 2 fields, not 5");
        assert_eq!(cron_schedule("30 3 * *").unwrap_err(), "it has 4 fields, not 5");
        assert_eq!(cron_schedule("daily").unwrap_err(), "it has 1 field, not 5");
        assert!(cron_schedule("0 30 3 * * *").is_ok(), "six fields, seconds first");
    }
}
