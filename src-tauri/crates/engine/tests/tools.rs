//! The workspace tools, each against a temporary workspace: happy paths and every error the
//! model can be told. Path escapes are in `tools_escape`, run_command in `tools_run_command`.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use reverie_engine::tools::{
    Intent, PathError, ToolContext, ToolFault, ToolOutput, ToolSet, TypedTool, Workspace, WorkspaceError,
};
use serde_json::{json, Value};
use tempfile::TempDir;
use tokio_util::sync::CancellationToken;

/// A temporary folder holding the workspace `ws/` and, beside it, what the tools must never reach.
pub(crate) struct Fixture {
    pub tmp: TempDir,
    pub ws: PathBuf,
    pub ctx: ToolContext,
    pub tools: ToolSet,
}

impl Fixture {
    pub fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let ws = tmp.path().join("ws");
        fs::create_dir(&ws).unwrap();
        let workspace = Workspace::new(&ws).unwrap();
        let ctx = ToolContext::new(workspace, CancellationToken::new());
        Self { tmp, ws, ctx, tools: ToolSet::workspace() }
    }

    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let path = self.ws.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, content).unwrap();
        path
    }

    pub fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.ws.join(rel)).unwrap()
    }

    pub async fn call(&self, tool: &str, input: Value) -> ToolOutput {
        self.tools.call(tool, input, &self.ctx).await.expect("no engine fault")
    }

    /// Calls a tool that must succeed and returns its text.
    pub async fn ok(&self, tool: &str, input: Value) -> String {
        let out = self.call(tool, input.clone()).await;
        assert!(!out.is_error, "{tool} {input} failed: {}", out.content);
        out.content
    }

    /// Calls a tool that must report an error to the model and returns the error text.
    pub async fn err(&self, tool: &str, input: Value) -> String {
        let out = self.call(tool, input.clone()).await;
        assert!(out.is_error, "{tool} {input} should have failed, got: {}", out.content);
        out.content
    }
}

// ---- the tool set and its definitions ----

#[test]
fn every_tool_has_a_description_and_an_object_schema_from_its_input_type() {
    let defs = ToolSet::workspace().definitions();
    let names: Vec<_> = defs.iter().map(|d| d.name).collect();
    assert_eq!(names, ["list_files", "read_file", "write_file", "edit_file", "search_files", "run_command"]);
    for d in &defs {
        assert!(d.description.len() > 40, "{} has a real description: {:?}", d.name, d.description);
        assert!(!d.description.contains('\n'), "wrapped doc lines are joined: {:?}", d.description);
        assert_eq!(d.input_schema["type"], "object", "{}", d.name);
        assert!(d.input_schema.get("$schema").is_none() && d.input_schema.get("title").is_none());
        assert_eq!(d.input_schema["additionalProperties"], false);
    }
    let read = defs.iter().find(|d| d.name == "read_file").unwrap();
    assert_eq!(read.input_schema["required"], json!(["path"]));
    let start_line = &read.input_schema["properties"]["start_line"];
    assert!(
        start_line["description"].as_str().unwrap().contains("1-based"),
        "field docs reach the model: {start_line}"
    );
    let edit = defs.iter().find(|d| d.name == "edit_file").unwrap();
    assert_eq!(edit.input_schema["required"], json!(["path", "old_string", "new_string"]));
}

#[tokio::test]
async fn input_that_does_not_match_the_schema_is_told_to_the_model() {
    let f = Fixture::new();
    let e = f.err("read_file", json!({})).await;
    assert!(e.contains("invalid input for read_file") && e.contains("missing field `path`"), "{e}");
    let e = f.err("read_file", json!({"path": 7})).await;
    assert!(e.contains("invalid type"), "{e}");
    let e = f.err("edit_file", json!({"path": "a", "old_string": "x", "new_string": "y", "replaceAll": true})).await;
    assert!(e.contains("unknown field `replaceAll`"), "{e}");
    let e = f.err("run_command", json!("ls")).await;
    assert!(e.contains("invalid input for run_command"), "{e}");
}

#[tokio::test]
async fn an_unknown_tool_is_an_error_listing_the_real_ones() {
    let f = Fixture::new();
    let e = f.err("delete_everything", json!({})).await;
    assert!(e.contains("no tool named \"delete_everything\"") && e.contains("read_file"), "{e}");
}

#[tokio::test]
async fn a_call_after_cancel_gets_a_cancelled_result_and_does_nothing() {
    let f = Fixture::new();
    f.ctx.cancel.cancel();
    let out = f.call("write_file", json!({"path": "a.txt", "content": "x"})).await;
    assert!(out.is_cancelled(), "{out:?}");
    assert!(!f.ws.join("a.txt").exists());
}

/// Say something back, to show a tool written outside this crate.
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct EchoInput {
    /// What to say back.
    text: String,
}

struct Echo;

impl TypedTool for Echo {
    const NAME: &'static str = "echo";
    type Input = EchoInput;

    async fn run(&self, input: EchoInput, _: &ToolContext) -> Result<ToolOutput, ToolFault> {
        Ok(ToolOutput::ok(input.text))
    }
}

#[tokio::test]
async fn a_typed_tool_from_elsewhere_joins_the_set_with_its_doc_comment_as_description() {
    let f = Fixture::new();
    let set = ToolSet::workspace().with(Arc::new(Echo));
    let def = set.definitions().into_iter().find(|d| d.name == "echo").unwrap();
    assert_eq!(def.description, "Say something back, to show a tool written outside this crate.");
    assert_eq!(def.input_schema["properties"]["text"]["description"], "What to say back.");
    assert_eq!(set.call("echo", json!({"text": "hi"}), &f.ctx).await.unwrap(), ToolOutput::ok("hi"));
    let out = set.call("echo", json!({"txt": "hi"}), &f.ctx).await.unwrap();
    assert!(out.is_error && out.content.contains("unknown field `txt`"), "{out:?}");
}

#[test]
fn a_tool_set_can_be_narrowed_to_the_agents_allowed_tools() {
    let set = ToolSet::workspace().filter(|name| name != "run_command");
    assert_eq!(set.names().len(), 5);
    assert!(set.get("run_command").is_none() && set.get("read_file").is_some());
}

// ---- the workspace ----

#[test]
fn a_workspace_must_be_an_existing_readable_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = Workspace::new(tmp.path().join("nope")).unwrap_err();
    assert!(
        matches!(missing, WorkspaceError::DoesNotExist(_)) && missing.to_string().contains("does not exist"),
        "{missing}"
    );
    let file = tmp.path().join("file.txt");
    fs::write(&file, "x").unwrap();
    let not_dir = Workspace::new(&file).unwrap_err();
    assert!(
        matches!(not_dir, WorkspaceError::NotADirectory(_)) && not_dir.to_string().contains("not a folder"),
        "{not_dir}"
    );
    let engine_error: reverie_engine::Error = not_dir.into();
    assert!(matches!(engine_error, reverie_engine::Error::Invalid { field: "workspace", .. }));

    let locked = tmp.path().join("locked");
    fs::create_dir(&locked).unwrap();
    set_mode(&locked, 0o000);
    let result = Workspace::new(&locked);
    set_mode(&locked, 0o755);
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        eprintln!("running as root: an unreadable folder cannot be made, so NotReadable is not exercised");
    } else {
        let e = result.unwrap_err();
        assert!(matches!(e, WorkspaceError::NotReadable { .. }) && e.to_string().contains("cannot be read"), "{e}");
    }
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn resolve_keeps_paths_inside_and_resolves_links_that_stay_inside() {
    let f = Fixture::new();
    let ws = f.ctx.workspace.clone();
    let root = ws.root().to_path_buf();
    f.write("src/main.rs", "fn main() {}");
    assert_eq!(ws.resolve("src/main.rs", Intent::Read).unwrap(), root.join("src/main.rs"));
    assert_eq!(ws.resolve("./src//main.rs", Intent::Read).unwrap(), root.join("src/main.rs"));
    assert_eq!(ws.resolve("src/../src/main.rs", Intent::Read).unwrap(), root.join("src/main.rs"));
    assert_eq!(ws.resolve("new/dir/file.txt", Intent::Write).unwrap(), root.join("new/dir/file.txt"));
    let absolute = root.join("src/main.rs");
    assert_eq!(ws.resolve(absolute.to_str().unwrap(), Intent::Read).unwrap(), absolute);
    assert_eq!(ws.resolve(".", Intent::Read).unwrap(), root);
    assert!(matches!(ws.resolve(".", Intent::Write), Err(PathError::IsRoot { .. })));
    assert_eq!(ws.resolve("", Intent::Read), Err(PathError::Empty));

    symlink("src", f.ws.join("code")).unwrap();
    symlink(f.ws.join("src/main.rs"), f.ws.join("main_link.rs")).unwrap();
    assert_eq!(ws.resolve("code/main.rs", Intent::Read).unwrap(), root.join("src/main.rs"));
    assert_eq!(ws.resolve("main_link.rs", Intent::Write).unwrap(), root.join("src/main.rs"));
    // `..` after a link goes up from where the link leads, and stays inside.
    assert_eq!(ws.resolve("code/../code/main.rs", Intent::Read).unwrap(), root.join("src/main.rs"));
}

#[test]
fn a_workspace_opened_through_a_link_accepts_absolute_paths_written_either_way() {
    let f = Fixture::new();
    let alias = f.tmp.path().join("alias");
    symlink(&f.ws, &alias).unwrap();
    let ws = Workspace::new(&alias).unwrap();
    assert_eq!(ws.root(), fs::canonicalize(&f.ws).unwrap());
    let via_alias = alias.join("a.txt");
    let via_real = f.ws.join("a.txt");
    assert_eq!(ws.resolve(via_alias.to_str().unwrap(), Intent::Write).unwrap(), ws.root().join("a.txt"));
    assert_eq!(ws.resolve(via_real.to_str().unwrap(), Intent::Write).unwrap(), ws.root().join("a.txt"));
}

#[test]
fn refusals_say_what_and_why_without_host_paths() {
    let f = Fixture::new();
    let ws = &f.ctx.workspace;
    let host = f.tmp.path().to_str().unwrap().to_owned();
    symlink(f.tmp.path(), f.ws.join("up")).unwrap();
    symlink(f.tmp.path().join("gone"), f.ws.join("dangling")).unwrap();
    let cases: Vec<(String, &str)> = vec![
        ("../x".into(), "`..` would leave the workspace"),
        (format!("{host}/secret"), "absolute path outside the workspace"),
        (format!("{}/../secret", f.ws.display()), "\"../secret\": `..` would leave"),
        ("up/secret".into(), "`up` is a symbolic link that leads outside"),
        ("dangling".into(), "`dangling` is a symbolic link whose target does not exist"),
        ("a\0b".into(), "NUL byte"),
        ("a\u{202E}txt.exe".into(), "bidirectional-override"),
        ("..\\x".into(), "backslashes are not path separators"),
        ("n".repeat(256), "at most 255 bytes"),
        ("d/".repeat(2100), "paths may be at most 4096 bytes"),
    ];
    for (path, expected) in cases {
        let e = ws.resolve(&path, Intent::Read).unwrap_err().to_string();
        assert!(e.contains(expected), "{path:?}: {e}");
        assert!(!e.contains(&host), "{path:?}: the message names a host path: {e}");
    }
}

// ---- list_files ----

#[tokio::test]
async fn list_files_shows_folders_with_a_slash_and_files_with_sizes() {
    let f = Fixture::new();
    f.write("README.md", "hello");
    f.write("src/lib.rs", "x".repeat(2048));
    f.write(".env.example", "A=1");
    let out = f.ok("list_files", json!({})).await;
    assert_eq!(out, ".env.example (3 B)\nREADME.md (5 B)\nsrc/\n");
    let out = f.ok("list_files", json!({"path": "src"})).await;
    assert_eq!(out, "src/lib.rs (2.0 KiB)\n");
    let out = f.ok("list_files", json!({"recursive": true})).await;
    assert!(out.contains("src/\n") && out.contains("src/lib.rs (2.0 KiB)"), "{out}");
}

#[tokio::test]
async fn list_files_honours_gitignore_and_skips_dot_git() {
    let f = Fixture::new();
    f.write(".gitignore", "target/\n*.log\n");
    f.write("target/debug/app", "bin");
    f.write("build.log", "noise");
    f.write(".git/HEAD", "ref: refs/heads/main");
    f.write("src/main.rs", "fn main() {}");
    symlink("src", f.ws.join("code")).unwrap();
    let out = f.ok("list_files", json!({"recursive": true})).await;
    assert_eq!(out, ".gitignore (14 B)\ncode (symbolic link)\nsrc/\nsrc/main.rs (12 B)\n");
}

#[tokio::test]
async fn list_files_stops_at_its_cap_and_says_so() {
    let f = Fixture::new();
    for i in 0..1005 {
        f.write(&format!("many/f{i:04}.txt"), "");
    }
    let out = f.ok("list_files", json!({"path": "many"})).await;
    assert_eq!(out.lines().count(), 1001);
    assert!(
        out.ends_with("[listing stopped at 1000 entries; list a subfolder to see more]\n"),
        "{}",
        &out[out.len() - 200..]
    );
}

#[tokio::test]
async fn list_files_errors() {
    let f = Fixture::new();
    f.write("a.txt", "x");
    fs::create_dir(f.ws.join("empty")).unwrap();
    assert_eq!(f.ok("list_files", json!({"path": "empty"})).await, "empty is empty");
    assert!(f.err("list_files", json!({"path": "a.txt"})).await.contains("a.txt is a file, not a folder"));
    assert!(f.err("list_files", json!({"path": "nope"})).await.contains("nope does not exist"));
}

// ---- read_file ----

#[tokio::test]
async fn read_file_numbers_lines_and_reads_a_range() {
    let f = Fixture::new();
    f.write("poem.txt", "one\ntwo\r\nthree\nfour\n");
    assert_eq!(
        f.ok("read_file", json!({"path": "poem.txt"})).await,
        "     1\tone\n     2\ttwo\n     3\tthree\n     4\tfour\n"
    );
    assert_eq!(
        f.ok("read_file", json!({"path": "poem.txt", "start_line": 2, "end_line": 3})).await,
        "     2\ttwo\n     3\tthree\n"
    );
    assert_eq!(f.ok("read_file", json!({"path": "poem.txt", "start_line": 4, "end_line": 99})).await, "     4\tfour\n");
    f.write("empty.txt", "");
    assert_eq!(f.ok("read_file", json!({"path": "empty.txt"})).await, "empty.txt is empty");
}

#[tokio::test]
async fn read_file_range_errors() {
    let f = Fixture::new();
    f.write("poem.txt", "one\ntwo\n");
    let e = f.err("read_file", json!({"path": "poem.txt", "start_line": 5})).await;
    assert!(e.contains("has 2 lines; start_line 5 is past the end"), "{e}");
    let e = f.err("read_file", json!({"path": "poem.txt", "start_line": 2, "end_line": 1})).await;
    assert!(e.contains("end_line (1) is before start_line (2)"), "{e}");
    let e = f.err("read_file", json!({"path": "poem.txt", "start_line": 0})).await;
    assert!(e.contains("1-based"), "{e}");
}

#[tokio::test]
async fn read_file_refuses_binary_folders_and_missing_files() {
    let f = Fixture::new();
    f.write("image.png", [0x89, b'P', b'N', b'G', 0, 0, 0, 13, 1, 2, 3]);
    let e = f.err("read_file", json!({"path": "image.png"})).await;
    assert!(e.contains("image.png looks like a binary file") && e.contains("only reads text"), "{e}");
    fs::create_dir(f.ws.join("dir")).unwrap();
    assert!(f.err("read_file", json!({"path": "dir"})).await.contains("dir is a folder, not a file; use list_files"));
    assert!(f.err("read_file", json!({"path": "missing.txt"})).await.contains("missing.txt does not exist"));
    assert!(f.err("read_file", json!({"path": "missing/deeper.txt"})).await.contains("does not exist"));
}

#[tokio::test]
async fn read_file_caps_a_large_file_and_says_where_to_go_on() {
    let f = Fixture::new();
    let line = format!("{}\n", "y".repeat(99));
    f.write("big.txt", line.repeat(5000)); // 500,000 bytes
    let out = f.ok("read_file", json!({"path": "big.txt"})).await;
    let shown = out.lines().filter(|l| l.ends_with('y')).count();
    assert_eq!(shown, 256 * 1024 / 100, "whole lines up to 256 KiB");
    let next = shown + 1;
    assert!(
        out.contains(&format!(
            "[truncated: this read stops at 256.0 KiB of text. Call read_file with start_line={next} to read on.]"
        )),
        "{}",
        &out[out.len() - 300..]
    );
    let rest = f.ok("read_file", json!({"path": "big.txt", "start_line": next})).await;
    assert!(rest.starts_with(&format!("{next:>6}\t")), "{}", &rest[..40]);
}

#[tokio::test]
async fn read_file_cuts_a_huge_line_and_marks_invalid_utf8() {
    let f = Fixture::new();
    let mut content = "é".repeat(20_000).into_bytes(); // 40,000 bytes on one line
    content.extend_from_slice(b"\nnext \xff line\n");
    f.write("odd.txt", content);
    let out = f.ok("read_file", json!({"path": "odd.txt"})).await;
    let first = out.lines().next().unwrap();
    assert!(first.ends_with(" [… line cut at 16.0 KiB]") && !first.contains('\u{FFFD}'), "cut on a char boundary");
    assert!(out.contains("     2\tnext \u{FFFD} line\n"), "{out:.100}");
    assert!(out.contains("not valid UTF-8"));
}

#[tokio::test]
async fn a_named_pipe_is_refused_instead_of_blocking_the_tool() {
    let f = Fixture::new();
    let fifo = std::ffi::CString::new(f.ws.join("pipe").to_str().unwrap()).unwrap();
    // SAFETY: `fifo` is a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    assert!(f.err("read_file", json!({"path": "pipe"})).await.contains("pipe is not a regular file"));
    assert!(f
        .err("write_file", json!({"path": "pipe", "content": "x"}))
        .await
        .contains("pipe is a device, socket or pipe"));
    assert!(f
        .err("edit_file", json!({"path": "pipe", "old_string": "a", "new_string": "b"}))
        .await
        .contains("not a regular file"));
    f.write("a.txt", "a");
    assert_eq!(
        f.ok("search_files", json!({"pattern": "a"})).await,
        "a.txt:1: a\n[1 matches in 1 files]\n",
        "the pipe is skipped"
    );
}

// ---- write_file ----

#[tokio::test]
async fn write_file_creates_parents_and_replaces() {
    let f = Fixture::new();
    let out = f.ok("write_file", json!({"path": "a/b/c.txt", "content": "one\ntwo\n"})).await;
    assert_eq!(out, "created a/b/c.txt (8 bytes, 2 lines)");
    assert_eq!(f.read("a/b/c.txt"), "one\ntwo\n");
    let out = f.ok("write_file", json!({"path": "a/b/c.txt", "content": "new"})).await;
    assert_eq!(out, "replaced a/b/c.txt (3 bytes, 1 line)");
    assert_eq!(f.read("a/b/c.txt"), "new");
}

#[tokio::test]
async fn write_file_through_a_link_inside_writes_its_target() {
    let f = Fixture::new();
    f.write("real.txt", "old");
    symlink("real.txt", f.ws.join("alias.txt")).unwrap();
    assert_eq!(
        f.ok("write_file", json!({"path": "alias.txt", "content": "new"})).await,
        "replaced real.txt (3 bytes, 1 line)"
    );
    assert_eq!(f.read("real.txt"), "new");
    assert!(fs::symlink_metadata(f.ws.join("alias.txt")).unwrap().file_type().is_symlink());
}

#[tokio::test]
async fn write_file_errors() {
    let f = Fixture::new();
    f.write("file.txt", "x");
    fs::create_dir(f.ws.join("dir")).unwrap();
    assert!(f.err("write_file", json!({"path": "dir", "content": "x"})).await.contains("dir is a folder"));
    assert!(f
        .err("write_file", json!({"path": "file.txt/inner.txt", "content": "x"}))
        .await
        .contains("file.txt is a file, so it cannot hold other files"));
    assert!(f.err("write_file", json!({"path": ".", "content": "x"})).await.contains("the workspace folder itself"));
    let huge = "z".repeat(5 * 1024 * 1024 + 1);
    let e = f.err("write_file", json!({"path": "huge.txt", "content": huge})).await;
    assert!(e.contains("write_file takes at most 5.0 MiB"), "{e}");
    assert!(!f.ws.join("huge.txt").exists());
}

// ---- edit_file ----

#[tokio::test]
async fn edit_file_replaces_a_unique_string() {
    let f = Fixture::new();
    f.write("main.rs", "fn main() {\n    println!(\"hi\");\n}\n");
    let out = f
        .ok(
            "edit_file",
            json!({"path": "main.rs", "old_string": "println!(\"hi\")", "new_string": "println!(\"bye\")"}),
        )
        .await;
    assert_eq!(out, "edited main.rs: replaced 1 occurrence (first at line 2)");
    assert_eq!(f.read("main.rs"), "fn main() {\n    println!(\"bye\");\n}\n");
}

#[tokio::test]
async fn edit_file_asks_for_context_when_not_unique_and_replaces_all_on_request() {
    let f = Fixture::new();
    f.write("list.txt", "a = 1\nb = 1\nc = 1\n");
    let e = f.err("edit_file", json!({"path": "list.txt", "old_string": "= 1", "new_string": "= 2"})).await;
    assert!(e.contains("found 3 times") && e.contains("more surrounding lines") && e.contains("replace_all"), "{e}");
    assert_eq!(f.read("list.txt"), "a = 1\nb = 1\nc = 1\n", "unchanged");
    let out = f
        .ok("edit_file", json!({"path": "list.txt", "old_string": "= 1", "new_string": "= 2", "replace_all": true}))
        .await;
    assert_eq!(out, "edited list.txt: replaced 3 occurrences (first at line 1)");
    assert_eq!(f.read("list.txt"), "a = 2\nb = 2\nc = 2\n");
}

#[tokio::test]
async fn edit_file_errors() {
    let f = Fixture::new();
    f.write("a.txt", "    indented\n");
    let e = f.err("edit_file", json!({"path": "a.txt", "old_string": "\tindented", "new_string": "x"})).await;
    assert!(e.contains("old_string was not found in a.txt") && e.contains("whitespace"), "{e}");
    assert!(f
        .err("edit_file", json!({"path": "a.txt", "old_string": "", "new_string": "x"}))
        .await
        .contains("use write_file"));
    assert!(f
        .err("edit_file", json!({"path": "a.txt", "old_string": "in", "new_string": "in"}))
        .await
        .contains("nothing would change"));
    assert!(f
        .err("edit_file", json!({"path": "nope.txt", "old_string": "a", "new_string": "b"}))
        .await
        .contains("nope.txt does not exist"));
    f.write("blob.bin", b"ab\0cd");
    assert!(f
        .err("edit_file", json!({"path": "blob.bin", "old_string": "ab", "new_string": "x"}))
        .await
        .contains("binary"));
    f.write("latin1.txt", b"caf\xe9\n");
    assert!(f
        .err("edit_file", json!({"path": "latin1.txt", "old_string": "caf", "new_string": "x"}))
        .await
        .contains("not valid UTF-8"));
    assert_eq!(f.read("a.txt"), "    indented\n");
}

// ---- search_files ----

fn search_fixture() -> Fixture {
    let f = Fixture::new();
    f.write(".gitignore", "target/\n");
    f.write("src/main.rs", "fn main() {\n    helper();\n}\n");
    f.write("src/lib.rs", "pub fn helper() {}\n// TODO: more\n");
    f.write("docs/notes.md", "todo: write docs\n");
    f.write("target/gen.rs", "fn helper() {}\n");
    f.write("logo.bin", b"fn helper\0\x01\x02");
    f
}

#[tokio::test]
async fn search_files_reports_path_line_text_and_honours_gitignore() {
    let f = search_fixture();
    let out = f.ok("search_files", json!({"pattern": r"helper\(\)"})).await;
    assert_eq!(out, "src/lib.rs:1: pub fn helper() {}\nsrc/main.rs:2:     helper();\n[2 matches in 2 files]\n");
}

#[tokio::test]
async fn search_files_filters_by_glob_path_and_case() {
    let f = search_fixture();
    let out = f.ok("search_files", json!({"pattern": "todo", "case_insensitive": true, "glob": "*.rs"})).await;
    assert_eq!(out, "src/lib.rs:2: // TODO: more\n[1 matches in 1 files]\n");
    let out = f.ok("search_files", json!({"pattern": "todo", "path": "docs"})).await;
    assert_eq!(out, "docs/notes.md:1: todo: write docs\n[1 matches in 1 files]\n");
    let out = f.ok("search_files", json!({"pattern": "helper", "path": "src/main.rs"})).await;
    assert_eq!(out, "src/main.rs:2:     helper();\n[1 matches in 1 files]\n");
    assert_eq!(
        f.ok("search_files", json!({"pattern": "nothing-like-this"})).await,
        "no matches for \"nothing-like-this\" in ."
    );
}

#[tokio::test]
async fn search_files_caps_matches_and_counts_the_rest() {
    let f = Fixture::new();
    f.write("many.txt", "hit\n".repeat(250));
    f.write("long.txt", format!("hit {}\n", "w".repeat(1000)));
    let out = f.ok("search_files", json!({"pattern": "^hit"})).await;
    assert_eq!(out.lines().filter(|l| l.contains(".txt:")).count(), 200);
    assert!(
        out.contains("[51 more matches not shown; narrow the pattern, path or glob]\n[251 matches in 2 files]"),
        "{}",
        &out[out.len() - 200..]
    );
    assert!(out.lines().next().unwrap().ends_with(" […]"), "a long line is cut");
}

#[tokio::test]
async fn search_files_errors() {
    let f = search_fixture();
    let e = f.err("search_files", json!({"pattern": "fn (main"})).await;
    assert!(e.contains("pattern is not a valid regular expression") && e.contains("unclosed group"), "{e}");
    assert!(f.err("search_files", json!({"pattern": "x", "glob": "src/[z-a]"})).await.contains("is not valid"));
    assert!(f.err("search_files", json!({"pattern": ""})).await.contains("pattern is empty"));
    assert!(f.err("search_files", json!({"pattern": "x", "path": "nope"})).await.contains("nope does not exist"));
}

#[tokio::test]
async fn search_files_says_which_files_it_skipped_for_their_size() {
    let f = Fixture::new();
    f.write("a.txt", "needle here\n");
    let big = fs::File::create(f.ws.join("big.log")).unwrap();
    big.set_len(11 * 1024 * 1024).unwrap();
    let found = f.ok("search_files", json!({"pattern": "needle"})).await;
    assert!(found.starts_with("a.txt:1: needle here\n"), "matches are still given: {found}");
    assert!(found.contains("not searched: 1 file over 10.0 MiB (big.log)") && found.contains("run_command"), "{found}");
    let none = f.ok("search_files", json!({"pattern": "absent"})).await;
    assert!(none.starts_with("no matches for \"absent\" in ."), "{none}");
    assert!(
        none.contains("not searched: 1 file over 10.0 MiB (big.log)"),
        "no matches is never silent about skipped files: {none}"
    );
    let small_only = f.ok("search_files", json!({"pattern": "needle", "glob": "*.txt"})).await;
    assert!(!small_only.contains("not searched"), "{small_only}");
}
