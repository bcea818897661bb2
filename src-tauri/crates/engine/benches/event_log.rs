//! Event-log write rate: `cargo bench -p reverie-engine --bench event_log`.
//! Prints figures; asserts nothing about time. Goal (issue 3): ≥ 50,000 events/s.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reverie_engine::session::EventLog;
use reverie_engine::{Database, SystemClock};
use reverie_protocol::{EventPayload, SessionId, ThreadId};

fn payload(i: usize) -> EventPayload {
    EventPayload::AgentToolResult {
        tool_use_id: format!("toolu_{i:08}"),
        content: "fn main() {\n    println!(\"hello\");\n}\n".repeat(4),
        is_error: false,
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (db, _) = Database::open_in(dir.path(), 0).expect("database");
    let log = Arc::new(EventLog::new(Arc::new(db), Arc::new(SystemClock)));
    let thread = ThreadId("thr_bench".into());

    println!("event log write rate (file-backed SQLite, WAL, synchronous=NORMAL; ~{} B payload)", serde_json::to_string(&payload(0)).map(|s| s.len()).unwrap_or(0));
    for (label, batch, total) in [("one event per append", 1usize, 20_000usize), ("batches of 16", 16, 100_000), ("batches of 256", 256, 200_000)] {
        let session = SessionId(format!("ses_{batch}"));
        log.create_session(&session, "bench", "bench", "/tmp").expect("session");
        let mut latencies = Vec::with_capacity(total / batch);
        let started = Instant::now();
        for n in 0..total / batch {
            let events: Vec<_> = (0..batch).map(|i| payload(n * batch + i)).collect();
            let t = Instant::now();
            log.append(&session, &thread, events).expect("append");
            latencies.push(t.elapsed());
        }
        let elapsed = started.elapsed();
        latencies.sort();
        println!(
            "  {label:<22} {:>9.0} events/s   append p50 {:>7.1} µs   p99 {:>7.1} µs   ({total} events in {:.2} s)",
            total as f64 / elapsed.as_secs_f64(),
            percentile(&latencies, 0.5).as_secs_f64() * 1e6,
            percentile(&latencies, 0.99).as_secs_f64() * 1e6,
            elapsed.as_secs_f64()
        );
    }
}
