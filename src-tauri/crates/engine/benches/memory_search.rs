//! Memory search latency and context economy: `cargo bench -p reverie-engine --bench memory_search`.
//!
//! 1. A generated store at the limits (2,000 files, ~100 MB of Markdown, file-backed SQLite with
//!    the FTS5 index), then 500 searches of two or three words: median and p99 latency
//!    (goal ≤ 5 ms p50). The text is drawn from a 20,000-word vocabulary with a Zipf
//!    distribution (like prose: a few words everywhere, most words rare), each file leaning on
//!    its own topic words; queries use words of middling frequency, as a question would.
//! 2. Context economy on a fixture of questions over a realistic store: the tokens an agent puts
//!    in context with the index plus on-demand reads (index, search results, the files it reads)
//!    against loading the whole store (goal ≤ 10%). Tokens are counted as characters ÷ 4.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reverie_engine::memory::{Actor, Change, INDEX_TOKEN_BUDGET};
use reverie_engine::{Database, Memory, SystemClock, UuidIds};
use reverie_protocol::MemoryStoreInput;

const FILES: usize = 2000;
const FILE_BYTES: usize = 49_000;
const SEARCHES: usize = 500;

/// A small deterministic generator (xorshift), so every run builds the same store.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, words: &[&'a str]) -> &'a str {
        words[(self.next() % words.len() as u64) as usize]
    }
}

const WORDS: &[&str] = &[
    "build",
    "test",
    "deploy",
    "database",
    "cache",
    "release",
    "branch",
    "review",
    "config",
    "secret",
    "token",
    "schema",
    "migration",
    "index",
    "query",
    "latency",
    "retry",
    "backoff",
    "timeout",
    "queue",
    "worker",
    "thread",
    "window",
    "theme",
    "layout",
    "render",
    "parser",
    "lexer",
    "grammar",
    "rubric",
    "grader",
    "memory",
    "dream",
    "session",
    "agent",
    "tool",
    "workspace",
    "folder",
    "file",
    "path",
    "sandbox",
    "permission",
    "approval",
    "cancel",
    "stream",
    "provider",
    "model",
    "prompt",
    "context",
    "budget",
    "cost",
    "price",
    "invoice",
    "customer",
    "ticket",
    "incident",
    "postmortem",
    "runbook",
    "alert",
    "metric",
    "dashboard",
    "backup",
    "restore",
    "snapshot",
    "checksum",
    "archive",
];

/// Synthetic words: "ka", "kemi", "lorato"… distinct, pronounceable, no meaning.
fn vocabulary(size: usize) -> Vec<String> {
    const SYLLABLES: &[&str] =
        &["ka", "me", "lo", "ri", "tu", "sa", "ne", "vo", "di", "pa", "zu", "ge", "mo", "fi", "ra", "te"];
    (0..size)
        .map(|mut n| {
            let mut word = String::new();
            loop {
                word.push_str(SYLLABLES[n % SYLLABLES.len()]);
                n /= SYLLABLES.len();
                if n == 0 {
                    break;
                }
            }
            word
        })
        .collect()
}

/// A word by Zipf rank: rank r with probability about 1/r.
fn zipf<'a>(rng: &mut Rng, words: &'a [String]) -> &'a str {
    let u = (rng.next() % 1_000_000) as f64 / 1_000_000.0;
    let rank = ((words.len() as f64).powf(u) as usize).clamp(1, words.len());
    &words[rank - 1]
}

fn paragraph(rng: &mut Rng, words: usize) -> String {
    let mut s = String::new();
    for i in 0..words {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(rng.pick(WORDS));
    }
    s.push_str(".\n");
    s
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    // REVERIE_BENCH_DIR keeps the generated database there (and reuses it) for profiling.
    let kept = std::env::var_os("REVERIE_BENCH_DIR").map(std::path::PathBuf::from);
    let data = tempfile::tempdir().expect("data dir");
    let dir = kept.clone().unwrap_or_else(|| data.path().to_owned());
    let reuse = kept.is_some() && dir.join(reverie_engine::store::DB_FILE).exists();
    let (db, _) = Database::open_in(&dir, 0).expect("database");
    let memory = Memory::new(Arc::new(db), Arc::new(SystemClock), Arc::new(UuidIds));
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);

    // 1. Search latency at the limits.
    let vocabulary = vocabulary(20_000);
    let store = match reuse {
        true => memory.store_by_name("Large").expect("the kept store").id,
        false => {
            memory
                .create_store(MemoryStoreInput { name: "Large".into(), description: String::new() })
                .expect("store")
                .id
        }
    };
    let started = Instant::now();
    for i in (0..FILES).filter(|_| !reuse) {
        let topic: Vec<&str> = (0..8).map(|_| vocabulary[(rng.next() % 20_000) as usize].as_str()).collect();
        let mut content = format!("# {} {}\n", topic[0], topic[1]);
        while content.len() < FILE_BYTES {
            for j in 0..24 {
                let word = if j % 6 == 0 { topic[(rng.next() % 8) as usize] } else { zipf(&mut rng, &vocabulary) };
                content.push_str(word);
                content.push(' ');
            }
            content.push_str(".\n");
        }
        let path = format!("{}/{}-{i}.md", topic[0], topic[1]);
        memory.apply(&store, Change::Write { path, content }, None, &Actor::User).expect("write");
    }
    let info = memory.store(&store).expect("store");
    println!(
        "memory search over a generated store: {} files, {:.1} MB (written in {:.1} s)",
        info.files,
        info.bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    let mut times = Vec::with_capacity(SEARCHES);
    let mut found = 0;
    for i in 0..SEARCHES {
        let words = 2 + i % 2;
        // Words of middling frequency (Zipf ranks 200–20,000), like the nouns of a question.
        let query: Vec<&str> = (0..words).map(|_| vocabulary[200 + (rng.next() % 19_800) as usize].as_str()).collect();
        let t = Instant::now();
        let hits = memory.search(&store, &query.join(" "), 8).expect("search");
        times.push(t.elapsed());
        found += hits.len();
    }
    times.sort();
    println!(
        "  {SEARCHES} searches (2–3 words, top 8): p50 {:.2} ms, p99 {:.2} ms, {:.1} hits each",
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.99)),
        found as f64 / SEARCHES as f64
    );

    // 2. Context economy on a realistic store: 60 topic files of 1–3 kB.
    if let Ok(old) = memory.store_by_name("Team") {
        memory.delete_store(&old.id).expect("delete");
    }
    let notes =
        memory.create_store(MemoryStoreInput { name: "Team".into(), description: String::new() }).expect("store").id;
    let mut topics = Vec::new();
    for (i, topic) in WORDS.iter().enumerate().take(60) {
        let mut content = format!("# {topic}\nWhat we learned about {topic} in this project.\n\n");
        let target = 1000 + (i % 3) * 1000;
        while content.len() < target {
            content.push_str(&format!("- {topic}: {}", paragraph(&mut rng, 14)));
        }
        memory
            .apply(&notes, Change::Write { path: format!("{topic}.md"), content }, None, &Actor::User)
            .expect("write");
        topics.push(*topic);
    }
    let whole: usize = memory.files(&notes).expect("files").iter().map(|f| f.bytes as usize).sum::<usize>() / 4;
    let (index, _) = memory.index(&notes, INDEX_TOKEN_BUDGET).expect("index");
    let mut ratios = Vec::new();
    for topic in topics.iter().step_by(3) {
        // An agent asks about one topic: it has the index, searches once, reads the best two files.
        let question = format!("what do we know about {topic} and the {} setup", rng.pick(WORDS));
        let hits = memory.search(&notes, &question, 8).expect("search");
        let mut tokens = index.len() / 4 + hits.iter().map(|h| (h.path.len() + h.snippet.len()) / 4).sum::<usize>();
        for hit in hits.iter().take(2) {
            tokens += memory.read(&notes, &hit.path).expect("read").content.len() / 4;
        }
        ratios.push(tokens as f64 / whole as f64);
    }
    ratios.sort_by(f64::total_cmp);
    println!(
        "context economy over {} questions (60 files, {} tokens in the whole store): index + search + 2 reads = {:.1}% median, {:.1}% worst",
        ratios.len(),
        whole,
        ratios[ratios.len() / 2] * 100.0,
        ratios[ratios.len() - 1] * 100.0
    );
}
