-- Agents: saved configurations a run starts from. `tools` is versioned JSON: [{tool, permission}].
CREATE TABLE agents (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL UNIQUE,   -- lower-cased name: names are unique ignoring case
    description  TEXT NOT NULL,
    instructions TEXT NOT NULL,
    provider_id  TEXT NOT NULL,
    model        TEXT,                   -- NULL: the provider's model
    tools        TEXT NOT NULL,
    max_turns    INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;

-- What lists and headers show, kept as events are appended (in the same transaction).
ALTER TABLE sessions ADD COLUMN agent_id TEXT;
-- The process running the session (its lock file under <data>/owners/); NULL when none.
ALTER TABLE sessions ADD COLUMN owner TEXT;
ALTER TABLE sessions ADD COLUMN stop_reason TEXT;
ALTER TABLE sessions ADD COLUMN turns INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN input_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN output_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN cache_read_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN cache_write_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN cost_usd REAL;
-- Milliseconds spent running, over every run of the session; `running_since` while running.
ALTER TABLE sessions ADD COLUMN duration_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN running_since INTEGER;

CREATE INDEX sessions_by_created ON sessions (created_at);
