//! `reverie run` and `reverie resume`: start or continue a session, then follow it to the end —
//! streaming the transcript (or JSON lines), answering approvals, and cancelling on Ctrl-C.

use std::io::{IsTerminal, Read, Write};
use std::path::Path;
use std::time::Instant;

use reverie_engine::session::thread_loop::RunOutcome;
use reverie_engine::session::{RunOptions, Started};
use reverie_protocol::{
    EventPayload, IdleReason, OutcomeInput, OutcomeResult, RunInput, SessionEvent, SessionId, StreamItem,
};
use tokio::signal::unix::{signal, Signal, SignalKind};
use tokio::sync::oneshot;

use crate::args::{ResumeArgs, RunArgs, StreamFlags};
use crate::engine::Engine;
use crate::exit::{self, Failure, Outcome};
use crate::transcript::{self, Transcript};

pub async fn run(engine: &Engine, args: RunArgs) -> Outcome {
    let agent = engine.agent_by_name(&args.agent).await?;
    let workspace = match &args.workspace {
        Some(dir) => absolute(dir)?,
        None => std::env::current_dir()
            .map_err(|e| Failure::new(format!("Couldn't read the current folder ({e}); pass --workspace DIR.")))?,
    };
    let task = match args.task.as_slice() {
        [dash] if dash == "-" => read_stdin("task")?,
        words => words.join(" "),
    };
    let outcome = match &args.outcome.rubric {
        Some(rubric) => {
            let rubric = engine.rubric(rubric).await?;
            Some(OutcomeInput {
                description: args.outcome.outcome.clone().unwrap_or_default(),
                rubric_id: rubric.id,
                rubric_version: Some(rubric.latest.version),
                max_iterations: args.outcome.max_iterations,
                grader_passes: args.outcome.grader_passes,
                grader_provider_id: None,
                grader_model: None,
            })
        }
        None => None,
    };
    let input = RunInput {
        agent_id: agent.id,
        workspace: workspace.display().to_string(),
        task,
        max_threads: args.max_threads,
        outcome,
        allow_home: Some(args.yes_home),
    };
    let signals = Signals::listen()?;
    // The run's subscription was made before it began: the first streamed text is seen live.
    let started = engine.sessions.start(input, options(&args.stream)).await?;
    follow(engine, started, signals, &args.stream, None).await
}

pub async fn resume(engine: &Engine, args: ResumeArgs) -> Outcome {
    let id = SessionId(args.id.trim().to_owned());
    let summary = engine.sessions.get(&id).await.map_err(|e| match e {
        reverie_engine::Error::NotFound(_) => {
            Failure::new(format!("There is no session {}. `reverie sessions list` shows the sessions.", id.as_str()))
        }
        other => other.into(),
    })?;
    let message = match args.message.as_deref() {
        Some("-") => Some(read_stdin("message")?),
        other => other.map(str::to_owned),
    };
    let signals = Signals::listen()?;
    let started = engine.sessions.continue_run(&id, message, options(&args.stream)).await?;
    let what = match summary.status {
        reverie_protocol::SessionStatus::Interrupted => "Resuming",
        _ => "Following up on",
    };
    let note = format!("{what} session {} ({}) in {}", id.as_str(), summary.agent_name, summary.workspace);
    follow(engine, started, signals, &args.stream, Some(note)).await
}

/// Ctrl-C and SIGTERM, listened for before the run starts so neither can kill it half-written.
struct Signals {
    interrupt: Signal,
    terminate: Signal,
}

impl Signals {
    fn listen() -> Outcome<Self> {
        let listen = |kind| {
            signal(kind).map_err(|e| Failure::new(format!("Couldn't listen for Ctrl-C ({e}); nothing was started.")))
        };
        Ok(Self { interrupt: listen(SignalKind::interrupt())?, terminate: listen(SignalKind::terminate())? })
    }
}

fn options(flags: &StreamFlags) -> RunOptions {
    RunOptions { approve_all: flags.yes, max_turns: flags.max_turns, ..RunOptions::default() }
}

/// Where the run is shown: the readable transcript, or one JSON line per stored event.
/// If stdout goes away (`| head`), the run goes on and is recorded; it just isn't shown.
struct Output {
    transcript: Option<Transcript<std::io::Stdout>>,
    closed: bool,
}

impl Output {
    fn new(json: bool) -> Self {
        Self { transcript: (!json).then(|| Transcript::new(std::io::stdout())), closed: false }
    }

    fn item(&mut self, item: &StreamItem) {
        let result = match (&mut self.transcript, item) {
            (_, _) if self.closed => Ok(()),
            (Some(t), StreamItem::TextDelta { thread_id, text }) => t.delta(thread_id, text),
            (Some(t), StreamItem::Event { event }) => t.event(event),
            (None, StreamItem::Event { event }) => json_line(&mut std::io::stdout(), event),
            (None, StreamItem::TextDelta { .. }) => Ok(()),
        };
        self.check(result);
    }

    /// A line for the reader: in the transcript, or on stderr beside JSON.
    fn note(&mut self, line: &str) {
        let result = match &mut self.transcript {
            _ if self.closed => Ok(()),
            Some(t) => t.note(line),
            None => writeln!(std::io::stderr(), "{line}"),
        };
        self.check(result);
    }

    fn check(&mut self, result: std::io::Result<()>) {
        if let Err(e) = result {
            self.closed = true;
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                eprintln!("reverie: couldn't write the transcript ({e}); the run goes on and is recorded.");
            }
        }
    }
}

/// One stored event as one JSON line.
pub fn json_line(out: &mut impl Write, event: &SessionEvent) -> std::io::Result<()> {
    let line = serde_json::to_string(event).map_err(std::io::Error::other)?;
    writeln!(out, "{line}")?;
    out.flush()
}

/// The approval being asked on the terminal: its tool-use id and the answer to come.
type Asking = Option<(String, oneshot::Receiver<bool>)>;

/// Follows a started run to its end and returns the exit code for how it ended.
async fn follow(
    engine: &Engine,
    started: Started,
    signals: Signals,
    flags: &StreamFlags,
    note: Option<String>,
) -> Outcome {
    let Started { summary, mut done, subscription: mut sub } = started;
    let id = summary.id;
    let clock = Instant::now();
    let mut out = Output::new(flags.json);
    let interactive = std::io::stdin().is_terminal();
    let Signals { mut interrupt, mut terminate } = signals;
    if let Some(note) = note {
        out.note(&note);
    }
    let mut outcome: Option<RunOutcome> = None;
    let mut cancelling = false;
    let mut asking: Asking = None;
    loop {
        tokio::select! {
            item = sub.next_item() => {
                let item = item.map_err(|e| Failure::from(e).with_session(&id))?;
                out.item(&item);
                let StreamItem::Event { event } = item else { continue };
                match event.payload {
                    EventPayload::StatusIdle { .. } => break,
                    EventPayload::ApprovalRequested { tool_use_id, name, input, working_directory } if !flags.yes => {
                        if interactive {
                            let question = if flags.json {
                                format!("Allow {} in {working_directory}? [y/N] ", transcript::call_line(&name, &input))
                            } else {
                                "  Allow it? [y/N] ".to_owned()
                            };
                            asking = Some((tool_use_id, ask(question)));
                        } else {
                            out.note(&format!(
                                "  No terminal to ask on, so {name} was denied; run with --yes to allow every tool the agent must ask for."
                            ));
                            // Fails only if the run was cancelled meanwhile; nothing waits then.
                            let _ = engine.sessions.answer(&id, &tool_use_id, false);
                        }
                    }
                    _ => {}
                }
            }
            (tool_use_id, approved) = answer(&mut asking) => {
                asking = None;
                let _ = engine.sessions.answer(&id, &tool_use_id, approved);
            }
            result = &mut done, if outcome.is_none() => {
                match result {
                    Ok(Ok(o)) => outcome = Some(o),
                    // The event log itself failed; what it holds stays.
                    Ok(Err(e)) => return Err(Failure::from(e).with_session(&id)),
                    Err(e) => return Err(Failure::new(format!("The run stopped unexpectedly ({e}).")).with_session(&id)),
                }
            }
            _ = interrupt.recv() => {
                if cancelling {
                    eprintln!(
                        "reverie: quit without waiting; the next reverie command will mark session {} interrupted.",
                        id.as_str()
                    );
                    return Ok(exit::CANCELLED);
                }
                cancelling = true;
                out.note("Cancelling… (Ctrl-C again to quit at once)");
                let _ = engine.sessions.cancel(&id).await;
            }
            _ = terminate.recv() => {
                cancelling = true;
                let _ = engine.sessions.cancel(&id).await;
            }
        }
    }
    let outcome = match outcome {
        Some(o) => o,
        None => match done.await {
            Ok(Ok(o)) => o,
            Ok(Err(e)) => return Err(Failure::from(e).with_session(&id)),
            Err(e) => return Err(Failure::new(format!("The run stopped unexpectedly ({e}).")).with_session(&id)),
        },
    };
    out.note(&format!(
        "{} · session {}",
        transcript::totals(
            outcome.turns,
            outcome.usage.input_tokens,
            outcome.usage.output_tokens,
            outcome.cost_usd,
            elapsed_ms(clock)
        ),
        id.as_str()
    ));
    if !matches!(outcome.reason, IdleReason::EndTurn) && !flags.json {
        out.note(&format!("  Continue it with `reverie resume {} --message \"…\"`.", id.as_str()));
    }
    match (outcome.reason, outcome.outcome) {
        (IdleReason::EndTurn, Some(OutcomeResult::Failed | OutcomeResult::MaxIterationsReached)) => {
            Ok(exit::NOT_SATISFIED)
        }
        (reason, _) => Ok(exit::for_reason(reason)),
    }
}

/// The terminal's answer to the approval being asked; never resolves while none is.
async fn answer(asking: &mut Asking) -> (String, bool) {
    match asking {
        Some((tool_use_id, rx)) => (tool_use_id.clone(), rx.await.unwrap_or(false)),
        None => std::future::pending().await,
    }
}

impl Failure {
    /// Says where the session's record is, for failures after it started.
    fn with_session(mut self, id: &SessionId) -> Self {
        self.message = format!(
            "{} Session {} keeps what was recorded: `reverie sessions show {}`.",
            self.message,
            id.as_str(),
            id.as_str()
        );
        self
    }
}

/// Asks `question` on the terminal on its own thread (reading stdin blocks); `y` or `yes` allows.
fn ask(question: String) -> oneshot::Receiver<bool> {
    let (tx, rx) = oneshot::channel();
    std::thread::spawn(move || {
        let mut stderr = std::io::stderr();
        let _ = write!(stderr, "{question}");
        let _ = stderr.flush();
        let mut line = String::new();
        let approved =
            std::io::stdin().read_line(&mut line).is_ok() && matches!(line.trim().to_lowercase().as_str(), "y" | "yes");
        let _ = tx.send(approved);
    });
    rx
}

fn elapsed_ms(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// `dir` made absolute against the current folder, without resolving it (a folder that does not
/// exist is the engine's to report).
fn absolute(dir: &Path) -> Outcome<std::path::PathBuf> {
    std::path::absolute(dir).map_err(|e| {
        Failure::new(format!("Couldn't make {} a full path ({e}); give the folder's full path.", dir.display()))
    })
}

/// All of standard input, as the `what` (a task or a message).
fn read_stdin(what: &str) -> Outcome<String> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).map_err(|e| {
        Failure::new(format!("Couldn't read the {what} from standard input ({e}); it must be UTF-8 text."))
    })?;
    Ok(text)
}
