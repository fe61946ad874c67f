#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Tool history in a real SQLite database: added, changed (classified),
//! removed and unchanged tools over recordings, lookups by schema hash and
//! by the name a user types, and rows kept from before definitions were
//! stored.

use rusqlite::Connection;
use serde_json::{Value, json};
use vtcode_core::catalog::{CatalogTool, tool_schema_hash};
use vtcode_core::store::{MIGRATIONS, Store, ToolChangeKind, VersionChange};
use vtcode_core::versioning::history::{HistoryError, tool_history};
use vtcode_core::versioning::{ChangeClass, SchemaChange};

fn tool(server: &str, name: &str, input: Value) -> CatalogTool {
    CatalogTool {
        server: server.into(),
        name: name.into(),
        title: None,
        description: Some(format!("{name} does things.")),
        input_schema: input,
        output_schema: None,
        annotations: None,
        builtin: false,
    }
}

fn status_v1() -> CatalogTool {
    tool(
        "git",
        "git_status",
        json!({"type": "object", "properties": {"repo": {"type": "string"}, "short": {"type": "boolean"}}, "required": ["repo"]}),
    )
}

/// `git_status` without its optional `short` parameter.
fn status_v2() -> CatalogTool {
    tool(
        "git",
        "git_status",
        json!({"type": "object", "properties": {"repo": {"type": "string"}}, "required": ["repo"]}),
    )
}

fn kinds(
    store: &Store,
    server: &str,
    version: Option<&str>,
    tools: &[CatalogTool],
) -> Vec<(String, ToolChangeKind)> {
    store
        .record_catalog(server, version, tools)
        .unwrap()
        .into_iter()
        .map(|change| (change.tool, change.kind))
        .collect()
}

#[test]
fn first_recording_adds_and_repeat_is_unchanged() {
    let store = Store::open_in_memory().unwrap();
    let log = tool("git", "git_log", json!({"type": "object"}));
    let both = [status_v1(), log];
    let first = kinds(&store, "git", Some("0.6"), &both);
    assert_eq!(
        first,
        [
            ("git_status".to_owned(), ToolChangeKind::Added),
            ("git_log".to_owned(), ToolChangeKind::Added)
        ]
    );
    let again = kinds(&store, "git", Some("0.6"), &both);
    assert!(
        again
            .iter()
            .all(|(_, kind)| *kind == ToolChangeKind::Unchanged),
        "{again:?}"
    );
    let history = store.tool_history("git", "git_status").unwrap();
    assert_eq!(history.len(), 1, "re-recording must not add rows");
    assert_eq!(history[0].change, VersionChange::Added);
    assert_eq!(history[0].class, None);
    assert_eq!(history[0].definition.as_ref(), Some(&status_v1()));
    assert!(history[0].last_seen >= history[0].first_seen);
}

#[test]
fn a_changed_tool_is_stored_with_its_class_diff_and_definition() {
    let store = Store::open_in_memory().unwrap();
    kinds(&store, "git", Some("0.6"), &[status_v1()]);
    let changes = store
        .record_catalog("git", Some("0.7"), &[status_v2()])
        .unwrap();
    let expected_diff = vec![SchemaChange::new(
        ChangeClass::MigrationNeeded,
        "optional parameter `short` removed",
    )];
    match &changes[0].kind {
        ToolChangeKind::Changed { old_hash, diff } => {
            assert_eq!(*old_hash, tool_schema_hash(&status_v1()));
            assert_eq!(diff.as_ref().unwrap().changes, expected_diff);
        }
        other => panic!("expected a change, got {other:?}"),
    }
    let history = store.tool_history("git", "git_status").unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].change, VersionChange::Changed);
    assert_eq!(history[1].class, Some(ChangeClass::MigrationNeeded));
    assert_eq!(history[1].diff, expected_diff);
    assert_eq!(history[0].server_version.as_deref(), Some("0.6"));
    assert_eq!(history[1].server_version.as_deref(), Some("0.7"));
    // A program saved against the first schema can still see what it was.
    let saved = store
        .tool_at("git", "git_status", &tool_schema_hash(&status_v1()))
        .unwrap();
    assert_eq!(saved, Some(status_v1()));
    assert_eq!(
        store.tool_at("git", "git_status", "no-such-hash").unwrap(),
        None
    );
}

#[test]
fn going_back_to_an_earlier_schema_is_a_new_entry() {
    let store = Store::open_in_memory().unwrap();
    kinds(&store, "git", None, &[status_v1()]);
    kinds(&store, "git", None, &[status_v2()]);
    let back = kinds(&store, "git", None, &[status_v1()]);
    assert!(
        matches!(&back[0].1, ToolChangeKind::Changed { diff: Some(d), .. } if d.class == ChangeClass::Compatible),
        "{back:?}"
    );
    let history = store.tool_history("git", "git_status").unwrap();
    let hashes: Vec<_> = history
        .iter()
        .map(|v| v.schema_hash.clone().unwrap())
        .collect();
    assert_eq!(
        hashes,
        [
            tool_schema_hash(&status_v1()),
            tool_schema_hash(&status_v2()),
            tool_schema_hash(&status_v1())
        ]
    );
}

#[test]
fn annotations_alone_changing_is_a_new_version() {
    let store = Store::open_in_memory().unwrap();
    let mut safe = status_v1();
    safe.annotations = Some(json!({"readOnlyHint": true}));
    kinds(&store, "git", None, &[safe.clone()]);
    let mut writes = safe.clone();
    writes.annotations = Some(json!({"readOnlyHint": false, "destructiveHint": true}));
    let changed = kinds(&store, "git", None, &[writes]);
    match &changed[0].1 {
        ToolChangeKind::Changed {
            old_hash,
            diff: Some(diff),
        } => {
            assert_eq!(
                *old_hash,
                tool_schema_hash(&safe),
                "same schema hash, new version"
            );
            assert_eq!(diff.class, ChangeClass::Warning);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_tool_no_longer_listed_is_recorded_as_removed_and_can_come_back() {
    let store = Store::open_in_memory().unwrap();
    let log = tool("git", "git_log", json!({"type": "object"}));
    kinds(&store, "git", None, &[status_v1(), log.clone()]);
    let changes = store
        .record_catalog("git", None, std::slice::from_ref(&log))
        .unwrap();
    let removed = changes.iter().find(|c| c.tool == "git_status").unwrap();
    assert_eq!(removed.schema_hash, tool_schema_hash(&status_v1()));
    let diff = removed.diff().unwrap();
    assert_eq!(diff.class, ChangeClass::Incompatible);
    assert_eq!(diff.changes[0].description, "tool removed");
    // Still missing: nothing more to record.
    let again = kinds(&store, "git", None, std::slice::from_ref(&log));
    assert_eq!(again, [("git_log".to_owned(), ToolChangeKind::Unchanged)]);
    let back = kinds(&store, "git", None, &[status_v1(), log]);
    assert_eq!(back[0], ("git_status".to_owned(), ToolChangeKind::Added));
    let history = store.tool_history("git", "git_status").unwrap();
    let changes: Vec<_> = history.iter().map(|v| v.change).collect();
    assert_eq!(
        changes,
        [
            VersionChange::Added,
            VersionChange::Removed,
            VersionChange::Added
        ]
    );
    assert_eq!(history[1].class, Some(ChangeClass::Incompatible));
    assert_eq!(history[1].definition, None);
    // Another server's recording never removes this server's tools.
    kinds(&store, "time", None, &[]);
    assert_eq!(store.tool_history("git", "git_status").unwrap().len(), 3);
}

#[test]
fn same_tool_name_on_two_servers_is_tracked_separately() {
    let store = Store::open_in_memory().unwrap();
    let a = tool("a", "search", json!({"type": "object"}));
    let b = tool(
        "b",
        "search",
        json!({"type": "object", "properties": {"q": {"type": "string"}}}),
    );
    kinds(&store, "a", None, &[a]);
    assert_eq!(
        kinds(&store, "b", None, &[b]),
        [("search".to_owned(), ToolChangeKind::Added)]
    );
    assert_eq!(store.tool_history("a", "search").unwrap().len(), 1);
    assert!(store.tool_history("a", "missing").unwrap().is_empty());
}

#[test]
fn history_survives_reopening_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".vtcode/vtcode.db");
    kinds(
        &Store::open(&path).unwrap(),
        "git",
        Some("1"),
        &[status_v1()],
    );
    let store = Store::open(&path).unwrap();
    let changed = kinds(&store, "git", Some("2"), &[status_v2()]);
    assert!(
        matches!(&changed[0].1, ToolChangeKind::Changed { diff: Some(_), .. }),
        "{changed:?}"
    );
}

#[test]
fn rows_from_before_definitions_were_kept_still_work() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vtcode.db");
    let old_hash = tool_schema_hash(&status_v1());
    {
        // A database as the previous vtcode left it: schema version 2.
        let conn = Connection::open(&path).unwrap();
        for migration in MIGRATIONS.iter().filter(|m| m.version <= 2) {
            conn.execute_batch(migration.sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 2).unwrap();
        conn.execute(
            "INSERT INTO tool_versions (server, tool, schema_hash, server_version, first_seen, last_seen, last_recording)
             VALUES ('git', 'git_status', 'older', '0.5', '2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z', 1),
                    ('git', 'git_status', ?1, '0.6', '2026-01-03T00:00:00.000Z', '2026-01-04T00:00:00.000Z', 2)",
            [&old_hash],
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let history = store.tool_history("git", "git_status").unwrap();
    let summary: Vec<_> = history
        .iter()
        .map(|v| {
            (
                v.change,
                v.schema_hash.clone().unwrap(),
                v.class,
                v.definition.is_none(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (VersionChange::Added, "older".to_owned(), None, true),
            (VersionChange::Changed, old_hash.clone(), None, true)
        ]
    );
    // The same schema again is no change, and its definition is now kept.
    assert_eq!(
        kinds(&store, "git", None, &[status_v1()])[0].1,
        ToolChangeKind::Unchanged
    );
    assert_eq!(
        store.tool_at("git", "git_status", &old_hash).unwrap(),
        Some(status_v1())
    );
    let changed = kinds(&store, "git", None, &[status_v2()]);
    assert!(
        matches!(&changed[0].1, ToolChangeKind::Changed { diff: Some(_), .. }),
        "{changed:?}"
    );
}

#[test]
fn a_change_from_a_version_without_its_definition_is_recorded_unclassified() {
    let store = Store::open_in_memory().unwrap();
    store
        .with_conn(|conn| {
            conn.execute(
                "INSERT INTO tool_history (server, tool, change, schema_hash, first_seen, last_seen)
                 VALUES ('git', 'git_status', 'added', 'older', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
                [],
            )
        })
        .unwrap();
    let changed = kinds(&store, "git", None, &[status_v1()]);
    assert_eq!(
        changed[0].1,
        ToolChangeKind::Changed {
            old_hash: "older".into(),
            diff: None
        }
    );
    let history = store.tool_history("git", "git_status").unwrap();
    assert_eq!(history[1].class, None);
    assert!(history[1].diff.is_empty());
}

#[test]
fn tools_are_found_by_the_name_a_user_types() {
    let store = Store::open_in_memory().unwrap();
    assert!(matches!(
        tool_history(&store, "git.git_status"),
        Err(HistoryError::Empty)
    ));
    kinds(&store, "git", None, &[status_v1()]);
    kinds(
        &store,
        "my.git",
        None,
        &[tool("my.git", "git_status", json!({"type": "object"}))],
    );
    kinds(
        &store,
        "time",
        None,
        &[tool("time", "convert_time", json!({"type": "object"}))],
    );

    let found = tool_history(&store, "my.git.git_status").unwrap();
    assert_eq!(
        (found.server.as_str(), found.tool.as_str()),
        ("my.git", "git_status")
    );
    assert_eq!(found.versions.len(), 1);
    assert_eq!(tool_history(&store, "convert_time").unwrap().server, "time");

    let err = tool_history(&store, "time.convert_tim").unwrap_err();
    assert!(
        err.to_string()
            .contains("did you mean `time.convert_time`?"),
        "{err}"
    );
    let err = tool_history(&store, "git_status").unwrap_err();
    assert!(
        matches!(&err, HistoryError::Ambiguous { candidates, .. } if candidates == &["git.git_status", "my.git.git_status"]),
        "{err:?}"
    );
}
