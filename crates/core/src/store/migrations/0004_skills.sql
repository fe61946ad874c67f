-- The skills index. The SKILL.md files are the truth; this table mirrors
-- what they say (refreshed when a file's content hash changes) and keeps
-- what only vtcode knows: when a skill was first seen, how often programs
-- used it and how often those programs failed.
CREATE TABLE skills (
    name         TEXT PRIMARY KEY,
    description  TEXT NOT NULL,
    -- The skills root the folder was found in, and the folder itself.
    root         TEXT NOT NULL,
    dir          TEXT NOT NULL,
    version      INTEGER NOT NULL,
    -- python | javascript, or NULL for an instruction-only skill.
    language     TEXT,
    -- JSON arrays: tags, and {server, tool, schema_hash} dependencies.
    tags         TEXT NOT NULL,
    dependencies TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    -- RFC 3339 UTC timestamps.
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    uses         INTEGER NOT NULL DEFAULT 0,
    last_used    TEXT,
    failures     INTEGER NOT NULL DEFAULT 0
);
