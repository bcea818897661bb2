//! Which process runs a session. The app and the CLI share one database, so "running" must
//! name a process, and a process that died must be told apart from one that is still at work.
//!
//! Each process holds an exclusive `flock` on its own file `<data dir>/owners/<id>.lock` for as
//! long as it lives; the kernel drops the lock when the process dies, however it dies (kill -9
//! included). A session row records its owner's id; at start-up a session whose owner's lock
//! can be taken was orphaned, and becomes `interrupted`. Process ids are never used, so a
//! recycled pid can't keep a dead session "running".

use std::fs::{File, OpenOptions};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use crate::{Error, Ids, Result};

const DIR: &str = "owners";

/// This process's identity as a session owner, held until drop.
#[derive(Debug)]
pub struct Owner {
    id: String,
    path: Option<PathBuf>,
    _lock: Option<File>,
}

impl Owner {
    /// Takes a new owner id and locks its file under `data_dir`.
    pub fn acquire(data_dir: &Path, ids: &dyn Ids) -> Result<Self> {
        let dir = data_dir.join(DIR);
        std::fs::create_dir_all(&dir).map_err(|e| {
            Error::Internal(format!("Couldn't create {}: {e}. Check the data folder's permissions.", dir.display()))
        })?;
        let id = ids.new_id("own");
        let path = dir.join(format!("{id}.lock"));
        let file = OpenOptions::new()
            .create(true)
            .truncate(true)
            .write(true)
            .open(&path)
            .map_err(|e| Error::Internal(format!("Couldn't create {}: {e}", path.display())))?;
        if !try_lock(&file) {
            return Err(Error::Internal(format!("{} is locked by another process", path.display())));
        }
        Ok(Self { id, path: Some(path), _lock: Some(file) })
    }

    /// An owner that exists only in this process (in-memory databases in tests): nothing
    /// else can see it, so nothing else can ask whether it is alive.
    pub fn in_process(ids: &dyn Ids) -> Self {
        Self { id: ids.new_id("own"), path: None, _lock: None }
    }

    pub fn id(&self) -> &str {
        &self.id
    }
}

impl Drop for Owner {
    fn drop(&mut self) {
        if let Some(path) = &self.path {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Whether the process that took owner id `owner` is still running. A missing lock file or
/// one that can be locked means it is gone (its file is then removed).
pub fn is_alive(data_dir: &Path, owner: &str) -> bool {
    if owner.contains(['/', '\\']) || owner.starts_with('.') {
        return false;
    }
    let path = data_dir.join(DIR).join(format!("{owner}.lock"));
    let Ok(file) = OpenOptions::new().write(true).open(&path) else {
        return false;
    };
    if try_lock(&file) {
        drop(file);
        let _ = std::fs::remove_file(&path);
        false
    } else {
        true
    }
}

fn try_lock(file: &File) -> bool {
    // SAFETY: flock on a descriptor we own; no memory is shared.
    unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) == 0 }
}
