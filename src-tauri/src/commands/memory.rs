//! The Memory page: stores, files, the editor (writes by `user` through the one writer path),
//! history, diffs, revert, redaction, search, and why each file was loaded.

use reverie_engine::blocking::blocking;
use reverie_engine::memory::{Actor, Change};
use reverie_protocol::{
    DiffHunk, MemoryAccessRecord, MemoryConflict, MemoryProblem, MemoryFile, MemoryFileContent, MemorySearchHit, MemoryStore, MemoryStoreId, MemoryStoreInput,
    MemoryVersion, MemoryVersionContent, MemoryWrite, SessionId,
};
use tauri::State;

use super::CommandResult;
use crate::AppState;

/// Search results shown at most.
const SEARCH_LIMIT: usize = 20;

#[tauri::command]
pub async fn list_memory_stores(state: State<'_, AppState>) -> CommandResult<Vec<MemoryStore>> {
    let memory = state.memory.clone();
    Ok(blocking(move || memory.stores()).await?)
}

#[tauri::command]
pub async fn create_memory_store(state: State<'_, AppState>, input: MemoryStoreInput) -> CommandResult<MemoryStore> {
    let memory = state.memory.clone();
    Ok(blocking(move || memory.create_store(input)).await?)
}

#[tauri::command]
pub async fn delete_memory_store(state: State<'_, AppState>, id: MemoryStoreId) -> CommandResult<()> {
    let memory = state.memory.clone();
    Ok(blocking(move || memory.delete_store(&id)).await?)
}

#[tauri::command]
pub async fn list_memory_files(state: State<'_, AppState>, store: MemoryStoreId) -> CommandResult<Vec<MemoryFile>> {
    let memory = state.memory.clone();
    Ok(blocking(move || memory.files(&store)).await?)
}

#[tauri::command]
pub async fn read_memory_file(state: State<'_, AppState>, store: MemoryStoreId, path: String) -> CommandResult<MemoryFileContent> {
    let memory = state.memory.clone();
    Ok(blocking(move || memory.read(&store, &path)).await?)
}

#[tauri::command]
pub async fn write_memory_file(state: State<'_, AppState>, store: MemoryStoreId, write: MemoryWrite) -> CommandResult<MemoryVersion> {
    let memory = state.memory.clone();
    let change = Change::Write { path: write.path, content: write.content };
    Ok(blocking(move || memory.apply(&store, change, write.expected_sha256.as_deref(), &Actor::User)).await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn delete_memory_file(
    state: State<'_, AppState>,
    store: MemoryStoreId,
    path: String,
    expected_sha256: Option<String>,
) -> CommandResult<MemoryVersion> {
    let memory = state.memory.clone();
    Ok(blocking(move || memory.apply(&store, Change::Delete { path }, expected_sha256.as_deref(), &Actor::User)).await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn rename_memory_file(
    state: State<'_, AppState>,
    store: MemoryStoreId,
    path: String,
    new_path: String,
    expected_sha256: Option<String>,
) -> CommandResult<MemoryVersion> {
    let memory = state.memory.clone();
    let change = Change::Rename { from: path, to: new_path };
    Ok(blocking(move || memory.apply(&store, change, expected_sha256.as_deref(), &Actor::User)).await?)
}

#[tauri::command]
pub async fn memory_history(state: State<'_, AppState>, store: MemoryStoreId, path: String) -> CommandResult<Vec<MemoryVersion>> {
    let memory = state.memory.clone();
    Ok(blocking(move || memory.history(&store, &path)).await?)
}

#[tauri::command]
pub async fn memory_version(state: State<'_, AppState>, id: String) -> CommandResult<MemoryVersionContent> {
    let memory = state.memory.clone();
    let (version, content) = blocking(move || memory.version(&id)).await?;
    Ok(MemoryVersionContent { version, content })
}

/// The diff from version `from` to version `to` (either absent: empty text).
#[tauri::command]
pub async fn memory_diff(state: State<'_, AppState>, from: Option<String>, to: Option<String>) -> CommandResult<Vec<DiffHunk>> {
    let memory = state.memory.clone();
    Ok(blocking(move || memory.diff(from.as_deref(), to.as_deref())).await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn revert_memory_version(state: State<'_, AppState>, id: String, expected_sha256: Option<String>) -> CommandResult<MemoryVersion> {
    let memory = state.memory.clone();
    Ok(blocking(move || memory.revert(&id, expected_sha256.as_deref(), &Actor::User)).await?)
}

#[tauri::command]
pub async fn redact_memory_version(state: State<'_, AppState>, id: String) -> CommandResult<MemoryVersion> {
    let memory = state.memory.clone();
    Ok(blocking(move || memory.redact(&id)).await?)
}

#[tauri::command]
pub async fn search_memory(state: State<'_, AppState>, store: MemoryStoreId, query: String) -> CommandResult<Vec<MemorySearchHit>> {
    let memory = state.memory.clone();
    Ok(blocking(move || memory.search(&store, &query, SEARCH_LIMIT)).await?)
}

/// The sessions that listed, searched, read or wrote a file, newest first.
#[tauri::command]
pub async fn memory_file_sessions(state: State<'_, AppState>, store: MemoryStoreId, path: String) -> CommandResult<Vec<MemoryAccessRecord>> {
    let memory = state.memory.clone();
    Ok(blocking(move || memory.accesses_of_file(&store, &path)).await?)
}

/// What a session loaded from memory, in order.
#[tauri::command]
pub async fn session_memory(state: State<'_, AppState>, id: SessionId) -> CommandResult<Vec<MemoryAccessRecord>> {
    let memory = state.memory.clone();
    Ok(blocking(move || memory.accesses_of_session(&id)).await?)
}

/// Writes the store's files into `folder`; returns how many.
#[tauri::command]
pub async fn export_memory_store(state: State<'_, AppState>, id: MemoryStoreId, folder: String) -> CommandResult<usize> {
    let memory = state.memory.clone();
    Ok(blocking(move || memory.export(&id, std::path::Path::new(&folder))).await?)
}

/// Imports every .md file under `folder` as the user's writes; returns how many.
#[tauri::command]
pub async fn import_memory_store(state: State<'_, AppState>, id: MemoryStoreId, folder: String) -> CommandResult<usize> {
    let memory = state.memory.clone();
    Ok(blocking(move || memory.import(&id, std::path::Path::new(&folder), &Actor::User)).await?)
}

/// Files changed both in the mirror folder and in Reverie since they last agreed.
#[tauri::command]
pub async fn memory_conflicts(state: State<'_, AppState>, store: MemoryStoreId) -> CommandResult<Vec<MemoryConflict>> {
    let mirror = state.mirror.clone();
    Ok(blocking(move || mirror.conflicts(&store)).await?)
}

/// Files in the mirror folder that couldn't be imported, and why.
#[tauri::command]
pub async fn memory_problems(state: State<'_, AppState>, store: MemoryStoreId) -> CommandResult<Vec<MemoryProblem>> {
    let mirror = state.mirror.clone();
    let problems = blocking(move || mirror.problems(&store)).await?;
    Ok(problems.into_iter().map(|p| MemoryProblem { store_id: p.store_id, path: p.path, problem: p.problem, detected_at: p.detected_at }).collect())
}

/// Settles a conflict: keep Reverie's content (the disk file is rewritten) or take the disk's
/// (imported as a new version).
#[tauri::command(rename_all = "snake_case")]
pub async fn resolve_memory_conflict(state: State<'_, AppState>, store: MemoryStoreId, path: String, keep_ours: bool) -> CommandResult<()> {
    let mirror = state.mirror.clone();
    Ok(blocking(move || mirror.resolve(&store, &path, keep_ours)).await?)
}

/// Reverie's current text of a conflicting file against the disk's, as diff hunks.
#[tauri::command]
pub async fn memory_conflict_diff(state: State<'_, AppState>, store: MemoryStoreId, path: String) -> CommandResult<Vec<DiffHunk>> {
    let mirror = state.mirror.clone();
    Ok(blocking(move || mirror.conflict_diff(&store, &path)).await?)
}
