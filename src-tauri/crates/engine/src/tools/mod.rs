//! The agent's workspace tools. A tool is a serde input type whose JSON schema and doc comment
//! are what the model sees, plus a run function ([`TypedTool`]); [`Tool`] is the object-safe
//! face the agent loop holds in a [`ToolSet`].
//!
//! Errors are split in two. Anything the model can act on (bad input, a refused path, a file
//! that is not there, a string that is not unique) is an [`ToolOutput`] with `is_error` set and
//! goes back to the model. Only an engine fault ([`ToolFault`]) ends the turn.

mod edit_file;
mod list_files;
mod read_file;
#[cfg(unix)]
mod run_command;
mod search_files;
pub(crate) mod text;
mod workspace;
mod write_file;

use std::future::Future;
use std::sync::Arc;

use futures::future::BoxFuture;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

pub use edit_file::{EditFile, EditFileInput};
pub use list_files::{ListFiles, ListFilesInput};
pub use read_file::{ReadFile, ReadFileInput};
#[cfg(unix)]
pub use run_command::{RunCommand, RunCommandInput};
pub use search_files::{SearchFiles, SearchFilesInput};
pub use workspace::{Intent, PathError, Shown, Workspace, WorkspaceError, MAX_NAME_BYTES, MAX_PATH_BYTES};
pub use write_file::{WriteFile, WriteFileInput};

/// What the model is told about a tool.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolDefinition {
    pub name: &'static str,
    pub description: String,
    pub input_schema: Value,
}

/// A tool's answer to the model. `is_error` results tell the model something went wrong that
/// it can fix or work around; the turn goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolOutput {
    pub content: String,
    pub is_error: bool,
}

/// The first word of the result of a tool call that was cancelled.
pub const CANCELLED: &str = "cancelled";

impl ToolOutput {
    pub fn ok(content: impl Into<String>) -> Self {
        Self { content: content.into(), is_error: false }
    }

    pub fn error(content: impl Into<String>) -> Self {
        Self { content: content.into(), is_error: true }
    }

    /// The result of a call stopped by the session's cancellation, so the transcript keeps a
    /// result for every tool use.
    pub fn cancelled() -> Self {
        Self::error(format!("{CANCELLED}: the user stopped this run before the tool finished"))
    }

    pub fn is_cancelled(&self) -> bool {
        self.is_error && self.content.starts_with(CANCELLED)
    }
}

/// An engine fault: the tool could not run at all for a reason the model cannot fix. Ends the turn.
#[derive(Debug, thiserror::Error)]
pub enum ToolFault {
    #[error("the {tool} tool crashed: {message}")]
    Crashed { tool: &'static str, message: String },
    #[error("the {tool} tool failed inside the engine: {message}")]
    Internal { tool: &'static str, message: String },
}

impl From<ToolFault> for crate::Error {
    fn from(e: ToolFault) -> Self {
        crate::Error::Internal(e.to_string())
    }
}

/// What a tool call runs against: the session's workspace and its cancellation token.
#[derive(Debug, Clone)]
pub struct ToolContext {
    pub workspace: Workspace,
    pub cancel: CancellationToken,
    /// Shared by every thread of a session: writes to one path happen one at a time.
    pub writes: Arc<PathLocks>,
}

impl ToolContext {
    pub fn new(workspace: Workspace, cancel: CancellationToken) -> Self {
        Self { workspace, cancel, writes: Arc::default() }
    }

    /// The same workspace for another thread of the session: its own cancellation, the
    /// session's write locks.
    pub fn for_thread(&self, cancel: CancellationToken) -> Self {
        Self { workspace: self.workspace.clone(), cancel, writes: self.writes.clone() }
    }

    /// Holds the write lock of the file `requested` names until the guard drops.
    pub async fn lock_for_write(&self, requested: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let key = match self.workspace.resolve(requested, Intent::Write) {
            Ok(path) => path.display().to_string(),
            Err(_) => requested.trim().to_owned(),
        };
        self.writes.lock(&key).await
    }
}

/// One lock per path written in a session, so parallel threads never interleave writes to a
/// file (different files are written in parallel).
#[derive(Debug, Default)]
pub struct PathLocks {
    locks: std::sync::Mutex<std::collections::HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl PathLocks {
    pub async fn lock(&self, key: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = self.locks.lock().unwrap_or_else(|p| p.into_inner()).entry(key.to_owned()).or_default().clone();
        lock.lock_owned().await
    }
}

/// A tool as the agent loop holds it: a definition for the model and a call taking raw JSON.
pub trait Tool: Send + Sync {
    fn definition(&self) -> ToolDefinition;
    fn call<'a>(&'a self, input: Value, ctx: &'a ToolContext) -> BoxFuture<'a, Result<ToolOutput, ToolFault>>;
}

/// A tool written against its typed input. Every `TypedTool` is a [`Tool`]: the input is
/// parsed (a mismatch is an `is_error` result naming the problem), the description is the
/// input type's doc comment.
pub trait TypedTool: Send + Sync {
    const NAME: &'static str;
    type Input: DeserializeOwned + JsonSchema + Send;

    fn run(&self, input: Self::Input, ctx: &ToolContext) -> impl Future<Output = Result<ToolOutput, ToolFault>> + Send;
}

impl<T: TypedTool> Tool for T {
    fn definition(&self) -> ToolDefinition {
        let mut schema = schemars::schema_for!(T::Input);
        let description = match schema.remove("description") {
            Some(Value::String(s)) => unwrap_lines(&s),
            _ => String::new(),
        };
        schema.remove("$schema");
        schema.remove("title");
        ToolDefinition { name: T::NAME, description, input_schema: schema.to_value() }
    }

    fn call<'a>(&'a self, input: Value, ctx: &'a ToolContext) -> BoxFuture<'a, Result<ToolOutput, ToolFault>> {
        Box::pin(async move {
            if ctx.cancel.is_cancelled() {
                return Ok(ToolOutput::cancelled());
            }
            match serde_json::from_value::<T::Input>(input) {
                Ok(input) => self.run(input, ctx).await,
                Err(e) => {
                    Ok(ToolOutput::error(format!("invalid input for {}: {e}. Check the tool's input schema.", T::NAME)))
                }
            }
        })
    }
}

/// Doc comments wrap at the source's line width; the model gets paragraphs as single lines.
fn unwrap_lines(doc: &str) -> String {
    doc.split("\n\n")
        .map(|para| para.split('\n').map(str::trim).collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The tools an agent may call, by name, with their definitions computed once.
#[derive(Clone, Default)]
pub struct ToolSet {
    tools: Vec<(ToolDefinition, Arc<dyn Tool>)>,
}

impl ToolSet {
    /// All six workspace tools.
    pub fn workspace() -> Self {
        let tools: Vec<Arc<dyn Tool>> = vec![
            Arc::new(ListFiles),
            Arc::new(ReadFile),
            Arc::new(WriteFile),
            Arc::new(EditFile),
            Arc::new(SearchFiles),
            #[cfg(unix)]
            Arc::new(RunCommand),
        ];
        tools.into_iter().fold(Self::default(), Self::with)
    }

    /// Adds a tool; one with the same name is replaced.
    pub fn with(mut self, tool: Arc<dyn Tool>) -> Self {
        let definition = tool.definition();
        self.tools.retain(|(d, _)| d.name != definition.name);
        self.tools.push((definition, tool));
        self
    }

    /// Keeps only the tools whose names `keep` accepts (e.g. the agent's allowed tools).
    pub fn filter(mut self, keep: impl Fn(&str) -> bool) -> Self {
        self.tools.retain(|(d, _)| keep(d.name));
        self
    }

    pub fn definitions(&self) -> Vec<ToolDefinition> {
        self.tools.iter().map(|(d, _)| d.clone()).collect()
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.tools.iter().map(|(d, _)| d.name).collect()
    }

    pub fn get(&self, name: &str) -> Option<&Arc<dyn Tool>> {
        self.tools.iter().find(|(d, _)| d.name == name).map(|(_, t)| t)
    }

    /// Calls the tool `name`; an unknown name is an `is_error` result listing the known ones.
    #[tracing::instrument(skip_all, fields(tool = name))]
    pub async fn call(&self, name: &str, input: Value, ctx: &ToolContext) -> Result<ToolOutput, ToolFault> {
        let Some(tool) = self.get(name) else {
            return Ok(ToolOutput::error(format!(
                "there is no tool named {name:?}; the tools are: {}",
                self.names().join(", ")
            )));
        };
        let output = tool.call(input, ctx).await;
        match &output {
            Ok(out) => tracing::debug!(is_error = out.is_error, bytes = out.content.len(), "tool result"),
            Err(fault) => tracing::warn!(%fault, "tool fault"),
        }
        output
    }
}

/// Something to tell the model: becomes an `is_error` result.
pub(crate) struct Refusal(pub(crate) String);

impl From<PathError> for Refusal {
    fn from(e: PathError) -> Self {
        Self(e.to_string())
    }
}

/// A file tool's body: the text for the model, or what to tell it went wrong.
pub(crate) type Outcome = Result<String, Refusal>;

/// Runs a file tool's blocking body off the async runtime.
pub(crate) async fn blocking(
    tool: &'static str,
    body: impl FnOnce() -> Outcome + Send + 'static,
) -> Result<ToolOutput, ToolFault> {
    match tokio::task::spawn_blocking(body).await {
        Ok(Ok(content)) => Ok(ToolOutput::ok(content)),
        Ok(Err(Refusal(message))) => Ok(ToolOutput::error(message)),
        Err(e) => Err(ToolFault::Crashed { tool, message: e.to_string() }),
    }
}
