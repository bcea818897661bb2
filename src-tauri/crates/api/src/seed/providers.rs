//! `providers`: the two model providers of the demo, made through the provider store (the key
//! goes to the keychain the dev server uses). "Anthropic" is the fake model, with a key;
//! "Ollama (local)" is an OpenAI-compatible server on this machine that isn't running, so runs
//! on it fail the way they do when the user forgot to start it.

use reverie_engine::blocking::blocking;
use reverie_protocol::{ProviderInput, ProviderKind};

use super::{InSeed, Seed, SeedFuture, Seeding, SEED_KEY};

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
            base_url: format!("http://127.0.0.1:{CLOSED_PORT}/v1"),
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

/// A loopback port nothing listens on: the discard service's, which nobody runs. A port the
/// kernel hands out and takes back is no good: another process (a parallel test's fake
/// provider) may be given it next, and the run meant to fail would reach that server.
const CLOSED_PORT: u16 = 9;
