-- Sessions and their append-only event log. Events are written here before any subscriber
-- sees them; a session's view can always be rebuilt from this table alone.
CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    agent_name TEXT NOT NULL,
    task       TEXT NOT NULL,
    workspace  TEXT NOT NULL,
    status     TEXT NOT NULL,          -- running | idle | interrupted
    last_seq   INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE INDEX sessions_by_status ON sessions (status);

CREATE TABLE events (
    session_id      TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,  -- 1, 2, 3… per session, no gaps
    thread_id       TEXT NOT NULL,
    time_ms         INTEGER NOT NULL,
    type            TEXT NOT NULL,     -- the event name, e.g. agent.tool_use
    payload_version INTEGER NOT NULL,
    payload         TEXT NOT NULL,     -- the event's JSON
    PRIMARY KEY (session_id, seq)
) STRICT, WITHOUT ROWID;
