//! What an agent may do without asking: per tool `allow | ask | deny`, and the approvals a
//! paused `ask` waits for.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

pub use reverie_protocol::Permission;
use reverie_protocol::ToolRule;
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

/// Per-tool permissions. Tools without an entry get [`PermissionPolicy::default_for`]: file
/// reads and writes are allowed, `run_command` asks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionPolicy {
    #[serde(default)]
    tools: BTreeMap<String, Permission>,
}

impl PermissionPolicy {
    /// The permission of a tool nobody configured.
    pub fn default_for(tool: &str) -> Permission {
        match tool {
            "run_command" => Permission::Ask,
            _ => Permission::Allow,
        }
    }

    /// Every tool allowed (the CLI's `--yes`).
    pub fn allow_all(tools: impl IntoIterator<Item = impl Into<String>>) -> Self {
        tools.into_iter().fold(Self::default(), |p, t| p.with(t, Permission::Allow))
    }

    pub fn with(mut self, tool: impl Into<String>, permission: Permission) -> Self {
        self.set(tool, permission);
        self
    }

    pub fn set(&mut self, tool: impl Into<String>, permission: Permission) {
        self.tools.insert(tool.into(), permission);
    }

    /// An agent's rules; tools without a rule keep their default.
    pub fn from_rules(rules: &[ToolRule]) -> Self {
        rules.iter().fold(Self::default(), |p, r| p.with(r.tool.clone(), r.permission))
    }

    pub fn permission(&self, tool: &str) -> Permission {
        self.tools.get(tool).copied().unwrap_or_else(|| Self::default_for(tool))
    }
}

/// The user's answers to `session.approval_requested`. The run registers a request before it
/// announces it; [`Approvals::approve`] (from the app's Approve / Deny or the CLI's prompt)
/// resolves it. Cheap to clone; clones share the pending requests.
#[derive(Debug, Clone, Default)]
pub struct Approvals {
    pending: Arc<Mutex<HashMap<String, oneshot::Sender<bool>>>>,
}

impl Approvals {
    pub fn new() -> Self {
        Self::default()
    }

    /// Answers the request for `tool_use_id`. Returns whether one was waiting.
    pub fn approve(&self, tool_use_id: &str, approved: bool) -> bool {
        match self.lock().remove(tool_use_id) {
            Some(tx) => tx.send(approved).is_ok(),
            None => false,
        }
    }

    /// The tool calls waiting for an answer.
    pub fn pending(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.lock().keys().cloned().collect();
        ids.sort();
        ids
    }

    pub(crate) fn request(&self, tool_use_id: &str) -> oneshot::Receiver<bool> {
        let (tx, rx) = oneshot::channel();
        self.lock().insert(tool_use_id.to_owned(), tx);
        rx
    }

    pub(crate) fn withdraw(&self, tool_use_id: &str) {
        self.lock().remove(tool_use_id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, oneshot::Sender<bool>>> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_allow_files_and_ask_for_commands() {
        let policy = PermissionPolicy::default();
        for tool in ["list_files", "read_file", "search_files", "write_file", "edit_file"] {
            assert_eq!(policy.permission(tool), Permission::Allow, "{tool}");
        }
        assert_eq!(policy.permission("run_command"), Permission::Ask);
        let policy = policy.with("write_file", Permission::Deny).with("run_command", Permission::Allow);
        assert_eq!(policy.permission("write_file"), Permission::Deny);
        assert_eq!(policy.permission("run_command"), Permission::Allow);
    }

    #[tokio::test]
    async fn an_answer_reaches_the_waiting_request_once() {
        let approvals = Approvals::new();
        let rx = approvals.request("toolu_1");
        assert_eq!(approvals.pending(), ["toolu_1"]);
        assert!(approvals.approve("toolu_1", true));
        assert!(!approvals.approve("toolu_1", false), "already answered");
        assert_eq!(rx.await, Ok(true));
    }
}
