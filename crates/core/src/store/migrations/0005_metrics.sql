-- Metric events: one row per measured thing (a tool call, a program run,
-- a model request, ...). The columns hold what summaries group and filter
-- by; `body` is the whole event as JSON (see vtcode_core::metrics). No row
-- holds a tool argument's value or a raw error message.
CREATE TABLE metric_events (
    id          INTEGER PRIMARY KEY,
    -- Unix time in milliseconds (UTC).
    at_ms       INTEGER NOT NULL,
    -- discovery | execution | sdk_generation | filtering | llm | turn |
    -- mcp_call | mcp_restart | approval | skill | pii_detection
    kind        TEXT NOT NULL,
    -- What it is about: server.tool, skill, model, server or PII kind.
    subject     TEXT,
    -- 1 success, 0 failure, NULL when the event cannot fail.
    ok          INTEGER,
    duration_ms REAL,
    -- Normalised: quoted values, ids, paths and numbers blanked.
    error       TEXT,
    body        TEXT NOT NULL
);

CREATE INDEX metric_events_by_time ON metric_events (at_ms);
CREATE INDEX metric_events_by_kind ON metric_events (kind, subject, at_ms);

-- The project's random salt for hashing tool argument values, so equal
-- values compare equal across runs without being guessable from a table of
-- common values hashed in advance.
CREATE TABLE metrics_salt (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    salt BLOB NOT NULL
);
