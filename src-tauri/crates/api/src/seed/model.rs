//! The model every seeded provider points at: the testkit's scripted fake provider, started in
//! this process on loopback, so runs go through the real HTTP adapters. Seeds push the replies
//! their runs need; once seeding is done the dev server gives it the script for what comes next
//! (`--model-script FILE`: what a browser test's runs and resumes will be answered).

use reverie_testkit::{FakeProvider, FakeProviderConfig, Reply, Script};

/// The key the seeded Anthropic provider stores (in the keychain) and the fake accepts.
pub const SEED_KEY: &str = "sk-seed-demo-7f3a";
/// The models the fake serves: the seeded providers' and the testkit's default.
pub const SEED_MODELS: &[&str] = &["claude-sonnet-4-5", "llama3.1:8b", "fake-model"];

/// The fake provider the seeds and the dev server share; dropping it stops it.
pub struct FakeModel {
    fake: FakeProvider,
}

impl FakeModel {
    /// Starts the fake on 127.0.0.1 with an empty script. It accepts [`SEED_KEY`] and, like a
    /// local server, requests with no key at all.
    pub async fn start() -> std::io::Result<Self> {
        let config = FakeProviderConfig {
            keys: vec![SEED_KEY.into()],
            models: SEED_MODELS.iter().map(|m| (*m).to_owned()).collect(),
            open: true,
        };
        Ok(Self { fake: FakeProvider::start(config).await? })
    }

    /// The base URL for an Anthropic provider.
    pub fn anthropic_url(&self) -> String {
        self.fake.base_url()
    }

    /// The base URL for an OpenAI-compatible provider.
    pub fn openai_url(&self) -> String {
        self.fake.openai_base_url()
    }

    /// Queues replies for requests of the `default` conversation (no `[[script:NAME]]` marker).
    pub fn push(&self, replies: impl IntoIterator<Item = Reply>) {
        self.fake.push_replies("default", replies);
    }

    /// Queues replies for the conversation `name` (requests that mention `[[script:name]]`).
    pub fn push_to(&self, name: &str, replies: impl IntoIterator<Item = Reply>) {
        self.fake.push_replies(name, replies);
    }

    /// Replaces whatever is left with `script`, every conversation from its first reply: what
    /// the model answers once seeding is done.
    pub fn set_script(&self, script: Script) {
        self.fake.set_script(script);
    }

    /// The fake itself (its recorded requests, its open streams).
    pub fn fake(&self) -> &FakeProvider {
        &self.fake
    }
}
