//! Shared by the catalog, search and SDK tests: finding the test Python,
//! capturing real servers' tools/list, and running child processes with a
//! deadline.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use vtcode_core::catalog::ToolCatalog;

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

pub fn fixture(relative: &str) -> PathBuf {
    workspace_root().join("tests/fixtures").join(relative)
}

/// `VTCODE_TEST_PYTHON`, else the workspace venv; a missing one fails the test.
pub fn python() -> PathBuf {
    let path = match std::env::var_os("VTCODE_TEST_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => workspace_root().join(".venv/bin/python"),
    };
    assert!(
        path.exists(),
        "test Python not found at {}: run scripts/setup-venv.sh (or set VTCODE_TEST_PYTHON)",
        path.display()
    );
    path
}

/// Runs `command` to completion, killing it after `timeout`.
pub fn run_with_timeout(command: &mut Command, timeout: Duration) -> Output {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || read_all(stdout));
    let err_reader = std::thread::spawn(move || read_all(stderr));
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{command:?} did not finish within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out_reader.join().unwrap(),
        stderr: err_reader.join().unwrap(),
    }
}

fn read_all(mut reader: impl std::io::Read) -> Vec<u8> {
    let mut buf = Vec::new();
    let _ = reader.read_to_end(&mut buf);
    buf
}

/// Runs a Python script with the test Python and returns its stdout;
/// fails the test with stderr if the script fails.
pub fn run_python(script: &str, cwd: &Path) -> String {
    let output = run_with_timeout(
        Command::new(python())
            .arg("-c")
            .arg(script)
            .current_dir(cwd),
        Duration::from_secs(60),
    );
    assert!(
        output.status.success(),
        "python failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The tools/list of a real MCP server (`python -m <module>`), as the
/// catalog-file text `{"<server>": {"tools": [...]}}`.
pub fn dump_tools(server: &str, module: &str) -> String {
    let output = run_with_timeout(
        Command::new(python())
            .arg(fixture("mcp/dump_tools.py"))
            .args(["--server", server])
            .arg(python())
            .args(["-m", module]),
        Duration::from_secs(60),
    );
    assert!(
        output.status.success(),
        "dump_tools.py failed for {module}:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// mcp-server-time and mcp-server-git, captured once per test binary.
pub fn reference_servers_json() -> &'static (String, String) {
    static DUMPS: OnceLock<(String, String)> = OnceLock::new();
    DUMPS.get_or_init(|| {
        let time = std::thread::spawn(|| dump_tools("time", "mcp_server_time"));
        let git = dump_tools("git", "mcp_server_git");
        (time.join().unwrap(), git)
    })
}

/// A catalog of the real time and git servers, loaded through a catalog file.
pub fn reference_catalog() -> ToolCatalog {
    let (time, git) = reference_servers_json();
    let time: serde_json::Value = serde_json::from_str(time).unwrap();
    let git: serde_json::Value = serde_json::from_str(git).unwrap();
    let mut merged = time.as_object().unwrap().clone();
    merged.extend(git.as_object().unwrap().clone());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("catalog.json");
    std::fs::write(&path, serde_json::to_string(&merged).unwrap()).unwrap();
    ToolCatalog::from_json_file(&path).unwrap()
}
