//! Following a seeded run through the engine's own event stream: to its end (answering its
//! approvals as the user would, through `Sessions::answer`), or to its first approval request.

use std::time::Duration;

use reverie_engine::session::Started;
use reverie_protocol::{EventPayload, SessionEvent, SessionSummary};
use serde_json::Value;

use super::{InSeed, RunDone, SeedError};
use crate::Context;

/// How long one seeded run may take at most (they take well under a second against the fake;
/// a provider that can't be reached is retried for a few seconds first).
pub const SEED_WAIT: Duration = Duration::from_secs(60);

fn too_slow(seed: &'static str, what: &str) -> SeedError {
    SeedError::failed(seed, format!("{what} within {} s", SEED_WAIT.as_secs()))
}

/// Follows `started` until its task ends, answering every approval it asks for with
/// `approve(tool, input)`; the session as it then is.
pub async fn run_to_end(
    ctx: &Context,
    seed: &'static str,
    started: Started,
    approve: impl Fn(&str, &Value) -> bool + Send,
) -> Result<SessionSummary, SeedError> {
    let Started { summary, mut done, mut subscription } = started;
    let id = summary.id;
    let follow = async {
        loop {
            tokio::select! {
                ended = &mut done => {
                    let outcome = ended.map_err(|e| SeedError::failed(seed, format!("the run's task stopped ({e})")))?;
                    return outcome.in_seed(seed).map(|_| ());
                }
                event = subscription.next() => {
                    let event = event.in_seed(seed)?;
                    if let EventPayload::ApprovalRequested { tool_use_id, name, input, .. } = &event.payload {
                        ctx.core.sessions.answer(&id, tool_use_id, approve(name, input)).in_seed(seed)?;
                    }
                }
            }
        }
    };
    tokio::time::timeout(SEED_WAIT, follow)
        .await
        .map_err(|_| too_slow(seed, &format!("the run {} didn't end", id.as_str())))??;
    ctx.core.sessions.get(&id).await.in_seed(seed)
}

/// Follows `started` to its first approval request and returns that event with the run's task,
/// still waiting (for [`super::Seeding::leave_running`]). A run that ends first is an error.
pub async fn until_approval(seed: &'static str, started: Started) -> Result<(SessionEvent, RunDone), SeedError> {
    let Started { summary, mut done, mut subscription } = started;
    let follow = async {
        loop {
            tokio::select! {
                _ = &mut done => {
                    return Err(SeedError::failed(seed, format!("the run {} ended before it asked for an approval", summary.id.as_str())));
                }
                event = subscription.next() => {
                    let event = event.in_seed(seed)?;
                    if matches!(event.payload, EventPayload::ApprovalRequested { .. }) {
                        return Ok(event);
                    }
                }
            }
        }
    };
    let event = tokio::time::timeout(SEED_WAIT, follow)
        .await
        .map_err(|_| too_slow(seed, &format!("the run {} asked for no approval", summary.id.as_str())))??;
    Ok((event, done))
}
