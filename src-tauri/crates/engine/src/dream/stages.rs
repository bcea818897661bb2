//! A dream's run through its stages — extract, consolidate, propose — saved and sent at each
//! step; the end (the proposal, the watermark and the dream's status) in one transaction, then,
//! in auto mode, Apply. Every model call is structured and retried once with what was wrong.

use std::sync::Arc;

use reverie_llm::{complete_structured, prices, LanguageModel, Message, ModelError, Request};
use reverie_protocol::{Dream, DreamMode, DreamStage, DreamStatus, HunkDecision, ProposalStatus};
use schemars::JsonSchema;
use tokio_util::sync::CancellationToken;

use super::{Dreams, Stop};
use crate::blocking::blocking;
use crate::error::model_error;
use crate::store::dreams as rows;
use crate::Result;

/// The output budget of a stage's call (twice this for consolidate).
pub(super) const MAX_TOKENS: u32 = 8192;

impl Dreams {
    pub(super) async fn run(
        self: &Arc<Self>,
        mut dream: Dream,
        model: Arc<dyn LanguageModel>,
        cancel: CancellationToken,
    ) -> Result<Dream> {
        let outcome = self.stages(&mut dream, &*model, &cancel).await;
        dream.finished_at = Some(self.clock.now_ms());
        dream.stage = None;
        match outcome {
            Ok(()) => {}
            Err(Stop::Canceled) => dream.status = DreamStatus::Canceled,
            Err(Stop::Failed(message)) => {
                dream.status = DreamStatus::Failed;
                dream.error = Some(message);
            }
            Err(Stop::Engine(e)) => {
                tracing::error!(error = %e, "a dream failed inside the engine");
                dream.status = DreamStatus::Failed;
                dream.error =
                    Some(format!("The dream stopped on an internal error: {e}. Nothing was written to memory."));
            }
        }
        if dream.status != DreamStatus::Completed {
            self.save(&dream).await?;
        }
        let dream = self.get(&dream.id)?;
        let _ = self.updates.send(dream.clone());
        tracing::info!(dream_id = dream.id.as_str(), status = ?dream.status, "dream ended");
        Ok(dream)
    }

    async fn stages(
        self: &Arc<Self>,
        dream: &mut Dream,
        model: &dyn LanguageModel,
        cancel: &CancellationToken,
    ) -> std::result::Result<(), Stop> {
        dream.status = DreamStatus::Running;
        dream.stage = Some(DreamStage::Extract);
        self.save(dream).await?;
        let (findings, quotes) = self.extract(dream, model, cancel).await?;
        if cancel.is_cancelled() {
            return Err(Stop::Canceled);
        }
        dream.stage = Some(DreamStage::Consolidate);
        self.save(dream).await?;
        let operations = self.consolidate(dream, model, cancel, &findings).await?;
        if cancel.is_cancelled() {
            return Err(Stop::Canceled);
        }
        dream.stage = Some(DreamStage::Propose);
        self.save(dream).await?;
        let (this, d, q) = (self.clone(), dream.clone(), quotes);
        let mut proposal = blocking(move || this.propose(&d, operations, &q)).await?;
        // Completed: the proposal, the watermark and the dream's end in one transaction.
        dream.status = DreamStatus::Completed;
        dream.stage = None;
        dream.finished_at = Some(self.clock.now_ms());
        let agents = self.mounting(&dream.store_id).await?;
        let (db, d, p) = (self.db.clone(), dream.clone(), proposal.clone());
        blocking(move || {
            let conn = db.conn();
            let tx = crate::store::write_tx(&conn)?;
            rows::insert_proposal(&tx, &p)?;
            rows::mark_dreamed(&tx, &d.store_id, &d.sessions, &d.id, &agents)?;
            rows::progress(&tx, &d)?;
            tx.commit()?;
            Ok(())
        })
        .await?;
        if dream.mode == DreamMode::Auto && proposal.status == ProposalStatus::Ready {
            for file in &mut proposal.files {
                for hunk in &mut file.hunks {
                    hunk.decision = HunkDecision::Accepted;
                }
            }
            let (this, p) = (self.clone(), proposal);
            blocking(move || {
                rows::save_proposal(&this.db.conn(), &p, None)?;
                this.apply(&p.dream_id)
            })
            .await?;
        }
        Ok(())
    }

    /// A structured stage call, retried once with what was wrong; usage is counted.
    pub(super) async fn structured<T: JsonSchema + serde::de::DeserializeOwned>(
        &self,
        dream: &mut Dream,
        model: &dyn LanguageModel,
        mut request: Request,
        cancel: &CancellationToken,
        stage: &str,
    ) -> std::result::Result<T, Stop> {
        for attempt in 0..2 {
            dream.model_calls += 1;
            match complete_structured::<T>(model, request.clone(), cancel.clone()).await {
                Ok((value, completion)) => {
                    let u = completion.usage;
                    dream.usage.input_tokens += u.input_tokens;
                    dream.usage.output_tokens += u.output_tokens;
                    if let Some(cost) = prices::cost(model.model_id(), &u) {
                        *dream.cost_usd.get_or_insert(0.0) += cost;
                    }
                    return Ok(value);
                }
                Err(ModelError::Cancelled) => return Err(Stop::Canceled),
                Err(ModelError::InvalidResponse { message }) if attempt == 0 => {
                    tracing::warn!(stage, message = message.as_str(), "dream stage output rejected");
                    request.messages.push(Message::user(format!("Your result was not accepted: {message}. Call submit_result again with a result that matches its schema.")));
                }
                Err(ModelError::InvalidResponse { message }) => {
                    // Stored with the dream: key-shaped text in what the model sent is masked.
                    let message = reverie_llm::redact_secrets(&message, &[]);
                    return Err(Stop::Failed(format!("The model's {stage} output did not match what a dream needs, twice: {message}. Nothing was written to memory.")));
                }
                Err(e) => {
                    // The model error's message is a sentence of its own; no second full stop.
                    let message = model_error(&e).message;
                    return Err(Stop::Failed(format!(
                        "The {stage} stage failed: {}. Nothing was written to memory.",
                        message.trim_end().trim_end_matches('.')
                    )));
                }
            }
        }
        Err(Stop::Failed(format!("The {stage} stage failed.")))
    }
}
