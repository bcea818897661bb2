//! `write_file`: create or replace a file of the workspace.

use std::io::Write as _;
use std::path::Path;

use schemars::JsonSchema;
use serde::Deserialize;

use super::text::{io_refusal, metadata, open_write, size};
use super::{blocking, Intent, Outcome, Refusal, ToolContext, ToolFault, ToolOutput, TypedTool, Workspace};
use crate::beneath::{Kind, Refused};

/// Largest content one write accepts.
pub const MAX_WRITE_BYTES: usize = 5 * 1024 * 1024;

/// Create a file in the workspace, or replace the whole content of an existing one. Missing
/// parent folders are created. To change part of an existing file, prefer edit_file.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteFileInput {
    /// The file to write, relative to the workspace root.
    pub path: String,
    /// The complete new content of the file (at most 5 MiB).
    pub content: String,
}

pub struct WriteFile;

impl TypedTool for WriteFile {
    const NAME: &'static str = "write_file";
    type Input = WriteFileInput;

    async fn run(&self, input: WriteFileInput, ctx: &ToolContext) -> Result<ToolOutput, ToolFault> {
        let _writing = ctx.lock_for_write(&input.path).await;
        let workspace = ctx.workspace.clone();
        blocking(Self::NAME, move || write(&workspace, &input)).await
    }
}

fn write(workspace: &Workspace, input: &WriteFileInput) -> Outcome {
    if input.content.len() > MAX_WRITE_BYTES {
        return Err(Refusal(format!(
            "the content is {}; write_file takes at most {}. Write the file in smaller pieces or generate it with run_command.",
            size(input.content.len() as u64),
            size(MAX_WRITE_BYTES as u64)
        )));
    }
    let path = workspace.resolve(&input.path, Intent::Write)?;
    let existed = match metadata(workspace, &path) {
        Ok(meta) if meta.is_dir() => {
            return Err(Refusal(format!("{} is a folder; give the path of a file", workspace.display(&path))));
        }
        Ok(meta) if meta.kind == Kind::Symlink => {
            return Err(io_refusal(workspace, &path, "write", &Refused::Symlink.into()))
        }
        Ok(meta) if !meta.is_file() => {
            return Err(Refusal(format!(
                "{} is a device, socket or pipe, not a regular file",
                workspace.display(&path)
            )));
        }
        Ok(_) => true,
        // Missing, or a file stands where a folder should: `create_parents` says which.
        Err(e) if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory) => false,
        Err(e) => return Err(io_refusal(workspace, &path, "write", &e)),
    };
    if let Some(parent) = path.parent() {
        create_parents(workspace, parent)?;
    }
    write_all(workspace, &path, input.content.as_bytes())?;
    let verb = if existed { "replaced" } else { "created" };
    let (bytes, lines) = (input.content.len(), input.content.lines().count());
    Ok(format!(
        "{verb} {} ({bytes} {}, {lines} {})",
        workspace.display(&path),
        plural(bytes, "byte"),
        plural(lines, "line")
    ))
}

/// Creates the missing folders above a file, beneath the root. `parent` was resolved inside
/// the workspace.
fn create_parents(workspace: &Workspace, parent: &Path) -> Result<(), Refusal> {
    match metadata(workspace, parent) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(meta) if meta.kind == Kind::Symlink => {
            Err(io_refusal(workspace, parent, "write into", &Refused::Symlink.into()))
        }
        Ok(_) => Err(Refusal(format!("{} is a file, so it cannot hold other files", workspace.display(parent)))),
        Err(_) => workspace
            .dir()
            .create_dir_all(workspace.relative(parent))
            .map_err(|e| io_refusal(workspace, parent, "create the folder", &e)),
    }
}

/// Writes `bytes` to `path`, creating or truncating it, beneath the root: never through a
/// symbolic link, never into a file with other hard links.
pub(crate) fn write_all(workspace: &Workspace, path: &Path, bytes: &[u8]) -> Result<(), Refusal> {
    let mut file = open_write(workspace, path).map_err(|e| io_refusal(workspace, path, "write", &e))?;
    file.write_all(bytes).map_err(|e| io_refusal(workspace, path, "write", &e))?;
    file.flush().map_err(|e| io_refusal(workspace, path, "write", &e))
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_owned()
    } else {
        format!("{word}s")
    }
}
