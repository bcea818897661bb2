//! The memory tables: stores, current files, versions, the full-text index, access records and
//! the mirror's sync state. Only `memory::Memory` calls these.

use reverie_protocol::{MemoryFile, MemoryFileContent, MemoryOp, MemoryStore, MemoryStoreId, MemoryVersion};
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::providers::name_key;
use crate::Result;

pub fn stores(conn: &Connection) -> Result<Vec<MemoryStore>> {
    let mut stmt = conn.prepare(
        "SELECT s.id, s.name, s.description, COUNT(f.path), COALESCE(SUM(f.bytes), 0), s.created_at, s.updated_at
         FROM memory_stores s LEFT JOIN memory_files f ON f.store_id = s.id
         GROUP BY s.id ORDER BY s.name_key",
    )?;
    let rows = stmt.query_map([], store_row)?.collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

pub fn store(conn: &Connection, id: &MemoryStoreId) -> Result<Option<MemoryStore>> {
    Ok(conn
        .query_row(
            "SELECT s.id, s.name, s.description, COUNT(f.path), COALESCE(SUM(f.bytes), 0), s.created_at, s.updated_at
             FROM memory_stores s LEFT JOIN memory_files f ON f.store_id = s.id
             WHERE s.id = ?1 GROUP BY s.id",
            [id.as_str()],
            store_row,
        )
        .optional()?)
}

fn store_row(r: &Row<'_>) -> rusqlite::Result<MemoryStore> {
    Ok(MemoryStore {
        id: MemoryStoreId(r.get(0)?),
        name: r.get(1)?,
        description: r.get(2)?,
        files: r.get(3)?,
        bytes: r.get::<_, i64>(4)? as u64,
        created_at: r.get(5)?,
        updated_at: r.get(6)?,
    })
}

pub fn store_exists(conn: &Connection, id: &MemoryStoreId) -> Result<bool> {
    Ok(conn.query_row("SELECT 1 FROM memory_stores WHERE id = ?1", [id.as_str()], |_| Ok(())).optional()?.is_some())
}

pub fn store_id_by_name(conn: &Connection, name: &str) -> Result<Option<MemoryStoreId>> {
    Ok(conn
        .query_row("SELECT id FROM memory_stores WHERE name_key = ?1", [name_key(name)], |r| r.get(0))
        .optional()?
        .map(MemoryStoreId))
}

pub fn insert_store(conn: &Connection, id: &MemoryStoreId, name: &str, description: &str, now: i64) -> Result<()> {
    conn.execute(
        "INSERT INTO memory_stores (id, name, name_key, description, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        params![id.as_str(), name, name_key(name), description, now],
    )?;
    Ok(())
}

pub fn delete_store(conn: &Connection, id: &MemoryStoreId) -> Result<bool> {
    let tx = super::write_tx(conn)?;
    tx.execute(
        "DELETE FROM memory_fts WHERE rowid IN (SELECT rowid FROM memory_files WHERE store_id = ?1)",
        [id.as_str()],
    )?;
    let n = tx.execute("DELETE FROM memory_stores WHERE id = ?1", [id.as_str()])?;
    tx.commit()?;
    Ok(n == 1)
}

pub fn files(conn: &Connection, id: &MemoryStoreId) -> Result<Vec<MemoryFile>> {
    let mut stmt = conn.prepare_cached(
        "SELECT path, description, sha256, bytes, version_id, updated_at FROM memory_files WHERE store_id = ?1 ORDER BY path",
    )?;
    let rows = stmt
        .query_map([id.as_str()], |r| {
            Ok(MemoryFile {
                path: r.get(0)?,
                description: r.get(1)?,
                sha256: r.get(2)?,
                bytes: r.get::<_, i64>(3)? as u64,
                version_id: r.get(4)?,
                updated_at: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

pub fn file(conn: &Connection, id: &MemoryStoreId, path: &str) -> Result<Option<MemoryFileContent>> {
    Ok(conn
        .query_row(
            "SELECT path, content, sha256, version_id, updated_at FROM memory_files WHERE store_id = ?1 AND path = ?2",
            params![id.as_str(), path],
            |r| {
                Ok(MemoryFileContent {
                    path: r.get(0)?,
                    content: r.get(1)?,
                    sha256: r.get(2)?,
                    version_id: r.get(3)?,
                    updated_at: r.get(4)?,
                })
            },
        )
        .optional()?)
}

/// Sets a file's current content (and its full-text row).
pub fn put_file(conn: &Connection, id: &MemoryStoreId, file: &MemoryFileContent, description: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO memory_files (store_id, path, content, sha256, bytes, description, version_id, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (store_id, path) DO UPDATE SET content = ?3, sha256 = ?4, bytes = ?5, description = ?6, version_id = ?7, updated_at = ?8",
        params![id.as_str(), file.path, file.content, file.sha256, file.content.len() as i64, description, file.version_id, file.updated_at],
    )?;
    let rowid: i64 = conn.query_row(
        "SELECT rowid FROM memory_files WHERE store_id = ?1 AND path = ?2",
        params![id.as_str(), file.path],
        |r| r.get(0),
    )?;
    conn.execute("DELETE FROM memory_fts WHERE rowid = ?1", [rowid])?;
    conn.execute(
        "INSERT INTO memory_fts (rowid, path, content) VALUES (?1, ?2, ?3)",
        params![rowid, file.path, file.content],
    )?;
    Ok(())
}

pub fn remove_file(conn: &Connection, id: &MemoryStoreId, path: &str) -> Result<()> {
    let rowid: Option<i64> = conn
        .query_row(
            "SELECT rowid FROM memory_files WHERE store_id = ?1 AND path = ?2",
            params![id.as_str(), path],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(rowid) = rowid {
        conn.execute("DELETE FROM memory_fts WHERE rowid = ?1", [rowid])?;
        conn.execute("DELETE FROM memory_files WHERE rowid = ?1", [rowid])?;
    }
    Ok(())
}

pub fn touch_store(conn: &Connection, id: &MemoryStoreId, now: i64) -> Result<()> {
    conn.execute("UPDATE memory_stores SET updated_at = ?2 WHERE id = ?1", params![id.as_str(), now])?;
    Ok(())
}

const VERSION_COLUMNS: &str = "id, store_id, path, op, previous_path, sha256, bytes, actor, time_ms, redacted";

fn version_row(r: &Row<'_>) -> rusqlite::Result<MemoryVersion> {
    let op: String = r.get(3)?;
    Ok(MemoryVersion {
        id: r.get(0)?,
        store_id: MemoryStoreId(r.get(1)?),
        path: r.get(2)?,
        op: match op.as_str() {
            "create" => MemoryOp::Create,
            "update" => MemoryOp::Update,
            "delete" => MemoryOp::Delete,
            _ => MemoryOp::Rename,
        },
        previous_path: r.get(4)?,
        sha256: r.get(5)?,
        bytes: r.get::<_, i64>(6)? as u64,
        actor: r.get(7)?,
        time_ms: r.get(8)?,
        redacted: r.get::<_, i64>(9)? != 0,
    })
}

pub fn op_str(op: MemoryOp) -> &'static str {
    match op {
        MemoryOp::Create => "create",
        MemoryOp::Update => "update",
        MemoryOp::Delete => "delete",
        MemoryOp::Rename => "rename",
    }
}

/// Records a version, numbered after the store's last one.
pub fn insert_version(conn: &Connection, v: &MemoryVersion, content: Option<&str>) -> Result<()> {
    conn.execute(
        "INSERT INTO memory_versions (id, store_id, seq, path, op, previous_path, content, sha256, bytes, actor, time_ms)
         VALUES (?1, ?2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM memory_versions WHERE store_id = ?2), ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![v.id, v.store_id.as_str(), v.path, op_str(v.op), v.previous_path, content, v.sha256, v.bytes as i64, v.actor, v.time_ms],
    )?;
    Ok(())
}

pub fn version(conn: &Connection, version_id: &str) -> Result<Option<(MemoryVersion, Option<String>)>> {
    Ok(conn
        .query_row(
            &format!("SELECT {VERSION_COLUMNS}, content FROM memory_versions WHERE id = ?1"),
            [version_id],
            |r| Ok((version_row(r)?, r.get::<_, Option<String>>(10)?)),
        )
        .optional()?)
}

/// Every version that touched `path` (renames from or to it included), newest first.
pub fn history(conn: &Connection, id: &MemoryStoreId, path: &str) -> Result<Vec<MemoryVersion>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {VERSION_COLUMNS} FROM memory_versions WHERE store_id = ?1 AND (path = ?2 OR previous_path = ?2) ORDER BY seq DESC"
    ))?;
    let rows = stmt.query_map(params![id.as_str(), path], version_row)?.collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

pub fn redact(conn: &Connection, version_id: &str) -> Result<bool> {
    Ok(conn.execute("UPDATE memory_versions SET content = NULL, redacted = 1 WHERE id = ?1", [version_id])? == 1)
}

/// Ranked full-text matches: (path, content, bm25 score where higher is better).
pub fn search(
    conn: &Connection,
    id: &MemoryStoreId,
    fts_query: &str,
    limit: usize,
) -> Result<Vec<(String, String, f64)>> {
    // Rank first, reading only the index and each match's path; bm25 is lower-is-better, and
    // path matches weigh twice as much as content matches. Then load the few winners' content.
    let mut stmt = conn.prepare_cached(
        "SELECT f.rowid, f.path, -bm25(memory_fts, 2.0, 1.0) FROM memory_fts JOIN memory_files f ON f.rowid = memory_fts.rowid
         WHERE memory_fts MATCH ?1 AND f.store_id = ?2 ORDER BY bm25(memory_fts, 2.0, 1.0) LIMIT ?3",
    )?;
    let ranked: Vec<(i64, String, f64)> = stmt
        .query_map(params![fts_query, id.as_str(), limit as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut content = conn.prepare_cached("SELECT content FROM memory_files WHERE rowid = ?1")?;
    let mut hits = Vec::with_capacity(ranked.len());
    for (rowid, path, score) in ranked {
        let text: String = content.query_row([rowid], |r| r.get(0))?;
        hits.push((path, text, score));
    }
    Ok(hits)
}
