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
        self.check_store(store)?;
        let Some(fts) = fts_query(query) else {
            return Err(Error::invalid("query", "Search for words, like “test setup” or “deploy steps”."));
        };
        let hits = rows::search(&self.db.conn(), store, &fts, limit.clamp(1, MAX_HITS))?;
        let words = query_words(query);
        Ok(hits
            .into_iter()
            .map(|(path, content, score)| MemorySearchHit { snippet: snippet(&content, &words), path, score })
            .collect())
    }

    /// The store's index: one line per file (path and description), within `budget` tokens,
    /// and the paths it lists.
    pub fn index(&self, store: &MemoryStoreId, budget: usize) -> Result<(String, Vec<String>)> {
        let files = self.files(store)?;
        let mut text = String::new();
        let mut listed = Vec::new();
        let limit = budget * 4;
        for file in &files {
            let line = if file.description.is_empty() {
                format!("- {}\n", file.path)
            } else {
                format!("- {} — {}\n", file.path, file.description)
            };
            if text.len() + line.len() > limit {
                text.push_str(&format!(
                    "- … and {} more files: use memory_search to find them\n",
                    files.len() - listed.len()
                ));
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
        let tx = crate::store::write_tx(&conn)?;
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

/// Words too common to say what a file is about; a question's "how do the …" would otherwise
/// match every file.
const STOPWORDS: &[&str] = &[
    "a", "about", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from", "get", "has", "have",
    "how", "i", "in", "is", "it", "its", "me", "my", "of", "on", "or", "our", "should", "that", "the", "their", "them",
    "there", "this", "to", "us", "was", "we", "what", "when", "where", "which", "who", "why", "will", "with", "you",
    "your",
];

/// The words a query searches for: lower-cased, common words left out (unless there are only
/// common words), each once, at most 32.
fn query_words(query: &str) -> Vec<String> {
    let words: Vec<String> =
        query.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect();
    let meaningful: Vec<&String> = words.iter().filter(|w| !STOPWORDS.contains(&w.as_str())).collect();
    let chosen: Vec<&String> = if meaningful.is_empty() { words.iter().collect() } else { meaningful };
    let mut seen: Vec<String> = Vec::new();
    for w in chosen.into_iter().take(32) {
        if !seen.contains(w) {
            seen.push(w.clone());
        }
    }
    seen
}

/// The words of `query` as an FTS5 query: each word quoted (so no character is FTS syntax),
/// any of them matching; BM25 ranks files with more and rarer matches first. `None` when the
/// query has no words.
pub fn fts_query(query: &str) -> Option<String> {
    let words = query_words(query);
    (!words.is_empty()).then(|| words.iter().map(|w| format!("\"{w}\"")).collect::<Vec<_>>().join(" OR "))
}

/// Characters of context a snippet shows before its first match, and in all.
const SNIPPET_BEFORE: usize = 60;
const SNIPPET_CHARS: usize = 200;

/// A short excerpt around the first place a query word (or its stem: the search stems words,
/// so "tests" finds "testing") occurs, with each occurrence between « and »; the file's start
/// when no word is found verbatim.
fn snippet(content: &str, words: &[String]) -> String {
    // Case-blind on ASCII text, where lower-casing keeps every byte in place; exact otherwise.
    let lower = if content.is_ascii() { content.to_ascii_lowercase() } else { content.to_owned() };
    let haystack = lower.as_str();
    let stems: Vec<&str> = words.iter().map(|w| stem(w)).filter(|s| !s.is_empty()).collect();
    let first = stems.iter().filter_map(|s| haystack.find(s)).min().unwrap_or(0);
    let mut start = first.saturating_sub(SNIPPET_BEFORE);
    while !content.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (start + SNIPPET_CHARS).min(content.len());
    while !content.is_char_boundary(end) {
        end += 1;
    }
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let mut at = start;
    while at < end {
        let next = stems.iter().filter_map(|s| haystack[at..end].find(s).map(|i| (at + i, s.len()))).min();
        match next {
            Some((pos, len)) if pos + len <= end => {
                out.push_str(&content[at..pos]);
                let mut word_end = pos + len;
                // Mark the whole word the stem starts.
                while word_end < end && content[word_end..].chars().next().is_some_and(char::is_alphanumeric) {
                    word_end += content[word_end..].chars().next().map_or(1, char::len_utf8);
                }
                out.push('«');
                out.push_str(&content[pos..word_end]);
                out.push('»');
                at = word_end;
            }
            _ => {
                out.push_str(&content[at..end]);
                at = end;
            }
        }
    }
    if end < content.len() {
        out.push('…');
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A word's stem for finding it in text: the word less a plural or verb ending, at least four
/// letters kept.
fn stem(word: &str) -> &str {
    for suffix in ["ing", "es", "ed", "s"] {
        if let Some(base) = word.strip_suffix(suffix) {
            if base.len() >= 4 {
                return base;
            }
        }
    }
    word
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn queries_quote_words_and_drop_common_ones() {
        assert_eq!(fts_query("How do the tests get their database?").as_deref(), Some("\"tests\" OR \"database\""));
        assert_eq!(fts_query("the the").as_deref(), Some("\"the\""));
        assert_eq!(fts_query("x\" OR *").as_deref(), Some("\"x\""), "FTS syntax is never passed through");
        assert_eq!(fts_query("?!"), None);
    }

    #[test]
    fn snippets_mark_the_words_and_their_forms_around_the_first_match() {
        let words = vec!["tests".to_owned(), "database".to_owned()];
        let text =
            format!("{}\nEach test opens a fresh Database file; testing never shares one.\n", "intro ".repeat(30));
        let s = super::snippet(&text, &words);
        assert!(s.starts_with('…'), "{s}");
        assert!(s.contains("«test» opens a fresh «Database» file; «testing» never"), "{s}");
        assert_eq!(super::snippet("# Title\nno match here", &words), "# Title no match here");
        assert_eq!(super::snippet("ünïcödé tests", &words), "ünïcödé «tests»");
    }
}
