//! `run_command`: a shell command in the workspace folder, in a process group of its own, with
//! a timeout and an output cap. On cancel or timeout the whole group is stopped (SIGTERM, then
//! SIGKILL), so nothing the command started outlives the call.

use std::process::Stdio;
use std::time::Duration;

use schemars::JsonSchema;
use serde::Deserialize;
use tokio::io::AsyncReadExt;
use tokio::process::Command;

use super::text::size;
use super::{ToolContext, ToolFault, ToolOutput, TypedTool, CANCELLED};

pub const DEFAULT_TIMEOUT_SECS: u64 = 120;
pub const MAX_TIMEOUT_SECS: u64 = 600;
/// Output kept from the start and from the end of a long output, each.
pub const OUTPUT_HEAD_BYTES: usize = 32 * 1024;
pub const OUTPUT_TAIL_BYTES: usize = 32 * 1024;
/// How long a group gets between SIGTERM and SIGKILL.
const TERM_GRACE: Duration = Duration::from_secs(2);
/// How long output is still read after the shell exits.
const DRAIN_GRACE: Duration = Duration::from_secs(2);
/// Variables the command does not inherit: provider keys stay out of the transcript.
const WITHHELD_ENV: &[&str] = &["ANTHROPIC_API_KEY", "OPENAI_API_KEY"];

/// Run a shell command (`sh -c`) in the workspace folder and return its output (stdout and
/// stderr interleaved) and exit code. It has no input (stdin is empty) and is stopped after
/// `timeout_secs` (default 120, at most 600), together with everything it started. Long output
/// is cut in the middle. Use it for builds, tests, git and other programs; use the file tools
/// to read and change files.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunCommandInput {
    /// The command line, run by `sh -c` with the workspace folder as working directory.
    pub command: String,
    /// Seconds before the command is stopped. Defaults to 120; at most 600.
    pub timeout_secs: Option<u64>,
}

pub struct RunCommand;

impl TypedTool for RunCommand {
    const NAME: &'static str = "run_command";
    type Input = RunCommandInput;

    async fn run(&self, input: RunCommandInput, ctx: &ToolContext) -> Result<ToolOutput, ToolFault> {
        if input.command.trim().is_empty() {
            return Ok(ToolOutput::error("command is empty"));
        }
        if input.command.contains('\0') {
            return Ok(ToolOutput::error("command must not contain a NUL byte"));
        }
        let mut note = String::new();
        let timeout_secs = match input.timeout_secs {
            None => DEFAULT_TIMEOUT_SECS,
            Some(0) => {
                note.push_str("[timeout_secs 0 is not allowed; used 1]\n");
                1
            }
            Some(s) if s > MAX_TIMEOUT_SECS => {
                note.push_str(&format!("[timeout_secs {s} is over the limit; used {MAX_TIMEOUT_SECS}]\n"));
                MAX_TIMEOUT_SECS
            }
            Some(s) => s,
        };
        let run = match spawn(&input.command, ctx) {
            Ok(run) => run,
            Err(e) => return Ok(ToolOutput::error(format!("could not start the command: {e}"))),
        };
        let mut output = supervise(run, Duration::from_secs(timeout_secs), ctx).await;
        output.content.insert_str(0, &note);
        Ok(output)
    }
}

struct Running {
    child: tokio::process::Child,
    output: tokio::net::unix::pipe::Receiver,
    pgid: i32,
}

/// Starts `sh -c command` as the leader of a new process group, with stdout and stderr on one pipe.
fn spawn(command: &str, ctx: &ToolContext) -> std::io::Result<Running> {
    let (sender, receiver) = tokio::net::unix::pipe::pipe()?;
    let stdout = sender.into_blocking_fd()?;
    let stderr = stdout.try_clone()?;
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(command)
        .current_dir(ctx.workspace.root())
        .stdin(Stdio::null())
        .stdout(Stdio::from(stdout))
        .stderr(Stdio::from(stderr))
        .process_group(0)
        .kill_on_drop(true);
    for key in WITHHELD_ENV {
        cmd.env_remove(key);
    }
    let child = cmd.spawn()?;
    // `cmd` holds our copies of the pipe's write end; only the child's may stay open, or the
    // output never reaches end-of-file.
    drop(cmd);
    let pgid = child
        .id()
        .and_then(|id| i32::try_from(id).ok())
        .ok_or_else(|| std::io::Error::other("the shell exited before it got an id"))?;
    Ok(Running { child, output: receiver, pgid })
}

enum Ending {
    Exited(std::process::ExitStatus),
    Lost(std::io::Error),
    TimedOut,
    Cancelled,
}

/// Kills the whole group if the call is dropped before it finished (the future was abandoned),
/// so nothing outlives it even then.
struct GroupGuard {
    pgid: i32,
    armed: bool,
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if self.armed {
            signal_group(self.pgid, libc::SIGKILL);
        }
    }
}

/// Reads the output until the shell exits, the timeout passes or the call is cancelled; then
/// makes sure the whole group is gone.
async fn supervise(mut run: Running, timeout: Duration, ctx: &ToolContext) -> ToolOutput {
    let mut guard = GroupGuard { pgid: run.pgid, armed: true };
    let mut output = Capped::default();
    let mut buf = vec![0u8; 16 * 1024];
    let mut eof = false;
    let deadline = tokio::time::sleep(timeout);
    tokio::pin!(deadline);
    let ending = loop {
        tokio::select! {
            biased;
            () = ctx.cancel.cancelled() => break Ending::Cancelled,
            () = &mut deadline => break Ending::TimedOut,
            status = run.child.wait() => match status {
                Ok(status) => break Ending::Exited(status),
                Err(e) => break Ending::Lost(e),
            },
            read = run.output.read(&mut buf), if !eof => match read {
                Ok(0) | Err(_) => eof = true,
                Ok(n) => output.push(&buf[..n]),
            },
        }
    };
    // Whatever is still running in the group (the command, or what it left in the background)
    // is stopped; then the output written so far is drained.
    stop_group(run.pgid).await;
    guard.armed = false;
    if !matches!(ending, Ending::Exited(_)) {
        let _ = run.child.wait().await;
    }
    if !eof {
        let _ = tokio::time::timeout(DRAIN_GRACE, async {
            while let Ok(n) = run.output.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                output.push(&buf[..n]);
            }
        })
        .await;
    }
    let text = output.finish();
    match ending {
        Ending::Exited(status) => {
            let code = match (status.code(), signal_of(&status)) {
                (Some(code), _) => format!("exit code: {code}"),
                (None, Some(sig)) => format!("terminated by signal {sig}"),
                (None, None) => "exit status unknown".to_owned(),
            };
            ToolOutput { content: format!("{text}[{code}]"), is_error: false }
        }
        Ending::Lost(e) => ToolOutput::error(format!(
            "lost track of the command ({e}); it and every process it started were stopped.\n{text}"
        )),
        Ending::TimedOut => ToolOutput::error(format!(
            "timed out: the command was stopped after {} s, with every process it started.\n{text}",
            timeout.as_secs()
        )),
        Ending::Cancelled => ToolOutput::error(format!(
            "{CANCELLED}: the user stopped this run; the command and every process it started were stopped.\n{text}"
        )),
    }
}

#[cfg(unix)]
fn signal_of(status: &std::process::ExitStatus) -> Option<i32> {
    use std::os::unix::process::ExitStatusExt;
    status.signal()
}

/// Sends SIGTERM to the group, waits up to [`TERM_GRACE`] for it to be gone, then SIGKILL.
async fn stop_group(pgid: i32) {
    if !group_alive(pgid) {
        return;
    }
    signal_group(pgid, libc::SIGTERM);
    let gone = tokio::time::timeout(TERM_GRACE, async {
        while group_alive(pgid) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .is_ok();
    if !gone {
        signal_group(pgid, libc::SIGKILL);
    }
}

fn signal_group(pgid: i32, signal: i32) {
    // SAFETY: killpg only sends a signal; `pgid` is the group our child leads (setpgid(0, 0)
    // at spawn), which cannot be reused while any member of it, zombie or not, exists.
    unsafe {
        libc::killpg(pgid, signal);
    }
}

/// Whether any live (non-zombie) process is still in the group.
#[cfg(target_os = "linux")]
fn group_alive(pgid: i32) -> bool {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return killpg_probe(pgid);
    };
    dir.flatten().filter(|e| e.file_name().to_str().is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))).any(|e| {
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            return false;
        };
        // /proc/PID/stat: "pid (comm) state ppid pgrp ..."; comm may hold spaces and parens.
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
            return false;
        };
        let mut fields = rest.split_whitespace();
        let state = fields.next();
        let pgrp = fields.nth(1).and_then(|f| f.parse::<i32>().ok());
        pgrp == Some(pgid) && !matches!(state, Some("Z" | "X"))
    })
}

#[cfg(not(target_os = "linux"))]
fn group_alive(pgid: i32) -> bool {
    killpg_probe(pgid)
}

fn killpg_probe(pgid: i32) -> bool {
    // SAFETY: signal 0 only checks whether the group exists and may be signalled.
    unsafe { libc::killpg(pgid, 0) == 0 }
}

/// The start and the end of an output that may be far too long to keep.
#[derive(Default)]
struct Capped {
    head: Vec<u8>,
    tail: std::collections::VecDeque<u8>,
    dropped: u64,
}

impl Capped {
    fn push(&mut self, mut bytes: &[u8]) {
        let room = OUTPUT_HEAD_BYTES.saturating_sub(self.head.len());
        let to_head = room.min(bytes.len());
        self.head.extend_from_slice(&bytes[..to_head]);
        bytes = &bytes[to_head..];
        self.tail.extend(bytes);
        let over = self.tail.len().saturating_sub(OUTPUT_TAIL_BYTES);
        if over > 0 {
            self.tail.drain(..over);
            self.dropped += over as u64;
        }
    }

    fn finish(self) -> String {
        let mut text = String::from_utf8_lossy(&self.head).into_owned();
        if self.dropped > 0 {
            text.push_str(&format!("\n[… {} of output cut here …]\n", size(self.dropped)));
        }
        let tail: Vec<u8> = self.tail.into_iter().collect();
        text.push_str(&String::from_utf8_lossy(&tail));
        if text.is_empty() {
            text.push_str("(no output)");
        }
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text
    }
}
