//! OpenAI Chat Completions (`POST {base}/chat/completions`, `stream: true`): OpenAI itself and
//! every server that speaks it (Ollama, llama.cpp server, vLLM, LM Studio) via the base URL.

mod events;
mod request;

pub(crate) use events::ErrorDetail;

use secrecy::{ExposeSecret, SecretString};

use reverie_protocol::ProviderKind;

use crate::body::ErrorText;
use crate::stream::{Vendor, VendorModel};
use crate::types::Request;
use crate::ModelError;

/// The Chat Completions wire format.
pub struct OpenAi;

/// A model served by an OpenAI-compatible Chat Completions endpoint.
pub type OpenAiModel = VendorModel<OpenAi>;

impl Vendor for OpenAi {
    type Mapper = events::Mapper;
    const KIND: ProviderKind = ProviderKind::OpenaiCompatible;
    const PATH: &'static str = "/chat/completions";

    fn body(model: &str, request: &Request) -> Vec<u8> {
        request::body(model, request)
    }

    fn prepare(req: reqwest::RequestBuilder, key: Option<&SecretString>) -> reqwest::RequestBuilder {
        match key {
            Some(key) => req.bearer_auth(key.expose_secret()),
            None => req,
        }
    }

    fn http_error(
        model: &str,
        url: &str,
        status: u16,
        headers: Option<&reqwest::header::HeaderMap>,
        body: &ErrorText,
    ) -> ModelError {
        events::http_error(model, url, status, headers, body)
    }
}
