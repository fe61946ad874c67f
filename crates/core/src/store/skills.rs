//! The skills index table: what the skill files say, plus use counts.
//!
//! The skills module decides what goes in (it scans the files); this file
//! only reads and writes rows, in one transaction per refresh so a second
//! vtcode process never sees half an index.

use chrono::{SecondsFormat, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};

/// One indexed skill.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SkillRow {
    pub name: String,
    pub description: String,
    pub root: String,
    pub dir: String,
    pub version: u32,
    pub language: Option<String>,
    pub tags: Vec<String>,
    /// `{server, tool, schema_hash}` objects.
    pub dependencies: serde_json::Value,
    pub content_hash: String,
    pub created_at: String,
    pub updated_at: String,
    pub uses: i64,
    pub last_used: Option<String>,
    pub failures: i64,
}

/// What a refresh writes for one skill whose files changed or are new.
#[derive(Debug, Clone)]
pub struct SkillUpsert {
    pub name: String,
    pub description: String,
    pub root: String,
    pub dir: String,
    pub version: u32,
    pub language: Option<String>,
    pub tags: Vec<String>,
    pub dependencies: serde_json::Value,
    pub content_hash: String,
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

const COLUMNS: &str = "name, description, root, dir, version, language, tags, dependencies,
    content_hash, created_at, updated_at, uses, last_used, failures";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SkillRow> {
    let tags: String = r.get(6)?;
    let dependencies: String = r.get(7)?;
    Ok(SkillRow {
        name: r.get(0)?,
        description: r.get(1)?,
        root: r.get(2)?,
        dir: r.get(3)?,
        version: r.get(4)?,
        language: r.get(5)?,
        tags: serde_json::from_str(&tags).unwrap_or_default(),
        dependencies: serde_json::from_str(&dependencies).unwrap_or_default(),
        content_hash: r.get(8)?,
        created_at: r.get(9)?,
        updated_at: r.get(10)?,
        uses: r.get(11)?,
        last_used: r.get(12)?,
        failures: r.get(13)?,
    })
}

impl Store {
    /// Every indexed skill, by name.
    pub fn skill_rows(&self) -> Result<Vec<SkillRow>, StoreError> {
        self.with_conn(|conn| {
            let mut statement =
                conn.prepare_cached(&format!("SELECT {COLUMNS} FROM skills ORDER BY name"))?;
            let rows = statement.query_map([], row)?;
            rows.collect()
        })
    }

    pub fn skill_row(&self, name: &str) -> Result<Option<SkillRow>, StoreError> {
        self.with_conn(|conn| {
            conn.query_row(
                &format!("SELECT {COLUMNS} FROM skills WHERE name = ?1"),
                [name],
                row,
            )
            .optional()
        })
    }

    /// Brings the index in line with a scan: `changed` rows are written
    /// (keeping their use counts and creation time), names not in `keep`
    /// are removed. One transaction.
    pub fn sync_skills(&self, changed: &[SkillUpsert], keep: &[&str]) -> Result<(), StoreError> {
        let at = now();
        self.with_conn(|conn| {
            let tx = conn.unchecked_transaction()?;
            {
                let mut upsert = tx.prepare_cached(
                    "INSERT INTO skills (name, description, root, dir, version, language, tags,
                        dependencies, content_hash, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)
                     ON CONFLICT (name) DO UPDATE SET
                        description = excluded.description, root = excluded.root,
                        dir = excluded.dir, version = excluded.version,
                        language = excluded.language, tags = excluded.tags,
                        dependencies = excluded.dependencies,
                        content_hash = excluded.content_hash,
                        updated_at = excluded.updated_at",
                )?;
                for s in changed {
                    upsert.execute(params![
                        s.name,
                        s.description,
                        s.root,
                        s.dir,
                        s.version,
                        s.language,
                        serde_json::Value::from(s.tags.clone()).to_string(),
                        s.dependencies.to_string(),
                        s.content_hash,
                        at,
                    ])?;
                }
                let existing: Vec<String> = tx
                    .prepare_cached("SELECT name FROM skills")?
                    .query_map([], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                let mut delete = tx.prepare_cached("DELETE FROM skills WHERE name = ?1")?;
                for name in existing.iter().filter(|n| !keep.contains(&n.as_str())) {
                    delete.execute([name])?;
                }
            }
            tx.commit()
        })
    }

    /// Counts one program that imported the skill, and whether it failed.
    pub fn record_skill_use(&self, name: &str, failed: bool) -> Result<(), StoreError> {
        let at = now();
        self.with_conn(|conn| {
            conn.execute(
                "UPDATE skills SET uses = uses + 1, last_used = ?2,
                    failures = failures + ?3 WHERE name = ?1",
                params![name, at, i64::from(failed)],
            )
            .map(drop)
        })
    }
}
