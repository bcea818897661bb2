//! What the grader sees of the work besides the agent's final message: the workspace files the
//! run changed, found by comparing the folder with a snapshot taken when the outcome began, and
//! shown in full up to a budget (the rest are named, for the grader's read-only tools).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::time::SystemTime;

use std::io::Read;

use crate::beneath::Root;
use crate::tools::text::{cut, looks_binary};

/// Files a snapshot records at most; a larger folder is compared on its first ones only.
const MAX_SNAPSHOT_FILES: usize = 20_000;
/// Bytes of one file shown to the grader.
const FILE_SHOWN_BYTES: usize = 16 * 1024;
/// Bytes of all changed files shown to the grader together.
const FILES_SHOWN_BYTES: usize = 64 * 1024;

/// The workspace's files (size and modification time) at one moment.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    files: HashMap<String, (u64, Option<SystemTime>)>,
}

impl Snapshot {
    /// Walks `root` (hidden files included; `.git` and what `.gitignore` excludes left out).
    pub fn take(root: &Path) -> Self {
        let mut files = HashMap::new();
        let walk = ignore::WalkBuilder::new(root).hidden(false).filter_entry(|e| e.file_name() != ".git").build();
        for entry in walk.flatten() {
            if files.len() >= MAX_SNAPSHOT_FILES {
                tracing::warn!(limit = MAX_SNAPSHOT_FILES, "the workspace is too large to compare whole");
                break;
            }
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            let Ok(meta) = entry.metadata() else { continue };
            if let Some(rel) = relative(root, entry.path()) {
                files.insert(rel, (meta.len(), meta.modified().ok()));
            }
        }
        Self { files }
    }
}

fn relative(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// How a file changed since the snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Added,
    Modified,
    Deleted,
}

/// Files that differ between `before` and the folder now, plus `touched` (paths the agent
/// wrote through its tools, for a resumed run whose earlier snapshot is gone), by path.
pub fn changed_files(root: &Path, before: &Snapshot, touched: &BTreeSet<String>) -> BTreeMap<String, Change> {
    let now = Snapshot::take(root);
    let mut changed = BTreeMap::new();
    for (path, meta) in &now.files {
        match before.files.get(path) {
            None => {
                changed.insert(path.clone(), Change::Added);
            }
            Some(old) if old != meta => {
                changed.insert(path.clone(), Change::Modified);
            }
            Some(_) => {}
        }
    }
    for path in before.files.keys().filter(|p| !now.files.contains_key(*p)) {
        changed.insert(path.clone(), Change::Deleted);
    }
    for path in touched {
        if !changed.contains_key(path) {
            let change = if now.files.contains_key(path) { Change::Modified } else { Change::Deleted };
            changed.insert(path.clone(), change);
        }
    }
    changed
}

/// The changed files as the grader reads them: each in full while the budget lasts (a long
/// file cut with a note), then the rest by name. Files are opened beneath a handle of the
/// workspace root, like the agent's own tools, so a folder swapped for a link to elsewhere
/// shows nothing from outside; at most what is shown is read.
pub fn render(root: &Path, changed: &BTreeMap<String, Change>) -> String {
    if changed.is_empty() {
        return "The run changed no files in the workspace.\n".into();
    }
    let mut out = format!("The run changed {} file(s) in the workspace.\n", changed.len());
    let dir = match Root::open(root) {
        Ok(dir) => dir,
        Err(e) => {
            out.push_str(&format!("\n(the workspace folder can't be opened now: {e})\n"));
            return out;
        }
    };
    let mut budget = FILES_SHOWN_BYTES;
    let mut not_shown = Vec::new();
    for (path, change) in changed {
        if *change == Change::Deleted {
            out.push_str(&format!("\n### {path} (deleted)\n"));
            continue;
        }
        let kind = if *change == Change::Added { "new" } else { "modified" };
        if budget == 0 {
            not_shown.push(path.as_str());
            continue;
        }
        let limit = FILE_SHOWN_BYTES.min(budget);
        let Some((head, len)) = read_head(&dir, path, limit) else {
            out.push_str(&format!("\n### {path} (unreadable now)\n"));
            continue;
        };
        // A cut may fall inside a character: keep what is whole.
        let text = match std::str::from_utf8(&head) {
            Ok(text) => Some(text),
            Err(e) if e.error_len().is_none() => std::str::from_utf8(&head[..e.valid_up_to()]).ok(),
            Err(_) => None,
        };
        let text = match text {
            Some(text) if !looks_binary(&head) => text,
            _ => {
                out.push_str(&format!("\n### {path} ({kind}, {len} bytes, binary: not shown)\n"));
                continue;
            }
        };
        let shown = cut(text, limit);
        budget -= shown.len();
        out.push_str(&format!("\n### {path} ({kind}, {len} bytes)\n```\n{shown}"));
        if !shown.ends_with('\n') {
            out.push('\n');
        }
        out.push_str("```\n");
        if (shown.len() as u64) < len {
            out.push_str(&format!("(cut at {} of {len} bytes: read the rest with read_file)\n", shown.len()));
        }
    }
    if !not_shown.is_empty() {
        out.push_str(&format!("\nAlso changed, not shown (read them with read_file): {}\n", not_shown.join(", ")));
    }
    out
}

/// The first `limit` bytes of a regular file beneath `dir` (a few more, so a character cut at
/// the limit can be told from invalid text), and the file's length.
fn read_head(dir: &Root, path: &str, limit: usize) -> Option<(Vec<u8>, u64)> {
    let (file, meta) = dir.open_read(Path::new(path)).ok()?;
    if !meta.is_file() {
        return None;
    }
    let mut head = Vec::with_capacity(limit.min(meta.len as usize) + 4);
    file.take(limit as u64 + 4).read_to_end(&mut head).ok()?;
    Some((head, meta.len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_modified_deleted_and_touched_files_are_found_and_shown_within_budget() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("keep.txt"), "same").unwrap();
        std::fs::write(root.join("edit.txt"), "old").unwrap();
        std::fs::write(root.join("gone.txt"), "bye").unwrap();
        std::fs::create_dir(root.join(".git")).unwrap();
        std::fs::write(root.join(".git/HEAD"), "ref").unwrap();
        let before = Snapshot::take(root);
        std::fs::write(root.join("edit.txt"), "newer content").unwrap();
        std::fs::remove_file(root.join("gone.txt")).unwrap();
        std::fs::create_dir(root.join("src")).unwrap();
        std::fs::write(root.join("src/big.rs"), "x".repeat(FILE_SHOWN_BYTES + 10)).unwrap();
        std::fs::write(root.join(".git/HEAD"), "changed").unwrap();
        let changed = changed_files(root, &before, &BTreeSet::from(["keep.txt".to_owned()]));
        assert_eq!(
            changed.iter().map(|(p, c)| (p.as_str(), *c)).collect::<Vec<_>>(),
            [
                ("edit.txt", Change::Modified),
                ("gone.txt", Change::Deleted),
                ("keep.txt", Change::Modified),
                ("src/big.rs", Change::Added)
            ]
        );
        let text = render(root, &changed);
        assert!(text.contains("### edit.txt (modified, 13 bytes)\n```\nnewer content\n```"), "{text}");
        assert!(text.contains("### gone.txt (deleted)"));
        assert!(text.contains(&format!("(cut at {FILE_SHOWN_BYTES} of {} bytes", FILE_SHOWN_BYTES + 10)));
        assert!(!text.contains("HEAD"));
    }

    #[test]
    fn a_changed_path_through_a_link_to_outside_shows_nothing_from_outside() {
        let (dir, outside) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        std::fs::write(outside.path().join("secret.txt"), "outside secret").unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("src")).unwrap();
        let changed = BTreeMap::from([("src/secret.txt".to_owned(), Change::Modified)]);
        let text = render(dir.path(), &changed);
        assert!(text.contains("### src/secret.txt (unreadable now)") && !text.contains("outside secret"), "{text}");
    }
}
