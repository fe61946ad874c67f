-- What the PII tokenizer replaced before the model saw it: one row per
-- token per tool result. Never the value itself; the values are in the
-- session's encrypted vault file.
CREATE TABLE pii_audit (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    session_id TEXT NOT NULL,
    -- The tool whose output it was: execute_code, run_shell, read_file, an MCP tool...
    source     TEXT NOT NULL,
    kind       TEXT NOT NULL,
    token      TEXT NOT NULL,
    count      INTEGER NOT NULL
);

CREATE INDEX pii_audit_by_session ON pii_audit (session_id, at);
