//! `reverie agents list | add`.

use std::io::Write;

use reverie_engine::blocking::blocking;
use reverie_protocol::{Agent, AgentInput, MemoryAccess, MemoryMount, Permission, ToolRule};

use crate::args::{AgentAddArgs, AgentsCommand};
use crate::engine::Engine;
use crate::exit::{self, Failure, Outcome};
use crate::sessions::{table, written};
use crate::units;

pub async fn command(engine: &Engine, command: AgentsCommand) -> Outcome {
    match command {
        AgentsCommand::List { json } => list(engine, json).await,
        AgentsCommand::Add(args) => add(engine, *args).await,
    }
}

async fn list(engine: &Engine, json: bool) -> Outcome {
    let agents = engine.agents.clone();
    let agents = blocking(move || agents.list()).await?;
    let mut out = std::io::stdout().lock();
    if json {
        let text = serde_json::to_string_pretty(&agents)
            .map_err(|e| Failure::new(format!("Couldn't write the list ({e}).")))?;
        return written(writeln!(out, "{text}"));
    }
    if agents.is_empty() {
        return written(writeln!(
            out,
            "No agents yet. Add one with `reverie agents add --name NAME --provider PROVIDER_NAME` (`reverie providers list` shows the providers)."
        ));
    }
    let providers = engine.providers().await?;
    let rows: Vec<[String; 6]> = agents
        .iter()
        .map(|a| {
            let provider = providers.iter().find(|p| p.id == a.provider_id);
            let model = a.model.clone().or_else(|| provider.map(|p| p.model.clone())).unwrap_or_default();
            [
                a.name.clone(),
                provider.map_or_else(|| "(deleted)".to_owned(), |p| p.name.clone()),
                model,
                a.max_turns.to_string(),
                tools(a),
                units::first_line(&a.description, 50),
            ]
        })
        .collect();
    let header = ["NAME", "PROVIDER", "MODEL", "MAX TURNS", "TOOLS (ask, deny)", "DESCRIPTION"].map(str::to_owned);
    written(table(&mut out, &header, &rows))
}

/// The tools that are not simply allowed: `run_command?` asks, `write_file✗` is denied.
fn tools(agent: &Agent) -> String {
    let shown: Vec<String> = agent
        .tools
        .iter()
        .filter_map(|r| match r.permission {
            Permission::Allow => None,
            Permission::Ask => Some(format!("{}?", r.tool)),
            Permission::Deny => Some(format!("{}✗", r.tool)),
        })
        .collect();
    if shown.is_empty() {
        "all allowed".to_owned()
    } else {
        shown.join(" ")
    }
}

async fn add(engine: &Engine, args: AgentAddArgs) -> Outcome {
    let provider =
        engine.providers().await?.into_iter().find(|p| p.name.eq_ignore_ascii_case(args.provider.trim())).ok_or_else(
            || {
                Failure::new(format!(
                    "There is no provider named “{}”. `reverie providers list` shows the providers.",
                    args.provider.trim()
                ))
            },
        )?;
    let instructions = match (&args.instructions, &args.instructions_file) {
        (Some(text), _) => text.clone(),
        (None, Some(file)) => std::fs::read_to_string(file).map_err(|e| {
            Failure::new(format!("Couldn't read the instructions from {} ({e}). Check the path.", file.display()))
        })?,
        (None, None) => String::new(),
    };
    // A tool under several flags gets the strictest (deny, then ask); the engine refuses unknown names.
    let tool_rules = [(&args.allow, Permission::Allow), (&args.ask, Permission::Ask), (&args.deny, Permission::Deny)]
        .into_iter()
        .flat_map(|(tools, permission)| tools.iter().map(move |t| ToolRule { tool: t.trim().to_owned(), permission }))
        .collect();
    let mut memory = Vec::new();
    for (names, access) in [(&args.memory, MemoryAccess::ReadWrite), (&args.memory_read_only, MemoryAccess::ReadOnly)] {
        for name in names {
            let (store, name) = (engine.memory.clone(), name.clone());
            let found = blocking(move || store.store_by_name(&name)).await?;
            memory.push(MemoryMount { store_id: found.id, access });
        }
    }
    let mut roster = Vec::new();
    for name in &args.delegate_to {
        roster.push(engine.agent_by_name(name).await?.id);
    }
    let input = AgentInput {
        roster,
        name: args.name,
        description: args.description,
        instructions,
        provider_id: provider.id,
        model: args.model,
        tools: tool_rules,
        max_turns: args.max_turns,
        memory,
    };
    let agents = engine.agents.clone();
    let agent = blocking(move || agents.create(input)).await?;
    let mut out = std::io::stdout().lock();
    written(writeln!(
        out,
        "Added agent “{}” ({}), on {} · {} · up to {} turns. Run it with `reverie run --agent {:?} \"task\"`.",
        agent.name,
        agent.id.as_str(),
        provider.name,
        tools(&agent),
        agent.max_turns,
        agent.name
    ))?;
    Ok(exit::OK)
}
