//! A run whose event log fails under it (the database locked past every wait, a full disk, a
//! database that refuses writes) still ends in a state that says what happened and resumes:
//! its end is recorded with a `session.error` when a retry gets through, and when nothing can
//! be written the session reads interrupted and resumes all the same.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use reverie_engine::session::thread_loop::INTERRUPTED_RESULT;
use reverie_engine::session::RunOptions;
use reverie_engine::Error;
use reverie_protocol::{AppError, ErrorCode, EventPayload, IdleReason, ProviderKind, SessionEvent, SessionStatus};
use reverie_testkit::{Fault, Reply};
use serde_json::json;

use crate::sessions::{env_with, finish, WAIT};

/// What SQLite answers when another writer holds the database past the busy timeout.
fn locked() -> Error {
    Error::Database(rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
        Some("database is locked".into()),
    ))
}

fn write_a() -> Reply {
    Reply::new().text("Writing it.").tool_use("write_file", json!({"path": "a.md", "content": "# A\n"}))
}

/// Every tool use has exactly one result, and every model request its end, thread by thread.
fn assert_closed(events: &[SessionEvent]) {
    for event in events {
        if let EventPayload::AgentToolUse { tool_use_id, .. } = &event.payload {
            let results = events.iter().filter(|e| matches!(&e.payload, EventPayload::AgentToolResult { tool_use_id: id, .. } if id == tool_use_id)).count();
            assert_eq!(results, 1, "{tool_use_id} has one result: {events:#?}");
        }
    }
    let mut threads: Vec<_> = events.iter().map(|e| e.thread_id.clone()).collect();
    threads.dedup();
    for thread in threads {
        let mut open = 0i32;
        for event in events.iter().filter(|e| e.thread_id == thread) {
            match event.payload {
                EventPayload::ModelRequestStart { .. } => open += 1,
                EventPayload::ModelRequestEnd { .. } => open -= 1,
                _ => {}
            }
            assert!((0..=1).contains(&open), "requests of {} nest: {events:#?}", thread.as_str());
        }
        assert_eq!(open, 0, "every request of {} ended", thread.as_str());
    }
}

#[tokio::test]
async fn a_failed_append_ends_the_run_with_a_recorded_error_that_keeps_the_work_and_it_resumes() {
    let e = env_with(
        ProviderKind::Anthropic,
        vec![write_a(), Reply::new().text("Resumed and done.")],
        Some("sk-test-good"),
        vec![],
    )
    .await;
    // The write_file result can't be recorded (the file is written by then), and neither can the
    // first attempt at the run's end; the retry gets through.
    let failed = Arc::new(AtomicUsize::new(0));
    let counter = failed.clone();
    assert!(e.log.inject_write_faults(Box::new(move |_, payloads| {
        let result = payloads.iter().any(|p| matches!(p, EventPayload::AgentToolResult { .. }));
        match counter.load(Ordering::SeqCst) {
            0 if result => {
                counter.fetch_add(1, Ordering::SeqCst);
                Err(locked())
            }
            1 => {
                counter.fetch_add(1, Ordering::SeqCst);
                Err(locked())
            }
            _ => Ok(()),
        }
    })));
    let started = e.start("Write a.md").await;
    let id = started.summary.id.clone();
    let done = finish(started).await;
    assert_eq!(failed.load(Ordering::SeqCst), 2, "both failures happened");
    assert_eq!(std::fs::read_to_string(e.workspace.path().join("a.md")).unwrap(), "# A\n", "the tool wrote the file");

    assert_eq!(done.reason, IdleReason::Error);
    let message = done.error.clone().unwrap();
    for expected in
        ["database is locked", "What the agent's tools already did in the folder is kept", "Resume the session"]
    {
        assert!(message.contains(expected), "{expected:?} in {message}");
    }
    assert!(!message.contains("Nothing was changed"), "{message}");
    let summary = e.sessions.get(&id).await.unwrap();
    assert_eq!((summary.status, summary.stop_reason), (SessionStatus::Idle, Some(IdleReason::Error)));
    let events = e.log.read(&id, 0, 1000).unwrap();
    let payloads: Vec<_> = events.iter().map(|e| &e.payload).collect();
    let n = payloads.len();
    // The call whose result was lost, then the error, then idle: one transaction.
    assert_eq!(
        payloads[n - 3],
        &EventPayload::AgentToolResult {
            tool_use_id: tool_use(&events),
            content: INTERRUPTED_RESULT.into(),
            is_error: true
        }
    );
    assert!(
        matches!(payloads[n - 2], EventPayload::Error { error: AppError { code: ErrorCode::Database, .. } }),
        "{payloads:#?}"
    );
    assert_eq!(payloads[n - 1], &EventPayload::StatusIdle { reason: IdleReason::Error });
    assert_closed(&events);

    // A session that stopped on an error goes on without a new message.
    let resumed = e.sessions.continue_run(&id, None, RunOptions::default()).await.unwrap();
    assert_eq!(finish(resumed).await.reason, IdleReason::EndTurn);
    let body = e.request_body(2);
    assert!(body.contains("Writing it.") && body.contains("interrupted: Reverie stopped"), "{body}");
    assert_eq!(e.sessions.get(&id).await.unwrap().stop_reason, Some(IdleReason::EndTurn));
}

fn tool_use(events: &[SessionEvent]) -> String {
    events
        .iter()
        .find_map(|e| match &e.payload {
            EventPayload::AgentToolUse { tool_use_id, .. } => Some(tool_use_id.clone()),
            _ => None,
        })
        .unwrap()
}

#[tokio::test]
async fn a_run_whose_database_refuses_every_write_reads_interrupted_and_resumes() {
    let stalled = Reply::new().text("Thinking").fault(Fault::Stall { after_events: 2, max_secs: Some(60) });
    let e = env_with(
        ProviderKind::Anthropic,
        vec![write_a(), stalled, Reply::new().text("Resumed and done.")],
        Some("sk-test-good"),
        vec![],
    )
    .await;
    let started = e.start("Write a.md").await;
    let id = started.summary.id.clone();
    // The second request is streaming: the first turn (the file written, its result) is recorded.
    e.fake.wait_for_requests(2).await;
    e.fake.wait_for_open_streams(1).await;
    // From now on SQLite refuses every write of this process, as a full disk or a read-only
    // database would; then the run is stopped, and it can't record even that.
    e.db.conn().execute_batch("PRAGMA query_only = ON").unwrap();
    e.sessions.cancel(&id).await.unwrap();
    let failed = tokio::time::timeout(WAIT, started.done).await.expect("the run ended").unwrap();
    let message = reverie_protocol::AppError::from(failed.expect_err("nothing could be recorded")).message;
    for expected in [
        "couldn't save its progress",
        "not even its end could be recorded",
        "What the agent's tools already did in the folder is kept",
        "resume it",
    ] {
        assert!(message.contains(expected), "{expected:?} in {message}");
    }
    assert!(!message.contains("Nothing was changed"), "{message}");

    // The store still says running, under this live process: what the next start recovers as
    // interrupted. This process already knows it stopped, and says so.
    let row = e.log.session(&id).unwrap().unwrap();
    assert_eq!((row.status, row.owner.as_deref()), (SessionStatus::Running, Some(e.sessions.owner_id())));
    assert_eq!(e.sessions.get(&id).await.unwrap().status, SessionStatus::Interrupted);
    assert_eq!(e.sessions.list().await.unwrap()[0].status, SessionStatus::Interrupted);

    // The database takes writes again: resume goes on from the last recorded step.
    e.db.conn().execute_batch("PRAGMA query_only = OFF").unwrap();
    let resumed = e.sessions.continue_run(&id, None, RunOptions::default()).await.unwrap();
    assert!(
        matches!(e.sessions.continue_run(&id, None, RunOptions::default()).await, Err(Error::Conflict { .. })),
        "taken back once"
    );
    assert_eq!(finish(resumed).await.reason, IdleReason::EndTurn);
    let events = e.log.read(&id, 0, 1000).unwrap();
    assert_closed(&events);
    assert!(
        events.iter().any(|ev| matches!(ev.payload, EventPayload::ModelRequestEnd { interrupted: true, .. })),
        "the stopped request ended interrupted"
    );
    let summary = e.sessions.get(&id).await.unwrap();
    assert_eq!((summary.status, summary.stop_reason), (SessionStatus::Idle, Some(IdleReason::EndTurn)));
    assert_eq!(std::fs::read_to_string(e.workspace.path().join("a.md")).unwrap(), "# A\n");
}

#[tokio::test]
async fn a_session_left_idle_without_a_stop_reason_resumes() {
    // What older versions left when a run's end could not be written.
    let e = env_with(ProviderKind::Anthropic, vec![Reply::new().text("Done now.")], Some("sk-test-good"), vec![]).await;
    let id = reverie_protocol::SessionId("ses_old".into());
    let thread = reverie_protocol::ThreadId("thr_old".into());
    let ws = e.workspace.path().display().to_string();
    e.log
        .insert_session(&reverie_engine::store::events::SessionRow::new(
            id.clone(),
            Some(e.agent.id.clone()),
            "coder",
            "Tidy notes",
            &ws,
            None,
            1,
        ))
        .unwrap();
    e.log
        .append(
            &id,
            &thread,
            vec![EventPayload::UserMessage { text: "Tidy notes".into() }, EventPayload::StatusRunning {}],
        )
        .unwrap();
    e.log.set_status(&id, SessionStatus::Idle).unwrap();
    assert_eq!(e.sessions.get(&id).await.unwrap().stop_reason, None);
    let resumed = e.sessions.continue_run(&id, None, RunOptions::default()).await.unwrap();
    assert_eq!(finish(resumed).await.reason, IdleReason::EndTurn);
}

#[tokio::test]
async fn a_resume_whose_closing_write_fails_gives_the_session_back_and_resumes_later() {
    let e = env_with(ProviderKind::Anthropic, vec![Reply::new().text("Done now.")], Some("sk-test-good"), vec![]).await;
    // What a process killed mid-request leaves behind.
    let id = reverie_protocol::SessionId("ses_crashed".into());
    let thread = reverie_protocol::ThreadId("thr_crashed".into());
    let ws = e.workspace.path().display().to_string();
    let row = reverie_engine::store::events::SessionRow::new(
        id.clone(),
        Some(e.agent.id.clone()),
        "coder",
        "Tidy notes",
        &ws,
        Some("own_dead".into()),
        1,
    );
    e.log.insert_session(&row).unwrap();
    let crashed = vec![
        EventPayload::UserMessage { text: "Tidy notes".into() },
        EventPayload::StatusRunning {},
        EventPayload::ModelRequestStart { model: "fake-model".into() },
    ];
    e.log.append(&id, &thread, crashed).unwrap();
    e.sessions.recover(|_| false).await.unwrap();
    // The first attempt to close the open request fails.
    let failed = Arc::new(AtomicUsize::new(0));
    let counter = failed.clone();
    e.log.inject_write_faults(Box::new(move |_, payloads| {
        let closing = payloads.iter().any(|p| matches!(p, EventPayload::ModelRequestEnd { interrupted: true, .. }));
        if closing && counter.fetch_add(1, Ordering::SeqCst) == 0 {
            return Err(locked());
        }
        Ok(())
    }));
    let refused =
        e.sessions.continue_run(&id, None, RunOptions::default()).await.err().expect("the closing write failed");
    assert!(matches!(refused, Error::Database(_)), "{refused:?}");
    assert_eq!(e.sessions.get(&id).await.unwrap().status, SessionStatus::Interrupted, "given back, not left running");
    let resumed = e.sessions.continue_run(&id, None, RunOptions::default()).await.unwrap();
    assert_eq!(finish(resumed).await.reason, IdleReason::EndTurn);
    assert_closed(&e.log.read(&id, 0, 1000).unwrap());
}
