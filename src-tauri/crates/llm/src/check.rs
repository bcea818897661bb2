//! "Test connection": does the provider answer, accept the key, and serve the model?
//! Uses the models endpoints, so it costs no tokens.

use std::time::Duration;

use reverie_protocol::ProviderKind;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::body::{read_prefix, ErrorText, MAX_ERROR_BODY_BYTES};
use crate::error::{from_reqwest, shown_url};
use crate::{client, Endpoint, ModelError, ANTHROPIC_VERSION};

/// The whole check may take this long.
const CHECK_TIMEOUT: Duration = Duration::from_secs(20);

/// The most of a model list that is read (OpenRouter's lists a few hundred models in ~1 MB).
const MAX_LIST_BYTES: usize = 16 * 1024 * 1024;

/// Every error is sanitized: the key masked, texts bounded.
pub async fn check_connection(endpoint: &Endpoint, key: Option<&SecretString>) -> Result<(), ModelError> {
    let result = match endpoint.kind {
        ProviderKind::Anthropic => check_anthropic(endpoint, key).await,
        ProviderKind::OpenaiCompatible => check_openai(endpoint, key).await,
    };
    result.map_err(|e| match key {
        Some(key) => e.sanitized(&[key.expose_secret()]),
        None => e.sanitized(&[]),
    })
}

/// `GET /v1/models/{model}` resolves aliases; on 404, list the models: a server without the
/// per-model path that lists the model (llama.cpp's Anthropic endpoint) passes, one that does
/// not list it has no such model, and one without a list is a wrong URL.
async fn check_anthropic(endpoint: &Endpoint, key: Option<&SecretString>) -> Result<(), ModelError> {
    let url = |path: &str| format!("{}{path}", endpoint.base_url);
    let get = |url: String| {
        let mut req = client().get(url).timeout(CHECK_TIMEOUT).header("anthropic-version", ANTHROPIC_VERSION);
        if let Some(key) = key {
            req = req.header("x-api-key", key.expose_secret());
        }
        req.send()
    };
    let resp = get(url(&format!("/v1/models/{}", endpoint.model))).await.map_err(|e| from_reqwest(&e))?;
    let status = resp.status().as_u16();
    if status == 200 {
        return Ok(());
    }
    if status != 404 {
        return Err(status_error(status, &error_text(resp).await));
    }
    let list_url = url("/v1/models?limit=1000");
    let list = get(list_url.clone()).await.map_err(|e| from_reqwest(&e))?;
    if list.status().as_u16() != 200 {
        return Err(ModelError::NoApi { url: shown_url(&list_url), kind: ProviderKind::Anthropic });
    }
    let models = model_list(list).await.ok_or_else(|| ModelError::InvalidResponse { message: "model list".into() })?;
    let ids = models.ids();
    if ids.iter().any(|id| id == &endpoint.model) {
        return Ok(());
    }
    Err(ModelError::ModelNotFound { model: endpoint.model.clone(), available: ids })
}

/// `GET {base}/models`, then look for the model in the list (llama.cpp and others have no
/// per-model endpoint).
async fn check_openai(endpoint: &Endpoint, key: Option<&SecretString>) -> Result<(), ModelError> {
    let url = format!("{}/models", endpoint.base_url);
    let mut req = client().get(&url).timeout(CHECK_TIMEOUT);
    if let Some(key) = key {
        req = req.bearer_auth(key.expose_secret());
    }
    let resp = req.send().await.map_err(|e| from_reqwest(&e))?;
    let status = resp.status().as_u16();
    if status == 404 {
        return Err(ModelError::NoApi { url: shown_url(&url), kind: ProviderKind::OpenaiCompatible });
    }
    if status != 200 {
        return Err(status_error(status, &error_text(resp).await));
    }
    let models = model_list(resp)
        .await
        .ok_or_else(|| ModelError::InvalidResponse { message: "expected an OpenAI model list".into() })?;
    let ids = models.ids();
    if ids.iter().any(|id| id == &endpoint.model) {
        Ok(())
    } else {
        Err(ModelError::ModelNotFound { model: endpoint.model.clone(), available: ids })
    }
}

/// An error body, read only up to its bounded prefix.
async fn error_text(resp: reqwest::Response) -> ErrorText {
    ErrorText::parse(&read_prefix(resp, MAX_ERROR_BODY_BYTES, CHECK_TIMEOUT).await)
}

/// A model list, read only up to [`MAX_LIST_BYTES`].
async fn model_list(resp: reqwest::Response) -> Option<ModelList> {
    let body = read_prefix(resp, MAX_LIST_BYTES, CHECK_TIMEOUT).await;
    if body.cut {
        return None;
    }
    serde_json::from_str(&body.text).ok()
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

fn status_error(status: u16, body: &ErrorText) -> ModelError {
    let message = if body.message.is_empty() { format!("HTTP {status}") } else { body.message.clone() };
    match status {
        401 | 403 => ModelError::Auth { message: format!("HTTP {status}: {message}") },
        429 => ModelError::RateLimited { retry_after: None },
        503 | 529 => ModelError::Overloaded,
        _ => ModelError::Http { status, message },
    }
}
