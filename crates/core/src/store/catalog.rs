//! Tool catalog history: which schema each tool had, and when.
//!
//! Each distinct `(server, tool, schema_hash)` is one row. Recording a
//! catalog compares every tool's hash with the one seen most recently, so
//! callers learn which tools are new or changed (and from what), which is
//! what skills pinned to a schema hash need to know.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};

/// How one tool in a recorded catalog compares with the last recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolChangeKind {
    /// Never seen before on this server.
    Added,
    /// Seen before with a different schema.
    Changed {
        old_hash: String,
    },
    Unchanged,
}

/// One tool of a recorded catalog and how it changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolChange {
    pub tool: String,
    pub schema_hash: String,
    pub kind: ToolChangeKind,
}

/// One schema a tool has had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolVersion {
    pub schema_hash: String,
    /// The server's reported version when this schema was last seen.
    pub server_version: Option<String>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
}

impl Store {
    /// Records the tools a server currently offers, as `(tool, schema hash)`
    /// pairs, and reports each tool's change since the last recording.
    pub fn record_catalog(
        &self,
        server: &str,
        server_version: Option<&str>,
        tools: &[(String, String)],
    ) -> Result<Vec<ToolChange>, StoreError> {
        let now = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
        self.with_conn(|conn| {
            let tx = conn.unchecked_transaction()?;
            let recording: i64 = tx.query_row(
                "SELECT COALESCE(MAX(last_recording), 0) + 1 FROM tool_versions",
                [],
                |row| row.get(0),
            )?;
            let mut latest = tx.prepare_cached(
                "SELECT schema_hash FROM tool_versions WHERE server = ?1 AND tool = ?2
                 ORDER BY last_recording DESC, id DESC LIMIT 1",
            )?;
            let mut upsert = tx.prepare_cached(
                "INSERT INTO tool_versions
                   (server, tool, schema_hash, server_version, first_seen, last_seen, last_recording)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)
                 ON CONFLICT (server, tool, schema_hash) DO UPDATE SET
                   last_seen = excluded.last_seen,
                   last_recording = excluded.last_recording,
                   server_version = COALESCE(excluded.server_version, server_version)",
            )?;
            let mut changes = Vec::with_capacity(tools.len());
            for (tool, hash) in tools {
                let previous: Option<String> = latest
                    .query_row(params![server, tool], |row| row.get(0))
                    .optional()?;
                let kind = match previous {
                    None => ToolChangeKind::Added,
                    Some(old) if old == *hash => ToolChangeKind::Unchanged,
                    Some(old_hash) => ToolChangeKind::Changed { old_hash },
                };
                upsert.execute(params![server, tool, hash, server_version, now, recording])?;
                changes.push(ToolChange {
                    tool: tool.clone(),
                    schema_hash: hash.clone(),
                    kind,
                });
            }
            drop((latest, upsert));
            tx.commit()?;
            Ok(changes)
        })
    }

    /// Every schema a tool has had, oldest first.
    pub fn tool_history(&self, server: &str, tool: &str) -> Result<Vec<ToolVersion>, StoreError> {
        self.with_conn(|conn| {
            let mut statement = conn.prepare_cached(
                "SELECT schema_hash, server_version, first_seen, last_seen FROM tool_versions
                 WHERE server = ?1 AND tool = ?2 ORDER BY first_seen, id",
            )?;
            let rows = statement.query_map(params![server, tool], |row| {
                Ok(ToolVersion {
                    schema_hash: row.get(0)?,
                    server_version: row.get(1)?,
                    first_seen: timestamp(row, 2)?,
                    last_seen: timestamp(row, 3)?,
                })
            })?;
            rows.collect()
        })
    }
}

fn timestamp(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<DateTime<Utc>> {
    let text: String = row.get(index)?;
    DateTime::parse_from_rfc3339(&text)
        .map(|time| time.with_timezone(&Utc))
        .map_err(|err| {
            rusqlite::Error::FromSqlConversionFailure(
                index,
                rusqlite::types::Type::Text,
                Box::new(err),
            )
        })
}
