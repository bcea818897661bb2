//! `list_files`: what is in a folder of the workspace.

use std::fmt::Write as _;

use ignore::WalkBuilder;
use schemars::JsonSchema;
use serde::Deserialize;
use tokio_util::sync::CancellationToken;

use super::text::{io_refusal, metadata, size};
use super::{blocking, Intent, Outcome, Refusal, ToolContext, ToolFault, ToolOutput, TypedTool, Workspace};
use crate::beneath::Kind;

/// Most entries one listing shows.
pub const MAX_ENTRIES: usize = 1000;

/// List the files and folders in a folder of the workspace. Folders end with `/`; files show
/// their size. Paths are relative to the workspace root. Files ignored by .gitignore (and the
/// .git folder) are left out. Set `recursive` to list everything below the folder (at most
/// 1000 entries).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListFilesInput {
    /// The folder to list, relative to the workspace root. Defaults to the root (".").
    pub path: Option<String>,
    /// List the whole tree below the folder instead of its direct contents.
    pub recursive: Option<bool>,
}

pub struct ListFiles;

impl TypedTool for ListFiles {
    const NAME: &'static str = "list_files";
    type Input = ListFilesInput;

    async fn run(&self, input: ListFilesInput, ctx: &ToolContext) -> Result<ToolOutput, ToolFault> {
        let workspace = ctx.workspace.clone();
        let cancel = ctx.cancel.clone();
        blocking(Self::NAME, move || list(&workspace, &input, &cancel)).await
    }
}

fn list(workspace: &Workspace, input: &ListFilesInput, cancel: &CancellationToken) -> Outcome {
    let requested = match input.path.as_deref() {
        None | Some("") => ".",
        Some(p) => p,
    };
    let dir = workspace.resolve(requested, Intent::Read)?;
    let meta = metadata(workspace, &dir).map_err(|e| io_refusal(workspace, &dir, "list", &e))?;
    if !meta.is_dir() {
        return Err(Refusal(format!("{} is a file, not a folder; use read_file to read it", workspace.display(&dir))));
    }
    let recursive = input.recursive.unwrap_or(false);
    let walk = walker(&dir).max_depth(if recursive { None } else { Some(1) }).build();

    let mut out = String::new();
    let mut shown = 0usize;
    let mut stopped = false;
    for entry in walk {
        if cancel.is_cancelled() {
            return Err(Refusal(super::ToolOutput::cancelled().content));
        }
        let Ok(entry) = entry else { continue };
        if entry.depth() == 0 {
            continue;
        }
        if shown == MAX_ENTRIES {
            stopped = true;
            break;
        }
        // The walk reads folders by name; what it found is looked up again beneath the root,
        // so a name seen through a folder swapped for a link to elsewhere is never shown.
        let Ok(meta) = metadata(workspace, entry.path()) else { continue };
        shown += 1;
        let path = workspace.display(entry.path());
        match meta.kind {
            Kind::Symlink => {
                let _ = writeln!(out, "{path} (symbolic link)");
            }
            Kind::Dir => {
                let _ = writeln!(out, "{path}/");
            }
            Kind::File | Kind::Other => {
                let _ = writeln!(out, "{path} ({})", size(meta.len));
            }
        }
    }
    if shown == 0 {
        return Ok(format!("{} is empty", workspace.display(&dir)));
    }
    if stopped {
        let _ = writeln!(out, "[listing stopped at {MAX_ENTRIES} entries; list a subfolder to see more]");
    }
    Ok(out)
}

/// A walk that honours .gitignore (even outside a git repository), shows dotfiles but skips
/// `.git`, and never follows symbolic links out of the tree.
pub(crate) fn walker(root: &std::path::Path) -> WalkBuilder {
    let mut builder = WalkBuilder::new(root);
    builder
        .hidden(false)
        .require_git(false)
        .follow_links(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry(|e| e.file_name() != ".git");
    builder
}
