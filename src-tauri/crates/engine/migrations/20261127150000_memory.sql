-- Memory stores: named sets of small Markdown files. `memory_files` is the current state,
-- `memory_versions` every write ever made (immutable but for redaction of the content), and
-- `memory_fts` the full-text index over path and content, kept in the same transaction.
CREATE TABLE memory_stores (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE memory_files (
    store_id    TEXT NOT NULL REFERENCES memory_stores (id) ON DELETE CASCADE,
    path        TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    bytes       INTEGER NOT NULL,
    description TEXT NOT NULL,             -- one line: front matter `description`, else the first line
    version_id  TEXT NOT NULL,
    updated_at  INTEGER NOT NULL,
    -- Last: a long content spills into overflow pages, and SQLite reads those only for the
    -- columns after it, so listings and totals never touch the text.
    content     TEXT NOT NULL,
    PRIMARY KEY (store_id, path)
) STRICT;

CREATE TABLE memory_versions (
    id            TEXT PRIMARY KEY,
    store_id      TEXT NOT NULL REFERENCES memory_stores (id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,           -- 1, 2, 3… per store: the order of writes
    path          TEXT NOT NULL,
    op            TEXT NOT NULL CHECK (op IN ('create', 'update', 'delete', 'rename')),
    previous_path TEXT,
    sha256        TEXT,
    bytes         INTEGER NOT NULL,
    actor         TEXT NOT NULL,              -- session:<id>/thread:<id> | user | external | dream:<id>
    time_ms       INTEGER NOT NULL,
    redacted      INTEGER NOT NULL DEFAULT 0,
    content       TEXT                        -- last (see memory_files); NULL for a delete, or once redacted
) STRICT;

CREATE UNIQUE INDEX memory_versions_by_seq ON memory_versions (store_id, seq);
CREATE INDEX memory_versions_by_path ON memory_versions (store_id, path, seq);

-- Rows are keyed by `memory_files.rowid`; a search joins back to `memory_files` for the store
-- (an UNINDEXED store column would make FTS5 read every matching file's whole row).
CREATE VIRTUAL TABLE memory_fts USING fts5 (path, content, tokenize = 'porter unicode61');

-- Which session loaded which memory file, how (listed | searched | read | written), and why.
CREATE TABLE memory_access (
    id         INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL,
    thread_id  TEXT NOT NULL,
    store_id   TEXT NOT NULL,
    path       TEXT,
    kind       TEXT NOT NULL,
    query      TEXT,
    time_ms    INTEGER NOT NULL
) STRICT;

CREATE INDEX memory_access_by_session ON memory_access (session_id, id);
CREATE INDEX memory_access_by_file ON memory_access (store_id, path, id);

-- The mirror on disk: the sha256 of each file as Reverie last wrote or imported it, so its own
-- writes are not taken for external edits, and an edit on both sides is seen as a conflict.
CREATE TABLE memory_sync (
    store_id TEXT NOT NULL REFERENCES memory_stores (id) ON DELETE CASCADE,
    path     TEXT NOT NULL,
    sha256   TEXT NOT NULL,
    PRIMARY KEY (store_id, path)
) STRICT;

-- Files the mirror couldn't bring in step, shown to the user: changed both on disk and in
-- Reverie since they last agreed (`problem` NULL: the user keeps one side), or a file on disk
-- that can't be imported (`problem` says why: not UTF-8, too large, a name that isn't a memory
-- path…; nothing was imported and the disk file is left as it is). `path` is the file's path
-- in the store's folder as found.
CREATE TABLE memory_conflicts (
    store_id    TEXT NOT NULL REFERENCES memory_stores (id) ON DELETE CASCADE,
    path        TEXT NOT NULL,
    theirs      TEXT,                         -- the disk content; NULL when deleted on disk or unreadable
    problem     TEXT,
    detected_at INTEGER NOT NULL,
    PRIMARY KEY (store_id, path)
) STRICT;

ALTER TABLE agents ADD COLUMN memory TEXT NOT NULL DEFAULT '[]';
