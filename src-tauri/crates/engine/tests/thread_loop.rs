//! The agent loop against the fake provider, over both wire formats: what the run writes to
//! the log and to the workspace, and what it sends back to the model.

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use reverie_engine::clock::ManualClock;
use reverie_engine::session::permissions::{Approvals, Permission, PermissionPolicy};
use reverie_engine::session::thread_loop::{run_session, RunOutcome, ThreadLoop};
use reverie_engine::session::EventLog;
use reverie_engine::tools::{RunCommand, Tool, ToolContext, ToolDefinition, ToolFault, ToolOutput, Workspace};
use reverie_engine::Database;
use reverie_llm::{model_for, Endpoint, RetryPolicy, StreamOptions};
use reverie_protocol::{ErrorCode, EventPayload, IdleReason, ProviderKind, SessionEvent, SessionId, ThreadId};
use reverie_testkit::{FakeProvider, FakeProviderConfig, Fault, Reply, Script, Step, ToolUse};
use secrecy::SecretString;
use serde_json::{json, Value};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

const KINDS: [ProviderKind; 2] = [ProviderKind::Anthropic, ProviderKind::OpenaiCompatible];
/// How long a test waits for a condition before failing (never a fixed sleep).
const WAIT: Duration = Duration::from_secs(30);

struct Harness {
    log: Arc<EventLog>,
    session: SessionId,
    fake: FakeProvider,
    workspace: tempfile::TempDir,
    _data: tempfile::TempDir,
    approvals: Approvals,
    cancel: CancellationToken,
    kind: ProviderKind,
}

async fn harness(kind: ProviderKind, replies: Vec<Reply>) -> Harness {
    let data = tempfile::tempdir().unwrap();
    let (db, _) = Database::open_in(data.path(), 0).unwrap();
    let log = Arc::new(EventLog::new(Arc::new(db), Arc::new(ManualClock::new(1_000))));
    let workspace = tempfile::tempdir().unwrap();
    let session = SessionId("ses_1".into());
    log.create_session(&session, "coder", "task", &workspace.path().display().to_string()).unwrap();
    let fake =
        FakeProvider::start_with_script(FakeProviderConfig::default(), Script::from_replies(replies)).await.unwrap();
    Harness {
        log,
        session,
        fake,
        workspace,
        _data: data,
        approvals: Approvals::new(),
        cancel: CancellationToken::new(),
        kind,
    }
}

impl Harness {
    fn run(&self, policy: PermissionPolicy, max_turns: u32) -> ThreadLoop {
        let base_url = match self.kind {
            ProviderKind::Anthropic => self.fake.base_url(),
            ProviderKind::OpenaiCompatible => self.fake.openai_base_url(),
        };
        let endpoint = Endpoint { kind: self.kind, base_url, model: "fake-model".into() };
        let options = StreamOptions {
            retry: RetryPolicy {
                max_attempts: 3,
                base_delay: Duration::from_millis(1),
                max_delay: Duration::from_secs(5),
            },
            idle_timeout: Duration::from_secs(60),
            ..StreamOptions::default()
        };
        let model = model_for(&endpoint, Some(SecretString::from("sk-test-good".to_owned())), options);
        let context = ToolContext::new(Workspace::new(self.workspace.path()).unwrap(), self.cancel.clone());
        let mut run = ThreadLoop::new(self.log.clone(), self.session.clone(), ThreadId("thr_1".into()), model, context);
        run.system = "You are a careful coding agent.".into();
        run.policy = policy;
        run.approvals = self.approvals.clone();
        run.max_turns = max_turns;
        run
    }

    fn start(&self, policy: PermissionPolicy, max_turns: u32) -> JoinHandle<reverie_engine::Result<RunOutcome>> {
        tokio::spawn(run_session(self.run(policy, max_turns), "Tidy up notes.txt"))
    }

    async fn finish(&self, policy: PermissionPolicy, max_turns: u32) -> RunOutcome {
        tokio::time::timeout(WAIT, self.start(policy, max_turns)).await.expect("the run finished").unwrap().unwrap()
    }

    fn events(&self) -> Vec<SessionEvent> {
        self.log.read(&self.session, 0, 10_000).unwrap()
    }

    fn payloads(&self) -> Vec<EventPayload> {
        self.events().into_iter().map(|e| e.payload).collect()
    }

    fn names(&self) -> Vec<&'static str> {
        self.payloads().iter().map(EventPayload::name).collect()
    }

    fn results(&self) -> Vec<(String, String, bool)> {
        self.payloads()
            .into_iter()
            .filter_map(|p| match p {
                EventPayload::AgentToolResult { tool_use_id, content, is_error } => {
                    Some((tool_use_id, content, is_error))
                }
                _ => None,
            })
            .collect()
    }

    fn file(&self, name: &str) -> Option<String> {
        std::fs::read_to_string(self.workspace.path().join(name)).ok()
    }

    /// The body of the model request number `n` (1-based), as text.
    fn request_body(&self, n: usize) -> String {
        let requests: Vec<_> = self.fake.requests().into_iter().filter(|r| r.method == "POST").collect();
        requests[n - 1].body.as_ref().unwrap().to_string()
    }

    /// Waits for the first event `pick` accepts.
    async fn wait_for<T>(&self, mut pick: impl FnMut(&EventPayload) -> Option<T>) -> T {
        let mut sub = self.log.subscribe(&self.session, 0);
        tokio::time::timeout(WAIT, async {
            loop {
                let event = sub.next().await.unwrap();
                if let Some(found) = pick(&event.payload) {
                    return found;
                }
            }
        })
        .await
        .expect("the event arrived")
    }

    /// Checks the log's invariants and the session's row.
    fn assert_ended(&self, reason: IdleReason) {
        let payloads = self.payloads();
        assert_eq!(payloads.last(), Some(&EventPayload::StatusIdle { reason }), "{:#?}", self.names());
        assert_eq!(self.log.session(&self.session).unwrap().unwrap().status, reverie_protocol::SessionStatus::Idle);
        let uses: Vec<&String> = payloads
            .iter()
            .filter_map(|p| match p {
                EventPayload::AgentToolUse { tool_use_id, .. } => Some(tool_use_id),
                _ => None,
            })
            .collect();
        let results = self.results();
        assert_eq!(uses.len(), results.len(), "every tool use has exactly one result: {:#?}", self.names());
        for id in uses {
            assert_eq!(results.iter().filter(|(r, _, _)| r == id).count(), 1, "one result for {id}");
        }
        let starts = self.names().iter().filter(|n| **n == "span.model_request_start").count();
        let ends = self.names().iter().filter(|n| **n == "span.model_request_end").count();
        assert_eq!(starts, ends, "every model request span is closed");
    }
}

fn tool(id: &str, name: &str, input: Value) -> Step {
    Step::ToolUse(ToolUse { id: Some(id.into()), name: name.into(), input, chunks: Some(4) })
}

fn allow_commands() -> PermissionPolicy {
    PermissionPolicy::default().with("run_command", Permission::Allow)
}

#[tokio::test]
async fn a_multi_step_run_reads_edits_and_writes_files() {
    for kind in KINDS {
        let h = harness(
            kind,
            vec![
                Reply::new().text_chunks("Let me read the notes first.", 3).step(tool(
                    "t1",
                    "read_file",
                    json!({"path": "notes.txt"}),
                )),
                Reply::new()
                    .step(tool(
                        "t2",
                        "edit_file",
                        json!({"path": "notes.txt", "old_string": "teh", "new_string": "the"}),
                    ))
                    .step(tool(
                        "t3",
                        "write_file",
                        json!({"path": "SUMMARY.md", "content": "# Summary\n\nFixed a typo.\n"}),
                    )),
                Reply::new().text_chunks("Done: the typo is fixed and SUMMARY.md is written.", 4),
            ],
        )
        .await;
        std::fs::write(h.workspace.path().join("notes.txt"), "teh quick brown fox\n").unwrap();

        let outcome = h.finish(PermissionPolicy::default(), 10).await;

        assert_eq!(outcome.reason, IdleReason::EndTurn, "{kind:?}");
        assert_eq!(outcome.turns, 3);
        assert!(outcome.usage.input_tokens > 0 && outcome.usage.output_tokens > 0, "{outcome:?}");
        assert_eq!(h.file("notes.txt").as_deref(), Some("the quick brown fox\n"));
        assert_eq!(h.file("SUMMARY.md").as_deref(), Some("# Summary\n\nFixed a typo.\n"));
        assert_eq!(
            h.names(),
            [
                "user.message",
                "session.status_running",
                "span.model_request_start",
                "agent.message",
                "agent.tool_use",
                "span.model_request_end",
                "agent.tool_result",
                "span.model_request_start",
                "agent.tool_use",
                "agent.tool_use",
                "span.model_request_end",
                "agent.tool_result",
                "agent.tool_result",
                "span.model_request_start",
                "agent.message",
                "span.model_request_end",
                "session.status_idle",
            ],
            "{kind:?}"
        );
        let payloads = h.payloads();
        assert_eq!(payloads[0], EventPayload::UserMessage { text: "Tidy up notes.txt".into() });
        assert_eq!(payloads[3], EventPayload::AgentMessage { text: "Let me read the notes first.".into() });
        assert_eq!(
            payloads[4],
            EventPayload::AgentToolUse {
                tool_use_id: "t1".into(),
                name: "read_file".into(),
                input: json!({"path": "notes.txt"})
            }
        );
        assert_eq!(
            payloads[14],
            EventPayload::AgentMessage { text: "Done: the typo is fixed and SUMMARY.md is written.".into() }
        );
        match &payloads[5] {
            EventPayload::ModelRequestEnd { usage, .. } => assert!(usage.output_tokens > 0, "{usage:?}"),
            other => panic!("{other:?}"),
        }
        let results = h.results();
        assert!(results.iter().all(|(_, _, is_error)| !is_error), "{results:#?}");
        assert!(results[0].1.contains("teh quick brown fox"), "{}", results[0].1);
        // The model saw the file's content and both results in its next requests.
        assert!(h.request_body(2).contains("teh quick brown fox"), "{kind:?}");
        assert!(h.request_body(3).contains("t2") && h.request_body(3).contains("t3"));
        assert!(h.request_body(1).contains("You are a careful coding agent."));
        h.assert_ended(IdleReason::EndTurn);
    }
}

#[tokio::test]
async fn a_tool_error_goes_back_to_the_model_which_recovers() {
    for kind in KINDS {
        let h = harness(
            kind,
            vec![
                Reply::new().step(tool(
                    "t1",
                    "edit_file",
                    json!({"path": "notes.txt", "old_string": "missing", "new_string": "x"}),
                )),
                Reply::new().text("That text is not there; editing the right line.").step(tool(
                    "t2",
                    "edit_file",
                    json!({"path": "notes.txt", "old_string": "old", "new_string": "new"}),
                )),
                Reply::new().text("Fixed."),
            ],
        )
        .await;
        std::fs::write(h.workspace.path().join("notes.txt"), "old line\n").unwrap();

        let outcome = h.finish(PermissionPolicy::default(), 10).await;

        assert_eq!(outcome.reason, IdleReason::EndTurn);
        let results = h.results();
        assert_eq!(results.len(), 2);
        assert!(results[0].2, "the failed edit is an error result: {results:?}");
        assert!(!results[1].2);
        let head: String = results[0].1.chars().take(20).collect();
        let head = serde_json::to_string(&head).unwrap();
        assert!(h.request_body(2).contains(head.trim_matches('"')), "{kind:?}: the error went to the model");
        assert_eq!(h.file("notes.txt").as_deref(), Some("new line\n"));
        assert!(!h.names().contains(&"session.error"));
        h.assert_ended(IdleReason::EndTurn);
    }
}

#[tokio::test]
async fn an_approved_command_runs_and_a_denied_one_does_not() {
    for kind in KINDS {
        for approve in [true, false] {
            let h = harness(
                kind,
                vec![
                    Reply::new().step(tool("t1", "run_command", json!({"command": "echo ran > ran.txt"}))),
                    Reply::new().text("Finished."),
                ],
            )
            .await;
            let run = h.start(PermissionPolicy::default(), 10);
            let (id, working_directory) = h
                .wait_for(|p| match p {
                    EventPayload::ApprovalRequested { tool_use_id, name, working_directory, .. }
                        if name == "run_command" =>
                    {
                        Some((tool_use_id.clone(), working_directory.clone()))
                    }
                    _ => None,
                })
                .await;
            assert_eq!(id, "t1");
            assert_eq!(working_directory, std::fs::canonicalize(h.workspace.path()).unwrap().display().to_string());
            assert_eq!(h.approvals.pending(), ["t1"]);
            assert!(h.approvals.approve(&id, approve));
            let outcome = tokio::time::timeout(WAIT, run).await.unwrap().unwrap().unwrap();

            assert_eq!(outcome.reason, IdleReason::EndTurn);
            assert!(h
                .payloads()
                .contains(&EventPayload::ApprovalResolved { tool_use_id: "t1".into(), approved: approve }));
            let results = h.results();
            assert_eq!(results.len(), 1);
            if approve {
                assert!(!results[0].2, "{results:?}");
                assert_eq!(h.file("ran.txt").as_deref(), Some("ran\n"));
            } else {
                assert!(results[0].2 && results[0].1.starts_with("denied"), "{results:?}");
                assert_eq!(h.file("ran.txt"), None, "a denied command never runs");
            }
            h.assert_ended(IdleReason::EndTurn);
        }
    }
}

#[tokio::test]
async fn a_tool_denied_by_policy_is_refused_without_asking() {
    let h = harness(
        ProviderKind::Anthropic,
        vec![
            Reply::new().step(tool("t1", "write_file", json!({"path": "a.txt", "content": "x"}))),
            Reply::new().text("OK."),
        ],
    )
    .await;
    let outcome = h.finish(PermissionPolicy::default().with("write_file", Permission::Deny), 10).await;
    assert_eq!(outcome.reason, IdleReason::EndTurn);
    let results = h.results();
    assert!(results[0].2 && results[0].1.starts_with("denied by policy"), "{results:?}");
    assert_eq!(h.file("a.txt"), None);
    assert!(!h.names().contains(&"session.approval_requested"));
    h.assert_ended(IdleReason::EndTurn);
}

#[tokio::test]
async fn cancel_mid_stream_stops_the_stream_and_closes_pending_calls() {
    for kind in KINDS {
        // Anthropic: ten events carry the text and the whole tool call, then the stream stalls.
        // OpenAI completes tool calls only at the finish, so there the stall after the role,
        // the text and the call's start means the call is never seen.
        let after_events = if kind == ProviderKind::Anthropic { 10 } else { 3 };
        let h = harness(
            kind,
            vec![Reply::new()
                .text_chunks("Let me look.", 1)
                .step(Step::ToolUse(ToolUse {
                    id: Some("t1".into()),
                    name: "read_file".into(),
                    input: json!({"path": "a.txt"}),
                    chunks: Some(1),
                }))
                .fault(Fault::Stall { after_events, max_secs: Some(60) })],
        )
        .await;
        let run = h.start(PermissionPolicy::default(), 10);
        match kind {
            ProviderKind::Anthropic => {
                h.wait_for(|p| matches!(p, EventPayload::AgentToolUse { .. }).then_some(())).await;
            }
            ProviderKind::OpenaiCompatible => {
                h.wait_for(|p| matches!(p, EventPayload::ModelRequestStart { .. }).then_some(())).await;
                tokio::time::timeout(WAIT, h.fake.wait_for_open_streams(1)).await.unwrap();
            }
        }
        h.cancel.cancel();
        let outcome = tokio::time::timeout(WAIT, run).await.unwrap().unwrap().unwrap();

        assert_eq!(outcome.reason, IdleReason::Cancelled, "{kind:?}");
        tokio::time::timeout(WAIT, h.fake.wait_for_open_streams(0)).await.expect("the stream was stopped");
        if kind == ProviderKind::Anthropic {
            let results = h.results();
            assert_eq!(results.len(), 1, "{results:?}");
            assert!(results[0].2 && results[0].1.starts_with("cancelled"), "{results:?}");
        }
        assert!(!h.names().contains(&"session.error"));
        h.assert_ended(IdleReason::Cancelled);
    }
}

#[tokio::test]
async fn cancel_while_waiting_for_approval_gives_the_call_a_cancelled_result() {
    let h = harness(
        ProviderKind::OpenaiCompatible,
        vec![Reply::new().step(tool("t1", "run_command", json!({"command": "true"})))],
    )
    .await;
    let run = h.start(PermissionPolicy::default(), 10);
    h.wait_for(|p| matches!(p, EventPayload::ApprovalRequested { .. }).then_some(())).await;
    h.cancel.cancel();
    let outcome = tokio::time::timeout(WAIT, run).await.unwrap().unwrap().unwrap();
    assert_eq!(outcome.reason, IdleReason::Cancelled);
    assert!(h.approvals.pending().is_empty(), "the request was withdrawn");
    let results = h.results();
    assert!(results[0].1.starts_with("cancelled"), "{results:?}");
    h.assert_ended(IdleReason::Cancelled);
}

/// Wraps a tool and says when the loop calls it.
struct Announced {
    inner: Arc<dyn Tool>,
    called: std::sync::Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
}

impl Tool for Announced {
    fn definition(&self) -> ToolDefinition {
        self.inner.definition()
    }

    fn call<'a>(&'a self, input: Value, ctx: &'a ToolContext) -> BoxFuture<'a, Result<ToolOutput, ToolFault>> {
        if let Some(tx) = self.called.lock().unwrap().take() {
            let _ = tx.send(());
        }
        self.inner.call(input, ctx)
    }
}

#[tokio::test]
async fn cancel_while_a_command_runs_gives_it_and_the_calls_after_it_cancelled_results() {
    let h = harness(
        ProviderKind::Anthropic,
        vec![Reply::new()
            .step(tool("t1", "run_command", json!({"command": "sleep 60 && touch finished"})))
            .step(tool("t2", "write_file", json!({"path": "later.txt", "content": "x"})))],
    )
    .await;
    let (tx, called) = tokio::sync::oneshot::channel();
    let mut run = h.run(allow_commands(), 10);
    run.tools = run.tools.clone().with(Arc::new(Announced { inner: Arc::new(RunCommand), called: Some(tx).into() }));
    let run = tokio::spawn(run_session(run, "go"));
    tokio::time::timeout(WAIT, called).await.unwrap().unwrap();
    h.cancel.cancel();
    let outcome = tokio::time::timeout(WAIT, run).await.unwrap().unwrap().unwrap();
    assert_eq!(outcome.reason, IdleReason::Cancelled);
    let results = h.results();
    assert_eq!(results.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(), ["t1", "t2"]);
    assert!(results.iter().all(|(_, content, is_error)| *is_error && content.starts_with("cancelled")), "{results:?}");
    assert_eq!(h.file("finished"), None);
    assert_eq!(h.file("later.txt"), None, "a call after the cancel never runs");
    assert_eq!(h.fake.replies_served("default"), 1, "no request after the cancel");
    h.assert_ended(IdleReason::Cancelled);
}

#[tokio::test]
async fn a_rate_limit_is_retried_and_the_run_succeeds() {
    for kind in KINDS {
        let h =
            harness(kind, vec![Reply::new().fault(Fault::rate_limited(1)), Reply::new().text("Done after waiting.")])
                .await;
        let outcome = h.finish(PermissionPolicy::default(), 10).await;
        assert_eq!(outcome.reason, IdleReason::EndTurn, "{kind:?}");
        assert_eq!(outcome.turns, 1);
        assert_eq!(h.fake.replies_served("default"), 2, "the 429 was retried");
        assert!(h.payloads().contains(&EventPayload::AgentMessage { text: "Done after waiting.".into() }));
        assert!(!h.names().contains(&"session.error"));
        h.assert_ended(IdleReason::EndTurn);
    }
}

#[tokio::test]
async fn malformed_sse_ends_the_run_with_a_clear_session_error() {
    for kind in KINDS {
        let h =
            harness(kind, vec![Reply::new().text_chunks("Starting to", 2).fault(Fault::Malformed { after_events: 3 })])
                .await;
        let outcome = h.finish(PermissionPolicy::default(), 10).await;
        assert_eq!(outcome.reason, IdleReason::Error, "{kind:?}");
        let names = h.names();
        assert_eq!(
            &names[names.len() - 3..],
            ["span.model_request_end", "session.error", "session.status_idle"],
            "{names:?}"
        );
        let error = h
            .payloads()
            .into_iter()
            .find_map(|p| match p {
                EventPayload::Error { error } => Some(error),
                _ => None,
            })
            .unwrap();
        assert_eq!(error.code, ErrorCode::Provider);
        assert!(error.message.contains("unexpected format"), "{}", error.message);
        h.assert_ended(IdleReason::Error);
    }
}

#[tokio::test]
async fn invalid_tool_json_goes_back_to_the_model_as_an_error_and_it_recovers() {
    for kind in KINDS {
        let h = harness(
            kind,
            vec![
                Reply::new()
                    .step(tool("t1", "write_file", json!({"path": "a.txt", "content": "hello"})))
                    .fault(Fault::InvalidToolJson),
                Reply::new().step(tool("t2", "write_file", json!({"path": "a.txt", "content": "hello"}))),
                Reply::new().text("Written."),
            ],
        )
        .await;
        let outcome = h.finish(PermissionPolicy::default(), 10).await;
        assert_eq!(outcome.reason, IdleReason::EndTurn, "{kind:?}");
        let results = h.results();
        assert_eq!(results.len(), 2);
        assert_eq!(results[0].0, "t1");
        assert!(results[0].2 && results[0].1.contains("not valid JSON"), "{results:?}");
        assert!(!results[1].2, "{results:?}");
        assert!(h.request_body(2).contains("not valid JSON"), "the model was told");
        assert_eq!(h.file("a.txt").as_deref(), Some("hello"));
        h.assert_ended(IdleReason::EndTurn);
    }
}

#[tokio::test]
async fn the_run_stops_at_max_turns() {
    for kind in KINDS {
        let replies = (1..=3).map(|i| Reply::new().step(tool(&format!("t{i}"), "list_files", json!({})))).collect();
        let h = harness(kind, replies).await;
        let outcome = h.finish(PermissionPolicy::default(), 2).await;
        assert_eq!(outcome.reason, IdleReason::MaxTurns, "{kind:?}");
        assert_eq!(outcome.turns, 2);
        assert_eq!(h.fake.replies_served("default"), 2);
        assert_eq!(h.names().iter().filter(|n| **n == "span.model_request_start").count(), 2);
        assert_eq!(h.results().len(), 2, "the last turn's calls still ran");
        h.assert_ended(IdleReason::MaxTurns);
    }
}

#[tokio::test]
async fn an_overloaded_provider_is_retried_and_the_run_succeeds() {
    for kind in KINDS {
        let h = harness(kind, vec![Reply::new().fault(Fault::overloaded()), Reply::new().text("Done.")]).await;
        let outcome = h.finish(PermissionPolicy::default(), 10).await;
        assert_eq!(outcome.reason, IdleReason::EndTurn, "{kind:?}");
        assert_eq!(h.fake.replies_served("default"), 2, "the 529 was retried");
        assert!(!h.names().contains(&"session.error"));
        h.assert_ended(IdleReason::EndTurn);
    }
}

#[tokio::test]
async fn a_disconnect_mid_stream_ends_the_run_with_a_network_error_and_keeps_what_streamed() {
    for kind in KINDS {
        // The connection is cut after the first text delta.
        let after_events = if kind == ProviderKind::Anthropic { 4 } else { 2 };
        let h = harness(
            kind,
            vec![Reply::new().text_chunks("Half a thought", 2).fault(Fault::Disconnect { after_events })],
        )
        .await;
        let outcome = h.finish(PermissionPolicy::default(), 10).await;
        assert_eq!(outcome.reason, IdleReason::Error, "{kind:?}");
        let error = h
            .payloads()
            .into_iter()
            .find_map(|p| match p {
                EventPayload::Error { error } => Some(error),
                _ => None,
            })
            .unwrap();
        assert_eq!(error.code, ErrorCode::Network, "{error:?}");
        let streamed = h
            .payloads()
            .into_iter()
            .find_map(|p| match p {
                EventPayload::AgentMessage { text } => Some(text),
                _ => None,
            })
            .expect("the text that streamed is recorded");
        assert!(
            !streamed.is_empty() && "Half a thought".starts_with(&streamed) && streamed != "Half a thought",
            "{streamed:?}"
        );
        let names = h.names();
        assert_eq!(
            &names[names.len() - 3..],
            ["span.model_request_end", "session.error", "session.status_idle"],
            "{names:?}"
        );
        h.assert_ended(IdleReason::Error);
    }
}

/// A tool that fails inside the engine, not in a way the model could fix.
struct Broken;

impl Tool for Broken {
    fn definition(&self) -> ToolDefinition {
        ToolDefinition { name: "broken", description: "Always faults.".into(), input_schema: json!({"type": "object"}) }
    }

    fn call<'a>(&'a self, _input: Value, _ctx: &'a ToolContext) -> BoxFuture<'a, Result<ToolOutput, ToolFault>> {
        Box::pin(async { Err(ToolFault::Internal { tool: "broken", message: "the disk vanished".into() }) })
    }
}

#[tokio::test]
async fn an_engine_fault_in_a_tool_ends_the_run_with_an_error_and_a_valid_transcript() {
    let h = harness(
        ProviderKind::Anthropic,
        vec![Reply::new().step(tool("t1", "broken", json!({}))).step(tool("t2", "list_files", json!({})))],
    )
    .await;
    let mut run = h.run(PermissionPolicy::default(), 10);
    run.tools = run.tools.clone().with(Arc::new(Broken));
    let outcome = tokio::time::timeout(WAIT, run_session(run, "go")).await.unwrap().unwrap();
    assert_eq!(outcome.reason, IdleReason::Error);
    let results = h.results();
    assert_eq!(results.len(), 2, "{results:?}");
    assert!(results[0].2 && results[0].1.contains("the disk vanished"), "{results:?}");
    assert!(results[1].2 && results[1].1.starts_with("not run"), "{results:?}");
    assert!(h.names().contains(&"session.error"));
    assert_eq!(h.fake.replies_served("default"), 1, "the fault ended the run");
    h.assert_ended(IdleReason::Error);
}
