//! Event-log write rate: `cargo bench -p reverie-engine --bench event_log`.
//! Prints figures; asserts nothing about time. Goals: ≥ 50,000 events/s in one process (issue
//! 3, with batches); with 4 processes appending to 4 sessions of one database at once (issue
//! 12), ≥ 20,000 events/s in total, p99 append ≤ 20 ms, no error.

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

/// Set in the environment of the processes the multi-process case starts: `DIR SESSION COUNT`.
const CHILD_ENV: &str = "REVERIE_EVENT_LOG_BENCH_CHILD";
const PROCESSES: usize = 4;
const EVENTS_PER_PROCESS: usize = 10_000;

fn main() {
    if let Ok(args) = std::env::var(CHILD_ENV) {
        return child(&args);
    }
    single_process();
    multi_process();
}

fn single_process() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (db, _) = Database::open_in(dir.path(), 0).expect("database");
    let log = Arc::new(EventLog::new(Arc::new(db), Arc::new(SystemClock)));
    let thread = ThreadId("thr_bench".into());

    println!(
        "event log write rate (file-backed SQLite, WAL, synchronous=NORMAL; ~{} B payload)",
        serde_json::to_string(&payload(0)).map(|s| s.len()).unwrap_or(0)
    );
    for (label, batch, total) in [
        ("one event per append", 1usize, 20_000usize),
        ("batches of 16", 16, 100_000),
        ("batches of 256", 256, 200_000),
    ] {
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

/// Four processes, each appending one event per transaction to its own session of one file.
fn multi_process() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (db, _) = Database::open_in(dir.path(), 0).expect("database");
    let log = EventLog::new(Arc::new(db), Arc::new(SystemClock));
    let sessions: Vec<SessionId> = (0..PROCESSES).map(|i| SessionId(format!("ses_proc{i}"))).collect();
    for session in &sessions {
        log.create_session(session, "bench", "bench", "/tmp").expect("session");
    }
    let exe = std::env::current_exe().expect("this bench's path");
    let children: Vec<_> = sessions
        .iter()
        .map(|s| {
            std::process::Command::new(&exe)
                .env(CHILD_ENV, format!("{} {} {EVENTS_PER_PROCESS}", dir.path().display(), s.as_str()))
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("child process")
        })
        .collect();
    let (mut latencies, mut errors, mut first, mut last) = (Vec::new(), 0usize, u128::MAX, 0u128);
    for child in children {
        let out = child.wait_with_output().expect("child finished");
        let text = String::from_utf8_lossy(&out.stdout);
        let mut lines = text.lines();
        let head: Vec<u128> = lines.next().unwrap_or("").split_whitespace().filter_map(|n| n.parse().ok()).collect();
        if let [start, end, failed] = head[..] {
            first = first.min(start);
            last = last.max(end);
            errors += failed as usize;
        }
        latencies.extend(lines.filter_map(|l| l.parse::<u64>().ok()).map(Duration::from_nanos));
    }
    latencies.sort();
    let total = latencies.len();
    let wall = Duration::from_nanos((last.saturating_sub(first)) as u64);
    let reread =
        (0..PROCESSES).map(|i| log.read(&sessions[i], 0, usize::MAX).map(|e| e.len()).unwrap_or(0)).sum::<usize>();
    println!(
        "  {PROCESSES} processes, 1 event per append: {:>7.0} events/s in total   append p50 {:>7.1} µs   p99 {:>7.1} µs   max {:>7.1} ms   errors {errors}   ({reread} events stored)",
        total as f64 / wall.as_secs_f64().max(1e-9),
        percentile(&latencies, 0.5).as_secs_f64() * 1e6,
        percentile(&latencies, 0.99).as_secs_f64() * 1e6,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
}

/// One of the multi-process case's processes: prints `start_ns end_ns errors`, then one append
/// latency (ns) a line.
fn child(args: &str) {
    let mut parts = args.split(' ');
    let (Some(dir), Some(session), Some(count)) =
        (parts.next(), parts.next(), parts.next().and_then(|c| c.parse::<usize>().ok()))
    else {
        eprintln!("{CHILD_ENV} must be `DIR SESSION COUNT`");
        std::process::exit(2);
    };
    let (db, _) = Database::open_in(std::path::Path::new(dir), 0).expect("database");
    let log = EventLog::new(Arc::new(db), Arc::new(SystemClock));
    let (session, thread) = (SessionId(session.to_owned()), ThreadId("thr_bench".into()));
    let now = || std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let mut latencies = Vec::with_capacity(count);
    let mut errors = 0;
    let start = now();
    for i in 0..count {
        let t = Instant::now();
        match log.append(&session, &thread, vec![payload(i)]) {
            Ok(_) => latencies.push(t.elapsed()),
            Err(e) => {
                errors += 1;
                eprintln!("append {i}: {e}");
            }
        }
    }
    let end = now();
    let mut out = format!("{start} {end} {errors}\n");
    for l in latencies {
        out.push_str(&format!("{}\n", l.as_nanos()));
    }
    print!("{out}");
}
