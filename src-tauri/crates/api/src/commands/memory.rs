//! Memory stores: stores, files, the editor (writes by `user` through the one writer path),
//! history, diffs, revert, redaction, search, why each file was loaded, export/import, and the
//! mirror folder's conflicts and problems.

use reverie_engine::blocking::blocking;
use reverie_engine::memory::{Actor, Change};
use reverie_protocol::{
    DiffHunk, MemoryAccessRecord, MemoryConflict, MemoryFile, MemoryFileContent, MemoryProblem, MemorySearchHit,
    MemoryStore, MemoryStoreId, MemoryStoreInput, MemoryVersion, MemoryVersionContent, MemoryWrite, SessionId,
};

use crate::command;

/// Search results shown at most.
const SEARCH_LIMIT: usize = 20;

command! {
    ListMemoryStores "list_memory_stores" (ctx) -> Vec<MemoryStore> {
        let memory = ctx.core.memory.clone();
        blocking(move || memory.stores()).await
    }
}

command! {
    CreateMemoryStore "create_memory_store" (ctx, input: MemoryStoreInput) -> MemoryStore {
        let memory = ctx.core.memory.clone();
        blocking(move || memory.create_store(input)).await
    }
}

command! {
    DeleteMemoryStore "delete_memory_store" (ctx, id: MemoryStoreId) -> () {
        let memory = ctx.core.memory.clone();
        blocking(move || memory.delete_store(&id)).await
    }
}

command! {
    ListMemoryFiles "list_memory_files" (ctx, store: MemoryStoreId) -> Vec<MemoryFile> {
        let memory = ctx.core.memory.clone();
        blocking(move || memory.files(&store)).await
    }
}

command! {
    ReadMemoryFile "read_memory_file" (ctx, store: MemoryStoreId, path: String) -> MemoryFileContent {
        let memory = ctx.core.memory.clone();
        blocking(move || memory.read(&store, &path)).await
    }
}

command! {
    /// Without `expected_sha256` only creates; with it, a newer version is a conflict.
    WriteMemoryFile "write_memory_file" (ctx, store: MemoryStoreId, write: MemoryWrite) -> MemoryVersion {
        let memory = ctx.core.memory.clone();
        let change = Change::Write { path: write.path, content: write.content };
        blocking(move || memory.apply(&store, change, write.expected_sha256.as_deref(), &Actor::User)).await
    }
}

command! {
    DeleteMemoryFile "delete_memory_file" (ctx, store: MemoryStoreId, path: String, expected_sha256: Option<String>) -> MemoryVersion {
        let memory = ctx.core.memory.clone();
        blocking(move || memory.apply(&store, Change::Delete { path }, expected_sha256.as_deref(), &Actor::User)).await
    }
}

command! {
    RenameMemoryFile "rename_memory_file" (ctx, store: MemoryStoreId, path: String, new_path: String, expected_sha256: Option<String>) -> MemoryVersion {
        let memory = ctx.core.memory.clone();
        let change = Change::Rename { from: path, to: new_path };
        blocking(move || memory.apply(&store, change, expected_sha256.as_deref(), &Actor::User)).await
    }
}

command! {
    MemoryHistory "memory_history" (ctx, store: MemoryStoreId, path: String) -> Vec<MemoryVersion> {
        let memory = ctx.core.memory.clone();
        blocking(move || memory.history(&store, &path)).await
    }
}

command! {
    GetMemoryVersion "memory_version" (ctx, id: String) -> MemoryVersionContent {
        let memory = ctx.core.memory.clone();
        let (version, content) = blocking(move || memory.version(&id)).await?;
        Ok(MemoryVersionContent { version, content })
    }
}

command! {
    /// The diff from version `from` to version `to` (either absent: empty text).
    MemoryDiff "memory_diff" (ctx, from: Option<String>, to: Option<String>) -> Vec<DiffHunk> {
        let memory = ctx.core.memory.clone();
        blocking(move || memory.diff(from.as_deref(), to.as_deref())).await
    }
}

command! {
    RevertMemoryVersion "revert_memory_version" (ctx, id: String, expected_sha256: Option<String>) -> MemoryVersion {
        let memory = ctx.core.memory.clone();
        blocking(move || memory.revert(&id, expected_sha256.as_deref(), &Actor::User)).await
    }
}

command! {
    RedactMemoryVersion "redact_memory_version" (ctx, id: String) -> MemoryVersion {
        let memory = ctx.core.memory.clone();
        blocking(move || memory.redact(&id)).await
    }
}

command! {
    SearchMemory "search_memory" (ctx, store: MemoryStoreId, query: String) -> Vec<MemorySearchHit> {
        let memory = ctx.core.memory.clone();
        blocking(move || memory.search(&store, &query, SEARCH_LIMIT)).await
    }
}

command! {
    /// The sessions that listed, searched, read or wrote a file, newest first.
    MemoryFileSessions "memory_file_sessions" (ctx, store: MemoryStoreId, path: String) -> Vec<MemoryAccessRecord> {
        let memory = ctx.core.memory.clone();
        blocking(move || memory.accesses_of_file(&store, &path)).await
    }
}

command! {
    /// What a session loaded from memory, in order.
    SessionMemory "session_memory" (ctx, id: SessionId) -> Vec<MemoryAccessRecord> {
        let memory = ctx.core.memory.clone();
        blocking(move || memory.accesses_of_session(&id)).await
    }
}

command! {
    /// Writes the store's files into `folder`; returns how many.
    ExportMemoryStore "export_memory_store" (ctx, id: MemoryStoreId, folder: String) -> usize {
        let memory = ctx.core.memory.clone();
        blocking(move || memory.export(&id, std::path::Path::new(&folder))).await
    }
}

command! {
    /// Imports every .md file under `folder` as the user's writes; returns how many.
    ImportMemoryStore "import_memory_store" (ctx, id: MemoryStoreId, folder: String) -> usize {
        let memory = ctx.core.memory.clone();
        blocking(move || memory.import(&id, std::path::Path::new(&folder), &Actor::User)).await
    }
}

command! {
    /// Files changed both in the mirror folder and in Reverie since they last agreed.
    MemoryConflicts "memory_conflicts" (ctx, store: MemoryStoreId) -> Vec<MemoryConflict> {
        let mirror = ctx.mirror.clone();
        blocking(move || mirror.conflicts(&store)).await
    }
}

command! {
    /// Files in the mirror folder that couldn't be imported, and why.
    MemoryProblems "memory_problems" (ctx, store: MemoryStoreId) -> Vec<MemoryProblem> {
        let mirror = ctx.mirror.clone();
        let problems = blocking(move || mirror.problems(&store)).await?;
        Ok(problems.into_iter().map(|p| MemoryProblem { store_id: p.store_id, path: p.path, problem: p.problem, detected_at: p.detected_at }).collect())
    }
}

command! {
    /// Settles a conflict: keep Reverie's content (the disk file is rewritten) or take the
    /// disk's (imported as a new version).
    ResolveMemoryConflict "resolve_memory_conflict" (ctx, store: MemoryStoreId, path: String, keep_ours: bool) -> () {
        let mirror = ctx.mirror.clone();
        blocking(move || mirror.resolve(&store, &path, keep_ours)).await
    }
}

command! {
    /// Reverie's current text of a conflicting file against the disk's, as diff hunks.
    MemoryConflictDiff "memory_conflict_diff" (ctx, store: MemoryStoreId, path: String) -> Vec<DiffHunk> {
        let mirror = ctx.mirror.clone();
        blocking(move || mirror.conflict_diff(&store, &path))
        .await
    }
}
