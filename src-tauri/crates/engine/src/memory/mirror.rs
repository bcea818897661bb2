//! The disk mirror: every store is also a folder of plain Markdown files under
//! `<data dir>/memory/<store name>/`, so the user can open it in their own editor.
//!
//! `memory_sync` holds, per file, the sha256 disk and Reverie last agreed on. Comparing the disk,
//! Reverie's current content and that record tells who changed a file:
//!
//! - both sides equal: in step (the app's own writes land here, so they never come back as
//!   external edits);
//! - only Reverie changed: the disk file is rewritten or removed, atomically against an editor
//!   saving it at that moment (the new file is exchanged with the old, and what was displaced is
//!   checked against the record; a save found there goes back and both sides changed);
//! - only the disk changed: the edit is imported through [`Memory::apply`] as actor `external`,
//!   with Reverie's current sha256 as the precondition, so a write racing in is a conflict;
//! - both changed: a conflict row, neither side wins until the user chooses ([`Mirror::resolve`]).
//!
//! A disk file that can't be imported (not UTF-8, over 100 kB, a name that isn't a memory path,
//! a symbolic link) is recorded as a problem for the user; nothing is imported and the file is
//! left alone. A store folder that disappears is written out again: deleting the folder does not
//! delete the store's files. Every file is read and written beneath an open handle of the mirror
//! folder ([`crate::beneath`]): a store folder or subfolder replaced by a symbolic link is
//! reported, never read or written through.
//!
//! Writes made by another process (the CLI accepting a dream's proposal) are noticed by the
//! watcher's thread, which polls the database's `data_version` every [`POLL_OTHERS`].

use std::collections::{BTreeSet, HashSet};
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};

use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use reverie_protocol::{DiffHunk, MemoryConflict, MemoryStore, MemoryStoreId};
use tokio::sync::watch;

use super::disk::{read_disk, shown_error, walk, write_out, Disk, Expect, Written};
use super::{diff_lines, paths, sha256, Actor, Change, Memory, WriteListener};
use crate::beneath::{Kind, Root};
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

/// How often the watcher asks the database whether another process (the CLI, a second app
/// window's engine) wrote memory: `PRAGMA data_version` is one cheap read that changes only when
/// another connection commits.
pub const POLL_OTHERS: Duration = Duration::from_millis(250);

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

    /// A conflicting file's two sides as diff hunks: Reverie's current text (empty if Reverie
    /// deleted it) against the disk's (empty if the disk file was removed).
    pub fn conflict_diff(&self, store: &MemoryStoreId, path: &str) -> Result<Vec<DiffHunk>> {
        let conflict = self
            .conflicts(store)?
            .into_iter()
            .find(|c| c.path == path)
            .ok_or_else(|| Error::NotFound(format!("{path} is no longer in conflict.")))?;
        let ours = match self.memory.read(store, path) {
            Ok(file) => file.content,
            Err(Error::NotFound(_)) => String::new(),
            Err(e) => return Err(e),
        };
        Ok(diff_lines(&ours, conflict.theirs.as_deref().unwrap_or("")))
    }

    /// Files in the store's folder that couldn't be imported.
    pub fn problems(&self, store: &MemoryStoreId) -> Result<Vec<MirrorProblem>> {
        let rows = sync_rows::conflict_rows(&self.db.conn(), store)?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                Some(MirrorProblem {
                    store_id: store.clone(),
                    path: r.path,
                    problem: r.problem?,
                    detected_at: r.detected_at,
                })
            })
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
                    format!(
                        "{} can't be a memory file. Rename or move it in {}; Reverie picks it up then.",
                        row.path,
                        dir.display()
                    ),
                ))
            }
        };
        let root = self.open_root()?;
        let folder = self.create_store_dir(&root, &info)?;
        if keep_ours {
            let ours = rows::file(&self.db.conn(), store, &path)?;
            // Replace what the disk holds now (the user saw it), not a save landing meanwhile.
            let seen = match read_disk(&folder, &path) {
                Disk::Text { sha, .. } => Some(Some(sha)),
                Disk::Absent => Some(None),
                Disk::Bad(_) => None,
            };
            let expect = seen.as_ref().map_or(Expect::Any, |sha| Expect::Synced(sha.as_deref()));
            let written = write_out(&folder, &path, ours.as_ref().map(|f| f.content.as_str()), expect)
                .map_err(|e| io_error("write", &dir.join(&path), &e))?;
            if let Written::Raced(now) = written {
                let theirs = match &now {
                    Disk::Text { content, .. } => Some(content.as_str()),
                    _ => None,
                };
                sync_rows::put_conflict(&self.db.conn(), store, &path, theirs, None, self.clock.now_ms())?;
                return Err(Error::Conflict {
                    field: Some("path"),
                    message: format!("{path} was saved in the folder again just now; nothing was overwritten. Look at it again, then choose."),
                });
            }
            sync_rows::set_synced(&self.db.conn(), store, &path, ours.as_ref().map(|f| f.sha256.as_str()))?;
        } else {
            let disk = read_disk(&folder, &path);
            let disk_sha = match &disk {
                Disk::Bad(problem) => {
                    return Err(Error::invalid("path", format!("{path} can't be imported: {problem}")))
                }
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
                    message: format!(
                        "{path} changed on disk again since the conflict was shown. Look at it again, then choose."
                    ),
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
        // What other processes had written when watching began, taken here rather than in the
        // thread (which may start late), so a write made right after this returns is noticed.
        let mut seen = None;
        self.others_wrote(&mut seen);
        std::thread::Builder::new()
            .name("memory-mirror".into())
            .spawn(move || mirror.watch_loop(&rx, &weak, &synced_tx, seen))
            .map_err(|e| Error::Internal(format!("Couldn't start the memory folder watcher: {e}")))?;
        Ok(MirrorWatch { _watcher: watcher, synced })
    }

    fn watch_loop(
        &self,
        events: &Receiver<notify::Result<Event>>,
        watcher: &Weak<Mutex<RecommendedWatcher>>,
        synced: &watch::Sender<u64>,
        mut seen: Option<(i64, sync_rows::MemoryMark)>,
    ) {
        let mut last_poll = Instant::now();
        loop {
            let mut changed = Changed::default();
            let mut from_others = false;
            while changed.is_empty() {
                match events.recv_timeout(POLL_OTHERS.saturating_sub(last_poll.elapsed())) {
                    Ok(event) => {
                        changed.add(&self.root, event);
                    }
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => return, // the watcher was dropped
                };
                // Polled on time even while folder events keep coming.
                if last_poll.elapsed() >= POLL_OTHERS {
                    last_poll = Instant::now();
                    if self.others_wrote(&mut seen) {
                        // Another process wrote memory: bring every store's folder in step.
                        changed.all = true;
                        from_others = true;
                    }
                }
            }
            if from_others {
                if let Err(e) = self.flush() {
                    tracing::warn!(error = %e, "memory mirror: sync after another process wrote failed");
                }
                synced.send_modify(|n| *n += 1);
                continue;
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

    /// Whether another connection wrote memory: its `data_version` moves on any commit by
    /// another connection; only then is the memory mark (newest version, stores, their last
    /// change) read, to tell memory writes from the many others (a run's events). `true` when
    /// memory changed since `seen` (which is brought up to date).
    fn others_wrote(&self, seen: &mut Option<(i64, sync_rows::MemoryMark)>) -> bool {
        let conn = self.db.conn();
        let Ok(version) = sync_rows::data_version(&conn) else { return false };
        if seen.as_ref().is_some_and(|(v, _)| *v == version) {
            return false;
        }
        let Ok(mark) = sync_rows::memory_mark(&conn) else { return false };
        let changed = seen.as_ref().is_some_and(|(_, m)| *m != mark);
        *seen = Some((version, mark));
        changed
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
        let root = self.open_root()?;
        let dir = match self.store_dir(&root, store)? {
            Some(dir) => dir,
            None => {
                // First sync, or the folder was deleted while Reverie ran: nothing in it can be
                // an edit, so forget what it held and write every file out again.
                sync_rows::forget_store(&self.db.conn(), &store.id)?;
                self.create_store_dir(&root, store)?
            }
        };
        let mut found = BTreeSet::new();
        let mut bad = Vec::new();
        walk(&dir, "", &mut found, &mut bad).map_err(|e| io_error("read", &self.folder(store), &e))?;
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
        let all: BTreeSet<String> =
            found.iter().cloned().chain(known.into_iter().map(|f| f.path)).chain(synced.into_keys()).collect();
        for path in all {
            // Read even when the walk didn't list it: a folder may have taken the file's name.
            let disk = read_disk(&dir, &path);
            if self.reconcile(store, &dir, &path, disk)? {
                shown.insert(path);
            }
        }
        for row in before.into_iter().filter(|r| !shown.contains(&r.path)) {
            sync_rows::remove_conflict(&self.db.conn(), &store.id, &row.path)?;
        }
        Ok(())
    }

    /// Brings one path in step; `true` when it ends as a conflict or problem for the user.
    fn reconcile(&self, store: &MemoryStore, dir: &Root, path: &str, disk: Disk) -> Result<bool> {
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
            // Only Reverie changed (or the file was never written out): bring the disk in step,
            // unless an editor saves the file while it is written out; then both changed.
            let ours_content = ours.as_ref().map(|f| f.content.as_str());
            return match write_out(dir, path, ours_content, Expect::Synced(base.as_deref())) {
                Err(e) => {
                    self.show(
                        store,
                        path,
                        None,
                        Some(&format!("Reverie couldn't update it in the folder: {}.", shown_error(&e))),
                    )?;
                    Ok(true)
                }
                Ok(Written::Done) => {
                    sync_rows::set_synced(&self.db.conn(), &store.id, path, ours_sha)?;
                    Ok(false)
                }
                Ok(Written::Raced(now)) => {
                    tracing::warn!(
                        store = store.name.as_str(),
                        path,
                        "memory mirror: saved in the folder while being written out; kept"
                    );
                    match now {
                        Disk::Text { content, .. } => self.show(store, path, Some(&content), None)?,
                        Disk::Absent => self.show(store, path, None, None)?,
                        Disk::Bad(problem) => self.show(store, path, None, Some(&problem))?,
                    }
                    Ok(true)
                }
            };
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
            Some(problem) => {
                tracing::warn!(store = store.name.as_str(), path, problem, "memory mirror: file not imported")
            }
            None => tracing::warn!(store = store.name.as_str(), path, "memory mirror: changed on disk and in Reverie"),
        }
        sync_rows::put_conflict(&self.db.conn(), &store.id, path, theirs, problem, self.clock.now_ms())
    }

    /// The mirror folder, open: every store folder and file is opened beneath it.
    fn open_root(&self) -> Result<Root> {
        create_dir(&self.root)?;
        Root::open(&self.root).map_err(|e| io_error("open", &self.root, &e))
    }

    /// The store's folder, open (`None`: there is none). A symbolic link (or a file) in its
    /// place is refused: nothing is read from or written to where it leads.
    fn store_dir(&self, root: &Root, store: &MemoryStore) -> Result<Option<Root>> {
        let name = Path::new(&store.name);
        match root.metadata(name) {
            Ok(meta) if meta.kind == Kind::Dir => root.open_dir(name).map(Some).map_err(|e| io_error("open", &self.folder(store), &e)),
            Ok(meta) => Err(Error::invalid(
                "folder",
                format!(
                    "{} is {}, not the store's folder. Reverie reads and writes only a plain folder there: move it away and Reverie writes the store out again.",
                    self.folder(store).display(),
                    if meta.kind == Kind::Symlink { "a symbolic link" } else { "a file" }
                ),
            )),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_error("open", &self.folder(store), &e)),
        }
    }

    fn create_store_dir(&self, root: &Root, store: &MemoryStore) -> Result<Root> {
        let name = Path::new(&store.name);
        root.create_dir_all(name).map_err(|e| io_error("create", &self.folder(store), &e))?;
        self.store_dir(root, store)?.ok_or_else(|| {
            Error::Internal(format!("The folder {} vanished as it was created.", self.folder(store).display()))
        })
    }

    fn written_locked(&self, store: &MemoryStore, path: &str) -> Result<()> {
        let _busy = self.lock();
        let root = self.open_root()?;
        let Some(dir) = self.store_dir(&root, store)? else {
            return self.sync_locked(store);
        };
        // The listener's content may already be stale (two writes' listeners can run in either
        // order), so compare with the database's current content, as a scan does.
        if !self.reconcile(store, &dir, path, read_disk(&dir, path))? {
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

fn create_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| io_error("create", dir, &e))
}

fn io_error(action: &str, path: &Path, e: &std::io::Error) -> Error {
    Error::Internal(format!(
        "Couldn't {action} {} in the memory folder: {}. Check its permissions.",
        path.display(),
        shown_error(e)
    ))
}

fn watch_error(root: &Path, e: &notify::Error) -> Error {
    Error::Internal(format!("Couldn't watch the memory folder {} for edits: {e}.", root.display()))
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned lock only means another thread panicked mid-sync; every step re-reads the
    // disk and the database, so carrying on is safe.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
