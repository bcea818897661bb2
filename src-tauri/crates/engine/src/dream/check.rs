//! The model's operations checked against the store — paths, the file limit, 100 kB, one change
//! a file, renames onto free paths, evidence quoting its event — and each kept file's hunks
//! computed (`proposal::file_change`): the proposal a user reviews. What is left out says why.

use std::collections::{HashMap, HashSet};

use reverie_protocol::{Dream, Evidence, FileChange, FileOp, Proposal, ProposalStatus, SessionId};

use super::consolidate::{Op, Operation};
use super::proposal::file_change;
use super::redact::redact;
use super::transcript::quoted;
use super::{AppMessage, Dreams};
use crate::memory::paths;
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
                    // The message names the path when there is one; don't name it twice.
                    let message = AppMessage(&e).to_string();
                    let message = message.trim_end().trim_end_matches('.');
                    dropped.push(if shown.is_empty() || message.contains(&shown) {
                        format!("{message}. It was left out.")
                    } else {
                        format!("{shown}: {message}. It was left out.")
                    });
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
}
