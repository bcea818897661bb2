//! OpenAI Chat Completions (`POST {base}/chat/completions`, `stream: true`): OpenAI itself and
//! every server that speaks it (Ollama, llama.cpp server, vLLM, LM Studio) via the base URL.

mod events;
mod request;

use secrecy::{ExposeSecret, SecretString};
use tokio_util::sync::CancellationToken;

use crate::client;
use crate::model::{EventStream, LanguageModel};
use crate::stream::{self, StreamOptions, Target};
use crate::types::Request;

pub struct OpenAiModel(Target);

impl OpenAiModel {
    pub fn new(base_url: impl Into<String>, model: impl Into<String>, key: Option<SecretString>, options: StreamOptions) -> Self {
        Self(Target::new(base_url, model, key, options))
    }
}

impl LanguageModel for OpenAiModel {
    fn stream(&self, request: Request, cancel: CancellationToken) -> EventStream {
        let body = request::body(&self.0.model, &request);
        let url = format!("{}/chat/completions", self.0.base_url);
        let key = self.0.key.clone();
        let build = move || {
            let mut req = client().post(&url).header("accept", "text/event-stream").json(&body);
            if let Some(key) = &key {
                req = req.bearer_auth(key.expose_secret());
            }
            req
        };
        let model = self.0.model.clone();
        let http_error = move |status, headers: Option<&_>, body: &str| events::http_error(&model, status, headers, body);
        stream::run(self.0.options, cancel, build, http_error, events::Mapper::default())
    }

    fn model_id(&self) -> &str {
        &self.0.model
    }
}
