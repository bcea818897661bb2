//! The `sessions` and `events` tables: the append-only log.

use reverie_protocol::{EventPayload, SessionEvent, SessionId, ThreadId};
use rusqlite::{params, Connection, OptionalExtension};

use crate::{Error, Result};

/// The version written with every payload; readers branch on it when the shape changes.
pub const PAYLOAD_VERSION: i64 = 1;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub id: SessionId,
    pub agent_name: String,
    pub task: String,
    pub workspace: String,
    pub status: String,
    pub last_seq: u64,
    pub created_at: i64,
    pub updated_at: i64,
}

pub fn insert_session(conn: &Connection, row: &SessionRow) -> Result<()> {
    conn.execute(
        "INSERT INTO sessions (id, agent_name, task, workspace, status, last_seq, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?7)",
        params![row.id.as_str(), row.agent_name, row.task, row.workspace, row.status, row.created_at, row.updated_at],
    )?;
    Ok(())
}

pub fn get_session(conn: &Connection, id: &SessionId) -> Result<Option<SessionRow>> {
    Ok(conn
        .query_row(
            "SELECT id, agent_name, task, workspace, status, last_seq, created_at, updated_at FROM sessions WHERE id = ?1",
            [id.as_str()],
            |r| {
                Ok(SessionRow {
                    id: SessionId(r.get(0)?),
                    agent_name: r.get(1)?,
                    task: r.get(2)?,
                    workspace: r.get(3)?,
                    status: r.get(4)?,
                    last_seq: r.get::<_, i64>(5)? as u64,
                    created_at: r.get(6)?,
                    updated_at: r.get(7)?,
                })
            },
        )
        .optional()?)
}

pub fn set_status(conn: &Connection, id: &SessionId, status: &str, now_ms: i64) -> Result<()> {
    conn.execute("UPDATE sessions SET status = ?2, updated_at = ?3 WHERE id = ?1", params![id.as_str(), status, now_ms])?;
    Ok(())
}

/// Sessions left `running` by a process that died: marks them `interrupted`, returns their ids.
pub fn interrupt_running(conn: &Connection, now_ms: i64) -> Result<Vec<SessionId>> {
    let ids: Vec<SessionId> = conn
        .prepare("SELECT id FROM sessions WHERE status = 'running' ORDER BY id")?
        .query_map([], |r| r.get(0).map(SessionId))?
        .collect::<rusqlite::Result<_>>()?;
    conn.execute("UPDATE sessions SET status = 'interrupted', updated_at = ?1 WHERE status = 'running'", [now_ms])?;
    Ok(ids)
}

/// Appends `payloads` in one transaction, numbering them after the session's last `seq`.
pub fn append(conn: &Connection, session: &SessionId, thread: &ThreadId, time_ms: i64, payloads: Vec<EventPayload>) -> Result<Vec<SessionEvent>> {
    let tx = conn.unchecked_transaction()?;
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
            let json = serde_json::to_string(&payload).map_err(|e| Error::Internal(format!("event does not serialize: {e}")))?;
            insert.execute(params![session.as_str(), seq, thread.as_str(), time_ms, payload.name(), PAYLOAD_VERSION, json])?;
            events.push(SessionEvent { session_id: session.clone(), seq: seq as u64, thread_id: thread.clone(), time_ms, payload });
        }
    }
    let new_last = last + events.len() as i64;
    tx.execute("UPDATE sessions SET last_seq = ?2, updated_at = ?3 WHERE id = ?1", params![session.as_str(), new_last, time_ms])?;
    tx.commit()?;
    Ok(events)
}

/// Events with `seq > after`, in order, at most `limit`.
pub fn read(conn: &Connection, session: &SessionId, after: u64, limit: usize) -> Result<Vec<SessionEvent>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, thread_id, time_ms, payload_version, payload FROM events WHERE session_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![session.as_str(), after as i64, limit as i64], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?, r.get::<_, i64>(3)?, r.get::<_, String>(4)?))
    })?;
    let mut events = Vec::new();
    for row in rows {
        let (seq, thread, time_ms, version, json) = row?;
        if version != PAYLOAD_VERSION {
            return Err(Error::Internal(format!("event {seq} has payload version {version}; this Reverie reads {PAYLOAD_VERSION}")));
        }
        let payload: EventPayload =
            serde_json::from_str(&json).map_err(|e| Error::Internal(format!("event {seq} of session {} is unreadable: {e}", session.as_str())))?;
        events.push(SessionEvent { session_id: session.clone(), seq: seq as u64, thread_id: ThreadId(thread), time_ms, payload });
    }
    Ok(events)
}
