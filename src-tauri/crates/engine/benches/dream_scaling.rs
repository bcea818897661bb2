//! Dream work as input grows: `cargo bench -p reverie-engine --bench dream_scaling`.
//!
//! Store A's agent has 1,010 finished sessions, 1,000 of them read by earlier dreams; store B's
//! has only the 10 new ones. A dream of each reads what is new. Prints the model calls and the
//! median wall time of each (over 9 dreams, the fake provider answering at once) and their
//! ratio. Goal: within 1.1× — the work scales with the new input only.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reverie_engine::clock::UuidIds;
use reverie_engine::dream::{Dreams, DreamsParts};
use reverie_engine::session::EventLog;
use reverie_engine::store::events::SessionRow;
use reverie_engine::{Agents, Database, Memory, Providers, Secrets, SystemClock};
use reverie_llm::StreamOptions;
use reverie_protocol::{
    AgentInput, DreamInput, DreamStatus, EventPayload, IdleReason, MemoryAccess, MemoryMount, MemoryStoreInput,
    ProviderInput, ProviderKind, SessionId, ThreadId,
};
use reverie_testkit::{FakeProvider, FakeProviderConfig, Reply, Script};
use serde_json::json;

const OLD: usize = 1000;
const NEW: usize = 10;
const ROUNDS: usize = 9;

static CREATED: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(1);

struct Setup {
    dreams: Arc<Dreams>,
    store: reverie_protocol::MemoryStoreId,
    db: Arc<Database>,
    log: Arc<EventLog>,
    agent: reverie_protocol::AgentId,
    fake: FakeProvider,
    _dir: tempfile::TempDir,
}

async fn setup(old: usize) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = Database::open_in(dir.path(), 0).unwrap();
    let db = Arc::new(db);
    let (clock, ids) = (Arc::new(SystemClock), Arc::new(UuidIds));
    let providers =
        Providers::new(db.clone(), Arc::new(Secrets::memory_only()), clock.clone(), ids.clone(), Arc::new(|_| None));
    let fake = FakeProvider::start_with_script(FakeProviderConfig::default(), Script::new()).await.unwrap();
    let provider = providers
        .create(ProviderInput {
            name: "Fake".into(),
            kind: ProviderKind::Anthropic,
            base_url: fake.base_url(),
            model: "fake-model".into(),
            api_key: Some("sk-test-good".into()),
        })
        .unwrap();
    let memory = Memory::new(db.clone(), clock.clone(), ids.clone());
    let store = memory.create_store(MemoryStoreInput { name: "Notes".into(), description: String::new() }).unwrap();
    let agents = Agents::new(db.clone(), clock.clone(), ids.clone());
    let agent = agents
        .create(AgentInput {
            name: "coder".into(),
            description: String::new(),
            instructions: String::new(),
            provider_id: provider.id,
            model: None,
            tools: vec![],
            max_turns: None,
            memory: vec![MemoryMount { store_id: store.id.clone(), access: MemoryAccess::ReadWrite }],
            roster: vec![],
        })
        .unwrap();
    let log = Arc::new(EventLog::new(db.clone(), clock.clone()));
    let dreams = Dreams::new(DreamsParts {
        db: db.clone(),
        memory,
        providers,
        agents,
        log: log.clone(),
        clock,
        ids,
        owner: "bench".into(),
        stream_options: StreamOptions::default(),
    });
    let s = Setup { dreams, store: store.id, db, log, agent: agent.id, fake, _dir: dir };
    // The old sessions, already read by earlier dreams.
    for i in 0..old {
        let id = session(&s, &format!("old{i:04}"));
        s.db.conn()
            .execute(
                "INSERT INTO dreamed_sessions (store_id, session_id, dream_id) VALUES (?1, ?2, 'drm_earlier')",
                [s.store.as_str(), id.as_str()],
            )
            .unwrap();
    }
    s
}

/// A finished session of the agent: a task, a few steps, an answer (about 20 events).
fn session(s: &Setup, name: &str) -> SessionId {
    let id = SessionId(format!("ses_{name}"));
    // Sessions are created one after another, as they are in use.
    let created = CREATED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    s.log
        .insert_session(&SessionRow::new(id.clone(), Some(s.agent.clone()), "coder", "task", "/tmp", None, created))
        .unwrap();
    let mut events = vec![
        EventPayload::UserMessage { text: format!("Fix issue {name} in the parser.") },
        EventPayload::StatusRunning {},
    ];
    for step in 0..6 {
        events.push(EventPayload::AgentMessage { text: format!("Step {step}: reading the parser.") });
        events.push(EventPayload::AgentToolUse {
            tool_use_id: format!("t{step}"),
            name: "read_file".into(),
            input: json!({"path": "src/parser.rs"}),
        });
        events.push(EventPayload::AgentToolResult {
            tool_use_id: format!("t{step}"),
            content: "fn parse() {}".repeat(20),
            is_error: false,
        });
    }
    events.push(EventPayload::AgentMessage { text: "Fixed; the tests pass.".into() });
    events.push(EventPayload::StatusIdle { reason: IdleReason::EndTurn });
    s.log.append(&id, &ThreadId(format!("thr_{name}")), events).unwrap();
    id
}

/// Ten new sessions, then a dream over them: (model calls, wall time).
async fn dream(s: &Setup, round: usize) -> (u32, Duration) {
    for i in 0..NEW {
        session(s, &format!("new{round}_{i}"));
    }
    let finding = Reply::new().tool_use(
        "submit_result",
        json!({"findings": [{"kind": "strategy", "text": "Read the parser first.", "evidence": []}]}),
    );
    let mut replies = vec![finding; NEW];
    replies.push(Reply::new().tool_use("submit_result", json!({"operations": [{"op": "create", "path": format!("parser-{round}.md"), "content": "# Parser\nRead it first.\n", "rationale": "Every session did."}]})));
    s.fake.push_replies("default", replies);
    let started = Instant::now();
    let input = DreamInput {
        store_id: s.store.clone(),
        sessions: vec![],
        instructions: String::new(),
        provider_id: None,
        model: None,
        mode: None,
    };
    let dream = s.dreams.start(input).await.unwrap().done.await.unwrap().unwrap();
    let elapsed = started.elapsed();
    assert_eq!((dream.status, dream.sessions.len()), (DreamStatus::Completed, NEW), "{dream:?}");
    (dream.model_calls, elapsed)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let with_history = setup(OLD).await;
        let fresh = setup(0).await;
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let (mut calls_a, mut calls_b) = (0, 0);
        for round in 0..ROUNDS {
            let (ca, ta) = dream(&with_history, round).await;
            let (cb, tb) = dream(&fresh, round).await;
            (calls_a, calls_b) = (ca, cb);
            a.push(ta);
            b.push(tb);
            if std::env::var_os("DREAM_SCALING_VERBOSE").is_some() {
                println!("  round {round}: {:.1} ms / {:.1} ms", ta.as_secs_f64() * 1e3, tb.as_secs_f64() * 1e3);
            }
        }
        a.sort();
        b.sort();
        // Finding the new sessions alone (the part that could grow with the history).
        let mut finding = Vec::new();
        for s in [&with_history, &fresh] {
            for i in 0..NEW {
                session(s, &format!("probe{}{i}", s.store.as_str()));
            }
            let t = Instant::now();
            for _ in 0..50 {
                assert_eq!(s.dreams.new_sessions(&s.store, 100).unwrap().len(), NEW);
            }
            finding.push(t.elapsed().as_secs_f64() * 1e3 / 50.0);
        }
        let (ma, mb) = (a[ROUNDS / 2], b[ROUNDS / 2]);
        println!("dream scaling: {NEW} new sessions, the fake answering at once ({ROUNDS} dreams each)");
        println!(
            "  store with {OLD} already-dreamed sessions: {calls_a} model calls, median {:.1} ms",
            ma.as_secs_f64() * 1e3
        );
        println!(
            "  store with only the {NEW} new ones:          {calls_b} model calls, median {:.1} ms",
            mb.as_secs_f64() * 1e3
        );
        println!(
            "  ratio {:.2}× wall time, {}× model calls (goal ≤ 1.1×)",
            ma.as_secs_f64() / mb.as_secs_f64(),
            calls_a / calls_b.max(1)
        );
        println!("  finding the new sessions: {:.3} ms with the history, {:.3} ms without", finding[0], finding[1]);
    });
}
