-- Tool catalog history: one row per distinct schema a tool has been seen
-- with, so a changed tool (and what it changed from) can be detected.
CREATE TABLE tool_versions (
    id INTEGER PRIMARY KEY,
    server TEXT NOT NULL,
    tool TEXT NOT NULL,
    schema_hash TEXT NOT NULL,
    server_version TEXT,
    -- RFC 3339 UTC timestamps.
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    -- Which catalog recording saw this row last; orders versions even when
    -- two recordings share a timestamp.
    last_recording INTEGER NOT NULL,
    UNIQUE (server, tool, schema_hash)
);

CREATE INDEX tool_versions_latest ON tool_versions (server, tool, last_recording);
