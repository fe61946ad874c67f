-- Sentence-embedding vectors of tool texts, for semantic tool search.
-- A tool's text is made only of what its schema hash covers, so one vector
-- per (model, schema hash) serves every catalog that has that tool; a
-- changed tool has a new hash and gets a new row, the old one is unused.
CREATE TABLE tool_embeddings (
    model       TEXT    NOT NULL,  -- model and text-format identifier
    schema_hash TEXT    NOT NULL,
    dimension   INTEGER NOT NULL,
    vector      BLOB    NOT NULL,  -- little-endian f32 × dimension
    created_at  TEXT    NOT NULL,
    PRIMARY KEY (model, schema_hash)
) WITHOUT ROWID;
