//! Engine overhead per model round trip: `cargo bench -p reverie-engine --bench round_trip`.
//!
//! One session of many turns against the loopback fake provider answering at once. Each turn is
//! a full round trip: the HTTP request, the streamed reply parsed by the real adapter, a cheap
//! tool call (read_file of a small file), and every event written to SQLite (file-backed, WAL)
//! before the next request. Prints the median and p99 of the time between consecutive
//! `span.model_request_start` events, and the engine's overhead: the round trip less the time
//! the fake spent on its side of the exchange (finding the conversation, parsing and checking
//! the request's JSON: work a real provider does on its own machine). Goal (issue 3): engine
//! overhead ≤ 2 ms median, ≤ 10 ms p99.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reverie_engine::session::thread_loop::{run_session, ThreadLoop};
use reverie_engine::session::EventLog;
use reverie_engine::tools::{ToolContext, Workspace};
use reverie_engine::{Database, SystemClock};
use reverie_llm::{model_for, Endpoint, StreamOptions};
use reverie_protocol::{EventPayload, ProviderKind, SessionId, ThreadId};
use reverie_testkit::{FakeProvider, FakeProviderConfig, Reply, Script};
use secrecy::SecretString;
use serde_json::json;
use tokio_util::sync::CancellationToken;

const TURNS: usize = 300;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

struct Figures {
    /// request start → next request start
    round_trips: Vec<Duration>,
    /// request start → request end (HTTP + streaming + parsing)
    model: Vec<Duration>,
    /// request end → next request start (tool call + every append)
    engine: Vec<Duration>,
    /// round trip less the fake's own time on that request
    overhead: Vec<Duration>,
    /// the fake's own time per request
    server: Vec<Duration>,
    total: Duration,
}

async fn measure(kind: ProviderKind) -> Figures {
    let mut replies: Vec<Reply> =
        (0..TURNS).map(|_| Reply::new().text("Reading.").tool_use("read_file", json!({"path": "notes.md"}))).collect();
    replies.push(Reply::new().text("Done."));
    let fake = FakeProvider::start_with_script(FakeProviderConfig::default(), Script::from_replies(replies))
        .await
        .expect("fake provider");
    let base_url = match kind {
        ProviderKind::Anthropic => fake.base_url(),
        ProviderKind::OpenaiCompatible => fake.openai_base_url(),
    };
    let model = model_for(
        &Endpoint { kind, base_url, model: "fake-model".into() },
        Some(SecretString::from("sk-test-good".to_owned())),
        StreamOptions::default(),
    );

    let data = tempfile::tempdir().expect("data dir");
    let workspace_dir = tempfile::tempdir().expect("workspace");
    std::fs::write(workspace_dir.path().join("notes.md"), "# Notes\n\nShort file the agent reads every turn.\n")
        .expect("fixture");
    let (db, _) = Database::open_in(data.path(), 0).expect("database");
    let log = Arc::new(EventLog::new(Arc::new(db), Arc::new(SystemClock)));
    let session = SessionId("ses_bench".into());
    let thread = ThreadId("thr_bench".into());
    log.create_session(&session, "bench", "bench", &workspace_dir.path().display().to_string()).expect("session");

    // Time each request start as the live subscriber sees it.
    let mut sub = log.subscribe(&session, 0);
    let watcher = tokio::spawn(async move {
        let (mut starts, mut ends) = (Vec::new(), Vec::new());
        loop {
            match sub.next().await {
                Ok(e) => match e.payload {
                    EventPayload::ModelRequestStart { .. } => starts.push(Instant::now()),
                    EventPayload::ModelRequestEnd { .. } => ends.push(Instant::now()),
                    EventPayload::StatusIdle { .. } => return (starts, ends),
                    _ => {}
                },
                Err(_) => return (starts, ends),
            }
        }
    });
    let context = ToolContext::new(Workspace::new(workspace_dir.path()).expect("workspace"), CancellationToken::new());
    let mut run = ThreadLoop::new(log.clone(), session, thread, model, context);
    run.max_turns = (TURNS + 1) as u32;
    let started = Instant::now();
    let outcome = run_session(run, "Read notes.md until told to stop.").await.expect("run");
    let total = started.elapsed();
    assert_eq!(outcome.turns as usize, TURNS + 1, "every scripted turn ran");
    let (starts, ends) = watcher.await.expect("watcher");
    let sorted = |mut v: Vec<Duration>| {
        v.sort();
        v
    };
    let server: Vec<Duration> = fake.requests().iter().filter(|r| r.method == "POST").map(|r| r.server_time).collect();
    let round_trips: Vec<Duration> = starts.windows(2).map(|w| w[1] - w[0]).collect();
    Figures {
        overhead: sorted(round_trips.iter().zip(&server).map(|(rt, s)| rt.saturating_sub(*s)).collect()),
        server: sorted(server.clone()),
        round_trips: sorted(round_trips),
        model: sorted(starts.iter().zip(&ends).map(|(s, e)| *e - *s).collect()),
        engine: sorted(ends.iter().zip(starts.iter().skip(1)).map(|(e, s)| *s - *e).collect()),
        total,
    }
}

fn line(label: &str, v: &[Duration]) -> String {
    format!(
        "{label:<32} median {:>6.2} ms   p99 {:>6.2} ms",
        percentile(v, 0.5).as_secs_f64() * 1e3,
        percentile(v, 0.99).as_secs_f64() * 1e3
    )
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    println!("engine overhead per model round trip ({TURNS} turns, fake provider answering at once, events persisted)");
    for kind in [ProviderKind::Anthropic, ProviderKind::OpenaiCompatible] {
        let f = rt.block_on(measure(kind));
        println!("  {} ({} turns in {:.2} s)", kind.as_str(), f.round_trips.len() + 1, f.total.as_secs_f64());
        println!("    {}", line("whole round trip", &f.round_trips));
        println!("    {}", line("model request (HTTP + stream)", &f.model));
        println!("    {}", line("engine (tool call + appends)", &f.engine));
        println!("    {}", line("fake provider's own time", &f.server));
        println!("    {}", line("engine overhead (trip − fake)", &f.overhead));
    }
}
