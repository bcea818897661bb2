//! The adapters over real HTTP against the scripted fake provider, for both wire formats.

mod bounds;
mod servers;
mod streaming;
