//! The engine as the CLI opens it: the app's data folder and database, the keychain, this
//! process's session owner, and the recovery of sessions a dead process left running.

use std::path::PathBuf;
use std::sync::Arc;

use reverie_engine::providers::{blocking, process_env};
use reverie_engine::dream::Dreams;
use reverie_engine::outcome::Rubrics;
use reverie_engine::session::{owner, Owner, Runs};
use reverie_engine::{Agents, Clock, Core, CoreParts, Database, Memory, Providers, Secrets, SystemClock, UuidIds};
use reverie_protocol::{Agent, Provider, Rubric};

use crate::exit::{Failure, Outcome};

/// Overrides the data folder (tests and side-by-side installs).
pub const DATA_DIR_ENV: &str = "REVERIE_DATA_DIR";
/// The app's identifier: its data folder's name under the platform data dir.
const APP_ID: &str = "dev.reverie.desktop";

pub struct Engine {
    pub data_dir: PathBuf,
    pub providers: Providers,
    pub agents: Agents,
    pub runs: Arc<Runs>,
    pub memory: Memory,
    pub rubrics: Rubrics,
    pub dreams: Arc<Dreams>,
}

/// `REVERIE_DATA_DIR` if set, else the same folder the app uses.
pub fn data_dir() -> Outcome<PathBuf> {
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    dirs::data_dir().map(|d| d.join(APP_ID)).ok_or_else(|| {
        Failure::new(format!("Couldn't find your data folder (is HOME set?). Set {DATA_DIR_ENV} to the folder Reverie should use."))
    })
}

impl Engine {
    /// Opens the database (saying on stderr if a damaged one was moved aside), takes an owner
    /// lock, and marks sessions whose process died `interrupted` (saying how to resume them).
    pub async fn open() -> Outcome<Self> {
        let data_dir = data_dir()?;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let dir = data_dir.clone();
        let now = clock.now_ms();
        let (db, report) = blocking(move || Database::open_in(&dir, now)).await?;
        if let Some(recovery) = report.recovered {
            eprintln!(
                "reverie: the database was damaged ({}); it was moved to {} and a new one was created.",
                recovery.reason,
                recovery.moved_to.display()
            );
        }
        let db = Arc::new(db);
        let ids = Arc::new(UuidIds);
        let owner = Owner::acquire(&data_dir, &*ids)?;
        let core = Core::new(CoreParts {
            db,
            secrets: Arc::new(Secrets::detect()),
            clock,
            ids,
            env: process_env(),
            memory_listener: None,
            owner,
            stream_options: reverie_llm::StreamOptions::from_env(),
        });
        let Core { providers, agents, memory, rubrics, dreams, runs, .. } = core;
        let engine = Self {
            data_dir,
            providers,
            agents,
            runs,
            memory,
            rubrics,
            dreams,
        };
        engine.recover().await?;
        Ok(engine)
    }

    async fn recover(&self) -> Outcome<()> {
        let (dir, dreams) = (self.data_dir.clone(), self.dreams.clone());
        let failed = blocking(move || dreams.recover(&|id| owner::is_alive(&dir, id))).await?;
        if !failed.is_empty() {
            eprintln!("reverie: {} dream(s) stopped when the process running them did; nothing was written to memory.", failed.len());
        }
        let dir = self.data_dir.clone();
        let interrupted = self
            .runs
            .recover(move |id| owner::is_alive(&dir, id))
            .await?;
        match interrupted.as_slice() {
            [] => {}
            [one] => eprintln!(
                "reverie: session {0} was interrupted when the process running it stopped. Continue it with `reverie resume {0}`.",
                one.as_str()
            ),
            many => {
                eprintln!("reverie: {} sessions were interrupted when the processes running them stopped:", many.len());
                for id in many {
                    eprintln!("  reverie resume {}", id.as_str());
                }
            }
        }
        Ok(())
    }

    pub async fn agent_by_name(&self, name: &str) -> Outcome<Agent> {
        let (agents, name) = (self.agents.clone(), name.to_owned());
        Ok(blocking(move || agents.by_name(&name)).await?)
    }

    /// A rubric by name, or from a Markdown file: added to the library under the file's name
    /// (a new version of that rubric when its text changed).
    pub async fn rubric(&self, arg: &str) -> Outcome<Rubric> {
        let (rubrics, arg) = (self.rubrics.clone(), arg.trim().to_owned());
        let path = std::path::Path::new(&arg);
        if path.is_dir() {
            return Err(Failure::new(format!(
                "{arg} is a folder, not a rubric. Give the path of a rubric's Markdown file (for example {}/rubric.md) or a rubric's name from the app's Rubrics page.",
                arg.trim_end_matches('/')
            )));
        }
        if !path.is_file() {
            return blocking(move || {
                rubrics.by_name(&arg).map_err(|e| match e {
                    reverie_engine::Error::NotFound(m) => reverie_engine::Error::invalid(
                        "rubric",
                        format!("{m} Give a rubric's name from the app's Rubrics page, or the path of a Markdown file."),
                    ),
                    other => other,
                })
            })
            .await
            .map_err(Failure::from);
        }
        let source = read_rubric_file(path)?;
        let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "Rubric".into());
        let result = blocking(move || {
            let saved = match rubrics.by_name(&name) {
                Ok(existing) => rubrics.save(&existing.id, &existing.name, &source),
                Err(reverie_engine::Error::NotFound(_)) => rubrics.create(&name, &source),
                Err(e) => return Err(e),
            };
            saved.map_err(reverie_engine::Error::from)
        })
        .await;
        result.map_err(|e| Failure::new(format!("{}: {}", arg, Failure::from(e).message)))
    }

    pub async fn providers(&self) -> Outcome<Vec<Provider>> {
        let providers = self.providers.clone();
        Ok(blocking(move || providers.list()).await?)
    }
}

/// A rubric file's text; a file too large or not UTF-8 is refused with what to do.
fn read_rubric_file(path: &std::path::Path) -> Outcome<String> {
    let bytes = std::fs::read(path).map_err(|e| Failure::new(format!("Couldn't read {} ({e}).", path.display())))?;
    String::from_utf8(bytes).map_err(|_| Failure::new(format!("{} is not UTF-8 text; save the rubric as a Markdown (.md) file.", path.display())))
}
