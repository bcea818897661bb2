//! The `dreams`, `proposals`, `dreamed_sessions` and `dream_settings` tables.

use reverie_protocol::{
    Dream, DreamId, DreamMode, DreamSettings, DreamStage, FileChange, MemoryStoreId, Proposal, ProposalStatus,
    ProviderId, SessionId, TokenUsage,
};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::de::DeserializeOwned;

use crate::{Error, Result};

/// A dream row with what only the engine needs (the provider it dreams with).
#[derive(Debug, Clone)]
pub struct DreamRow {
    pub dream: Dream,
    pub provider_id: ProviderId,
}

const COLUMNS: &str = "d.id, d.store_id, d.status, d.mode, d.sessions, d.instructions, d.provider_id, d.model, d.stage, d.processed, d.error, \
                       d.model_calls, d.input_tokens, d.output_tokens, d.cost_usd, d.created_at, d.finished_at, p.status";

fn json<T: DeserializeOwned>(row: &Row<'_>, col: usize) -> rusqlite::Result<T> {
    let text: String = row.get(col)?;
    serde_json::from_str(&text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(col, rusqlite::types::Type::Text, Box::new(e)))
}

fn enum_col<T: DeserializeOwned>(row: &Row<'_>, col: usize) -> rusqlite::Result<T> {
    let text: String = row.get(col)?;
    serde_json::from_value(serde_json::Value::String(text))
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(col, rusqlite::types::Type::Text, Box::new(e)))
}

/// The snake_case name serde gives a unit variant.
pub fn name<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<DreamRow> {
    let stage: Option<String> = row.get(8)?;
    let proposal: Option<String> = row.get(17)?;
    Ok(DreamRow {
        dream: Dream {
            id: DreamId(row.get(0)?),
            store_id: MemoryStoreId(row.get(1)?),
            status: enum_col(row, 2)?,
            mode: enum_col(row, 3)?,
            sessions: json(row, 4)?,
            instructions: row.get(5)?,
            model: row.get(7)?,
            stage: stage.and_then(|s| serde_json::from_value::<DreamStage>(serde_json::Value::String(s)).ok()),
            processed: row.get(9)?,
            error: row.get(10)?,
            model_calls: row.get(11)?,
            usage: TokenUsage {
                input_tokens: row.get::<_, i64>(12)? as u64,
                output_tokens: row.get::<_, i64>(13)? as u64,
                cache_read_tokens: 0,
                cache_write_tokens: 0,
            },
            cost_usd: row.get(14)?,
            created_at: row.get(15)?,
            finished_at: row.get(16)?,
            proposal: proposal
                .and_then(|s| serde_json::from_value::<ProposalStatus>(serde_json::Value::String(s)).ok()),
        },
        provider_id: ProviderId(row.get(6)?),
    })
}

pub fn insert(conn: &Connection, d: &Dream, provider: &ProviderId, owner: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO dreams (id, store_id, status, mode, sessions, instructions, provider_id, model, owner, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            d.id.as_str(),
            d.store_id.as_str(),
            name(&d.status),
            name(&d.mode),
            serde_json::to_string(&d.sessions).unwrap_or_else(|_| "[]".into()),
            d.instructions,
            provider.as_str(),
            d.model,
            owner,
            d.created_at
        ],
    )
    .map_err(|e| match e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => Error::Conflict {
            field: Some("store_id"),
            message: "This store is already dreaming. Wait for that dream to finish or cancel it.".into(),
        },
        other => other.into(),
    })?;
    Ok(())
}

pub fn get(conn: &Connection, id: &DreamId) -> Result<Option<DreamRow>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM dreams d LEFT JOIN proposals p ON p.dream_id = d.id WHERE d.id = ?1"),
            [id.as_str()],
            from_row,
        )
        .optional()?)
}

/// Dreams, newest first (of one store, or all).
pub fn list(conn: &Connection, store: Option<&MemoryStoreId>, limit: usize) -> Result<Vec<Dream>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM dreams d LEFT JOIN proposals p ON p.dream_id = d.id
         WHERE ?1 IS NULL OR d.store_id = ?1 ORDER BY d.created_at DESC, d.id DESC LIMIT ?2"
    ))?;
    let rows = stmt
        .query_map(params![store.map(|s| s.as_str()), limit as i64], |r| from_row(r).map(|d| d.dream))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Progress: the status, the stage, sessions read, the usage so far.
pub fn progress(conn: &Connection, d: &Dream) -> Result<()> {
    conn.execute(
        "UPDATE dreams SET status = ?2, stage = ?3, processed = ?4, model_calls = ?5, input_tokens = ?6, output_tokens = ?7, cost_usd = ?8,
                error = ?9, finished_at = ?10 WHERE id = ?1",
        params![
            d.id.as_str(),
            name(&d.status),
            d.stage.map(|s| name(&s)),
            d.processed,
            d.model_calls,
            d.usage.input_tokens as i64,
            d.usage.output_tokens as i64,
            d.cost_usd,
            d.error,
            d.finished_at
        ],
    )?;
    Ok(())
}

/// Dreams left pending or running by a process that is gone become failed.
pub fn fail_orphans(conn: &Connection, now: i64, alive: &dyn Fn(&str) -> bool) -> Result<Vec<DreamId>> {
    let orphans: Vec<(String, Option<String>)> = conn
        .prepare("SELECT id, owner FROM dreams WHERE status IN ('pending', 'running')")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut failed = Vec::new();
    for (id, owner) in orphans {
        if owner.as_deref().is_some_and(alive) {
            continue;
        }
        conn.execute(
            "UPDATE dreams SET status = 'failed', error = ?2, finished_at = ?3 WHERE id = ?1",
            params![id, "Reverie stopped while this dream ran. Nothing was written to memory; dream again.", now],
        )?;
        failed.push(DreamId(id));
    }
    Ok(failed)
}

/// Finished sessions of these agents that no completed dream of the store has read, oldest
/// first. Each agent's sessions are looked at only past its watermark, so the work grows with
/// what is new, not with the history.
pub fn undreamed_sessions(
    conn: &Connection,
    store: &MemoryStoreId,
    agents: &[String],
    limit: usize,
) -> Result<Vec<SessionId>> {
    let mut found: Vec<(i64, String)> = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT s.id, s.created_at FROM sessions s
         WHERE s.agent_id = ?1 AND s.created_at >= ?3 AND s.status = 'idle'
           AND NOT EXISTS (SELECT 1 FROM dreamed_sessions d WHERE d.store_id = ?2 AND d.session_id = s.id)
         ORDER BY s.created_at, s.id LIMIT ?4",
    )?;
    for agent in agents {
        let mark = watermark(conn, store, agent)?;
        let rows = stmt.query_map(params![agent, store.as_str(), mark, limit as i64], |r| {
            Ok((r.get::<_, i64>(1)?, r.get::<_, String>(0)?))
        })?;
        for row in rows {
            found.push(row?);
        }
    }
    found.sort();
    found.truncate(limit);
    Ok(found.into_iter().map(|(_, id)| SessionId(id)).collect())
}

fn watermark(conn: &Connection, store: &MemoryStoreId, agent: &str) -> Result<i64> {
    Ok(conn
        .query_row(
            "SELECT created_at FROM dream_watermarks WHERE store_id = ?1 AND agent_id = ?2",
            [store.as_str(), agent],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(i64::MIN))
}

/// Records the sessions a completed dream read, and moves each agent's watermark up to its
/// oldest session no dream has read (of any status: a running one is read later).
pub fn mark_dreamed(
    conn: &Connection,
    store: &MemoryStoreId,
    sessions: &[SessionId],
    dream: &DreamId,
    agents: &[String],
) -> Result<()> {
    let mut stmt =
        conn.prepare("INSERT OR IGNORE INTO dreamed_sessions (store_id, session_id, dream_id) VALUES (?1, ?2, ?3)")?;
    for s in sessions {
        stmt.execute(params![store.as_str(), s.as_str(), dream.as_str()])?;
    }
    for agent in agents {
        let mark = watermark(conn, store, agent)?;
        let (oldest_unread, newest): (Option<i64>, Option<i64>) = conn.query_row(
            "SELECT MIN(CASE WHEN NOT EXISTS (SELECT 1 FROM dreamed_sessions d WHERE d.store_id = ?2 AND d.session_id = s.id) THEN s.created_at END),
                    MAX(s.created_at)
             FROM sessions s WHERE s.agent_id = ?1 AND s.created_at >= ?3",
            params![agent, store.as_str(), mark],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let Some(next) = oldest_unread.or(newest.map(|n| n + 1)) else { continue };
        conn.execute(
            "INSERT INTO dream_watermarks (store_id, agent_id, created_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (store_id, agent_id) DO UPDATE SET created_at = MAX(created_at, excluded.created_at)",
            params![store.as_str(), agent, next],
        )?;
    }
    Ok(())
}

pub fn insert_proposal(conn: &Connection, p: &Proposal) -> Result<()> {
    conn.execute(
        "INSERT INTO proposals (dream_id, store_id, status, files, dropped, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            p.dream_id.as_str(),
            p.store_id.as_str(),
            name(&p.status),
            serde_json::to_string(&p.files).map_err(|e| Error::Internal(e.to_string()))?,
            serde_json::to_string(&p.dropped).map_err(|e| Error::Internal(e.to_string()))?,
            p.created_at
        ],
    )?;
    Ok(())
}

pub fn proposal(conn: &Connection, id: &DreamId) -> Result<Option<Proposal>> {
    Ok(conn
        .query_row(
            "SELECT dream_id, store_id, status, files, dropped, created_at, applied_at FROM proposals WHERE dream_id = ?1",
            [id.as_str()],
            |r| {
                Ok(Proposal {
                    dream_id: DreamId(r.get(0)?),
                    store_id: MemoryStoreId(r.get(1)?),
                    status: enum_col(r, 2)?,
                    files: json::<Vec<FileChange>>(r, 3)?,
                    dropped: json(r, 4)?,
                    created_at: r.get(5)?,
                    applied_at: r.get(6)?,
                })
            },
        )
        .optional()?)
}

/// Saves the proposal's decisions and status (and, after Apply, what was written).
pub fn save_proposal(conn: &Connection, p: &Proposal, applied: Option<&str>) -> Result<()> {
    conn.execute(
        "UPDATE proposals SET status = ?2, files = ?3, applied_at = ?4, applied = COALESCE(?5, applied) WHERE dream_id = ?1",
        params![p.dream_id.as_str(), name(&p.status), serde_json::to_string(&p.files).map_err(|e| Error::Internal(e.to_string()))?, p.applied_at, applied],
    )?;
    Ok(())
}

pub fn applied(conn: &Connection, id: &DreamId) -> Result<String> {
    Ok(conn.query_row("SELECT applied FROM proposals WHERE dream_id = ?1", [id.as_str()], |r| r.get(0))?)
}

pub fn settings(conn: &Connection, store: &MemoryStoreId) -> Result<DreamSettings> {
    Ok(conn
        .query_row(
            "SELECT mode, daily_at, after_sessions, cron FROM dream_settings WHERE store_id = ?1",
            [store.as_str()],
            |r| {
                Ok(DreamSettings {
                    mode: enum_col(r, 0)?,
                    daily_at: r.get(1)?,
                    after_sessions: r.get(2)?,
                    cron: r.get(3)?,
                })
            },
        )
        .optional()?
        .unwrap_or(DreamSettings { mode: DreamMode::Review, daily_at: None, cron: None, after_sessions: None }))
}

pub fn set_settings(conn: &Connection, store: &MemoryStoreId, s: &DreamSettings) -> Result<()> {
    conn.execute(
        "INSERT INTO dream_settings (store_id, mode, daily_at, after_sessions, cron) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (store_id) DO UPDATE SET mode = excluded.mode, daily_at = excluded.daily_at, after_sessions = excluded.after_sessions,
             cron = excluded.cron",
        params![store.as_str(), name(&s.mode), s.daily_at, s.after_sessions, s.cron],
    )?;
    Ok(())
}

/// Every store's settings (for the scheduler).
pub fn all_settings(conn: &Connection) -> Result<Vec<(MemoryStoreId, DreamSettings)>> {
    let rows = conn
        .prepare("SELECT store_id, mode, daily_at, after_sessions, cron FROM dream_settings")?
        .query_map([], |r| {
            Ok((
                MemoryStoreId(r.get(0)?),
                DreamSettings {
                    mode: enum_col(r, 1)?,
                    daily_at: r.get(2)?,
                    after_sessions: r.get(3)?,
                    cron: r.get(4)?,
                },
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// When the store last started a dream (for a daily schedule).
pub fn last_started(conn: &Connection, store: &MemoryStoreId) -> Result<Option<i64>> {
    Ok(conn.query_row("SELECT MAX(created_at) FROM dreams WHERE store_id = ?1", [store.as_str()], |r| r.get(0))?)
}
