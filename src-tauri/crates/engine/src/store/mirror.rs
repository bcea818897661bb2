//! The disk mirror's tables: `memory_sync` (the sha256 of each file as Reverie last wrote or
//! imported it) and `memory_conflicts` (files the mirror could not bring in step: changed on
//! both sides, or unreadable on disk). Only `memory::Mirror` calls these.

use std::collections::HashMap;

use reverie_protocol::{MemoryConflict, MemoryStoreId};
use rusqlite::{params, Connection, OptionalExtension};

use crate::Result;

/// Every `path → sha256` the mirror last agreed on for a store.
pub fn synced(conn: &Connection, store: &MemoryStoreId) -> Result<HashMap<String, String>> {
    let mut stmt = conn.prepare_cached("SELECT path, sha256 FROM memory_sync WHERE store_id = ?1")?;
    let rows = stmt.query_map([store.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

pub fn synced_sha(conn: &Connection, store: &MemoryStoreId, path: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT sha256 FROM memory_sync WHERE store_id = ?1 AND path = ?2",
            params![store.as_str(), path],
            |r| r.get(0),
        )
        .optional()?)
}

/// Records that disk and Reverie agree on `sha256` (`None`: the file exists on neither side).
pub fn set_synced(conn: &Connection, store: &MemoryStoreId, path: &str, sha256: Option<&str>) -> Result<()> {
    match sha256 {
        Some(sha) => conn.execute(
            "INSERT INTO memory_sync (store_id, path, sha256) VALUES (?1, ?2, ?3)
             ON CONFLICT (store_id, path) DO UPDATE SET sha256 = ?3",
            params![store.as_str(), path, sha],
        )?,
        None => {
            conn.execute("DELETE FROM memory_sync WHERE store_id = ?1 AND path = ?2", params![store.as_str(), path])?
        }
    };
    Ok(())
}

/// `PRAGMA data_version`: changes whenever another connection to the database file commits.
pub fn data_version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA data_version", [], |r| r.get(0))?)
}

/// What changes with every memory write: the newest version's row, how many stores there are,
/// and the latest change to any of them.
pub type MemoryMark = (i64, i64, i64);

pub fn memory_mark(conn: &Connection) -> Result<MemoryMark> {
    Ok(conn.query_row(
        "SELECT (SELECT COALESCE(MAX(rowid), 0) FROM memory_versions), (SELECT COUNT(*) FROM memory_stores),
                (SELECT COALESCE(MAX(updated_at), 0) FROM memory_stores)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?)
}

/// Forgets what the disk held for a whole store (its folder is gone).
pub fn forget_store(conn: &Connection, store: &MemoryStoreId) -> Result<()> {
    conn.execute("DELETE FROM memory_sync WHERE store_id = ?1", [store.as_str()])?;
    Ok(())
}

/// One row of `memory_conflicts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConflictRow {
    pub path: String,
    pub theirs: Option<String>,
    pub problem: Option<String>,
    pub detected_at: i64,
}

/// Records (or refreshes) the entry for `path`. `detected_at` only moves when what is shown
/// changes, so a rescan of the same situation doesn't make it look new.
pub fn put_conflict(
    conn: &Connection,
    store: &MemoryStoreId,
    path: &str,
    theirs: Option<&str>,
    problem: Option<&str>,
    now: i64,
) -> Result<()> {
    conn.execute(
        "INSERT INTO memory_conflicts (store_id, path, theirs, problem, detected_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (store_id, path) DO UPDATE SET
             detected_at = CASE WHEN theirs IS excluded.theirs AND problem IS excluded.problem THEN detected_at ELSE excluded.detected_at END,
             theirs = excluded.theirs,
             problem = excluded.problem",
        params![store.as_str(), path, theirs, problem, now],
    )?;
    Ok(())
}

pub fn remove_conflict(conn: &Connection, store: &MemoryStoreId, path: &str) -> Result<()> {
    conn.execute("DELETE FROM memory_conflicts WHERE store_id = ?1 AND path = ?2", params![store.as_str(), path])?;
    Ok(())
}

pub fn conflict(conn: &Connection, store: &MemoryStoreId, path: &str) -> Result<Option<ConflictRow>> {
    Ok(conn
        .query_row(
            "SELECT path, theirs, problem, detected_at FROM memory_conflicts WHERE store_id = ?1 AND path = ?2",
            params![store.as_str(), path],
            |r| Ok(ConflictRow { path: r.get(0)?, theirs: r.get(1)?, problem: r.get(2)?, detected_at: r.get(3)? }),
        )
        .optional()?)
}

/// Every entry of a store, conflicts and problems alike, by path.
pub fn conflict_rows(conn: &Connection, store: &MemoryStoreId) -> Result<Vec<ConflictRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT path, theirs, problem, detected_at FROM memory_conflicts WHERE store_id = ?1 ORDER BY path",
    )?;
    let rows = stmt
        .query_map([store.as_str()], |r| {
            Ok(ConflictRow { path: r.get(0)?, theirs: r.get(1)?, problem: r.get(2)?, detected_at: r.get(3)? })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// The files changed on both sides, with Reverie's current sha256.
pub fn conflicts(conn: &Connection, store: &MemoryStoreId) -> Result<Vec<MemoryConflict>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.path, f.sha256, c.theirs, c.detected_at FROM memory_conflicts c
         LEFT JOIN memory_files f ON f.store_id = c.store_id AND f.path = c.path
         WHERE c.store_id = ?1 AND c.problem IS NULL ORDER BY c.path",
    )?;
    let rows = stmt
        .query_map([store.as_str()], |r| {
            Ok(MemoryConflict {
                store_id: store.clone(),
                path: r.get(0)?,
                ours_sha256: r.get(1)?,
                theirs: r.get(2)?,
                detected_at: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}
