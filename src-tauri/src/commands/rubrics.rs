//! The Rubrics page: the library, the editor's live check, versions and their diffs, starter
//! templates, and `.md` import/export.

use std::path::PathBuf;

use reverie_engine::blocking::blocking;
use reverie_engine::outcome::{parse, read_rubric_file, STARTERS};
use reverie_engine::Error;
use reverie_protocol::{DiffHunk, Rubric, RubricCheck, RubricId, RubricTemplate, RubricVersion};
use tauri::State;

use super::CommandResult;
use crate::AppState;

#[tauri::command]
pub async fn list_rubrics(state: State<'_, AppState>) -> CommandResult<Vec<Rubric>> {
    let rubrics = state.rubrics.clone();
    Ok(blocking(move || rubrics.list()).await?)
}

#[tauri::command]
pub async fn rubric_versions(state: State<'_, AppState>, id: RubricId) -> CommandResult<Vec<RubricVersion>> {
    let rubrics = state.rubrics.clone();
    Ok(blocking(move || rubrics.versions(&id)).await?)
}

#[tauri::command]
pub async fn rubric_diff(state: State<'_, AppState>, id: RubricId, from: u32, to: u32) -> CommandResult<Vec<DiffHunk>> {
    let rubrics = state.rubrics.clone();
    Ok(blocking(move || rubrics.diff(&id, from, to)).await?)
}

/// The editor's live preview: the criteria, or every problem with its line.
#[tauri::command]
pub fn check_rubric(source: String) -> RubricCheck {
    match parse(&source) {
        Ok(criteria) => RubricCheck { criteria, problems: Vec::new() },
        Err(problems) => RubricCheck { criteria: Vec::new(), problems },
    }
}

#[tauri::command]
pub async fn create_rubric(state: State<'_, AppState>, name: String, source: String) -> CommandResult<Rubric> {
    let rubrics = state.rubrics.clone();
    Ok(blocking(move || rubrics.create(&name, &source).map_err(Error::from)).await?)
}

#[tauri::command]
pub async fn save_rubric(state: State<'_, AppState>, id: RubricId, name: String, source: String) -> CommandResult<Rubric> {
    let rubrics = state.rubrics.clone();
    Ok(blocking(move || rubrics.save(&id, &name, &source).map_err(Error::from)).await?)
}

#[tauri::command]
pub async fn delete_rubric(state: State<'_, AppState>, id: RubricId) -> CommandResult<()> {
    let rubrics = state.rubrics.clone();
    Ok(blocking(move || rubrics.delete(&id)).await?)
}

#[tauri::command]
pub fn rubric_templates() -> Vec<RubricTemplate> {
    STARTERS.iter().map(|(name, source)| RubricTemplate { name: (*name).into(), source: (*source).into() }).collect()
}

#[tauri::command]
pub async fn create_rubric_from_template(state: State<'_, AppState>, template: String) -> CommandResult<Rubric> {
    let rubrics = state.rubrics.clone();
    Ok(blocking(move || rubrics.create_from_template(&template)).await?)
}

/// A Markdown file as a new rubric named after the file (made unique).
#[tauri::command]
pub async fn import_rubric(state: State<'_, AppState>, path: PathBuf) -> CommandResult<Rubric> {
    let rubrics = state.rubrics.clone();
    Ok(blocking(move || {
        let source = read_rubric_file(&path)?;
        let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "Imported rubric".into());
        rubrics.create_unique(&name, &source).map_err(Error::from)
    })
    .await?)
}

/// Writes one version's Markdown to `path`.
#[tauri::command]
pub async fn export_rubric(state: State<'_, AppState>, id: RubricId, version: u32, path: PathBuf) -> CommandResult<()> {
    let rubrics = state.rubrics.clone();
    Ok(blocking(move || {
        let source = rubrics.version(&id, version)?.source;
        std::fs::write(&path, source)
            .map_err(|e| Error::invalid("path", format!("Couldn't write {} ({e}). Choose a folder you can write to.", path.display())))
    })
    .await?)
}
