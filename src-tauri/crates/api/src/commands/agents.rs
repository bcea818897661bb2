//! Agents: the tool catalog, the list, create/update/delete, the example team.

use reverie_engine::agents::tool_catalog;
use reverie_engine::blocking::blocking;
use reverie_protocol::{Agent, AgentId, AgentInput, ProviderId, ToolInfo};

use crate::command;

command! {
    /// The workspace tools an agent can be given, with their default permissions.
    ListTools "list_tools" (_ctx) -> Vec<ToolInfo> {
        Ok(tool_catalog())
    }
}

command! {
    ListAgents "list_agents" (ctx) -> Vec<Agent> {
        let agents = ctx.core.agents.clone();
        blocking(move || agents.list()).await
    }
}

command! {
    CreateAgent "create_agent" (ctx, input: AgentInput) -> Agent {
        let agents = ctx.core.agents.clone();
        blocking(move || agents.create(input)).await
    }
}

command! {
    UpdateAgent "update_agent" (ctx, id: AgentId, input: AgentInput) -> Agent {
        let agents = ctx.core.agents.clone();
        blocking(move || agents.update(&id, input)).await
    }
}

command! {
    DeleteAgent "delete_agent" (ctx, id: AgentId) -> () {
        let agents = ctx.core.agents.clone();
        blocking(move || agents.delete(&id)).await
    }
}

command! {
    /// The example team (a coordinator with a researcher, a writer and a reviewer) on a provider.
    CreateExampleTeam "create_example_team" (ctx, provider_id: ProviderId) -> Vec<Agent> {
        let agents = ctx.core.agents.clone();
        blocking(move || agents.create_example_team(&provider_id)).await
    }
}
