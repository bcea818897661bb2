//! The event log's rules: an event is written to SQLite first, then fanned out; a subscriber
//! first replays what is stored, then follows live events, and whenever it sees a jump in
//! `seq` (or falls behind the broadcast buffer) it re-reads the store. So a live view never
//! misses, duplicates or reorders an event. A session run by another process (the CLI while
//! the app watches) reaches a subscriber through the store: it re-reads it when no live event
//! came for [`POLL_INTERVAL`].
//!
//! Streamed text is not stored event by event: it goes to live subscribers as deltas, and the
//! `agent.message` written at the end holds it whole.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use reverie_protocol::{EventPayload, SessionEvent, SessionId, SessionStatus, StreamItem, ThreadId};
use tokio::sync::broadcast;

use crate::store::events::{self as rows, SessionRow};
use crate::{Clock, Database, Result};

/// Live events buffered per session for slow subscribers; past that they re-read the store.
const LIVE_BUFFER: usize = 1024;
/// Events read from the store per query while catching up.
const READ_PAGE: usize = 500;
/// How long a subscriber waits for a live event before it looks in the store, where another
/// process's events land. Short enough to feel live, long enough to cost nothing.
pub const POLL_INTERVAL: Duration = Duration::from_millis(400);

/// What goes out to live subscribers. A delta carries the `seq` of the last event written
/// before it, so a subscriber passes it on only in its place.
#[derive(Debug, Clone)]
enum Live {
    Event(SessionEvent),
    TextDelta { after: u64, thread: ThreadId, text: String },
}

/// A watched session's live fan-out, and the last `seq` written through this log since it was
/// first watched (`None` until then: deltas are held back until their place is known).
/// Only watched sessions have one; the last subscriber to go removes it.
struct Channel {
    tx: broadcast::Sender<Live>,
    last_seq: Option<u64>,
}

impl Channel {
    fn new() -> Self {
        Self { tx: broadcast::channel(LIVE_BUFFER).0, last_seq: None }
    }
}

/// Decides whether a write of the log fails, as if the database had refused it: given the
/// session and the events about to be written (none for a status change). Tests use it to make
/// a write fail at an exact point; see [`EventLog::inject_write_faults`].
pub type WriteFault = Box<dyn Fn(&SessionId, &[EventPayload]) -> Result<()> + Send + Sync>;

pub struct EventLog {
    db: Arc<Database>,
    clock: Arc<dyn Clock>,
    live: Mutex<HashMap<SessionId, Channel>>,
    fault: OnceLock<WriteFault>,
}

impl EventLog {
    pub fn new(db: Arc<Database>, clock: Arc<dyn Clock>) -> Self {
        Self { db, clock, live: Mutex::default(), fault: OnceLock::new() }
    }

    /// Fault injection, for tests: every later append and status change asks `fault` first
    /// and fails with its error. Set once per log; false if one was already set.
    #[doc(hidden)]
    pub fn inject_write_faults(&self, fault: WriteFault) -> bool {
        self.fault.set(fault).is_ok()
    }

    fn check_write(&self, session: &SessionId, payloads: &[EventPayload]) -> Result<()> {
        match self.fault.get() {
            Some(fault) => fault(session, payloads),
            None => Ok(()),
        }
    }

    pub fn clock(&self) -> &dyn Clock {
        &*self.clock
    }

    /// Records a new session, status `running`, with no owner (tests and benches; runs use
    /// [`EventLog::insert_session`]).
    pub fn create_session(&self, id: &SessionId, agent_name: &str, task: &str, workspace: &str) -> Result<SessionRow> {
        let row = SessionRow::new(id.clone(), None, agent_name, task, workspace, None, self.clock.now_ms());
        self.insert_session(&row)?;
        Ok(row)
    }

    pub fn insert_session(&self, row: &SessionRow) -> Result<()> {
        rows::insert_session(&self.db.conn(), row)
    }

    pub fn session(&self, id: &SessionId) -> Result<Option<SessionRow>> {
        rows::get_session(&self.db.conn(), id)
    }

    /// Sessions, newest first.
    pub fn sessions(&self, limit: usize) -> Result<Vec<SessionRow>> {
        rows::list_sessions(&self.db.conn(), limit)
    }

    pub fn set_status(&self, id: &SessionId, status: SessionStatus) -> Result<()> {
        self.check_write(id, &[])?;
        rows::set_status(&self.db.conn(), id, status, self.clock.now_ms())
    }

    /// Makes `owner` the runner of a session that is not running; false if it is.
    pub fn claim(&self, id: &SessionId, owner: &str) -> Result<bool> {
        rows::claim(&self.db.conn(), id, owner, self.clock.now_ms())
    }

    /// At start-up: sessions left running by a process that is gone become `interrupted`.
    /// `alive` tells whether a session's owner still runs (see `session::owner`).
    pub fn recover_interrupted(&self, alive: &dyn Fn(&str) -> bool) -> Result<Vec<SessionId>> {
        let ids = rows::interrupt_orphans(&self.db.conn(), self.clock.now_ms(), alive)?;
        if !ids.is_empty() {
            tracing::warn!(count = ids.len(), "sessions interrupted by a process that exited");
        }
        Ok(ids)
    }

    /// Writes the events (one transaction), then sends them to live subscribers.
    pub fn append(
        &self,
        session: &SessionId,
        thread: &ThreadId,
        payloads: Vec<EventPayload>,
    ) -> Result<Vec<SessionEvent>> {
        self.check_write(session, &payloads)?;
        let events = rows::append(&self.db.conn(), session, thread, self.clock.now_ms(), payloads)?;
        if let Some(channel) = self.live().get_mut(session) {
            for event in &events {
                channel.last_seq = Some(channel.last_seq.unwrap_or(0).max(event.seq));
                let _ = channel.tx.send(Live::Event(event.clone()));
            }
        }
        Ok(events)
    }

    /// Sends streamed text to live subscribers only; the `agent.message` appended when the
    /// text is complete is what is stored.
    pub fn publish_delta(&self, session: &SessionId, thread: &ThreadId, text: &str) {
        if let Some(Channel { tx, last_seq: Some(after) }) = self.live().get(session) {
            let _ = tx.send(Live::TextDelta { after: *after, thread: thread.clone(), text: text.to_owned() });
        }
    }

    /// Stored events after `after`, at most `limit`.
    pub fn read(&self, session: &SessionId, after: u64, limit: usize) -> Result<Vec<SessionEvent>> {
        rows::read(&self.db.conn(), session, after, limit)
    }

    /// Every event after `after`: the stored ones first, then live ones as they are written.
    pub fn subscribe(self: &Arc<Self>, session: &SessionId, after: u64) -> Subscription {
        // Join the broadcast before reading the store, so nothing falls between the two.
        let rx = self.live().entry(session.clone()).or_insert_with(Channel::new).tx.subscribe();
        Subscription {
            log: self.clone(),
            session: session.clone(),
            delivered: after,
            backlog: Vec::new().into_iter(),
            catch_up: true,
            rx,
        }
    }

    fn live(&self) -> std::sync::MutexGuard<'_, HashMap<SessionId, Channel>> {
        self.live.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A live view of one session's log, in `seq` order, without gaps or duplicates.
pub struct Subscription {
    log: Arc<EventLog>,
    session: SessionId,
    delivered: u64,
    backlog: std::vec::IntoIter<SessionEvent>,
    /// Read the store before waiting: at the start, and after a gap or a lag.
    catch_up: bool,
    rx: broadcast::Receiver<Live>,
}

impl Subscription {
    /// The next event; waits for one to be written. `Err` only if the store fails.
    pub async fn next(&mut self) -> Result<SessionEvent> {
        loop {
            if let StreamItem::Event { event } = self.next_item().await? {
                return Ok(event);
            }
        }
    }

    /// The next event or live text delta. A delta is passed on only right after the event it
    /// followed; one missed while catching up is harmless, as the `agent.message` that follows
    /// holds the whole text.
    pub async fn next_item(&mut self) -> Result<StreamItem> {
        loop {
            if let Some(event) = self.backlog.next() {
                if event.seq == self.delivered + 1 {
                    self.delivered = event.seq;
                    return Ok(StreamItem::Event { event });
                }
                continue;
            }
            if self.catch_up {
                // SQLite blocks: read off the async runtime.
                let (log, session, after) = (self.log.clone(), self.session.clone(), self.delivered);
                let stored = tokio::task::spawn_blocking(move || log.read(&session, after, READ_PAGE))
                    .await
                    .map_err(|e| crate::Error::Internal(format!("the event reader stopped: {e}")))??;
                // A full page may have more behind it: keep catching up until a short one.
                self.catch_up = stored.len() == READ_PAGE;
                if !stored.is_empty() {
                    self.backlog = stored.into_iter();
                    continue;
                }
            }
            let received = match tokio::time::timeout(POLL_INTERVAL, self.rx.recv()).await {
                Ok(received) => received,
                // Quiet for a while: another process may be writing this session.
                Err(_) => {
                    self.catch_up = true;
                    continue;
                }
            };
            match received {
                Ok(Live::TextDelta { after, thread, text }) => {
                    if !self.catch_up && after == self.delivered {
                        return Ok(StreamItem::TextDelta { thread_id: thread, text });
                    }
                }
                Ok(Live::Event(event)) if event.seq <= self.delivered => {}
                Ok(Live::Event(event)) if event.seq == self.delivered + 1 => {
                    self.delivered = event.seq;
                    return Ok(StreamItem::Event { event });
                }
                // A jump in seq, or we fell behind the buffer: the store has everything.
                Ok(Live::Event(_)) | Err(broadcast::error::RecvError::Lagged(_)) => self.catch_up = true,
                Err(broadcast::error::RecvError::Closed) => {
                    return Err(crate::Error::Internal("the event log was closed".into()));
                }
            }
        }
    }

    /// The last `seq` handed out.
    pub fn delivered(&self) -> u64 {
        self.delivered
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut live = self.log.live();
        // This receiver still counts until the fields drop: it was the last one.
        if live.get(&self.session).is_some_and(|c| c.tx.receiver_count() <= 1) {
            live.remove(&self.session);
        }
    }
}
