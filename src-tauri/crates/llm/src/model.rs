//! The one streaming method every provider implements, and the helpers built on it.

use std::pin::Pin;

use futures::{Stream, StreamExt};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use tokio_util::sync::CancellationToken;

use crate::types::{Completion, Request, StreamEvent, ToolChoice, ToolSpec};
use crate::ModelError;

/// Normalized events of one model response; an `Err` item ends the stream.
pub type EventStream = Pin<Box<dyn Stream<Item = Result<StreamEvent, ModelError>> + Send>>;

pub trait LanguageModel: Send + Sync {
    /// Streams one response. Connection-level failures (429, 529, 5xx, refused connections)
    /// are retried inside the adapter before the first event; anything after that ends the
    /// stream with an error. Cancelling `cancel` ends the stream with `ModelError::Cancelled`.
    /// The request is serialized before this returns, so the caller keeps it (a conversation
    /// grows by appending to the same `Request`, never by copying it).
    fn stream(&self, request: &Request, cancel: CancellationToken) -> EventStream;

    /// The model id requests go to.
    fn model_id(&self) -> &str;
}

/// Collects a whole response.
pub async fn complete(
    model: &dyn LanguageModel,
    request: Request,
    cancel: CancellationToken,
) -> Result<Completion, ModelError> {
    let mut stream = model.stream(&request, cancel);
    let mut completion = Completion::default();
    while let Some(event) = stream.next().await {
        completion.apply(event?);
    }
    if completion.stop_reason.is_none() {
        return Err(ModelError::InvalidResponse { message: "the stream ended without a stop reason".into() });
    }
    Ok(completion)
}

/// The name of the tool used to carry structured output.
pub const STRUCTURED_OUTPUT_TOOL: &str = "submit_result";

/// Asks for output matching `T`'s JSON schema, by forcing a call to a tool whose input schema
/// is `T`'s. Returns the parsed value and the completion (for usage), or
/// `ModelError::InvalidResponse` naming what did not match, so callers can retry with it.
pub async fn complete_structured<T: JsonSchema + DeserializeOwned>(
    model: &dyn LanguageModel,
    mut request: Request,
    cancel: CancellationToken,
) -> Result<(T, Completion), ModelError> {
    let schema = serde_json::to_value(schemars::schema_for!(T))
        .map_err(|e| ModelError::InvalidResponse { message: format!("schema: {e}") })?;
    request.tools = vec![ToolSpec {
        name: STRUCTURED_OUTPUT_TOOL.into(),
        description: "Submit the result. Call this exactly once with the complete result.".into(),
        input_schema: schema,
    }];
    request.tool_choice = ToolChoice::Tool(STRUCTURED_OUTPUT_TOOL.into());
    let completion = complete(model, request, cancel).await?;
    let Some((_, _, input)) = completion.tool_uses().find(|(_, name, _)| *name == STRUCTURED_OUTPUT_TOOL) else {
        return Err(ModelError::InvalidResponse {
            message: format!("the model did not call {STRUCTURED_OUTPUT_TOOL}"),
        });
    };
    let value = serde_json::from_value(input.clone())
        .map_err(|e| ModelError::InvalidResponse { message: format!("the result does not match the schema: {e}") })?;
    Ok((value, completion))
}
