//! Runs the real `vtcode` binary in a throwaway project whose MCP servers
//! are real processes from the test venv.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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
