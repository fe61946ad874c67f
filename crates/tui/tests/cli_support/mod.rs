//! Runs the real `vtcode` binary in a throwaway project whose MCP servers
//! are real processes from the test venv.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The venv's bin directory (`VTCODE_TEST_PYTHON`'s, else `.venv/bin`).
pub fn venv_bin() -> PathBuf {
    let python = std::env::var_os("VTCODE_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".venv/bin/python"));
    assert!(
        python.exists(),
        "no test Python at {}: run scripts/setup-venv.sh",
        python.display()
    );
    python.parent().unwrap().to_path_buf()
}

pub struct Project {
    pub dir: tempfile::TempDir,
}

impl Project {
    /// A project configured with the given vtcode.toml text.
    pub fn with_config(toml: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("vtcode.toml"), toml).unwrap();
        Self { dir }
    }

    /// A project with the reference `mcp-server-time` configured as `time`.
    pub fn with_time_server() -> Self {
        let command = venv_bin().join("mcp-server-time");
        Self::with_config(&format!(
            "[mcp.servers.time]\ncommand = {:?}\n",
            command.display().to_string()
        ))
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn vtcode(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_vtcode"));
        command
            .args(args)
            .current_dir(self.path())
            .env("HOME", self.path())
            .env("XDG_CONFIG_HOME", self.path().join(".config"))
            .env_remove("VTCODE_LLM_MODEL")
            .env_remove("VTCODE_LLM_BASE_URL")
            .env_remove("VTCODE_LLM_PROVIDER");
        command
    }
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The scripted OpenAI-compatible server (tests/fixtures/llm) on 127.0.0.1.
pub struct ScriptedLlm {
    child: Child,
    port: u16,
}

impl ScriptedLlm {
    pub fn start(project: &Project, script: Value) -> Self {
        Self::start_logged(project, script, None)
    }

    /// As `start`, writing every request it receives to `log` (JSON lines).
    // The child is reaped by `Drop` once it is inside `Self`.
    #[allow(clippy::zombie_processes)]
    pub fn start_logged(project: &Project, script: Value, log: Option<&Path>) -> Self {
        let script_path = project.path().join("script.json");
        let port_file = project.path().join("llm.port");
        let _ = std::fs::remove_file(&port_file);
        std::fs::write(&script_path, script.to_string()).unwrap();
        let mut command = Command::new(venv_bin().join("python"));
        command
            .arg(repo_root().join("tests/fixtures/llm/scripted_llm.py"))
            .args(["--script", script_path.to_str().unwrap(), "--port", "0"])
            .args(["--port-file", port_file.to_str().unwrap()]);
        if let Some(log) = log {
            command.args(["--log", log.to_str().unwrap()]);
        }
        let mut child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(text) = std::fs::read_to_string(&port_file)
                && let Ok(port) = text.trim().parse()
            {
                return Self { child, port };
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the scripted LLM server did not start within 20 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }
}

impl Drop for ScriptedLlm {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `vtcode mcp serve` (process sandbox) in `project` under the test
/// venv's stdio MCP client, which makes `calls` (`[[tool, args], ...]`);
/// `client_args` go to the client (e.g. `--elicit accept`). Returns the
/// client's JSON report.
pub fn serve_report(
    project: &Project,
    calls: &serde_json::Value,
    client_args: &[&str],
) -> serde_json::Value {
    let mut child = Command::new(venv_bin().join("python"))
        .arg(repo_root().join("tests/fixtures/mcp/stdio_client.py"))
        .arg(calls.to_string())
        .args(client_args)
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_vtcode"))
        .args(["-c", "sandbox.backend=process", "mcp", "serve"])
        .current_dir(project.path())
        .env("HOME", project.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
    while child.try_wait().unwrap().is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "the MCP client did not finish in 90 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}
