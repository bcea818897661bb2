-- Dreams: background jobs that read finished sessions and propose memory changes.
CREATE TABLE dreams (
    id           TEXT PRIMARY KEY,
    store_id     TEXT NOT NULL,
    status       TEXT NOT NULL,            -- pending | running | completed | failed | canceled
    mode         TEXT NOT NULL,            -- review | auto
    sessions     TEXT NOT NULL,            -- JSON array of the session ids it reads
    instructions TEXT NOT NULL,
    provider_id  TEXT NOT NULL,
    model        TEXT NOT NULL,
    stage        TEXT,
    processed    INTEGER NOT NULL DEFAULT 0,
    error        TEXT,
    model_calls  INTEGER NOT NULL DEFAULT 0,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cost_usd     REAL,
    owner        TEXT,                     -- the process running it (see session owners)
    created_at   INTEGER NOT NULL,
    finished_at  INTEGER
) STRICT;
CREATE INDEX dreams_by_store ON dreams (store_id, created_at);
-- One dream at a time per store: at most one pending or running row.
CREATE UNIQUE INDEX one_dream_per_store ON dreams (store_id) WHERE status IN ('pending', 'running');

-- What a dream proposes (one per dream, same id). `files` is JSON: [FileChange].
CREATE TABLE proposals (
    dream_id    TEXT PRIMARY KEY REFERENCES dreams (id),
    store_id    TEXT NOT NULL,
    status      TEXT NOT NULL,             -- ready | empty | applied | rejected | reverted
    files       TEXT NOT NULL,
    dropped     TEXT NOT NULL,             -- JSON: [string]
    applied     TEXT NOT NULL DEFAULT '[]',-- JSON: what Apply wrote, for Revert
    created_at  INTEGER NOT NULL,
    applied_at  INTEGER
) STRICT;

-- The watermark: sessions a completed dream of the store has read.
CREATE TABLE dreamed_sessions (
    store_id   TEXT NOT NULL,
    session_id TEXT NOT NULL,
    dream_id   TEXT NOT NULL,
    PRIMARY KEY (store_id, session_id)
) STRICT;

-- When a store dreams: review or auto, a daily time, after N new sessions.
CREATE TABLE dream_settings (
    store_id       TEXT PRIMARY KEY,
    mode           TEXT NOT NULL DEFAULT 'review',
    daily_at       TEXT,
    after_sessions INTEGER
) STRICT;
