//! The outcome a run is graded against, resolved before the run starts: the rubric version
//! (copied into the session, so it outlives the rubric) and the grader's provider and model. A
//! rubric, version or grader that can't be used is refused before anything is recorded.

use std::collections::BTreeSet;
use std::sync::Arc;

use reverie_llm::LanguageModel;
use reverie_protocol::{Agent, OutcomeDefinition, ProviderId, ProviderKind, RubricId, SessionEvent};

use super::artifacts::Snapshot;
use super::{Evaluator, Rubrics};
use crate::blocking::blocking;
use crate::providers::{ProviderConnection, Providers};
use crate::{Error, Result};

/// An outcome as the user asked for it, its limits checked (`session::input`).
#[derive(Debug, Clone)]
pub struct OutcomeRequest {
    /// What a good result is; the task when the user left it empty.
    pub description: String,
    pub rubric_id: RubricId,
    /// The latest when `None`.
    pub rubric_version: Option<u32>,
    pub max_iterations: u32,
    pub grader_passes: u32,
    /// The agent's provider when `None`.
    pub grader_provider_id: Option<ProviderId>,
    /// The provider's default (or the agent's model, on the agent's provider) when `None`.
    pub grader_model: Option<String>,
}

/// An outcome to grade a run against: its definition, the grader's connection, and (after a
/// resume) how far it got.
pub struct OutcomePlan {
    pub definition: OutcomeDefinition,
    pub grader: ProviderConnection,
    /// Evaluations already finished.
    pub finished: u32,
    /// Files earlier runs of the outcome wrote.
    pub touched: BTreeSet<String>,
}

impl OutcomePlan {
    /// Resolves a new outcome for a run of `agent`.
    pub async fn define(
        rubrics: &Rubrics,
        providers: &Providers,
        request: OutcomeRequest,
        agent: &Agent,
    ) -> Result<Self> {
        let (rubrics, rubric_id, version) = (rubrics.clone(), request.rubric_id.clone(), request.rubric_version);
        let (rubric, version) = blocking(move || {
            let rubric = rubrics.get(&rubric_id).map_err(|e| match e {
                Error::NotFound(_) => {
                    Error::invalid("outcome.rubric_id", "Choose a rubric; the one selected no longer exists.")
                }
                other => other,
            })?;
            let version = match version {
                None => rubric.latest.clone(),
                Some(v) => rubrics.version(&rubric_id, v).map_err(|e| match e {
                    Error::NotFound(m) => Error::invalid("outcome.rubric_version", m),
                    other => other,
                })?,
            };
            Ok((rubric, version))
        })
        .await?;
        let provider_id = request.grader_provider_id.unwrap_or_else(|| agent.provider_id.clone());
        let model =
            request.grader_model.or_else(|| (provider_id == agent.provider_id).then(|| agent.model.clone()).flatten());
        let grader = grader_connection(providers, &provider_id, model.as_deref()).await.map_err(|e| match e {
            Error::Invalid { message, .. } => Error::invalid("outcome.grader_provider_id", message),
            other => other,
        })?;
        let definition = OutcomeDefinition {
            description: request.description,
            rubric_id: rubric.id,
            rubric_name: rubric.name,
            rubric_version: version.version,
            criteria: version.criteria,
            max_iterations: request.max_iterations,
            grader_passes: request.grader_passes,
            grader_provider_id: provider_id,
            grader_model: grader.endpoint.model.clone(),
        };
        Ok(Self { definition, grader, finished: 0, touched: BTreeSet::new() })
    }

    /// The outcome a session's log leaves unsettled, to go on where it stopped; its grader is
    /// checked again.
    pub async fn pending(providers: &Providers, events: &[SessionEvent]) -> Result<Option<Self>> {
        let Some((definition, finished, touched)) = Evaluator::pending(events) else { return Ok(None) };
        let grader =
            grader_connection(providers, &definition.grader_provider_id, Some(&definition.grader_model)).await?;
        Ok(Some(Self { definition, grader, finished, touched }))
    }

    /// The evaluator of this outcome, grading with `grader` against the workspace as `baseline`
    /// found it.
    pub fn evaluator(self, grader: Arc<dyn LanguageModel>, baseline: Snapshot) -> Evaluator {
        Evaluator::new(self.definition, grader, baseline).resumed(self.finished, self.touched)
    }
}

/// The grader's provider with `model` in place of its default; a provider that is gone or has
/// no key is refused before anything runs.
async fn grader_connection(
    providers: &Providers,
    provider_id: &ProviderId,
    model: Option<&str>,
) -> Result<ProviderConnection> {
    let (providers, id) = (providers.clone(), provider_id.clone());
    let mut connection = blocking(move || providers.connection(&id)).await.map_err(|e| match e {
        Error::NotFound(_) => Error::invalid(
            "grader_provider_id",
            "The grader's model provider no longer exists. Choose another provider for the grader.",
        ),
        other => other,
    })?;
    if connection.key.is_none() && connection.endpoint.kind == ProviderKind::Anthropic {
        return Err(Error::invalid(
            "grader_provider_id",
            format!(
                "No API key is set for the grader's provider “{}”. Add one in Settings → Model providers (or set {}), or choose another provider for the grader.",
                connection.name,
                ProviderKind::Anthropic.env_var()
            ),
        ));
    }
    if let Some(model) = model {
        connection.endpoint.model = model.to_owned();
    }
    Ok(connection)
}
