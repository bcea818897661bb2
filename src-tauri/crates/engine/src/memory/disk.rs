//! The mirror's file operations, all beneath an open handle of a store's folder
//! ([`crate::beneath`]): a subfolder swapped for a symbolic link to elsewhere is neither read
//! nor written through. Writing out is atomic against an editor saving the same file: the new
//! content is exchanged with the file (`renameat2(RENAME_EXCHANGE)`), and what was displaced is
//! checked against what the mirror last synced; a save that landed meanwhile is swapped back
//! and reported as [`Written::Raced`], never lost.

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::io::{self, Read, Write as _};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{paths, sha256, MAX_FILE_BYTES};
use crate::beneath::{refusal, Kind, Refused, Root};

/// What the disk holds at a memory path.
pub(super) enum Disk {
    Absent,
    Text {
        content: String,
        sha: String,
    },
    /// Present but can't be imported; the reason, for the user.
    Bad(String),
}

/// What a write-out may replace.
#[derive(Clone, Copy)]
pub(super) enum Expect<'a> {
    /// Whatever is there (the user chose Reverie's side).
    Any,
    /// Only the file with this sha256 (`None`: only no file at all); anything else is an edit
    /// made meanwhile, kept.
    Synced(Option<&'a str>),
}

/// How a write-out ended.
pub(super) enum Written {
    Done,
    /// An edit landed in the folder while writing out; it was kept, and is what the disk holds now.
    Raced(Disk),
}

/// Collects the memory paths under `prefix` of `dir` (`found`) and the names that can't be
/// memory files (`bad`: path and why). Hidden names (editor swap files, the mirror's temporary
/// files, `.git`) and backups ending in `~` are skipped.
pub(super) fn walk(
    dir: &Root,
    prefix: &str,
    found: &mut BTreeSet<String>,
    bad: &mut Vec<(String, String)>,
) -> io::Result<()> {
    for entry in dir.read_dir(Path::new(if prefix.is_empty() { "." } else { prefix }))? {
        let shown_name = entry.name.to_string_lossy();
        if shown_name.starts_with('.') || shown_name.ends_with('~') {
            continue;
        }
        let rel = format!("{prefix}{shown_name}");
        match entry.kind {
            Kind::Dir => {
                if let Err(e) = walk(dir, &format!("{rel}/"), found, bad) {
                    bad.push((rel, format!("Reverie couldn't read this folder: {}.", shown_error(&e))));
                }
                continue;
            }
            Kind::Symlink => {
                bad.push((
                    rel,
                    "It is a symbolic link; the folder only takes plain files and folders. Nothing in it was imported."
                        .into(),
                ));
                continue;
            }
            Kind::Other => {
                bad.push((rel, "It is not a regular file (a device, socket or pipe). It was not imported.".into()));
                continue;
            }
            Kind::File => {}
        }
        if entry.name.to_str().is_none() {
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

/// What the disk holds at `path` of `dir`, read only when it can be a memory file.
pub(super) fn read_disk(dir: &Root, path: &str) -> Disk {
    let too_large = |bytes: u64| {
        Disk::Bad(format!(
            "It is {} kB; a memory file holds at most {} kB. Split it into smaller files; it was not imported.",
            bytes.div_ceil(1000),
            MAX_FILE_BYTES / 1000
        ))
    };
    let (file, meta) = match dir.open_read(Path::new(path)) {
        Ok(opened) => opened,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Disk::Absent,
        Err(e) => {
            return Disk::Bad(match refusal(&e) {
                Some(Refused::Symlink) => {
                    "It is a symbolic link, or a folder on its path is; the folder only takes plain files and folders. It was not imported.".into()
                }
                Some(Refused::NotAFile) => "It is not a regular file (a device, socket or pipe). It was not imported.".into(),
                _ => format!("Reverie couldn't read it: {}.", shown_error(&e)),
            })
        }
    };
    if meta.is_dir() {
        return Disk::Bad("A folder has the name of this memory file. Rename the folder.".into());
    }
    if meta.len > MAX_FILE_BYTES as u64 {
        return too_large(meta.len);
    }
    let mut bytes = Vec::new();
    // Read one byte past the limit, in case the file grew since its size was taken.
    match file.take(MAX_FILE_BYTES as u64 + 1).read_to_end(&mut bytes) {
        Ok(_) if bytes.len() > MAX_FILE_BYTES => too_large(bytes.len() as u64),
        Ok(_) => match String::from_utf8(bytes) {
            Ok(content) => Disk::Text { sha: sha256(&content), content },
            Err(_) => Disk::Bad(
                "It isn't UTF-8 text (binary data, or saved in another encoding). Save it as UTF-8 Markdown; it was not imported.".into(),
            ),
        },
        Err(e) => Disk::Bad(format!("Reverie couldn't read it: {}.", shown_error(&e))),
    }
}

/// Puts `content` at `path` of `dir` (a hidden temporary file moved into place), or removes the
/// file and the folders it leaves empty (`None`) — only if the disk still holds what `expect`
/// says; an edit that landed meanwhile is left in place and returned.
pub(super) fn write_out(dir: &Root, path: &str, content: Option<&str>, expect: Expect<'_>) -> io::Result<Written> {
    let file = Path::new(path);
    let parent = file.parent().unwrap_or(Path::new("")).to_owned();
    let name = file.file_name().map(OsStr::to_string_lossy).unwrap_or_default();
    let temp = parent.join(format!(".{name}.reverie-{}.tmp", std::process::id()));
    match content {
        Some(content) => {
            dir.create_dir_all(&parent)?;
            put_temp(dir, &temp, content)?;
            place(dir, &temp, file, content, expect)
        }
        None => {
            let removed = remove(dir, &temp, file, expect)?;
            remove_empty_folders(dir, &parent);
            Ok(removed)
        }
    }
}

/// Writes `content` to a new temporary file (one left by a crash is replaced).
fn put_temp(dir: &Root, temp: &Path, content: &str) -> io::Result<()> {
    match dir.remove_file(temp) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let mut out = dir.create_new(temp)?;
    out.write_all(content.as_bytes())?;
    out.flush()
}

/// Moves the temporary file holding `ours` to `file`, as `expect` allows. Until the first
/// exchange the temporary file holds only `ours` and is removed on any failure; after it, it may
/// hold the user's edit, so a failure leaves it in place (hidden, but not lost).
fn place(dir: &Root, temp: &Path, file: &Path, ours: &str, expect: Expect<'_>) -> io::Result<Written> {
    let discard = |result: io::Result<Written>| {
        let _ = dir.remove_file(temp);
        result
    };
    let base = match expect {
        Expect::Any => {
            return match dir.rename(temp, file) {
                Ok(()) => Ok(Written::Done),
                Err(e) => discard(Err(e)),
            };
        }
        // No file was there: create it only if none appeared meanwhile.
        Expect::Synced(None) => {
            return match dir.rename_no_replace(temp, file) {
                Ok(()) => Ok(Written::Done),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    discard(Ok(Written::Raced(read_disk(dir, &shown(file)))))
                }
                Err(e) => discard(Err(e)),
            };
        }
        Expect::Synced(Some(base)) => base,
    };
    match dir.exchange(temp, file) {
        Ok(()) => {}
        // The file went away meanwhile (deleted in the folder): that is an edit too.
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return discard(Ok(Written::Raced(read_disk(dir, &shown(file)))))
        }
        Err(e) => return discard(Err(e)),
    }
    if sha_at(dir, temp).as_deref() == Some(base) {
        dir.remove_file(temp)?;
        return Ok(Written::Done);
    }
    // What was displaced is an edit made since the mirror last looked: put it back.
    dir.exchange(temp, file)?;
    if sha_at(dir, temp).as_deref() != Some(sha256(ours).as_str()) {
        // Another save replaced ours between the two exchanges: the one at the temporary name
        // is the newest (the editor's own rename superseded the older), so it goes back.
        dir.exchange(temp, file)?;
    }
    dir.remove_file(temp)?;
    Ok(Written::Raced(read_disk(dir, &shown(file))))
}

/// Removes `file` if it still holds `expect`: moved aside first, checked, then deleted; an edit
/// found there is moved back.
fn remove(dir: &Root, temp: &Path, file: &Path, expect: Expect<'_>) -> io::Result<Written> {
    let base = match expect {
        Expect::Any | Expect::Synced(None) => {
            return match dir.remove_file(file) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
                _ => Ok(Written::Done),
            }
        }
        Expect::Synced(Some(base)) => base,
    };
    match dir.rename(file, temp) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Written::Done),
        Err(e) => return Err(e),
    }
    if sha_at(dir, temp).as_deref() == Some(base) {
        dir.remove_file(temp)?;
        return Ok(Written::Done);
    }
    match dir.rename_no_replace(temp, file) {
        Ok(()) => {}
        // A newer save already took the name; the one moved aside is older than it.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => dir.remove_file(temp)?,
        Err(e) => return Err(e),
    }
    Ok(Written::Raced(read_disk(dir, &shown(file))))
}

/// Removes `folder` and the folders above it (up to the store's) while they are empty.
fn remove_empty_folders(dir: &Root, folder: &Path) {
    let mut folder: PathBuf = folder.to_owned();
    while !folder.as_os_str().is_empty() && dir.remove_dir(&folder).is_ok() {
        folder.pop();
    }
}

/// The sha256 of the file at `rel` (`None`: not a readable regular file of at most the limit).
fn sha_at(dir: &Root, rel: &Path) -> Option<String> {
    let (file, meta) = dir.open_read(rel).ok()?;
    if !meta.is_file() {
        return None;
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES as u64 + 1).read_to_end(&mut bytes).ok()?;
    Some(Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect())
}

fn shown(rel: &Path) -> String {
    rel.to_string_lossy().into_owned()
}

/// An io error as the user reads it, symbolic-link refusals worded.
pub(super) fn shown_error(e: &io::Error) -> String {
    match refusal(e) {
        Some(r) => r.to_string(),
        None => e.to_string(),
    }
}
