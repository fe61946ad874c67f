-- Agent sessions: one row per conversation, and every message, tool call,
-- error and compaction in the order it happened, committed as it happens so
-- a crash loses nothing that was written.
CREATE TABLE sessions (
    id            TEXT PRIMARY KEY,
    started_at    TEXT NOT NULL,
    last_activity TEXT NOT NULL,
    model         TEXT NOT NULL,
    tool_mode     TEXT NOT NULL,
    first_prompt  TEXT,
    turns         INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX sessions_by_activity ON sessions (last_activity);

CREATE TABLE session_entries (
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    at         TEXT NOT NULL,
    -- user | assistant | tool_call | tool_result | error | compaction
    kind       TEXT NOT NULL,
    -- The entry as JSON (see vtcode_core::session::TranscriptEntry).
    body       TEXT NOT NULL,
    PRIMARY KEY (session_id, seq)
);
