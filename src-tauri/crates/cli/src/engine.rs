//! The engine as the CLI opens it: the app's data folder and database, the keychain, this
//! process's session owner, and the recovery of sessions a dead process left running.

use std::sync::Arc;

use reverie_engine::blocking::blocking;
use reverie_engine::dream::Dreams;
use reverie_engine::outcome::{read_rubric_file, Rubrics};
use reverie_engine::session::Sessions;
use reverie_engine::{Agents, Core, Memory, OnFailure, OpenOptions, Opened, Providers, Secrets, StartupReport};
use reverie_protocol::{Agent, Provider, Rubric};

use crate::exit::{Failure, Outcome};

pub struct Engine {
    pub providers: Providers,
    pub agents: Agents,
    pub sessions: Arc<Sessions>,
    pub memory: Memory,
    pub rubrics: Rubrics,
    pub dreams: Arc<Dreams>,
}

impl Engine {
    /// Opens the engine (`Core::open`) in the app's data folder, saying on stderr what start-up
    /// found: a damaged database moved aside, dreams failed and sessions interrupted by a dead
    /// process (with how to resume them).
    pub async fn open() -> Outcome<Self> {
        let options = OpenOptions {
            data_dir: reverie_engine::data_dir()?,
            secrets: Arc::new(Secrets::detect()),
            stream_options: reverie_llm::StreamOptions::from_env(),
            mirror_writes: false,
            on_failure: OnFailure::Fail,
        };
        let Opened { core, report, .. } = blocking(move || Core::open(options)).await?;
        tell(&report);
        let Core { providers, agents, memory, rubrics, dreams, sessions, .. } = core;
        Ok(Self { providers, agents, sessions, memory, rubrics, dreams })
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
                        format!(
                            "{m} Give a rubric's name from the app's Rubrics page, or the path of a Markdown file."
                        ),
                    ),
                    other => other,
                })
            })
            .await
            .map_err(Failure::from);
        }
        let source = {
            let path = path.to_owned();
            blocking(move || read_rubric_file(&path)).await?
        };
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

/// What start-up found, on stderr.
fn tell(report: &StartupReport) {
    if let Some(recovery) = &report.recovered {
        eprintln!(
            "reverie: the database was damaged ({}); it was moved to {} and a new one was created.",
            recovery.reason,
            recovery.moved_to.display()
        );
    }
    if !report.dreams_failed.is_empty() {
        eprintln!(
            "reverie: {} dream(s) stopped when the process running them did; nothing was written to memory.",
            report.dreams_failed.len()
        );
    }
    match report.interrupted.as_slice() {
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
}
