//! Small pieces the file tools share: opening without following a last-moment symlink,
//! binary detection, cutting text at a character boundary, and io errors worded for the model.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

use super::{Refusal, Workspace};

/// How much of a file's start is looked at to decide it is binary.
pub(crate) const SNIFF_BYTES: usize = 8 * 1024;

/// A file is treated as binary when its first bytes hold a NUL, as git and grep do.
pub(crate) fn looks_binary(head: &[u8]) -> bool {
    head[..head.len().min(SNIFF_BYTES)].contains(&0)
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
pub(crate) fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Opens an existing file for reading; a symbolic link in the last component is refused by
/// the OS (`resolve` already replaced links that stay inside with their targets).
pub(crate) fn open_read(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    no_follow(&mut options);
    options.open(path)
}

/// Opens a file for writing, creating it or truncating it; never through a symbolic link.
pub(crate) fn open_write(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    no_follow(&mut options);
    options.open(path)
}

#[cfg(unix)]
fn no_follow(options: &mut OpenOptions) {
    use std::os::unix::fs::OpenOptionsExt;
    options.custom_flags(libc::O_NOFOLLOW);
}

#[cfg(not(unix))]
fn no_follow(_: &mut OpenOptions) {}

/// An io failure on `path` (inside the workspace), worded for the model.
pub(crate) fn io_refusal(workspace: &Workspace, path: &Path, doing: &str, e: &io::Error) -> Refusal {
    let shown = workspace.display(path);
    let message = match e.kind() {
        io::ErrorKind::NotFound => format!("{shown} does not exist"),
        io::ErrorKind::PermissionDenied => format!("could not {doing} {shown}: permission denied"),
        io::ErrorKind::IsADirectory => format!("{shown} is a folder, not a file"),
        io::ErrorKind::NotADirectory => format!("could not {doing} {shown}: a part of the path is a file, not a folder"),
        _ if is_symlink_loop(e) => format!("could not {doing} {shown}: it is a symbolic link"),
        _ => format!("could not {doing} {shown}: {e}"),
    };
    Refusal(message)
}

/// `O_NOFOLLOW` on a symbolic link fails with `ELOOP`.
fn is_symlink_loop(e: &io::Error) -> bool {
    #[cfg(unix)]
    {
        e.raw_os_error() == Some(libc::ELOOP)
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
}

/// Sizes as the model reads them in listings.
pub(crate) fn size(bytes: u64) -> String {
    match bytes {
        0..1024 => format!("{bytes} B"),
        1024..1_048_576 => format!("{:.1} KiB", bytes as f64 / 1024.0),
        _ => format!("{:.1} MiB", bytes as f64 / 1_048_576.0),
    }
}
