//! Memory stores: named sets of small Markdown files that agents search and read on demand.
//!
//! There is one writer path: [`Memory::apply`]. Agent tools, the Memory page's editor, the
//! mirror's watcher (external edits) and accepted dream changes all call it. It checks the path
//! and the limits, compares the sha256 the writer expected with the current one (a mismatch is
//! a conflict, never an overwrite), and writes the file, its full-text row and an immutable
//! version in one transaction. Then the mirror on disk is brought in step.

mod disk;
mod history;
pub mod mirror;
mod mount;
pub mod paths;
mod search;
pub mod tools;
mod transfer;

use std::sync::Arc;

use reverie_protocol::{
    MemoryFile, MemoryFileContent, MemoryOp, MemoryStore, MemoryStoreId, MemoryStoreInput, MemoryVersion,
};
use sha2::{Digest, Sha256};

pub use history::diff_lines;
pub use mirror::Mirror;
pub use mount::MountedMemory;
pub use search::{fts_query, INDEX_TOKEN_BUDGET};

use crate::store::memory as rows;
use crate::{Clock, Database, Error, Ids, Result};

/// Largest file, in bytes.
pub const MAX_FILE_BYTES: usize = 100 * 1000;
/// Most files in one store.
pub const MAX_FILES: u64 = 2000;
/// Largest store, in bytes of content.
pub const MAX_STORE_BYTES: u64 = 100 * 1000 * 1000;

/// The limits a store is held to: the constants above, lowered in tests that would otherwise
/// have to write 100 MB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub file_bytes: usize,
    pub files: u64,
    pub store_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self { file_bytes: MAX_FILE_BYTES, files: MAX_FILES, store_bytes: MAX_STORE_BYTES }
    }
}
/// Longest store description.
pub const MAX_DESCRIPTION_CHARS: usize = 300;

/// A change to one file of a store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Create the file or replace its content.
    Write {
        path: String,
        content: String,
    },
    Delete {
        path: String,
    },
    Rename {
        from: String,
        to: String,
    },
}

/// Who made a write, as recorded on its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Thread { session: String, thread: String },
    User,
    External,
    Dream(String),
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Thread { session, thread } => write!(f, "session:{session}/thread:{thread}"),
            Self::User => f.write_str("user"),
            Self::External => f.write_str("external"),
            Self::Dream(id) => write!(f, "dream:{id}"),
        }
    }
}

/// Told about every write after it is committed (the disk mirror).
pub trait WriteListener: Send + Sync {
    /// `path` now holds `content` (`None`: it was deleted) in `store`.
    fn written(&self, store: &MemoryStore, path: &str, content: Option<&str>);
}

/// The memory service. Cheap to clone; every method touches SQLite, so call it off the async
/// runtime.
#[derive(Clone)]
pub struct Memory {
    db: Arc<Database>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn Ids>,
    listener: Option<Arc<dyn WriteListener>>,
    limits: Limits,
}

impl Memory {
    pub fn new(db: Arc<Database>, clock: Arc<dyn Clock>, ids: Arc<dyn Ids>) -> Self {
        Self { db, clock, ids, listener: None, limits: Limits::default() }
    }

    /// The limits stores are held to.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Tells `listener` about every committed write (the mirror).
    pub fn with_listener(mut self, listener: Arc<dyn WriteListener>) -> Self {
        self.listener = Some(listener);
        self
    }

    pub fn db(&self) -> &Arc<Database> {
        &self.db
    }

    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    pub fn stores(&self) -> Result<Vec<MemoryStore>> {
        rows::stores(&self.db.conn())
    }

    pub fn store(&self, id: &MemoryStoreId) -> Result<MemoryStore> {
        rows::store(&self.db.conn(), id)?.ok_or_else(|| store_not_found(id))
    }

    /// `Ok` when the store exists (without counting its files).
    pub fn check_store(&self, id: &MemoryStoreId) -> Result<()> {
        if rows::store_exists(&self.db.conn(), id)? {
            Ok(())
        } else {
            Err(store_not_found(id))
        }
    }

    /// The store named `name` (ignoring case).
    pub fn store_by_name(&self, name: &str) -> Result<MemoryStore> {
        let id = rows::store_id_by_name(&self.db.conn(), name)?
            .ok_or_else(|| Error::NotFound(format!("There is no memory store named “{}”.", name.trim())))?;
        self.store(&id)
    }

    pub fn create_store(&self, input: MemoryStoreInput) -> Result<MemoryStore> {
        let name = paths::check_store_name(&input.name)?;
        let description = input.description.trim().to_owned();
        if description.chars().count() > MAX_DESCRIPTION_CHARS {
            return Err(Error::invalid(
                "description",
                format!("Keep the description to {MAX_DESCRIPTION_CHARS} characters."),
            ));
        }
        if rows::store_id_by_name(&self.db.conn(), &name)?.is_some() {
            return Err(Error::Conflict {
                field: Some("name"),
                message: format!("A memory store named “{name}” already exists."),
            });
        }
        let id = MemoryStoreId(self.ids.new_id("mem"));
        rows::insert_store(&self.db.conn(), &id, &name, &description, self.clock.now_ms())?;
        self.store(&id)
    }

    pub fn delete_store(&self, id: &MemoryStoreId) -> Result<()> {
        if !rows::delete_store(&self.db.conn(), id)? {
            return Err(store_not_found(id));
        }
        Ok(())
    }

    pub fn files(&self, id: &MemoryStoreId) -> Result<Vec<MemoryFile>> {
        self.check_store(id)?;
        rows::files(&self.db.conn(), id)
    }

    pub fn read(&self, id: &MemoryStoreId, path: &str) -> Result<MemoryFileContent> {
        let path = paths::check_path(path, "path")?;
        rows::file(&self.db.conn(), id, &path)?.ok_or_else(|| file_not_found(&path))
    }

    /// The one writer path. `expected` is the sha256 the writer based the change on (`None`:
    /// no precondition); if the file's current sha256 differs, nothing is written and the
    /// error is a conflict. An empty `expected` means the file must not exist yet (the mirror
    /// importing a file created on disk). A write that changes nothing records no version and
    /// returns the current one.
    #[tracing::instrument(skip_all, fields(store_id = store.as_str(), actor = %actor))]
    pub fn apply(
        &self,
        store: &MemoryStoreId,
        change: Change,
        expected: Option<&str>,
        actor: &Actor,
    ) -> Result<MemoryVersion> {
        let mut versions = self.apply_all(store, vec![(change, expected.map(str::to_owned))], actor)?;
        Ok(versions.remove(0))
    }

    /// Several changes in one transaction (a dream's accepted hunks): all are written, each as
    /// its own version, or none is.
    pub fn apply_all(
        &self,
        store: &MemoryStoreId,
        changes: Vec<(Change, Option<String>)>,
        actor: &Actor,
    ) -> Result<Vec<MemoryVersion>> {
        self.apply_all_with(store, changes, actor, |_, _| Ok(()))
    }

    /// [`Memory::apply_all`], and `also` in the same transaction with the versions written
    /// (a dream's proposal records what it applied, or nothing is written at all).
    pub fn apply_all_with(
        &self,
        store: &MemoryStoreId,
        changes: Vec<(Change, Option<String>)>,
        actor: &Actor,
        also: impl FnOnce(&rusqlite::Connection, &[MemoryVersion]) -> Result<()>,
    ) -> Result<Vec<MemoryVersion>> {
        let conn = self.db.conn();
        let tx = crate::store::write_tx(&conn)?;
        let info = rows::store(&tx, store)?.ok_or_else(|| store_not_found(store))?;
        // What the mirror must do once this commits: (path, new content or None).
        let mut mirror: Vec<(String, Option<String>)> = Vec::new();
        let mut versions = Vec::with_capacity(changes.len());
        for (change, expected) in changes {
            versions.push(self.apply_in(&tx, store, change, expected.as_deref(), actor, &mut mirror)?);
        }
        rows::touch_store(&tx, store, self.clock.now_ms())?;
        also(&tx, &versions)?;
        tx.commit()?;
        drop(conn);
        if let Some(listener) = &self.listener {
            for (path, content) in &mirror {
                listener.written(&info, path, content.as_deref());
            }
        }
        Ok(versions)
    }

    /// One change inside the caller's transaction.
    fn apply_in(
        &self,
        tx: &rusqlite::Transaction<'_>,
        store: &MemoryStoreId,
        change: Change,
        expected: Option<&str>,
        actor: &Actor,
        mirror: &mut Vec<(String, Option<String>)>,
    ) -> Result<MemoryVersion> {
        let now = self.clock.now_ms();
        let tx: &rusqlite::Connection = tx;
        let info = rows::store(tx, store)?.ok_or_else(|| store_not_found(store))?;
        let (files, bytes) = (u64::from(info.files), info.bytes);
        let mut version = MemoryVersion {
            id: self.ids.new_id("ver"),
            store_id: store.clone(),
            path: String::new(),
            op: MemoryOp::Create,
            previous_path: None,
            sha256: None,
            bytes: 0,
            actor: actor.to_string(),
            time_ms: now,
            redacted: false,
        };
        match change {
            Change::Write { path, content } => {
                let path = paths::check_path(&path, "path")?;
                check_content(&content, self.limits.file_bytes)?;
                let current = rows::file(tx, store, &path)?;
                check_expected(current.as_ref().map(|f| f.sha256.as_str()), expected, &path)?;
                let sha = sha256(&content);
                if let Some(current) = &current {
                    if current.sha256 == sha {
                        return rows::version(tx, &current.version_id)?
                            .map(|(v, _)| v)
                            .ok_or_else(|| file_not_found(&path));
                    }
                }
                let old_bytes = current.as_ref().map_or(0, |f| f.content.len() as u64);
                let limits = self.limits;
                if current.is_none() && files >= limits.files {
                    return Err(Error::invalid(
                        "path",
                        format!("The store “{}” already has {} files, the most a store can hold. Merge or delete files first.", info.name, limits.files),
                    ));
                }
                let new_total = bytes - old_bytes + content.len() as u64;
                if new_total > limits.store_bytes {
                    return Err(Error::invalid(
                        "content",
                        format!("The store “{}” would grow past {}, the most a store can hold. Delete or shorten files first.", info.name, human(limits.store_bytes)),
                    ));
                }
                version.op = if current.is_some() { MemoryOp::Update } else { MemoryOp::Create };
                version.path = path.clone();
                version.sha256 = Some(sha.clone());
                version.bytes = content.len() as u64;
                rows::insert_version(tx, &version, Some(&content))?;
                let file = MemoryFileContent {
                    path: path.clone(),
                    content: content.clone(),
                    sha256: sha,
                    version_id: version.id.clone(),
                    updated_at: now,
                };
                rows::put_file(tx, store, &file, &describe(&content))?;
                mirror.push((path, Some(content)));
            }
            Change::Delete { path } => {
                let path = paths::check_path(&path, "path")?;
                let current = rows::file(tx, store, &path)?.ok_or_else(|| file_not_found(&path))?;
                check_expected(Some(&current.sha256), expected, &path)?;
                version.op = MemoryOp::Delete;
                version.path = path.clone();
                rows::insert_version(tx, &version, None)?;
                rows::remove_file(tx, store, &path)?;
                mirror.push((path, None));
            }
            Change::Rename { from, to } => {
                let from = paths::check_path(&from, "path")?;
                let to = paths::check_path(&to, "new_path")?;
                let current = rows::file(tx, store, &from)?.ok_or_else(|| file_not_found(&from))?;
                check_expected(Some(&current.sha256), expected, &from)?;
                if from == to {
                    return Err(Error::invalid("new_path", "The new path is the same as the old one."));
                }
                if rows::file(tx, store, &to)?.is_some() {
                    return Err(Error::Conflict {
                        field: Some("new_path"),
                        message: format!("{to} already exists. Choose another name or delete it first."),
                    });
                }
                version.op = MemoryOp::Rename;
                version.path = to.clone();
                version.previous_path = Some(from.clone());
                version.sha256 = Some(current.sha256.clone());
                version.bytes = current.content.len() as u64;
                rows::insert_version(tx, &version, Some(&current.content))?;
                rows::remove_file(tx, store, &from)?;
                let file =
                    MemoryFileContent { path: to.clone(), version_id: version.id.clone(), updated_at: now, ..current };
                rows::put_file(tx, store, &file, &describe(&file.content))?;
                mirror.push((from, None));
                mirror.push((to, Some(file.content)));
            }
        }
        tracing::info!(path = version.path.as_str(), op = rows::op_str(version.op), "memory written");
        Ok(version)
    }
}

/// The hex sha256 of a file's content.
pub fn sha256(content: &str) -> String {
    let digest = Sha256::digest(content.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// One line about a file: its front matter's `description:`, else its first line of text
/// (a heading's `#` dropped), cut to 120 characters.
pub fn describe(content: &str) -> String {
    let mut lines = content.lines();
    let mut first = None;
    if content.starts_with("---") {
        lines.next();
        for line in lines.by_ref() {
            if line.trim() == "---" {
                break;
            }
            if let Some(d) = line.trim().strip_prefix("description:") {
                first = Some(d.trim().trim_matches('"').to_owned());
            }
        }
    }
    let line = first.unwrap_or_else(|| {
        lines.map(str::trim).find(|l| !l.is_empty()).unwrap_or("").trim_start_matches('#').trim().to_owned()
    });
    match line.char_indices().nth(120) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line,
    }
}

fn check_content(content: &str, max_bytes: usize) -> Result<()> {
    if content.len() > max_bytes {
        return Err(Error::invalid(
            "content",
            format!(
                "The file would be {}; a memory file holds at most {}. Split it into smaller files by topic.",
                human(content.len() as u64),
                human(max_bytes as u64)
            ),
        ));
    }
    if content.chars().any(|c| c == '\0' || (c.is_control() && !matches!(c, '\n' | '\r' | '\t'))) {
        return Err(Error::invalid(
            "content",
            "Memory files are text: the content has control characters (binary data?). Write Markdown text.",
        ));
    }
    Ok(())
}

fn check_expected(current: Option<&str>, expected: Option<&str>, path: &str) -> Result<()> {
    match (expected, current) {
        (None, _) | (Some(""), None) => Ok(()),
        (Some(""), Some(_)) => Err(Error::Conflict {
            field: Some("expected_sha256"),
            message: format!("{path} was created meanwhile. Read it and apply your change to its content."),
        }),
        (Some(e), Some(c)) if e.eq_ignore_ascii_case(c) => Ok(()),
        (Some(_), None) => Err(Error::Conflict {
            field: Some("expected_sha256"),
            message: format!("{path} no longer exists (it was deleted or renamed since you read it). Read the store again."),
        }),
        (Some(_), Some(c)) => Err(Error::Conflict {
            field: Some("expected_sha256"),
            message: format!("{path} changed since you read it (it is now sha256 {c}). Read it again and apply your change to the new content."),
        }),
    }
}

fn human(bytes: u64) -> String {
    if bytes >= 1_000_000 {
        format!("{:.0} MB", bytes as f64 / 1e6)
    } else {
        format!("{} kB", bytes.div_ceil(1000))
    }
}

fn store_not_found(id: &MemoryStoreId) -> Error {
    Error::NotFound(format!("Memory store {} no longer exists.", id.as_str()))
}

fn file_not_found(path: &str) -> Error {
    Error::NotFound(format!("There is no memory file {path}."))
}
