//! An agent's memory as one thread of a session mounts it: the system prompt's memory section
//! (each store's note and index, recorded as `listed`) and the memory tools for those stores.

use std::sync::Arc;

use reverie_protocol::{MemoryAccess, MemoryAccessKind, MemoryAccessRecord, MemoryMount, SessionId, ThreadId};

use super::tools::{MemoryContext, Mounted};
use super::{Memory, INDEX_TOKEN_BUDGET};
use crate::tools::Tool;
use crate::Result;

/// What a thread gets of its agent's memory; empty when the agent mounts none (or only stores
/// deleted since).
#[derive(Default)]
pub struct MountedMemory {
    /// The system prompt's memory section.
    pub prompt: String,
    pub tools: Vec<Arc<dyn Tool>>,
}

/// The start of the system prompt's memory section.
const MEMORY_NOTE: &str =
    "\n\n## Memory\nYou have memory: small Markdown files kept between sessions, listed below by store. \
Use memory_search to find what this task needs and memory_read to load it; don't read everything. \
In a store you may write, keep what will help next time (what worked, the user's preferences, pitfalls) \
with memory_write or memory_edit: small files, one topic each, a first line that says what the file is for.\n";

impl Memory {
    /// Mounts `mounts` for `thread` of `session`; stores deleted since the agent was saved are
    /// left out. Blocks (SQLite).
    pub fn mount(&self, mounts: &[MemoryMount], session: &SessionId, thread: &ThreadId) -> Result<MountedMemory> {
        let mut mounted = Vec::new();
        let mut prompt = String::from(MEMORY_NOTE);
        let mut listed = Vec::new();
        for mount in mounts {
            let Ok(store) = self.store(&mount.store_id) else { continue };
            let (index, paths) = self.index(&store.id, INDEX_TOKEN_BUDGET)?;
            let access = match mount.access {
                MemoryAccess::ReadWrite => "read and write",
                MemoryAccess::ReadOnly => "read only",
            };
            prompt.push_str(&format!("\n### Memory store “{}” ({access})\n", store.name));
            if !store.description.is_empty() {
                prompt.push_str(&format!("{}\n", store.description));
            }
            prompt.push_str(&index);
            let time_ms = self.now();
            listed.extend(paths.into_iter().map(|path| MemoryAccessRecord {
                session_id: session.clone(),
                thread_id: thread.clone(),
                store_id: store.id.clone(),
                store_name: store.name.clone(),
                path: Some(path),
                kind: MemoryAccessKind::Listed,
                query: None,
                time_ms,
            }));
            mounted.push(Mounted { store, access: mount.access });
        }
        if mounted.is_empty() {
            return Ok(MountedMemory::default());
        }
        self.record_access(&listed)?;
        let context =
            MemoryContext { memory: self.clone(), mounts: mounted, session: session.clone(), thread: thread.clone() };
        Ok(MountedMemory { prompt, tools: Arc::new(context).tools() })
    }
}
