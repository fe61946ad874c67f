//! The PII audit trail: which tokens replaced what kind of value in which
//! tool's output, when, and how often. The values themselves never reach
//! this table.

use rusqlite::params;
use serde::Serialize;

use super::{Store, StoreError};

/// One token used in one tool result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PiiAuditRow {
    pub at: String,
    pub session_id: String,
    pub source: String,
    pub kind: String,
    pub token: String,
    pub count: u32,
}

impl Store {
    /// Appends rows in one transaction.
    pub fn record_pii_audit(&self, rows: &[PiiAuditRow]) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        self.with_conn(|conn| {
            let tx = conn.unchecked_transaction()?;
            {
                let mut insert = tx.prepare_cached(
                    "INSERT INTO pii_audit (at, session_id, source, kind, token, count)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?;
                for row in rows {
                    insert.execute(params![
                        row.at,
                        row.session_id,
                        row.source,
                        row.kind,
                        row.token,
                        row.count
                    ])?;
                }
            }
            tx.commit()
        })
    }

    /// The trail, oldest first; one session's when `session` is given.
    pub fn pii_audit(&self, session: Option<&str>) -> Result<Vec<PiiAuditRow>, StoreError> {
        self.with_conn(|conn| {
            let mut stmt = conn.prepare(
                "SELECT at, session_id, source, kind, token, count FROM pii_audit
                 WHERE ?1 IS NULL OR session_id = ?1 ORDER BY id",
            )?;
            let rows = stmt.query_map([session], |r| {
                Ok(PiiAuditRow {
                    at: r.get(0)?,
                    session_id: r.get(1)?,
                    source: r.get(2)?,
                    kind: r.get(3)?,
                    token: r.get(4)?,
                    count: r.get(5)?,
                })
            })?;
            rows.collect()
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn rows_come_back_per_session_in_order() {
        let store = Store::open_in_memory().unwrap();
        let row = |session: &str, token: &str| PiiAuditRow {
            at: "2026-12-01T08:00:00.000Z".into(),
            session_id: session.into(),
            source: "execute_code".into(),
            kind: "email".into(),
            token: token.into(),
            count: 2,
        };
        store
            .record_pii_audit(&[row("a", "<<EMAIL_1>>"), row("b", "<<EMAIL_1>>")])
            .unwrap();
        store.record_pii_audit(&[row("a", "<<EMAIL_2>>")]).unwrap();
        let a = store.pii_audit(Some("a")).unwrap();
        assert_eq!(a, [row("a", "<<EMAIL_1>>"), row("a", "<<EMAIL_2>>")]);
        assert_eq!(store.pii_audit(None).unwrap().len(), 3);
    }
}
