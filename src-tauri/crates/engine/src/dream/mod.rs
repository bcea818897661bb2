//! Dreams: between runs, re-read the sessions of the agents that mount a memory store, find
//! what recurs, and propose changes to the store. Two structured model calls (extract per
//! session, consolidate against the store) whose prompts live in `dream-prompts/`; the engine
//! checks every proposed operation and computes the diff itself. Nothing reaches memory until
//! the user applies accepted hunks (or the store is in auto mode), always through the memory
//! write path, in one transaction, revertible as a unit.

pub mod proposal;
pub mod redact;
pub mod transcript;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use reverie_llm::{complete_structured, model_for, prices, LanguageModel, Message, ModelError, Request, StreamOptions};
use reverie_protocol::{
    ApplyReport, Dream, DreamId, DreamInput, DreamMode, DreamSettings, DreamStage, DreamStatus, Evidence, FileChange, FileOp, HunkDecision,
    MemoryStoreId, Proposal, ProposalStatus, ProviderKind, SessionId, SessionStatus,
};
use chrono::{DateTime, NaiveTime, TimeZone};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use self::proposal::{apply_chosen, around, file_change, rebase};
use self::redact::redact;
use self::transcript::{quoted, render};
use crate::error::model_error;
use crate::memory::{paths, sha256, Actor, Change, MAX_FILE_BYTES};
use crate::providers::{blocking, Providers};
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
        Arc::new(Self { db, memory, providers, agents, log, clock, ids, owner, stream_options, active: Mutex::default(), updates: broadcast::channel(256).0 })
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
                return Err(Error::invalid("daily_at", format!("“{at}” is not a time of day; write it as HH:MM, like 03:30.")));
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
        Ok(self.agents.list()?.into_iter().filter(|a| a.memory.iter().any(|m| &m.store_id == store)).map(|a| a.id.0).collect())
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
        Ok(all.iter().any(|(store, s)| (s.daily_at.is_some() || s.cron.is_some() || s.after_sessions.is_some()) && self.memory.check_store(store).is_ok()))
    }

    /// Stores whose schedule says to dream now: a daily time or a cron time that has come since
    /// their last dream, or enough new sessions; `now` is in the user's time zone. Stores
    /// dreaming already, or with nothing new, are left out.
    pub fn due<Tz: TimeZone>(&self, now: DateTime<Tz>) -> Result<Vec<(MemoryStoreId, DreamMode)>> {
        let now_ms = now.timestamp_millis();
        let midnight_ms = now.timezone().from_local_datetime(&now.date_naive().and_time(NaiveTime::MIN)).earliest().map(|m| m.timestamp_millis());
        let mut due = Vec::new();
        let all = rows::all_settings(&self.db.conn())?;
        for (store, settings) in all {
            if self.memory.check_store(&store).is_err() {
                continue;
            }
            let latest = rows::list(&self.db.conn(), Some(&store), 1)?;
            let dreaming = latest.first().is_some_and(|d| matches!(d.status, DreamStatus::Pending | DreamStatus::Running));
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
            Error::NotFound(_) => Error::invalid("store_id", "Choose a memory store; the one selected no longer exists."),
            other => other,
        })?;
        let instructions = input.instructions.trim().to_owned();
        if instructions.chars().count() > MAX_INSTRUCTIONS_CHARS {
            return Err(Error::invalid(
                "instructions",
                format!("The instructions are {} characters; a dream takes at most {MAX_INSTRUCTIONS_CHARS}.", instructions.chars().count()),
            ));
        }
        let mounting: Vec<_> = self.agents.list()?.into_iter().filter(|a| a.memory.iter().any(|m| m.store_id == store.id)).collect();
        let sessions = if input.sessions.is_empty() {
            let ids: Vec<String> = mounting.iter().map(|a| a.id.0.clone()).collect();
            rows::undreamed_sessions(&self.db.conn(), &store.id, &ids, MAX_SESSIONS)?
        } else {
            if input.sessions.len() > MAX_SESSIONS {
                return Err(Error::invalid("sessions", format!("Pick at most {MAX_SESSIONS} sessions for one dream.")));
            }
            let mut picked = Vec::new();
            for id in &input.sessions {
                let row = self.log.session(id)?.ok_or_else(|| Error::invalid("sessions", format!("Session {} no longer exists.", id.as_str())))?;
                if row.status == SessionStatus::Running {
                    return Err(Error::invalid("sessions", format!("Session {} is still running; let it finish first.", id.as_str())));
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
            (None, None) => return Err(Error::invalid("provider_id", "No agent mounts this store, so there is no model to dream with. Choose a provider.")),
        };
        let mut connection = self.providers.connection(&provider_id).map_err(|e| match e {
            Error::NotFound(_) => Error::invalid("provider_id", "The model provider to dream with no longer exists. Choose another."),
            other => other,
        })?;
        if connection.key.is_none() && connection.endpoint.kind == ProviderKind::Anthropic {
            return Err(Error::invalid(
                "provider_id",
                format!("No API key is set for the provider “{}”. Add one in Settings → Model providers, then dream again.", connection.name),
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

    async fn run(self: &Arc<Self>, mut dream: Dream, model: Arc<dyn LanguageModel>, cancel: CancellationToken) -> Result<Dream> {
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
                dream.error = Some(format!("The dream stopped on an internal error: {e}. Nothing was written to memory."));
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

    async fn stages(self: &Arc<Self>, dream: &mut Dream, model: &dyn LanguageModel, cancel: &CancellationToken) -> std::result::Result<(), Stop> {
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
                let cites: Vec<String> = f.evidence.iter().map(|q| format!("(session_id {}, seq {}, “{}”)", session.as_str(), q.seq, q.quote)).collect();
                listed.push_str(&format!("- [{}] {} {}\n", serde_json::to_value(f.kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(), f.text, cites.join(" ")));
            }
            let mut user = format!("## The store's files\n{store}\n## Findings from {} session(s)\n{listed}", dream.sessions.len());
            if !dream.instructions.is_empty() {
                user.push_str(&format!("\n## The user's instructions\n{}\n", dream.instructions));
            }
            let request = Request { system: CONSOLIDATE_PROMPT.to_owned(), messages: vec![Message::user(user)], max_tokens: MAX_TOKENS * 2, ..Default::default() };
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
            let tx = conn.unchecked_transaction()?;
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
                    return Err(Stop::Failed(format!("The model's {stage} output did not match what a dream needs, twice: {message}. Nothing was written to memory.")))
                }
                Err(e) => return Err(Stop::Failed(format!("The {stage} stage failed: {}. Nothing was written to memory.", model_error(&e).message))),
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

    /// Checks the model's operations against the store and computes each file's hunks.
    fn propose(&self, dream: &Dream, operations: Vec<Operation>, quotes: &HashMap<SessionId, HashMap<u64, String>>) -> Result<Proposal> {
        let store = self.memory.store(&dream.store_id)?;
        let mut files: Vec<FileChange> = Vec::new();
        let mut dropped = Vec::new();
        let mut touched: HashSet<String> = HashSet::new();
        let mut file_count = u64::from(store.files);
        let limits = self.memory.limits();
        for operation in operations {
            let Operation { op, path, new_path, content, rationale, evidence } = operation;
            let shown = path.trim().to_owned();
            let path = match paths::check_path(&path, "path") {
                Ok(p) => p,
                Err(e) => {
                    dropped.push(format!("{shown}: {} It was left out.", AppMessage(&e)));
                    continue;
                }
            };
            if !touched.insert(path.clone()) {
                dropped.push(format!("{path}: a second change to the same file was left out."));
                continue;
            }
            let current = match self.memory.read(&store.id, &path) {
                Ok(file) => Some(file),
                Err(Error::NotFound(_)) => None,
                Err(e) => return Err(e),
            };
            let evidence: Vec<Evidence> = evidence
                .into_iter()
                .filter_map(|c| {
                    let session = SessionId(c.session_id.trim().to_owned());
                    let text = quotes.get(&session)?.get(&c.seq)?;
                    quoted(text, &c.quote).then(|| Evidence { session_id: session, seq: c.seq, quote: redact(c.quote.trim()) })
                })
                .collect();
            let index = files.len();
            let change = match (op, current) {
                (Op::Create | Op::Update, current) => {
                    let new = redact(content.as_deref().unwrap_or_default());
                    if new.trim().is_empty() {
                        dropped.push(format!("{path}: a {} without content was left out.", if op == Op::Create { "create" } else { "update" }));
                        continue;
                    }
                    if new.len() > limits.file_bytes {
                        dropped.push(format!("{path}: the new content is {} kB, over the {} kB a memory file may hold. It was left out.", new.len() / 1000, limits.file_bytes / 1000));
                        continue;
                    }
                    match current {
                        Some(file) if file.content == new => continue,
                        Some(file) => file_change(index, FileOp::Update, path, None, Some(file.sha256), file.content, new),
                        None => {
                            if file_count >= limits.files {
                                dropped.push(format!("{path}: the store is at its limit of {} file(s); the new file was left out.", limits.files));
                                continue;
                            }
                            file_count += 1;
                            file_change(index, FileOp::Create, path, None, None, String::new(), new)
                        }
                    }
                }
                (Op::Delete, Some(file)) => file_change(index, FileOp::Delete, path, None, Some(file.sha256), file.content, String::new()),
                (Op::Delete, None) => {
                    dropped.push(format!("{path}: deleting a file that does not exist was left out."));
                    continue;
                }
                (Op::Rename, Some(file)) => {
                    let to = match new_path.as_deref().map(|p| paths::check_path(p, "new_path")) {
                        Some(Ok(to)) => to,
                        Some(Err(e)) => {
                            dropped.push(format!("{path}: the new path {}. It was left out.", AppMessage(&e)));
                            continue;
                        }
                        None => {
                            dropped.push(format!("{path}: a rename without a new path was left out."));
                            continue;
                        }
                    };
                    if self.memory.read(&store.id, &to).is_ok() || !touched.insert(to.clone()) {
                        dropped.push(format!("{path}: renaming onto {to}, which exists, was left out."));
                        continue;
                    }
                    file_change(index, FileOp::Rename, to, Some(path), Some(file.sha256), file.content.clone(), file.content)
                }
                (Op::Rename, None) => {
                    dropped.push(format!("{path}: renaming a file that does not exist was left out."));
                    continue;
                }
            };
            files.push(FileChange { rationale: redact(rationale.trim()), evidence, ..change });
        }
        let status = if files.is_empty() { ProposalStatus::Empty } else { ProposalStatus::Ready };
        Ok(Proposal { dream_id: dream.id.clone(), store_id: dream.store_id.clone(), status, files, dropped, created_at: self.clock.now_ms(), applied_at: None })
    }

    pub fn proposal(&self, id: &DreamId) -> Result<Proposal> {
        rows::proposal(&self.db.conn(), id)?.ok_or_else(|| Error::NotFound(format!("Dream {} has no proposal.", id.as_str())))
    }

    /// Accepts, rejects or resets hunks of a proposal awaiting review; `edited` (one hunk,
    /// accepted) replaces the hunk's new lines.
    pub fn decide(&self, id: &DreamId, hunks: &[String], decision: HunkDecision, edited: Option<String>) -> Result<Proposal> {
        let mut p = self.proposal(id)?;
        if p.status != ProposalStatus::Ready {
            return Err(Error::Conflict { field: None, message: "This proposal was already applied or rejected.".into() });
        }
        if !matches!(decision, HunkDecision::Accepted | HunkDecision::Rejected | HunkDecision::Pending) {
            return Err(Error::invalid("decision", "A hunk can be accepted, rejected or reset to pending."));
        }
        if edited.is_some() && (hunks.len() != 1 || decision != HunkDecision::Accepted) {
            return Err(Error::invalid("edited", "Edit one hunk at a time, and accept it."));
        }
        if let Some(text) = &edited {
            if text.len() > MAX_FILE_BYTES {
                return Err(Error::invalid("edited", "The edit is over the 100 kB a memory file may hold."));
            }
        }
        for wanted in hunks {
            let hunk = p
                .files
                .iter_mut()
                .flat_map(|f| f.hunks.iter_mut())
                .find(|h| &h.id == wanted)
                .ok_or_else(|| Error::NotFound(format!("The proposal has no hunk {wanted}.")))?;
            hunk.decision = decision;
            hunk.edited = if decision == HunkDecision::Accepted { edited.clone().or(hunk.edited.take()) } else { None };
        }
        rows::save_proposal(&self.db.conn(), &p, None)?;
        Ok(p)
    }

    /// Writes every accepted hunk, in one transaction, as new versions by `dream:<id>`. A file
    /// changed since the proposal was made takes the hunks that still apply (rebased); the
    /// others become conflicts, and nothing is written over newer content.
    pub fn apply(&self, id: &DreamId) -> Result<(Proposal, ApplyReport)> {
        let mut p = self.proposal(id)?;
        if p.status != ProposalStatus::Ready {
            return Err(Error::Conflict { field: None, message: "This proposal was already applied or rejected.".into() });
        }
        let store = p.store_id.clone();
        let mut changes: Vec<(Change, Option<String>)> = Vec::new();
        let mut applied: Vec<Applied> = Vec::new();
        let mut conflicts = Vec::new();
        for file in &mut p.files {
            for hunk in &mut file.hunks {
                if hunk.decision == HunkDecision::Pending {
                    hunk.decision = HunkDecision::Rejected;
                }
            }
            if !file.hunks.iter().any(|h| h.decision == HunkDecision::Accepted) {
                continue;
            }
            let source = file.previous_path.clone().unwrap_or_else(|| file.path.clone());
            let current = match self.memory.read(&store, &source) {
                Ok(f) => Some(f),
                Err(Error::NotFound(_)) => None,
                Err(e) => return Err(e),
            };
            let current_sha = current.as_ref().map(|f| f.sha256.clone());
            let unchanged = current_sha == file.base_sha256;
            match file.op {
                FileOp::Create | FileOp::Update => {
                    let before = current.as_ref().map(|f| f.content.clone());
                    let text = if unchanged {
                        let text = apply_chosen(file, |h| h.decision == HunkDecision::Accepted);
                        for h in file.hunks.iter_mut().filter(|h| h.decision == HunkDecision::Accepted) {
                            h.decision = HunkDecision::Applied;
                        }
                        Some(text)
                    } else {
                        let mut text = before.clone().unwrap_or_default();
                        let mut any = false;
                        let snapshot = file.clone();
                        for h in file.hunks.iter_mut().filter(|h| h.decision == HunkDecision::Accepted) {
                            match rebase(&text, &snapshot, h) {
                                Some(rebased) => {
                                    text = rebased;
                                    h.decision = HunkDecision::Applied;
                                    any = true;
                                }
                                None => {
                                    h.decision = HunkDecision::Conflict;
                                    h.theirs = Some(around(before.as_deref().unwrap_or_default(), &h.hunk));
                                    conflicts.push(h.id.clone());
                                }
                            }
                        }
                        any.then_some(text)
                    };
                    if let Some(text) = text {
                        if text.trim().is_empty() {
                            if current.is_some() {
                                changes.push((Change::Delete { path: file.path.clone() }, current_sha));
                                applied.push(Applied { op: FileOp::Delete, path: file.path.clone(), previous_path: None, before, after: None });
                            }
                        } else {
                            changes.push((Change::Write { path: file.path.clone(), content: text.clone() }, current_sha));
                            let op = if current.is_some() { FileOp::Update } else { FileOp::Create };
                            applied.push(Applied { op, path: file.path.clone(), previous_path: None, before, after: Some(text) });
                        }
                    }
                }
                FileOp::Delete | FileOp::Rename => {
                    let target_free = file.op == FileOp::Delete || self.memory.read(&store, &file.path).is_err();
                    let hunk = &mut file.hunks[0];
                    if unchanged && target_free && current.is_some() {
                        hunk.decision = HunkDecision::Applied;
                        let before = current.map(|f| f.content);
                        if file.op == FileOp::Delete {
                            changes.push((Change::Delete { path: file.path.clone() }, current_sha));
                            applied.push(Applied { op: FileOp::Delete, path: file.path.clone(), previous_path: None, before, after: None });
                        } else {
                            changes.push((Change::Rename { from: source.clone(), to: file.path.clone() }, current_sha));
                            applied.push(Applied { op: FileOp::Rename, path: file.path.clone(), previous_path: Some(source.clone()), after: before.clone(), before });
                        }
                    } else {
                        hunk.decision = HunkDecision::Conflict;
                        hunk.theirs = current.map(|f| f.content);
                        conflicts.push(hunk.id.clone());
                    }
                }
            }
        }
        let now = self.clock.now_ms();
        if changes.is_empty() && conflicts.is_empty() {
            p.status = ProposalStatus::Rejected;
            p.applied_at = Some(now);
            rows::save_proposal(&self.db.conn(), &p, None)?;
            let _ = self.updates.send(self.get(id)?);
            return Ok((p, ApplyReport { versions: Vec::new(), conflicts }));
        }
        p.status = ProposalStatus::Applied;
        p.applied_at = Some(now);
        let record = serde_json::to_string(&applied).map_err(|e| Error::Internal(e.to_string()))?;
        let saved = p.clone();
        let versions = if changes.is_empty() {
            rows::save_proposal(&self.db.conn(), &saved, Some(&record))?;
            Vec::new()
        } else {
            self.memory.apply_all_with(&store, changes, &Actor::Dream(id.as_str().to_owned()), |conn, _| rows::save_proposal(conn, &saved, Some(&record)))?
        };
        let _ = self.updates.send(self.get(id)?);
        Ok((p, ApplyReport { versions: versions.into_iter().map(|v| v.id).collect(), conflicts }))
    }

    /// Undoes an applied proposal: new versions that restore what each file held before.
    /// A file changed since takes the reverse hunks that still apply; the rest are conflicts.
    pub fn revert(&self, id: &DreamId) -> Result<(Proposal, ApplyReport)> {
        let mut p = self.proposal(id)?;
        if p.status != ProposalStatus::Applied {
            return Err(Error::Conflict { field: None, message: "Only an applied proposal can be reverted.".into() });
        }
        let applied: Vec<Applied> = serde_json::from_str(&rows::applied(&self.db.conn(), id)?).map_err(|e| Error::Internal(e.to_string()))?;
        let store = p.store_id.clone();
        let mut changes = Vec::new();
        let mut conflicts = Vec::new();
        let read = |path: &str| match self.memory.read(&store, path) {
            Ok(f) => Ok(Some(f)),
            Err(Error::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        };
        for a in applied.iter().rev() {
            let current = read(&a.path)?;
            let current_sha = current.as_ref().map(|f| f.sha256.clone());
            let as_applied = current_sha == a.after.as_deref().map(sha256);
            match a.op {
                FileOp::Create if as_applied => changes.push((Change::Delete { path: a.path.clone() }, current_sha)),
                FileOp::Update if as_applied => {
                    changes.push((Change::Write { path: a.path.clone(), content: a.before.clone().unwrap_or_default() }, current_sha))
                }
                FileOp::Update => {
                    // Edited since: take the dream's change back out where it still applies.
                    let reverse = file_change(0, FileOp::Update, a.path.clone(), None, None, a.after.clone().unwrap_or_default(), a.before.clone().unwrap_or_default());
                    let mut text = current.as_ref().map(|f| f.content.clone()).unwrap_or_default();
                    let mut clean = true;
                    for h in &reverse.hunks {
                        match rebase(&text, &reverse, h) {
                            Some(t) => text = t,
                            None => clean = false,
                        }
                    }
                    if clean && current.is_some() {
                        changes.push((Change::Write { path: a.path.clone(), content: text }, current_sha));
                    } else {
                        conflicts.push(a.path.clone());
                    }
                }
                FileOp::Delete if current.is_none() => changes.push((Change::Write { path: a.path.clone(), content: a.before.clone().unwrap_or_default() }, None)),
                FileOp::Rename if as_applied && read(a.previous_path.as_deref().unwrap_or_default())?.is_none() => {
                    changes.push((Change::Rename { from: a.path.clone(), to: a.previous_path.clone().unwrap_or_default() }, current_sha))
                }
                _ => conflicts.push(a.path.clone()),
            }
        }
        p.status = ProposalStatus::Reverted;
        let saved = p.clone();
        let versions = self.memory.apply_all_with(&store, changes, &Actor::User, |conn, _| rows::save_proposal(conn, &saved, None))?;
        let _ = self.updates.send(self.get(id)?);
        Ok((p, ApplyReport { versions: versions.into_iter().map(|v| v.id).collect(), conflicts }))
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
        [minute, hour, day, month, weekday] => format!("0 {minute} {hour} {day} {month} {}", crontab_weekdays(weekday)?),
        _ => expr.trim().to_owned(),
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
        assert!(cron_schedule("every day").is_err());
    }
}
