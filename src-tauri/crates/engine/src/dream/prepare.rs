//! Before a dream runs: the input checked, the sessions to read found (each agent's new ones past
//! its watermark, or those picked), the model to dream with chosen, and the dream recorded.

use std::sync::Arc;

use reverie_llm::{model_for, LanguageModel};
use reverie_protocol::{
    Dream, DreamId, DreamInput, DreamStatus, MemoryStoreId, ProviderKind, SessionId, SessionStatus,
};

use super::Dreams;
use crate::blocking::blocking;
use crate::store::dreams as rows;
use crate::{Error, Result};

/// The most sessions one dream reads; later dreams take the rest.
pub const MAX_SESSIONS: usize = 100;
pub const MAX_INSTRUCTIONS_CHARS: usize = 4096;

impl Dreams {
    /// Finished sessions of the agents mounting the store that no dream has read yet.
    pub fn new_sessions(&self, store: &MemoryStoreId, limit: usize) -> Result<Vec<SessionId>> {
        let agents = self.mounting_ids(store)?;
        rows::undreamed_sessions(&self.db.conn(), store, &agents, limit)
    }

    /// The ids of the agents that mount the store.
    fn mounting_ids(&self, store: &MemoryStoreId) -> Result<Vec<String>> {
        Ok(self
            .agents
            .list()?
            .into_iter()
            .filter(|a| a.memory.iter().any(|m| &m.store_id == store))
            .map(|a| a.id.0)
            .collect())
    }

    pub(super) async fn mounting(self: &Arc<Self>, store: &MemoryStoreId) -> Result<Vec<String>> {
        let (this, store) = (self.clone(), store.clone());
        blocking(move || this.mounting_ids(&store)).await
    }

    pub(super) fn prepare(&self, input: DreamInput) -> Result<(Dream, Arc<dyn LanguageModel>)> {
        let store = self.memory.store(&input.store_id).map_err(|e| match e {
            Error::NotFound(_) => {
                Error::invalid("store_id", "Choose a memory store; the one selected no longer exists.")
            }
            other => other,
        })?;
        let instructions = input.instructions.trim().to_owned();
        if instructions.chars().count() > MAX_INSTRUCTIONS_CHARS {
            return Err(Error::invalid(
                "instructions",
                format!(
                    "The instructions are {} characters; a dream takes at most {MAX_INSTRUCTIONS_CHARS}.",
                    instructions.chars().count()
                ),
            ));
        }
        let mounting: Vec<_> =
            self.agents.list()?.into_iter().filter(|a| a.memory.iter().any(|m| m.store_id == store.id)).collect();
        let sessions = if input.sessions.is_empty() {
            let ids: Vec<String> = mounting.iter().map(|a| a.id.0.clone()).collect();
            rows::undreamed_sessions(&self.db.conn(), &store.id, &ids, MAX_SESSIONS)?
        } else {
            if input.sessions.len() > MAX_SESSIONS {
                return Err(Error::invalid("sessions", format!("Pick at most {MAX_SESSIONS} sessions for one dream.")));
            }
            let mut picked = Vec::new();
            for id in &input.sessions {
                let row = self
                    .log
                    .session(id)?
                    .ok_or_else(|| Error::invalid("sessions", format!("Session {} no longer exists.", id.as_str())))?;
                if row.status == SessionStatus::Running {
                    return Err(Error::invalid(
                        "sessions",
                        format!("Session {} is still running; let it finish first.", id.as_str()),
                    ));
                }
                if !picked.contains(id) {
                    picked.push(id.clone());
                }
            }
            picked
        };
        if sessions.is_empty() {
            return Err(Error::invalid(
                "sessions",
                format!("Nothing new to dream about: no session of an agent that mounts “{}” has finished since its last dream.", store.name),
            ));
        }
        let (provider_id, agent_model) = match (&input.provider_id, mounting.first()) {
            (Some(p), _) => (p.clone(), None),
            (None, Some(agent)) => (agent.provider_id.clone(), agent.model.clone()),
            (None, None) => {
                return Err(Error::invalid(
                    "provider_id",
                    "No agent mounts this store, so there is no model to dream with. Choose a provider.",
                ))
            }
        };
        let mut connection = self.providers.connection(&provider_id).map_err(|e| match e {
            Error::NotFound(_) => {
                Error::invalid("provider_id", "The model provider to dream with no longer exists. Choose another.")
            }
            other => other,
        })?;
        if connection.key.is_none() && connection.endpoint.kind == ProviderKind::Anthropic {
            return Err(Error::invalid(
                "provider_id",
                format!(
                    "No API key is set for the provider “{}”. Add one in Settings → Model providers, then dream again.",
                    connection.name
                ),
            ));
        }
        if let Some(model) = input.model.clone().filter(|m| !m.trim().is_empty()).or(agent_model) {
            connection.endpoint.model = model.trim().to_owned();
        }
        let mode = match input.mode {
            Some(mode) => mode,
            None => rows::settings(&self.db.conn(), &store.id)?.mode,
        };
        let dream = Dream {
            id: DreamId(self.ids.new_id("drm")),
            store_id: store.id.clone(),
            status: DreamStatus::Pending,
            mode,
            sessions,
            instructions,
            model: connection.endpoint.model.clone(),
            stage: None,
            processed: 0,
            error: None,
            model_calls: 0,
            usage: Default::default(),
            cost_usd: None,
            created_at: self.clock.now_ms(),
            finished_at: None,
            proposal: None,
        };
        rows::insert(&self.db.conn(), &dream, &provider_id, &self.owner)?;
        let model = model_for(&connection.endpoint, connection.key, self.stream_options);
        Ok((dream, model))
    }
}
