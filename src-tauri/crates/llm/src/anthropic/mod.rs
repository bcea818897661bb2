//! Anthropic Messages API: `POST /v1/messages` with `stream: true`.
//! Three parts: wire types (`wire`), request mapping (`request`), event mapping (`events`).

mod events;
mod request;
mod wire;

use secrecy::{ExposeSecret, SecretString};

use reverie_protocol::ProviderKind;

use crate::body::ErrorText;
use crate::stream::{Vendor, VendorModel};
use crate::types::Request;
use crate::{ModelError, ANTHROPIC_VERSION};

/// The Messages API wire format.
pub struct Anthropic;

/// A model served by the Anthropic Messages API.
pub type AnthropicModel = VendorModel<Anthropic>;

impl Vendor for Anthropic {
    type Mapper = events::Mapper;
    const KIND: ProviderKind = ProviderKind::Anthropic;
    const PATH: &'static str = "/v1/messages";

    fn body(model: &str, request: &Request) -> Vec<u8> {
        request::body(model, request)
    }

    fn prepare(req: reqwest::RequestBuilder, key: Option<&SecretString>) -> reqwest::RequestBuilder {
        let req = req.header("anthropic-version", ANTHROPIC_VERSION);
        match key {
            Some(key) => req.header("x-api-key", key.expose_secret()),
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
