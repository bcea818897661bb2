//! The engine's services over one database, wired once for the app and the CLI alike
//! ([`Core::open`] is how both start; [`Core::new`] builds the services over given parts).

mod open;

use std::sync::Arc;

use reverie_llm::StreamOptions;

use crate::dream::{Dreams, DreamsParts};
use crate::memory::WriteListener;
use crate::outcome::Rubrics;
use crate::providers::EnvLookup;
use crate::session::{EventLog, Owner, Sessions, SessionsParts};
use crate::{Agents, Clock, Database, Ids, Memory, Providers, Secrets};

pub use open::{data_dir, data_dir_override, OnFailure, OpenOptions, Opened, StartupReport, APP_ID, DATA_DIR_ENV};

/// What the services are built from.
pub struct CoreParts {
    pub db: Arc<Database>,
    pub secrets: Arc<Secrets>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn Ids>,
    /// Where environment-variable keys are looked up.
    pub env: EnvLookup,
    /// Told about every memory write (the app's disk mirror).
    pub memory_listener: Option<Arc<dyn WriteListener>>,
    /// This process, as sessions and dreams record their runner.
    pub owner: Owner,
    pub stream_options: StreamOptions,
}

/// Every service, sharing the database, the clock and the ids.
pub struct Core {
    pub providers: Providers,
    pub agents: Agents,
    pub memory: Memory,
    pub rubrics: Rubrics,
    pub log: Arc<EventLog>,
    pub dreams: Arc<Dreams>,
    pub sessions: Arc<Sessions>,
}

impl Core {
    pub fn new(parts: CoreParts) -> Self {
        let CoreParts { db, secrets, clock, ids, env, memory_listener, owner, stream_options } = parts;
        let providers = Providers::new(db.clone(), secrets, clock.clone(), ids.clone(), env);
        let agents = Agents::new(db.clone(), clock.clone(), ids.clone());
        let memory = Memory::new(db.clone(), clock.clone(), ids.clone());
        let memory = match memory_listener {
            Some(listener) => memory.with_listener(listener),
            None => memory,
        };
        let rubrics = Rubrics::new(db.clone(), clock.clone(), ids.clone());
        let log = Arc::new(EventLog::new(db.clone(), clock.clone()));
        let dreams = Dreams::new(DreamsParts {
            db,
            memory: memory.clone(),
            providers: providers.clone(),
            agents: agents.clone(),
            log: log.clone(),
            clock,
            ids: ids.clone(),
            owner: owner.id().to_owned(),
            stream_options,
        });
        let sessions = Sessions::new(SessionsParts {
            log: log.clone(),
            agents: agents.clone(),
            providers: providers.clone(),
            memory: memory.clone(),
            rubrics: rubrics.clone(),
            ids,
            owner,
            stream_options,
        });
        Self { providers, agents, memory, rubrics, log, dreams, sessions }
    }
}
