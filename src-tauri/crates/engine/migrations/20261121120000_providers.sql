-- Model providers. The API key lives in the OS keychain; `key_backend` only records where
-- it was put (secret_service | kernel_keyring | memory_only), never the key.
CREATE TABLE providers (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL UNIQUE,   -- lower-cased name: names are unique ignoring case
    kind        TEXT NOT NULL CHECK (kind IN ('anthropic', 'openai_compatible')),
    base_url    TEXT NOT NULL,
    model       TEXT NOT NULL,
    key_backend TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

-- Small app-wide settings as key/value JSON.
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
