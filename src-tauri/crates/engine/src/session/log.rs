//! The event log's rules: an event is written to SQLite first, then fanned out; a subscriber
//! first replays what is stored, then follows live events, and whenever it sees a jump in
//! `seq` (or falls behind the broadcast buffer) it re-reads the store. So a live view never
//! misses, duplicates or reorders an event.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use reverie_protocol::{EventPayload, SessionEvent, SessionId, ThreadId};
use tokio::sync::broadcast;

use crate::store::events::{self as rows, SessionRow};
use crate::{Clock, Database, Result};

/// Live events buffered per session for slow subscribers; past that they re-read the store.
const LIVE_BUFFER: usize = 1024;
/// Events read from the store per query while catching up.
const READ_PAGE: usize = 500;

pub struct EventLog {
    db: Arc<Database>,
    clock: Arc<dyn Clock>,
    live: Mutex<HashMap<SessionId, broadcast::Sender<SessionEvent>>>,
}

impl EventLog {
    pub fn new(db: Arc<Database>, clock: Arc<dyn Clock>) -> Self {
        Self { db, clock, live: Mutex::default() }
    }

    pub fn clock(&self) -> &dyn Clock {
        &*self.clock
    }

    /// Records a new session, status `running`.
    pub fn create_session(&self, id: &SessionId, agent_name: &str, task: &str, workspace: &str) -> Result<SessionRow> {
        let now = self.clock.now_ms();
        let row = SessionRow {
            id: id.clone(),
            agent_name: agent_name.into(),
            task: task.into(),
            workspace: workspace.into(),
            status: "running".into(),
            last_seq: 0,
            created_at: now,
            updated_at: now,
        };
        rows::insert_session(&self.db.conn(), &row)?;
        Ok(row)
    }

    pub fn session(&self, id: &SessionId) -> Result<Option<SessionRow>> {
        rows::get_session(&self.db.conn(), id)
    }

    pub fn set_status(&self, id: &SessionId, status: &str) -> Result<()> {
        rows::set_status(&self.db.conn(), id, status, self.clock.now_ms())
    }

    /// At start-up: sessions a dead process left running become `interrupted`.
    pub fn recover_interrupted(&self) -> Result<Vec<SessionId>> {
        let ids = rows::interrupt_running(&self.db.conn(), self.clock.now_ms())?;
        if !ids.is_empty() {
            tracing::warn!(count = ids.len(), "sessions interrupted by a previous exit");
        }
        Ok(ids)
    }

    /// Writes the events (one transaction), then sends them to live subscribers.
    pub fn append(&self, session: &SessionId, thread: &ThreadId, payloads: Vec<EventPayload>) -> Result<Vec<SessionEvent>> {
        let events = rows::append(&self.db.conn(), session, thread, self.clock.now_ms(), payloads)?;
        if let Some(tx) = self.live().get(session) {
            for event in &events {
                // No receiver is fine: nobody is watching.
                let _ = tx.send(event.clone());
            }
        }
        Ok(events)
    }

    /// Stored events after `after`, at most `limit`.
    pub fn read(&self, session: &SessionId, after: u64, limit: usize) -> Result<Vec<SessionEvent>> {
        rows::read(&self.db.conn(), session, after, limit)
    }

    /// Every event after `after`: the stored ones first, then live ones as they are written.
    pub fn subscribe(self: &Arc<Self>, session: &SessionId, after: u64) -> Subscription {
        // Join the broadcast before reading the store, so nothing falls between the two.
        let rx = self.live().entry(session.clone()).or_insert_with(|| broadcast::channel(LIVE_BUFFER).0).subscribe();
        Subscription { log: self.clone(), session: session.clone(), delivered: after, backlog: Vec::new().into_iter(), catch_up: true, rx }
    }

    fn live(&self) -> std::sync::MutexGuard<'_, HashMap<SessionId, broadcast::Sender<SessionEvent>>> {
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
    rx: broadcast::Receiver<SessionEvent>,
}

impl Subscription {
    /// The next event; waits for one to be written. `Err` only if the store fails.
    pub async fn next(&mut self) -> Result<SessionEvent> {
        loop {
            if let Some(event) = self.backlog.next() {
                if event.seq == self.delivered + 1 {
                    self.delivered = event.seq;
                    return Ok(event);
                }
                continue;
            }
            if self.catch_up {
                let stored = self.log.read(&self.session, self.delivered, READ_PAGE)?;
                // A full page may have more behind it: keep catching up until a short one.
                self.catch_up = stored.len() == READ_PAGE;
                if !stored.is_empty() {
                    self.backlog = stored.into_iter();
                    continue;
                }
            }
            match self.rx.recv().await {
                Ok(event) if event.seq <= self.delivered => {}
                Ok(event) if event.seq == self.delivered + 1 => {
                    self.delivered = event.seq;
                    return Ok(event);
                }
                // A jump in seq, or we fell behind the buffer: the store has everything.
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => self.catch_up = true,
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
