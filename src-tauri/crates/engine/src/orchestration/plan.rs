//! What a coordinator's team starts from, resolved before the run begins.

use reverie_protocol::{Agent, EventPayload, SessionEvent, ThreadId};

use crate::agents::Agents;
use crate::Result;

/// A coordinator's roster (agents deleted since it was saved are left out), the subagent
/// threads earlier runs of the session left (so a follow-up can reach them), and how many
/// subagent threads run at once.
pub struct TeamPlan {
    pub roster: Vec<Agent>,
    pub earlier: Vec<(ThreadId, Agent)>,
    pub max_threads: u32,
}

impl TeamPlan {
    /// The team of `coordinator` in a session whose log holds `events`; `None` when it has no
    /// roster. Blocks (SQLite).
    pub fn load(
        agents: &Agents,
        coordinator: &Agent,
        events: &[SessionEvent],
        max_threads: u32,
    ) -> Result<Option<Self>> {
        if coordinator.roster.is_empty() {
            return Ok(None);
        }
        let roster: Vec<Agent> = coordinator.roster.iter().filter_map(|id| agents.get(id).ok()).collect();
        let earlier = events
            .iter()
            .filter_map(|event| match &event.payload {
                EventPayload::ThreadCreated { thread_id, agent_id, .. } => {
                    roster.iter().find(|a| &a.id == agent_id).map(|agent| (thread_id.clone(), agent.clone()))
                }
                _ => None,
            })
            .collect();
        Ok(Some(Self { roster, earlier, max_threads }))
    }
}
