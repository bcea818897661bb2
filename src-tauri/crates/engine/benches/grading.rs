//! What grading costs on our side: `cargo bench -p reverie-engine --bench grading`.
//!
//! 1. Artifacts: finding the files a run changed in a workspace of 10,000 files (20 of them
//!    changed, one added) by comparing it with the snapshot taken when the outcome began, and
//!    rendering them for the grader: median and p99 over 30 evaluations.
//! 2. One grading pass of a 12-criterion rubric against the loopback fake provider answering at
//!    once, with three passes run concurrently as `grader_passes = 3` does: median and p99 of
//!    the whole pass (prompt, request, streamed `submit_result`, schema and rubric checks).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use reverie_engine::outcome::artifacts::{changed_files, render, Snapshot};
use reverie_engine::outcome::grade::{grade_once, Grader};
use reverie_engine::outcome::parse;
use reverie_engine::tools::{ToolContext, ToolSet, Workspace};
use reverie_llm::{model_for, Endpoint, StreamOptions};
use reverie_protocol::ProviderKind;
use reverie_testkit::{FakeProvider, FakeProviderConfig, Reply, Script};
use secrecy::SecretString;
use serde_json::json;
use tokio_util::sync::CancellationToken;

const FILES: usize = 10_000;
const EVALUATIONS: usize = 30;
const PASSES: usize = 200;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn line(label: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "  {label:<44} median {:>7.2} ms   p99 {:>7.2} ms",
        percentile(&samples, 0.5).as_secs_f64() * 1e3,
        percentile(&samples, 0.99).as_secs_f64() * 1e3
    );
}

fn artifacts() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for i in 0..FILES {
        let sub = root.join(format!("src/mod{:03}", i % 200));
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(
            sub.join(format!("file{i}.rs")),
            format!("// file {i}\npub fn f{i}() -> usize {{ {i} }}\n").repeat(20),
        )
        .unwrap();
    }
    let mut samples = Vec::new();
    for round in 0..EVALUATIONS {
        let before = Snapshot::take(root);
        for i in 0..20 {
            let path = root.join(format!("src/mod{:03}/file{}.rs", (i * 37) % 200, (i * 37) % 200 + 200 * i));
            if path.exists() {
                std::fs::write(&path, format!("// changed in round {round}\n").repeat(40)).unwrap();
            }
        }
        std::fs::write(root.join(format!("NEW{round}.md")), "# New\n").unwrap();
        let started = Instant::now();
        let changed = changed_files(root, &before, &BTreeSet::new());
        let text = render(root, &changed);
        samples.push(started.elapsed());
        assert!(changed.len() >= 2 && text.len() > 100);
    }
    line(&format!("changed files of {FILES} + render"), samples);
}

async fn passes() {
    let rubric: String = (0..12).map(|i| format!("- Criterion number {i} holds {{#c{i}}}\n")).collect();
    let criteria = parse(&format!("# Rubric\n{rubric}")).unwrap();
    let report = json!({"applies": true, "criteria": criteria.iter().map(|c| json!({"id": c.id, "verdict": "met", "evidence": "src/lib.rs:12"})).collect::<Vec<_>>()});
    let replies = std::iter::repeat_with(|| Reply::new().tool_use("submit_result", report.clone())).take(PASSES * 4);
    let fake =
        FakeProvider::start_with_script(FakeProviderConfig::default(), Script::from_replies(replies)).await.unwrap();
    let model = model_for(
        &Endpoint { kind: ProviderKind::Anthropic, base_url: fake.base_url(), model: "fake-model".into() },
        Some(SecretString::from("sk-test-good".to_owned())),
        StreamOptions::default(),
    );
    let dir = tempfile::tempdir().unwrap();
    let tools = ToolSet::workspace().filter(|n| matches!(n, "read_file" | "list_files" | "search_files"));
    let context = ToolContext::new(Workspace::new(dir.path()).unwrap(), CancellationToken::new());
    let grader = Grader { model: &*model, tools: &tools, context: &context };
    let prompt = format!("## What the work should achieve\nA change.\n\n## Files\n{}", "x = 1\n".repeat(2000));
    let mut one = Vec::new();
    let mut three = Vec::new();
    for _ in 0..PASSES {
        let started = Instant::now();
        grade_once(&grader, "Grade.", &prompt, &criteria).await.unwrap();
        one.push(started.elapsed());
    }
    for _ in 0..PASSES / 2 {
        let started = Instant::now();
        let (a, b, c) = tokio::join!(
            grade_once(&grader, "Grade.", &prompt, &criteria),
            grade_once(&grader, "Grade.", &prompt, &criteria),
            grade_once(&grader, "Grade.", &prompt, &criteria)
        );
        a.unwrap();
        b.unwrap();
        c.unwrap();
        three.push(started.elapsed());
    }
    line("one grading pass (12 criteria, loopback)", one);
    line("three concurrent passes", three);
}

fn main() {
    println!("grading overhead");
    artifacts();
    tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(passes());
}
