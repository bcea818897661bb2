//! Proposals ready for review, as they happen: what the app's desktop notification says.

use reverie_protocol::{Dream, DreamStatus, ProposalStatus};
use tokio::sync::broadcast::{self, error::RecvError};

use super::Dreams;
use crate::blocking::blocking;
use crate::Memory;

/// A dream that just finished with changes to propose, and the name of its store.
#[derive(Debug, Clone)]
pub struct ReadyProposal {
    pub dream: Dream,
    /// "a memory store" when the store can't be read (deleted since).
    pub store_name: String,
}

/// Follows the dreams' updates and yields each proposal once, when it becomes ready.
pub struct ReadyProposals {
    updates: broadcast::Receiver<Dream>,
    memory: Memory,
}

/// Whether this update is a dream finishing with a proposal for the user to review (a dream's
/// updates say so once: the proposal is then applied, rejected or reverted).
pub fn is_ready_for_review(dream: &Dream) -> bool {
    dream.status == DreamStatus::Completed
        && dream.proposal == Some(ProposalStatus::Ready)
        && dream.finished_at.is_some()
}

impl Dreams {
    /// Proposals that become ready from now on.
    pub fn ready_proposals(&self) -> ReadyProposals {
        ReadyProposals { updates: self.subscribe(), memory: self.memory.clone() }
    }
}

impl ReadyProposals {
    /// The next proposal ready for review; `None` once the dreams service is gone. Updates
    /// missed while the receiver lagged are skipped, not waited for.
    pub async fn next(&mut self) -> Option<ReadyProposal> {
        loop {
            let dream = match self.updates.recv().await {
                Ok(dream) => dream,
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return None,
            };
            if !is_ready_for_review(&dream) {
                continue;
            }
            let (memory, store) = (self.memory.clone(), dream.store_id.clone());
            let store_name = blocking(move || memory.store(&store).map(|s| s.name))
                .await
                .unwrap_or_else(|_| "a memory store".into());
            return Some(ReadyProposal { dream, store_name });
        }
    }
}
