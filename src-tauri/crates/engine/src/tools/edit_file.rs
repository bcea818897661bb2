//! `edit_file`: replace an exact, unique string in a file of the workspace.

use std::io::Read as _;

use schemars::JsonSchema;
use serde::Deserialize;

use super::text::{io_refusal, looks_binary, open_read, size};
use super::write_file::write_all;
use super::{blocking, Intent, Outcome, Refusal, ToolContext, ToolFault, ToolOutput, TypedTool, Workspace};
use crate::beneath::Refused;

/// Largest file edit_file works on.
pub const MAX_EDIT_BYTES: u64 = 5 * 1024 * 1024;

/// Edit a text file of the workspace by replacing an exact piece of text. `old_string` must
/// appear in the file exactly as given (same whitespace and indentation, without the line
/// numbers read_file shows) and exactly once, unless `replace_all` is set. If it appears more
/// than once, include more surrounding lines to make it unique.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EditFileInput {
    /// The file to edit, relative to the workspace root.
    pub path: String,
    /// The exact text to replace.
    pub old_string: String,
    /// The text to put in its place.
    pub new_string: String,
    /// Replace every occurrence instead of requiring exactly one. Defaults to false.
    pub replace_all: Option<bool>,
}

pub struct EditFile;

impl TypedTool for EditFile {
    const NAME: &'static str = "edit_file";
    type Input = EditFileInput;

    async fn run(&self, input: EditFileInput, ctx: &ToolContext) -> Result<ToolOutput, ToolFault> {
        let _writing = ctx.lock_for_write(&input.path).await;
        let workspace = ctx.workspace.clone();
        blocking(Self::NAME, move || edit(&workspace, &input)).await
    }
}

fn edit(workspace: &Workspace, input: &EditFileInput) -> Outcome {
    if input.old_string.is_empty() {
        return Err(Refusal("old_string is empty; to create or replace a whole file use write_file".into()));
    }
    if input.old_string == input.new_string {
        return Err(Refusal("old_string and new_string are the same; nothing would change".into()));
    }
    let path = workspace.resolve(&input.path, Intent::Write)?;
    let shown = workspace.display(&path);
    let (mut file, meta) = open_read(workspace, &path).map_err(|e| io_refusal(workspace, &path, "edit", &e))?;
    if !meta.is_file() {
        return Err(Refusal(format!("{shown} is a folder or a special file, not a regular file")));
    }
    if meta.links > 1 {
        return Err(io_refusal(workspace, &path, "edit", &Refused::HardLinked(meta.links).into()));
    }
    if meta.len > MAX_EDIT_BYTES {
        return Err(Refusal(format!(
            "{shown} is {}; edit_file works on files up to {}. Use run_command (e.g. sed) for this one.",
            size(meta.len),
            size(MAX_EDIT_BYTES)
        )));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len).unwrap_or(0));
    (&mut file)
        .take(MAX_EDIT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_refusal(workspace, &path, "read", &e))?;
    drop(file);
    if bytes.len() as u64 > MAX_EDIT_BYTES {
        return Err(Refusal(format!(
            "{shown} grew past {} while it was read; edit it with run_command instead",
            size(MAX_EDIT_BYTES)
        )));
    }
    if looks_binary(&bytes) {
        return Err(Refusal(format!("{shown} looks like a binary file; edit_file only edits text")));
    }
    let Ok(text) = String::from_utf8(bytes) else {
        return Err(Refusal(format!("{shown} is not valid UTF-8 text; edit_file only edits UTF-8 files")));
    };

    let count = text.matches(input.old_string.as_str()).count();
    let replace_all = input.replace_all.unwrap_or(false);
    match count {
        0 => {
            return Err(Refusal(format!(
                "old_string was not found in {shown}. It must match the file exactly, including whitespace and indentation; read the file again and copy the text without line numbers."
            )))
        }
        1 => {}
        n if !replace_all => {
            return Err(Refusal(format!(
                "old_string was found {n} times in {shown}; include more surrounding lines to make it unique, or set replace_all to replace all {n}"
            )))
        }
        _ => {}
    }
    let at = text.find(input.old_string.as_str()).unwrap_or(0);
    let first_line = text[..at].bytes().filter(|&b| b == b'\n').count() + 1;
    let edited = text.replace(input.old_string.as_str(), &input.new_string);
    write_all(workspace, &path, edited.as_bytes())?;
    let what = if count == 1 { "1 occurrence".to_owned() } else { format!("{count} occurrences") };
    Ok(format!("edited {shown}: replaced {what} (first at line {first_line})"))
}
