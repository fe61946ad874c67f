//! Sessions on disk: every message and tool call committed as it happens.
//!
//! A session is a row in `sessions` plus its ordered `session_entries`
//! (see [`TranscriptEntry`]). Each append is its own committed statement, so
//! a crash loses at most the entry being written; resume replays the entries
//! into the message list. The store never holds secrets: entries are what
//! the model and the tools said.

mod transcript;

use std::path::Path;
use std::sync::Arc;

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::store::{Store, StoreError};

pub(crate) use transcript::dangling_calls;
pub use transcript::{INTERRUPTED, TranscriptEntry, replay, summary_message};

const FIRST_PROMPT_CHARS: usize = 200;

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no session `{0}` in this project; `vtcode sessions list` shows them")]
    NotFound(String),
    #[error("no earlier session in this project to resume; start one without --resume")]
    NoneToResume,
    #[error("session store: a stored entry is unreadable: {0}")]
    Corrupt(#[from] serde_json::Error),
    #[error("cannot delete the PII vault of session `{id}`: {source}")]
    Vault { id: String, source: std::io::Error },
}

/// One line of `vtcode sessions list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionInfo {
    pub id: String,
    pub started_at: String,
    pub last_activity: String,
    pub model: String,
    pub tool_mode: String,
    pub first_prompt: Option<String>,
    pub turns: u32,
}

/// Handle to the sessions tables of the project database; cheap to clone.
#[derive(Clone)]
pub struct SessionStore {
    store: Arc<Store>,
}

impl SessionStore {
    pub fn new(store: Arc<Store>) -> Self {
        Self { store }
    }

    /// Opens (creating and migrating if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<Self, SessionError> {
        Ok(Self::new(Arc::new(Store::open(path)?)))
    }

    pub fn create(&self, id: &str, model: &str, tool_mode: &str) -> Result<(), SessionError> {
        let now = now();
        self.store.with_conn(|conn| {
            conn.execute(
                "INSERT INTO sessions (id, started_at, last_activity, model, tool_mode) VALUES (?1, ?2, ?2, ?3, ?4)",
                params![id, now, model, tool_mode],
            )
        })?;
        Ok(())
    }

    pub fn exists(&self, id: &str) -> Result<bool, SessionError> {
        let found = self.store.with_conn(|conn| {
            conn.query_row("SELECT 1 FROM sessions WHERE id = ?1", [id], |_| Ok(()))
                .optional()
        })?;
        Ok(found.is_some())
    }

    /// Commits one entry and updates the session's activity, turn count and
    /// first prompt, in one transaction.
    pub fn append(&self, id: &str, entry: &TranscriptEntry) -> Result<(), SessionError> {
        let body = serde_json::to_string(entry)?;
        let now = now();
        let first_prompt = match entry {
            TranscriptEntry::User { content } => {
                Some(content.chars().take(FIRST_PROMPT_CHARS).collect::<String>())
            }
            _ => None,
        };
        self.store.with_conn(|conn| {
            let tx = conn.unchecked_transaction()?;
            tx.execute(
                "INSERT INTO session_entries (session_id, seq, at, kind, body)
                 VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM session_entries WHERE session_id = ?1), ?2, ?3, ?4)",
                params![id, now, entry.kind(), body],
            )?;
            if let Some(first) = &first_prompt {
                tx.execute(
                    "UPDATE sessions SET turns = turns + 1, first_prompt = COALESCE(first_prompt, ?2) WHERE id = ?1",
                    params![id, first],
                )?;
            }
            tx.execute(
                "UPDATE sessions SET last_activity = ?2 WHERE id = ?1",
                params![id, now],
            )?;
            tx.commit()
        })?;
        Ok(())
    }

    /// Every session, most recently active first.
    pub fn list(&self) -> Result<Vec<SessionInfo>, SessionError> {
        Ok(self.store.with_conn(|conn| {
            let mut stmt = conn.prepare(
                "SELECT id, started_at, last_activity, model, tool_mode, first_prompt, turns
                 FROM sessions ORDER BY last_activity DESC, rowid DESC",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(SessionInfo {
                    id: r.get(0)?,
                    started_at: r.get(1)?,
                    last_activity: r.get(2)?,
                    model: r.get(3)?,
                    tool_mode: r.get(4)?,
                    first_prompt: r.get(5)?,
                    turns: r.get(6)?,
                })
            })?;
            rows.collect::<Result<Vec<_>, _>>()
        })?)
    }

    /// Deletes a session: its transcript and its PII vault in `vault_dir`.
    pub fn delete(&self, id: &str, vault_dir: &Path) -> Result<(), SessionError> {
        if !self.exists(id)? {
            return Err(SessionError::NotFound(id.to_string()));
        }
        crate::pii::vault::delete(vault_dir, id).map_err(|source| SessionError::Vault {
            id: id.to_string(),
            source,
        })?;
        self.store
            .with_conn(|conn| conn.execute("DELETE FROM sessions WHERE id = ?1", [id]))?;
        Ok(())
    }

    /// The most recently active session, for `--resume` without an id.
    pub fn latest(&self) -> Result<String, SessionError> {
        self.store
            .with_conn(|conn| {
                conn.query_row(
                    "SELECT id FROM sessions ORDER BY last_activity DESC, rowid DESC LIMIT 1",
                    [],
                    |r| r.get(0),
                )
                .optional()
            })?
            .ok_or(SessionError::NoneToResume)
    }

    /// The session's entries in order.
    pub fn load(&self, id: &str) -> Result<Vec<TranscriptEntry>, SessionError> {
        if !self.exists(id)? {
            return Err(SessionError::NotFound(id.to_string()));
        }
        let bodies = self.store.with_conn(|conn| {
            let mut stmt = conn
                .prepare("SELECT body FROM session_entries WHERE session_id = ?1 ORDER BY seq")?;
            let rows = stmt.query_map([id], |r| r.get::<_, String>(0))?;
            rows.collect::<Result<Vec<_>, _>>()
        })?;
        Ok(bodies
            .iter()
            .map(|b| serde_json::from_str(b))
            .collect::<Result<_, _>>()?)
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn entries_survive_reopening_and_list_shows_the_first_prompt() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("vtcode.db");
        {
            let store = SessionStore::open(&db).unwrap();
            store.create("s1", "m", "code").unwrap();
            store
                .append(
                    "s1",
                    &TranscriptEntry::User {
                        content: "fix the build".into(),
                    },
                )
                .unwrap();
            store
                .append(
                    "s1",
                    &TranscriptEntry::Error {
                        message: "boom".into(),
                    },
                )
                .unwrap();
            store
                .append(
                    "s1",
                    &TranscriptEntry::User {
                        content: "again".into(),
                    },
                )
                .unwrap();
        }
        let store = SessionStore::open(&db).unwrap();
        let list = store.list().unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].first_prompt.as_deref(), Some("fix the build"));
        assert_eq!(list[0].turns, 2);
        assert_eq!(store.latest().unwrap(), "s1");
        let entries = store.load("s1").unwrap();
        assert_eq!(
            entries[1],
            TranscriptEntry::Error {
                message: "boom".into()
            }
        );
        assert!(matches!(store.load("nope"), Err(SessionError::NotFound(_))));
    }
}
