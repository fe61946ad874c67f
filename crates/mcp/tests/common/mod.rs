//! Helpers shared by the hub's integration tests: where the test Python and
//! the fixture servers are, and small waits with deadlines.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;
use vtcode_mcp::{HubOptions, McpHub, ServerSpec, ServerState, ServerStatus};

/// Upper bound for any single test, so nothing hangs CI.
pub const TEST_TIMEOUT: Duration = Duration::from_secs(180);

/// Startup allowance for test servers: generous, because tests run in
/// parallel with many Python interpreters starting on few cores.
pub const TEST_STARTUP: Duration = Duration::from_secs(120);

pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The Python that has the `mcp` SDK and the reference servers installed.
pub fn python() -> String {
    if let Ok(python) = std::env::var("VTCODE_TEST_PYTHON") {
        return python;
    }
    let python = workspace_root().join(".venv/bin/python");
    assert!(
        python.exists(),
        "test Python not found at {}; run scripts/setup-venv.sh (or set VTCODE_TEST_PYTHON)",
        python.display()
    );
    python.to_string_lossy().into_owned()
}

pub fn fixture(name: &str) -> String {
    let path = workspace_root().join("tests/fixtures/mcp").join(name);
    assert!(path.exists(), "missing fixture {}", path.display());
    path.to_string_lossy().into_owned()
}

/// A stdio spec running fixture `file` with extra `args`.
pub fn fixture_spec(name: &str, file: &str, args: &[&str]) -> ServerSpec {
    let mut all = vec![fixture(file)];
    all.extend(args.iter().map(|a| (*a).to_owned()));
    let mut spec = ServerSpec::stdio(name, python(), all);
    spec.startup_timeout = TEST_STARTUP;
    spec
}

/// The PyPI reference time server, run as a module of the test Python.
pub fn time_spec(name: &str) -> ServerSpec {
    let mut spec = ServerSpec::stdio(name, python(), vec!["-m".into(), "mcp_server_time".into()]);
    spec.startup_timeout = TEST_STARTUP;
    spec
}

pub fn start(specs: Vec<ServerSpec>) -> (McpHub, tempfile::TempDir) {
    let logs = tempfile::tempdir().unwrap();
    let hub = McpHub::start(
        specs,
        HubOptions {
            log_dir: logs.path().to_path_buf(),
        },
    );
    (hub, logs)
}

pub fn status(hub: &McpHub, name: &str) -> ServerStatus {
    hub.statuses()
        .into_iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no status for {name}"))
}

/// Polls until `name`'s state satisfies `pred`, or panics after `within`.
pub async fn wait_state(
    hub: &McpHub,
    name: &str,
    within: Duration,
    pred: impl Fn(&ServerState) -> bool,
) -> ServerState {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let state = status(hub, name).state;
        if pred(&state) {
            return state;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "server {name} still {state:?} after {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub fn failure(state: &ServerState) -> &str {
    match state {
        ServerState::Failed { error } => error,
        other => panic!("expected Failed, got {other:?}"),
    }
}

/// Runs a test body under [`TEST_TIMEOUT`].
pub async fn bounded<F: Future>(body: F) -> F::Output {
    tokio::time::timeout(TEST_TIMEOUT, body)
        .await
        .expect("test did not finish in time")
}

/// Starts a hub and waits until every server is settled.
pub async fn start_ready(specs: Vec<ServerSpec>) -> (McpHub, tempfile::TempDir) {
    let (hub, logs) = start(specs);
    hub.wait_ready(TEST_STARTUP).await.unwrap();
    (hub, logs)
}

/// The text of a call that must succeed.
pub async fn call_text(hub: &McpHub, server: &str, tool: &str, args: Value) -> String {
    hub.call_tool(server, tool, args)
        .await
        .unwrap_or_else(|e| panic!("{server}.{tool} failed: {e}"))
        .text()
}
