//! Files opened beneath a folder, never outside it, however the tree changes meanwhile.
//!
//! A [`Root`] holds an open handle of a folder (a workspace, the memory mirror). Every path
//! given to it is relative and made only of plain names; it is opened from that handle, never
//! by name from `/`. On Linux one `openat2` call resolves the whole path with
//! `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS`: a symbolic link anywhere along it, or a step out of
//! the folder, is refused by the kernel in the same step that opens the file, so a folder swapped
//! for a link to elsewhere while a tool runs can't redirect it. Where `openat2` is missing
//! (`ENOSYS`: kernels before 5.6, other Unixes) the path is walked one `openat` per component,
//! each with `O_NOFOLLOW`, which is just as strict, one system call per component.
//!
//! Creating folders, renaming, exchanging and removing all act on a name inside a parent
//! folder opened the same way, so they are confined too. Writing refuses a file with more than
//! one hard link: another name of it may be outside the folder.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path};
use std::sync::atomic::{AtomicBool, Ordering};

use rustix::fs::{AtFlags, FileType, Mode, OFlags};

/// What kind of thing a name holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Symlink,
    /// A device, socket or pipe.
    Other,
}

/// The little of a file's status the callers need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meta {
    pub kind: Kind,
    pub len: u64,
    /// How many names the file has (hard links).
    pub links: u64,
}

impl Meta {
    #[allow(clippy::unnecessary_cast)] // st_nlink is u32 on some targets
    fn of(stat: &rustix::fs::Stat) -> Self {
        let kind = match FileType::from_raw_mode(stat.st_mode as _) {
            FileType::RegularFile => Kind::File,
            FileType::Directory => Kind::Dir,
            FileType::Symlink => Kind::Symlink,
            _ => Kind::Other,
        };
        Self { kind, len: u64::try_from(stat.st_size).unwrap_or(0), links: stat.st_nlink as u64 }
    }

    pub fn is_file(&self) -> bool {
        self.kind == Kind::File
    }

    pub fn is_dir(&self) -> bool {
        self.kind == Kind::Dir
    }
}

/// One name in a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: OsString,
    pub kind: Kind,
}

/// Why a path was refused (carried inside an [`io::Error`]; see [`refusal`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// The path holds `..`, `/` or another component that is not a plain name.
    #[error("the path must be relative and made of plain names")]
    NotPlain,
    /// A symbolic link along the path (possibly one that appeared while the call ran), or a
    /// step out of the folder.
    #[error("a part of the path is a symbolic link (or became one while this ran)")]
    Symlink,
    /// The file has other names, which may be outside the folder.
    #[error("the file has {0} hard links (another name of it may be outside the folder)")]
    HardLinked(u64),
    /// Not a regular file where one is needed.
    #[error("it is not a regular file")]
    NotAFile,
}

impl From<Refused> for io::Error {
    fn from(r: Refused) -> Self {
        io::Error::other(r)
    }
}

/// The refusal inside `e`, when `e` is one: a path rule, a symbolic link met on the way (the
/// kernel's `ELOOP`/`EXDEV`), more than one hard link.
pub fn refusal(e: &io::Error) -> Option<Refused> {
    if let Some(r) = e.get_ref().and_then(|inner| inner.downcast_ref::<Refused>()) {
        return Some(r.clone());
    }
    match e.raw_os_error() {
        Some(code) if code == libc::ELOOP || code == libc::EXDEV => Some(Refused::Symlink),
        _ => None,
    }
}

/// An open folder that paths are resolved beneath.
#[derive(Debug)]
pub struct Root {
    dir: OwnedFd,
    /// Off: always walk component by component (the fallback, also testable where `openat2` works).
    openat2: bool,
}

/// Set once `openat2` has answered `ENOSYS`: from then on, walk component by component.
static NO_OPENAT2: AtomicBool = AtomicBool::new(false);

const DIR_FLAGS: OFlags = OFlags::RDONLY.union(OFlags::DIRECTORY).union(OFlags::CLOEXEC);

impl Root {
    /// Opens the folder at `path` (symbolic links in `path` itself are followed: the caller chose it).
    pub fn open(path: &Path) -> io::Result<Self> {
        let dir = rustix::fs::open(path, DIR_FLAGS, Mode::empty())?;
        Ok(Self { dir, openat2: true })
    }

    /// This root, opening by the per-component walk only, as where `openat2` is missing.
    pub fn without_openat2(mut self) -> Self {
        self.openat2 = false;
        self
    }

    /// The folder `rel` beneath this one, as a root of its own.
    pub fn open_dir(&self, rel: &Path) -> io::Result<Self> {
        Ok(Self { dir: self.open_at(rel, DIR_FLAGS | OFlags::NOFOLLOW, Mode::empty())?, openat2: self.openat2 })
    }

    /// Opens an existing regular file for reading. Pipes and devices are refused before any
    /// read could block on them; a folder is returned as such in the `Meta` for the caller to
    /// word (its handle reads nothing).
    pub fn open_read(&self, rel: &Path) -> io::Result<(File, Meta)> {
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
        let fd = self.open_at(rel, flags, Mode::empty())?;
        let meta = Meta::of(&rustix::fs::fstat(&fd)?);
        if meta.kind == Kind::Other {
            return Err(Refused::NotAFile.into());
        }
        Ok((File::from(fd), meta))
    }

    /// Opens a regular file for writing, creating it (mode 0666 less the umask) or emptying it.
    /// A file with more than one hard link is refused before anything in it changes.
    pub fn open_write(&self, rel: &Path) -> io::Result<File> {
        let flags =
            OFlags::WRONLY | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
        let fd = self.open_at(rel, flags, Mode::from_bits_truncate(0o666))?;
        let meta = Meta::of(&rustix::fs::fstat(&fd)?);
        if meta.kind != Kind::File {
            return Err(Refused::NotAFile.into());
        }
        if meta.links > 1 {
            return Err(Refused::HardLinked(meta.links).into());
        }
        rustix::fs::ftruncate(&fd, 0)?;
        Ok(File::from(fd))
    }

    /// Creates a new file that must not exist yet (`O_EXCL`), for writing.
    pub fn create_new(&self, rel: &Path) -> io::Result<File> {
        let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        Ok(File::from(self.open_at(rel, flags, Mode::from_bits_truncate(0o666))?))
    }

    /// What `rel` holds, without following a symbolic link in its last component. The root
    /// itself for an empty path.
    pub fn metadata(&self, rel: &Path) -> io::Result<Meta> {
        let names = plain(rel)?;
        let Some((last, parents)) = names.split_last() else {
            return Ok(Meta::of(&rustix::fs::fstat(&self.dir)?));
        };
        let parent = self.open_names(parents, DIR_FLAGS | OFlags::NOFOLLOW, Mode::empty())?;
        let stat = rustix::fs::statat(fd_or(&parent, &self.dir), *last, AtFlags::SYMLINK_NOFOLLOW)?;
        Ok(Meta::of(&stat))
    }

    /// Creates `rel` and the folders above it that are missing, never through a symbolic link.
    pub fn create_dir_all(&self, rel: &Path) -> io::Result<()> {
        let mut current: Option<OwnedFd> = None;
        for name in plain(rel)? {
            let parent = fd_or(&current, &self.dir);
            let flags = DIR_FLAGS | OFlags::NOFOLLOW;
            let next = match rustix::fs::openat(parent, name, flags, Mode::empty()) {
                Ok(fd) => fd,
                Err(rustix::io::Errno::NOENT) => {
                    match rustix::fs::mkdirat(parent, name, Mode::from_bits_truncate(0o777)) {
                        Ok(()) | Err(rustix::io::Errno::EXIST) => {}
                        Err(e) => return Err(e.into()),
                    }
                    rustix::fs::openat(parent, name, flags, Mode::empty())?
                }
                Err(e) => return Err(e.into()),
            };
            current = Some(next);
        }
        Ok(())
    }

    /// The names in folder `rel` (`.` and `..` left out), with what each holds.
    pub fn read_dir(&self, rel: &Path) -> io::Result<Vec<Entry>> {
        let fd = self.open_at(rel, DIR_FLAGS | OFlags::NOFOLLOW, Mode::empty())?;
        let mut dir = rustix::fs::Dir::read_from(&fd)?;
        let mut entries = Vec::new();
        while let Some(entry) = dir.read() {
            let entry = entry?;
            let name = entry.file_name().to_bytes();
            if name == b"." || name == b".." {
                continue;
            }
            let kind = match entry.file_type() {
                FileType::RegularFile => Kind::File,
                FileType::Directory => Kind::Dir,
                FileType::Symlink => Kind::Symlink,
                FileType::Unknown => {
                    Meta::of(&rustix::fs::statat(&fd, entry.file_name(), AtFlags::SYMLINK_NOFOLLOW)?).kind
                }
                _ => Kind::Other,
            };
            entries.push(Entry { name: OsStr::from_bytes(name).to_owned(), kind });
        }
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(entries)
    }

    /// Moves `from` to `to` (replacing what `to` held, like `rename(2)`).
    pub fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        self.rename_with(from, to, rustix::fs::RenameFlags::empty())
    }

    /// Moves `from` to `to` only if nothing is at `to` (`EEXIST` otherwise), atomically.
    pub fn rename_no_replace(&self, from: &Path, to: &Path) -> io::Result<()> {
        self.rename_with(from, to, rustix::fs::RenameFlags::NOREPLACE)
    }

    /// Swaps what `a` and `b` hold, atomically: both must exist.
    pub fn exchange(&self, a: &Path, b: &Path) -> io::Result<()> {
        self.rename_with(a, b, rustix::fs::RenameFlags::EXCHANGE)
    }

    fn rename_with(&self, from: &Path, to: &Path, flags: rustix::fs::RenameFlags) -> io::Result<()> {
        let (from_dir, from_name) = self.parent_of(from)?;
        let (to_dir, to_name) = self.parent_of(to)?;
        rename_at(fd_or(&from_dir, &self.dir), from_name, fd_or(&to_dir, &self.dir), to_name, flags)
    }

    /// Removes the file (or symbolic link) `rel`.
    pub fn remove_file(&self, rel: &Path) -> io::Result<()> {
        let (dir, name) = self.parent_of(rel)?;
        Ok(rustix::fs::unlinkat(fd_or(&dir, &self.dir), name, AtFlags::empty())?)
    }

    /// Removes the empty folder `rel`.
    pub fn remove_dir(&self, rel: &Path) -> io::Result<()> {
        let (dir, name) = self.parent_of(rel)?;
        Ok(rustix::fs::unlinkat(fd_or(&dir, &self.dir), name, AtFlags::REMOVEDIR)?)
    }

    /// The folder holding the last component of `rel` (opened beneath; `None`: this root) and
    /// that component's name.
    fn parent_of<'p>(&self, rel: &'p Path) -> io::Result<(Option<OwnedFd>, &'p OsStr)> {
        let names = plain(rel)?;
        let Some((last, parents)) = names.split_last() else {
            return Err(Refused::NotPlain.into());
        };
        Ok((self.open_names(parents, DIR_FLAGS | OFlags::NOFOLLOW, Mode::empty())?, *last))
    }

    /// Opens `rel` beneath the root with `flags`, refusing any symbolic link along it.
    fn open_at(&self, rel: &Path, flags: OFlags, mode: Mode) -> io::Result<OwnedFd> {
        let names = plain(rel)?;
        match self.open_names(&names, flags, mode)? {
            Some(fd) => Ok(fd),
            // The root itself.
            None => Ok(rustix::fs::openat(&self.dir, ".", flags & !OFlags::NOFOLLOW, mode)?),
        }
    }

    /// Opens the path made of `names` (`None` when there are none: the root itself).
    fn open_names(&self, names: &[&OsStr], flags: OFlags, mode: Mode) -> io::Result<Option<OwnedFd>> {
        if names.is_empty() {
            return Ok(None);
        }
        if let Some(opened) = self.openat2(names, flags, mode) {
            return opened.map(Some);
        }
        self.walk_names(names, flags, mode).map(Some)
    }

    /// One `openat2` call resolving all of `names` beneath the root with no symbolic link;
    /// `None` where there is no `openat2` (then the caller walks).
    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn openat2(&self, names: &[&OsStr], flags: OFlags, mode: Mode) -> Option<io::Result<OwnedFd>> {
        if !self.openat2 || NO_OPENAT2.load(Ordering::Relaxed) {
            return None;
        }
        let mut joined = Vec::new();
        for (i, name) in names.iter().enumerate() {
            if i > 0 {
                joined.push(b'/');
            }
            joined.extend_from_slice(name.as_bytes());
        }
        let resolve = rustix::fs::ResolveFlags::BENEATH | rustix::fs::ResolveFlags::NO_SYMLINKS;
        // The kernel refuses a mode without O_CREAT.
        let mode = if flags.contains(OFlags::CREATE) { mode } else { Mode::empty() };
        match rustix::fs::openat2(&self.dir, OsStr::from_bytes(&joined), flags, mode, resolve) {
            Ok(fd) => Some(Ok(fd)),
            Err(rustix::io::Errno::NOSYS) => {
                NO_OPENAT2.store(true, Ordering::Relaxed);
                None
            }
            // The lookup met a concurrent rename it could not rule out: walk instead, which is
            // as strict.
            Err(rustix::io::Errno::AGAIN) => None,
            Err(e) => Some(Err(e.into())),
        }
    }

    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    fn openat2(&self, _: &[&OsStr], _: OFlags, _: Mode) -> Option<io::Result<OwnedFd>> {
        None
    }

    /// The portable way: one `openat` per component, each refusing a symbolic link.
    fn walk_names(&self, names: &[&OsStr], flags: OFlags, mode: Mode) -> io::Result<OwnedFd> {
        let mut current: Option<OwnedFd> = None;
        let last = names.len() - 1;
        for (i, name) in names.iter().enumerate() {
            let parent = fd_or(&current, &self.dir);
            let opened = if i == last {
                rustix::fs::openat(parent, *name, flags | OFlags::NOFOLLOW, mode)
            } else {
                rustix::fs::openat(parent, *name, DIR_FLAGS | OFlags::NOFOLLOW, Mode::empty())
            };
            let next = match opened {
                Ok(fd) => fd,
                // Some systems say "not a folder" for a link opened as one: name it a link. A
                // folder there now was swapped in since the open failed: refused the same way.
                Err(rustix::io::Errno::NOTDIR)
                    if rustix::fs::statat(parent, *name, AtFlags::SYMLINK_NOFOLLOW).is_ok_and(|st| {
                        matches!(FileType::from_raw_mode(st.st_mode as _), FileType::Symlink | FileType::Directory)
                    }) =>
                {
                    return Err(Refused::Symlink.into())
                }
                Err(e) => return Err(e.into()),
            };
            current = Some(next);
        }
        current.ok_or_else(|| Refused::NotPlain.into())
    }

    /// Whether this root opens with `openat2` (false once the kernel said it has none).
    pub fn uses_openat2(&self) -> bool {
        cfg!(any(target_os = "linux", target_os = "android")) && self.openat2 && !NO_OPENAT2.load(Ordering::Relaxed)
    }
}

fn fd_or<'a>(fd: &'a Option<OwnedFd>, root: &'a OwnedFd) -> BorrowedFd<'a> {
    fd.as_ref().unwrap_or(root).as_fd()
}

#[cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple"))]
fn rename_at(
    from_dir: BorrowedFd<'_>,
    from: &OsStr,
    to_dir: BorrowedFd<'_>,
    to: &OsStr,
    flags: rustix::fs::RenameFlags,
) -> io::Result<()> {
    Ok(rustix::fs::renameat_with(from_dir, from, to_dir, to, flags)?)
}

#[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple")))]
fn rename_at(
    from_dir: BorrowedFd<'_>,
    from: &OsStr,
    to_dir: BorrowedFd<'_>,
    to: &OsStr,
    flags: rustix::fs::RenameFlags,
) -> io::Result<()> {
    if !flags.is_empty() {
        return Err(io::Error::from(io::ErrorKind::Unsupported));
    }
    Ok(rustix::fs::renameat(from_dir, from, to_dir, to)?)
}

/// The names of a relative path (`.` dropped); anything else (`..`, `/`) is refused.
fn plain(rel: &Path) -> io::Result<Vec<&OsStr>> {
    let mut names = Vec::new();
    for component in rel.components() {
        match component {
            Component::Normal(name) => names.push(name),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return Err(Refused::NotPlain.into()),
        }
    }
    Ok(names)
}
