#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Opening the project database: fresh, re-opened, too new, not a database.

use rusqlite::Connection;
use vtcode_core::catalog::CatalogTool;
use vtcode_core::store::{MIGRATIONS, Store, StoreError};

fn latest() -> u32 {
    MIGRATIONS.last().unwrap().version
}

#[test]
fn fresh_database_is_created_with_parents_wal_and_every_migration() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/.vtcode/vtcode.db");
    let store = Store::open(&path).unwrap();
    assert!(path.is_file());
    assert_eq!(store.schema_version().unwrap(), latest());
    let (mode, foreign_keys): (String, i64) = store
        .with_conn(|conn| {
            let mode = conn.pragma_query_value(None, "journal_mode", |r| r.get(0))?;
            let fk = conn.pragma_query_value(None, "foreign_keys", |r| r.get(0))?;
            Ok((mode, fk))
        })
        .unwrap();
    assert_eq!(mode, "wal");
    assert_eq!(foreign_keys, 1);
    let tables: Vec<String> = store
        .with_conn(|conn| {
            let mut stmt = conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table'")?;
            stmt.query_map([], |r| r.get(0))?.collect()
        })
        .unwrap();
    assert!(tables.contains(&"tool_history".to_owned()), "{tables:?}");
}

#[test]
fn reopening_keeps_data_and_does_not_reapply_migrations() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vtcode.db");
    {
        let store = Store::open(&path).unwrap();
        let now = CatalogTool {
            server: "time".into(),
            name: "now".into(),
            title: None,
            description: None,
            input_schema: serde_json::json!({"type": "object"}),
            output_schema: None,
            annotations: None,
            builtin: false,
        };
        store.record_catalog("time", Some("1.0"), &[now]).unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), latest());
    assert_eq!(store.tool_history("time", "now").unwrap().len(), 1);
}

#[test]
fn older_schema_is_migrated_forward() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vtcode.db");
    // A database from before any vtcode schema: user_version 0, other data.
    Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('kept');")
        .unwrap();
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), latest());
    let kept: String = store
        .with_conn(|conn| conn.query_row("SELECT text FROM notes", [], |r| r.get(0)))
        .unwrap();
    assert_eq!(kept, "kept");
}

#[test]
fn database_from_a_newer_vtcode_is_refused_and_left_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vtcode.db");
    let newer = latest() + 5;
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE future (x INTEGER);")
            .unwrap();
        conn.pragma_update(None, "user_version", newer).unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let err = Store::open(&path).unwrap_err();
    assert!(
        matches!(err, StoreError::TooNew { found, .. } if found == newer),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(
        message.contains(&format!("schema version {newer}")),
        "{message}"
    );
    assert!(message.contains("Upgrade vtcode"), "{message}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the database must not change"
    );
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vtcode.db");
    let content = b"these are someone's notes, not a database\n".repeat(200);
    std::fs::write(&path, &content).unwrap();
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::NotADatabase { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains("Move it aside"), "{message}");
    assert_eq!(std::fs::read(&path).unwrap(), content);
    let siblings: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(siblings.len(), 1, "no -wal or -journal file may appear");
}

#[test]
fn a_damaged_sqlite_file_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vtcode.db");
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('x');")
            .unwrap();
    }
    // Keep the valid header, scribble over the rest of the first page.
    let mut bytes = std::fs::read(&path).unwrap();
    for byte in bytes.iter_mut().skip(16).take(4000) {
        *byte = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::NotADatabase { .. }), "{err:?}");
    assert!(err.to_string().contains("Move it aside"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}

#[test]
fn in_memory_store_has_the_full_schema() {
    let store = Store::open_in_memory().unwrap();
    assert_eq!(store.schema_version().unwrap(), latest());
    assert_eq!(store.path().to_str(), Some(":memory:"));
}

#[test]
fn concurrent_first_opens_both_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vtcode.db");
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let path = path.clone();
            std::thread::spawn(move || Store::open(&path).map(|store| store.schema_version()))
        })
        .collect();
    for handle in handles {
        let version = handle.join().unwrap().unwrap().unwrap();
        assert_eq!(version, latest());
    }
}
