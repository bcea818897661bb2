//! The folder a session works in, and the one function that turns a path the model wrote into
//! a path on disk: [`Workspace::resolve`]. Every file tool goes through it, so confinement is
//! decided in one place.
//!
//! Resolution is physical, one component at a time: every component that exists is checked
//! with `symlink_metadata`, every symbolic link is canonicalized and must land inside the
//! workspace, `..` pops the already-resolved path (never above the root). Nothing is
//! normalized in Unicode, so a fullwidth `．．` is an ordinary file name, never a parent.
//! `resolve` decides what the model may name; the tools then open the result through
//! [`Workspace::dir`], a handle of the root, with [`crate::beneath`]: a folder swapped for a
//! symbolic link between `resolve` and the open is refused by the kernel, never followed.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::beneath::Root;

/// Longest path the model may give, in bytes (Linux `PATH_MAX`).
pub const MAX_PATH_BYTES: usize = 4096;
/// Longest file or folder name, in bytes (Linux `NAME_MAX`).
pub const MAX_NAME_BYTES: usize = 255;

/// A folder the agent may read and write, fixed when the session starts.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// The canonical path (symbolic links resolved); everything resolved must start with it.
    root: PathBuf,
    /// The folder as it was given (made absolute), so absolute paths the model copied from
    /// it are recognized too.
    given: PathBuf,
    /// The root, open: every file tool opens beneath this handle.
    dir: Arc<Root>,
}

/// Why a folder cannot be a workspace. Shown to the user, who chose the folder.
#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    #[error("the workspace folder {0} does not exist")]
    DoesNotExist(String),
    #[error("the workspace {0} is not a folder")]
    NotADirectory(String),
    #[error("the workspace folder {path} cannot be read ({message})")]
    NotReadable { path: String, message: String },
}

impl From<WorkspaceError> for crate::Error {
    fn from(e: WorkspaceError) -> Self {
        crate::Error::invalid("workspace", e.to_string())
    }
}

/// What the caller will do with a resolved path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    Read,
    Write,
}

/// A path the model asked for was refused. The text is written for the model: it says what
/// was refused and why, and never names a host path outside the workspace.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("no path was given; name a file relative to the workspace root")]
    Empty,
    #[error("refused {path}: a path must not contain a NUL byte")]
    NulByte { path: Shown },
    #[error("refused {path}: it contains control, invisible or bidirectional-override characters")]
    ControlCharacter { path: Shown },
    #[error("refused {path}: backslashes are not path separators here; use '/'")]
    Backslash { path: Shown },
    #[error("refused a path of {len} bytes: paths may be at most {MAX_PATH_BYTES} bytes")]
    TooLong { len: usize },
    #[error("refused {path}: a file or folder name may be at most {MAX_NAME_BYTES} bytes")]
    NameTooLong { path: Shown },
    #[error("refused an absolute path outside the workspace: use a path relative to the workspace root")]
    AbsoluteOutside,
    #[error("refused {path}: `..` would leave the workspace")]
    Escapes { path: Shown },
    #[error("refused {path}: `{link}` is a symbolic link that leads outside the workspace")]
    SymlinkOutside { path: Shown, link: String },
    #[error("refused {path}: `{link}` is a symbolic link whose target does not exist")]
    DanglingSymlink { path: Shown, link: String },
    #[error("refused {path}: that is the workspace folder itself, not a file")]
    IsRoot { path: Shown },
    #[error("could not resolve {path}: {message}")]
    Io { path: Shown, message: String },
}

/// A requested path as quoted in an error: escaped (so invisible characters show) and cut short.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown(String);

impl Shown {
    fn new(requested: &str) -> Self {
        const MAX_CHARS: usize = 120;
        let mut s: String = requested.chars().take(MAX_CHARS).collect();
        if s.len() < requested.len() {
            s.push('…');
        }
        Self(format!("{s:?}"))
    }
}

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Workspace {
    /// Opens `folder` as a workspace: it must exist, be a folder and be readable.
    pub fn new(folder: impl AsRef<Path>) -> Result<Self, WorkspaceError> {
        let folder = folder.as_ref();
        let shown = folder.display().to_string();
        let meta = fs::metadata(folder).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => WorkspaceError::DoesNotExist(shown.clone()),
            io::ErrorKind::NotADirectory => WorkspaceError::NotADirectory(shown.clone()),
            _ => WorkspaceError::NotReadable { path: shown.clone(), message: e.to_string() },
        })?;
        if !meta.is_dir() {
            return Err(WorkspaceError::NotADirectory(shown));
        }
        fs::read_dir(folder)
            .map_err(|e| WorkspaceError::NotReadable { path: shown.clone(), message: e.to_string() })?;
        let root = fs::canonicalize(folder)
            .map_err(|e| WorkspaceError::NotReadable { path: shown.clone(), message: e.to_string() })?;
        let given = std::path::absolute(folder).unwrap_or_else(|_| root.clone());
        let dir = Root::open(&root)
            .map_err(|e| WorkspaceError::NotReadable { path: shown.clone(), message: e.to_string() })?;
        Ok(Self { root, given, dir: Arc::new(dir) })
    }

    /// The open root that every path from [`Workspace::resolve`] is opened beneath, with
    /// [`Workspace::relative`].
    pub fn dir(&self) -> &Root {
        &self.dir
    }

    /// A path from [`Workspace::resolve`] relative to the root (empty for the root itself).
    pub fn relative<'p>(&self, resolved: &'p Path) -> &'p Path {
        resolved.strip_prefix(&self.root).unwrap_or(Path::new(".."))
    }

    /// The canonical path of the workspace folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// How `path` (an absolute path inside the workspace) is shown to the model: relative to
    /// the root, `/`-separated, `.` for the root itself. A path outside is never shown.
    pub fn display(&self, path: &Path) -> String {
        match path.strip_prefix(&self.root) {
            Ok(rel) if rel.as_os_str().is_empty() => ".".to_owned(),
            Ok(rel) => rel.to_string_lossy().into_owned(),
            Err(_) => "(outside the workspace)".to_owned(),
        }
    }

    /// Turns a path the model wrote into an absolute path inside the workspace, or says why not.
    ///
    /// Relative paths are taken from the root; absolute paths must lie inside it. Symbolic
    /// links anywhere along the path are followed and must stay inside; the returned path has
    /// them resolved. Components that do not exist yet are kept as written (a write may create
    /// them). `Intent::Write` also refuses the root itself.
    pub fn resolve(&self, requested: &str, intent: Intent) -> Result<PathBuf, PathError> {
        let shown = || self.shown(requested);
        if requested.is_empty() {
            return Err(PathError::Empty);
        }
        if requested.contains('\0') {
            return Err(PathError::NulByte { path: shown() });
        }
        if requested.len() > MAX_PATH_BYTES {
            return Err(PathError::TooLong { len: requested.len() });
        }
        if requested.chars().any(is_forbidden_char) {
            return Err(PathError::ControlCharacter { path: shown() });
        }
        if requested.contains('\\') {
            return Err(PathError::Backslash { path: shown() });
        }
        let path = Path::new(requested);
        let relative = if path.has_root() { self.strip_root(path).ok_or(PathError::AbsoluteOutside)? } else { path };
        let components: Vec<Component<'_>> = relative.components().collect();
        if components.iter().any(|c| matches!(c, Component::Normal(n) if n.len() > MAX_NAME_BYTES)) {
            return Err(PathError::NameTooLong { path: shown() });
        }

        let mut resolved = self.root.clone();
        for component in components {
            match component {
                Component::CurDir => {}
                Component::ParentDir => {
                    if resolved == self.root {
                        return Err(PathError::Escapes { path: shown() });
                    }
                    resolved.pop();
                }
                Component::Normal(name) => {
                    let next = resolved.join(name);
                    resolved = match fs::symlink_metadata(&next) {
                        Ok(meta) if meta.file_type().is_symlink() => self.follow_link(&next, &shown)?,
                        // Exists, or does not (yet): either way `next` holds no link to follow.
                        _ => next,
                    };
                }
                Component::RootDir | Component::Prefix(_) => return Err(PathError::AbsoluteOutside),
            }
        }
        if !resolved.starts_with(&self.root) {
            return Err(PathError::Escapes { path: shown() });
        }
        if intent == Intent::Write && resolved == self.root {
            return Err(PathError::IsRoot { path: shown() });
        }
        Ok(resolved)
    }

    /// A requested path as an error quotes it: absolute paths only by their part inside the
    /// workspace, so no host path outside it is ever repeated.
    fn shown(&self, requested: &str) -> Shown {
        let path = Path::new(requested);
        if !path.has_root() {
            return Shown::new(requested);
        }
        match self.strip_root(path) {
            Some(rel) if rel.as_os_str().is_empty() => Shown::new("."),
            Some(rel) => Shown::new(&rel.to_string_lossy()),
            None => Shown("an absolute path outside the workspace".to_owned()),
        }
    }

    /// The part of an absolute path below the workspace root, if it is below it.
    fn strip_root<'p>(&self, path: &'p Path) -> Option<&'p Path> {
        path.strip_prefix(&self.root).or_else(|_| path.strip_prefix(&self.given)).ok()
    }

    /// Where the symbolic link at `link` (inside the workspace) finally leads, if inside.
    fn follow_link(&self, link: &Path, shown: &dyn Fn() -> Shown) -> Result<PathBuf, PathError> {
        let link_shown = self.display(link);
        match fs::canonicalize(link) {
            Ok(target) if target.starts_with(&self.root) => Ok(target),
            Ok(_) => Err(PathError::SymlinkOutside { path: shown(), link: link_shown }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                Err(PathError::DanglingSymlink { path: shown(), link: link_shown })
            }
            Err(e) => Err(PathError::Io { path: shown(), message: e.to_string() }),
        }
    }
}

/// Characters that have no business in a file name the model writes: C0/C1 controls, the
/// Unicode bidirectional overrides and isolates that make a name display as something else, and
/// invisible spaces that make `..\u{200B}` look like `..` in an approval prompt.
fn is_forbidden_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{200B}' | '\u{2060}' | '\u{FEFF}')
}
