//! `reverie sessions list | show | export`.

use std::io::Write;

use reverie_engine::Clock;
use reverie_protocol::{SessionEvent, SessionId, SessionSummary};

use crate::args::SessionsCommand;
use crate::engine::Engine;
use crate::exit::{self, Failure, Outcome};
use crate::run::json_line;
use crate::transcript::{self, Transcript};
use crate::units;

/// Events read per page (the engine caps a read at 5,000).
const PAGE: usize = 1000;

pub async fn command(engine: &Engine, command: SessionsCommand) -> Outcome {
    match command {
        SessionsCommand::List { json } => list(engine, json).await,
        SessionsCommand::Show { id } => show(engine, &SessionId(id.trim().to_owned())).await,
        SessionsCommand::Export { id } => export(engine, &SessionId(id.trim().to_owned())).await,
    }
}

async fn list(engine: &Engine, json: bool) -> Outcome {
    let sessions = engine.sessions.list().await?;
    let mut out = std::io::stdout().lock();
    if json {
        let text = serde_json::to_string_pretty(&sessions)
            .map_err(|e| Failure::new(format!("Couldn't write the list ({e}).")))?;
        return written(writeln!(out, "{text}"));
    }
    if sessions.is_empty() {
        return written(writeln!(out, "No sessions yet. Start one with `reverie run --agent NAME \"task\"`."));
    }
    let now = reverie_engine::SystemClock.now_ms();
    let rows: Vec<[String; 8]> = sessions
        .iter()
        .map(|s| {
            [
                s.id.as_str().to_owned(),
                status(s),
                units::clip(&s.agent_name, 20),
                units::first_line(&s.task_preview, 40),
                s.turns.to_string(),
                format!("{}/{}", units::tokens(s.usage.input_tokens), units::tokens(s.usage.output_tokens)),
                s.cost_usd.map_or_else(|| "-".to_owned(), |c| units::cost(Some(c))),
                units::age(now, s.updated_at),
            ]
        })
        .collect();
    let header = ["ID", "STATUS", "AGENT", "TASK", "TURNS", "TOKENS IN/OUT", "COST", "UPDATED"].map(str::to_owned);
    written(table(&mut out, &header, &rows))
}

/// `idle (end_turn)`, `running`, `interrupted`.
fn status(s: &SessionSummary) -> String {
    match s.stop_reason {
        Some(reason) if s.status == reverie_protocol::SessionStatus::Idle => {
            format!(
                "idle ({})",
                serde_json::to_value(reason).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
            )
        }
        _ => s.status.as_str().to_owned(),
    }
}

async fn show(engine: &Engine, id: &SessionId) -> Outcome {
    let summary = summary(engine, id).await?;
    let mut transcript = Transcript::new(std::io::stdout().lock());
    written(transcript.note(&transcript::header(&summary)))?;
    let mut failed = None;
    each_event(engine, id, |event| {
        if failed.is_none() {
            failed = transcript.event(event).err();
        }
    })
    .await?;
    if let Some(e) = failed {
        return written(Err(e));
    }
    let totals = transcript::totals(
        summary.turns,
        summary.usage.input_tokens,
        summary.usage.output_tokens,
        summary.cost_usd,
        summary.duration_ms,
    );
    written(transcript.note(&format!("{totals} · {}", status(&summary))))
}

async fn export(engine: &Engine, id: &SessionId) -> Outcome {
    summary(engine, id).await?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut failed = None;
    each_event(engine, id, |event| {
        if failed.is_none() {
            failed = json_line(&mut out, event).err();
        }
    })
    .await?;
    written(failed.map_or_else(|| out.flush(), Err))
}

async fn summary(engine: &Engine, id: &SessionId) -> Outcome<SessionSummary> {
    engine.sessions.get(id).await.map_err(|e| match e {
        reverie_engine::Error::NotFound(_) => {
            Failure::new(format!("There is no session {}. `reverie sessions list` shows the sessions.", id.as_str()))
        }
        other => other.into(),
    })
}

/// Every stored event of the session, page by page.
async fn each_event(engine: &Engine, id: &SessionId, mut each: impl FnMut(&SessionEvent)) -> Outcome<()> {
    let mut after = 0;
    loop {
        let page = engine.sessions.events(id, after, PAGE).await?;
        let Some(last) = page.last() else {
            return Ok(());
        };
        after = last.seq;
        page.iter().for_each(&mut each);
    }
}

/// Columns padded to their widest cell.
pub fn table(out: &mut impl Write, header: &[String], rows: &[impl AsRef<[String]>]) -> std::io::Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row.as_ref()) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in std::iter::once(header).chain(rows.iter().map(AsRef::as_ref)) {
        let cells: Vec<String> = row.iter().zip(&widths).map(|(cell, w)| format!("{cell:<w$}")).collect();
        writeln!(out, "{}", cells.join("  ").trim_end())?;
    }
    out.flush()
}

/// Success, or the one failure stdout can have (a closed pipe exits quietly).
pub fn written(result: std::io::Result<()>) -> Outcome {
    match result {
        Ok(()) => Ok(exit::OK),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(exit::OK),
        Err(e) => Err(Failure::new(format!("Couldn't write to standard output ({e})."))),
    }
}
