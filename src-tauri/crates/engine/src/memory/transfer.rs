//! A store as a folder of Markdown files: export writes every file out; import reads every `.md`
//! file under a folder back in, each through the one writer path as a new version.

use std::path::{Path, PathBuf};

use reverie_protocol::MemoryStoreId;

use super::{paths, Actor, Change, Memory, MAX_FILE_BYTES};
use crate::{Error, Result};

/// Deepest folder nesting an import walks.
const MAX_DEPTH: usize = 16;

impl Memory {
    /// Writes every file of `store` under `folder` (created if missing); returns how many.
    pub fn export(&self, store: &MemoryStoreId, folder: &Path) -> Result<usize> {
        let files = self.files(store)?;
        for file in &files {
            let content = self.read(store, &file.path)?.content;
            let target = folder.join(&file.path);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(|e| io_error("create", parent, &e))?;
            }
            std::fs::write(&target, content).map_err(|e| io_error("write", &target, &e))?;
        }
        tracing::info!(count = files.len(), "memory store exported");
        Ok(files.len())
    }

    /// Imports every `.md` file under `folder` into `store` as `actor`'s writes (files already
    /// there with the same content make no version; nothing is deleted). Every file is checked
    /// first, so a bad one imports nothing; the error names it.
    pub fn import(&self, store: &MemoryStoreId, folder: &Path, actor: &Actor) -> Result<usize> {
        self.check_store(store)?;
        let mut found = Vec::new();
        walk(folder, folder, 0, &mut found)?;
        let mut changes = Vec::with_capacity(found.len());
        for (relative, full) in found {
            let path = paths::check_path(&relative, "folder")
                .map_err(|e| Error::invalid("folder", format!("{} can't be imported: {e}", full.display())))?;
            let bytes = std::fs::read(&full).map_err(|e| io_error("read", &full, &e))?;
            if bytes.len() > MAX_FILE_BYTES {
                return Err(Error::invalid(
                    "folder",
                    format!(
                        "{} is {} kB; a memory file holds at most {} kB.",
                        full.display(),
                        bytes.len() / 1000,
                        MAX_FILE_BYTES / 1000
                    ),
                ));
            }
            let content = String::from_utf8(bytes)
                .map_err(|_| Error::invalid("folder", format!("{} is not UTF-8 text.", full.display())))?;
            changes.push(Change::Write { path, content });
        }
        let count = changes.len();
        for change in changes {
            self.apply(store, change, None, actor)?;
        }
        tracing::info!(count, "memory store imported");
        Ok(count)
    }
}

fn walk(root: &Path, dir: &Path, depth: usize, out: &mut Vec<(String, PathBuf)>) -> Result<()> {
    if depth > MAX_DEPTH {
        return Err(Error::invalid("folder", format!("{} is nested too deep to import.", dir.display())));
    }
    let entries = std::fs::read_dir(dir).map_err(|e| io_error("read", dir, &e))?;
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let Ok(kind) = entry.file_type() else { continue };
        if kind.is_dir() {
            walk(root, &path, depth + 1, out)?;
        } else if kind.is_file() && name.ends_with(".md") {
            let relative = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
            out.push((relative, path));
        }
    }
    Ok(())
}

fn io_error(what: &str, path: &Path, e: &std::io::Error) -> Error {
    Error::invalid("folder", format!("Couldn't {what} {} ({e}). Choose a folder you can use.", path.display()))
}
