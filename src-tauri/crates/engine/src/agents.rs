//! Agents: saved configurations a run starts from (instructions, provider and model, tool
//! permissions, a turn limit). Validation here is the one the Agents page and the CLI share.

use std::sync::Arc;

use reverie_protocol::{Agent, AgentId, AgentInput, Permission, ProviderId, ToolInfo, ToolRule};

use crate::session::permissions::PermissionPolicy;
use crate::store::{agents as rows, providers as provider_rows};
use crate::tools::ToolSet;
use crate::{Clock, Database, Error, Ids, Result};

/// Longest accepted agent name, in characters.
pub const MAX_NAME_CHARS: usize = 80;
/// Longest one-line description.
pub const MAX_DESCRIPTION_CHARS: usize = 300;
/// Longest instructions (the system prompt), in characters.
pub const MAX_INSTRUCTIONS_CHARS: usize = 100_000;
/// Turn limit when none is given, and the highest accepted.
pub const DEFAULT_MAX_TURNS: u32 = crate::session::thread_loop::DEFAULT_MAX_TURNS;
pub const MAX_MAX_TURNS: u32 = 500;
/// Most agents a coordinator may delegate to.
pub const MAX_ROSTER: usize = 20;

/// The agent registry. Cheap to clone; every method touches SQLite, so call it off the async
/// runtime.
#[derive(Clone)]
pub struct Agents {
    db: Arc<Database>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn Ids>,
}

impl Agents {
    pub fn new(db: Arc<Database>, clock: Arc<dyn Clock>, ids: Arc<dyn Ids>) -> Self {
        Self { db, clock, ids }
    }

    pub fn list(&self) -> Result<Vec<Agent>> {
        rows::list(&self.db.conn())
    }

    pub fn get(&self, id: &AgentId) -> Result<Agent> {
        rows::get(&self.db.conn(), id)?.ok_or_else(|| not_found(id))
    }

    /// The agent named `name`, ignoring case (the CLI's `--agent NAME`).
    pub fn by_name(&self, name: &str) -> Result<Agent> {
        rows::by_name(&self.db.conn(), name)?.ok_or_else(|| {
            Error::NotFound(format!(
                "There is no agent named “{}”. `reverie agents list` shows the agents.",
                name.trim()
            ))
        })
    }

    #[tracing::instrument(skip_all)]
    pub fn create(&self, input: AgentInput) -> Result<Agent> {
        let now = self.clock.now_ms();
        let agent = self.validate(AgentId(self.ids.new_id("agt")), input, now, now)?;
        if rows::by_name(&self.db.conn(), &agent.name)?.is_some() {
            return Err(duplicate_name(&agent.name));
        }
        rows::insert(&self.db.conn(), &agent).map_err(|e| unique_violation(e, &agent.name))?;
        tracing::info!(agent_id = agent.id.as_str(), "agent created");
        Ok(agent)
    }

    #[tracing::instrument(skip_all, fields(agent_id = id.as_str()))]
    pub fn update(&self, id: &AgentId, input: AgentInput) -> Result<Agent> {
        let old = self.get(id)?;
        let agent = self.validate(id.clone(), input, old.created_at, self.clock.now_ms())?;
        if let Some(other) = rows::by_name(&self.db.conn(), &agent.name)? {
            if &other.id != id {
                return Err(duplicate_name(&agent.name));
            }
        }
        if !rows::update(&self.db.conn(), &agent).map_err(|e| unique_violation(e, &agent.name))? {
            return Err(not_found(id));
        }
        Ok(agent)
    }

    /// The example team, so orchestration can be tried in one click: a researcher, a writer and
    /// a reviewer, and a coordinator whose roster names them, all on `provider`. Names already
    /// taken get a number. Returns the coordinator first.
    pub fn create_example_team(&self, provider: &ProviderId) -> Result<Vec<Agent>> {
        let unique = |base: &str| -> Result<String> {
            let mut name = base.to_owned();
            let mut n = 1;
            while rows::by_name(&self.db.conn(), &name)?.is_some() {
                n += 1;
                name = format!("{base} {n}");
            }
            Ok(name)
        };
        let member = |name: &str, description: &str, instructions: &str, tools: Vec<ToolRule>| -> Result<Agent> {
            self.create(AgentInput {
                name: unique(name)?,
                description: description.into(),
                instructions: instructions.into(),
                provider_id: provider.clone(),
                model: None,
                tools,
                max_turns: None,
                memory: vec![],
                roster: vec![],
            })
        };
        let read_only = vec![
            ToolRule { tool: "write_file".into(), permission: Permission::Deny },
            ToolRule { tool: "edit_file".into(), permission: Permission::Deny },
            ToolRule { tool: "run_command".into(), permission: Permission::Deny },
        ];
        let researcher = member(
            "Researcher",
            "Finds facts in the folder and reports them with file:line references",
            "You research questions about the files in the folder. Read and search; change nothing. Report what you found,              each point with the file and line it comes from, and say plainly what you could not find.",
            read_only.clone(),
        )?;
        let writer = member(
            "Writer",
            "Writes and edits documents in the folder",
            "You write clear, plain documents in Markdown. Write only the files you were asked for, keep to the facts you were              given, and end with the paths you wrote.",
            vec![ToolRule { tool: "run_command".into(), permission: Permission::Deny }],
        )?;
        let reviewer = member(
            "Reviewer",
            "Reviews a document for accuracy and clarity",
            "You review documents. Check each claim against the folder, note what is wrong, unclear or missing, and suggest the              change. Change nothing yourself.",
            read_only,
        )?;
        let coordinator = self.create(AgentInput {
            name: unique("Coordinator")?,
            description: "Splits a task among a researcher, a writer and a reviewer".into(),
            instructions: "You lead a small team. Split the task: have the researcher gather the facts, the writer draft from them,                            and the reviewer check the draft; delegate independent parts in the same turn so they run at the same                            time. Then put the results together and report what was done."
                .into(),
            provider_id: provider.clone(),
            model: None,
            tools: vec![],
            max_turns: None,
            memory: vec![],
            roster: vec![researcher.id.clone(), writer.id.clone(), reviewer.id.clone()],
        })?;
        Ok(vec![coordinator, researcher, writer, reviewer])
    }

    /// Deletes an agent and takes it out of every roster that named it (in one transaction).
    pub fn delete(&self, id: &AgentId) -> Result<()> {
        let conn = self.db.conn();
        let tx = crate::store::write_tx(&conn)?;
        for mut coordinator in rows::rostering(&tx, id)? {
            coordinator.roster.retain(|m| m != id);
            rows::update(&tx, &coordinator)?;
        }
        if !rows::delete(&tx, id)? {
            return Err(not_found(id));
        }
        tx.commit()?;
        Ok(())
    }

    fn validate(&self, id: AgentId, input: AgentInput, created_at: i64, updated_at: i64) -> Result<Agent> {
        let name = input.name.trim().to_owned();
        if name.is_empty() {
            return Err(Error::invalid("name", "Give the agent a name."));
        }
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(Error::invalid("name", format!("Keep the name to {MAX_NAME_CHARS} characters or fewer.")));
        }
        if name.chars().any(char::is_control) {
            return Err(Error::invalid("name", "The name can't contain control characters such as line breaks."));
        }
        let description = input.description.trim().to_owned();
        if description.chars().count() > MAX_DESCRIPTION_CHARS {
            return Err(Error::invalid(
                "description",
                format!("Keep the description to {MAX_DESCRIPTION_CHARS} characters; put details in the instructions."),
            ));
        }
        let instructions = input.instructions.trim().to_owned();
        if instructions.chars().count() > MAX_INSTRUCTIONS_CHARS {
            return Err(Error::invalid(
                "instructions",
                format!("The instructions are {} characters; the most is {MAX_INSTRUCTIONS_CHARS}. Move reference material into files in the workspace.", instructions.chars().count()),
            ));
        }
        if provider_rows::get(&self.db.conn(), &input.provider_id)?.is_none() {
            return Err(Error::invalid("provider_id", "Choose a model provider; the one selected no longer exists."));
        }
        let model = input.model.map(|m| m.trim().to_owned()).filter(|m| !m.is_empty());
        if model.as_ref().is_some_and(|m| {
            m.chars().count() > crate::providers::MAX_MODEL_CHARS || m.chars().any(char::is_whitespace)
        }) {
            return Err(Error::invalid("model", "A model name has no spaces, like claude-sonnet-4-5 or llama3.1:8b."));
        }
        let max_turns = input.max_turns.unwrap_or(DEFAULT_MAX_TURNS);
        if !(1..=MAX_MAX_TURNS).contains(&max_turns) {
            return Err(Error::invalid("max_turns", format!("The turn limit is between 1 and {MAX_MAX_TURNS}.")));
        }
        let tools = tool_rules(&input.tools)?;
        let mut memory: Vec<reverie_protocol::MemoryMount> = Vec::new();
        for mount in input.memory {
            if crate::store::memory::store(&self.db.conn(), &mount.store_id)?.is_none() {
                return Err(Error::invalid(
                    "memory",
                    "One of the memory stores chosen no longer exists. Choose the stores again.",
                ));
            }
            // One mount per store; the last choice wins.
            memory.retain(|m| m.store_id != mount.store_id);
            memory.push(mount);
        }
        let mut roster: Vec<AgentId> = Vec::new();
        for member in input.roster {
            if member == id {
                return Err(Error::invalid(
                    "roster",
                    "An agent can't delegate to itself. Remove it from its own roster.",
                ));
            }
            if rows::get(&self.db.conn(), &member)?.is_none() {
                return Err(Error::invalid(
                    "roster",
                    format!("Agent {} in the roster no longer exists. Choose the roster again.", member.as_str()),
                ));
            }
            if !roster.contains(&member) {
                roster.push(member);
            }
        }
        if roster.len() > MAX_ROSTER {
            return Err(Error::invalid(
                "roster",
                format!("A roster names at most {MAX_ROSTER} agents; this one names {}.", roster.len()),
            ));
        }
        Ok(Agent {
            id,
            name,
            description,
            instructions,
            provider_id: input.provider_id,
            model,
            tools,
            max_turns,
            memory,
            roster,
            created_at,
            updated_at,
        })
    }
}

/// Every workspace tool with what the model is told in one line and its default permission.
pub fn tool_catalog() -> Vec<ToolInfo> {
    ToolSet::workspace()
        .definitions()
        .into_iter()
        .map(|d| ToolInfo {
            name: d.name.into(),
            summary: first_sentence(&d.description),
            default_permission: PermissionPolicy::default_for(d.name),
        })
        .collect()
}

/// The rules for every known tool: the given ones, the rest at their default. Unknown tool
/// names are refused (a typo would otherwise silently allow nothing).
fn tool_rules(given: &[ToolRule]) -> Result<Vec<ToolRule>> {
    let catalog = tool_catalog();
    if let Some(unknown) = given.iter().find(|r| !catalog.iter().any(|t| t.name == r.tool)) {
        let known: Vec<&str> = catalog.iter().map(|t| t.name.as_str()).collect();
        return Err(Error::invalid(
            "tools",
            format!("There is no tool named “{}”. The tools are: {}.", unknown.tool, known.join(", ")),
        ));
    }
    Ok(catalog
        .into_iter()
        .map(|t| {
            let permission =
                given.iter().rev().find(|r| r.tool == t.name).map_or(t.default_permission, |r| r.permission);
            ToolRule { tool: t.name, permission }
        })
        .collect())
}

/// The tools an agent may call at all (everything not denied).
pub fn allowed(agent: &Agent, tool: &str) -> bool {
    agent.tools.iter().find(|r| r.tool == tool).map_or(PermissionPolicy::default_for(tool), |r| r.permission)
        != Permission::Deny
}

fn first_sentence(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    match line.find(". ") {
        Some(at) => line[..=at].to_owned(),
        None => line.to_owned(),
    }
}

fn not_found(id: &AgentId) -> Error {
    Error::NotFound(format!("Agent {} no longer exists. Reload the list.", id.as_str()))
}

fn duplicate_name(name: &str) -> Error {
    Error::Conflict {
        field: Some("name"),
        message: format!("An agent named “{name}” already exists. Choose another name."),
    }
}

fn unique_violation(e: Error, name: &str) -> Error {
    match e {
        Error::Database(rusqlite::Error::SqliteFailure(f, _)) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
            duplicate_name(name)
        }
        other => other,
    }
}
