//! "Test connection": does the provider answer, accept the key, and serve the model?
//! Uses the models endpoints, so it costs no tokens.

use std::time::Duration;

use reverie_protocol::ProviderKind;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::error::from_reqwest;
use crate::{client, Endpoint, ModelError, ANTHROPIC_VERSION};

/// The whole check may take this long.
const CHECK_TIMEOUT: Duration = Duration::from_secs(20);

pub async fn check_connection(endpoint: &Endpoint, key: Option<&SecretString>) -> Result<(), ModelError> {
    match endpoint.kind {
        ProviderKind::Anthropic => check_anthropic(endpoint, key).await,
        ProviderKind::OpenaiCompatible => check_openai(endpoint, key).await,
    }
}

/// `GET /v1/models/{model}` resolves aliases; on 404, list the models to tell a wrong model
/// from a wrong URL.
async fn check_anthropic(endpoint: &Endpoint, key: Option<&SecretString>) -> Result<(), ModelError> {
    let get = |path: String| {
        let mut req = client().get(format!("{}{path}", endpoint.base_url)).timeout(CHECK_TIMEOUT).header("anthropic-version", ANTHROPIC_VERSION);
        if let Some(key) = key {
            req = req.header("x-api-key", key.expose_secret());
        }
        req.send()
    };
    let model_path = format!("/v1/models/{}", endpoint.model);
    let resp = get(model_path).await.map_err(|e| from_reqwest(&e))?;
    let status = resp.status().as_u16();
    if status == 200 {
        return Ok(());
    }
    let body = resp.text().await.unwrap_or_default();
    if status != 404 {
        return Err(status_error(status, &body));
    }
    let list = get("/v1/models?limit=1000".into()).await.map_err(|e| from_reqwest(&e))?;
    if list.status().as_u16() != 200 {
        return Err(ModelError::NoApi { url: endpoint.base_url.clone() });
    }
    let models: ModelList = list.json().await.map_err(|_| ModelError::InvalidResponse { message: "model list".into() })?;
    Err(ModelError::ModelNotFound { model: endpoint.model.clone(), available: models.ids() })
}

/// `GET {base}/models`, then look for the model in the list (llama.cpp and others have no
/// per-model endpoint).
async fn check_openai(endpoint: &Endpoint, key: Option<&SecretString>) -> Result<(), ModelError> {
    let mut req = client().get(format!("{}/models", endpoint.base_url)).timeout(CHECK_TIMEOUT);
    if let Some(key) = key {
        req = req.bearer_auth(key.expose_secret());
    }
    let resp = req.send().await.map_err(|e| from_reqwest(&e))?;
    let status = resp.status().as_u16();
    if status == 404 {
        return Err(ModelError::NoApi { url: endpoint.base_url.clone() });
    }
    if status != 200 {
        let body = resp.text().await.unwrap_or_default();
        return Err(status_error(status, &body));
    }
    let models: ModelList = resp
        .json()
        .await
        .map_err(|_| ModelError::InvalidResponse { message: "expected an OpenAI model list".into() })?;
    let ids = models.ids();
    if ids.iter().any(|id| id == &endpoint.model) {
        Ok(())
    } else {
        Err(ModelError::ModelNotFound { model: endpoint.model.clone(), available: ids })
    }
}

#[derive(Deserialize)]
struct ModelList {
    data: Vec<ModelEntry>,
}

#[derive(Deserialize)]
struct ModelEntry {
    id: String,
}

impl ModelList {
    fn ids(self) -> Vec<String> {
        self.data.into_iter().map(|m| m.id).collect()
    }
}

/// Both vendors wrap errors as `{"error": {"message": …}}`.
#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    message: String,
}

fn status_error(status: u16, body: &str) -> ModelError {
    let message = serde_json::from_str::<ErrorBody>(body)
        .map(|b| b.error.message)
        .unwrap_or_else(|_| format!("HTTP {status}"));
    match status {
        401 | 403 => ModelError::Auth { message: format!("HTTP {status}: {message}") },
        429 => ModelError::RateLimited { retry_after: None },
        503 | 529 => ModelError::Overloaded,
        _ => ModelError::Http { status, message },
    }
}
