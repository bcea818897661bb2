//! SQLite storage: one database file in the data dir, WAL, embedded ordered migrations,
//! and an integrity check on open that moves a damaged file aside instead of losing it.

pub mod agents;
pub mod dreams;
pub mod events;
pub mod memory;
mod migrations;
pub mod mirror;
pub mod providers;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

pub use migrations::MIGRATIONS;

use crate::{Error, Result};

/// The database file's name inside the data dir.
pub const DB_FILE: &str = "reverie.db";

/// How long a writer waits for another connection's write lock before failing. The app, the
/// CLI and scheduled runs share one file, and a dream's apply or an import can hold the lock
/// for a while; every wait goes through [`wait_while_busy`], set here and nowhere else.
const BUSY_TIMEOUT: Duration = Duration::from_secs(20);
/// The first pause of a waiting writer, doubled on each retry up to [`BUSY_MAX_PAUSE`]. Most
/// transactions hold the lock for tens of microseconds; SQLite's own handler sleeps 1, 2, 5,
/// 10… ms, so four processes appending at once spent most of their time asleep.
const BUSY_FIRST_PAUSE: Duration = Duration::from_micros(20);
const BUSY_MAX_PAUSE: Duration = Duration::from_millis(2);

/// What happened while opening, for the start-up notices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenReport {
    /// Set when the old file was damaged: where it was moved, and why.
    pub recovered: Option<Recovery>,
    /// Migrations applied by this open (empty when the schema was current).
    pub applied: Vec<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovery {
    pub moved_to: PathBuf,
    pub reason: String,
}

/// The database. Connections are not shared across threads; callers run on blocking threads
/// (`spawn_blocking`) and take the one connection in turn.
pub struct Database {
    conn: Mutex<Connection>,
    path: PathBuf,
}

impl Database {
    /// Opens (or creates) `dir/reverie.db`, checking integrity and applying migrations.
    pub fn open_in(dir: &Path, now_ms: i64) -> Result<(Self, OpenReport)> {
        std::fs::create_dir_all(dir).map_err(|e| {
            Error::Internal(format!("Couldn't create the data folder {}: {e}. Check its permissions.", dir.display()))
        })?;
        Self::open(&dir.join(DB_FILE), now_ms)
    }

    pub fn open(path: &Path, now_ms: i64) -> Result<(Self, OpenReport)> {
        let mut recovered = None;
        let conn = match open_checked(path) {
            Ok(conn) => conn,
            Err(reason) => {
                let moved_to = move_aside(path, now_ms)?;
                tracing::error!(path = %path.display(), moved_to = %moved_to.display(), %reason, "database damaged; moved aside");
                recovered = Some(Recovery { moved_to, reason });
                open_checked(path).map_err(|reason| {
                    Error::Internal(format!("Couldn't create a new database at {}: {reason}", path.display()))
                })?
            }
        };
        let applied = migrations::apply(&conn, now_ms)?;
        Ok((Self { conn: Mutex::new(conn), path: path.to_owned() }, OpenReport { recovered, applied }))
    }

    /// An in-memory database with every migration, for tests.
    pub fn in_memory() -> Result<Self> {
        let mut conn = Connection::open_in_memory()?;
        configure(&mut conn).map_err(Error::Internal)?;
        migrations::apply(&conn, 0)?;
        Ok(Self { conn: Mutex::new(conn), path: PathBuf::from(":memory:") })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The connection. A poisoned lock only means another thread panicked mid-call; SQLite's
    /// own transactions keep the data consistent, so carry on with it.
    pub fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Begins a transaction that writes. Every writing transaction starts here, as
/// `BEGIN IMMEDIATE`: the write lock is taken up front, waiting through the busy handler for
/// other processes to commit. A transaction begun deferred that reads and then writes cannot
/// be upgraded once another connection has committed in between: SQLite answers "database is
/// locked" at once, whatever the busy timeout (clippy's `disallowed-methods` keeps the other
/// ways of beginning one out of the code).
pub fn write_tx(conn: &Connection) -> rusqlite::Result<Transaction<'_>> {
    Transaction::new_unchecked(conn, TransactionBehavior::Immediate)
}

/// Opens the file, sets the pragmas and runs `PRAGMA integrity_check`. `Err` carries why
/// the file cannot be used as a database.
fn open_checked(path: &Path) -> Result<Connection, String> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = Connection::open_with_flags(path, flags).map_err(|e| e.to_string())?;
    // Check before any pragma that writes (journal_mode rewrites the header), so a damaged
    // file is moved aside exactly as it was found.
    conn.busy_handler(Some(wait_while_busy)).map_err(|e| e.to_string())?;
    let problems: Vec<String> = conn
        .prepare("PRAGMA integrity_check")
        .and_then(|mut stmt| stmt.query_map([], |row| row.get::<_, String>(0))?.collect())
        .map_err(|e| e.to_string())?;
    if problems.len() == 1 && problems[0] == "ok" {
        configure(&mut conn)?;
        Ok(conn)
    } else {
        Err(format!("integrity check failed: {}", problems.join("; ")))
    }
}

/// SQLite's busy handler for every connection: `attempt` counts the calls for one lock wait
/// (0 first). Pauses grow from [`BUSY_FIRST_PAUSE`] to [`BUSY_MAX_PAUSE`]; after
/// [`BUSY_TIMEOUT`] in all it gives up and the statement fails with `SQLITE_BUSY`.
fn wait_while_busy(attempt: i32) -> bool {
    thread_local! {
        static WAITING_SINCE: std::cell::Cell<Option<std::time::Instant>> = const { std::cell::Cell::new(None) };
    }
    let now = std::time::Instant::now();
    let since = WAITING_SINCE.with(|cell| {
        let since = if attempt == 0 { now } else { cell.get().unwrap_or(now) };
        cell.set(Some(since));
        since
    });
    if now.duration_since(since) >= BUSY_TIMEOUT {
        return false;
    }
    let shift = attempt.clamp(0, 16) as u32;
    let pause = BUSY_FIRST_PAUSE.saturating_mul(1u32 << shift).min(BUSY_MAX_PAUSE);
    std::thread::sleep(pause);
    true
}

fn configure(conn: &mut Connection) -> Result<(), String> {
    conn.busy_handler(Some(wait_while_busy)).map_err(|e| e.to_string())?;
    // journal_mode answers with a row; in-memory databases answer "memory".
    let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).map_err(|e| e.to_string())?;
    conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;").map_err(|e| e.to_string())
}

/// Renames `path` (and its `-wal`/`-shm` companions) to `path.corrupt-<ms>`; returns the new path.
fn move_aside(path: &Path, now_ms: i64) -> Result<PathBuf> {
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or(DB_FILE);
    let target = path.with_file_name(format!("{file_name}.corrupt-{now_ms}"));
    std::fs::rename(path, &target).map_err(|e| {
        Error::Internal(format!(
            "The database at {} is damaged and couldn't be moved aside ({e}). Move it away by hand and restart Reverie.",
            path.display()
        ))
    })?;
    for suffix in ["-wal", "-shm"] {
        let companion = path.with_file_name(format!("{file_name}{suffix}"));
        if companion.exists() {
            let moved =
                target.with_file_name(format!("{}{suffix}", target.file_name().and_then(|n| n.to_str()).unwrap_or("")));
            let _ = std::fs::rename(&companion, moved);
        }
    }
    Ok(target)
}
