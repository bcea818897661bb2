//! Demo data for the dev server (`reverie-devserver DATA_DIR --seed NAME`): real state made by
//! the real engine, never rows written by hand. Each seed drives the engine's services the way
//! the commands do (providers with their keys in the keychain, agents, runs of the real session
//! loop against the testkit's fake provider on loopback, answered approvals…), so what the UI
//! shows afterwards is what the engine really records.
//!
//! Seeding runs on an engine of its own over the data folder, which is closed before the dev
//! server opens the folder again as the app would: a run a seed leaves waiting (see
//! [`Seeding::leave_running`]) is stopped as if its process had died, and the serving engine's
//! start-up finds it interrupted and says so in its notices, exactly as after a crash.
//!
//! Seeds are registered in [`SEEDS`], one module each; a seed names the seeds it builds on
//! (`needs`), and those run first, once. To add one: a module with a `pub const SEED: Seed`, a
//! line in [`SEEDS`], and a test in `tests/seed.rs` that checks what it leaves.

mod dreams;
mod drive;
mod memory;
mod model;
mod providers;
mod rubrics;
mod runs;
mod team;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use reverie_engine::session::thread_loop::RunOutcome;
use reverie_engine::{Error, Secrets};
use tokio::task::JoinHandle;

pub use drive::{run_to_end, until_approval, SEED_WAIT};
pub use model::{FakeModel, SEED_KEY, SEED_MODELS};

use crate::Context;

/// A started run's task, as `Sessions::start` returns it.
pub type RunDone = JoinHandle<reverie_engine::Result<RunOutcome>>;

/// What a seed's body returns.
pub type SeedFuture<'a> = Pin<Box<dyn Future<Output = Result<(), SeedError>> + Send + 'a>>;

/// One named piece of demo data.
pub struct Seed {
    /// What `--seed` calls it.
    pub name: &'static str,
    /// One line for `--help`: what it leaves.
    pub summary: &'static str,
    /// Seeds whose data this one builds on; they run first, once.
    pub needs: &'static [&'static str],
    pub run: for<'a> fn(&'a Seeding<'a>) -> SeedFuture<'a>,
}

/// Every seed, in the order they run when several are asked for.
pub const SEEDS: &[Seed] = &[providers::SEED, runs::SEED, memory::SEED, rubrics::SEED, team::SEED, dreams::SEED];

/// Why seeding failed. Any of these stops the dev server before it serves anything.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("There is no seed called `{name}`. Choose from: {known}.")]
    Unknown { name: String, known: String },
    #[error("The data folder {0} already has data; seed a new, empty folder.")]
    NotEmpty(PathBuf),
    #[error("Seeding `{seed}` failed: {source}")]
    Engine {
        seed: &'static str,
        #[source]
        source: Error,
    },
    #[error("Seeding `{seed}` failed: {message}")]
    Failed { seed: &'static str, message: String },
    #[error("Couldn't prepare seeding: {0}")]
    Setup(String),
}

impl SeedError {
    /// A failure of `seed` with a sentence saying what went wrong.
    pub fn failed(seed: &'static str, message: impl Into<String>) -> Self {
        Self::Failed { seed, message: message.into() }
    }
}

/// `Result<T, Error>` → `Result<T, SeedError>` naming the seed.
pub trait InSeed<T> {
    fn in_seed(self, seed: &'static str) -> Result<T, SeedError>;
}

impl<T> InSeed<T> for Result<T, Error> {
    fn in_seed(self, seed: &'static str) -> Result<T, SeedError> {
        self.map_err(|source| SeedError::Engine { seed, source })
    }
}

/// What a seed works with: the seeding engine, the fake model its providers point at, and a
/// folder for the workspaces its runs work in.
pub struct Seeding<'a> {
    pub ctx: &'a Context,
    pub model: &'a FakeModel,
    /// `<data dir>/seed-workspaces`: each seed makes its projects under it.
    pub workspaces: PathBuf,
    left_running: Mutex<Vec<RunDone>>,
}

impl Seeding<'_> {
    /// Leaves a run as it is (waiting for an approval, say): when seeding ends it is stopped
    /// as a process that dies stops, with nothing more recorded, and the dev server's
    /// start-up finds it interrupted.
    pub fn leave_running(&self, done: RunDone) {
        self.left_running.lock().unwrap_or_else(|p| p.into_inner()).push(done);
    }

    /// A folder under [`Seeding::workspaces`] holding `files` (path relative to it → content).
    pub fn workspace(&self, name: &str, files: &[(&str, &str)]) -> Result<PathBuf, SeedError> {
        let root = self.workspaces.join(name);
        for (path, content) in files {
            let file = root.join(path);
            if let Some(parent) = file.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| SeedError::Setup(format!("couldn't create {}: {e}", parent.display())))?;
            }
            std::fs::write(&file, content)
                .map_err(|e| SeedError::Setup(format!("couldn't write {}: {e}", file.display())))?;
        }
        std::fs::create_dir_all(&root)
            .map_err(|e| SeedError::Setup(format!("couldn't create {}: {e}", root.display())))?;
        Ok(root)
    }
}

/// The seeds to run for `names`, each after the seeds it needs, none twice.
pub fn plan(names: &[String]) -> Result<Vec<&'static Seed>, SeedError> {
    fn add(name: &str, out: &mut Vec<&'static Seed>) -> Result<(), SeedError> {
        let Some(seed) = SEEDS.iter().find(|s| s.name == name) else {
            return Err(SeedError::Unknown {
                name: name.to_owned(),
                known: SEEDS.iter().map(|s| s.name).collect::<Vec<_>>().join(", "),
            });
        };
        if out.iter().any(|s| s.name == seed.name) {
            return Ok(());
        }
        for need in seed.needs {
            add(need, out)?;
        }
        out.push(seed);
        Ok(())
    }
    let mut out = Vec::new();
    for name in names {
        add(name, &mut out)?;
    }
    Ok(out)
}

/// Runs `names` (and what they need) on an engine of their own over `data_dir`, which must
/// hold no data yet, then closes it. The providers point at `model`, which must outlive the
/// dev server. Runs left waiting are stopped as if the process had died.
pub async fn seed(
    data_dir: &Path,
    secrets: Arc<Secrets>,
    names: &[String],
    model: &FakeModel,
) -> Result<(), SeedError> {
    let seeds = plan(names)?;
    if seeds.is_empty() {
        return Ok(());
    }
    let dir = data_dir.to_owned();
    let (ctx, watch) = tokio::task::spawn_blocking(move || crate::server::open(&dir, secrets))
        .await
        .map_err(|e| SeedError::Setup(e.to_string()))?
        .map_err(|e| SeedError::Setup(e.to_string()))?;
    let empty = {
        let core = &ctx.core;
        let (providers, agents, memory) = (core.providers.clone(), core.agents.clone(), core.memory.clone());
        reverie_engine::blocking::blocking(move || {
            Ok(providers.list()?.is_empty() && agents.list()?.is_empty() && memory.stores()?.is_empty())
        })
        .await
        .map_err(|e| SeedError::Setup(e.to_string()))?
    };
    if !empty {
        return Err(SeedError::NotEmpty(data_dir.to_owned()));
    }
    let seeding = Seeding {
        ctx: &ctx,
        model,
        workspaces: data_dir.join("seed-workspaces"),
        left_running: Mutex::new(Vec::new()),
    };
    let mut result = Ok(());
    for seed in seeds {
        tracing::info!(seed = seed.name, "seeding");
        result = (seed.run)(&seeding).await;
        if result.is_err() {
            break;
        }
    }
    // The runs left waiting end here, as in a process that is killed: nothing more is written.
    let left = std::mem::take(&mut *seeding.left_running.lock().unwrap_or_else(|p| p.into_inner()));
    for done in left {
        done.abort();
        let _ = done.await;
    }
    drop(seeding);
    drop(watch);
    drop(ctx);
    result
}
