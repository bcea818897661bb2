//! A file's versions: history, the content of any version, a diff between two, revert (as a
//! new version through the one writer path) and redaction.

use reverie_protocol::{DiffHunk, DiffLine, DiffLineKind, MemoryOp, MemoryStoreId, MemoryVersion};
use similar::{ChangeTag, TextDiff};

use super::{paths, Actor, Change, Memory};
use crate::store::memory as rows;
use crate::{Error, Result};

/// Lines of context around each change in a hunk.
const CONTEXT_LINES: usize = 3;

impl Memory {
    /// Every version that touched `path`, newest first.
    pub fn history(&self, store: &MemoryStoreId, path: &str) -> Result<Vec<MemoryVersion>> {
        let path = paths::check_path(path, "path")?;
        self.check_store(store)?;
        rows::history(&self.db.conn(), store, &path)
    }

    /// A version and the content it left (`None` for a delete or a redacted version).
    pub fn version(&self, version_id: &str) -> Result<(MemoryVersion, Option<String>)> {
        rows::version(&self.db.conn(), version_id)?
            .ok_or_else(|| Error::NotFound(format!("There is no memory version {version_id}.")))
    }

    /// The line diff from version `from` to version `to` (either may be `None`: empty).
    pub fn diff(&self, from: Option<&str>, to: Option<&str>) -> Result<Vec<DiffHunk>> {
        let content = |id: Option<&str>| -> Result<String> {
            match id {
                None => Ok(String::new()),
                Some(id) => {
                    let (v, content) = self.version(id)?;
                    if v.redacted {
                        return Err(Error::invalid(
                            "version",
                            "That version was redacted: its content is gone, so it can't be compared.",
                        ));
                    }
                    Ok(content.unwrap_or_default())
                }
            }
        };
        Ok(diff_lines(&content(from)?, &content(to)?))
    }

    /// Makes `version_id`'s content the file's content again, as a new version by `actor`. A
    /// delete version is reverted by deleting the file. The file's current sha256 is the
    /// precondition, so a revert never lands on content the user hasn't seen.
    pub fn revert(&self, version_id: &str, expected: Option<&str>, actor: &Actor) -> Result<MemoryVersion> {
        let (version, content) = self.version(version_id)?;
        let change = match (version.op, content) {
            (_, None) if version.redacted => {
                return Err(Error::invalid("version", "That version was redacted, so there is nothing to go back to."))
            }
            (MemoryOp::Delete, _) => Change::Delete { path: version.path.clone() },
            (_, Some(content)) => Change::Write { path: version.path.clone(), content },
            (_, None) => return Err(Error::Internal(format!("version {version_id} has no content"))),
        };
        self.apply(&version.store_id, change, expected, actor)
    }

    /// Removes a version's content for good, keeping who wrote it and when. The file's
    /// current version can't be redacted (its content is the file itself): change or delete
    /// the file first.
    pub fn redact(&self, version_id: &str) -> Result<MemoryVersion> {
        let (version, _) = self.version(version_id)?;
        let current = rows::file(&self.db.conn(), &version.store_id, &version.path)?;
        if current.is_some_and(|f| f.version_id == version.id) {
            return Err(Error::Conflict {
                field: Some("version"),
                message: "This is the file's current content. Edit or delete the file first, then redact this version."
                    .into(),
            });
        }
        rows::redact(&self.db.conn(), version_id)?;
        tracing::info!(version_id, "memory version redacted");
        Ok(MemoryVersion { redacted: true, ..version })
    }
}

/// Unified-diff hunks between two texts.
pub fn diff_lines(old: &str, new: &str) -> Vec<DiffHunk> {
    let diff = TextDiff::from_lines(old, new);
    diff.grouped_ops(CONTEXT_LINES)
        .into_iter()
        .filter_map(|group| {
            let first = group.first()?;
            let last = group.last()?;
            let (old_range, new_range) =
                (first.old_range().start..last.old_range().end, first.new_range().start..last.new_range().end);
            let lines = group
                .iter()
                .flat_map(|op| diff.iter_changes(op))
                .map(|change| DiffLine {
                    kind: match change.tag() {
                        ChangeTag::Equal => DiffLineKind::Context,
                        ChangeTag::Insert => DiffLineKind::Added,
                        ChangeTag::Delete => DiffLineKind::Removed,
                    },
                    text: change.value().trim_end_matches(['\n', '\r']).to_owned(),
                })
                .collect();
            Some(DiffHunk {
                old_start: old_range.start as u32 + 1,
                old_lines: old_range.len() as u32,
                new_start: new_range.start as u32 + 1,
                new_lines: new_range.len() as u32,
                lines,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunks_carry_context_and_one_based_ranges() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\n";
        let new = "a\nb\nc\nD\ne\nf\ng\nh\ni\n";
        let hunks = diff_lines(old, new);
        assert_eq!(hunks.len(), 1);
        let h = &hunks[0];
        assert_eq!((h.old_start, h.new_start), (1, 1));
        let changed: Vec<_> =
            h.lines.iter().filter(|l| l.kind != DiffLineKind::Context).map(|l| (l.kind, l.text.as_str())).collect();
        assert_eq!(changed, [(DiffLineKind::Removed, "d"), (DiffLineKind::Added, "D"), (DiffLineKind::Added, "i")]);
        assert!(diff_lines("same\n", "same\n").is_empty());
    }
}
