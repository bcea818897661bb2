//! The folder a run works in, checked before anything is recorded: it must exist, be a folder
//! the user can write to, and not be one whose loss would be a disaster. The file tools write
//! without asking by default, so `/` and the system's own folders are refused outright, and
//! the whole home folder needs the user's explicit yes.

use std::path::{Path, PathBuf};

use crate::tools::Workspace;
use crate::{Error, Result};

/// Folders that belong to the operating system: refused as workspaces, and so is anything
/// inside them, except below `/usr/local`, `/opt` and `/srv`, where people keep their own work.
const SYSTEM_TREES: &[&str] =
    &["/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/run", "/sbin", "/sys", "/usr"];
/// Folders refused themselves (their subfolders are fine: `/home/ana`, `/var/www/site`).
const SYSTEM_FOLDERS: &[&str] = &[
    "/",
    "/home",
    "/media",
    "/mnt",
    "/opt",
    "/srv",
    "/tmp",
    "/var",
    "/usr/local",
    "/Users",
    "/Volumes",
    "/System",
    "/Library",
    "/Applications",
];
/// Trees inside a system tree that are the user's own.
const USER_TREES_INSIDE: &[&str] = &["/usr/local"];

/// What the user has explicitly agreed to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Confirmed {
    /// The whole home folder may be the workspace.
    pub home: bool,
}

/// The user's home folder (`$HOME`), canonical, when it is set.
pub fn home_dir() -> Option<PathBuf> {
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty())?;
    std::fs::canonicalize(home).ok()
}

/// Checks `path` as a workspace. `home` is the user's home folder (see [`home_dir`]).
pub fn check(path: &str, confirmed: Confirmed, home: Option<&Path>) -> Result<Workspace> {
    let path = path.trim();
    if path.is_empty() {
        return Err(Error::invalid("workspace", "Choose the folder the agent works in."));
    }
    let folder = Path::new(path);
    if !folder.is_absolute() {
        return Err(Error::invalid(
            "workspace",
            format!("Give the folder's full path (starting with /), not “{path}”."),
        ));
    }
    match std::fs::metadata(folder) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::invalid(
                "workspace",
                format!("The folder {path} does not exist. Choose an existing folder."),
            ))
        }
        Err(e) => {
            return Err(Error::invalid(
                "workspace",
                format!("Reverie can't open {path} ({e}). Choose a folder you can open."),
            ))
        }
        Ok(meta) if !meta.is_dir() => {
            return Err(Error::invalid(
                "workspace",
                format!("{path} is a file, not a folder. Choose the folder that contains it."),
            ))
        }
        Ok(_) => {}
    }
    // Judge the folder the path really names: `/tmp/../etc` or a link to `/` are what they lead to.
    let canonical = std::fs::canonicalize(folder).map_err(|e| {
        Error::invalid("workspace", format!("Reverie can't open {path} ({e}). Choose a folder you can open."))
    })?;
    if let Some(why) = risk(&canonical) {
        return Err(Error::invalid(
            "workspace",
            format!("{path} {why}, and the agent may write files without asking. Choose a project folder instead."),
        ));
    }
    if home.is_some_and(|h| h == canonical) && !confirmed.home {
        return Err(Error::NeedsConfirmation {
            field: "workspace",
            message: format!(
                "{path} is your whole home folder: the agent could read and change any of your files, settings and keys in it. Choose a project folder inside it, or confirm that the agent may work on all of it."
            ),
        });
    }
    if !writable(folder) {
        return Err(Error::invalid(
            "workspace",
            format!("The folder {path} is read-only for you, so the agent couldn't save its work. Choose a folder you can write to."),
        ));
    }
    Workspace::new(folder)
        .map_err(|e| Error::invalid("workspace", format!("{}. Choose another folder.", capitalize(&e.to_string()))))
}

/// Why a canonical folder must never be a workspace, if it must not.
fn risk(canonical: &Path) -> Option<&'static str> {
    if canonical == Path::new("/") {
        return Some("is the whole file system");
    }
    if SYSTEM_FOLDERS.iter().any(|f| canonical == Path::new(f)) {
        return Some("is a system folder");
    }
    let inside_user_tree = USER_TREES_INSIDE.iter().any(|t| canonical.starts_with(t));
    if !inside_user_tree && SYSTEM_TREES.iter().any(|t| canonical.starts_with(t)) {
        return Some("belongs to the operating system");
    }
    None
}

fn writable(folder: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c_path) = std::ffi::CString::new(folder.as_os_str().as_bytes()) else { return false };
    // SAFETY: access(2) reads a NUL-terminated path we own.
    unsafe { libc::access(c_path.as_ptr(), libc::W_OK) == 0 }
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(path: &str) -> String {
        match check(path, Confirmed::default(), None) {
            Err(Error::Invalid { field: "workspace", message }) => message,
            other => panic!("{path}: expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn the_root_and_system_folders_are_refused() {
        assert!(refused("/").contains("is the whole file system"), "{}", refused("/"));
        for path in ["/etc", "/usr", "/usr/bin", "/proc", "/var", "/tmp", "/home", "/boot"] {
            if Path::new(path).is_dir() {
                let message = refused(path);
                assert!(message.starts_with(path) && message.contains("Choose a project folder instead."), "{message}");
            }
        }
        // `..` and links are judged by where they lead.
        let link_dir = tempfile::tempdir().unwrap();
        let link = link_dir.path().join("root");
        std::os::unix::fs::symlink("/", &link).unwrap();
        assert!(refused(&link.display().to_string()).contains("is the whole file system"));
        assert!(refused("/tmp/../etc").contains("belongs to the operating system"));
    }

    #[test]
    fn a_project_folder_is_accepted_and_the_home_folder_needs_a_yes() {
        let home = tempfile::tempdir().unwrap();
        let home_path = std::fs::canonicalize(home.path()).unwrap();
        let project = home_path.join("project");
        std::fs::create_dir(&project).unwrap();
        check(&project.display().to_string(), Confirmed::default(), Some(&home_path)).unwrap();
        match check(&home_path.display().to_string(), Confirmed::default(), Some(&home_path)) {
            Err(Error::NeedsConfirmation { field: "workspace", message }) => {
                assert!(message.contains("your whole home folder") && message.contains("confirm"), "{message}")
            }
            other => panic!("expected a question, got {other:?}"),
        }
        let with_slash = format!("{}/", home_path.display());
        assert!(matches!(
            check(&with_slash, Confirmed::default(), Some(&home_path)),
            Err(Error::NeedsConfirmation { .. })
        ));
        check(&home_path.display().to_string(), Confirmed { home: true }, Some(&home_path)).unwrap();
    }
}
