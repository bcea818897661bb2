//! Fan-out efficiency: `cargo bench -p reverie-engine --bench fan_out`.
//!
//! A coordinator delegates to 16 subagents in one turn (thread cap raised to 16); each subagent
//! makes 3 model calls (two `list_files` calls, then its report); the loopback fake provider
//! answers every call after 300 ms. The critical path is 5 calls: the coordinator's first, a
//! subagent's three, the coordinator's last. Prints the wall time of the session divided by the
//! critical path measured from the log (the coordinator's two calls plus the slowest subagent's
//! summed call latency). Goal ≤ 1.05; a second case at 20 ms a call shows the
//! engine's own overhead, goal ≤ 1.2. Real SQLite (file-backed, WAL), the real HTTP adapter.
//!
//! To record a session log for the timeline's tests and benchmark, set `FANOUT_LOG=FILE` (the
//! last run's events as a JSON array), and optionally `FANOUT_SUBAGENTS`, `FANOUT_CALLS`
//! (model calls per subagent) and `FANOUT_LATENCY_MS`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use reverie_engine::clock::SequentialIds;
use reverie_engine::outcome::Rubrics;
use reverie_engine::session::{EventLog, Owner, RunOptions, Sessions, SessionsParts};
use reverie_engine::{Agents, Database, Memory, Providers, Secrets, SystemClock};
use reverie_llm::StreamOptions;
use reverie_protocol::{AgentInput, EventPayload, ProviderInput, ProviderKind, RunInput, ThreadId};
use reverie_testkit::{FakeProvider, FakeProviderConfig, Reply, Script};
use serde_json::json;

const SUBAGENTS: usize = 16;
const CALLS: usize = 3;
const LATENCY_MS: u64 = 300;
const ROUNDS: usize = 3;

fn knob(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

async fn once(subagents: usize, calls: usize, latency_ms: u64) -> (f64, f64, Vec<reverie_protocol::SessionEvent>) {
    let data = tempfile::tempdir().unwrap();
    let workspace = tempfile::tempdir().unwrap();
    let (db, _) = Database::open_in(data.path(), 0).unwrap();
    let db = Arc::new(db);
    let clock = Arc::new(SystemClock);
    let ids = Arc::new(SequentialIds::default());
    let providers =
        Providers::new(db.clone(), Arc::new(Secrets::memory_only()), clock.clone(), ids.clone(), Arc::new(|_| None));
    let agents = Agents::new(db.clone(), clock.clone(), ids.clone());
    let mut script = Script::new();
    let mut roster = Vec::new();
    let mut first = Reply::new().text("Splitting the work.").delay_ms(latency_ms);
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
    let input = |name: String, roster: Vec<reverie_protocol::AgentId>| AgentInput {
        description: format!("Part {name}"),
        instructions: format!("[[script:{name}]]"),
        name,
        provider_id: provider.id.clone(),
        model: None,
        tools: vec![],
        max_turns: Some((calls as u32 + 5).min(500)),
        memory: vec![],
        roster,
    };
    for i in 0..subagents {
        let name = format!("sub{i}");
        roster.push(agents.create(input(name.clone(), vec![])).unwrap().id);
        first = first.tool_use("delegate", json!({"agent": name, "message": format!("Do part {i}")}));
        let mut replies: Vec<Reply> = (1..calls)
            .map(|_| Reply::new().text("Looking.").tool_use("list_files", json!({})).delay_ms(latency_ms))
            .collect();
        replies.push(Reply::new().text(format!("Part {i} done.")).delay_ms(latency_ms));
        script = script.conversation(name, replies);
    }
    let coordinator = agents.create(input("lead".into(), roster)).unwrap();
    script = script.conversation("lead", [first, Reply::new().text("All parts are done.").delay_ms(latency_ms)]);
    fake.set_script(script);
    let log = Arc::new(EventLog::new(db.clone(), clock.clone()));
    let sessions = Sessions::new(SessionsParts {
        log: log.clone(),
        agents,
        providers,
        memory: Memory::new(db.clone(), clock.clone(), ids.clone()),
        rubrics: Rubrics::new(db, clock, ids.clone()),
        ids: ids.clone(),
        owner: Owner::in_process(&*ids),
        stream_options: StreamOptions::default(),
    });
    let run = RunInput {
        agent_id: coordinator.id,
        workspace: workspace.path().display().to_string(),
        task: "Do all parts.".into(),
        max_threads: Some(subagents.min(25) as u32),
        outcome: None,
        allow_home: None,
    };
    let wall = Instant::now();
    let started = sessions.start(run, RunOptions::default()).await.unwrap();
    let id = started.summary.id.clone();
    let outcome = started.done.await.unwrap().unwrap();
    let wall = wall.elapsed().as_secs_f64();
    assert_eq!(outcome.reason, reverie_protocol::IdleReason::EndTurn);
    // Summed call latency per thread, from the log.
    let events = log.read(&id, 0, usize::MAX).unwrap();
    let mut open: HashMap<ThreadId, i64> = HashMap::new();
    let mut summed: HashMap<ThreadId, i64> = HashMap::new();
    for e in &events {
        match e.payload {
            EventPayload::ModelRequestStart { .. } => {
                open.insert(e.thread_id.clone(), e.time_ms);
            }
            EventPayload::ModelRequestEnd { .. } => {
                let start = open.remove(&e.thread_id).unwrap();
                *summed.entry(e.thread_id.clone()).or_default() += e.time_ms - start;
            }
            _ => {}
        }
    }
    let primary = &events[0].thread_id;
    let slowest = summed.iter().filter(|(t, _)| *t != primary).map(|(_, ms)| *ms).max().unwrap();
    let critical = (summed[primary] + slowest) as f64 / 1000.0;
    assert_eq!(summed.len(), subagents + 1);
    (wall, critical, events)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let (subagents, calls) = (knob("FANOUT_SUBAGENTS", SUBAGENTS), knob("FANOUT_CALLS", CALLS));
    // Slow calls show the parallelism; fast ones (20 ms) show the engine's own overhead.
    let cases: Vec<(u64, f64)> = match std::env::var("FANOUT_LATENCY_MS").ok().and_then(|v| v.parse().ok()) {
        Some(ms) => vec![(ms, if ms < 100 { 1.2 } else { 1.05 })],
        None => vec![(LATENCY_MS, 1.05), (20, 1.2)],
    };
    let mut last = Vec::new();
    for (latency, goal) in cases {
        println!("fan-out: 1 coordinator + {subagents} subagents × {calls} calls, {latency} ms a call");
        let mut ratios = Vec::new();
        for round in 0..ROUNDS {
            let (wall, critical, events) = rt.block_on(once(subagents, calls, latency));
            last = events;
            let ratio = wall / critical;
            ratios.push(ratio);
            // The scripted latency alone, with no HTTP, parsing or engine time: a lower bound.
            let scripted = (calls + 2) as f64 * latency as f64 / 1000.0;
            println!(
                "  run {}: wall {wall:.3} s, critical path {critical:.3} s, ratio {ratio:.3} (to the scripted {scripted:.3} s alone: {:.3})",
                round + 1,
                wall / scripted
            );
        }
        ratios.sort_by(f64::total_cmp);
        println!("  median ratio {:.3} (goal ≤ {goal})", ratios[ROUNDS / 2]);
    }
    if let Ok(path) = std::env::var("FANOUT_LOG") {
        std::fs::write(&path, serde_json::to_string(&last).unwrap()).unwrap();
        println!("  wrote the last run's {} events to {path}", last.len());
    }
}
