//! The memory tools an agent gets for the stores it mounts: `memory_search` and `memory_read`
//! always, and `memory_write`, `memory_edit`, `memory_delete`, `memory_rename` when at least one
//! mount is `read_write` (a write to a `read_only` store is refused with the reason). Every call
//! is recorded as a memory access of the session's thread, and every write goes through
//! [`Memory::apply`] with the thread as its actor.

use std::sync::Arc;

use reverie_protocol::{MemoryAccess, MemoryAccessKind, MemoryAccessRecord, MemoryStore, SessionId, ThreadId};
use schemars::JsonSchema;
use serde::Deserialize;

use super::{Actor, Change, Memory};
use crate::tools::{blocking, Outcome, Refusal, Tool, ToolContext, ToolFault, ToolOutput, TypedTool};
use crate::Error;

/// A store as one session mounts it.
#[derive(Debug, Clone)]
pub struct Mounted {
    pub store: MemoryStore,
    pub access: MemoryAccess,
}

/// What every memory tool of one thread shares.
pub struct MemoryContext {
    pub memory: Memory,
    pub mounts: Vec<Mounted>,
    pub session: SessionId,
    pub thread: ThreadId,
}

impl MemoryContext {
    /// The tools for these mounts.
    pub fn tools(self: &Arc<Self>) -> Vec<Arc<dyn Tool>> {
        let mut tools: Vec<Arc<dyn Tool>> =
            vec![Arc::new(MemorySearch(self.clone())), Arc::new(MemoryRead(self.clone()))];
        if self.mounts.iter().any(|m| m.access == MemoryAccess::ReadWrite) {
            tools.push(Arc::new(MemoryWrite(self.clone())));
            tools.push(Arc::new(MemoryEdit(self.clone())));
            tools.push(Arc::new(MemoryDelete(self.clone())));
            tools.push(Arc::new(MemoryRename(self.clone())));
        }
        tools
    }

    /// The mount named `store` (any case), or the only one when none is named.
    fn mount(&self, store: Option<&str>) -> Result<&Mounted, Refusal> {
        let names = || self.mounts.iter().map(|m| m.store.name.as_str()).collect::<Vec<_>>().join(", ");
        match store.map(str::trim).filter(|s| !s.is_empty()) {
            Some(name) => self.mounts.iter().find(|m| m.store.name.eq_ignore_ascii_case(name)).ok_or_else(|| {
                Refusal(format!("no memory store named “{name}” is mounted; the stores are: {}", names()))
            }),
            None if self.mounts.len() == 1 => Ok(&self.mounts[0]),
            None => Err(Refusal(format!("several memory stores are mounted; say which with \"store\": {}", names()))),
        }
    }

    fn writable(&self, store: Option<&str>) -> Result<&Mounted, Refusal> {
        let mount = self.mount(store)?;
        if mount.access == MemoryAccess::ReadOnly {
            return Err(Refusal(format!(
                "the memory store “{}” is mounted read-only for this agent: you can search and read it, not change it",
                mount.store.name
            )));
        }
        Ok(mount)
    }

    fn record(&self, mount: &Mounted, kind: MemoryAccessKind, paths: &[String], query: Option<&str>) {
        let time_ms = self.memory.now();
        let record = |path: Option<String>| MemoryAccessRecord {
            session_id: self.session.clone(),
            thread_id: self.thread.clone(),
            store_id: mount.store.id.clone(),
            store_name: mount.store.name.clone(),
            path,
            kind,
            query: query.map(str::to_owned),
            time_ms,
        };
        let records: Vec<_> = if paths.is_empty() {
            vec![record(None)]
        } else {
            paths.iter().cloned().map(|p| record(Some(p))).collect()
        };
        if let Err(e) = self.memory.record_access(&records) {
            tracing::warn!(error = %e, "memory access not recorded");
        }
    }

    fn actor(&self) -> Actor {
        Actor::Thread { session: self.session.0.clone(), thread: self.thread.0.clone() }
    }
}

/// An engine error as something the model can act on.
fn refusal(e: Error) -> Refusal {
    Refusal(match e {
        Error::Invalid { message, .. } | Error::Conflict { message, .. } | Error::NotFound(message) => message,
        other => format!("the memory store failed: {other}"),
    })
}

/// Search a mounted memory store for files about something (ranked by relevance, with a short
/// excerpt of each). Search before you read: read only the files a request needs.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MemorySearchInput {
    /// Words to look for, like "deploy checklist" or "test database setup".
    pub query: String,
    /// The store to search; needed only when several are mounted.
    #[serde(default)]
    pub store: Option<String>,
    /// How many results at most (default 8, at most 20).
    #[serde(default)]
    pub limit: Option<u32>,
}

pub struct MemorySearch(Arc<MemoryContext>);

impl TypedTool for MemorySearch {
    const NAME: &'static str = "memory_search";
    type Input = MemorySearchInput;

    async fn run(&self, input: MemorySearchInput, _ctx: &ToolContext) -> Result<ToolOutput, ToolFault> {
        let cx = self.0.clone();
        blocking(Self::NAME, move || -> Outcome {
            let mount = cx.mount(input.store.as_deref())?;
            let hits =
                cx.memory.search(&mount.store.id, &input.query, input.limit.unwrap_or(8) as usize).map_err(refusal)?;
            let paths: Vec<String> = hits.iter().map(|h| h.path.clone()).collect();
            cx.record(mount, MemoryAccessKind::Searched, &paths, Some(&input.query));
            if hits.is_empty() {
                return Ok(format!("no file in “{}” matches {:?}", mount.store.name, input.query));
            }
            Ok(hits
                .iter()
                .map(|h| format!("{} (score {:.2})\n  {}", h.path, h.score, h.snippet.replace('\n', " ")))
                .collect::<Vec<_>>()
                .join("\n"))
        })
        .await
    }
}

/// Read a memory file: its content and its sha256 (give the sha256 back as expected_sha256
/// when you change the file, so a change made meanwhile is not overwritten).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MemoryReadInput {
    /// The file's path in the store, like "testing/setup.md".
    pub path: String,
    #[serde(default)]
    pub store: Option<String>,
}

pub struct MemoryRead(Arc<MemoryContext>);

impl TypedTool for MemoryRead {
    const NAME: &'static str = "memory_read";
    type Input = MemoryReadInput;

    async fn run(&self, input: MemoryReadInput, _ctx: &ToolContext) -> Result<ToolOutput, ToolFault> {
        let cx = self.0.clone();
        blocking(Self::NAME, move || -> Outcome {
            let mount = cx.mount(input.store.as_deref())?;
            let file = cx.memory.read(&mount.store.id, &input.path).map_err(refusal)?;
            cx.record(mount, MemoryAccessKind::Read, std::slice::from_ref(&file.path), None);
            Ok(format!("{} (sha256 {})\n\n{}", file.path, file.sha256, file.content))
        })
        .await
    }
}

/// Create a memory file or replace its whole content (Markdown, at most 100 kB). Keep files
/// small and about one topic; start with a line that says what the file is for.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MemoryWriteInput {
    /// The file's path in the store, ending in .md, like "testing/setup.md".
    pub path: String,
    /// The complete new content.
    pub content: String,
    /// The sha256 you read; the write is refused if the file changed since. Leave it out only
    /// to create a new file: replacing an existing file needs the sha256 it replaces.
    #[serde(default)]
    pub expected_sha256: Option<String>,
    #[serde(default)]
    pub store: Option<String>,
}

pub struct MemoryWrite(Arc<MemoryContext>);

impl TypedTool for MemoryWrite {
    const NAME: &'static str = "memory_write";
    type Input = MemoryWriteInput;

    async fn run(&self, input: MemoryWriteInput, _ctx: &ToolContext) -> Result<ToolOutput, ToolFault> {
        let cx = self.0.clone();
        blocking(Self::NAME, move || -> Outcome {
            let mount = cx.writable(input.store.as_deref())?;
            let path = input.path.clone();
            let change = Change::Write { path: input.path, content: input.content };
            match input.expected_sha256.as_deref() {
                Some(expected) => written(&cx, mount, change, Some(expected)),
                // Without the sha256 it replaces, a write may only create ("" = must not exist).
                None => written_or(&cx, mount, change, Some(""), |e| match e {
                    Error::Conflict { .. } => match cx.memory.read(&mount.store.id, &path) {
                        Ok(current) => Refusal(format!(
                            "{} already exists in “{}” (sha256 {}); nothing was written. memory_write without expected_sha256 only creates new files: to replace this one, read it with memory_read and give its sha256 as expected_sha256 (or change part of it with memory_edit).",
                            current.path, mount.store.name, current.sha256
                        )),
                        Err(e) => refusal(e),
                    },
                    e => refusal(e),
                }),
            }
        })
        .await
    }
}

/// Change part of a memory file: replace an exact piece of text (it must occur exactly once).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MemoryEditInput {
    pub path: String,
    /// The exact text to replace, as it is in the file.
    pub old_text: String,
    /// What replaces it.
    pub new_text: String,
    #[serde(default)]
    pub expected_sha256: Option<String>,
    #[serde(default)]
    pub store: Option<String>,
}

pub struct MemoryEdit(Arc<MemoryContext>);

impl TypedTool for MemoryEdit {
    const NAME: &'static str = "memory_edit";
    type Input = MemoryEditInput;

    async fn run(&self, input: MemoryEditInput, _ctx: &ToolContext) -> Result<ToolOutput, ToolFault> {
        let cx = self.0.clone();
        blocking(Self::NAME, move || -> Outcome {
            let mount = cx.writable(input.store.as_deref())?;
            let file = cx.memory.read(&mount.store.id, &input.path).map_err(refusal)?;
            if input.old_text.is_empty() {
                return Err(Refusal("old_text is empty; give the exact text to replace".into()));
            }
            let content = match file.content.matches(&input.old_text).count() {
                0 => {
                    return Err(Refusal(format!(
                        "old_text is not in {}; read the file and copy the text exactly",
                        file.path
                    )))
                }
                1 => file.content.replacen(&input.old_text, &input.new_text, 1),
                n => {
                    return Err(Refusal(format!(
                        "old_text occurs {n} times in {}; include more of the surrounding text so it is unique",
                        file.path
                    )))
                }
            };
            // Without a precondition from the model, the content just read is the base.
            let expected = input.expected_sha256.unwrap_or(file.sha256);
            written(&cx, mount, Change::Write { path: file.path, content }, Some(&expected))
        })
        .await
    }
}

/// Delete a memory file (its history is kept).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MemoryDeleteInput {
    pub path: String,
    #[serde(default)]
    pub expected_sha256: Option<String>,
    #[serde(default)]
    pub store: Option<String>,
}

pub struct MemoryDelete(Arc<MemoryContext>);

impl TypedTool for MemoryDelete {
    const NAME: &'static str = "memory_delete";
    type Input = MemoryDeleteInput;

    async fn run(&self, input: MemoryDeleteInput, _ctx: &ToolContext) -> Result<ToolOutput, ToolFault> {
        let cx = self.0.clone();
        blocking(Self::NAME, move || -> Outcome {
            let mount = cx.writable(input.store.as_deref())?;
            written(&cx, mount, Change::Delete { path: input.path }, input.expected_sha256.as_deref())
        })
        .await
    }
}

/// Rename or move a memory file.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MemoryRenameInput {
    pub path: String,
    /// The new path, ending in .md.
    pub new_path: String,
    #[serde(default)]
    pub expected_sha256: Option<String>,
    #[serde(default)]
    pub store: Option<String>,
}

pub struct MemoryRename(Arc<MemoryContext>);

impl TypedTool for MemoryRename {
    const NAME: &'static str = "memory_rename";
    type Input = MemoryRenameInput;

    async fn run(&self, input: MemoryRenameInput, _ctx: &ToolContext) -> Result<ToolOutput, ToolFault> {
        let cx = self.0.clone();
        blocking(Self::NAME, move || -> Outcome {
            let mount = cx.writable(input.store.as_deref())?;
            written(
                &cx,
                mount,
                Change::Rename { from: input.path, to: input.new_path },
                input.expected_sha256.as_deref(),
            )
        })
        .await
    }
}

/// Applies a change through the one writer path and says what it did.
fn written(cx: &MemoryContext, mount: &Mounted, change: Change, expected: Option<&str>) -> Outcome {
    written_or(cx, mount, change, expected, refusal)
}

/// [`written`], with the caller's wording of an error.
fn written_or(
    cx: &MemoryContext,
    mount: &Mounted,
    change: Change,
    expected: Option<&str>,
    on_error: impl FnOnce(Error) -> Refusal,
) -> Outcome {
    let version = cx.memory.apply(&mount.store.id, change, expected, &cx.actor()).map_err(on_error)?;
    let mut paths = vec![version.path.clone()];
    paths.extend(version.previous_path.clone());
    cx.record(mount, MemoryAccessKind::Written, &paths, None);
    let what = match version.op {
        reverie_protocol::MemoryOp::Create => "created",
        reverie_protocol::MemoryOp::Update => "updated",
        reverie_protocol::MemoryOp::Delete => "deleted",
        reverie_protocol::MemoryOp::Rename => "renamed",
    };
    Ok(match (&version.sha256, &version.previous_path) {
        (Some(sha), Some(from)) => format!("{what} {from} to {} (sha256 {sha})", version.path),
        (Some(sha), None) => format!("{what} {} in “{}” (sha256 {sha})", version.path, mount.store.name),
        (None, _) => format!("{what} {} in “{}”", version.path, mount.store.name),
    })
}
