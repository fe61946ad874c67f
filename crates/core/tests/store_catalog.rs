#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Tool catalog history: added, changed and unchanged tools over recordings.

use vtcode_core::store::{Store, ToolChangeKind};

fn tools(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(tool, hash)| ((*tool).to_owned(), (*hash).to_owned()))
        .collect()
}

fn kinds(changes: &[vtcode_core::store::ToolChange]) -> Vec<(&str, ToolChangeKind)> {
    changes
        .iter()
        .map(|change| (change.tool.as_str(), change.kind.clone()))
        .collect()
}

#[test]
fn first_recording_adds_and_repeat_is_unchanged() {
    let store = Store::open_in_memory().unwrap();
    let first = store
        .record_catalog(
            "git",
            Some("0.6"),
            &tools(&[("git_status", "a1"), ("git_log", "b1")]),
        )
        .unwrap();
    assert_eq!(
        kinds(&first),
        [
            ("git_status", ToolChangeKind::Added),
            ("git_log", ToolChangeKind::Added)
        ]
    );
    let again = store
        .record_catalog(
            "git",
            Some("0.6"),
            &tools(&[("git_status", "a1"), ("git_log", "b1")]),
        )
        .unwrap();
    assert_eq!(
        kinds(&again),
        [
            ("git_status", ToolChangeKind::Unchanged),
            ("git_log", ToolChangeKind::Unchanged)
        ]
    );
    let history = store.tool_history("git", "git_status").unwrap();
    assert_eq!(history.len(), 1, "re-recording must not add rows");
    assert!(history[0].last_seen >= history[0].first_seen);
}

#[test]
fn changed_schema_reports_the_old_hash_and_keeps_history() {
    let store = Store::open_in_memory().unwrap();
    store
        .record_catalog("git", Some("0.6"), &tools(&[("git_status", "a1")]))
        .unwrap();
    let changed = store
        .record_catalog(
            "git",
            Some("0.7"),
            &tools(&[("git_status", "a2"), ("git_diff", "c1")]),
        )
        .unwrap();
    assert_eq!(
        kinds(&changed),
        [
            (
                "git_status",
                ToolChangeKind::Changed {
                    old_hash: "a1".into()
                }
            ),
            ("git_diff", ToolChangeKind::Added),
        ]
    );
    // Going back to an earlier schema is a change too, from the latest one.
    let back = store
        .record_catalog("git", Some("0.6"), &tools(&[("git_status", "a1")]))
        .unwrap();
    assert_eq!(
        kinds(&back),
        [(
            "git_status",
            ToolChangeKind::Changed {
                old_hash: "a2".into()
            }
        )]
    );
    let history = store.tool_history("git", "git_status").unwrap();
    let hashes: Vec<_> = history.iter().map(|v| v.schema_hash.as_str()).collect();
    assert_eq!(hashes, ["a1", "a2"]);
    assert_eq!(history[0].server_version.as_deref(), Some("0.6"));
    assert_eq!(history[1].server_version.as_deref(), Some("0.7"));
    assert!(history[0].last_seen >= history[1].last_seen);
}

#[test]
fn same_tool_name_on_two_servers_is_tracked_separately() {
    let store = Store::open_in_memory().unwrap();
    store
        .record_catalog("a", None, &tools(&[("search", "h1")]))
        .unwrap();
    let other = store
        .record_catalog("b", None, &tools(&[("search", "h2")]))
        .unwrap();
    assert_eq!(kinds(&other), [("search", ToolChangeKind::Added)]);
    assert_eq!(
        store.tool_history("a", "search").unwrap()[0].schema_hash,
        "h1"
    );
    assert!(store.tool_history("a", "missing").unwrap().is_empty());
}

#[test]
fn history_survives_reopening_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".vtcode/vtcode.db");
    Store::open(&path)
        .unwrap()
        .record_catalog("time", Some("1"), &tools(&[("convert_time", "x1")]))
        .unwrap();
    let store = Store::open(&path).unwrap();
    let changes = store
        .record_catalog("time", Some("2"), &tools(&[("convert_time", "x2")]))
        .unwrap();
    assert_eq!(
        kinds(&changes),
        [(
            "convert_time",
            ToolChangeKind::Changed {
                old_hash: "x1".into()
            }
        )]
    );
}
