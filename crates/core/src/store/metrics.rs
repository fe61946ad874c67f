//! Metric events: appended in batches by the metrics writer, read back in
//! time order by summaries, exports and insights, pruned by age.

use std::collections::HashMap;

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

/// One event as insights read it: the indexed columns, and the body only
/// where the fold needs more than they hold (see
/// [`Store::insight_rows`]).
#[derive(Debug, Clone, PartialEq)]
pub struct InsightRow {
    pub kind: String,
    pub subject: Option<String>,
    pub ok: Option<bool>,
    pub duration_ms: Option<f64>,
    pub error: Option<String>,
    pub body: Option<String>,
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

    /// The tool-call, skill and program events at or after `since_ms`,
    /// oldest first, for insights. A body comes along only where its
    /// columns do not say enough: a failed tool call and the next call of
    /// the same tool (their arguments are compared), a skill event (its
    /// action), a program that succeeded (its shape and tools). Reading
    /// and parsing every body cost 0.6 s over 100,000 events.
    pub fn insight_rows(&self, since_ms: Option<i64>) -> Result<Vec<InsightRow>, StoreError> {
        self.with_conn(|conn| {
            // `+kind` keeps SQLite on the time index, already in the order
            // wanted: through the kind index it sorted every row after
            // (170 ms against 70 ms over 100,000 events).
            let mut query = conn.prepare_cached(
                "SELECT id, kind, subject, ok, duration_ms, error,
                        CASE WHEN (kind = 'mcp_call' AND ok = 0) OR kind = 'skill'
                                  OR (kind = 'execution' AND ok = 1)
                             THEN body END
                 FROM metric_events
                 WHERE +kind IN ('mcp_call', 'skill', 'execution') AND at_ms >= ?1
                 ORDER BY at_ms, id",
            )?;
            let mut rows = Vec::new();
            let mut ids = Vec::new();
            let mut query_rows = query.query([since_ms.unwrap_or(i64::MIN)])?;
            while let Some(row) = query_rows.next()? {
                ids.push(row.get::<_, i64>(0)?);
                rows.push(InsightRow {
                    kind: row.get(1)?,
                    subject: row.get(2)?,
                    ok: row.get(3)?,
                    duration_ms: row.get(4)?,
                    error: row.get(5)?,
                    body: row.get(6)?,
                });
            }
            // The call after a failure of the same tool: its body too.
            let mut failed_last: HashMap<&str, bool> = HashMap::new();
            let mut wanted = Vec::new();
            for (at, row) in rows.iter().enumerate() {
                if let ("mcp_call", Some(subject), Some(ok)) =
                    (row.kind.as_str(), row.subject.as_deref(), row.ok)
                {
                    let before = failed_last.insert(subject, !ok);
                    if ok && before == Some(true) {
                        wanted.push(at);
                    }
                }
            }
            let mut body = conn.prepare_cached("SELECT body FROM metric_events WHERE id = ?1")?;
            for at in wanted {
                rows[at].body = Some(body.query_row([ids[at]], |row| row.get(0))?);
            }
            Ok(rows)
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
