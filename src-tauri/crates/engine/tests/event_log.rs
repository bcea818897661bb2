use std::sync::Arc;

use reverie_engine::clock::{ManualClock, SequentialIds};
use reverie_engine::session::{owner, EventLog, Owner};
use reverie_engine::store::events::{SessionRow, PAYLOAD_VERSION};
use reverie_engine::Database;
use reverie_protocol::{EventPayload, IdleReason, SessionId, SessionStatus, ThreadId};

fn log() -> (Arc<EventLog>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = Database::open_in(dir.path(), 0).unwrap();
    (Arc::new(EventLog::new(Arc::new(db), Arc::new(ManualClock::new(1_000)))), dir)
}

fn msg(i: usize) -> EventPayload {
    EventPayload::AgentMessage { text: format!("message {i}") }
}

fn ids() -> (SessionId, ThreadId) {
    (SessionId("ses_1".into()), ThreadId("thr_1".into()))
}

#[test]
fn events_are_numbered_without_gaps_and_read_back_in_order() {
    let (log, _dir) = log();
    let (s, t) = ids();
    log.create_session(&s, "coder", "task", "/tmp/ws").unwrap();
    let first = log.append(&s, &t, vec![EventPayload::StatusRunning {}, msg(1)]).unwrap();
    let second = log.append(&s, &t, vec![EventPayload::StatusIdle { reason: IdleReason::EndTurn }]).unwrap();
    assert_eq!(first.iter().chain(&second).map(|e| e.seq).collect::<Vec<_>>(), vec![1, 2, 3]);
    let stored = log.read(&s, 0, 100).unwrap();
    assert_eq!(stored, [first, second].concat(), "the store holds exactly what was sent");
    assert_eq!(log.read(&s, 2, 100).unwrap().len(), 1);
    assert_eq!(log.session(&s).unwrap().unwrap().last_seq, 3);
    assert_eq!(PAYLOAD_VERSION, 1);
}

#[test]
fn appending_to_an_unknown_session_is_refused() {
    let (log, _dir) = log();
    let (s, t) = ids();
    let err = log.append(&s, &t, vec![msg(0)]).unwrap_err();
    assert!(matches!(err, reverie_engine::Error::NotFound(_)), "{err:?}");
}

#[tokio::test]
async fn a_late_subscriber_gets_the_stored_backlog_then_live_events_without_duplicates() {
    let (log, _dir) = log();
    let (s, t) = ids();
    log.create_session(&s, "coder", "task", "/tmp/ws").unwrap();
    for i in 0..10 {
        log.append(&s, &t, vec![msg(i)]).unwrap();
    }
    let mut sub = log.subscribe(&s, 0);
    let writer = {
        let log = log.clone();
        let (s, t) = (s.clone(), t.clone());
        tokio::task::spawn_blocking(move || {
            for i in 10..40 {
                log.append(&s, &t, vec![msg(i)]).unwrap();
            }
        })
    };
    for expected in 1..=40u64 {
        let event = sub.next().await.unwrap();
        assert_eq!(event.seq, expected);
        assert_eq!(event.payload, msg(expected as usize - 1));
    }
    writer.await.unwrap();
}

#[tokio::test]
async fn a_subscriber_that_falls_behind_the_live_buffer_recovers_every_event_from_the_store() {
    let (log, _dir) = log();
    let (s, t) = ids();
    log.create_session(&s, "coder", "task", "/tmp/ws").unwrap();
    let mut sub = log.subscribe(&s, 0);
    // Far more than the live buffer holds, written before the subscriber reads anything.
    let batch: Vec<_> = (0..3000).map(msg).collect();
    log.append(&s, &t, batch).unwrap();
    for expected in 1..=3000u64 {
        assert_eq!(sub.next().await.unwrap().seq, expected);
    }
    assert_eq!(sub.delivered(), 3000);
}

#[test]
fn sessions_left_running_by_a_dead_process_are_marked_interrupted_and_keep_their_events() {
    let dir = tempfile::tempdir().unwrap();
    let (s, t) = ids();
    {
        let (db, _) = Database::open_in(dir.path(), 0).unwrap();
        let log = EventLog::new(Arc::new(db), Arc::new(ManualClock::new(1)));
        log.create_session(&s, "coder", "task", "/tmp/ws").unwrap();
        log.append(&s, &t, vec![EventPayload::StatusRunning {}, msg(1)]).unwrap();
        // The process "dies" here: no idle event, status still running.
    }
    let (db, _) = Database::open_in(dir.path(), 2).unwrap();
    let log = EventLog::new(Arc::new(db), Arc::new(ManualClock::new(2)));
    assert_eq!(log.recover_interrupted(&|_| false).unwrap(), vec![s.clone()]);
    assert_eq!(log.session(&s).unwrap().unwrap().status, SessionStatus::Interrupted);
    assert_eq!(log.read(&s, 0, 10).unwrap().len(), 2, "every event written before the exit is kept");
    assert!(log.recover_interrupted(&|_| false).unwrap().is_empty());
}

#[test]
fn a_session_whose_owner_still_runs_is_left_running() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = Database::open_in(dir.path(), 0).unwrap();
    let log = EventLog::new(Arc::new(db), Arc::new(ManualClock::new(1)));
    let owner = Owner::acquire(dir.path(), &SequentialIds::default()).unwrap();
    let s = SessionId("ses_owned".into());
    log.insert_session(&SessionRow::new(s.clone(), None, "coder", "task", "/tmp/ws", Some(owner.id().into()), 1))
        .unwrap();
    let alive = |id: &str| owner::is_alive(dir.path(), id);
    assert!(log.recover_interrupted(&alive).unwrap().is_empty(), "its process holds the lock");
    assert_eq!(log.session(&s).unwrap().unwrap().status, SessionStatus::Running);
    drop(owner);
    assert_eq!(log.recover_interrupted(&alive).unwrap(), vec![s.clone()], "the lock is gone with its process");
    assert!(!owner::is_alive(dir.path(), "../escape"), "an owner id is never a path");
}
