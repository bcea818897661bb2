//! `read_file`: a text file of the workspace, with line numbers, a line range and a size cap.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader};

use schemars::JsonSchema;
use serde::Deserialize;

use super::text::{io_refusal, looks_binary, open_read, size, SNIFF_BYTES};
use super::{blocking, Intent, Outcome, Refusal, ToolContext, ToolFault, ToolOutput, TypedTool, Workspace};
use crate::beneath::{refusal, Refused};

/// Most bytes of file text one read returns.
pub const MAX_READ_BYTES: usize = 256 * 1024;
/// Longest single line shown; the rest of a longer line is cut.
pub const MAX_LINE_BYTES: usize = 16 * 1024;

/// Read a text file of the workspace. Each line is prefixed with its 1-based line number and a
/// tab (the number is not part of the file). Reads at most 256 KiB at a time; use `start_line`
/// and `end_line` to read part of a large file. Binary files are refused.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadFileInput {
    /// The file to read, relative to the workspace root.
    pub path: String,
    /// First line to return (1-based). Defaults to 1.
    pub start_line: Option<u64>,
    /// Last line to return (1-based, inclusive). Defaults to the end of the file.
    pub end_line: Option<u64>,
}

pub struct ReadFile;

impl TypedTool for ReadFile {
    const NAME: &'static str = "read_file";
    type Input = ReadFileInput;

    async fn run(&self, input: ReadFileInput, ctx: &ToolContext) -> Result<ToolOutput, ToolFault> {
        let workspace = ctx.workspace.clone();
        blocking(Self::NAME, move || read(&workspace, &input)).await
    }
}

fn read(workspace: &Workspace, input: &ReadFileInput) -> Outcome {
    let start = input.start_line.unwrap_or(1);
    if start == 0 {
        return Err(Refusal("start_line is 1-based: the first line is 1".into()));
    }
    if let Some(end) = input.end_line {
        if end < start {
            return Err(Refusal(format!("end_line ({end}) is before start_line ({start})")));
        }
    }
    let path = workspace.resolve(&input.path, Intent::Read)?;
    let shown = workspace.display(&path);
    let (file, meta) = open_read(workspace, &path).map_err(|e| match refusal(&e) {
        Some(Refused::NotAFile) => {
            Refusal(format!("{shown} is not a regular file (a device, socket or pipe); read_file only reads files"))
        }
        _ => io_refusal(workspace, &path, "read", &e),
    })?;
    if meta.is_dir() {
        return Err(Refusal(format!("{shown} is a folder, not a file; use list_files to see what is in it")));
    }
    let mut reader = BufReader::with_capacity(64 * 1024, file);
    let head = reader.fill_buf().map_err(|e| io_refusal(workspace, &path, "read", &e))?;
    if looks_binary(&head[..head.len().min(SNIFF_BYTES)]) {
        return Err(Refusal(format!(
            "{shown} looks like a binary file ({}), not text; read_file only reads text. Use run_command with a tool made for that format if you need to look inside.",
            size(meta.len)
        )));
    }
    if meta.len == 0 {
        return Ok(format!("{shown} is empty"));
    }

    let mut out = String::new();
    let mut text_bytes = 0usize;
    let mut line_no = 0u64;
    let mut line = Vec::new();
    let mut invalid_utf8 = false;
    let mut truncated_at: Option<u64> = None;
    loop {
        line.clear();
        let (read, cut_short) = read_line_capped(&mut reader, &mut line, MAX_LINE_BYTES, line_no + 1 >= start)
            .map_err(|e| io_refusal(workspace, &path, "read", &e))?;
        if read == 0 {
            break;
        }
        line_no += 1;
        if line_no < start {
            continue;
        }
        if input.end_line.is_some_and(|end| line_no > end) {
            break;
        }
        if text_bytes + line.len() > MAX_READ_BYTES && text_bytes > 0 {
            truncated_at = Some(line_no);
            break;
        }
        text_bytes += line.len();
        while matches!(line.last(), Some(b'\n' | b'\r')) {
            line.pop();
        }
        let text = String::from_utf8_lossy(&line);
        invalid_utf8 |= matches!(text, std::borrow::Cow::Owned(_));
        let _ = write!(out, "{line_no:>6}\t{text}");
        if cut_short {
            let _ = write!(out, " [… line cut at {}]", size(MAX_LINE_BYTES as u64));
        }
        out.push('\n');
    }
    if line_no < start {
        return Err(Refusal(format!("{shown} has {line_no} lines; start_line {start} is past the end")));
    }
    if let Some(next) = truncated_at {
        let _ = writeln!(
            out,
            "[truncated: this read stops at {} of text. Call read_file with start_line={next} to read on.]",
            size(MAX_READ_BYTES as u64)
        );
    }
    if invalid_utf8 {
        out.push_str("[note: the file is not valid UTF-8; bytes that are not were shown as �]\n");
    }
    Ok(out)
}

/// Reads one line (through its `\n`) into `line`, keeping at most `max` bytes of it (none when
/// `keep` is false) and skipping the rest. Returns the bytes consumed and whether it was cut.
fn read_line_capped(
    reader: &mut impl BufRead,
    line: &mut Vec<u8>,
    max: usize,
    keep: bool,
) -> std::io::Result<(usize, bool)> {
    let mut consumed = 0;
    let mut cut_short = false;
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok((consumed, cut_short));
        }
        let (chunk, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..=i], true),
            None => (buf, false),
        };
        if keep && !cut_short {
            let room = max.saturating_sub(line.len());
            if chunk.len() > room {
                cut_short = true;
                // Cut on a character boundary, so a cut line is not mistaken for bad UTF-8.
                let mut end = room;
                while end > 0 && chunk[end] & 0xC0 == 0x80 {
                    end -= 1;
                }
                line.extend_from_slice(&chunk[..end]);
            } else {
                line.extend_from_slice(chunk);
            }
        }
        let n = chunk.len();
        consumed += n;
        reader.consume(n);
        if done {
            return Ok((consumed, cut_short));
        }
    }
}
