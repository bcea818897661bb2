//! Embedded migrations, ordered by their timestamp id. A shipped migration is never edited;
//! a fresh database runs exactly the same list as an old one.

use rusqlite::{params, Connection};

use crate::{Error, Result};

/// `(id, sql)`, in the order they apply. Ids are `YYYYMMDDhhmmss_name`, the file names in
/// `migrations/`.
pub const MIGRATIONS: &[(&str, &str)] = &[
    ("20261121120000_providers", include_str!("../../migrations/20261121120000_providers.sql")),
    ("20261121140000_sessions_events", include_str!("../../migrations/20261121140000_sessions_events.sql")),
    ("20261127120000_agents_runs", include_str!("../../migrations/20261127120000_agents_runs.sql")),
    ("20261127150000_memory", include_str!("../../migrations/20261127150000_memory.sql")),
    ("20261127170000_rubrics", include_str!("../../migrations/20261127170000_rubrics.sql")),
    ("20261127190000_agent_roster", include_str!("../../migrations/20261127190000_agent_roster.sql")),
    ("20261127200000_dreams", include_str!("../../migrations/20261127200000_dreams.sql")),
    ("20261127210000_dream_watermarks", include_str!("../../migrations/20261127210000_dream_watermarks.sql")),
    ("20261127220000_dream_cron", include_str!("../../migrations/20261127220000_dream_cron.sql")),
];

/// Applies every pending migration in one transaction; returns the ids applied. Two processes
/// opening a new database at once both find migrations pending; the second waits for the
/// first's write lock, then reads again inside its own transaction and finds nothing to do.
pub(crate) fn apply(conn: &Connection, now_ms: i64) -> Result<Vec<&'static str>> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT",
    )?;
    if pending(conn)?.is_empty() {
        return Ok(Vec::new());
    }
    let tx = super::write_tx(conn)?;
    let pending = pending(&tx)?;
    for (id, sql) in &pending {
        tx.execute_batch(sql).map_err(|e| Error::Internal(format!("migration {id} failed: {e}")))?;
        tx.execute("INSERT INTO schema_migrations (id, applied_at) VALUES (?1, ?2)", params![id, now_ms])?;
    }
    tx.commit()?;
    if !pending.is_empty() {
        tracing::info!(count = pending.len(), "applied migrations");
    }
    Ok(pending.iter().map(|(id, _)| *id).collect())
}

/// The migrations not yet applied, in order; an id this build does not know is a newer database.
fn pending(conn: &Connection) -> Result<Vec<&'static (&'static str, &'static str)>> {
    let known: Vec<String> = conn
        .prepare("SELECT id FROM schema_migrations ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if let Some(unknown) = known.iter().find(|id| !MIGRATIONS.iter().any(|(m, _)| m == id)) {
        return Err(Error::Internal(format!(
            "This database was written by a newer version of Reverie (migration {unknown}). Update Reverie to open it."
        )));
    }
    Ok(MIGRATIONS.iter().filter(|(id, _)| !known.iter().any(|k| k == id)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_strictly_ordered_and_named_like_their_files() {
        for pair in MIGRATIONS.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{} must sort before {}", pair[0].0, pair[1].0);
        }
        for (id, _) in MIGRATIONS {
            let (stamp, name) = id.split_once('_').expect("id is <timestamp>_<name>");
            assert_eq!(stamp.len(), 14, "{id}: timestamp is YYYYMMDDhhmmss");
            assert!(stamp.bytes().all(|b| b.is_ascii_digit()), "{id}");
            assert!(!name.is_empty(), "{id}");
        }
    }
}
