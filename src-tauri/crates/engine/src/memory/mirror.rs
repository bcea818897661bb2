//! The disk mirror: every store is also a folder of plain Markdown files under
//! `<data dir>/memory/<store name>/`, so the user can open it in their own editor.
//!
//! `memory_sync` holds, per file, the sha256 disk and Reverie last agreed on. Comparing the disk,
//! Reverie's current content and that record tells who changed a file:
//!
//! - both sides equal: in step (the app's own writes land here, so they never come back as
//!   external edits);
//! - only Reverie changed: the disk file is rewritten (atomically) or removed;
//! - only the disk changed: the edit is imported through [`Memory::apply`] as actor `external`,
//!   with Reverie's current sha256 as the precondition, so a write racing in is a conflict;
//! - both changed: a conflict row, neither side wins until the user chooses ([`Mirror::resolve`]).
//!
//! A disk file that can't be imported (not UTF-8, over 100 kB, a name that isn't a memory path,
//! a symbolic link) is recorded as a problem for the user; nothing is imported and the file is
//! left alone. A store folder that disappears is written out again: deleting the folder does not
//! delete the store's files.

use std::collections::{BTreeSet, HashSet};
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};

use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use reverie_protocol::{MemoryConflict, MemoryStore, MemoryStoreId};
use tokio::sync::watch;

use super::{paths, sha256, Actor, Change, Memory, WriteListener, MAX_FILE_BYTES};
use crate::store::{memory as rows, mirror as sync_rows};
use crate::{Clock, Database, Error, Ids, Result};

/// The mirror's folder inside the data dir.
pub const MIRROR_DIR: &str = "memory";

/// How long the folder must be quiet before a sync. Editors save in several steps (write a
/// temporary file, rename it over the old one, set permissions) and `git checkout` or a sync
/// client touch many files in a burst; half a second covers those sequences so a file is read
/// once, complete, while an edit still shows up in the app about as soon as the user looks.
pub const DEBOUNCE: Duration = Duration::from_millis(500);

/// The longest a sync waits while changes keep coming (a tool rewriting files in a loop), so
/// imports are late at worst by this much, never starved.
pub const MAX_DELAY: Duration = Duration::from_secs(5);

/// A file in a mirror folder that Reverie couldn't import: why, and since when. Nothing was
/// imported and the disk file was left as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MirrorProblem {
    pub store_id: MemoryStoreId,
    /// The path in the store's folder, as found.
    pub path: String,
    pub problem: String,
    pub detected_at: i64,
}

/// The disk mirror of every store. Listen to writes with [`Memory::with_listener`].
pub struct Mirror {
    root: PathBuf,
    db: Arc<Database>,
    /// Imports go through the one writer path, on a `Memory` without this listener.
    memory: Memory,
    clock: Arc<dyn Clock>,
    /// Held while the mirror compares or changes a file, so a scan and a write listener never
    /// interleave on one file. Taken before the database connection, never while holding it.
    busy: Mutex<()>,
}

/// What the disk holds at a memory path.
enum Disk {
    Absent,
    Text { content: String, sha: String },
    /// Present but can't be imported; the reason, for the user.
    Bad(String),
}

impl Mirror {
    /// A mirror in `root` (the shell passes `<data dir>/memory`) over the stores of `db`.
    pub fn new(root: PathBuf, db: Arc<Database>, clock: Arc<dyn Clock>, ids: Arc<dyn Ids>) -> Self {
        let memory = Memory::new(db.clone(), clock.clone(), ids);
        Self { root, db, memory, clock, busy: Mutex::new(()) }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The folder of a store.
    pub fn folder(&self, store: &MemoryStore) -> PathBuf {
        self.root.join(&store.name)
    }

    /// Brings every store and its folder in step now: imports external edits, writes out what
    /// changed in Reverie (all of it on the first sync), records conflicts. Deterministic: the
    /// watcher calls the same code after its quiet period, tests call this instead of waiting.
    pub fn flush(&self) -> Result<()> {
        let _busy = self.lock();
        create_dir(&self.root)?;
        let mut first_error = None;
        for store in self.memory.stores()? {
            if let Err(e) = self.sync_locked(&store) {
                tracing::warn!(store = store.name.as_str(), error = %e, "memory mirror: store not synced");
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// [`Mirror::flush`] for one store.
    pub fn sync_store(&self, store: &MemoryStoreId) -> Result<()> {
        let _busy = self.lock();
        let store = self.memory.store(store)?;
        create_dir(&self.root)?;
        self.sync_locked(&store)
    }

    /// Files changed both on disk and in Reverie, waiting for the user's choice.
    pub fn conflicts(&self, store: &MemoryStoreId) -> Result<Vec<MemoryConflict>> {
        sync_rows::conflicts(&self.db.conn(), store)
    }

    /// Files in the store's folder that couldn't be imported.
    pub fn problems(&self, store: &MemoryStoreId) -> Result<Vec<MirrorProblem>> {
        let rows = sync_rows::conflict_rows(&self.db.conn(), store)?;
        Ok(rows
            .into_iter()
            .filter_map(|r| Some(MirrorProblem { store_id: store.clone(), path: r.path, problem: r.problem?, detected_at: r.detected_at }))
            .collect())
    }

    /// Ends a conflict (or a problem) on `path`: `keep_ours` rewrites the disk file from
    /// Reverie's content (removes it if Reverie has none); otherwise the disk file is imported as
    /// it is now, as actor `external`, with no precondition since the user chose.
    pub fn resolve(&self, store: &MemoryStoreId, path: &str, keep_ours: bool) -> Result<()> {
        let _busy = self.lock();
        let info = self.memory.store(store)?;
        let row = sync_rows::conflict(&self.db.conn(), store, path)?
            .ok_or_else(|| Error::NotFound(format!("There is no conflict on {path} in the store “{}”.", info.name)))?;
        let dir = self.folder(&info);
        let path = match paths::check_path(&row.path, "path") {
            Ok(p) if p == row.path => p,
            _ => {
                return Err(Error::invalid(
                    "path",
                    format!("{} can't be a memory file. Rename or move it in {}; Reverie picks it up then.", row.path, dir.display()),
                ))
            }
        };
        create_dir(&dir)?;
        if keep_ours {
            let ours = rows::file(&self.db.conn(), store, &path)?;
            write_out(&dir, &path, ours.as_ref().map(|f| f.content.as_str())).map_err(|e| io_error("write", &dir.join(&path), &e))?;
            sync_rows::set_synced(&self.db.conn(), store, &path, ours.as_ref().map(|f| f.sha256.as_str()))?;
        } else {
            let disk = read_disk(&dir.join(&path));
            let disk_sha = match &disk {
                Disk::Bad(problem) => return Err(Error::invalid("path", format!("{path} can't be imported: {problem}"))),
                Disk::Absent => None,
                Disk::Text { sha, .. } => Some(sha.clone()),
            };
            if row.problem.is_none() && row.theirs.as_deref().map(sha256) != disk_sha {
                let theirs = match &disk {
                    Disk::Text { content, .. } => Some(content.as_str()),
                    _ => None,
                };
                sync_rows::put_conflict(&self.db.conn(), store, &path, theirs, None, self.clock.now_ms())?;
                return Err(Error::Conflict {
                    field: Some("path"),
                    message: format!("{path} changed on disk again since the conflict was shown. Look at it again, then choose."),
                });
            }
            match disk {
                Disk::Text { content, .. } => {
                    self.memory.apply(store, Change::Write { path: path.clone(), content }, None, &Actor::External)?;
                }
                Disk::Absent | Disk::Bad(_) => {
                    if rows::file(&self.db.conn(), store, &path)?.is_some() {
                        self.memory.apply(store, Change::Delete { path: path.clone() }, None, &Actor::External)?;
                    }
                }
            }
            sync_rows::set_synced(&self.db.conn(), store, &path, disk_sha.as_deref())?;
        }
        sync_rows::remove_conflict(&self.db.conn(), store, &path)?;
        tracing::info!(store = info.name.as_str(), path = path.as_str(), keep_ours, "memory mirror: conflict resolved");
        Ok(())
    }

    /// Watches the mirror folder and syncs the stores whose folders changed, once the folder has
    /// been quiet for [`DEBOUNCE`]. Dropping the returned handle stops watching. Call
    /// [`Mirror::flush`] after this at start so nothing changed meanwhile is missed.
    pub fn watch(self: &Arc<Self>) -> Result<MirrorWatch> {
        create_dir(&self.root)?;
        let (tx, rx) = std::sync::mpsc::channel();
        let watcher = notify::recommended_watcher(tx).map_err(|e| watch_error(&self.root, &e))?;
        let watcher = Arc::new(Mutex::new(watcher));
        lock(&watcher).watch(&self.root, RecursiveMode::Recursive).map_err(|e| watch_error(&self.root, &e))?;
        let (synced_tx, synced) = watch::channel(0);
        let mirror = self.clone();
        let weak = Arc::downgrade(&watcher);
        std::thread::Builder::new()
            .name("memory-mirror".into())
            .spawn(move || mirror.watch_loop(&rx, &weak, &synced_tx))
            .map_err(|e| Error::Internal(format!("Couldn't start the memory folder watcher: {e}")))?;
        Ok(MirrorWatch { _watcher: watcher, synced })
    }

    fn watch_loop(&self, events: &Receiver<notify::Result<Event>>, watcher: &Weak<Mutex<RecommendedWatcher>>, synced: &watch::Sender<u64>) {
        loop {
            let mut changed = Changed::default();
            while changed.is_empty() {
                match events.recv() {
                    Ok(event) => changed.add(&self.root, event),
                    Err(_) => return, // the watcher was dropped
                };
            }
            let give_up = Instant::now() + MAX_DELAY;
            let mut quiet_until = Instant::now() + DEBOUNCE;
            loop {
                let deadline = quiet_until.min(give_up);
                let Some(wait) = deadline.checked_duration_since(Instant::now()) else { break };
                match events.recv_timeout(wait) {
                    Ok(event) => {
                        if changed.add(&self.root, event) {
                            quiet_until = Instant::now() + DEBOUNCE;
                        }
                    }
                    Err(RecvTimeoutError::Timeout) => break,
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            }
            if let Err(e) = self.sync_changed(&changed) {
                tracing::warn!(error = %e, "memory mirror: sync after a change failed");
            }
            if changed.root {
                // The root itself was removed or replaced: its watch is gone with it.
                if let Some(watcher) = watcher.upgrade() {
                    let mut watcher = lock(&watcher);
                    let _ = watcher.unwatch(&self.root);
                    if let Err(e) = watcher.watch(&self.root, RecursiveMode::Recursive) {
                        tracing::warn!(error = %e, "memory mirror: couldn't watch the folder again");
                    }
                }
            }
            synced.send_modify(|n| *n += 1);
        }
    }

    fn sync_changed(&self, changed: &Changed) -> Result<()> {
        if changed.all {
            return self.flush();
        }
        let _busy = self.lock();
        create_dir(&self.root)?;
        for store in self.memory.stores()?.iter().filter(|s| changed.folders.contains(&s.name)) {
            self.sync_locked(store)?;
        }
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, ()> {
        lock(&self.busy)
    }

    fn sync_locked(&self, store: &MemoryStore) -> Result<()> {
        let dir = self.folder(store);
        if !dir.is_dir() {
            // First sync, or the folder was deleted while Reverie ran: nothing in it can be an
            // edit, so forget what it held and write every file out again.
            sync_rows::forget_store(&self.db.conn(), &store.id)?;
            create_dir(&dir)?;
        }
        let mut found = BTreeSet::new();
        let mut bad = Vec::new();
        walk(&dir, "", &mut found, &mut bad).map_err(|e| io_error("read", &dir, &e))?;
        let (known, synced, before) = {
            let conn = self.db.conn();
            let known = rows::files(&conn, &store.id)?;
            (known, sync_rows::synced(&conn, &store.id)?, sync_rows::conflict_rows(&conn, &store.id)?)
        };
        let mut shown = HashSet::new();
        for (path, problem) in bad {
            self.show(store, &path, None, Some(&problem))?;
            shown.insert(path);
        }
        let all: BTreeSet<String> = found.iter().cloned().chain(known.into_iter().map(|f| f.path)).chain(synced.into_keys()).collect();
        for path in all {
            // Read even when the walk didn't list it: a folder may have taken the file's name.
            let disk = read_disk(&dir.join(&path));
            if self.reconcile(store, &path, disk)? {
                shown.insert(path);
            }
        }
        for row in before.into_iter().filter(|r| !shown.contains(&r.path)) {
            sync_rows::remove_conflict(&self.db.conn(), &store.id, &row.path)?;
        }
        Ok(())
    }

    /// Brings one path in step; `true` when it ends as a conflict or problem for the user.
    fn reconcile(&self, store: &MemoryStore, path: &str, disk: Disk) -> Result<bool> {
        let (ours, base) = {
            let conn = self.db.conn();
            (rows::file(&conn, &store.id, path)?, sync_rows::synced_sha(&conn, &store.id, path)?)
        };
        let ours_sha = ours.as_ref().map(|f| f.sha256.as_str());
        let (disk_sha, theirs) = match &disk {
            Disk::Bad(problem) => {
                self.show(store, path, None, Some(problem))?;
                return Ok(true);
            }
            Disk::Absent => (None, None),
            Disk::Text { content, sha } => (Some(sha.as_str()), Some(content.as_str())),
        };
        if disk_sha == ours_sha {
            if base.as_deref() != ours_sha {
                sync_rows::set_synced(&self.db.conn(), &store.id, path, ours_sha)?;
            }
            return Ok(false);
        }
        if disk_sha == base.as_deref() {
            // Only Reverie changed (or the file was never written out): bring the disk in step.
            let dir = self.folder(store);
            if let Err(e) = write_out(&dir, path, ours.as_ref().map(|f| f.content.as_str())) {
                self.show(store, path, None, Some(&format!("Reverie couldn't update it in the folder: {e}.")))?;
                return Ok(true);
            }
            sync_rows::set_synced(&self.db.conn(), &store.id, path, ours_sha)?;
            return Ok(false);
        }
        if ours_sha == base.as_deref() {
            // Only the disk changed: an external edit. Reverie's current sha256 is the
            // precondition ("" = must not exist yet), so a write racing in is a conflict.
            let change = match theirs {
                Some(content) => Change::Write { path: path.to_owned(), content: content.to_owned() },
                None => Change::Delete { path: path.to_owned() },
            };
            return match self.memory.apply(&store.id, change, Some(ours_sha.unwrap_or("")), &Actor::External) {
                Ok(_) | Err(Error::NotFound(_)) if theirs.is_none() => {
                    sync_rows::set_synced(&self.db.conn(), &store.id, path, None)?;
                    Ok(false)
                }
                Ok(_) => {
                    sync_rows::set_synced(&self.db.conn(), &store.id, path, disk_sha)?;
                    tracing::info!(store = store.name.as_str(), path, "memory mirror: external edit imported");
                    Ok(false)
                }
                Err(Error::Conflict { .. }) => {
                    self.show(store, path, theirs, None)?;
                    Ok(true)
                }
                Err(Error::Invalid { message, .. }) => {
                    self.show(store, path, None, Some(&message))?;
                    Ok(true)
                }
                Err(e) => Err(e),
            };
        }
        // Both changed since they last agreed: the user chooses.
        self.show(store, path, theirs, None)?;
        Ok(true)
    }

    fn show(&self, store: &MemoryStore, path: &str, theirs: Option<&str>, problem: Option<&str>) -> Result<()> {
        match problem {
            Some(problem) => tracing::warn!(store = store.name.as_str(), path, problem, "memory mirror: file not imported"),
            None => tracing::warn!(store = store.name.as_str(), path, "memory mirror: changed on disk and in Reverie"),
        }
        sync_rows::put_conflict(&self.db.conn(), &store.id, path, theirs, problem, self.clock.now_ms())
    }

    fn written_locked(&self, store: &MemoryStore, path: &str) -> Result<()> {
        let _busy = self.lock();
        let dir = self.folder(store);
        if !dir.is_dir() {
            create_dir(&self.root)?;
            return self.sync_locked(store);
        }
        // The listener's content may already be stale (two writes' listeners can run in either
        // order), so compare with the database's current content, as a scan does.
        if !self.reconcile(store, path, read_disk(&dir.join(path)))? {
            sync_rows::remove_conflict(&self.db.conn(), &store.id, path)?;
        }
        Ok(())
    }
}

impl WriteListener for Mirror {
    fn written(&self, store: &MemoryStore, path: &str, _content: Option<&str>) {
        if let Err(e) = self.written_locked(store, path) {
            tracing::warn!(store = store.name.as_str(), path, error = %e, "memory mirror: file not written to disk");
        }
    }
}

/// Watching the mirror folder; dropping it stops the watcher and its thread.
pub struct MirrorWatch {
    _watcher: Arc<Mutex<RecommendedWatcher>>,
    synced: watch::Receiver<u64>,
}

impl MirrorWatch {
    /// Counts the syncs the watcher has finished: await a change instead of sleeping.
    pub fn synced(&self) -> watch::Receiver<u64> {
        self.synced.clone()
    }
}

/// Which store folders changed since the last sync.
#[derive(Default)]
struct Changed {
    folders: HashSet<String>,
    /// Sync every store (the root changed, or events were lost).
    all: bool,
    /// The root itself was touched, so its watch may need renewing.
    root: bool,
}

impl Changed {
    fn is_empty(&self) -> bool {
        !self.all && self.folders.is_empty()
    }

    /// Notes an event; `false` when it changes nothing on disk (a file opened or read,
    /// including by the mirror's own scans).
    fn add(&mut self, root: &Path, event: notify::Result<Event>) -> bool {
        let event = match event {
            Ok(event) => event,
            Err(e) => {
                tracing::warn!(error = %e, "memory mirror: watcher error; rescanning every store");
                self.all = true;
                return true;
            }
        };
        if matches!(event.kind, EventKind::Access(_)) {
            return false;
        }
        if event.need_rescan() {
            self.all = true;
        }
        for path in &event.paths {
            let Ok(rel) = path.strip_prefix(root) else { continue };
            match rel.components().next() {
                Some(Component::Normal(name)) => {
                    self.folders.insert(name.to_string_lossy().into_owned());
                }
                _ => {
                    self.all = true;
                    self.root = true;
                }
            }
        }
        true
    }
}

/// Collects the memory paths under `dir` (`found`) and the files that can't be memory files
/// (`bad`: path and why). Hidden names (editor swap files, the mirror's temporary files, `.git`)
/// and backups ending in `~` are skipped.
fn walk(dir: &Path, prefix: &str, found: &mut BTreeSet<String>, bad: &mut Vec<(String, String)>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let shown_name = name.to_string_lossy();
        if shown_name.starts_with('.') || shown_name.ends_with('~') {
            continue;
        }
        let rel = format!("{prefix}{shown_name}");
        if entry.file_type()?.is_dir() {
            if let Err(e) = walk(&entry.path(), &format!("{rel}/"), found, bad) {
                bad.push((rel, format!("Reverie couldn't read this folder: {e}.")));
            }
            continue;
        }
        if name.to_str().is_none() {
            bad.push((rel, "Its name isn't valid text. Rename it; it was not imported.".into()));
            continue;
        }
        match paths::check_path(&rel, "path") {
            Ok(path) if path == rel => {
                found.insert(rel);
            }
            Ok(_) => bad.push((rel, "Its name starts or ends with a space. Rename it; it was not imported.".into())),
            Err(e) => bad.push((rel, format!("{e} Rename it; it was not imported."))),
        }
    }
    Ok(())
}

/// What the disk holds at `file`, read only when it can be a memory file.
fn read_disk(file: &Path) -> Disk {
    let too_large = |bytes: u64| {
        Disk::Bad(format!(
            "It is {} kB; a memory file holds at most {} kB. Split it into smaller files; it was not imported.",
            bytes.div_ceil(1000),
            MAX_FILE_BYTES / 1000
        ))
    };
    let meta = match std::fs::symlink_metadata(file) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Disk::Absent,
        Err(e) => return Disk::Bad(format!("Reverie couldn't read it: {e}.")),
    };
    if meta.file_type().is_symlink() {
        return Disk::Bad("It is a symbolic link; the folder only takes plain files. It was not imported.".into());
    }
    if meta.is_dir() {
        return Disk::Bad("A folder has the name of this memory file. Rename the folder.".into());
    }
    if meta.len() > MAX_FILE_BYTES as u64 {
        return too_large(meta.len());
    }
    let mut bytes = Vec::new();
    // Read one byte past the limit, in case the file grew since its size was taken.
    let read = std::fs::File::open(file).and_then(|f| f.take(MAX_FILE_BYTES as u64 + 1).read_to_end(&mut bytes));
    match read {
        Ok(_) if bytes.len() > MAX_FILE_BYTES => too_large(bytes.len() as u64),
        Ok(_) => match String::from_utf8(bytes) {
            Ok(content) => Disk::Text { sha: sha256(&content), content },
            Err(_) => Disk::Bad(
                "It isn't UTF-8 text (binary data, or saved in another encoding). Save it as UTF-8 Markdown; it was not imported.".into(),
            ),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Disk::Absent,
        Err(e) => Disk::Bad(format!("Reverie couldn't read it: {e}.")),
    }
}

/// Puts `content` at `dir/path` atomically (a hidden temporary file renamed over it), or removes
/// the file and the folders it leaves empty (`None`).
fn write_out(dir: &Path, path: &str, content: Option<&str>) -> std::io::Result<()> {
    let file = dir.join(path);
    let parent = file.parent().unwrap_or(dir).to_owned();
    match content {
        Some(content) => {
            std::fs::create_dir_all(&parent)?;
            let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let temp = parent.join(format!(".{name}.reverie-{}.tmp", std::process::id()));
            std::fs::write(&temp, content)?;
            std::fs::rename(&temp, &file).inspect_err(|_| {
                let _ = std::fs::remove_file(&temp);
            })
        }
        None => {
            match std::fs::remove_file(&file) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
            let mut folder = parent.as_path();
            while folder != dir && folder.starts_with(dir) && std::fs::remove_dir(folder).is_ok() {
                folder = folder.parent().unwrap_or(dir);
            }
            Ok(())
        }
    }
}

fn create_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| io_error("create", dir, &e))
}

fn io_error(action: &str, path: &Path, e: &std::io::Error) -> Error {
    Error::Internal(format!("Couldn't {action} {} in the memory folder: {e}. Check its permissions.", path.display()))
}

fn watch_error(root: &Path, e: &notify::Error) -> Error {
    Error::Internal(format!("Couldn't watch the memory folder {} for edits: {e}.", root.display()))
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned lock only means another thread panicked mid-sync; every step re-reads the
    // disk and the database, so carrying on is safe.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
