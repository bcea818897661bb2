//! Finding memory: ranked full-text search (SQLite FTS5, BM25 over path and content), the short
//! index that goes in a session's system prompt, and the record of which session loaded what.

use reverie_protocol::{MemoryAccessKind, MemoryAccessRecord, MemorySearchHit, MemoryStoreId, SessionId, ThreadId};
use rusqlite::params;

use super::Memory;
use crate::store::memory as rows;
use crate::{Error, Result};

/// The index of one store in the system prompt stays under this many tokens (about four
/// characters a token); files past it are still found with `memory_search`.
pub const INDEX_TOKEN_BUDGET: usize = 2000;
/// Results a search returns at most.
pub const MAX_HITS: usize = 20;

impl Memory {
    /// Files matching `query`, best first.
    pub fn search(&self, store: &MemoryStoreId, query: &str, limit: usize) -> Result<Vec<MemorySearchHit>> {
        self.store(store)?;
        let Some(fts) = fts_query(query) else {
            return Err(Error::invalid("query", "Search for words, like “test setup” or “deploy steps”."));
        };
        let hits = rows::search(&self.db.conn(), store, &fts, limit.clamp(1, MAX_HITS))?;
        Ok(hits.into_iter().map(|(path, snippet, score)| MemorySearchHit { path, snippet, score }).collect())
    }

    /// The store's index: one line per file (path and description), within `budget` tokens,
    /// and the paths it lists.
    pub fn index(&self, store: &MemoryStoreId, budget: usize) -> Result<(String, Vec<String>)> {
        let files = self.files(store)?;
        let mut text = String::new();
        let mut listed = Vec::new();
        let limit = budget * 4;
        for file in &files {
            let line = if file.description.is_empty() { format!("- {}\n", file.path) } else { format!("- {} — {}\n", file.path, file.description) };
            if text.len() + line.len() > limit {
                text.push_str(&format!("- … and {} more files: use memory_search to find them\n", files.len() - listed.len()));
                break;
            }
            text.push_str(&line);
            listed.push(file.path.clone());
        }
        if files.is_empty() {
            text.push_str("(empty)\n");
        }
        Ok((text, listed))
    }

    /// Records why memory was loaded.
    pub fn record_access(&self, records: &[MemoryAccessRecord]) -> Result<()> {
        let conn = self.db.conn();
        let tx = conn.unchecked_transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO memory_access (session_id, thread_id, store_id, path, kind, query, time_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for r in records {
                insert.execute(params![
                    r.session_id.as_str(),
                    r.thread_id.as_str(),
                    r.store_id.as_str(),
                    r.path,
                    kind_str(r.kind),
                    r.query,
                    r.time_ms
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// What a session loaded from memory, in order.
    pub fn accesses_of_session(&self, session: &SessionId) -> Result<Vec<MemoryAccessRecord>> {
        self.accesses("a.session_id = ?1", params![session.as_str()])
    }

    /// The sessions that loaded or wrote a file, newest first.
    pub fn accesses_of_file(&self, store: &MemoryStoreId, path: &str) -> Result<Vec<MemoryAccessRecord>> {
        let mut records = self.accesses("a.store_id = ?1 AND a.path = ?2", params![store.as_str(), path])?;
        records.reverse();
        Ok(records)
    }

    fn accesses(&self, filter: &str, args: impl rusqlite::Params) -> Result<Vec<MemoryAccessRecord>> {
        let conn = self.db.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT a.session_id, a.thread_id, a.store_id, COALESCE(s.name, ''), a.path, a.kind, a.query, a.time_ms
             FROM memory_access a LEFT JOIN memory_stores s ON s.id = a.store_id WHERE {filter} ORDER BY a.id"
        ))?;
        let rows = stmt
            .query_map(args, |r| {
                let kind: String = r.get(5)?;
                Ok(MemoryAccessRecord {
                    session_id: SessionId(r.get(0)?),
                    thread_id: ThreadId(r.get(1)?),
                    store_id: MemoryStoreId(r.get(2)?),
                    store_name: r.get(3)?,
                    path: r.get(4)?,
                    kind: match kind.as_str() {
                        "listed" => MemoryAccessKind::Listed,
                        "searched" => MemoryAccessKind::Searched,
                        "read" => MemoryAccessKind::Read,
                        _ => MemoryAccessKind::Written,
                    },
                    query: r.get(6)?,
                    time_ms: r.get(7)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }
}

fn kind_str(kind: MemoryAccessKind) -> &'static str {
    match kind {
        MemoryAccessKind::Listed => "listed",
        MemoryAccessKind::Searched => "searched",
        MemoryAccessKind::Read => "read",
        MemoryAccessKind::Written => "written",
    }
}

/// The words of `query` as an FTS5 query: each word quoted (so no character is FTS syntax),
/// any of them matching; BM25 ranks files with more and rarer matches first. `None` when the
/// query has no words.
pub fn fts_query(query: &str) -> Option<String> {
    let words: Vec<String> = query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(32)
        .map(|w| format!("\"{}\"", w.to_lowercase()))
        .collect();
    (!words.is_empty()).then(|| words.join(" OR "))
}
