//! The scripted model server, started as a real process for tests.
//!
//! Tests of anything that talks to a model (this crate, the agent loop, the
//! CLI) run `tests/fixtures/llm/scripted_llm.py` on 127.0.0.1 with a JSON
//! script of replies (its format is documented at the top of that file) and
//! read back what the client sent. The server is killed when the handle is
//! dropped. Python is `VTCODE_TEST_PYTHON`, else the workspace's
//! `.venv/bin/python`; if neither exists, starting fails with a message
//! saying how to create the venv rather than skipping the test.

use std::io::{self, BufRead};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const START_TIMEOUT: Duration = Duration::from_secs(15);

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The interpreter tests run Python fixtures with.
pub fn test_python() -> io::Result<PathBuf> {
    let python = std::env::var_os("VTCODE_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".venv/bin/python"));
    if python.exists() {
        Ok(python)
    } else {
        Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!(
                "test Python {} not found: run scripts/setup-venv.sh or set VTCODE_TEST_PYTHON",
                python.display()
            ),
        ))
    }
}

/// A running scripted OpenAI/Anthropic-compatible server.
pub struct ScriptedServer {
    child: Child,
    port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl ScriptedServer {
    /// Starts a server that answers successive model requests with the
    /// turns of `script` (a JSON list), and waits until it accepts
    /// connections.
    pub fn start(script: &serde_json::Value) -> io::Result<Self> {
        let dir = tempfile::tempdir()?;
        let script_path = dir.path().join("script.json");
        std::fs::write(&script_path, script.to_string())?;
        let port_file = dir.path().join("port");
        let log = dir.path().join("requests.jsonl");
        let server = workspace_root().join("tests/fixtures/llm/scripted_llm.py");
        let mut child = Command::new(test_python()?)
            .arg(server)
            .arg("--script")
            .arg(&script_path)
            .arg("--port-file")
            .arg(&port_file)
            .arg("--log")
            .arg(&log)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()?;
        let started = Instant::now();
        let port = loop {
            if let Some(port) = std::fs::read_to_string(&port_file)
                .ok()
                .and_then(|p| p.trim().parse().ok())
            {
                break port;
            }
            if let Some(status) = child.try_wait()? {
                return Err(io::Error::other(format!(
                    "the scripted LLM server exited early ({status})"
                )));
            }
            if started.elapsed() > START_TIMEOUT {
                let _ = child.kill();
                let _ = child.wait();
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the scripted LLM server did not start",
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        Ok(Self {
            child,
            port,
            log,
            _dir: dir,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Base URL for an OpenAI-compatible client (`.../v1`).
    pub fn openai_base_url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    /// Base URL for an Anthropic client (the API adds `/v1/messages`).
    pub fn anthropic_base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every request received so far, in order, as logged by the server:
    /// `{"ts", "method", "path", "has_auth", "headers", "body"}`.
    pub fn requests(&self) -> io::Result<Vec<serde_json::Value>> {
        let file = match std::fs::File::open(&self.log) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        io::BufReader::new(file)
            .lines()
            .map(|line| serde_json::from_str(&line?).map_err(io::Error::other))
            .collect()
    }
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
