//! `search_files`: a regular expression over the workspace's text files, honouring .gitignore.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read as _};

use ignore::overrides::OverrideBuilder;
use regex::bytes::{Regex, RegexBuilder};
use schemars::JsonSchema;
use serde::Deserialize;
use tokio_util::sync::CancellationToken;

use super::list_files::walker;
use super::text::{cut, io_refusal, looks_binary, metadata, open_read, size};
use super::{blocking, Intent, Outcome, Refusal, ToolContext, ToolFault, ToolOutput, TypedTool, Workspace};

/// Most matching lines one search shows.
pub const MAX_MATCHES: usize = 200;
/// Longest matching line shown, in bytes.
pub const MAX_SHOWN_LINE: usize = 300;
/// Files larger than this are skipped.
pub const MAX_SEARCHED_FILE: u64 = 10 * 1024 * 1024;

/// Search the workspace's text files for a regular expression (Rust regex syntax), line by
/// line. Files ignored by .gitignore, binary files and files over 10 MiB are skipped. Each
/// match is shown as `path:line: text`; at most 200 matches are shown.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchFilesInput {
    /// The regular expression to look for, e.g. `fn\s+main` or `TODO`.
    pub pattern: String,
    /// The folder (or file) to search, relative to the workspace root. Defaults to the root.
    pub path: Option<String>,
    /// Only search files whose path matches this glob, e.g. `*.rs` or `src/**/*.ts`.
    pub glob: Option<String>,
    /// Match letters regardless of case. Defaults to false.
    pub case_insensitive: Option<bool>,
}

pub struct SearchFiles;

impl TypedTool for SearchFiles {
    const NAME: &'static str = "search_files";
    type Input = SearchFilesInput;

    async fn run(&self, input: SearchFilesInput, ctx: &ToolContext) -> Result<ToolOutput, ToolFault> {
        let workspace = ctx.workspace.clone();
        let cancel = ctx.cancel.clone();
        blocking(Self::NAME, move || search(&workspace, &input, &cancel)).await
    }
}

fn search(workspace: &Workspace, input: &SearchFilesInput, cancel: &CancellationToken) -> Outcome {
    if input.pattern.is_empty() {
        return Err(Refusal("pattern is empty; give a regular expression to look for".into()));
    }
    let regex: Regex = RegexBuilder::new(&input.pattern)
        .case_insensitive(input.case_insensitive.unwrap_or(false))
        .build()
        .map_err(|e| Refusal(format!("pattern is not a valid regular expression: {e}")))?;
    let requested = match input.path.as_deref() {
        None | Some("") => ".",
        Some(p) => p,
    };
    let root = workspace.resolve(requested, Intent::Read)?;
    metadata(workspace, &root).map_err(|e| io_refusal(workspace, &root, "search", &e))?;

    let mut builder = walker(&root);
    if let Some(glob) = input.glob.as_deref().filter(|g| !g.is_empty()) {
        let overrides = OverrideBuilder::new(&root)
            .add(glob)
            .and_then(|b| b.build())
            .map_err(|e| Refusal(format!("glob {glob:?} is not valid: {e}")))?;
        builder.overrides(overrides);
    }

    let mut out = String::new();
    let mut shown = 0usize;
    let mut more = 0usize;
    let mut files_with_matches = 0usize;
    let mut too_large: Vec<String> = Vec::new();
    for entry in builder.build() {
        if cancel.is_cancelled() {
            return Err(Refusal(ToolOutput::cancelled().content));
        }
        let Ok(entry) = entry else { continue };
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        // Opened again beneath the root: the walk found the name, the content read is the
        // workspace's even if a folder was swapped for a link to elsewhere meanwhile.
        let Ok((file, meta)) = open_read(workspace, entry.path()) else { continue };
        if !meta.is_file() {
            continue;
        }
        if meta.len > MAX_SEARCHED_FILE {
            too_large.push(workspace.display(entry.path()));
            continue;
        }
        let mut reader = BufReader::new(file.take(MAX_SEARCHED_FILE));
        match reader.fill_buf() {
            Ok(head) if !looks_binary(head) => {}
            _ => continue,
        }
        let display = workspace.display(entry.path());
        let mut matched_here = false;
        let mut line = Vec::new();
        let mut line_no = 0u64;
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            line_no += 1;
            if !regex.is_match(&line) {
                continue;
            }
            matched_here = true;
            if shown == MAX_MATCHES {
                more += 1;
                continue;
            }
            shown += 1;
            let text = String::from_utf8_lossy(&line);
            let text = text.trim_end_matches(['\n', '\r']);
            let short = cut(text, MAX_SHOWN_LINE);
            let ellipsis = if short.len() < text.len() { " […]" } else { "" };
            let _ = writeln!(out, "{display}:{line_no}: {short}{ellipsis}");
        }
        files_with_matches += usize::from(matched_here);
    }
    if shown == 0 {
        let mut answer = format!("no matches for {:?} in {}", input.pattern, workspace.display(&root));
        if !too_large.is_empty() {
            let _ = write!(answer, "\n{}", skipped_note(&too_large));
        }
        return Ok(answer);
    }
    if more > 0 {
        let _ = writeln!(out, "[{more} more matches not shown; narrow the pattern, path or glob]");
    }
    let _ = writeln!(out, "[{} matches in {files_with_matches} files]", shown + more);
    if !too_large.is_empty() {
        let _ = writeln!(out, "{}", skipped_note(&too_large));
    }
    Ok(out)
}

/// Says which files were not searched because of their size, so "no matches" is never taken
/// for "not in the workspace".
fn skipped_note(too_large: &[String]) -> String {
    const NAMED: usize = 5;
    let n = too_large.len();
    let mut names = too_large.iter().take(NAMED).cloned().collect::<Vec<_>>().join(", ");
    if n > NAMED {
        let _ = write!(names, " and {} more", n - NAMED);
    }
    let files = if n == 1 { "file" } else { "files" };
    format!(
        "[not searched: {n} {files} over {} ({names}). Search those with run_command (e.g. grep -n), or narrow path or glob to the others.]",
        size(MAX_SEARCHED_FILE)
    )
}
