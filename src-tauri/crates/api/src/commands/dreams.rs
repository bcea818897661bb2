//! Dreams: start and cancel, history, the review of a proposal hunk by hunk, Apply and Revert,
//! each store's settings. Progress is `watch::WatchDreams`.

use reverie_engine::blocking::blocking;
use reverie_protocol::{
    ApplyReport, Dream, DreamId, DreamInput, DreamSettings, HunkDecision, MemoryStoreId, Proposal, SessionId,
};

use crate::command;

command! {
    ListDreams "list_dreams" (ctx, store_id: Option<MemoryStoreId>) -> Vec<Dream> {
        let dreams = ctx.core.dreams.clone();
        blocking(move || dreams.list(store_id.as_ref())).await
    }
}

command! {
    GetDream "get_dream" (ctx, id: DreamId) -> Dream {
        let dreams = ctx.core.dreams.clone();
        blocking(move || dreams.get(&id)).await
    }
}

command! {
    /// Starts a dream in the background ("Dream now").
    StartDream "start_dream" (ctx, input: DreamInput) -> Dream {
        Ok(ctx.core.dreams.start(input).await?.dream)
    }
}

command! {
    CancelDream "cancel_dream" (ctx, id: DreamId) -> () {
        ctx.core.dreams.cancel(&id)
    }
}

command! {
    /// Finished sessions the next dream of the store would read.
    NewDreamSessions "new_dream_sessions" (ctx, store_id: MemoryStoreId) -> Vec<SessionId> {
        let dreams = ctx.core.dreams.clone();
        blocking(move || dreams.new_sessions(&store_id, reverie_engine::dream::MAX_SESSIONS)).await
    }
}

command! {
    DreamProposal "dream_proposal" (ctx, id: DreamId) -> Proposal {
        let dreams = ctx.core.dreams.clone();
        blocking(move || dreams.proposal(&id)).await
    }
}

command! {
    /// Accepts, rejects or resets hunks; `edited` (one hunk, accepted) replaces its new lines.
    DecideHunks "decide_hunks" (ctx, id: DreamId, hunks: Vec<String>, decision: HunkDecision, edited: Option<String>) -> Proposal {
        let dreams = ctx.core.dreams.clone();
        blocking(move || dreams.decide(&id, &hunks, decision, edited)).await
    }
}

command! {
    ApplyProposal "apply_proposal" (ctx, id: DreamId) -> (Proposal, ApplyReport) {
        let dreams = ctx.core.dreams.clone();
        blocking(move || dreams.apply(&id)).await
    }
}

command! {
    RevertProposal "revert_proposal" (ctx, id: DreamId) -> (Proposal, ApplyReport) {
        let dreams = ctx.core.dreams.clone();
        blocking(move || dreams.revert(&id)).await
    }
}

command! {
    GetDreamSettings "dream_settings" (ctx, store_id: MemoryStoreId) -> DreamSettings {
        let dreams = ctx.core.dreams.clone();
        blocking(move || dreams.settings(&store_id)).await
    }
}

command! {
    SetDreamSettings "set_dream_settings" (ctx, store_id: MemoryStoreId, settings: DreamSettings) -> DreamSettings {
        let dreams = ctx.core.dreams.clone();
        blocking(move || dreams.set_settings(&store_id, settings)).await
    }
}
