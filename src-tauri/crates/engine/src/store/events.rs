//! The `sessions` and `events` tables: the append-only log.

use reverie_protocol::{
    AgentId, EventPayload, IdleReason, SessionEvent, SessionId, SessionStatus, SessionSummary, ThreadId, TokenUsage,
};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::Value;

use crate::{Error, Result};

/// The version written with every payload; readers branch on it when the shape changes.
pub const PAYLOAD_VERSION: i64 = 1;

/// A session as stored: what it is, who runs it, and the totals kept as events are appended.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRow {
    pub id: SessionId,
    pub agent_id: Option<AgentId>,
    pub agent_name: String,
    pub task: String,
    pub workspace: String,
    pub status: SessionStatus,
    /// The process running it (see `session::owner`).
    pub owner: Option<String>,
    pub stop_reason: Option<IdleReason>,
    pub turns: u32,
    pub usage: TokenUsage,
    pub cost_usd: Option<f64>,
    pub duration_ms: u64,
    pub running_since: Option<i64>,
    pub last_seq: u64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl SessionRow {
    /// A new session that `owner` is about to run.
    pub fn new(
        id: SessionId,
        agent_id: Option<AgentId>,
        agent_name: &str,
        task: &str,
        workspace: &str,
        owner: Option<String>,
        now: i64,
    ) -> Self {
        Self {
            id,
            agent_id,
            agent_name: agent_name.into(),
            task: task.into(),
            workspace: workspace.into(),
            status: SessionStatus::Running,
            owner,
            stop_reason: None,
            turns: 0,
            usage: TokenUsage::default(),
            cost_usd: None,
            duration_ms: 0,
            running_since: None,
            last_seq: 0,
            created_at: now,
            updated_at: now,
        }
    }

    pub fn summary(&self) -> SessionSummary {
        const PREVIEW_CHARS: usize = 200;
        let task_preview = match self.task.char_indices().nth(PREVIEW_CHARS) {
            Some((at, _)) => format!("{}…", &self.task[..at]),
            None => self.task.clone(),
        };
        SessionSummary {
            id: self.id.clone(),
            agent_id: self.agent_id.clone(),
            agent_name: self.agent_name.clone(),
            task_preview,
            workspace: self.workspace.clone(),
            status: self.status,
            stop_reason: self.stop_reason,
            turns: self.turns,
            usage: self.usage,
            cost_usd: self.cost_usd,
            duration_ms: self.duration_ms,
            last_seq: self.last_seq,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

const COLUMNS: &str =
    "id, agent_id, agent_name, task, workspace, status, owner, stop_reason, turns, input_tokens, output_tokens,
    cache_read_tokens, cache_write_tokens, cost_usd, duration_ms, running_since, last_seq, created_at, updated_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<SessionRow> {
    let status: String = r.get(5)?;
    let stop_reason: Option<String> = r.get(7)?;
    let u64_at = |i: usize| r.get::<_, i64>(i).map(|v| u64::try_from(v).unwrap_or(0));
    Ok(SessionRow {
        id: SessionId(r.get(0)?),
        agent_id: r.get::<_, Option<String>>(1)?.map(AgentId),
        agent_name: r.get(2)?,
        task: r.get(3)?,
        workspace: r.get(4)?,
        status: SessionStatus::parse(&status).ok_or_else(|| bad_value(5, &status))?,
        owner: r.get(6)?,
        stop_reason: match stop_reason {
            Some(s) => Some(serde_json::from_value(Value::String(s.clone())).map_err(|_| bad_value(7, &s))?),
            None => None,
        },
        turns: r.get(8)?,
        usage: TokenUsage {
            input_tokens: u64_at(9)?,
            output_tokens: u64_at(10)?,
            cache_read_tokens: u64_at(11)?,
            cache_write_tokens: u64_at(12)?,
        },
        cost_usd: r.get(13)?,
        duration_ms: u64_at(14)?,
        running_since: r.get(15)?,
        last_seq: u64_at(16)?,
        created_at: r.get(17)?,
        updated_at: r.get(18)?,
    })
}

fn bad_value(col: usize, value: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        col,
        rusqlite::types::Type::Text,
        format!("unexpected value {value:?}").into(),
    )
}

fn reason_str(reason: IdleReason) -> String {
    match serde_json::to_value(reason) {
        Ok(Value::String(s)) => s,
        _ => "error".into(),
    }
}

pub fn insert_session(conn: &Connection, row: &SessionRow) -> Result<()> {
    conn.execute(
        "INSERT INTO sessions (id, agent_id, agent_name, task, workspace, status, owner, last_seq, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8, ?9)",
        params![
            row.id.as_str(),
            row.agent_id.as_ref().map(AgentId::as_str),
            row.agent_name,
            row.task,
            row.workspace,
            row.status.as_str(),
            row.owner,
            row.created_at,
            row.updated_at
        ],
    )?;
    Ok(())
}

pub fn get_session(conn: &Connection, id: &SessionId) -> Result<Option<SessionRow>> {
    Ok(conn.query_row(&format!("SELECT {COLUMNS} FROM sessions WHERE id = ?1"), [id.as_str()], from_row).optional()?)
}

/// Sessions, newest first, at most `limit`.
pub fn list_sessions(conn: &Connection, limit: usize) -> Result<Vec<SessionRow>> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {COLUMNS} FROM sessions ORDER BY created_at DESC, id DESC LIMIT ?1"))?;
    let rows = stmt.query_map([limit as i64], from_row)?.collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

pub fn set_status(conn: &Connection, id: &SessionId, status: SessionStatus, now_ms: i64) -> Result<()> {
    conn.execute(
        "UPDATE sessions SET status = ?2, updated_at = ?3 WHERE id = ?1",
        params![id.as_str(), status.as_str(), now_ms],
    )?;
    Ok(())
}

/// Makes `owner` the process running the session; fails (returns false) unless it was not
/// running, so two processes never run one session.
pub fn claim(conn: &Connection, id: &SessionId, owner: &str, now_ms: i64) -> Result<bool> {
    let n = conn.execute(
        "UPDATE sessions SET status = 'running', owner = ?2, updated_at = ?3 WHERE id = ?1 AND status != 'running'",
        params![id.as_str(), owner, now_ms],
    )?;
    Ok(n == 1)
}

/// Sessions left `running` by a process that is gone (`alive` says no): marks them
/// `interrupted` and returns their ids.
pub fn interrupt_orphans(conn: &Connection, now_ms: i64, alive: &dyn Fn(&str) -> bool) -> Result<Vec<SessionId>> {
    let running: Vec<(SessionId, Option<String>)> = conn
        .prepare("SELECT id, owner FROM sessions WHERE status = 'running' ORDER BY id")?
        .query_map([], |r| Ok((SessionId(r.get(0)?), r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut ids = Vec::new();
    for (id, owner) in running {
        if owner.as_deref().is_some_and(alive) {
            continue;
        }
        // Time spent running until the crash is unknown; count up to the last event written.
        conn.execute(
            "UPDATE sessions SET status = 'interrupted', owner = NULL, updated_at = ?2,
                 duration_ms = duration_ms + MAX(0, COALESCE((SELECT MAX(time_ms) FROM events WHERE session_id = ?1) - running_since, 0)),
                 running_since = NULL
             WHERE id = ?1 AND status = 'running'",
            params![id.as_str(), now_ms],
        )?;
        ids.push(id);
    }
    Ok(ids)
}

/// Appends `payloads` in one transaction, numbering them after the session's last `seq`.
pub fn append(
    conn: &Connection,
    session: &SessionId,
    thread: &ThreadId,
    time_ms: i64,
    payloads: Vec<EventPayload>,
) -> Result<Vec<SessionEvent>> {
    let tx = super::write_tx(conn)?;
    let last: i64 = tx
        .query_row("SELECT last_seq FROM sessions WHERE id = ?1", [session.as_str()], |r| r.get(0))
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("Session {} does not exist.", session.as_str())))?;
    let mut events = Vec::with_capacity(payloads.len());
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO events (session_id, seq, thread_id, time_ms, type, payload_version, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for (i, payload) in payloads.into_iter().enumerate() {
            let seq = last + 1 + i as i64;
            let json = serde_json::to_string(&payload)
                .map_err(|e| Error::Internal(format!("event does not serialize: {e}")))?;
            insert.execute(params![
                session.as_str(),
                seq,
                thread.as_str(),
                time_ms,
                payload.name(),
                PAYLOAD_VERSION,
                json
            ])?;
            events.push(SessionEvent {
                session_id: session.clone(),
                seq: seq as u64,
                thread_id: thread.clone(),
                time_ms,
                payload,
            });
        }
    }
    let new_last = last + events.len() as i64;
    tx.execute(
        "UPDATE sessions SET last_seq = ?2, updated_at = ?3 WHERE id = ?1",
        params![session.as_str(), new_last, time_ms],
    )?;
    for event in &events {
        keep_totals(&tx, session, &event.payload, time_ms)?;
    }
    tx.commit()?;
    Ok(events)
}

/// Events with `seq > after`, in order, at most `limit`.
pub fn read(conn: &Connection, session: &SessionId, after: u64, limit: usize) -> Result<Vec<SessionEvent>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, thread_id, time_ms, payload_version, payload FROM events WHERE session_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![session.as_str(), after as i64, limit as i64], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, String>(4)?,
        ))
    })?;
    let mut events = Vec::new();
    for row in rows {
        let (seq, thread, time_ms, version, json) = row?;
        if version != PAYLOAD_VERSION {
            return Err(Error::Internal(format!(
                "event {seq} has payload version {version}; this Reverie reads {PAYLOAD_VERSION}"
            )));
        }
        let payload: EventPayload = serde_json::from_str(&json)
            .map_err(|e| Error::Internal(format!("event {seq} of session {} is unreadable: {e}", session.as_str())))?;
        events.push(SessionEvent {
            session_id: session.clone(),
            seq: seq as u64,
            thread_id: ThreadId(thread),
            time_ms,
            payload,
        });
    }
    Ok(events)
}

/// Keeps the session's status and totals in step with what was just appended.
fn keep_totals(conn: &Connection, session: &SessionId, payload: &EventPayload, time_ms: i64) -> Result<()> {
    let id = session.as_str();
    match payload {
        EventPayload::StatusRunning {} => {
            conn.execute(
                "UPDATE sessions SET status = 'running', stop_reason = NULL, running_since = COALESCE(running_since, ?2) WHERE id = ?1",
                params![id, time_ms],
            )?;
        }
        EventPayload::StatusIdle { reason } => {
            conn.execute(
                "UPDATE sessions SET status = 'idle', stop_reason = ?2, owner = NULL,
                     duration_ms = duration_ms + MAX(0, ?3 - COALESCE(running_since, ?3)), running_since = NULL
                 WHERE id = ?1",
                params![id, reason_str(*reason), time_ms],
            )?;
        }
        EventPayload::ModelRequestEnd { usage, cost_usd, .. } => add_usage(conn, id, usage, *cost_usd, 1)?,
        // Grading costs the session too, though it is not an agent turn.
        EventPayload::OutcomeEvaluationEnd { usage, cost_usd, .. } => add_usage(conn, id, usage, *cost_usd, 0)?,
        _ => {}
    }
    Ok(())
}

fn add_usage(conn: &Connection, id: &str, usage: &TokenUsage, cost_usd: Option<f64>, turns: i64) -> Result<()> {
    conn.execute(
        "UPDATE sessions SET turns = turns + ?7, input_tokens = input_tokens + ?2, output_tokens = output_tokens + ?3,
             cache_read_tokens = cache_read_tokens + ?4, cache_write_tokens = cache_write_tokens + ?5,
             cost_usd = CASE WHEN ?6 IS NULL THEN cost_usd ELSE COALESCE(cost_usd, 0) + ?6 END
         WHERE id = ?1",
        params![
            id,
            usage.input_tokens as i64,
            usage.output_tokens as i64,
            usage.cache_read_tokens as i64,
            usage.cache_write_tokens as i64,
            cost_usd,
            turns
        ],
    )?;
    Ok(())
}
