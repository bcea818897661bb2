//! A proposal from the model's operations, and its review: decisions per hunk, Apply (one
//! transaction of `dream:<id>` versions, rebased onto files changed since, the rest conflicts)
//! and Revert.

use std::collections::{HashMap, HashSet};

use reverie_protocol::{
    ApplyReport, Dream, DreamId, Evidence, FileChange, FileOp, HunkDecision, Proposal, ProposalStatus, SessionId,
};

use super::proposal::{apply_chosen, around, file_change, rebase};
use super::redact::redact;
use super::transcript::quoted;
use super::{AppMessage, Applied, Dreams, Op, Operation};
use crate::memory::{paths, sha256, Actor, Change, MAX_FILE_BYTES};
use crate::store::dreams as rows;
use crate::{Error, Result};

impl Dreams {
    /// Checks the model's operations against the store and computes each file's hunks.
    pub(super) fn propose(
        &self,
        dream: &Dream,
        operations: Vec<Operation>,
        quotes: &HashMap<SessionId, HashMap<u64, String>>,
    ) -> Result<Proposal> {
        let store = self.memory.store(&dream.store_id)?;
        let mut files: Vec<FileChange> = Vec::new();
        let mut dropped = Vec::new();
        let mut touched: HashSet<String> = HashSet::new();
        let mut file_count = u64::from(store.files);
        let limits = self.memory.limits();
        for operation in operations {
            let Operation { op, path, new_path, content, rationale, evidence } = operation;
            let shown = path.trim().to_owned();
            let path = match paths::check_path(&path, "path") {
                Ok(p) => p,
                Err(e) => {
                    dropped.push(format!("{shown}: {}. It was left out.", AppMessage(&e)));
                    continue;
                }
            };
            if !touched.insert(path.clone()) {
                dropped.push(format!("{path}: a second change to the same file was left out."));
                continue;
            }
            let current = match self.memory.read(&store.id, &path) {
                Ok(file) => Some(file),
                Err(Error::NotFound(_)) => None,
                Err(e) => return Err(e),
            };
            let evidence: Vec<Evidence> = evidence
                .into_iter()
                .filter_map(|c| {
                    let session = SessionId(c.session_id.trim().to_owned());
                    let text = quotes.get(&session)?.get(&c.seq)?;
                    quoted(text, &c.quote).then(|| Evidence {
                        session_id: session,
                        seq: c.seq,
                        quote: redact(c.quote.trim()),
                    })
                })
                .collect();
            let index = files.len();
            let change = match (op, current) {
                (Op::Create | Op::Update, current) => {
                    let new = redact(content.as_deref().unwrap_or_default());
                    if new.trim().is_empty() {
                        dropped.push(format!(
                            "{path}: a {} without content was left out.",
                            if op == Op::Create { "create" } else { "update" }
                        ));
                        continue;
                    }
                    if new.len() > limits.file_bytes {
                        dropped.push(format!(
                            "{path}: the new content is {} kB, over the {} kB a memory file may hold. It was left out.",
                            new.len() / 1000,
                            limits.file_bytes / 1000
                        ));
                        continue;
                    }
                    match current {
                        Some(file) if file.content == new => continue,
                        Some(file) => {
                            file_change(index, FileOp::Update, path, None, Some(file.sha256), file.content, new)
                        }
                        None => {
                            if file_count >= limits.files {
                                dropped.push(format!(
                                    "{path}: the store is at its limit of {} file(s); the new file was left out.",
                                    limits.files
                                ));
                                continue;
                            }
                            file_count += 1;
                            file_change(index, FileOp::Create, path, None, None, String::new(), new)
                        }
                    }
                }
                (Op::Delete, Some(file)) => {
                    file_change(index, FileOp::Delete, path, None, Some(file.sha256), file.content, String::new())
                }
                (Op::Delete, None) => {
                    dropped.push(format!("{path}: deleting a file that does not exist was left out."));
                    continue;
                }
                (Op::Rename, Some(file)) => {
                    let to = match new_path.as_deref().map(|p| paths::check_path(p, "new_path")) {
                        Some(Ok(to)) => to,
                        Some(Err(e)) => {
                            dropped.push(format!("{path}: the new path {}. It was left out.", AppMessage(&e)));
                            continue;
                        }
                        None => {
                            dropped.push(format!("{path}: a rename without a new path was left out."));
                            continue;
                        }
                    };
                    if self.memory.read(&store.id, &to).is_ok() || !touched.insert(to.clone()) {
                        dropped.push(format!("{path}: renaming onto {to}, which exists, was left out."));
                        continue;
                    }
                    file_change(
                        index,
                        FileOp::Rename,
                        to,
                        Some(path),
                        Some(file.sha256),
                        file.content.clone(),
                        file.content,
                    )
                }
                (Op::Rename, None) => {
                    dropped.push(format!("{path}: renaming a file that does not exist was left out."));
                    continue;
                }
            };
            files.push(FileChange { rationale: redact(rationale.trim()), evidence, ..change });
        }
        let status = if files.is_empty() { ProposalStatus::Empty } else { ProposalStatus::Ready };
        Ok(Proposal {
            dream_id: dream.id.clone(),
            store_id: dream.store_id.clone(),
            status,
            files,
            dropped,
            created_at: self.clock.now_ms(),
            applied_at: None,
        })
    }

    pub fn proposal(&self, id: &DreamId) -> Result<Proposal> {
        rows::proposal(&self.db.conn(), id)?
            .ok_or_else(|| Error::NotFound(format!("Dream {} has no proposal.", id.as_str())))
    }

    /// Accepts, rejects or resets hunks of a proposal awaiting review; `edited` (one hunk,
    /// accepted) replaces the hunk's new lines.
    pub fn decide(
        &self,
        id: &DreamId,
        hunks: &[String],
        decision: HunkDecision,
        edited: Option<String>,
    ) -> Result<Proposal> {
        let mut p = self.proposal(id)?;
        if p.status != ProposalStatus::Ready {
            return Err(Error::Conflict {
                field: None,
                message: "This proposal was already applied or rejected.".into(),
            });
        }
        if !matches!(decision, HunkDecision::Accepted | HunkDecision::Rejected | HunkDecision::Pending) {
            return Err(Error::invalid("decision", "A hunk can be accepted, rejected or reset to pending."));
        }
        if edited.is_some() && (hunks.len() != 1 || decision != HunkDecision::Accepted) {
            return Err(Error::invalid("edited", "Edit one hunk at a time, and accept it."));
        }
        if let Some(text) = &edited {
            if text.len() > MAX_FILE_BYTES {
                return Err(Error::invalid("edited", "The edit is over the 100 kB a memory file may hold."));
            }
        }
        for wanted in hunks {
            let hunk = p
                .files
                .iter_mut()
                .flat_map(|f| f.hunks.iter_mut())
                .find(|h| &h.id == wanted)
                .ok_or_else(|| Error::NotFound(format!("The proposal has no hunk {wanted}.")))?;
            hunk.decision = decision;
            hunk.edited = if decision == HunkDecision::Accepted { edited.clone().or(hunk.edited.take()) } else { None };
        }
        rows::save_proposal(&self.db.conn(), &p, None)?;
        Ok(p)
    }

    /// Writes every accepted hunk, in one transaction, as new versions by `dream:<id>`. A file
    /// changed since the proposal was made takes the hunks that still apply (rebased); the
    /// others become conflicts, and nothing is written over newer content.
    pub fn apply(&self, id: &DreamId) -> Result<(Proposal, ApplyReport)> {
        let mut p = self.proposal(id)?;
        if p.status != ProposalStatus::Ready {
            return Err(Error::Conflict {
                field: None,
                message: "This proposal was already applied or rejected.".into(),
            });
        }
        let store = p.store_id.clone();
        let mut changes: Vec<(Change, Option<String>)> = Vec::new();
        let mut applied: Vec<Applied> = Vec::new();
        let mut conflicts = Vec::new();
        for file in &mut p.files {
            for hunk in &mut file.hunks {
                if hunk.decision == HunkDecision::Pending {
                    hunk.decision = HunkDecision::Rejected;
                }
            }
            if !file.hunks.iter().any(|h| h.decision == HunkDecision::Accepted) {
                continue;
            }
            let source = file.previous_path.clone().unwrap_or_else(|| file.path.clone());
            let current = match self.memory.read(&store, &source) {
                Ok(f) => Some(f),
                Err(Error::NotFound(_)) => None,
                Err(e) => return Err(e),
            };
            let current_sha = current.as_ref().map(|f| f.sha256.clone());
            let unchanged = current_sha == file.base_sha256;
            match file.op {
                FileOp::Create | FileOp::Update => {
                    let before = current.as_ref().map(|f| f.content.clone());
                    let text = if unchanged {
                        let text = apply_chosen(file, |h| h.decision == HunkDecision::Accepted);
                        for h in file.hunks.iter_mut().filter(|h| h.decision == HunkDecision::Accepted) {
                            h.decision = HunkDecision::Applied;
                        }
                        Some(text)
                    } else {
                        let mut text = before.clone().unwrap_or_default();
                        let mut any = false;
                        let snapshot = file.clone();
                        for h in file.hunks.iter_mut().filter(|h| h.decision == HunkDecision::Accepted) {
                            match rebase(&text, &snapshot, h) {
                                Some(rebased) => {
                                    text = rebased;
                                    h.decision = HunkDecision::Applied;
                                    any = true;
                                }
                                None => {
                                    h.decision = HunkDecision::Conflict;
                                    h.theirs = Some(around(before.as_deref().unwrap_or_default(), &h.hunk));
                                    conflicts.push(h.id.clone());
                                }
                            }
                        }
                        any.then_some(text)
                    };
                    if let Some(text) = text {
                        if text.trim().is_empty() {
                            if current.is_some() {
                                changes.push((Change::Delete { path: file.path.clone() }, current_sha));
                                applied.push(Applied {
                                    op: FileOp::Delete,
                                    path: file.path.clone(),
                                    previous_path: None,
                                    before,
                                    after: None,
                                });
                            }
                        } else {
                            changes
                                .push((Change::Write { path: file.path.clone(), content: text.clone() }, current_sha));
                            let op = if current.is_some() { FileOp::Update } else { FileOp::Create };
                            applied.push(Applied {
                                op,
                                path: file.path.clone(),
                                previous_path: None,
                                before,
                                after: Some(text),
                            });
                        }
                    }
                }
                FileOp::Delete | FileOp::Rename => {
                    let target_free = file.op == FileOp::Delete || self.memory.read(&store, &file.path).is_err();
                    let hunk = &mut file.hunks[0];
                    if unchanged && target_free && current.is_some() {
                        hunk.decision = HunkDecision::Applied;
                        let before = current.map(|f| f.content);
                        if file.op == FileOp::Delete {
                            changes.push((Change::Delete { path: file.path.clone() }, current_sha));
                            applied.push(Applied {
                                op: FileOp::Delete,
                                path: file.path.clone(),
                                previous_path: None,
                                before,
                                after: None,
                            });
                        } else {
                            changes.push((Change::Rename { from: source.clone(), to: file.path.clone() }, current_sha));
                            applied.push(Applied {
                                op: FileOp::Rename,
                                path: file.path.clone(),
                                previous_path: Some(source.clone()),
                                after: before.clone(),
                                before,
                            });
                        }
                    } else {
                        hunk.decision = HunkDecision::Conflict;
                        hunk.theirs = current.map(|f| f.content);
                        conflicts.push(hunk.id.clone());
                    }
                }
            }
        }
        let now = self.clock.now_ms();
        if changes.is_empty() && conflicts.is_empty() {
            p.status = ProposalStatus::Rejected;
            p.applied_at = Some(now);
            rows::save_proposal(&self.db.conn(), &p, None)?;
            let _ = self.updates.send(self.get(id)?);
            return Ok((p, ApplyReport { versions: Vec::new(), conflicts }));
        }
        p.status = ProposalStatus::Applied;
        p.applied_at = Some(now);
        let record = serde_json::to_string(&applied).map_err(|e| Error::Internal(e.to_string()))?;
        let saved = p.clone();
        let versions = if changes.is_empty() {
            rows::save_proposal(&self.db.conn(), &saved, Some(&record))?;
            Vec::new()
        } else {
            self.memory.apply_all_with(&store, changes, &Actor::Dream(id.as_str().to_owned()), |conn, _| {
                rows::save_proposal(conn, &saved, Some(&record))
            })?
        };
        let _ = self.updates.send(self.get(id)?);
        Ok((p, ApplyReport { versions: versions.into_iter().map(|v| v.id).collect(), conflicts }))
    }

    /// Undoes an applied proposal: new versions that restore what each file held before.
    /// A file changed since takes the reverse hunks that still apply; the rest are conflicts.
    pub fn revert(&self, id: &DreamId) -> Result<(Proposal, ApplyReport)> {
        let mut p = self.proposal(id)?;
        if p.status != ProposalStatus::Applied {
            return Err(Error::Conflict { field: None, message: "Only an applied proposal can be reverted.".into() });
        }
        let applied: Vec<Applied> =
            serde_json::from_str(&rows::applied(&self.db.conn(), id)?).map_err(|e| Error::Internal(e.to_string()))?;
        let store = p.store_id.clone();
        let mut changes = Vec::new();
        let mut conflicts = Vec::new();
        let read = |path: &str| match self.memory.read(&store, path) {
            Ok(f) => Ok(Some(f)),
            Err(Error::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        };
        for a in applied.iter().rev() {
            let current = read(&a.path)?;
            let current_sha = current.as_ref().map(|f| f.sha256.clone());
            let as_applied = current_sha == a.after.as_deref().map(sha256);
            match a.op {
                FileOp::Create if as_applied => changes.push((Change::Delete { path: a.path.clone() }, current_sha)),
                FileOp::Update if as_applied => changes.push((
                    Change::Write { path: a.path.clone(), content: a.before.clone().unwrap_or_default() },
                    current_sha,
                )),
                FileOp::Update => {
                    // Edited since: take the dream's change back out where it still applies.
                    let reverse = file_change(
                        0,
                        FileOp::Update,
                        a.path.clone(),
                        None,
                        None,
                        a.after.clone().unwrap_or_default(),
                        a.before.clone().unwrap_or_default(),
                    );
                    let mut text = current.as_ref().map(|f| f.content.clone()).unwrap_or_default();
                    let mut clean = true;
                    for h in &reverse.hunks {
                        match rebase(&text, &reverse, h) {
                            Some(t) => text = t,
                            None => clean = false,
                        }
                    }
                    if clean && current.is_some() {
                        changes.push((Change::Write { path: a.path.clone(), content: text }, current_sha));
                    } else {
                        conflicts.push(a.path.clone());
                    }
                }
                FileOp::Delete if current.is_none() => changes.push((
                    Change::Write { path: a.path.clone(), content: a.before.clone().unwrap_or_default() },
                    None,
                )),
                FileOp::Rename if as_applied && read(a.previous_path.as_deref().unwrap_or_default())?.is_none() => {
                    changes.push((
                        Change::Rename { from: a.path.clone(), to: a.previous_path.clone().unwrap_or_default() },
                        current_sha,
                    ))
                }
                _ => conflicts.push(a.path.clone()),
            }
        }
        p.status = ProposalStatus::Reverted;
        let saved = p.clone();
        let versions = self
            .memory
            .apply_all_with(&store, changes, &Actor::User, |conn, _| rows::save_proposal(conn, &saved, None))?;
        let _ = self.updates.send(self.get(id)?);
        Ok((p, ApplyReport { versions: versions.into_iter().map(|v| v.id).collect(), conflicts }))
    }
}
