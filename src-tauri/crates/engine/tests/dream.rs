//! Dreams against the fake provider scripting the stage outputs: the proposal's hunks, partial
//! acceptance, rebasing onto an edited file, auto mode and revert, cancel, invalid output, the
//! watermark, evidence and secrets. The dream's instructions carry the `[[script:dream]]`
//! marker: they open the extract prompt and are the first marker of the consolidate request.

use std::sync::Arc;
use std::time::Duration;

use reverie_engine::clock::{ManualClock, SequentialIds};
use reverie_engine::dream::{Dreams, DreamsParts};
use reverie_engine::memory::{Actor, Change, Limits};
use reverie_engine::providers::EnvLookup;
use reverie_engine::session::EventLog;
use reverie_engine::store::events::SessionRow;
use reverie_engine::{Agents, Database, Error, Memory, Providers, Secrets};
use reverie_llm::{RetryPolicy, StreamOptions};
use reverie_protocol::{
    Agent, AgentInput, CriterionVerdict, Dream, DreamInput, DreamMode, DreamSettings, DreamStatus, EventPayload,
    FileOp, HunkDecision, IdleReason, MemoryAccess, MemoryMount, MemoryStore, MemoryStoreInput, OutcomeResult,
    ProposalStatus, ProviderInput, ProviderKind, SessionId, ThreadId, TokenUsage, Verdict,
};
use reverie_testkit::{FakeProvider, FakeProviderConfig, Reply, Script};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(30);
const SECRET: &str = "sk-ant-api03-SECRETSECRETSECRET1234";
const OLD: &str = "# Testing\n\nRun the tests with cargo test.\nUse a fresh database.\n\n## Style\nShort names.\nNo abbreviations.\nComments say why.\nKeep functions short.\nOne topic a file.\n";
const NEW: &str = "# Testing\n\nRun the tests with make test: it builds the UI first.\nUse a fresh database.\n\n## Style\nShort names.\nNo abbreviations.\nComments say why.\nKeep functions short.\nOne topic a file.\nLink the issue in every commit.\n";
const PREFS: &str = "# The user's preferences\n\n- Small commits with honest messages.\n";

struct Env {
    dreams: Arc<Dreams>,
    memory: Memory,
    log: Arc<EventLog>,
    fake: FakeProvider,
    store: MemoryStore,
    agent: Agent,
    _data: tempfile::TempDir,
}

async fn env() -> Env {
    env_with(Limits::default()).await
}

async fn env_with(limits: Limits) -> Env {
    let data = tempfile::tempdir().unwrap();
    let (db, _) = Database::open_in(data.path(), 0).unwrap();
    let db = Arc::new(db);
    let clock = Arc::new(ManualClock::new(1_000));
    let ids = Arc::new(SequentialIds::default());
    let no_env: EnvLookup = Arc::new(|_| None);
    let providers = Providers::new(db.clone(), Arc::new(Secrets::memory_only()), clock.clone(), ids.clone(), no_env);
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
    let memory = Memory::new(db.clone(), clock.clone(), ids.clone()).with_limits(limits);
    let store =
        memory.create_store(MemoryStoreInput { name: "Team notes".into(), description: String::new() }).unwrap();
    memory
        .apply(&store.id, Change::Write { path: "testing.md".into(), content: OLD.into() }, None, &Actor::User)
        .unwrap();
    let agents = Agents::new(db.clone(), clock.clone(), ids.clone());
    let agent = agents
        .create(AgentInput {
            name: "coder".into(),
            description: String::new(),
            instructions: String::new(),
            provider_id: provider.id.clone(),
            model: None,
            tools: vec![],
            max_turns: None,
            memory: vec![MemoryMount { store_id: store.id.clone(), access: MemoryAccess::ReadWrite }],
            roster: vec![],
        })
        .unwrap();
    let log = Arc::new(EventLog::new(db.clone(), clock.clone()));
    let options = StreamOptions {
        retry: RetryPolicy { max_attempts: 1, ..RetryPolicy::default() },
        idle_timeout: WAIT,
        ..StreamOptions::default()
    };
    let dreams = Dreams::new(DreamsParts {
        db,
        memory: memory.clone(),
        providers,
        agents,
        log: log.clone(),
        clock,
        ids,
        owner: "own_test".into(),
        stream_options: options,
    });
    Env { dreams, memory, log, fake, store, agent, _data: data }
}

impl Env {
    /// A finished session of the agent, from these events; returns its id and events' seqs.
    fn session(&self, id: &str, payloads: Vec<EventPayload>) -> SessionId {
        let sid = SessionId(id.into());
        self.log
            .insert_session(&SessionRow::new(
                sid.clone(),
                Some(self.agent.id.clone()),
                "coder",
                "task",
                "/tmp",
                None,
                1,
            ))
            .unwrap();
        let mut all = vec![EventPayload::StatusRunning {}];
        all.extend(payloads);
        all.push(EventPayload::StatusIdle { reason: IdleReason::EndTurn });
        self.log.append(&sid, &ThreadId(format!("thr_{id}")), all).unwrap();
        sid
    }

    fn two_sessions(&self) -> (SessionId, SessionId) {
        let verdict = |v: Verdict| {
            vec![CriterionVerdict {
                criterion_id: "tests".into(),
                verdict: v,
                evidence: "ran cargo test".into(),
                change: "Use make test".into(),
                disagreement: vec![],
            }]
        };
        let usage = TokenUsage::default();
        let a = self.session(
            "ses_a",
            vec![
                EventPayload::UserMessage { text: "Fix the failing build.".into() },
                EventPayload::AgentMessage { text: "I ran cargo test and it passed.".into() },
                EventPayload::OutcomeEvaluationEnd {
                    iteration: 0,
                    result: OutcomeResult::NeedsRevision,
                    verdicts: verdict(Verdict::NotMet),
                    reason: None,
                    usage,
                    cost_usd: None,
                    duration_ms: 1,
                },
                EventPayload::AgentMessage { text: "Now make test passes too; it builds the UI first.".into() },
                EventPayload::OutcomeEvaluationEnd {
                    iteration: 1,
                    result: OutcomeResult::Satisfied,
                    verdicts: verdict(Verdict::Met),
                    reason: None,
                    usage,
                    cost_usd: None,
                    duration_ms: 1,
                },
            ],
        );
        let b = self.session(
            "ses_b",
            vec![
                EventPayload::UserMessage { text: "Commit it. Keep commits small, please.".into() },
                EventPayload::AgentToolResult {
                    tool_use_id: "t1".into(),
                    content: format!("ANTHROPIC_API_KEY={SECRET}"),
                    is_error: false,
                },
                EventPayload::AgentMessage { text: "Committed in two small commits.".into() },
            ],
        );
        (a, b)
    }

    fn input(&self, mode: DreamMode) -> DreamInput {
        DreamInput {
            store_id: self.store.id.clone(),
            sessions: vec![],
            instructions: "[[script:dream]] Focus on testing.".into(),
            provider_id: None,
            model: None,
            mode: Some(mode),
        }
    }

    async fn dream(&self, mode: DreamMode) -> Dream {
        let started = self.dreams.start(self.input(mode)).await.unwrap();
        tokio::time::timeout(WAIT, started.done).await.unwrap().unwrap().unwrap()
    }

    fn bodies(&self) -> Vec<String> {
        self.fake
            .requests_for("dream")
            .iter()
            .filter(|r| r.method == "POST")
            .map(|r| r.body.as_ref().unwrap().to_string())
            .collect()
    }

    fn content(&self, path: &str) -> Option<String> {
        self.memory.read(&self.store.id, path).ok().map(|f| f.content)
    }
}

fn submit(value: Value) -> Reply {
    Reply::new().tool_use("submit_result", value)
}

/// Stage outputs: two extractions (seq numbers: status_running is 1, so ses_a's agent message
/// "I ran cargo test" is 3, its first evaluation 4; ses_b's user message is 2), then the
/// consolidation.
fn script(e: &Env) {
    e.fake.push_replies(
        "dream",
        [
            submit(json!({"findings": [
                {"kind": "lesson", "text": "Run make test, not cargo test: it builds the UI.", "evidence": [{"seq": 4, "quote": "tests not_met"}, {"seq": 3, "quote": "this quote is made up"}]}
            ]})),
            submit(json!({"findings": [
                {"kind": "preference", "text": "The user wants small commits.", "evidence": [{"seq": 2, "quote": "Keep commits small"}]}
            ]})),
            submit(json!({"operations": [
                {"op": "update", "path": "testing.md", "content": NEW, "rationale": "The grader wanted make test.", "evidence": [{"session_id": "ses_a", "seq": 4, "quote": "tests not_met"}, {"session_id": "ses_a", "seq": 99, "quote": "nothing"}]},
                {"op": "create", "path": "preferences.md", "content": PREFS, "rationale": "The user asked for small commits.", "evidence": [{"session_id": "ses_b", "seq": 2, "quote": "keep commits small"}]},
                {"op": "create", "path": "../escape.md", "content": "x", "rationale": "no"},
                {"op": "create", "path": "big.md", "content": "y".repeat(150_000), "rationale": "too big"}
            ]})),
        ],
    );
}

#[tokio::test]
async fn a_dream_over_two_sessions_proposes_the_expected_hunks_with_real_evidence_and_no_secret() {
    let e = env().await;
    e.two_sessions();
    script(&e);
    let dream = e.dream(DreamMode::Review).await;
    assert_eq!(
        (dream.status, dream.processed, dream.model_calls, dream.proposal),
        (DreamStatus::Completed, 2, 3, Some(ProposalStatus::Ready)),
        "{dream:?}"
    );
    let p = e.dreams.proposal(&dream.id).unwrap();
    assert_eq!(
        p.files.iter().map(|f| (f.op, f.path.as_str(), f.hunks.len())).collect::<Vec<_>>(),
        [(FileOp::Update, "testing.md", 2), (FileOp::Create, "preferences.md", 1)]
    );
    let hunk = |i: usize| {
        p.files[0].hunks[i]
            .hunk
            .lines
            .iter()
            .filter(|l| l.kind != reverie_protocol::DiffLineKind::Context)
            .map(|l| format!("{:?} {}", l.kind, l.text))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        hunk(0),
        ["Removed Run the tests with cargo test.", "Added Run the tests with make test: it builds the UI first."]
    );
    assert_eq!(hunk(1), ["Added Link the issue in every commit."]);
    assert!(p.files.iter().all(|f| f.hunks.iter().all(|h| h.decision == HunkDecision::Pending)));
    assert_eq!(p.dropped.len(), 2, "{:?}", p.dropped);
    assert_eq!(p.dropped[0], "“../escape.md” is not a memory path: “..” and “.” are not allowed. It was left out.");
    assert!(p.dropped[1].contains("over the 100 kB"), "{:?}", p.dropped);
    // Evidence points at real events: the made-up quote and the missing seq are gone.
    assert_eq!(p.files[0].evidence.len(), 1);
    let cited = &p.files[0].evidence[0];
    let event = e.log.read(&cited.session_id, cited.seq - 1, 1).unwrap().remove(0);
    assert!(
        matches!(event.payload, EventPayload::OutcomeEvaluationEnd { result: OutcomeResult::NeedsRevision, .. }),
        "{event:?}"
    );
    // The secret went to no model and into no proposal.
    assert!(e.bodies().iter().all(|b| !b.contains(SECRET)) && e.bodies()[1].contains("[REDACTED]"));
    assert!(!serde_json::to_string(&p).unwrap().contains(SECRET));
    // Nothing was written yet.
    assert_eq!(e.content("testing.md").as_deref(), Some(OLD));
    assert_eq!(e.content("preferences.md"), None);

    // No new session since: the next dream is refused before any model call.
    let calls = e.bodies().len();
    let err = e.dreams.start(e.input(DreamMode::Review)).await.err().unwrap();
    assert!(
        matches!(&err, Error::Invalid { field: "sessions", message } if message.starts_with("Nothing new to dream about")),
        "{err:?}"
    );
    assert_eq!(e.bodies().len(), calls);
}

#[tokio::test]
async fn only_accepted_hunks_are_applied_as_versions_of_the_dream() {
    let e = env().await;
    e.two_sessions();
    script(&e);
    let dream = e.dream(DreamMode::Review).await;
    e.dreams.decide(&dream.id, &["0.0".into(), "1.0".into()], HunkDecision::Accepted, None).unwrap();
    e.dreams.decide(&dream.id, &["0.1".into()], HunkDecision::Rejected, None).unwrap();
    let (p, report) = e.dreams.apply(&dream.id).unwrap();
    assert_eq!((p.status, report.versions.len(), report.conflicts.len()), (ProposalStatus::Applied, 2, 0));
    let testing = e.content("testing.md").unwrap();
    assert!(testing.contains("make test: it builds the UI first") && !testing.contains("Link the issue"), "{testing}");
    assert_eq!(e.content("preferences.md").as_deref(), Some(PREFS));
    let history = e.memory.history(&e.store.id, "testing.md").unwrap();
    assert_eq!(history[0].actor, format!("dream:{}", dream.id.as_str()));
    let decisions: Vec<HunkDecision> = p.files.iter().flat_map(|f| f.hunks.iter().map(|h| h.decision)).collect();
    assert_eq!(decisions, [HunkDecision::Applied, HunkDecision::Rejected, HunkDecision::Applied]);
    assert!(e.dreams.apply(&dream.id).is_err(), "applied once");
}

#[tokio::test]
async fn a_file_edited_since_takes_the_hunks_that_still_apply_and_flags_the_others() {
    let e = env().await;
    e.two_sessions();
    script(&e);
    let dream = e.dream(DreamMode::Review).await;
    // The user edits the file: the title, and the line the second hunk sits after.
    let edited = OLD.replace("# Testing", "# Testing notes").replace("One topic a file.", "One topic per file.");
    e.memory
        .apply(&e.store.id, Change::Write { path: "testing.md".into(), content: edited.clone() }, None, &Actor::User)
        .unwrap();
    e.dreams.decide(&dream.id, &["0.0".into(), "0.1".into()], HunkDecision::Accepted, None).unwrap();
    let (p, report) = e.dreams.apply(&dream.id).unwrap();
    assert_eq!(report.conflicts, ["0.1"]);
    let testing = e.content("testing.md").unwrap();
    assert_eq!(
        testing,
        edited.replace("Run the tests with cargo test.", "Run the tests with make test: it builds the UI first."),
        "the clean hunk rebased, the user's edits kept"
    );
    let conflict = &p.files[0].hunks[1];
    assert_eq!(conflict.decision, HunkDecision::Conflict);
    assert!(conflict.theirs.as_deref().unwrap_or_default().contains("One topic per file."), "{conflict:?}");
}

#[tokio::test]
async fn auto_mode_applies_at_once_and_revert_restores_the_exact_contents() {
    let e = env().await;
    e.two_sessions();
    script(&e);
    let dream = e.dream(DreamMode::Auto).await;
    assert_eq!(dream.proposal, Some(ProposalStatus::Applied));
    assert_eq!(e.content("testing.md").as_deref(), Some(NEW));
    assert_eq!(e.content("preferences.md").as_deref(), Some(PREFS));
    let (p, report) = e.dreams.revert(&dream.id).unwrap();
    assert_eq!((p.status, report.conflicts.len()), (ProposalStatus::Reverted, 0));
    assert_eq!(e.content("testing.md").as_deref(), Some(OLD), "byte for byte");
    assert_eq!(e.content("preferences.md"), None);
    assert_eq!(
        e.memory.history(&e.store.id, "testing.md").unwrap().len(),
        3,
        "written, then restored as a new version"
    );
}

#[tokio::test]
async fn cancel_leaves_the_store_untouched_and_the_sessions_for_the_next_dream() {
    let e = env().await;
    e.two_sessions();
    e.fake.push_replies("dream", [submit(json!({"findings": []})).delay_ms(60_000)]);
    let mut updates = e.dreams.subscribe();
    let started = e.dreams.start(e.input(DreamMode::Auto)).await.unwrap();
    // Running: its first request is at the provider.
    tokio::time::timeout(WAIT, async {
        while e.bodies().is_empty() {
            tokio::task::yield_now().await;
        }
    })
    .await
    .unwrap();
    assert_eq!(updates.recv().await.unwrap().status, DreamStatus::Running);
    e.dreams.cancel(&started.dream.id).unwrap();
    let dream = tokio::time::timeout(WAIT, started.done).await.unwrap().unwrap().unwrap();
    assert_eq!((dream.status, dream.proposal), (DreamStatus::Canceled, None));
    assert_eq!(e.content("testing.md").as_deref(), Some(OLD));
    assert_eq!(e.dreams.new_sessions(&e.store.id, 10).unwrap().len(), 2, "not marked as dreamed");
}

#[tokio::test]
async fn output_that_stays_invalid_fails_the_dream_clearly_and_writes_nothing() {
    let e = env().await;
    e.two_sessions();
    e.fake.push_replies("dream", [submit(json!({"findings": "none"})), submit(json!({"lessons": []}))]);
    let dream = e.dream(DreamMode::Auto).await;
    assert_eq!(dream.status, DreamStatus::Failed);
    let error = dream.error.unwrap();
    assert!(
        error.starts_with("The model's extract output did not match what a dream needs, twice")
            && error.ends_with("Nothing was written to memory."),
        "{error}"
    );
    assert!(e.bodies()[1].contains("Your result was not accepted"), "retried once with the error");
    assert_eq!(e.content("testing.md").as_deref(), Some(OLD));
    assert_eq!(e.dreams.new_sessions(&e.store.id, 10).unwrap().len(), 2);
}

#[tokio::test]
async fn a_model_error_in_a_stage_fails_the_dream_in_one_sentence_and_writes_nothing() {
    let e = env().await;
    e.two_sessions();
    e.fake.push_replies("dream", [reverie_testkit::Reply::new().fault(reverie_testkit::Fault::http(401))]);
    let dream = e.dream(DreamMode::Auto).await;
    assert_eq!(dream.status, DreamStatus::Failed);
    let error = dream.error.unwrap();
    assert!(error.starts_with("The extract stage failed: ") && error.ends_with(". Nothing was written to memory."));
    assert!(!error.contains(".."), "the model error's own full stop is not doubled: {error}");
    assert_eq!(e.content("testing.md").as_deref(), Some(OLD));
}

#[tokio::test]
async fn one_dream_at_a_time_per_store_and_orphans_fail_at_the_next_start() {
    let e = env().await;
    e.two_sessions();
    e.fake.push_replies("dream", [submit(json!({"findings": []})).delay_ms(60_000)]);
    let first = e.dreams.start(e.input(DreamMode::Review)).await.unwrap();
    let err = e.dreams.start(e.input(DreamMode::Review)).await.err().unwrap();
    assert!(matches!(&err, Error::Conflict { message, .. } if message.contains("already dreaming")), "{err:?}");
    // A process that died mid-dream: the dream fails, nothing half-applied.
    let failed = e.dreams.recover(&|_| false).unwrap();
    assert_eq!(failed, std::slice::from_ref(&first.dream.id));
    let dream = e.dreams.get(&first.dream.id).unwrap();
    assert!(dream.error.unwrap().contains("Nothing was written to memory"));
    e.dreams.cancel(&first.dream.id).unwrap();
    let _ = tokio::time::timeout(WAIT, first.done).await;
    assert_eq!(e.content("testing.md").as_deref(), Some(OLD));
}

#[tokio::test]
async fn a_store_dreams_at_its_daily_or_cron_time_or_after_enough_new_sessions() {
    use chrono::{TimeZone, Utc};
    let e = env().await;
    // 2026-11-26 is a Thursday; the store's last dream started at 1 s after the epoch (never).
    let at = |h: u32, m: u32| Utc.with_ymd_and_hms(2026, 11, 26, h, m, 0).unwrap();
    let settings = |daily_at: Option<&str>, cron: Option<&str>, after: Option<u32>| DreamSettings {
        mode: DreamMode::Auto,
        daily_at: daily_at.map(Into::into),
        cron: cron.map(Into::into),
        after_sessions: after,
    };
    assert!(!e.dreams.scheduled().unwrap());
    assert!(e.dreams.due(at(12, 0)).unwrap().is_empty(), "no settings, no schedule");
    for (bad, field) in [
        (settings(Some("25:00"), None, None), "daily_at"),
        (settings(None, Some("every day"), None), "cron"),
        (settings(None, None, Some(0)), "after_sessions"),
    ] {
        let err = e.dreams.set_settings(&e.store.id, bad).unwrap_err();
        assert!(matches!(&err, Error::Invalid { field: f, .. } if *f == field), "{err:?}");
    }
    e.dreams.set_settings(&e.store.id, settings(Some("03:30"), None, None)).unwrap();
    assert!(e.dreams.scheduled().unwrap());
    assert!(e.dreams.due(at(3, 31)).unwrap().is_empty(), "nothing new to read");
    e.two_sessions();
    assert!(e.dreams.due(at(3, 29)).unwrap().is_empty(), "not yet");
    assert_eq!(e.dreams.due(at(3, 31)).unwrap(), [(e.store.id.clone(), DreamMode::Auto)]);
    // Saturdays at 18:15, by cron. A time missed by more than two days is not caught up.
    e.dreams.set_settings(&e.store.id, settings(None, Some("15 18 * * 6"), None)).unwrap();
    assert!(e.dreams.due(at(18, 16)).unwrap().is_empty(), "Thursday; last Saturday is long gone");
    let saturday = |h: u32, m: u32| Utc.with_ymd_and_hms(2026, 11, 28, h, m, 0).unwrap();
    assert!(e.dreams.due(saturday(18, 14)).unwrap().is_empty());
    assert_eq!(e.dreams.due(saturday(18, 16)).unwrap().len(), 1);
    assert_eq!(e.dreams.due(saturday(23, 0)).unwrap().len(), 1, "still due: no dream since");
    e.dreams.set_settings(&e.store.id, settings(None, None, Some(3))).unwrap();
    assert!(e.dreams.due(at(12, 0)).unwrap().is_empty(), "two new sessions, three wanted");
    e.session("ses_c", vec![EventPayload::UserMessage { text: "One more.".into() }]);
    assert_eq!(e.dreams.due(at(12, 0)).unwrap(), [(e.store.id.clone(), DreamMode::Auto)]);
}

#[tokio::test]
async fn a_store_at_its_file_limit_gets_no_new_file_and_says_so() {
    let e = env_with(Limits { files: 1, ..Limits::default() }).await;
    e.two_sessions();
    script(&e);
    let dream = e.dream(DreamMode::Review).await;
    let p = e.dreams.proposal(&dream.id).unwrap();
    assert_eq!(
        p.files.iter().map(|f| f.path.as_str()).collect::<Vec<_>>(),
        ["testing.md"],
        "the update stays, the new file goes"
    );
    assert!(
        p.dropped.iter().any(|d| d.starts_with("preferences.md: the store is at its limit of 1 file(s)")),
        "{:?}",
        p.dropped
    );
}

#[tokio::test]
async fn a_proposal_ready_for_review_is_announced_once_with_its_store_and_a_failed_dream_not_at_all() {
    let e = env().await;
    let mut ready = e.dreams.ready_proposals();
    e.two_sessions();
    e.fake.push_replies("dream", [submit(json!({"findings": "none"})), submit(json!({"lessons": []}))]);
    assert_eq!(e.dream(DreamMode::Review).await.status, DreamStatus::Failed);
    script(&e);
    let dream = e.dream(DreamMode::Review).await;
    let announced = tokio::time::timeout(WAIT, ready.next()).await.unwrap().expect("the proposal is announced");
    assert_eq!((announced.dream.id, announced.store_name.as_str()), (dream.id.clone(), "Team notes"));
    // Deciding and applying it are updates too, but not a second announcement.
    e.dreams.decide(&dream.id, &["0.0".into()], HunkDecision::Accepted, None).unwrap();
    e.dreams.apply(&dream.id).unwrap();
    let Env { dreams, .. } = e;
    drop(dreams);
    assert!(
        tokio::time::timeout(WAIT, ready.next()).await.unwrap().is_none(),
        "nothing else was ready, and the stream ends with the service"
    );
}
