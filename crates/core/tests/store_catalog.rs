#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Tool catalog history: added, changed and unchanged tools over recordings.

use vtcode_core::store::{Store, ToolChangeKind};

/// Records `(tool, hash)` pairs and returns each tool's change.
fn record(
    store: &Store,
    server: &str,
    version: Option<&str>,
    items: &[(&str, &str)],
) -> Vec<(String, ToolChangeKind)> {
    let tools: Vec<(String, String)> = items
        .iter()
        .map(|(tool, hash)| ((*tool).to_owned(), (*hash).to_owned()))
        .collect();
    store
        .record_catalog(server, version, &tools)
        .unwrap()
        .into_iter()
        .map(|change| {
            assert_eq!(
                tools
                    .iter()
                    .find(|(t, _)| *t == change.tool)
                    .map(|(_, h)| h),
                Some(&change.schema_hash)
            );
            (change.tool, change.kind)
        })
        .collect()
}

fn expect(items: &[(&str, ToolChangeKind)]) -> Vec<(String, ToolChangeKind)> {
    items
        .iter()
        .map(|(tool, kind)| ((*tool).to_owned(), kind.clone()))
        .collect()
}

#[test]
fn first_recording_adds_and_repeat_is_unchanged() {
    let store = Store::open_in_memory().unwrap();
    let both = [("git_status", "a1"), ("git_log", "b1")];
    assert_eq!(
        record(&store, "git", Some("0.6"), &both),
        expect(&[
            ("git_status", ToolChangeKind::Added),
            ("git_log", ToolChangeKind::Added)
        ])
    );
    assert_eq!(
        record(&store, "git", Some("0.6"), &both),
        expect(&[
            ("git_status", ToolChangeKind::Unchanged),
            ("git_log", ToolChangeKind::Unchanged)
        ])
    );
    let history = store.tool_history("git", "git_status").unwrap();
    assert_eq!(history.len(), 1, "re-recording must not add rows");
    assert!(history[0].last_seen >= history[0].first_seen);
}

fn changed(old: &str) -> ToolChangeKind {
    ToolChangeKind::Changed {
        old_hash: old.to_owned(),
    }
}

#[test]
fn changed_schema_reports_the_old_hash_and_keeps_history() {
    let store = Store::open_in_memory().unwrap();
    record(&store, "git", Some("0.6"), &[("git_status", "a1")]);
    assert_eq!(
        record(
            &store,
            "git",
            Some("0.7"),
            &[("git_status", "a2"), ("git_diff", "c1")]
        ),
        expect(&[
            ("git_status", changed("a1")),
            ("git_diff", ToolChangeKind::Added)
        ])
    );
    // Going back to an earlier schema is a change too, from the latest one.
    assert_eq!(
        record(&store, "git", Some("0.6"), &[("git_status", "a1")]),
        expect(&[("git_status", changed("a2"))])
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
    record(&store, "a", None, &[("search", "h1")]);
    assert_eq!(
        record(&store, "b", None, &[("search", "h2")]),
        expect(&[("search", ToolChangeKind::Added)])
    );
    let history = store.tool_history("a", "search").unwrap();
    assert_eq!(history[0].schema_hash, "h1");
    assert_eq!(history[0].server_version, None);
    assert!(store.tool_history("a", "missing").unwrap().is_empty());
}

#[test]
fn history_survives_reopening_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".vtcode/vtcode.db");
    record(
        &Store::open(&path).unwrap(),
        "time",
        Some("1"),
        &[("convert_time", "x1")],
    );
    let store = Store::open(&path).unwrap();
    assert_eq!(
        record(&store, "time", Some("2"), &[("convert_time", "x2")]),
        expect(&[("convert_time", changed("x1"))])
    );
}
