//! The `reverie-cli` binary end to end: each test spawns it with its own data folder against
//! the fake provider on loopback (an OpenAI-compatible endpoint that needs no key, like Ollama).

mod support;

mod concurrency;
mod crash;
mod dream;
mod orchestration;
mod outcome;
mod provider_errors;
mod run;
mod sessions;
mod setup;
