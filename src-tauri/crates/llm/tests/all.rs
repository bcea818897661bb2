//! The adapters over real HTTP against the scripted fake provider, for both wire formats, and
//! against a real llama.cpp server (`llamacpp`).

mod bounds;
mod caching;
mod llamacpp;
mod servers;
mod streaming;
