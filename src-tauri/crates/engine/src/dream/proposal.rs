//! A proposal's arithmetic: file changes split into hunks (computed here with `similar`, never
//! by the model), the content a subset of accepted hunks makes, and rebasing a hunk onto a file
//! that changed since the proposal was made.

use reverie_protocol::{DiffHunk, DiffLineKind, FileChange, FileOp, HunkDecision, ProposalHunk};

use crate::memory::diff_lines;

/// A file change with its hunks, all pending. A delete has one hunk removing every line; a
/// rename one empty hunk (the rename itself).
pub fn file_change(
    index: usize,
    op: FileOp,
    path: String,
    previous_path: Option<String>,
    base_sha256: Option<String>,
    old: String,
    new: String,
) -> FileChange {
    let hunks: Vec<DiffHunk> = match op {
        FileOp::Rename => vec![DiffHunk { old_start: 1, old_lines: 0, new_start: 1, new_lines: 0, lines: Vec::new() }],
        _ => diff_lines(&old, &new),
    };
    let hunks = hunks
        .into_iter()
        .enumerate()
        .map(|(i, hunk)| ProposalHunk {
            id: format!("{index}.{i}"),
            hunk,
            decision: HunkDecision::Pending,
            edited: None,
            theirs: None,
        })
        .collect();
    FileChange {
        op,
        path,
        previous_path,
        base_sha256,
        old_content: old,
        new_content: new,
        hunks,
        rationale: String::new(),
        evidence: Vec::new(),
    }
}

/// Lines with their endings, so a file is rebuilt byte for byte.
fn lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

/// The hunk's old side (what it replaces) and new side (what it writes: the edit when the user
/// edited it), as text.
pub fn sides(change: &FileChange, hunk: &ProposalHunk) -> (String, String) {
    let (old, new) = (lines(&change.old_content), lines(&change.new_content));
    let h = &hunk.hunk;
    let slice = |all: &[&str], start: u32, len: u32| {
        let from = (start.max(1) - 1) as usize;
        all.get(from.min(all.len())..(from + len as usize).min(all.len())).unwrap_or_default().concat()
    };
    let old_side = slice(&old, h.old_start, h.old_lines);
    let new_side = match &hunk.edited {
        Some(edited) if edited.is_empty() || edited.ends_with('\n') => edited.clone(),
        Some(edited) => format!("{edited}\n"),
        None => slice(&new, h.new_start, h.new_lines),
    };
    (old_side, new_side)
}

/// The base content with the chosen hunks applied and the others left as they were.
pub fn apply_chosen(change: &FileChange, chosen: impl Fn(&ProposalHunk) -> bool) -> String {
    let base = lines(&change.old_content);
    let mut out = String::with_capacity(change.new_content.len().max(change.old_content.len()));
    let mut at = 0usize;
    for hunk in &change.hunks {
        let start = (hunk.hunk.old_start.max(1) - 1) as usize;
        let start = if hunk.hunk.old_lines == 0 && hunk.hunk.old_start > 0 && base.len() >= hunk.hunk.old_start as usize
        {
            // A pure insertion after line `old_start`.
            hunk.hunk.old_start as usize
        } else {
            start
        };
        let start = start.clamp(at, base.len());
        out.push_str(&base[at..start].concat());
        let end = (start + hunk.hunk.old_lines as usize).min(base.len());
        if chosen(hunk) {
            out.push_str(&sides(change, hunk).1);
        } else {
            out.push_str(&base[start..end].concat());
        }
        at = end;
    }
    out.push_str(&base[at.min(base.len())..].concat());
    out
}

/// Replaces the hunk's old side in `current` with its new side, when it is found there exactly
/// once (the file changed elsewhere). Like `patch`, the context around the change may have
/// changed too: up to all of it is let go, one line a side at a time, as long as some line
/// still anchors the hunk. `None` when it can't be placed (gone, changed, or ambiguous).
pub fn rebase(current: &str, change: &FileChange, hunk: &ProposalHunk) -> Option<String> {
    let (old_side, new_side) = sides(change, hunk);
    let (old, new) = (lines(&old_side), lines(&new_side));
    let kinds = &hunk.hunk.lines;
    let lead = kinds.iter().take_while(|l| l.kind == DiffLineKind::Context).count();
    let trail = kinds.iter().rev().take_while(|l| l.kind == DiffLineKind::Context).count().min(kinds.len() - lead);
    // An edited hunk's new side is the user's text as a whole: it moves only with its context.
    let most = if hunk.edited.is_some() { 0 } else { lead.max(trail) };
    for fuzz in 0..=most {
        let (l, t) = (fuzz.min(lead), fuzz.min(trail));
        if old.len() < l + t || new.len() < l + t {
            break;
        }
        let old_part = old[l..old.len() - t].concat();
        let new_part = new[l..new.len() - t].concat();
        if old_part.is_empty() {
            if current.is_empty() && fuzz == 0 {
                return Some(new_part);
            }
            break;
        }
        let mut found = current.match_indices(old_part.as_str());
        let Some((at, _)) = found.next() else { continue };
        if found.next().is_some() {
            return None;
        }
        return Some(format!("{}{new_part}{}", &current[..at], &current[at + old_part.len()..]));
    }
    None
}

/// The lines of `current` around where a hunk was meant to go (what the user sees beside a
/// conflict).
pub fn around(current: &str, hunk: &DiffHunk) -> String {
    let all = lines(current);
    let from = (hunk.old_start.max(1) - 1) as usize;
    let to = (from + hunk.old_lines.max(1) as usize).min(all.len());
    all.get(from.min(all.len())..to).unwrap_or_default().concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = "# Testing\n\nRun the tests with cargo test.\nUse a fresh database.\n\n## Style\nShort names.\nNo abbreviations.\nComments say why.\nKeep functions short.\nOne topic a file.\n";
    const NEW: &str = "# Testing\n\nRun the tests with make test.\nUse a fresh database.\n\n## Style\nShort names.\nNo abbreviations.\nComments say why.\nKeep functions short.\nOne topic a file.\nLink the issue.\n";

    fn change() -> FileChange {
        file_change(0, FileOp::Update, "testing.md".into(), None, None, OLD.into(), NEW.into())
    }

    #[test]
    fn each_subset_of_hunks_rebuilds_the_file_exactly() {
        let c = change();
        assert_eq!(c.hunks.len(), 2, "{:?}", c.hunks);
        assert_eq!(apply_chosen(&c, |_| true), NEW);
        assert_eq!(apply_chosen(&c, |_| false), OLD);
        let first_only = apply_chosen(&c, |h| h.id == "0.0");
        assert!(first_only.contains("make test") && !first_only.contains("Link the issue"));
        let second_only = apply_chosen(&c, |h| h.id == "0.1");
        assert!(second_only.contains("cargo test") && second_only.ends_with("Link the issue.\n"));
    }

    #[test]
    fn an_edited_hunk_writes_the_edit() {
        let mut c = change();
        // The edit is the hunk's whole new side (its context lines too), as the review shows it.
        c.hunks[0].edited = Some(
            "# Testing\n\nRun the tests with `make test` (it builds the UI).\nUse a fresh database.\n\n## Style".into(),
        );
        let out = apply_chosen(&c, |h| h.id == "0.0");
        assert!(
            out.starts_with(
                "# Testing\n\nRun the tests with `make test` (it builds the UI).\nUse a fresh database.\n\n## Style"
            ),
            "{out}"
        );
    }

    #[test]
    fn new_and_deleted_files_are_one_hunk() {
        let created = file_change(1, FileOp::Create, "a.md".into(), None, None, String::new(), "# A\nline\n".into());
        assert_eq!(created.hunks.len(), 1);
        assert_eq!(apply_chosen(&created, |_| true), "# A\nline\n");
        let deleted = file_change(2, FileOp::Delete, "a.md".into(), None, None, "# A\nline\n".into(), String::new());
        assert_eq!(deleted.hunks.len(), 1);
        assert_eq!(apply_chosen(&deleted, |_| true), "");
    }

    #[test]
    fn a_hunk_rebases_onto_a_file_changed_elsewhere_and_not_onto_one_changed_where_it_goes() {
        let c = change();
        let edited_elsewhere = OLD.replace("# Testing", "# Testing notes");
        assert!(rebase(&edited_elsewhere, &c, &c.hunks[1]).unwrap().ends_with("Link the issue.\n"));
        let edited_there = OLD.replace("One topic a file.", "One topic per file.");
        assert_eq!(rebase(&edited_there, &c, &c.hunks[1]), None);
        // The first hunk's context changed (the title), its change did not: it still applies.
        let rebased = rebase(&edited_elsewhere, &c, &c.hunks[0]).unwrap();
        assert!(rebased.starts_with("# Testing notes\n\nRun the tests with make test."), "{rebased}");
    }
}
