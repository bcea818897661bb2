//! The adapters over real HTTP against the scripted fake provider, for both wire formats, and
//! against a real llama.cpp server (`llamacpp`); OpenAI reasoning models (`reasoning`).

mod bounds;
mod caching;
mod llamacpp;
mod reasoning;
mod servers;
mod streaming;
