//! The `providers` table.

use reverie_protocol::{ProviderId, ProviderKind, SecretBackend};
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::Result;

/// A provider as stored: no key, only where the key was put.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderRow {
    pub id: ProviderId,
    pub name: String,
    pub kind: ProviderKind,
    pub base_url: String,
    pub model: String,
    pub key_backend: Option<SecretBackend>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, name, kind, base_url, model, key_backend, created_at, updated_at";

fn from_row(row: &Row<'_>) -> rusqlite::Result<ProviderRow> {
    let kind: String = row.get(2)?;
    let key_backend: Option<String> = row.get(5)?;
    Ok(ProviderRow {
        id: ProviderId(row.get(0)?),
        name: row.get(1)?,
        kind: parse_kind(&kind).ok_or_else(|| bad_value(2, &kind))?,
        base_url: row.get(3)?,
        model: row.get(4)?,
        key_backend: match key_backend {
            Some(b) => Some(parse_backend(&b).ok_or_else(|| bad_value(5, &b))?),
            None => None,
        },
        created_at: row.get(6)?,
        updated_at: row.get(7)?,
    })
}

fn bad_value(col: usize, value: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        col,
        rusqlite::types::Type::Text,
        format!("unexpected value {value:?}").into(),
    )
}

fn parse_kind(s: &str) -> Option<ProviderKind> {
    match s {
        "anthropic" => Some(ProviderKind::Anthropic),
        "openai_compatible" => Some(ProviderKind::OpenaiCompatible),
        _ => None,
    }
}

pub(crate) fn backend_str(b: SecretBackend) -> &'static str {
    match b {
        SecretBackend::SecretService => "secret_service",
        SecretBackend::KernelKeyring => "kernel_keyring",
        SecretBackend::MemoryOnly => "memory_only",
    }
}

fn parse_backend(s: &str) -> Option<SecretBackend> {
    match s {
        "secret_service" => Some(SecretBackend::SecretService),
        "kernel_keyring" => Some(SecretBackend::KernelKeyring),
        "memory_only" => Some(SecretBackend::MemoryOnly),
        _ => None,
    }
}

pub fn list(conn: &Connection) -> Result<Vec<ProviderRow>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM providers ORDER BY name_key"))?;
    let rows = stmt.query_map([], from_row)?.collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

pub fn get(conn: &Connection, id: &ProviderId) -> Result<Option<ProviderRow>> {
    Ok(conn.query_row(&format!("SELECT {COLUMNS} FROM providers WHERE id = ?1"), [id.as_str()], from_row).optional()?)
}

/// The id of the provider with this name (ignoring case), if any.
pub fn id_by_name(conn: &Connection, name: &str) -> Result<Option<ProviderId>> {
    Ok(conn
        .query_row("SELECT id FROM providers WHERE name_key = ?1", [name_key(name)], |r| r.get(0))
        .optional()?
        .map(ProviderId))
}

pub fn insert(conn: &Connection, row: &ProviderRow) -> Result<()> {
    conn.execute(
        "INSERT INTO providers (id, name, name_key, kind, base_url, model, key_backend, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            row.id.as_str(),
            row.name,
            name_key(&row.name),
            row.kind.as_str(),
            row.base_url,
            row.model,
            row.key_backend.map(backend_str),
            row.created_at,
            row.updated_at
        ],
    )?;
    Ok(())
}

pub fn update(conn: &Connection, row: &ProviderRow) -> Result<bool> {
    let n = conn.execute(
        "UPDATE providers SET name = ?2, name_key = ?3, kind = ?4, base_url = ?5, model = ?6, key_backend = ?7, updated_at = ?8
         WHERE id = ?1",
        params![
            row.id.as_str(),
            row.name,
            name_key(&row.name),
            row.kind.as_str(),
            row.base_url,
            row.model,
            row.key_backend.map(backend_str),
            row.updated_at
        ],
    )?;
    Ok(n == 1)
}

pub fn delete(conn: &Connection, id: &ProviderId) -> Result<bool> {
    Ok(conn.execute("DELETE FROM providers WHERE id = ?1", [id.as_str()])? == 1)
}

pub(crate) fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}
