//! The `agents` table. An agent row is stored whole: tool permissions as versioned JSON.

use reverie_protocol::{Agent, AgentId, MemoryMount, ProviderId, ToolRule};
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::providers::name_key;
use crate::Result;

const COLUMNS: &str =
    "id, name, description, instructions, provider_id, model, tools, max_turns, created_at, updated_at, memory, roster";

fn from_row(row: &Row<'_>) -> rusqlite::Result<Agent> {
    let tools: Vec<ToolRule> = json_column(row, 6)?;
    let memory: Vec<MemoryMount> = json_column(row, 10)?;
    let roster: Vec<AgentId> = json_column(row, 11)?;
    Ok(Agent {
        id: AgentId(row.get(0)?),
        name: row.get(1)?,
        description: row.get(2)?,
        instructions: row.get(3)?,
        provider_id: ProviderId(row.get(4)?),
        model: row.get(5)?,
        tools,
        max_turns: row.get(7)?,
        memory,
        roster,
        created_at: row.get(8)?,
        updated_at: row.get(9)?,
    })
}

fn json_column<T: serde::de::DeserializeOwned>(row: &Row<'_>, col: usize) -> rusqlite::Result<T> {
    let text: String = row.get(col)?;
    serde_json::from_str(&text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(col, rusqlite::types::Type::Text, Box::new(e)))
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    // Vecs of plain structs always serialize.
    serde_json::to_string(value).unwrap_or_else(|_| "[]".into())
}

pub fn list(conn: &Connection) -> Result<Vec<Agent>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM agents ORDER BY name_key"))?;
    let rows = stmt.query_map([], from_row)?.collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

pub fn get(conn: &Connection, id: &AgentId) -> Result<Option<Agent>> {
    Ok(conn.query_row(&format!("SELECT {COLUMNS} FROM agents WHERE id = ?1"), [id.as_str()], from_row).optional()?)
}

/// The agent with this name (ignoring case), if any.
pub fn by_name(conn: &Connection, name: &str) -> Result<Option<Agent>> {
    Ok(conn
        .query_row(&format!("SELECT {COLUMNS} FROM agents WHERE name_key = ?1"), [name_key(name)], from_row)
        .optional()?)
}

pub fn insert(conn: &Connection, agent: &Agent) -> Result<()> {
    conn.execute(
        "INSERT INTO agents (id, name, name_key, description, instructions, provider_id, model, tools, max_turns, created_at, updated_at, memory, roster)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            agent.id.as_str(),
            agent.name,
            name_key(&agent.name),
            agent.description,
            agent.instructions,
            agent.provider_id.as_str(),
            agent.model,
            to_json(&agent.tools),
            agent.max_turns,
            agent.created_at,
            agent.updated_at,
            to_json(&agent.memory),
            to_json(&agent.roster)
        ],
    )?;
    Ok(())
}

pub fn update(conn: &Connection, agent: &Agent) -> Result<bool> {
    let n = conn.execute(
        "UPDATE agents SET name = ?2, name_key = ?3, description = ?4, instructions = ?5, provider_id = ?6, model = ?7,
                tools = ?8, max_turns = ?9, updated_at = ?10, memory = ?11, roster = ?12
         WHERE id = ?1",
        params![
            agent.id.as_str(),
            agent.name,
            name_key(&agent.name),
            agent.description,
            agent.instructions,
            agent.provider_id.as_str(),
            agent.model,
            to_json(&agent.tools),
            agent.max_turns,
            agent.updated_at,
            to_json(&agent.memory),
            to_json(&agent.roster)
        ],
    )?;
    Ok(n == 1)
}

/// Agents whose roster names `id` (a deleted agent leaves their rosters).
pub fn rostering(conn: &Connection, id: &AgentId) -> Result<Vec<Agent>> {
    Ok(list(conn)?.into_iter().filter(|a| a.roster.contains(id)).collect())
}

pub fn delete(conn: &Connection, id: &AgentId) -> Result<bool> {
    Ok(conn.execute("DELETE FROM agents WHERE id = ?1", [id.as_str()])? == 1)
}
