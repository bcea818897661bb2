//! Anthropic Messages API: `POST /v1/messages` with `stream: true`.
//! Three parts: wire types (`wire`), request mapping (`request`), event mapping (`events`).

mod events;
mod request;
mod wire;

use secrecy::{ExposeSecret, SecretString};
use tokio_util::sync::CancellationToken;

use crate::model::{EventStream, LanguageModel};
use crate::stream::{self, StreamOptions, Target};
use crate::types::Request;
use crate::{client, ANTHROPIC_VERSION};

pub struct AnthropicModel(Target);

impl AnthropicModel {
    pub fn new(base_url: impl Into<String>, model: impl Into<String>, key: Option<SecretString>, options: StreamOptions) -> Self {
        Self(Target::new(base_url, model, key, options))
    }
}

impl LanguageModel for AnthropicModel {
    fn stream(&self, request: Request, cancel: CancellationToken) -> EventStream {
        let body = request::body(&self.0.model, &request);
        let url = format!("{}/v1/messages", self.0.base_url);
        let key = self.0.key.clone();
        let build = move || {
            let mut req = client()
                .post(&url)
                .header("anthropic-version", ANTHROPIC_VERSION)
                .header("accept", "text/event-stream")
                .json(&body);
            if let Some(key) = &key {
                req = req.header("x-api-key", key.expose_secret());
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
