//! Cached embedding vectors of tool texts, keyed by `(model, schema hash)`.
//!
//! Embedding is the slow part of semantic search (tens of milliseconds per
//! tool); a vector depends only on the model and the tool's schema, so it is
//! computed once and read back on every later start. Vectors are stored as
//! little-endian `f32` bytes; a row whose length does not match its
//! dimension is treated as missing and recomputed, never trusted.

use std::collections::HashMap;

use chrono::{SecondsFormat, Utc};
use rusqlite::params;

use super::{Store, StoreError};

impl Store {
    /// The cached vectors of `model` for those of `schema_hashes` that have one.
    pub fn embeddings(
        &self,
        model: &str,
        schema_hashes: &[&str],
    ) -> Result<HashMap<String, Vec<f32>>, StoreError> {
        self.with_conn(|conn| {
            let mut statement = conn.prepare_cached(
                "SELECT dimension, vector FROM tool_embeddings
                 WHERE model = ?1 AND schema_hash = ?2",
            )?;
            let mut found = HashMap::new();
            for hash in schema_hashes {
                let mut rows = statement.query(params![model, hash])?;
                if let Some(row) = rows.next()? {
                    let dimension: i64 = row.get(0)?;
                    let bytes: Vec<u8> = row.get(1)?;
                    if let Some(vector) = decode(&bytes, usize::try_from(dimension).unwrap_or(0)) {
                        found.insert((*hash).to_string(), vector);
                    }
                }
            }
            Ok(found)
        })
    }

    /// Stores `(schema hash, vector)` pairs for `model`, replacing any
    /// earlier vector of the same key, in one transaction.
    pub fn save_embeddings(
        &self,
        model: &str,
        vectors: &[(String, Vec<f32>)],
    ) -> Result<(), StoreError> {
        let now = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
        self.with_conn(|conn| {
            let tx = conn.unchecked_transaction()?;
            let mut insert = tx.prepare_cached(
                "INSERT OR REPLACE INTO tool_embeddings
                   (model, schema_hash, dimension, vector, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for (hash, vector) in vectors {
                let bytes: Vec<u8> = vector.iter().flat_map(|x| x.to_le_bytes()).collect();
                insert.execute(params![model, hash, vector.len() as i64, bytes, now])?;
            }
            drop(insert);
            tx.commit()
        })
    }
}

fn decode(bytes: &[u8], dimension: usize) -> Option<Vec<f32>> {
    if dimension == 0 || bytes.len() != dimension * 4 {
        return None;
    }
    Some(
        bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_round_trip_and_a_truncated_row_reads_as_missing() {
        let store = Store::open_in_memory().unwrap();
        let vectors = vec![
            ("aa".to_string(), vec![0.5, -0.25, 1.0]),
            ("bb".to_string(), vec![0.0, 1.0, 0.0]),
        ];
        store.save_embeddings("m1", &vectors).unwrap();
        let found = store.embeddings("m1", &["aa", "bb", "cc"]).unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(found["aa"], vectors[0].1);
        // Another model's vectors are not this model's.
        assert!(store.embeddings("m2", &["aa"]).unwrap().is_empty());
        store
            .with_conn(|conn| {
                conn.execute(
                    "UPDATE tool_embeddings SET vector = x'0000' WHERE schema_hash = 'bb'",
                    [],
                )
            })
            .unwrap();
        let found = store.embeddings("m1", &["aa", "bb"]).unwrap();
        assert_eq!(found.keys().collect::<Vec<_>>(), ["aa"]);
    }
}
