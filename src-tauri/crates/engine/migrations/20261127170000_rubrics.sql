-- Rubrics and their versions. A version is never changed or removed: an outcome records the
-- version it used, and a deleted rubric keeps its versions for the outcomes that used them.
CREATE TABLE rubrics (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    name_key   TEXT,                     -- lower-cased name while not deleted: unique among live rubrics
    deleted_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX rubrics_by_name ON rubrics (name_key) WHERE name_key IS NOT NULL;

CREATE TABLE rubric_versions (
    rubric_id  TEXT NOT NULL REFERENCES rubrics (id),
    version    INTEGER NOT NULL,
    source     TEXT NOT NULL,
    criteria   TEXT NOT NULL,            -- the parsed criteria, JSON (versioned with the payload format)
    created_at INTEGER NOT NULL,
    PRIMARY KEY (rubric_id, version)
) STRICT;
