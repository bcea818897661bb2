//! `providers`: the two model providers of the demo, made through the provider store (the key
//! goes to the keychain the dev server uses). "Anthropic" is the fake model, with a key;
//! "Ollama (local)" is an OpenAI-compatible server on this machine that isn't running, so runs
//! on it fail the way they do when the user forgot to start it.

use reverie_engine::blocking::blocking;
use reverie_protocol::{ProviderInput, ProviderKind};

use super::{InSeed, Seed, SeedError, SeedFuture, Seeding, SEED_KEY};

const NAME: &str = "providers";

pub const SEED: Seed = Seed {
    name: NAME,
    summary: "Anthropic (on the fake model, key in the keychain) and Ollama (local) (not running)",
    needs: &[],
    run,
};

pub const ANTHROPIC: &str = "Anthropic";
pub const OLLAMA: &str = "Ollama (local)";

fn run<'a>(seeding: &'a Seeding<'a>) -> SeedFuture<'a> {
    Box::pin(async move {
        let anthropic = ProviderInput {
            name: ANTHROPIC.into(),
            kind: ProviderKind::Anthropic,
            base_url: seeding.model.anthropic_url(),
            model: "claude-sonnet-4-5".into(),
            api_key: Some(SEED_KEY.into()),
        };
        let ollama = ProviderInput {
            name: OLLAMA.into(),
            kind: ProviderKind::OpenaiCompatible,
            base_url: format!("http://127.0.0.1:{}/v1", closed_port()?),
            model: "llama3.1:8b".into(),
            api_key: None,
        };
        let providers = seeding.ctx.core.providers.clone();
        blocking(move || {
            providers.create(anthropic)?;
            providers.create(ollama)?;
            Ok(())
        })
        .await
        .in_seed(NAME)
    })
}

/// A loopback port nothing listens on: one the kernel just handed out, released again.
fn closed_port() -> Result<u16, SeedError> {
    let listener = std::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0))
        .map_err(|e| SeedError::Setup(format!("couldn't find a free loopback port ({e})")))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| SeedError::Setup(e.to_string()))
}
