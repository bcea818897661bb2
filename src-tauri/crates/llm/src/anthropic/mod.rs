//! Anthropic Messages API: `POST /v1/messages` with `stream: true`.
//! Three parts: wire types (`wire`), request mapping (`request`), event mapping (`events`).

mod events;
mod request;
mod wire;

use secrecy::{ExposeSecret, SecretString};
use tokio_util::sync::CancellationToken;

use crate::model::{EventStream, LanguageModel};
use crate::stream::{self, StreamOptions};
use crate::types::Request;
use crate::{client, ANTHROPIC_VERSION};

pub struct AnthropicModel {
    base_url: String,
    model: String,
    key: Option<SecretString>,
    options: StreamOptions,
}

impl AnthropicModel {
    pub fn new(base_url: impl Into<String>, model: impl Into<String>, key: Option<SecretString>, options: StreamOptions) -> Self {
        Self { base_url: base_url.into().trim_end_matches('/').to_owned(), model: model.into(), key, options }
    }
}

impl LanguageModel for AnthropicModel {
    fn stream(&self, request: Request, cancel: CancellationToken) -> EventStream {
        let body = request::body(&self.model, &request);
        let url = format!("{}/v1/messages", self.base_url);
        let key = self.key.clone();
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
        let model = self.model.clone();
        let http_error = move |status, headers: Option<&_>, body: &str| events::http_error(&model, status, headers, body);
        stream::run(self.options, cancel, build, http_error, events::Mapper::default())
    }

    fn model_id(&self) -> &str {
        &self.model
    }
}
