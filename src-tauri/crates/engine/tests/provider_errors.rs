//! A misbehaving provider, through a whole run: a provider that never answers ends the run
//! with the timeout error, a 5 MB error body is stored as a bounded `session.error`, and a key
//! the provider echoes is nowhere in the data folder.

use std::sync::Arc;
use std::time::Duration;

use reverie_engine::clock::{ManualClock, SequentialIds};
use reverie_engine::providers::EnvLookup;
use reverie_engine::session::{Owner, RunOptions};
use reverie_engine::{Core, CoreParts, Database, Secrets};
use reverie_llm::{RetryPolicy, StreamOptions, MAX_MESSAGE_CHARS};
use reverie_protocol::{
    AgentInput, AppError, ErrorCode, EventPayload, IdleReason, ProviderInput, ProviderKind, RunInput, SessionId,
};
use reverie_testkit::{FakeProvider, FakeProviderConfig, Fault, Reply, Script};

const WAIT: Duration = Duration::from_secs(30);
const KINDS: [ProviderKind; 2] = [ProviderKind::Anthropic, ProviderKind::OpenaiCompatible];

struct Env {
    core: Core,
    fake: FakeProvider,
    agent: reverie_protocol::AgentId,
    workspace: tempfile::TempDir,
    data: tempfile::TempDir,
}

/// A data folder on disk, the fake playing `replies` and accepting `key`, and an agent on it;
/// waits on the provider are bounded to 300 ms and nothing is retried.
async fn env(kind: ProviderKind, key: &str, replies: Vec<Reply>) -> Env {
    let data = tempfile::tempdir().unwrap();
    let (db, _) = Database::open_in(data.path(), 0).unwrap();
    let ids = Arc::new(SequentialIds::default());
    let no_env: EnvLookup = Arc::new(|_| None);
    let stream_options = StreamOptions {
        retry: RetryPolicy::none(),
        response_timeout: Duration::from_millis(300),
        first_byte_timeout: Duration::from_millis(300),
        idle_timeout: WAIT,
        ..StreamOptions::default()
    };
    let core = Core::new(CoreParts {
        db: Arc::new(db),
        secrets: Arc::new(Secrets::memory_only()),
        clock: Arc::new(ManualClock::new(1_000)),
        ids: ids.clone(),
        env: no_env,
        memory_listener: None,
        owner: Owner::in_process(&*ids),
        stream_options,
    });
    let config = FakeProviderConfig { keys: vec![key.into()], ..FakeProviderConfig::default() };
    let fake = FakeProvider::start_with_script(config, Script::from_replies(replies)).await.unwrap();
    let base_url = match kind {
        ProviderKind::Anthropic => fake.base_url(),
        ProviderKind::OpenaiCompatible => fake.openai_base_url(),
    };
    let provider = core
        .providers
        .create(ProviderInput {
            name: "Fake".into(),
            kind,
            base_url,
            model: "fake-model".into(),
            api_key: Some(key.into()),
        })
        .unwrap();
    let agent = core
        .agents
        .create(AgentInput {
            name: "coder".into(),
            description: "Edits notes".into(),
            instructions: "You tidy up notes.".into(),
            provider_id: provider.id,
            model: None,
            tools: vec![],
            max_turns: None,
            memory: vec![],
            roster: vec![],
        })
        .unwrap()
        .id;
    Env { core, fake, agent, workspace: tempfile::tempdir().unwrap(), data }
}

impl Env {
    /// Runs `task` to its end; the session and its `session.error`.
    async fn run_to_error(&self, task: &str) -> (SessionId, AppError) {
        let input = RunInput {
            agent_id: self.agent.clone(),
            workspace: self.workspace.path().display().to_string(),
            task: task.into(),
            max_threads: None,
            outcome: None,
            allow_home: None,
        };
        let started = self.core.sessions.start(input, RunOptions::default()).await.unwrap();
        let id = started.summary.id.clone();
        let outcome = tokio::time::timeout(WAIT, started.done).await.expect("the run ended").unwrap().unwrap();
        assert_eq!(outcome.reason, IdleReason::Error);
        let events = self.core.log.read(&id, 0, 1_000).unwrap();
        let error = events
            .into_iter()
            .find_map(|e| match e.payload {
                EventPayload::Error { error } => Some(error),
                _ => None,
            })
            .expect("a session.error");
        (id, error)
    }
}

#[tokio::test]
async fn a_provider_that_never_sends_headers_ends_the_run_with_the_timeout_error() {
    for kind in KINDS {
        let e = env(kind, "sk-test-good", vec![Reply::new().fault(Fault::NoHeaders { max_secs: Some(60) })]).await;
        let (id, error) = e.run_to_error("Tidy the notes").await;
        assert_eq!(error.code, ErrorCode::Network, "{kind:?}: {}", error.message);
        assert!(
            error.message.contains(&e.fake.addr().to_string()) && error.message.contains("sent no response within"),
            "{}",
            error.message
        );
        let summary = e.core.sessions.get(&id).await.unwrap();
        assert_eq!(summary.stop_reason, Some(IdleReason::Error));
    }
}

#[tokio::test]
async fn a_5_mb_error_body_is_stored_as_a_bounded_session_error() {
    for kind in KINDS {
        let e =
            env(kind, "sk-test-good", vec![Reply::new().fault(Fault::http_message(400, "y".repeat(5 * 1024 * 1024)))])
                .await;
        let (id, error) = e.run_to_error("Tidy the notes").await;
        assert!(
            error.message.chars().count() <= MAX_MESSAGE_CHARS + 100,
            "{kind:?}: {} chars stored",
            error.message.chars().count()
        );
        assert!(
            error.message.contains("the rest was not read"),
            "{kind:?}: …{}",
            &error.message[error.message.len() - 100..]
        );
        let stored: usize =
            e.core.log.read(&id, 0, 1_000).unwrap().iter().map(|ev| serde_json::to_string(ev).unwrap().len()).sum();
        assert!(stored < 16 * 1024, "{kind:?}: the whole log is {stored} bytes");
    }
}

#[tokio::test]
async fn a_key_the_provider_echoes_is_nowhere_in_the_data_folder() {
    // Shaped like no vendor's key, so only masking by value catches it.
    let key = "zq-engine-echo-0123456789abcdef";
    for kind in KINDS {
        let echo = Fault::http_message(
            401,
            format!("Incorrect API key provided: {key}. You can find your API key at the dashboard."),
        );
        let e = env(kind, key, vec![Reply::new().fault(echo)]).await;
        let (id, error) = e.run_to_error("Tidy the notes").await;
        assert_eq!(error.code, ErrorCode::Auth);
        assert!(error.message.contains("Incorrect API key provided: [REDACTED]"), "{}", error.message);
        let summary = serde_json::to_string(&e.core.sessions.get(&id).await.unwrap()).unwrap();
        let events = serde_json::to_string(&e.core.log.read(&id, 0, 1_000).unwrap()).unwrap();
        for text in [&summary, &events] {
            assert!(!text.contains(key) && !text.contains(&key[..12]), "{kind:?}: {text}");
        }
        drop(e.core);
        assert_eq!(hits(e.data.path(), key.as_bytes()), Vec::<String>::new(), "{kind:?}");
    }
}

/// Files under `dir` (the database, its WAL, logs) that hold `needle`.
fn hits(dir: &std::path::Path, needle: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    let mut files = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            stack.extend(std::fs::read_dir(&path).unwrap().map(|entry| entry.unwrap().path()));
        } else {
            files += 1;
            let bytes = std::fs::read(&path).unwrap();
            if bytes.windows(needle.len()).any(|w| w == needle) {
                found.push(path.display().to_string());
            }
        }
    }
    assert!(files > 0, "the data folder holds the database");
    found
}
