//! Metric events: appended in batches by the metrics writer, read back in
//! time order by summaries, exports and insights, pruned by age.

use rusqlite::params;

use super::{Store, StoreError};
use crate::metrics::MetricEvent;

/// One event as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// Insertion order; orders events recorded in the same millisecond.
    pub id: i64,
    /// Unix time in milliseconds.
    pub at_ms: i64,
    pub event: MetricEvent,
}

impl Store {
    /// Appends `events` (each with its Unix time in ms) in one transaction.
    pub fn insert_metric_events(&self, events: &[(i64, MetricEvent)]) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            let tx = conn.unchecked_transaction()?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO metric_events (at_ms, kind, subject, ok, duration_ms, error, body)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for (at_ms, event) in events {
                let body = serde_json::to_string(event)
                    .map_err(|err| rusqlite::Error::ToSqlConversionFailure(Box::new(err)))?;
                insert.execute(params![
                    at_ms,
                    event.kind(),
                    event.subject(),
                    event.ok(),
                    event.duration_ms(),
                    event.error(),
                    body
                ])?;
            }
            drop(insert);
            tx.commit()
        })
    }

    /// Every event at or after `since_ms` (all when `None`), oldest first.
    /// Rows this vtcode cannot read (written by a newer one) are skipped.
    pub fn metric_events(&self, since_ms: Option<i64>) -> Result<Vec<StoredEvent>, StoreError> {
        self.with_conn(|conn| {
            let mut query = conn.prepare_cached(
                "SELECT id, at_ms, body FROM metric_events WHERE at_ms >= ?1 ORDER BY at_ms, id",
            )?;
            let rows = query.query_map([since_ms.unwrap_or(i64::MIN)], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, String>(2)?,
                ))
            })?;
            let mut events = Vec::new();
            for row in rows {
                let (id, at_ms, body) = row?;
                if let Ok(event) = serde_json::from_str(&body) {
                    events.push(StoredEvent { id, at_ms, event });
                }
            }
            Ok(events)
        })
    }

    /// The project's salt for argument hashes, created on first use.
    pub fn metrics_salt(&self) -> Result<Vec<u8>, StoreError> {
        self.with_conn(|conn| {
            conn.execute(
                "INSERT OR IGNORE INTO metrics_salt (id, salt) VALUES (1, ?1)",
                [uuid::Uuid::new_v4().as_bytes().as_slice()],
            )?;
            conn.query_row("SELECT salt FROM metrics_salt WHERE id = 1", [], |row| {
                row.get(0)
            })
        })
    }

    /// Deletes events older than `before_ms`; returns how many.
    pub fn prune_metric_events(&self, before_ms: i64) -> Result<usize, StoreError> {
        self.with_conn(|conn| {
            conn.execute("DELETE FROM metric_events WHERE at_ms < ?1", [before_ms])
        })
    }
}
