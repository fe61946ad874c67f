#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Tool versioning through the real runtime: a real MCP server whose tools
//! change between two runs, and one that changes a tool after its first
//! call, recorded in a real SQLite database.

use std::path::Path;
use std::time::Duration;

use serde_json::json;
use vtcode_core::catalog::tool_schema_hash;
use vtcode_core::config::{Config, LoadOptions};
use vtcode_core::runtime::{CatalogChangeEvent, Runtime};
use vtcode_core::store::{Store, ToolVersion, VersionChange};
use vtcode_core::versioning::ChangeClass;

const WAIT: Duration = Duration::from_secs(60);

fn python() -> String {
    vtcode_llm::testing::test_python()
        .unwrap_or_else(|e| panic!("{e}"))
        .to_string_lossy()
        .into_owned()
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/mcp")
        .join(name)
        .canonicalize()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// Writes a project config with one stdio server and starts its runtime.
fn start(project: &Path, server: &str, script: &str, env: &str) -> Runtime {
    std::fs::write(
        project.join("vtcode.toml"),
        format!(
            "[mcp.servers.{server}]\ncommand = {:?}\nargs = [{:?}]\nenv = {{ {env} }}\nrequired = true\n",
            python(),
            fixture(script)
        ),
    )
    .unwrap();
    let options = LoadOptions {
        cwd: project.to_path_buf(),
        user_config: Some(project.join("no-user-config.toml")),
        env: Vec::new(),
        cli_overrides: Vec::new(),
    };
    Runtime::start(Config::load(&options).unwrap()).unwrap()
}

/// Starts the versioned server at `release`, waits until its tools are
/// recorded, and stops it.
async fn run_release(project: &Path, release: u8) {
    let runtime = start(
        project,
        "versioned",
        "versioned_tools.py",
        &format!("FIXTURE_RELEASE = \"{release}\""),
    );
    tokio::time::timeout(WAIT, runtime.wait_for_servers())
        .await
        .expect("the fixture server did not start in time")
        .unwrap();
    runtime.shutdown().await;
}

fn newest(store: &Store, tool: &str) -> ToolVersion {
    store
        .tool_history("versioned", tool)
        .unwrap()
        .pop()
        .unwrap_or_else(|| panic!("no history for {tool}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_kind_of_change_between_two_runs_is_recorded_with_its_class() {
    let project = tempfile::tempdir().unwrap();
    run_release(project.path(), 1).await;
    run_release(project.path(), 2).await;
    let store = Store::open(project.path().join(".vtcode/vtcode.db")).unwrap();

    let expected = [
        ("reworded", ChangeClass::Compatible),
        ("gains_option", ChangeClass::Compatible),
        ("gains_output_field", ChangeClass::Compatible),
        ("deprecated", ChangeClass::Warning),
        ("described", ChangeClass::Warning),
        ("turns_writer", ChangeClass::Warning),
        ("drops_option", ChangeClass::MigrationNeeded),
        ("drops_enum_value", ChangeClass::MigrationNeeded),
        ("narrows_type", ChangeClass::MigrationNeeded),
        ("gains_required", ChangeClass::Incompatible),
        ("drops_param", ChangeClass::Incompatible),
        ("renames_param", ChangeClass::Incompatible),
        ("changes_type", ChangeClass::Incompatible),
    ];
    let recorded: Vec<(&str, Option<ChangeClass>, VersionChange)> = expected
        .iter()
        .map(|(tool, _)| {
            let version = newest(&store, tool);
            (*tool, version.class, version.change)
        })
        .collect();
    let wanted: Vec<(&str, Option<ChangeClass>, VersionChange)> = expected
        .iter()
        .map(|(tool, class)| (*tool, Some(*class), VersionChange::Changed))
        .collect();
    assert_eq!(recorded, wanted);

    let removed = newest(&store, "goes_away");
    assert_eq!(removed.change, VersionChange::Removed);
    assert_eq!(removed.class, Some(ChangeClass::Incompatible));
    let arrived = store.tool_history("versioned", "arrives").unwrap();
    assert_eq!(arrived.len(), 1);
    assert_eq!(arrived[0].change, VersionChange::Added);
    let steady = store.tool_history("versioned", "steady").unwrap();
    assert_eq!(steady.len(), 1, "an unchanged tool has one version");

    let renamed = store.tool_history("versioned", "renames_param").unwrap();
    assert_eq!(renamed.len(), 2);
    assert_eq!(renamed[0].server_version.as_deref(), Some("1.0.0"));
    assert_eq!(renamed[1].server_version.as_deref(), Some("2.0.0"));
    let texts: Vec<&str> = renamed[1]
        .diff
        .iter()
        .map(|c| c.description.as_str())
        .collect();
    assert_eq!(texts, ["parameter `query` renamed to `q`"]);
    let required = newest(&store, "gains_required");
    assert_eq!(
        required.diff[0].description,
        "new required parameter `region`"
    );

    // The first release's schema can still be looked up by its hash.
    let first = renamed[0].definition.clone().unwrap();
    let hash = tool_schema_hash(&first);
    let at = store
        .tool_at("versioned", "renames_param", &hash)
        .unwrap()
        .unwrap();
    assert_eq!(at.input_schema["required"], json!(["query"]));
}

/// Waits for the next change event, failing after `WAIT`.
async fn next_change(
    changes: &mut tokio::sync::broadcast::Receiver<CatalogChangeEvent>,
) -> CatalogChangeEvent {
    tokio::time::timeout(WAIT, changes.recv())
        .await
        .expect("no change was announced")
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tool_changed_after_its_first_call_is_flagged_and_recorded() {
    let project = tempfile::tempdir().unwrap();
    let runtime = start(project.path(), "rug", "rug_pull.py", "");
    let mut changes = runtime.catalog.subscribe_changes();
    tokio::time::timeout(WAIT, runtime.wait_for_servers())
        .await
        .unwrap()
        .unwrap();
    let before = runtime.catalog.current();
    let trusted = before.get("rug", "lookup").unwrap().clone();
    assert!(
        !trusted
            .description
            .as_deref()
            .unwrap()
            .contains("IMPORTANT")
    );
    assert!(changes.try_recv().is_err(), "nothing changed yet");

    runtime
        .hub
        .call_tool("rug", "lookup", json!({"word": "apple"}))
        .await
        .unwrap();
    let event = next_change(&mut changes).await;
    assert_eq!(
        (event.server.as_str(), event.tool.as_str()),
        ("rug", "lookup")
    );
    assert_eq!(event.change, VersionChange::Changed);
    assert_eq!(event.class, ChangeClass::Compatible);
    assert_eq!(event.diff.summary(), "description reworded");
    assert_eq!(event.server_version.as_deref(), Some("1.0.0"));
    let line = event.to_string();
    assert!(
        line.contains("rug.lookup") && line.contains("compatible"),
        "{line}"
    );

    // The new description is what the catalog serves now, and both
    // versions are in the history.
    let now = runtime.catalog.current();
    let changed = now.get("rug", "lookup").unwrap();
    assert!(
        changed
            .description
            .as_deref()
            .unwrap()
            .contains("<IMPORTANT>")
    );
    let history = runtime.store.tool_history("rug", "lookup").unwrap();
    let classes: Vec<_> = history.iter().map(|v| (v.change, v.class)).collect();
    assert_eq!(
        classes,
        [
            (VersionChange::Added, None),
            (VersionChange::Changed, Some(ChangeClass::Compatible))
        ]
    );
    assert_eq!(history[0].definition.as_ref(), Some(&trusted));
    assert_eq!(history[1].definition.as_ref(), Some(changed));
    runtime.shutdown().await;
}
