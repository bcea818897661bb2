//! A data folder, a workspace and a fake provider per test, and the binary run against them.

use std::process::Stdio;
use std::time::Duration;

use reverie_protocol::{SessionEvent, SessionSummary};
use reverie_testkit::{FakeProvider, FakeProviderConfig, Reply, Script};
use tokio::io::AsyncWriteExt;
use tokio::process::{Child, Command};

/// The longest any one condition is awaited before the test fails.
pub const WAIT: Duration = Duration::from_secs(60);

pub struct Cli {
    pub data: tempfile::TempDir,
    pub workspace: tempfile::TempDir,
    pub fake: FakeProvider,
}

/// What a finished command left.
#[derive(Debug)]
pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    pub fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }
}

pub async fn timeout<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(WAIT, f).await.unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

impl Cli {
    /// A fake provider playing `replies`, and nothing configured yet.
    pub async fn empty(replies: Vec<Reply>) -> Self {
        let config = FakeProviderConfig { open: true, ..FakeProviderConfig::default() };
        let fake = FakeProvider::start_with_script(config, Script::from_replies(replies)).await.unwrap();
        Self { data: tempfile::tempdir().unwrap(), workspace: tempfile::tempdir().unwrap(), fake }
    }

    /// Also the provider “Fake” (at the fake) and the agent “coder” on it, with `agent_flags`.
    pub async fn with_agent(replies: Vec<Reply>, agent_flags: &[&str]) -> Self {
        let cli = Self::empty(replies).await;
        cli.add_fake_agent(agent_flags).await;
        cli
    }

    /// Adds the provider “Fake” (at the fake) and the agent “coder” on it, with `agent_flags`.
    pub async fn add_fake_agent(&self, agent_flags: &[&str]) {
        let url = self.fake.openai_base_url();
        self.ok(&[
            "providers",
            "add",
            "--name",
            "Fake",
            "--kind",
            "openai",
            "--base-url",
            &url,
            "--model",
            "fake-model",
        ])
        .await;
        let mut args =
            vec!["agents", "add", "--name", "coder", "--provider", "Fake", "--instructions", "You fix notes."];
        args.extend_from_slice(agent_flags);
        self.ok(&args).await;
    }

    pub fn ws(&self) -> String {
        self.workspace.path().display().to_string()
    }

    /// The binary with this test's data folder; stdin is empty (not a terminal).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_reverie-cli"));
        cmd.args(args)
            .env("REVERIE_DATA_DIR", self.data.path())
            .env_remove("RUST_LOG")
            .env_remove("OPENAI_API_KEY")
            .env_remove("ANTHROPIC_API_KEY")
            .current_dir(self.workspace.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        cmd
    }

    pub fn spawn(&self, args: &[&str]) -> Child {
        self.command(args).spawn().unwrap()
    }

    pub async fn run(&self, args: &[&str]) -> Ran {
        finish(self.spawn(args)).await
    }

    /// Runs with `input` on stdin.
    pub async fn run_with_stdin(&self, args: &[&str], input: Vec<u8>) -> Ran {
        let mut child = self.command(args).stdin(Stdio::piped()).spawn().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        // The child may refuse before reading everything: a broken pipe is fine.
        let writer = tokio::spawn(async move {
            let _ = stdin.write_all(&input).await;
        });
        let ran = finish(child).await;
        writer.await.unwrap();
        ran
    }

    /// Runs and expects exit 0.
    pub async fn ok(&self, args: &[&str]) -> Ran {
        let ran = self.run(args).await;
        assert_eq!(ran.code, 0, "{args:?}: {ran:#?}");
        ran
    }

    pub async fn sessions(&self) -> Vec<SessionSummary> {
        serde_json::from_str(&self.ok(&["sessions", "list", "--json"]).await.stdout).unwrap()
    }

    pub async fn export(&self, id: &str) -> Vec<SessionEvent> {
        parse_events(&self.ok(&["sessions", "export", id]).await.stdout)
    }
}

pub async fn finish(child: Child) -> Ran {
    let out = timeout("the command to exit", child.wait_with_output()).await.unwrap();
    Ran {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// JSON lines of stored events, each checked to parse, with `seq` 1, 2, 3… without gaps.
pub fn parse_events(text: &str) -> Vec<SessionEvent> {
    let events: Vec<SessionEvent> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a SessionEvent ({e}): {l}")))
        .collect();
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e.seq, i as u64 + 1, "seq without gaps: {events:#?}");
        assert_eq!(e.session_id, events[0].session_id);
    }
    events
}

pub fn names(events: &[SessionEvent]) -> Vec<&'static str> {
    events.iter().map(|e| e.payload.name()).collect()
}
