//! Sessions (the UI's Runs page), over `engine::session::Sessions`: start, the list and one
//! session, its stored events, cancel (the session or one thread), continue, approvals. The live
//! view is `watch::WatchSession`.

use reverie_engine::session::RunOptions;
use reverie_protocol::{RunInput, SessionEvent, SessionId, SessionSummary, ThreadId};

use crate::command;

command! {
    /// Every session, newest first (runs started from the CLI included).
    ListSessions "list_sessions" (ctx) -> Vec<SessionSummary> {
        ctx.core.sessions.list().await
    }
}

command! {
    GetSession "get_session" (ctx, id: SessionId) -> SessionSummary {
        ctx.core.sessions.get(&id).await
    }
}

command! {
    /// Stored events after `after`, at most `limit`.
    SessionEvents "session_events" (ctx, id: SessionId, #[ts(type = "number")] after: u64, #[ts(type = "number")] limit: usize) -> Vec<SessionEvent> {
        ctx.core.sessions.events(&id, after, limit).await
    }
}

command! {
    StartRun "start_run" (ctx, input: RunInput) -> SessionSummary {
        Ok(ctx.core.sessions.start(input, RunOptions::default()).await?.summary)
    }
}

command! {
    CancelSession "cancel_session" (ctx, id: SessionId) -> () {
        ctx.core.sessions.cancel(&id).await
    }
}

command! {
    /// Stops one subagent thread; its coordinator gets a "cancelled" result and carries on.
    CancelThread "cancel_thread" (ctx, id: SessionId, thread_id: ThreadId) -> () {
        ctx.core.sessions.cancel_thread(&id, &thread_id)
    }
}

command! {
    /// Resumes an interrupted session, or sends a follow-up message to an idle one.
    ContinueSession "continue_session" (ctx, id: SessionId, message: Option<String>) -> SessionSummary {
        Ok(ctx.core.sessions.continue_run(&id, message, RunOptions::default()).await?.summary)
    }
}

command! {
    AnswerApproval "answer_approval" (ctx, session_id: SessionId, tool_use_id: String, approved: bool) -> () {
        ctx.core.sessions.answer(&session_id, &tool_use_id, approved)
    }
}
