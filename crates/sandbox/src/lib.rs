//! Sandboxed code execution.
//!
//! A [`Sandbox`] runs a short program (Python or JavaScript) and returns an
//! [`ExecResult`]. Programs reach tools only through the bridge: the SDK's
//! `_vtcode.call_tool(server, tool, args)` sends a framed request to the host,
//! which answers it through a [`ToolHost`]. This crate knows nothing of MCP;
//! core implements `ToolHost` by routing to the MCP hub.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Python,
    #[serde(alias = "js")]
    Javascript,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExecStatus {
    Ok,
    Error,
    Timeout,
    Memory,
    OutputLimit,
    Killed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCallRecord {
    pub server: String,
    pub tool: String,
    #[serde(with = "duration_ms")]
    pub duration: Duration,
    pub ok: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecResult {
    pub status: ExecStatus,
    pub exit_code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub result: Option<serde_json::Value>,
    #[serde(with = "duration_ms")]
    pub duration: Duration,
    pub tool_calls: Vec<ToolCallRecord>,
}

/// Host directories made visible to the program.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mounts {
    /// The project, at `/workspace`.
    pub workspace: Option<PathBuf>,
    pub workspace_writable: bool,
    /// Persistent state, at `/state`.
    pub state: Option<PathBuf>,
    /// Generated `servers/` and `skills/`, at `/sdk`, read-only.
    pub sdk: Option<PathBuf>,
}

mod duration_ms {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64() * 1000.0)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let ms = f64::deserialize(d)?;
        Ok(Duration::from_secs_f64(ms.max(0.0) / 1000.0))
    }
}
