//! Runs from saved agents, as the app and the CLI start them: validation of what the user
//! typed, live text deltas, totals, approvals, cancel, a provider that can't be used, and
//! resuming after a crash or with a follow-up message; a model given in the run's options.

use std::sync::Arc;
use std::time::Duration;

use reverie_engine::clock::{ManualClock, SequentialIds};
use reverie_engine::outcome::Rubrics;
use reverie_engine::providers::EnvLookup;
use reverie_engine::session::thread_loop::INTERRUPTED_RESULT;
use reverie_engine::session::{EventLog, Owner, RunOptions, Sessions, SessionsParts, Started};
use reverie_engine::store::events::SessionRow;
use reverie_engine::{Agents, Database, Error, Memory, Providers, Secrets};
use reverie_llm::{RetryPolicy, StreamOptions};
use reverie_protocol::{
    Agent, AgentInput, ErrorCode, EventPayload, IdleReason, Permission, ProviderInput, ProviderKind, RunInput,
    SessionEvent, SessionId, SessionStatus, StreamItem, ThreadId, ToolRule,
};
use reverie_testkit::{FakeProvider, FakeProviderConfig, Fault, Reply, Script, StepModel, Usage};
use serde_json::json;

pub const WAIT: Duration = Duration::from_secs(30);
const KINDS: [ProviderKind; 2] = [ProviderKind::Anthropic, ProviderKind::OpenaiCompatible];

/// A data folder, the fake provider, one agent on it and [`Sessions`] over them (outcome tests share it).
pub struct Env {
    pub sessions: Arc<Sessions>,
    pub agents: Agents,
    pub providers: Providers,
    pub rubrics: Rubrics,
    pub log: Arc<EventLog>,
    pub db: Arc<Database>,
    pub memory: Memory,
    pub stream_options: StreamOptions,
    pub fake: FakeProvider,
    pub agent: Agent,
    pub workspace: tempfile::TempDir,
    _data: tempfile::TempDir,
}

async fn env(kind: ProviderKind, replies: Vec<Reply>) -> Env {
    env_with(kind, replies, Some("sk-test-good"), vec![]).await
}

pub async fn env_with(kind: ProviderKind, replies: Vec<Reply>, key: Option<&str>, tools: Vec<ToolRule>) -> Env {
    let data = tempfile::tempdir().unwrap();
    let (db, _) = Database::open_in(data.path(), 0).unwrap();
    let db = Arc::new(db);
    let clock = Arc::new(ManualClock::new(1_000));
    let no_env: EnvLookup = Arc::new(|_| None);
    let setup_ids = Arc::new(SequentialIds::default());
    let providers =
        Providers::new(db.clone(), Arc::new(Secrets::memory_only()), clock.clone(), setup_ids.clone(), no_env);
    let agents = Agents::new(db.clone(), clock.clone(), setup_ids.clone());
    let fake =
        FakeProvider::start_with_script(FakeProviderConfig::default(), Script::from_replies(replies)).await.unwrap();
    let base_url = match kind {
        ProviderKind::Anthropic => fake.base_url(),
        ProviderKind::OpenaiCompatible => fake.openai_base_url(),
    };
    let provider = providers
        .create(ProviderInput {
            name: "Fake".into(),
            kind,
            base_url,
            model: "fake-model".into(),
            api_key: key.map(Into::into),
        })
        .unwrap();
    let agent = agents.create(agent_input("coder", &provider.id.0, tools)).unwrap();
    let memory = Memory::new(db.clone(), clock.clone(), setup_ids.clone());
    let rubrics = Rubrics::new(db.clone(), clock.clone(), setup_ids.clone());
    let log = Arc::new(EventLog::new(db.clone(), clock));
    let options = StreamOptions {
        retry: RetryPolicy {
            max_attempts: 2,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
        },
        idle_timeout: Duration::from_secs(60),
        ..StreamOptions::default()
    };
    // Its own id sequence, so the first session is `ses_1` and its thread `thr_2`.
    let sessions = Sessions::new(SessionsParts {
        log: log.clone(),
        agents: agents.clone(),
        providers: providers.clone(),
        memory: memory.clone(),
        rubrics: rubrics.clone(),
        ids: Arc::new(SequentialIds::default()),
        owner: Owner::in_process(&*setup_ids),
        stream_options: options,
    });
    Env {
        sessions,
        agents,
        providers,
        rubrics,
        log,
        db,
        memory,
        stream_options: options,
        fake,
        agent,
        workspace: tempfile::tempdir().unwrap(),
        _data: data,
    }
}

fn agent_input(name: &str, provider: &str, tools: Vec<ToolRule>) -> AgentInput {
    AgentInput {
        name: name.into(),
        description: "Edits notes".into(),
        instructions: "You tidy up notes. [[script:default]]".into(),
        provider_id: reverie_protocol::ProviderId(provider.into()),
        model: None,
        tools,
        max_turns: None,
        memory: vec![],
        roster: vec![],
    }
}

impl Env {
    /// Another process over the same data folder (its own owner and ids), as when the CLI
    /// runs beside the app, or a process that is about to die.
    pub fn process(&self) -> Arc<Sessions> {
        Sessions::new(SessionsParts {
            log: self.log.clone(),
            agents: self.agents.clone(),
            providers: self.providers.clone(),
            memory: self.memory.clone(),
            rubrics: self.rubrics.clone(),
            ids: Arc::new(reverie_engine::UuidIds),
            owner: Owner::in_process(&SequentialIds::default()),
            stream_options: self.stream_options,
        })
    }

    pub fn input(&self, task: &str) -> RunInput {
        RunInput {
            agent_id: self.agent.id.clone(),
            workspace: self.workspace.path().display().to_string(),
            task: task.into(),
            max_threads: None,
            outcome: None,
            allow_home: None,
        }
    }

    pub async fn start(&self, task: &str) -> Started {
        self.sessions.start(self.input(task), RunOptions::default()).await.unwrap()
    }

    pub fn events(&self, id: &SessionId) -> Vec<SessionEvent> {
        self.log.read(id, 0, 10_000).unwrap()
    }

    pub fn payloads(&self, id: &SessionId) -> Vec<EventPayload> {
        self.events(id).into_iter().map(|e| e.payload).collect()
    }

    fn error_of(&self, id: &SessionId) -> reverie_protocol::AppError {
        self.payloads(id)
            .into_iter()
            .find_map(|p| match p {
                EventPayload::Error { error } => Some(error),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no session.error in {:#?}", self.payloads(id)))
    }

    pub fn request_body(&self, n: usize) -> String {
        let requests: Vec<_> = self.fake.requests().into_iter().filter(|r| r.method == "POST").collect();
        requests[n - 1].body.as_ref().unwrap().to_string()
    }
}

pub async fn finish(started: Started) -> reverie_engine::session::thread_loop::RunOutcome {
    tokio::time::timeout(WAIT, started.done).await.expect("the run finished").unwrap().unwrap()
}

pub async fn wait_for(
    log: &Arc<EventLog>,
    id: &SessionId,
    mut pick: impl FnMut(&EventPayload) -> bool,
) -> SessionEvent {
    let mut sub = log.subscribe(id, 0);
    tokio::time::timeout(WAIT, async {
        loop {
            let event = sub.next().await.unwrap();
            if pick(&event.payload) {
                return event;
            }
        }
    })
    .await
    .expect("the event arrived")
}

#[tokio::test]
async fn a_run_streams_its_text_live_writes_the_file_and_keeps_totals() {
    for kind in KINDS {
        let e = env(
            kind,
            vec![
                Reply::new()
                    .text_chunks("Let me write the summary.", 4)
                    .tool_use("write_file", json!({"path": "SUMMARY.md", "content": "# Summary\n"}))
                    .usage(Usage::new(100, 20)),
                Reply::new().text_chunks("Done: SUMMARY.md is written.", 3).usage(Usage::new(150, 10)),
            ],
        )
        .await;
        // Watch live from before the run exists: the first session of this Sessions is `ses_1`.
        // Deltas arrive before the message that holds them whole, and add up to it.
        let mut sub = e.log.subscribe(&SessionId("ses_1".into()), 0);
        let watcher = tokio::spawn(async move {
            let (mut streamed, mut deltas, mut messages) = (String::new(), 0, Vec::new());
            loop {
                match sub.next_item().await.unwrap() {
                    StreamItem::TextDelta { text, thread_id } => {
                        assert_eq!(thread_id.as_str(), "thr_2");
                        streamed.push_str(&text);
                        deltas += 1;
                    }
                    StreamItem::Event { event } => match event.payload {
                        EventPayload::AgentMessage { text } => {
                            assert_eq!(std::mem::take(&mut streamed), text, "the deltas add up to the message");
                            messages.push(text);
                        }
                        EventPayload::StatusIdle { .. } => return (deltas, messages),
                        _ => {}
                    },
                }
            }
        });
        let started = e.start("  Summarize the notes.  ").await;
        assert_eq!(started.summary.id.as_str(), "ses_1");
        assert_eq!(started.summary.status, SessionStatus::Running);
        assert_eq!(started.summary.agent_name, "coder");
        let outcome = finish(started).await;
        assert_eq!(outcome.reason, IdleReason::EndTurn, "{kind:?}");
        let (deltas, messages) = tokio::time::timeout(WAIT, watcher).await.unwrap().unwrap();
        assert_eq!(messages, ["Let me write the summary.", "Done: SUMMARY.md is written."]);
        assert!(deltas >= 7, "{kind:?}: the text streamed in several deltas ({deltas})");
        assert_eq!(std::fs::read_to_string(e.workspace.path().join("SUMMARY.md")).unwrap(), "# Summary\n");

        let summary = e.sessions.get(&SessionId("ses_1".into())).await.unwrap();
        assert_eq!(summary.status, SessionStatus::Idle);
        assert_eq!(summary.stop_reason, Some(IdleReason::EndTurn));
        assert_eq!(summary.turns, 2);
        assert_eq!((summary.usage.input_tokens, summary.usage.output_tokens), (250, 30));
        assert_eq!(summary.task_preview, "Summarize the notes.", "the task is trimmed");
        assert_eq!(e.sessions.list().await.unwrap().len(), 1);
        let body = e.request_body(1);
        assert!(
            body.contains("You tidy up notes.")
                && body.contains(&e.workspace.path().canonicalize().unwrap().display().to_string()),
            "{body}"
        );
    }
}

#[tokio::test]
async fn each_request_records_the_cache_reads_its_breakpoints_earned_and_the_totals_add_them() {
    let read = || Reply::new().text("Reading.").tool_use("read_file", json!({"path": "notes.md"}));
    let e = env(ProviderKind::Anthropic, vec![read(), read(), read(), Reply::new().text("Done.")]).await;
    e.fake.set_prompt_cache(true);
    std::fs::write(e.workspace.path().join("notes.md"), "A line of notes.\n".repeat(300)).unwrap();
    let started = e.start("Read notes.md three times.").await;
    let id = started.summary.id.clone();
    assert_eq!(finish(started).await.reason, IdleReason::EndTurn);
    let usages: Vec<_> = e
        .payloads(&id)
        .into_iter()
        .filter_map(|p| match p {
            EventPayload::ModelRequestEnd { usage, .. } => Some(usage),
            _ => None,
        })
        .collect();
    assert_eq!(usages.len(), 4);
    assert!(usages[0].cache_write_tokens > 0 && usages[0].cache_read_tokens == 0, "{usages:?}");
    for pair in usages.windows(2) {
        // The previous request's whole prefix is read back: its last message kept a breakpoint.
        assert_eq!(pair[1].cache_read_tokens, pair[0].cache_read_tokens + pair[0].cache_write_tokens, "{usages:?}");
    }
    let summary = e.sessions.get(&id).await.unwrap();
    assert_eq!(summary.usage.cache_read_tokens, usages.iter().map(|u| u.cache_read_tokens).sum::<u64>());
    assert_eq!(summary.usage.cache_write_tokens, usages.iter().map(|u| u.cache_write_tokens).sum::<u64>());
}

#[tokio::test]
async fn bad_input_is_refused_with_the_field_and_nothing_is_recorded() {
    let e = env(ProviderKind::Anthropic, vec![]).await;
    let file = e.workspace.path().join("notes.txt");
    std::fs::write(&file, "x").unwrap();
    let ws = e.workspace.path().display().to_string();
    let cases = [
        (RunInput { workspace: "/definitely/missing/folder".into(), ..e.input("t") }, "workspace", "does not exist"),
        (RunInput { workspace: file.display().to_string(), ..e.input("t") }, "workspace", "is a file"),
        (RunInput { workspace: "relative/dir".into(), ..e.input("t") }, "workspace", "full path"),
        (RunInput { workspace: "  ".into(), ..e.input("t") }, "workspace", "Choose the folder"),
        (e.input("   "), "task", "Describe the task"),
        (e.input(&"x".repeat(1024 * 1024)), "task", "The task is 1.0 MB"),
        (
            RunInput { agent_id: reverie_protocol::AgentId("agt_gone".into()), ..e.input("t") },
            "agent_id",
            "no longer exists",
        ),
    ];
    for (input, field, words) in cases {
        match e.sessions.start(input, RunOptions::default()).await {
            Err(Error::Invalid { field: f, message }) => {
                assert_eq!(f, field);
                assert!(message.contains(words), "{message}");
            }
            Err(other) => panic!("expected a field error, got {other}"),
            Ok(s) => panic!("started {:?}", s.summary),
        }
    }
    assert!(e.sessions.list().await.unwrap().is_empty(), "nothing was recorded");
    assert!(e.fake.requests().is_empty(), "no request reached the provider");
    assert!(ws.starts_with('/'));
}

#[tokio::test]
async fn a_provider_without_a_key_ends_the_session_at_once_with_what_to_do() {
    let e = env_with(ProviderKind::Anthropic, vec![], None, vec![]).await;
    let started = e.start("Do it").await;
    let id = started.summary.id.clone();
    assert_eq!(finish(started).await.reason, IdleReason::Error);
    let error = e.error_of(&id);
    assert_eq!(error.code, ErrorCode::Auth);
    assert!(error.message.contains("No API key is set for the provider “Fake”"), "{}", error.message);
    let names: Vec<&str> = e.payloads(&id).iter().map(EventPayload::name).collect();
    assert_eq!(names, ["user.message", "session.status_running", "session.error", "session.status_idle"]);
    assert!(e.fake.requests().is_empty());

    // With a key added, the same session goes on from its log: the task is sent, not repeated.
    let p = e.providers.get(&e.agent.provider_id).unwrap();
    let with_key = ProviderInput {
        name: p.name,
        kind: p.kind,
        base_url: p.base_url,
        model: p.model,
        api_key: Some("sk-test-good".into()),
    };
    e.providers.update(&p.id, with_key).unwrap();
    e.fake.push_reply("default", Reply::new().text("Done now."));
    let started = e.sessions.continue_run(&id, None, RunOptions::default()).await.unwrap();
    assert_eq!(finish(started).await.reason, IdleReason::EndTurn);
    assert!(e.request_body(1).contains("Do it"));
    let names: Vec<&str> = e.payloads(&id).iter().map(EventPayload::name).collect();
    assert_eq!(names.iter().filter(|n| **n == "user.message").count(), 1, "{names:?}");
}

#[tokio::test]
async fn a_run_given_a_model_still_checks_its_provider_and_sends_that_model_every_request() {
    let e = env_with(ProviderKind::Anthropic, vec![], None, vec![]).await;
    let model = StepModel::new();
    let options = RunOptions { model: Some(model.as_model()), ..RunOptions::default() };
    let started = e.sessions.start(e.input("Do it"), options.clone()).await.unwrap();
    let id = started.summary.id.clone();
    assert_eq!(finish(started).await.reason, IdleReason::Error);
    assert!(e.error_of(&id).message.contains("No API key is set for the provider “Fake”"));
    assert!(model.requests().is_empty(), "a provider without a key fails as it does without the model");

    let p = e.providers.get(&e.agent.provider_id).unwrap();
    e.providers
        .update(
            &p.id,
            ProviderInput {
                name: p.name,
                kind: p.kind,
                base_url: p.base_url,
                model: p.model,
                api_key: Some("sk-test-good".into()),
            },
        )
        .unwrap();
    let started = e.sessions.continue_run(&id, None, options).await.unwrap();
    let ask = model.next_request().await;
    assert!(ask.mentions("Do it") && ask.system().contains("You tidy up notes."));
    ask.reply_text("Done now.");
    assert_eq!(finish(started).await.reason, IdleReason::EndTurn);
    assert!(e.payloads(&id).contains(&EventPayload::ModelRequestStart { model: "step-model".into() }));
    assert!(e.fake.requests().is_empty(), "nothing went to the provider");
}

#[tokio::test]
async fn a_wrong_key_an_unknown_model_and_an_unreachable_host_each_end_with_a_clear_error() {
    for kind in KINDS {
        // Wrong key: the provider answers 401.
        let e = env_with(kind, vec![Reply::new().text("never")], Some("sk-wrong"), vec![]).await;
        let started = e.start("Do it").await;
        let id = started.summary.id.clone();
        assert_eq!(finish(started).await.reason, IdleReason::Error);
        assert_eq!(e.error_of(&id).code, ErrorCode::Auth, "{kind:?}: {}", e.error_of(&id).message);
        assert_eq!(e.events(&id).first().map(|ev| ev.payload.name()), Some("user.message"), "the task is kept");

        let e = env(kind, vec![]).await;
        // Unknown model: the agent asks for a model the provider doesn't serve.
        let mut input = agent_input("other", &e.agent.provider_id.0, vec![]);
        input.model = Some("no-such-model".into());
        let other = e.agents.create(input).unwrap();
        let started = e
            .sessions
            .start(RunInput { agent_id: other.id.clone(), ..e.input("Do it") }, RunOptions::default())
            .await
            .unwrap();
        let id = started.summary.id.clone();
        finish(started).await;
        let error = e.error_of(&id);
        assert_eq!(error.code, ErrorCode::ModelNotFound, "{kind:?}: {}", error.message);
        assert!(error.message.contains("no-such-model"), "{}", error.message);

        // Unreachable host.
        let provider = e.providers.get(&e.agent.provider_id).unwrap();
        let unreachable = match kind {
            ProviderKind::Anthropic => "http://127.0.0.1:9".to_owned(),
            ProviderKind::OpenaiCompatible => "http://127.0.0.1:9/v1".to_owned(),
        };
        e.providers
            .update(
                &provider.id,
                ProviderInput {
                    name: provider.name,
                    kind,
                    base_url: unreachable,
                    model: provider.model,
                    api_key: None,
                },
            )
            .unwrap();
        let started = e.start("Do it").await;
        let id = started.summary.id.clone();
        finish(started).await;
        assert_eq!(e.error_of(&id).code, ErrorCode::Network, "{kind:?}: {}", e.error_of(&id).message);
    }
}

#[tokio::test]
async fn approvals_are_answered_through_runs_and_cancel_stops_a_stalled_stream() {
    let ask = vec![ToolRule { tool: "run_command".into(), permission: Permission::Ask }];
    let e = env_with(
        ProviderKind::Anthropic,
        vec![
            Reply::new().tool_use("run_command", json!({"command": "echo approved-and-ran"})),
            Reply::new().text("It printed."),
        ],
        Some("sk-test-good"),
        ask,
    )
    .await;
    let started = e.start("Run echo").await;
    let id = started.summary.id.clone();
    let request = wait_for(&e.log, &id, |p| matches!(p, EventPayload::ApprovalRequested { .. })).await;
    let EventPayload::ApprovalRequested { tool_use_id, working_directory, .. } = request.payload else {
        unreachable!()
    };
    assert_eq!(working_directory, e.workspace.path().canonicalize().unwrap().display().to_string());
    assert_eq!(e.sessions.pending_approvals(&id), std::slice::from_ref(&tool_use_id));
    assert!(matches!(e.sessions.answer(&id, "toolu_other", true), Err(Error::NotFound(_))));
    e.sessions.answer(&id, &tool_use_id, true).unwrap();
    assert_eq!(finish(started).await.reason, IdleReason::EndTurn);
    assert!(e.payloads(&id).iter().any(|p| matches!(p, EventPayload::AgentToolResult { content, is_error: false, .. } if content.contains("approved-and-ran"))));
    assert!(matches!(e.sessions.cancel(&id).await, Err(Error::Conflict { .. })), "an idle session can't be cancelled");

    // A stalled stream is stopped by cancel.
    e.fake.push_reply(
        "default",
        Reply::new().text("Thinking").fault(Fault::Stall { after_events: 2, max_secs: Some(60) }),
    );
    let started = e.start("Think").await;
    let id = started.summary.id.clone();
    e.fake.wait_for_open_streams(1).await;
    e.sessions.cancel(&id).await.unwrap();
    assert_eq!(finish(started).await.reason, IdleReason::Cancelled);
    assert_eq!(e.sessions.get(&id).await.unwrap().stop_reason, Some(IdleReason::Cancelled));
}

#[tokio::test]
async fn an_interrupted_session_resumes_from_its_log_with_results_for_the_calls_left_open() {
    for kind in KINDS {
        let e = env(kind, vec![Reply::new().text("Resumed and done.")]).await;
        // What a process killed mid-tool-call leaves behind.
        let id = SessionId("ses_crashed".into());
        let thread = ThreadId("thr_crashed".into());
        let ws = e.workspace.path().display().to_string();
        e.log
            .insert_session(&SessionRow::new(
                id.clone(),
                Some(e.agent.id.clone()),
                "coder",
                "Tidy notes",
                &ws,
                Some("own_dead".into()),
                1,
            ))
            .unwrap();
        e.log
            .append(
                &id,
                &thread,
                vec![
                    EventPayload::UserMessage { text: "Tidy notes".into() },
                    EventPayload::StatusRunning {},
                    EventPayload::ModelRequestStart { model: "fake-model".into() },
                    EventPayload::AgentMessage { text: "Writing it.".into() },
                    EventPayload::AgentToolUse {
                        tool_use_id: "toolu_open".into(),
                        name: "write_file".into(),
                        input: json!({"path": "a.md", "content": "a"}),
                    },
                ],
            )
            .unwrap();
        assert!(
            matches!(e.sessions.continue_run(&id, None, RunOptions::default()).await, Err(Error::Conflict { .. })),
            "still running"
        );
        assert_eq!(e.sessions.recover(|_| false).await.unwrap(), vec![id.clone()]);
        assert_eq!(e.sessions.get(&id).await.unwrap().status, SessionStatus::Interrupted);

        let started = e.sessions.continue_run(&id, None, RunOptions::default()).await.unwrap();
        assert_eq!(started.summary.status, SessionStatus::Running);
        assert_eq!(finish(started).await.reason, IdleReason::EndTurn);
        let body = e.request_body(1);
        for expected in ["Tidy notes", "Writing it.", "toolu_open", "interrupted: Reverie stopped"] {
            assert!(body.contains(expected), "{kind:?}: the resumed request carries {expected:?}: {body}");
        }
        let payloads = e.payloads(&id);
        // The crash's leftovers closed (the request, then the call), then the run goes on.
        assert_eq!(payloads.len(), 5 + 2 + 1 + 3 + 1, "{payloads:#?}");
        assert!(matches!(payloads[5], EventPayload::ModelRequestEnd { interrupted: true, .. }), "{:?}", payloads[5]);
        assert_eq!(
            payloads[6],
            EventPayload::AgentToolResult {
                tool_use_id: "toolu_open".into(),
                content: INTERRUPTED_RESULT.into(),
                is_error: true
            }
        );
        assert_eq!(payloads[7], EventPayload::StatusRunning {});
        assert_eq!(payloads.last(), Some(&EventPayload::StatusIdle { reason: IdleReason::EndTurn }));
        assert!(
            e.events(&id).iter().all(|ev| ev.thread_id == thread),
            "the resumed turns stay on the session's thread"
        );
    }
}

#[tokio::test]
async fn an_idle_session_takes_a_follow_up_with_its_whole_history() {
    let e = env(
        ProviderKind::OpenaiCompatible,
        vec![Reply::new().text("First answer."), Reply::new().text("Second answer.")],
    )
    .await;
    let started = e.start("First question").await;
    let id = started.summary.id.clone();
    finish(started).await;
    match e.sessions.continue_run(&id, Some("  ".into()), RunOptions::default()).await {
        Err(Error::Invalid { field, .. }) => assert_eq!(field, "message"),
        other => panic!("a follow-up needs a message: {:?}", other.map(|s| s.summary)),
    }
    let started = e.sessions.continue_run(&id, Some("Second question".into()), RunOptions::default()).await.unwrap();
    assert_eq!(finish(started).await.reason, IdleReason::EndTurn);
    let body = e.request_body(2);
    for expected in ["First question", "First answer.", "Second question"] {
        assert!(body.contains(expected), "{expected:?} in {body}");
    }
    let summary = e.sessions.get(&id).await.unwrap();
    assert_eq!((summary.turns, summary.status), (2, SessionStatus::Idle));
}

#[test]
fn agents_are_validated_and_names_are_unique_ignoring_case() {
    let db = Arc::new(Database::in_memory().unwrap());
    let ids = Arc::new(SequentialIds::default());
    let clock = Arc::new(ManualClock::new(5));
    let no_env: EnvLookup = Arc::new(|_| None);
    let providers = Providers::new(db.clone(), Arc::new(Secrets::memory_only()), clock.clone(), ids.clone(), no_env);
    let provider = providers
        .create(ProviderInput {
            name: "P".into(),
            kind: ProviderKind::OpenaiCompatible,
            base_url: "http://127.0.0.1:1/v1".into(),
            model: "m".into(),
            api_key: None,
        })
        .unwrap();
    let agents = Agents::new(db, clock, ids);
    let a = agents
        .create(agent_input(
            " Coder ",
            &provider.id.0,
            vec![ToolRule { tool: "write_file".into(), permission: Permission::Deny }],
        ))
        .unwrap();
    assert_eq!(a.name, "Coder");
    assert_eq!(a.max_turns, 50);
    assert_eq!(a.tools.len(), 6, "every tool has a rule");
    let rule = |t: &str| a.tools.iter().find(|r| r.tool == t).unwrap().permission;
    assert_eq!(
        (rule("write_file"), rule("run_command"), rule("read_file")),
        (Permission::Deny, Permission::Ask, Permission::Allow)
    );
    assert!(matches!(
        agents.create(agent_input("coder", &provider.id.0, vec![])),
        Err(Error::Conflict { field: Some("name"), .. })
    ));
    let bad = |mut input: AgentInput, edit: &dyn Fn(&mut AgentInput)| {
        edit(&mut input);
        match agents.create(input) {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        }
    };
    let base = || agent_input("x", &provider.id.0, vec![]);
    assert_eq!(bad(base(), &|i| i.name = " ".into()), "name");
    assert_eq!(bad(base(), &|i| i.provider_id = reverie_protocol::ProviderId("prv_gone".into())), "provider_id");
    assert_eq!(bad(base(), &|i| i.max_turns = Some(0)), "max_turns");
    assert_eq!(bad(base(), &|i| i.model = Some("two words".into())), "model");
    assert_eq!(
        bad(base(), &|i| i.tools = vec![ToolRule { tool: "rm_rf".into(), permission: Permission::Allow }]),
        "tools"
    );
    let edited = agents
        .update(&a.id, AgentInput { model: Some("  ".into()), ..agent_input("Coder", &provider.id.0, vec![]) })
        .unwrap();
    assert_eq!((edited.model, edited.created_at), (None, a.created_at));
    assert_eq!(agents.by_name("CODER").unwrap().id, a.id);
    agents.delete(&a.id).unwrap();
    assert!(matches!(agents.get(&a.id), Err(Error::NotFound(_))));
}

#[tokio::test]
async fn shutdown_stops_every_run_as_a_quit_and_waits_until_each_has_recorded_its_end() {
    let e = env(
        ProviderKind::Anthropic,
        vec![Reply::new().text("Thinking").fault(Fault::Stall { after_events: 2, max_secs: Some(60) })],
    )
    .await;
    let started = e.start("Think hard").await;
    let id = started.summary.id.clone();
    e.fake.wait_for_open_streams(1).await;
    e.sessions.shutdown(WAIT).await;
    let summary = e.sessions.get(&id).await.unwrap();
    assert_eq!(
        (summary.status, summary.stop_reason),
        (SessionStatus::Idle, Some(IdleReason::AppQuit)),
        "recorded before shutdown returned, as a quit"
    );
    assert!(started.done.is_finished() || tokio::time::timeout(WAIT, started.done).await.is_ok());
    assert_eq!(e.payloads(&id).last(), Some(&EventPayload::StatusIdle { reason: IdleReason::AppQuit }));

    // A run stopped by quitting goes on where it stopped, without a new message.
    e.fake.push_reply("default", Reply::new().text("Carried on."));
    let resumed = e.sessions.continue_run(&id, None, RunOptions::default()).await.unwrap();
    assert_eq!(finish(resumed).await.reason, IdleReason::EndTurn);
}
