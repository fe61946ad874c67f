-- Tool history: every version of every tool in the order it was seen, with
-- the whole definition (so any two versions can be compared later), how it
-- differs from the version before it and how much that matters to callers.
-- A tool may return to an earlier schema, which is a new entry in its
-- history, so (server, tool, schema_hash) is no longer unique and the table
-- is rebuilt. Rows kept from before have no definition and no class.
CREATE TABLE tool_history (
    id INTEGER PRIMARY KEY,
    server TEXT NOT NULL,
    tool TEXT NOT NULL,
    -- added | changed | removed
    change TEXT NOT NULL,
    -- catalog::tool_schema_hash of this version; NULL for a removal.
    schema_hash TEXT,
    -- The tool as JSON (catalog::CatalogTool); NULL for a removal and for
    -- versions recorded before this migration.
    definition TEXT,
    -- The server's serverInfo.version when this version was first seen.
    server_version TEXT,
    -- compatible | warning | migration_needed | incompatible, relative to
    -- the previous version; NULL when added, or when the previous version
    -- has no definition to compare with.
    class TEXT,
    -- JSON array of {"class", "description"}, one per difference.
    diff TEXT NOT NULL DEFAULT '[]',
    -- RFC 3339 UTC timestamps.
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL
);

-- The old rows in the order they were last recorded, so that each tool's
-- newest row is the schema it had at the last recording.
INSERT INTO tool_history
    (server, tool, change, schema_hash, server_version, first_seen, last_seen)
SELECT server, tool,
       CASE WHEN ROW_NUMBER() OVER (PARTITION BY server, tool ORDER BY last_recording, id) = 1
            THEN 'added' ELSE 'changed' END,
       schema_hash, server_version, first_seen, last_seen
FROM tool_versions
ORDER BY last_recording, id;

DROP TABLE tool_versions;

CREATE INDEX tool_history_by_tool ON tool_history (server, tool, id);
CREATE INDEX tool_history_by_hash ON tool_history (server, tool, schema_hash);
