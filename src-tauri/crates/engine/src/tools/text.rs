//! Small pieces the file tools share: opening beneath the workspace root (never through a
//! symbolic link), binary detection, cutting text at a character boundary, and io errors worded for the model.

use std::fs::File;
use std::io;
use std::path::Path;

use super::{Refusal, Workspace};
use crate::beneath::{refusal, Meta, Refused};

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

/// Opens an existing file for reading, beneath the workspace root: a symbolic link anywhere
/// along the path (one swapped in after `resolve`, too) is refused, never followed.
pub(crate) fn open_read(workspace: &Workspace, path: &Path) -> io::Result<(File, Meta)> {
    workspace.dir().open_read(workspace.relative(path))
}

/// Opens a file for writing beneath the workspace root, creating or emptying it; refuses a
/// symbolic link anywhere along the path and a file with more than one hard link.
pub(crate) fn open_write(workspace: &Workspace, path: &Path) -> io::Result<File> {
    workspace.dir().open_write(workspace.relative(path))
}

/// What `path` holds (a last symbolic link not followed), looked up beneath the root.
pub(crate) fn metadata(workspace: &Workspace, path: &Path) -> io::Result<Meta> {
    workspace.dir().metadata(workspace.relative(path))
}

/// An io failure on `path` (inside the workspace), worded for the model.
pub(crate) fn io_refusal(workspace: &Workspace, path: &Path, doing: &str, e: &io::Error) -> Refusal {
    let shown = workspace.display(path);
    match refusal(e) {
        Some(Refused::Symlink) => {
            return Refusal(format!(
                "refused to {doing} {shown}: a part of its path is a symbolic link, or became one while the tool ran (something else is changing the workspace). Nothing outside the workspace was touched; check the folder and try again."
            ))
        }
        Some(Refused::HardLinked(links)) => {
            return Refusal(format!(
                "refused to {doing} {shown}: the file has {links} hard links, so another name of it may be outside the workspace and would change too. Write a new file instead, or ask the user to replace it with a plain copy."
            ))
        }
        Some(Refused::NotAFile) => return Refusal(format!("refused to {doing} {shown}: it is a device, socket or pipe, not a regular file")),
        Some(Refused::NotPlain) => return Refusal(format!("refused to {doing} {shown}: it is not inside the workspace")),
        None => {}
    }
    let message = match e.kind() {
        io::ErrorKind::NotFound => format!("{shown} does not exist"),
        io::ErrorKind::PermissionDenied => format!("could not {doing} {shown}: permission denied"),
        io::ErrorKind::IsADirectory => format!("{shown} is a folder, not a file"),
        io::ErrorKind::NotADirectory => {
            format!("could not {doing} {shown}: a part of the path is a file, not a folder")
        }
        _ => format!("could not {doing} {shown}: {e}"),
    };
    Refusal(message)
}

/// Sizes as the model reads them in listings.
pub(crate) fn size(bytes: u64) -> String {
    match bytes {
        0..1024 => format!("{bytes} B"),
        1024..1_048_576 => format!("{:.1} KiB", bytes as f64 / 1024.0),
        _ => format!("{:.1} MiB", bytes as f64 / 1_048_576.0),
    }
}
