//! `reverie dream` and `reverie proposals`: dreaming from the terminal and reviewing what a
//! dream proposed, hunk by hunk.

use std::io::Write;

use reverie_engine::blocking::blocking;
use reverie_protocol::{
    ApplyReport, DiffLineKind, Dream, DreamId, DreamInput, DreamMode, DreamStage, DreamStatus, FileOp, HunkDecision,
    Proposal, SessionId,
};

use crate::args::{DreamArgs, ProposalsCommand};
use crate::engine::Engine;
use crate::exit::{self, Failure, Outcome};

pub async fn dream(engine: &Engine, args: DreamArgs) -> Outcome {
    let (memory, name) = (engine.memory.clone(), args.store.clone());
    let store = blocking(move || memory.store_by_name(&name)).await?;
    let input = DreamInput {
        store_id: store.id.clone(),
        sessions: args.sessions.iter().map(|s| SessionId(s.trim().to_owned())).collect(),
        instructions: args.instructions.unwrap_or_default(),
        provider_id: None,
        model: args.model,
        mode: args.auto.then_some(DreamMode::Auto),
    };
    let mut updates = engine.dreams.subscribe();
    let started = engine.dreams.start(input).await?;
    let id = started.dream.id.clone();
    println!(
        "Dreaming about “{}”: {} session(s) with {} (dream {}).",
        store.name,
        started.dream.sessions.len(),
        started.dream.model,
        id.as_str()
    );
    let mut done = started.done;
    let mut shown = (None, 0);
    let dream = loop {
        tokio::select! {
            update = updates.recv() => {
                let Ok(update) = update else { continue };
                if update.id == id && (update.stage, update.processed) != shown {
                    shown = (update.stage, update.processed);
                    progress(&update);
                }
            }
            _ = tokio::signal::ctrl_c() => {
                eprintln!("Cancelling the dream… (nothing is written to memory)");
                let _ = engine.dreams.cancel(&id);
            }
            result = &mut done => {
                break result.map_err(|e| Failure::new(format!("The dream stopped unexpectedly ({e}).")))??;
            }
        }
    };
    finished(engine, &dream).await
}

fn progress(dream: &Dream) {
    match dream.stage {
        Some(DreamStage::Extract) => println!("  reading sessions: {} of {}", dream.processed, dream.sessions.len()),
        Some(DreamStage::Consolidate) => println!("  consolidating against the store"),
        Some(DreamStage::Propose) => println!("  computing the changes"),
        None => {}
    }
}

async fn finished(engine: &Engine, dream: &Dream) -> Outcome {
    let cost = dream.cost_usd.map(|c| format!(", ${c:.4}")).unwrap_or_default();
    let spent = format!(
        "{} model call(s), {} tokens in / {} out{cost}",
        dream.model_calls, dream.usage.input_tokens, dream.usage.output_tokens
    );
    match dream.status {
        DreamStatus::Completed => {
            let proposal = proposal(engine, &dream.id).await?;
            let hunks: usize = proposal.files.iter().map(|f| f.hunks.len()).sum();
            match proposal.status {
                reverie_protocol::ProposalStatus::Empty => println!("Nothing to change: the store already says what the sessions showed ({spent})."),
                reverie_protocol::ProposalStatus::Applied => {
                    println!("Applied {} file change(s) at once ({spent}). Undo it with `reverie proposals revert {}`.", proposal.files.len(), dream.id.as_str())
                }
                _ => println!(
                    "Proposed {} file change(s), {hunks} hunk(s) ({spent}). Review it with `reverie proposals show {}`.",
                    proposal.files.len(),
                    dream.id.as_str()
                ),
            }
            for note in &proposal.dropped {
                println!("  left out: {note}");
            }
            Ok(exit::OK)
        }
        DreamStatus::Canceled => {
            println!("The dream was cancelled; memory is unchanged.");
            Ok(exit::CANCELLED)
        }
        _ => Err(Failure::new(dream.error.clone().unwrap_or_else(|| "The dream failed.".into()))),
    }
}

async fn proposal(engine: &Engine, id: &DreamId) -> Outcome<Proposal> {
    let (dreams, id) = (engine.dreams.clone(), id.clone());
    Ok(blocking(move || dreams.proposal(&id)).await?)
}

pub async fn proposals(engine: &Engine, command: ProposalsCommand) -> Outcome {
    let dreams = engine.dreams.clone();
    match command {
        ProposalsCommand::List { store } => {
            let store = match store {
                Some(name) => {
                    let memory = engine.memory.clone();
                    Some(blocking(move || memory.store_by_name(&name)).await?.id)
                }
                None => None,
            };
            let list = blocking(move || dreams.list(store.as_ref())).await?;
            if list.is_empty() {
                println!("No dreams yet. Start one with `reverie dream --store NAME`.");
            }
            for d in list {
                let proposal = d.proposal.map(|p| format!("{p:?}").to_lowercase()).unwrap_or_else(|| "-".into());
                println!(
                    "{}  {:<9}  proposal {:<8}  {} session(s)  {}",
                    d.id.as_str(),
                    format!("{:?}", d.status).to_lowercase(),
                    proposal,
                    d.sessions.len(),
                    d.error.unwrap_or_default()
                );
            }
            Ok(exit::OK)
        }
        ProposalsCommand::Show { id } => {
            let p = proposal(engine, &DreamId(id)).await?;
            show(&p);
            Ok(exit::OK)
        }
        ProposalsCommand::Accept { id, hunks } => decide(engine, DreamId(id), hunks, HunkDecision::Accepted).await,
        ProposalsCommand::Reject { id, hunks } => decide(engine, DreamId(id), hunks, HunkDecision::Rejected).await,
        ProposalsCommand::Revert { id } => {
            let (p, report) = blocking(move || dreams.revert(&DreamId(id))).await?;
            report_lines("Reverted", &p, &report);
            Ok(if report.conflicts.is_empty() { exit::OK } else { exit::FAILED })
        }
    }
}

/// Accepts or rejects the named hunks (or every pending one); with every hunk decided, the
/// accepted ones are written.
async fn decide(engine: &Engine, id: DreamId, hunks: Vec<String>, decision: HunkDecision) -> Outcome {
    let dreams = engine.dreams.clone();
    let (p, report) = blocking(move || {
        let p = dreams.proposal(&id)?;
        let named = if hunks.is_empty() {
            p.files
                .iter()
                .flat_map(|f| &f.hunks)
                .filter(|h| h.decision == HunkDecision::Pending)
                .map(|h| h.id.clone())
                .collect()
        } else {
            hunks
        };
        let p = dreams.decide(&id, &named, decision, None)?;
        let pending = p.files.iter().flat_map(|f| &f.hunks).any(|h| h.decision == HunkDecision::Pending);
        if pending {
            return Ok((p, None));
        }
        let (p, report) = dreams.apply(&id)?;
        Ok((p, Some(report)))
    })
    .await?;
    match report {
        None => {
            let pending = p.files.iter().flat_map(|f| &f.hunks).filter(|h| h.decision == HunkDecision::Pending).count();
            println!("Noted. {pending} hunk(s) still pending; accept or reject them to apply the proposal.");
            Ok(exit::OK)
        }
        Some(report) => {
            report_lines("Applied", &p, &report);
            Ok(if report.conflicts.is_empty() { exit::OK } else { exit::FAILED })
        }
    }
}

fn report_lines(what: &str, p: &Proposal, report: &ApplyReport) {
    println!(
        "{what}: {} new version(s) in memory; the proposal is {}.",
        report.versions.len(),
        format!("{:?}", p.status).to_lowercase()
    );
    for conflict in &report.conflicts {
        println!(
            "  conflict: {conflict} — the file changed since, and this change no longer applies; nothing was written over it. `reverie proposals show {}` shows both sides.",
            p.dream_id.as_str()
        );
    }
}

fn show(p: &Proposal) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "Proposal {} ({:?})", p.dream_id.as_str(), p.status);
    for file in &p.files {
        let op = match file.op {
            FileOp::Create => "create",
            FileOp::Update => "update",
            FileOp::Delete => "delete",
            FileOp::Rename => "rename",
        };
        let from = file.previous_path.as_deref().map(|f| format!("{f} → ")).unwrap_or_default();
        let _ = writeln!(out, "\n── {op} {from}{}", file.path);
        if !file.rationale.is_empty() {
            let _ = writeln!(out, "   why: {}", file.rationale);
        }
        for e in &file.evidence {
            let _ = writeln!(out, "   evidence: {} #{} “{}”", e.session_id.as_str(), e.seq, e.quote);
        }
        for h in &file.hunks {
            let _ = writeln!(
                out,
                "@@ hunk {} [{}] -{},{} +{},{} @@",
                h.id,
                format!("{:?}", h.decision).to_lowercase(),
                h.hunk.old_start,
                h.hunk.old_lines,
                h.hunk.new_start,
                h.hunk.new_lines
            );
            for line in &h.hunk.lines {
                let mark = match line.kind {
                    DiffLineKind::Added => '+',
                    DiffLineKind::Removed => '-',
                    DiffLineKind::Context => ' ',
                };
                let _ = writeln!(out, "{mark}{}", line.text);
            }
            if let Some(theirs) = &h.theirs {
                let _ = writeln!(out, "   the file now holds here:\n{}", theirs.trim_end());
            }
        }
    }
    for note in &p.dropped {
        let _ = writeln!(out, "\nleft out: {note}");
    }
}
