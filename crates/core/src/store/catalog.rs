//! Tool history: every version of every tool, when it was seen, and how it
//! differs from the version before it.
//!
//! Recording a server's catalog compares each tool with its newest entry.
//! An unchanged tool only moves its `last_seen`; a changed one gets a new
//! entry with its whole definition and the classifier's verdict against the
//! previous definition; a tool the server no longer lists gets a removal
//! entry. The comparison and the writes share one immediate transaction, so
//! two vtcode processes on one project never record the same change twice.
//! Entries kept from before definitions were stored compare by hash only.

use std::collections::HashSet;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use serde::{Deserialize, Serialize};

use super::{Store, StoreError};
use crate::catalog::{CatalogTool, tool_schema_hash};
use crate::versioning::{ChangeClass, SchemaChange, ToolDiff, classify};

/// How one tool in a recorded catalog compares with its newest entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolChangeKind {
    /// Never seen on this server, or seen again after being removed.
    Added,
    /// Seen before with a different definition. `diff` is `None` when the
    /// previous version was recorded without its definition.
    Changed {
        old_hash: String,
        diff: Option<ToolDiff>,
    },
    /// Listed at the previous recording, missing from this one.
    Removed {
        diff: ToolDiff,
    },
    Unchanged,
}

/// One tool of a recorded catalog and how it changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolChange {
    pub tool: String,
    /// The tool's schema hash now; for a removed tool, its last one.
    pub schema_hash: String,
    pub kind: ToolChangeKind,
}

impl ToolChange {
    /// The classified difference, for a change or a removal.
    pub fn diff(&self) -> Option<&ToolDiff> {
        match &self.kind {
            ToolChangeKind::Changed { diff, .. } => diff.as_ref(),
            ToolChangeKind::Removed { diff } => Some(diff),
            ToolChangeKind::Added | ToolChangeKind::Unchanged => None,
        }
    }
}

/// What an entry of a tool's history records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionChange {
    Added,
    Changed,
    Removed,
}

impl VersionChange {
    /// The snake_case name used in JSON and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Added => "added",
            Self::Changed => "changed",
            Self::Removed => "removed",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [Self::Added, Self::Changed, Self::Removed]
            .into_iter()
            .find(|change| change.as_str() == text)
    }
}

/// One entry of a tool's history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolVersion {
    pub change: VersionChange,
    /// `None` for a removal.
    pub schema_hash: Option<String>,
    /// The server's reported version when this entry was first seen.
    pub server_version: Option<String>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// How much the change from the previous entry matters; `None` for an
    /// addition, or when the previous entry has no definition to compare.
    pub class: Option<ChangeClass>,
    /// Each difference from the previous entry.
    pub diff: Vec<SchemaChange>,
    /// The whole tool; `None` for a removal and for entries recorded by a
    /// vtcode that did not keep definitions.
    pub definition: Option<CatalogTool>,
}

/// The newest entry of one tool.
struct Latest {
    id: i64,
    change: Option<VersionChange>,
    schema_hash: Option<String>,
    definition: Option<String>,
}

/// An entry about to be written.
struct NewEntry<'a> {
    server: &'a str,
    tool: &'a str,
    change: VersionChange,
    schema_hash: Option<&'a str>,
    definition: Option<&'a str>,
    server_version: Option<&'a str>,
    diff: Option<&'a ToolDiff>,
    now: &'a str,
}

impl Store {
    /// Records the tools a server lists now and reports how each changed
    /// since the last recording, including tools it no longer lists. Call
    /// it only with the complete list of a server that is up: a missing
    /// tool is recorded as removed.
    pub fn record_catalog(
        &self,
        server: &str,
        server_version: Option<&str>,
        tools: &[CatalogTool],
    ) -> Result<Vec<ToolChange>, StoreError> {
        let now = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
        self.with_conn(|conn| {
            let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
            let mut changes = Vec::with_capacity(tools.len());
            let mut listed = HashSet::new();
            for tool in tools.iter().filter(|tool| tool.server == server) {
                listed.insert(tool.name.as_str());
                changes.push(record_tool(&tx, tool, server_version, &now)?);
            }
            for (tool, schema_hash) in present_tools(&tx, server)? {
                if listed.contains(tool.as_str()) {
                    continue;
                }
                let diff = ToolDiff::removed();
                insert(
                    &tx,
                    &NewEntry {
                        server,
                        tool: &tool,
                        change: VersionChange::Removed,
                        schema_hash: None,
                        definition: None,
                        server_version,
                        diff: Some(&diff),
                        now: &now,
                    },
                )?;
                changes.push(ToolChange {
                    tool,
                    schema_hash: schema_hash.unwrap_or_default(),
                    kind: ToolChangeKind::Removed { diff },
                });
            }
            tx.commit()?;
            Ok(changes)
        })
    }

    /// Every entry of a tool's history, oldest first.
    pub fn tool_history(&self, server: &str, tool: &str) -> Result<Vec<ToolVersion>, StoreError> {
        self.with_conn(|conn| {
            let mut statement = conn.prepare_cached(
                "SELECT change, schema_hash, server_version, first_seen, last_seen,
                        class, diff, definition
                 FROM tool_history WHERE server = ?1 AND tool = ?2 ORDER BY id",
            )?;
            let rows = statement.query_map(params![server, tool], |row| {
                let change: String = row.get(0)?;
                Ok(ToolVersion {
                    change: VersionChange::parse(&change)
                        .ok_or_else(|| bad_column(0, format!("unknown change `{change}`")))?,
                    schema_hash: row.get(1)?,
                    server_version: row.get(2)?,
                    first_seen: timestamp(row, 3)?,
                    last_seen: timestamp(row, 4)?,
                    class: row
                        .get::<_, Option<String>>(5)?
                        .map(|class| class.parse().map_err(|err| bad_column(5, err)))
                        .transpose()?,
                    diff: json_column(row, 6)?,
                    definition: row
                        .get::<_, Option<String>>(7)?
                        .map(|text| serde_json::from_str(&text).map_err(|err| bad_column(7, err)))
                        .transpose()?,
                })
            })?;
            rows.collect()
        })
    }

    /// The definition a tool had with this schema hash (the newest, if it
    /// had it more than once); what a program saved against that hash expects.
    pub fn tool_at(
        &self,
        server: &str,
        tool: &str,
        schema_hash: &str,
    ) -> Result<Option<CatalogTool>, StoreError> {
        self.with_conn(|conn| {
            let text: Option<String> = conn
                .prepare_cached(
                    "SELECT definition FROM tool_history
                     WHERE server = ?1 AND tool = ?2 AND schema_hash = ?3
                       AND definition IS NOT NULL
                     ORDER BY id DESC LIMIT 1",
                )?
                .query_row(params![server, tool, schema_hash], |row| row.get(0))
                .optional()?;
            text.map(|text| serde_json::from_str(&text).map_err(|err| bad_column(0, err)))
                .transpose()
        })
    }

    /// Every `(server, tool)` with a history, sorted.
    pub fn tools_with_history(&self) -> Result<Vec<(String, String)>, StoreError> {
        self.with_conn(|conn| {
            let mut statement = conn.prepare_cached(
                "SELECT DISTINCT server, tool FROM tool_history ORDER BY server, tool",
            )?;
            let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
            rows.collect()
        })
    }
}

/// Compares one listed tool with its newest entry and writes what changed.
fn record_tool(
    tx: &Connection,
    tool: &CatalogTool,
    server_version: Option<&str>,
    now: &str,
) -> rusqlite::Result<ToolChange> {
    let hash = tool_schema_hash(tool);
    let definition = serde_json::to_string(tool)
        .map_err(|err| rusqlite::Error::ToSqlConversionFailure(Box::new(err)))?;
    let mut entry = NewEntry {
        server: &tool.server,
        tool: &tool.name,
        change: VersionChange::Added,
        schema_hash: Some(&hash),
        definition: Some(&definition),
        server_version,
        diff: None,
        now,
    };
    let latest = latest_entry(tx, &tool.server, &tool.name)?;
    let Some(latest) = latest.filter(|l| l.change != Some(VersionChange::Removed)) else {
        insert(tx, &entry)?;
        return Ok(change(tool, hash, ToolChangeKind::Added));
    };
    // The same text is the same tool, without parsing it; a definition that
    // no longer parses compares like a missing one.
    let same_text = latest.definition.as_deref() == Some(definition.as_str());
    let previous: Option<CatalogTool> = match &latest.definition {
        Some(text) if !same_text => serde_json::from_str(text).ok(),
        _ => None,
    };
    let same_hash = latest.schema_hash.as_deref() == Some(hash.as_str());
    if same_text || (same_hash && previous.as_ref().is_none_or(|previous| previous == tool)) {
        tx.prepare_cached(
            "UPDATE tool_history SET last_seen = ?2, definition = COALESCE(definition, ?3)
             WHERE id = ?1",
        )?
        .execute(params![latest.id, now, definition])?;
        return Ok(change(tool, hash, ToolChangeKind::Unchanged));
    }
    let diff = previous.map(|previous| classify(&previous, Some(tool)));
    entry.change = VersionChange::Changed;
    entry.diff = diff.as_ref();
    insert(tx, &entry)?;
    let old_hash = latest.schema_hash.unwrap_or_default();
    Ok(change(
        tool,
        hash,
        ToolChangeKind::Changed { old_hash, diff },
    ))
}

fn change(tool: &CatalogTool, schema_hash: String, kind: ToolChangeKind) -> ToolChange {
    ToolChange {
        tool: tool.name.clone(),
        schema_hash,
        kind,
    }
}

fn latest_entry(tx: &Connection, server: &str, tool: &str) -> rusqlite::Result<Option<Latest>> {
    tx.prepare_cached(
        "SELECT id, change, schema_hash, definition FROM tool_history
         WHERE server = ?1 AND tool = ?2 ORDER BY id DESC LIMIT 1",
    )?
    .query_row(params![server, tool], |row| {
        Ok(Latest {
            id: row.get(0)?,
            change: VersionChange::parse(&row.get::<_, String>(1)?),
            schema_hash: row.get(2)?,
            definition: row.get(3)?,
        })
    })
    .optional()
}

/// The server's tools whose newest entry is not a removal, with their hash.
fn present_tools(tx: &Connection, server: &str) -> rusqlite::Result<Vec<(String, Option<String>)>> {
    let mut statement = tx.prepare_cached(
        "SELECT h.tool, h.schema_hash FROM tool_history h
         WHERE h.server = ?1 AND h.change != 'removed'
           AND h.id = (SELECT MAX(id) FROM tool_history
                       WHERE server = h.server AND tool = h.tool)",
    )?;
    let rows = statement.query_map(params![server], |row| Ok((row.get(0)?, row.get(1)?)))?;
    rows.collect()
}

fn insert(tx: &Connection, entry: &NewEntry<'_>) -> rusqlite::Result<()> {
    let diff = entry
        .diff
        .map(|diff| serde_json::to_string(&diff.changes))
        .transpose()
        .map_err(|err| rusqlite::Error::ToSqlConversionFailure(Box::new(err)))?;
    tx.prepare_cached(
        "INSERT INTO tool_history
           (server, tool, change, schema_hash, definition, server_version, class, diff,
            first_seen, last_seen)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, COALESCE(?8, '[]'), ?9, ?9)",
    )?
    .execute(params![
        entry.server,
        entry.tool,
        entry.change.as_str(),
        entry.schema_hash,
        entry.definition,
        entry.server_version,
        entry.diff.map(|diff| diff.class.as_str()),
        diff,
        entry.now,
    ])?;
    Ok(())
}

fn json_column<T: serde::de::DeserializeOwned>(
    row: &rusqlite::Row<'_>,
    index: usize,
) -> rusqlite::Result<T> {
    let text: String = row.get(index)?;
    serde_json::from_str(&text).map_err(|err| bad_column(index, err))
}

fn bad_column(
    index: usize,
    err: impl Into<Box<dyn std::error::Error + Send + Sync>>,
) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, err.into())
}

fn timestamp(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<DateTime<Utc>> {
    let text: String = row.get(index)?;
    DateTime::parse_from_rfc3339(&text)
        .map(|time| time.with_timezone(&Utc))
        .map_err(|err| bad_column(index, err))
}
