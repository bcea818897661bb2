//! Agents as the Agents page and the CLI see them: a saved configuration that a run starts from.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{MemoryMount, ProviderId};

/// Identifies an agent (`agt_…`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
pub struct AgentId(pub String);

impl AgentId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether a tool call runs, waits for the user's approval, or is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    Allow,
    Ask,
    Deny,
}

impl Permission {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "allow",
            Self::Ask => "ask",
            Self::Deny => "deny",
        }
    }
}

/// One tool's permission on an agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ToolRule {
    pub tool: String,
    pub permission: Permission,
}

/// A tool an agent can be given, as the Agents page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ToolInfo {
    pub name: String,
    /// The first sentence of what the model is told about it.
    pub summary: String,
    /// What an agent gets when nobody chose: reads and writes `allow`, `run_command` `ask`.
    pub default_permission: Permission,
}

/// A saved agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Agent {
    pub id: AgentId,
    pub name: String,
    /// One line shown in lists.
    pub description: String,
    /// The agent's system prompt.
    pub instructions: String,
    pub provider_id: ProviderId,
    /// The model this agent asks for; `None` uses the provider's model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub model: Option<String>,
    /// Every workspace tool with its permission.
    pub tools: Vec<ToolRule>,
    /// Model requests one run may make at most.
    pub max_turns: u32,
    /// Memory stores the agent mounts; their index goes in the system prompt.
    #[serde(default)]
    pub memory: Vec<MemoryMount>,
    /// Agents it may delegate to (at most 20). A non-empty roster makes it a coordinator with
    /// the `list_agents` and `delegate` tools.
    #[serde(default)]
    pub roster: Vec<AgentId>,
    #[ts(type = "number")]
    pub created_at: i64,
    #[ts(type = "number")]
    pub updated_at: i64,
}

/// What the Agents page and `reverie agents add` send to create or edit an agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct AgentInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub instructions: String,
    pub provider_id: ProviderId,
    /// Empty or absent: the provider's model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub model: Option<String>,
    /// Tools not listed get their default permission.
    #[serde(default)]
    pub tools: Vec<ToolRule>,
    /// Absent: 50.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub max_turns: Option<u32>,
    #[serde(default)]
    pub memory: Vec<MemoryMount>,
    /// Agents it may delegate to (at most 20).
    #[serde(default)]
    pub roster: Vec<AgentId>,
}
