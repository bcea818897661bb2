//! Memory stores: the one writer path (versions, preconditions, limits, paths), history, revert,
//! redaction, ranked search, and agents that write memory in one session and find it in the next.

use std::sync::Arc;
use std::time::Duration;

use reverie_engine::clock::{ManualClock, SequentialIds};
use reverie_engine::memory::{Actor, Change, Limits, MAX_FILES};
use reverie_engine::outcome::Rubrics;
use reverie_engine::providers::EnvLookup;
use reverie_engine::session::{EventLog, Owner, RunOptions, Sessions, SessionsParts};
use reverie_engine::{Agents, Database, Error, Memory, Providers, Secrets};
use reverie_llm::{RetryPolicy, StreamOptions};
use reverie_protocol::{
    AgentInput, EventPayload, IdleReason, MemoryAccess, MemoryAccessKind, MemoryMount, MemoryOp, MemoryStoreId,
    MemoryStoreInput, ProviderInput, ProviderKind, RunInput, SessionId,
};
use reverie_testkit::{FakeProvider, FakeProviderConfig, Reply, Script};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(30);

fn memory() -> Memory {
    Memory::new(
        Arc::new(Database::in_memory().unwrap()),
        Arc::new(ManualClock::new(1_000)),
        Arc::new(SequentialIds::default()),
    )
}

fn store(memory: &Memory, name: &str) -> MemoryStoreId {
    memory.create_store(MemoryStoreInput { name: name.into(), description: "What we learned".into() }).unwrap().id
}

fn write(path: &str, content: &str) -> Change {
    Change::Write { path: path.into(), content: content.into() }
}

fn field_of(e: Error) -> String {
    match e {
        Error::Invalid { field, message } => format!("{field}: {message}"),
        Error::Conflict { field, message } => format!("conflict {}: {message}", field.unwrap_or("-")),
        other => format!("other: {other}"),
    }
}

#[test]
fn every_write_is_a_version_and_a_stale_sha_is_a_conflict_never_an_overwrite() {
    let m = memory();
    let s = store(&m, "Notes");
    let v1 = m.apply(&s, write("testing/setup.md", "# Test setup\nRun make test.\n"), None, &Actor::User).unwrap();
    assert_eq!((v1.op, v1.actor.as_str()), (MemoryOp::Create, "user"));
    let file = m.read(&s, "testing/setup.md").unwrap();
    assert_eq!(Some(file.sha256.clone()), v1.sha256);
    let agent = Actor::Thread { session: "ses_1".into(), thread: "thr_1".into() };
    let v2 = m
        .apply(&s, write("testing/setup.md", "# Test setup\nRun make test twice.\n"), Some(&file.sha256), &agent)
        .unwrap();
    assert_eq!((v2.op, v2.actor.as_str()), (MemoryOp::Update, "session:ses_1/thread:thr_1"));

    // A writer who read v1 and writes now loses nothing: it is told.
    let stale = m.apply(&s, write("testing/setup.md", "mine"), Some(&file.sha256), &Actor::User).unwrap_err();
    assert!(field_of(stale).starts_with("conflict expected_sha256: testing/setup.md changed since you read it"));
    assert_eq!(m.read(&s, "testing/setup.md").unwrap().content, "# Test setup\nRun make test twice.\n");

    // The same content again makes no version.
    let same =
        m.apply(&s, write("testing/setup.md", "# Test setup\nRun make test twice.\n"), None, &Actor::User).unwrap();
    assert_eq!(same.id, v2.id);
    let renamed = m
        .apply(
            &s,
            Change::Rename { from: "testing/setup.md".into(), to: "testing/how-to-test.md".into() },
            None,
            &Actor::User,
        )
        .unwrap();
    assert_eq!(renamed.previous_path.as_deref(), Some("testing/setup.md"));
    m.apply(&s, Change::Delete { path: "testing/how-to-test.md".into() }, None, &Actor::User).unwrap();
    assert!(matches!(m.read(&s, "testing/how-to-test.md"), Err(Error::NotFound(_))));
    let history = m.history(&s, "testing/how-to-test.md").unwrap();
    let ops: Vec<MemoryOp> = history.iter().map(|v| v.op).collect();
    assert_eq!(ops, [MemoryOp::Delete, MemoryOp::Rename], "newest first; the old path keeps its own history");
    assert_eq!(m.history(&s, "testing/setup.md").unwrap().len(), 3, "create, update, and the rename away");
    let deleted_again =
        m.apply(&s, Change::Delete { path: "testing/how-to-test.md".into() }, None, &Actor::User).unwrap_err();
    assert!(matches!(deleted_again, Error::NotFound(_)));
}

#[test]
fn limits_and_paths_are_enforced_with_a_clear_error() {
    let m = memory();
    let s = store(&m, "Limits");
    let big = "x".repeat(200_000);
    let e = field_of(m.apply(&s, write("big.md", &big), None, &Actor::User).unwrap_err());
    assert!(e.starts_with("content: The file would be 200 kB; a memory file holds at most 100 kB"), "{e}");
    for (path, words) in [
        ("../../etc/passwd", "“..” and “.” are not allowed"),
        ("/etc/passwd.md", "relative"),
        ("a\0b.md", "use letters"),
        ("notes.txt", "end the name with .md"),
        (".env.md", "dot"),
    ] {
        let e = field_of(m.apply(&s, write(path, "x"), None, &Actor::User).unwrap_err());
        assert!(e.starts_with("path: ") && e.contains(words), "{path:?}: {e}");
    }
    let e = field_of(m.apply(&s, write("bin.md", "a\u{1}b"), None, &Actor::User).unwrap_err());
    assert!(e.contains("control characters"), "{e}");

    // The 2,001st file.
    for i in 0..MAX_FILES {
        m.apply(&s, write(&format!("f/{i}.md"), "x"), None, &Actor::User).unwrap();
    }
    let e = field_of(m.apply(&s, write("one-more.md", "x"), None, &Actor::User).unwrap_err());
    assert!(e.contains("already has 2000 files"), "{e}");
    assert!(m.apply(&s, write("f/7.md", "an update still fits"), None, &Actor::User).is_ok());

    // The store's size (lowered here, so the test doesn't write 100 MB).
    let small = memory().with_limits(Limits { store_bytes: 10_000, ..Limits::default() });
    let t = store(&small, "Small");
    small.apply(&t, write("a.md", &"a".repeat(6_000)), None, &Actor::User).unwrap();
    let e = field_of(small.apply(&t, write("b.md", &"b".repeat(6_000)), None, &Actor::User).unwrap_err());
    assert!(e.contains("would grow past 10 kB"), "{e}");
    assert_eq!(small.files(&t).unwrap().len(), 1, "nothing half-written");
}

#[test]
fn revert_and_redact_keep_who_and_when() {
    let m = memory();
    let s = store(&m, "History");
    let v1 = m.apply(&s, write("a.md", "one\n"), None, &Actor::User).unwrap();
    let v2 = m.apply(&s, write("a.md", "one\ntwo secret\n"), None, &Actor::External).unwrap();
    let hunks = m.diff(Some(&v1.id), Some(&v2.id)).unwrap();
    assert_eq!(hunks.len(), 1);
    assert!(hunks[0].lines.iter().any(|l| l.text == "two secret"));

    let current = m.read(&s, "a.md").unwrap().sha256;
    let v3 = m.revert(&v1.id, Some(&current), &Actor::User).unwrap();
    assert_eq!((v3.op, m.read(&s, "a.md").unwrap().content.as_str()), (MemoryOp::Update, "one\n"));

    assert!(matches!(m.redact(&v3.id), Err(Error::Conflict { .. })), "the current content can't be redacted");
    let redacted = m.redact(&v2.id).unwrap();
    assert!(redacted.redacted);
    let (v, content) = m.version(&v2.id).unwrap();
    assert_eq!((v.actor.as_str(), v.time_ms, content), ("external", v2.time_ms, None));
    assert!(m.revert(&v2.id, None, &Actor::User).is_err(), "nothing to go back to");
    assert!(m.diff(Some(&v1.id), Some(&v2.id)).is_err());
    assert!(m.search(&s, "secret", 5).unwrap().is_empty(), "the redacted text is not searchable either");
}

#[test]
fn search_ranks_the_relevant_file_first_and_the_index_fits_its_budget() {
    let m = memory();
    let s = store(&m, "Project");
    let files = [
        ("deploy/checklist.md", "# Deploy checklist\nTag the release, build the deb, upload it.\n"),
        (
            "testing/database.md",
            "# Test database\nThe tests need a fresh SQLite database in a temp dir; never share one.\n",
        ),
        ("style/commits.md", "# Commit style\nSmall commits with honest messages.\n"),
        (
            "people/preferences.md",
            "---\ndescription: What the user likes\n---\nThe user prefers short answers and tests before merges.\n",
        ),
    ];
    for (path, content) in files {
        m.apply(&s, write(path, content), None, &Actor::User).unwrap();
    }
    let hits = m.search(&s, "how do the tests get their database?", 5).unwrap();
    assert_eq!(hits[0].path, "testing/database.md", "{hits:#?}");
    assert!(hits[0].snippet.contains("«"), "{}", hits[0].snippet);
    assert_eq!(m.search(&s, "deploy", 5).unwrap()[0].path, "deploy/checklist.md", "a path match ranks first");
    assert!(matches!(m.search(&s, " ?! ", 5), Err(Error::Invalid { field: "query", .. })));
    let (index, listed) = m.index(&s, 2000).unwrap();
    assert!(index.contains("- people/preferences.md — What the user likes"), "{index}");
    assert!(index.contains("- testing/database.md — Test database"), "{index}");
    assert_eq!(listed.len(), 4);
    let (short, listed) = m.index(&s, 20).unwrap();
    assert!(listed.len() < 4 && short.contains("use memory_search"), "{short}");
}

struct Env {
    sessions: Arc<Sessions>,
    agents: Agents,
    memory: Memory,
    log: Arc<EventLog>,
    fake: FakeProvider,
    provider: reverie_protocol::ProviderId,
    workspace: tempfile::TempDir,
    _data: tempfile::TempDir,
}

async fn env(kind: ProviderKind) -> Env {
    let data = tempfile::tempdir().unwrap();
    let (db, _) = Database::open_in(data.path(), 0).unwrap();
    let db = Arc::new(db);
    let clock = Arc::new(ManualClock::new(1_000));
    let ids = Arc::new(SequentialIds::default());
    let no_env: EnvLookup = Arc::new(|_| None);
    let providers = Providers::new(db.clone(), Arc::new(Secrets::memory_only()), clock.clone(), ids.clone(), no_env);
    let fake = FakeProvider::start_with_script(FakeProviderConfig::default(), Script::new()).await.unwrap();
    let base_url = if kind == ProviderKind::Anthropic { fake.base_url() } else { fake.openai_base_url() };
    let provider = providers
        .create(ProviderInput {
            name: "Fake".into(),
            kind,
            base_url,
            model: "fake-model".into(),
            api_key: Some("sk-test-good".into()),
        })
        .unwrap();
    let agents = Agents::new(db.clone(), clock.clone(), ids.clone());
    let memory = Memory::new(db.clone(), clock.clone(), ids.clone());
    let options = StreamOptions {
        retry: RetryPolicy { max_attempts: 1, ..RetryPolicy::default() },
        idle_timeout: WAIT,
        ..StreamOptions::default()
    };
    let rubrics = Rubrics::new(db.clone(), clock.clone(), ids.clone());
    let log = Arc::new(EventLog::new(db, clock));
    let sessions = Sessions::new(SessionsParts {
        log: log.clone(),
        agents: agents.clone(),
        providers,
        memory: memory.clone(),
        rubrics,
        ids: ids.clone(),
        owner: Owner::in_process(&*ids),
        stream_options: options,
    });
    Env {
        sessions,
        agents,
        memory,
        log,
        fake,
        provider: provider.id,
        workspace: tempfile::tempdir().unwrap(),
        _data: data,
    }
}

impl Env {
    fn agent(&self, name: &str, mounts: Vec<MemoryMount>) -> reverie_protocol::Agent {
        self.agents
            .create(AgentInput {
                name: name.into(),
                description: String::new(),
                instructions: format!("You remember things. [[script:{name}]]"),
                provider_id: self.provider.clone(),
                model: None,
                tools: vec![],
                max_turns: None,
                memory: mounts,
                roster: vec![],
            })
            .unwrap()
    }

    async fn run(&self, agent: &reverie_protocol::Agent, task: &str) -> SessionId {
        let input = RunInput {
            agent_id: agent.id.clone(),
            workspace: self.workspace.path().display().to_string(),
            task: task.into(),
            max_threads: None,
            outcome: None,
            allow_home: None,
        };
        let started = self.sessions.start(input, RunOptions::default()).await.unwrap();
        let outcome = tokio::time::timeout(WAIT, started.done).await.unwrap().unwrap().unwrap();
        assert_eq!(outcome.reason, IdleReason::EndTurn);
        started.summary.id
    }

    fn results(&self, id: &SessionId) -> Vec<(String, bool)> {
        self.log
            .read(id, 0, 1000)
            .unwrap()
            .into_iter()
            .filter_map(|e| match e.payload {
                EventPayload::AgentToolResult { content, is_error, .. } => Some((content, is_error)),
                _ => None,
            })
            .collect()
    }
}

#[tokio::test]
async fn an_agent_writes_memory_in_one_session_and_a_later_session_finds_and_reads_it() {
    for kind in [ProviderKind::Anthropic, ProviderKind::OpenaiCompatible] {
        let e = env(kind).await;
        let notes = store(&e.memory, "Team notes");
        let mount = |access| vec![MemoryMount { store_id: notes.clone(), access }];
        let writer = e.agent("writer", mount(MemoryAccess::ReadWrite));
        e.fake.push_replies("writer", [
            Reply::new().tool_use("memory_write", json!({"path": "testing/database.md", "content": "# Test database\nEach test gets a fresh SQLite file in a temp dir.\n"})),
            Reply::new().text("Noted for next time."),
        ]);
        let first = e.run(&writer, "Remember how the tests set up their database.").await;
        assert!(!e.results(&first)[0].1, "{:?}", e.results(&first));
        let version = &e.memory.history(&notes, "testing/database.md").unwrap()[0];
        assert_eq!(
            version.actor,
            format!("session:{}/thread:{}", first.as_str(), e.log.read(&first, 0, 1).unwrap()[0].thread_id.as_str())
        );

        let reader = e.agent("reader", mount(MemoryAccess::ReadOnly));
        e.fake.push_replies(
            "reader",
            [
                Reply::new().tool_use("memory_search", json!({"query": "test database setup"})),
                Reply::new().tool_use("memory_read", json!({"path": "testing/database.md"})),
                Reply::new().tool_use("memory_write", json!({"path": "x.md", "content": "nope"})),
                Reply::new().text("Each test gets a fresh SQLite file."),
            ],
        );
        let second = e.run(&reader, "How do the tests get their database?").await;
        // The index was in the system prompt, the search found the file, the read loaded it.
        let requests = e.fake.requests_for("reader");
        let first_body = requests[0].body.as_ref().unwrap().to_string();
        assert!(
            first_body.contains("Memory store “Team notes” (read only)")
                && first_body.contains("testing/database.md — Test database"),
            "{first_body}"
        );
        assert!(!first_body.contains("memory_write\""), "a read-only mount offers no write tools: {first_body}");
        let results = e.results(&second);
        assert!(results[0].0.starts_with("testing/database.md (score"), "{results:?}");
        assert!(results[1].0.contains("Each test gets a fresh SQLite file"), "{results:?}");
        assert!(results[2].1 && results[2].0.contains("no tool named \"memory_write\""), "{results:?}");

        let kinds: Vec<(MemoryAccessKind, Option<String>)> =
            e.memory.accesses_of_session(&second).unwrap().into_iter().map(|r| (r.kind, r.query)).collect();
        assert_eq!(
            kinds,
            [
                (MemoryAccessKind::Listed, None),
                (MemoryAccessKind::Searched, Some("test database setup".into())),
                (MemoryAccessKind::Read, None)
            ]
        );
        let by_file: Vec<MemoryAccessKind> =
            e.memory.accesses_of_file(&notes, "testing/database.md").unwrap().iter().map(|r| r.kind).collect();
        assert_eq!(by_file.last(), Some(&MemoryAccessKind::Written), "oldest last: the first session wrote it");
    }
}

#[tokio::test]
async fn a_read_only_mount_refuses_writes_and_a_stale_sha_reaches_the_model_as_a_conflict() {
    let e = env(ProviderKind::Anthropic).await;
    let mine = store(&e.memory, "Mine");
    let shared = store(&e.memory, "Shared");
    e.memory.apply(&shared, write("rules.md", "# Rules\nBe kind.\n"), None, &Actor::User).unwrap();
    let agent = e.agent(
        "both",
        vec![
            MemoryMount { store_id: mine.clone(), access: MemoryAccess::ReadWrite },
            MemoryMount { store_id: shared.clone(), access: MemoryAccess::ReadOnly },
        ],
    );
    e.fake.push_replies(
        "both",
        [
            Reply::new().tool_use(
                "memory_write",
                json!({"path": "rules.md", "content": "# Rules\nBe fast.\n", "store": "Shared"}),
            ),
            Reply::new().tool_use("memory_write", json!({"path": "a.md", "content": "x"})),
            Reply::new().tool_use(
                "memory_write",
                json!({"path": "a.md", "content": "y", "store": "mine", "expected_sha256": "0000"}),
            ),
            Reply::new().text("Done."),
        ],
    );
    let id = e.run(&agent, "Try writing.").await;
    let results = e.results(&id);
    assert!(results[0].1 && results[0].0.contains("mounted read-only"), "{results:?}");
    assert!(results[1].1 && results[1].0.contains("several memory stores are mounted"), "{results:?}");
    assert!(
        results[2].1 && results[2].0.contains("a.md no longer exists")
            || results[2].0.contains("changed since you read it"),
        "{results:?}"
    );
    assert_eq!(e.memory.read(&shared, "rules.md").unwrap().content, "# Rules\nBe kind.\n", "nothing was overwritten");
    assert!(e.memory.files(&mine).unwrap().is_empty());
}

#[tokio::test]
async fn a_store_deleted_while_an_agent_mounts_it_is_left_out_with_a_clear_answer_to_the_model() {
    let e = env(ProviderKind::OpenaiCompatible).await;
    let gone = store(&e.memory, "Gone");
    let agent = e.agent("orphan", vec![MemoryMount { store_id: gone.clone(), access: MemoryAccess::ReadWrite }]);
    e.memory.delete_store(&gone).unwrap();
    e.fake.push_replies(
        "orphan",
        [
            Reply::new().tool_use("memory_search", json!({"query": "anything"})),
            Reply::new().text("No memory, carrying on."),
        ],
    );
    let id = e.run(&agent, "Use your memory.").await;
    let body = e.fake.requests_for("orphan")[0].body.as_ref().unwrap().to_string();
    assert!(!body.contains("## Memory"), "no memory section for a store that is gone: {body}");
    let results = e.results(&id);
    assert!(results[0].1 && results[0].0.contains("no tool named \"memory_search\""), "{results:?}");
    assert!(e.memory.accesses_of_session(&id).unwrap().is_empty());
}

#[tokio::test]
async fn memory_write_without_a_sha256_only_creates_and_names_the_sha256_it_would_replace() {
    use reverie_engine::memory::tools::{MemoryContext, Mounted};
    use reverie_engine::tools::{ToolContext, ToolSet, Workspace};
    use reverie_protocol::ThreadId;

    let m = memory();
    let id = store(&m, "Notes");
    // A file the mirror just imported from an edit in the folder.
    let imported = m.apply(&id, write("a.md", "# A\nedited in the folder\n"), None, &Actor::External).unwrap();
    let sha = imported.sha256.clone().unwrap();
    let cx = Arc::new(MemoryContext {
        memory: m.clone(),
        mounts: vec![Mounted { store: m.store(&id).unwrap(), access: MemoryAccess::ReadWrite }],
        session: SessionId("ses_1".into()),
        thread: ThreadId("thr_1".into()),
    });
    let tools = cx.tools().into_iter().fold(ToolSet::default(), ToolSet::with);
    let ws = tempfile::tempdir().unwrap();
    let ctx = ToolContext::new(Workspace::new(ws.path()).unwrap(), tokio_util::sync::CancellationToken::new());
    let call = |input: serde_json::Value| {
        let (tools, ctx) = (&tools, &ctx);
        async move { tools.call("memory_write", input, ctx).await.unwrap() }
    };

    let blind = call(json!({"path": "a.md", "content": "# A\nwritten blind\n"})).await;
    assert!(blind.is_error, "a blind write over an existing file is refused: {}", blind.content);
    assert!(
        blind.content.contains(&sha)
            && blind.content.contains("memory_read")
            && blind.content.contains("expected_sha256"),
        "{}",
        blind.content
    );
    assert_eq!(m.read(&id, "a.md").unwrap().content, "# A\nedited in the folder\n", "the imported edit is kept");

    let replaced = call(json!({"path": "a.md", "content": "# A\nreplaced knowingly\n", "expected_sha256": sha})).await;
    assert!(!replaced.is_error && replaced.content.starts_with("updated a.md"), "{}", replaced.content);
    let created = call(json!({"path": "b.md", "content": "# B\nnew\n"})).await;
    assert!(!created.is_error && created.content.starts_with("created b.md"), "{}", created.content);
    assert_eq!(m.read(&id, "a.md").unwrap().content, "# A\nreplaced knowingly\n");
}
