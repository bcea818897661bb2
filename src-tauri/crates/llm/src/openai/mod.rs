//! OpenAI Chat Completions (`POST {base}/chat/completions`, `stream: true`): OpenAI itself and
//! every server that speaks it (Ollama, llama.cpp server, vLLM, LM Studio) via the base URL.

mod events;
mod request;

use secrecy::{ExposeSecret, SecretString};
use tokio_util::sync::CancellationToken;

use crate::client;
use crate::model::{EventStream, LanguageModel};
use crate::stream::{self, StreamOptions};
use crate::types::Request;

pub struct OpenAiModel {
    base_url: String,
    model: String,
    key: Option<SecretString>,
    options: StreamOptions,
}

impl OpenAiModel {
    pub fn new(base_url: impl Into<String>, model: impl Into<String>, key: Option<SecretString>, options: StreamOptions) -> Self {
        Self { base_url: base_url.into().trim_end_matches('/').to_owned(), model: model.into(), key, options }
    }
}

impl LanguageModel for OpenAiModel {
    fn stream(&self, request: Request, cancel: CancellationToken) -> EventStream {
        let body = request::body(&self.model, &request);
        let url = format!("{}/chat/completions", self.base_url);
        let key = self.key.clone();
        let build = move || {
            let mut req = client().post(&url).header("accept", "text/event-stream").json(&body);
            if let Some(key) = &key {
                req = req.bearer_auth(key.expose_secret());
            }
            req
        };
        let model = self.model.clone();
        let http_error = move |status, headers: Option<&_>, body: &str| events::http_error(&model, status, headers, body);
        stream::run(self.options, cancel, build, http_error, events::Mapper::default())
    }

    fn model_id(&self) -> &str {
        &self.model
    }
}
