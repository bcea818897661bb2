-- Per store and agent: every session of the agent created before `created_at` has been read by a
-- dream of the store, or is not a candidate any more, so the next dream looks only past it.
CREATE TABLE dream_watermarks (
    store_id   TEXT NOT NULL,
    agent_id   TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (store_id, agent_id)
) STRICT;
CREATE INDEX sessions_by_agent ON sessions (agent_id, created_at);
