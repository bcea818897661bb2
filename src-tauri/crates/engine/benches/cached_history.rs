//! Cached history on Anthropic: `cargo bench -p reverie-engine --bench cached_history`.
//!
//! One 40-turn session (each turn reads a 4 kB file, so the history grows every turn) through
//! the real Anthropic adapter against the loopback fake provider with its prompt cache on:
//! the fake reports the cache reads and writes the API would for the `cache_control`
//! breakpoints it is sent (1024-token minimum, 20-block lookback, ~4 bytes a token). The
//! counts are the ones the engine recorded per request (`span.model_request_end`). Prints
//! the tokens in per turn, the total, and the share read from the cache (goal, issue 14:
//! ≥ 70% after turn 5). The figures are token counts, the same on every run and in any
//! profile (`--profile dev` skips the optimized build). "Uncached" is the fake's estimate of
//! the whole body less the blocks' share, so it includes the JSON around the blocks.

use std::sync::Arc;

use reverie_engine::session::thread_loop::{run_session, ThreadLoop};
use reverie_engine::session::EventLog;
use reverie_engine::tools::{ToolContext, Workspace};
use reverie_engine::{Database, SystemClock};
use reverie_llm::{model_for, Endpoint, StreamOptions};
use reverie_protocol::{EventPayload, ProviderKind, SessionId, ThreadId, TokenUsage};
use reverie_testkit::{FakeProvider, FakeProviderConfig, Reply, Script};
use secrecy::SecretString;
use serde_json::json;
use tokio_util::sync::CancellationToken;

const TURNS: usize = 40;

const SYSTEM: &str = "You are a careful coding agent working in the user's workspace. Read before you \
write, keep changes small, run the tests after each change, and say what you changed and why. \
Never touch files outside the workspace. When a command fails, read its output before trying again.\n";

fn tokens_in(u: &TokenUsage) -> u64 {
    u.input_tokens + u.cache_read_tokens + u.cache_write_tokens
}

async fn measure() -> Vec<TokenUsage> {
    let mut replies: Vec<Reply> = (0..TURNS - 1)
        .map(|_| Reply::new().text("Reading the next part.").tool_use("read_file", json!({"path": "notes.md"})))
        .collect();
    replies.push(Reply::new().text("Done."));
    let fake = FakeProvider::start_with_script(FakeProviderConfig::default(), Script::from_replies(replies))
        .await
        .expect("fake provider");
    fake.set_prompt_cache(true);
    let model = model_for(
        &Endpoint { kind: ProviderKind::Anthropic, base_url: fake.base_url(), model: "fake-model".into() },
        Some(SecretString::from("sk-test-good".to_owned())),
        StreamOptions::default(),
    );
    let data = tempfile::tempdir().expect("data dir");
    let workspace_dir = tempfile::tempdir().expect("workspace");
    let notes: String = (0..64).map(|i| format!("{i:02} A line of notes the agent reads every turn.\n")).collect();
    std::fs::write(workspace_dir.path().join("notes.md"), notes).expect("fixture");
    let (db, _) = Database::open_in(data.path(), 0).expect("database");
    let log = Arc::new(EventLog::new(Arc::new(db), Arc::new(SystemClock)));
    let session = SessionId("ses_bench".into());
    let thread = ThreadId("thr_bench".into());
    log.create_session(&session, "bench", "bench", &workspace_dir.path().display().to_string()).expect("session");
    let context = ToolContext::new(Workspace::new(workspace_dir.path()).expect("workspace"), CancellationToken::new());
    let mut run = ThreadLoop::new(log.clone(), session.clone(), thread, model, context);
    run.system = SYSTEM.repeat(12);
    run.max_turns = TURNS as u32;
    let outcome = run_session(run, "Read notes.md until told to stop.").await.expect("run");
    assert_eq!(outcome.turns as usize, TURNS, "every scripted turn ran");
    let events = log.read(&session, 0, usize::MAX).expect("events");
    let usages: Vec<TokenUsage> = events
        .into_iter()
        .filter_map(|e| match e.payload {
            EventPayload::ModelRequestEnd { usage, .. } => Some(usage),
            _ => None,
        })
        .collect();
    assert_eq!(usages.len(), TURNS, "one usage per request");
    usages
}

fn share(usages: &[TokenUsage]) -> (u64, u64, f64) {
    let total: u64 = usages.iter().map(tokens_in).sum();
    let read: u64 = usages.iter().map(|u| u.cache_read_tokens).sum();
    (total, read, read as f64 * 100.0 / total.max(1) as f64)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let usages = rt.block_on(measure());
    println!("cached history on Anthropic ({TURNS} turns, fake provider with the API's prompt-cache rules)");
    println!("  turn   tokens in   cache read   cache write   uncached   read share");
    for (i, u) in usages.iter().enumerate() {
        let turn = i + 1;
        if [1, 2, 3, 5, 6, 10, 20, 30, 40].contains(&turn) {
            let pct = u.cache_read_tokens as f64 * 100.0 / tokens_in(u).max(1) as f64;
            println!(
                "  {turn:>4}   {:>9}   {:>10}   {:>11}   {:>8}   {pct:>9.1}%",
                tokens_in(u),
                u.cache_read_tokens,
                u.cache_write_tokens,
                u.input_tokens
            );
        }
    }
    let (total, read, pct) = share(&usages);
    println!("  whole session: {total} tokens in, {read} read from the cache ({pct:.1}%)");
    let (total, read, pct) = share(&usages[5..]);
    println!("  turns 6–{TURNS}:   {total} tokens in, {read} read from the cache ({pct:.1}%; goal ≥ 70%)");
    let worst = usages[5..]
        .iter()
        .map(|u| u.cache_read_tokens as f64 * 100.0 / tokens_in(u).max(1) as f64)
        .fold(f64::INFINITY, f64::min);
    println!("  lowest single-turn share after turn 5: {worst:.1}%");
}
