//! Sandboxed code execution.
//!
//! A [`Sandbox`] runs a short program (Python or JavaScript) and returns an
//! [`ExecResult`]. Programs reach tools only through the bridge: the SDK's
//! `_vtcode.call_tool(server, tool, args)` sends a framed request to the host,
//! which answers it through a [`ToolHost`]. This crate knows nothing of MCP;
//! core implements `ToolHost` by routing to the MCP hub.
//!
//! Using it: map the `[sandbox]` config onto [`SandboxSettings`] (with the
//! project's [`Mounts`]), call [`select_backend`] once at startup (it starts
//! filling the warm pool and, when `auto` falls back to the process sandbox,
//! returns a notice to show), then for each program build a request with
//! [`SandboxSettings::request`] and call [`Sandbox::execute`]. The commands
//! around it are [`build_image`], [`sandbox_status`], [`Sandbox::warm`] and
//! [`prune`].
//!
//! Both backends run the same resident runner (`assets/sandbox/`), so a
//! program behaves the same in a container and in the process sandbox; only
//! paths differ (`/workspace`, `/state`, `/sdk`, `/skills` in Docker; the
//! host paths, with the workspace as the working directory, in the process
//! sandbox, where the runners map the program's `/state/...` file paths to
//! the state directory so `/state` means the same on both).

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

mod assets;
mod docker;
mod engine;
mod exec;
mod image;
mod pause;
mod pool;
mod process;
mod runner;
mod select;
mod settings;

pub use assets::bridge_module;
pub use docker::{
    DEFAULT_HOST, DockerSandbox, Endpoint, EndpointSource, TlsFiles, connect as connect_docker,
    connect_to as connect_docker_to,
};
pub use image::{DEFAULT_IMAGE, HASH_LABEL, ImageStatus, build_image, image_status};
pub use pause::{PauseGuard, TimeoutPause};
pub use pool::PoolStatus;
pub use process::ProcessSandbox;
pub use select::{SandboxStatus, Selected, prune, sandbox_status, select_backend};
pub use settings::{Backend, SandboxSettings};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Python,
    #[serde(alias = "js")]
    Javascript,
}

impl Language {
    /// The name it is serialised under: `python` or `javascript`.
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Python => "python",
            Language::Javascript => "javascript",
        }
    }
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
    /// The program's peak resident memory (its process's maximum resident
    /// set, as the runner's `wait4` reports it); `None` when the program's
    /// process could not be waited for (a runner that died or stopped
    /// answering).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_memory_bytes: Option<u64>,
}

/// Host directories made visible to the program.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mounts {
    /// The project, at `/workspace`.
    pub workspace: Option<PathBuf>,
    pub workspace_writable: bool,
    /// Persistent state, at `/state`.
    pub state: Option<PathBuf>,
    /// The generated SDK root, at `/sdk`, read-only: `python/servers/...`
    /// and `javascript/servers/...`, one tree per language.
    pub sdk: Option<PathBuf>,
    /// The importable skills, at `/skills`, read-only: `python/skills/...`
    /// and `javascript/skills/...`.
    pub skills: Option<PathBuf>,
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

/// Resource limits for one execution. `None` means the configured default.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Limits {
    pub memory_mb: Option<u64>,
    pub cpus: Option<f64>,
    pub pids: Option<u64>,
    /// Cap on captured stdout and on stderr, each, in bytes.
    pub output_bytes: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExecRequest {
    pub language: Language,
    pub code: String,
    pub timeout: Duration,
    pub limits: Limits,
    pub mounts: Mounts,
}

/// Why a bridged tool call failed; the message reaches the program as the
/// text of a `ToolError`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ToolCallError {
    pub message: String,
}

/// The host side of the tool bridge. Core implements it by validating the
/// arguments, applying the approval policy, routing to the MCP hub and
/// unwrapping the result.
#[async_trait::async_trait]
pub trait ToolHost: Send + Sync {
    /// Whether the call may run at all, decided before its timeout starts:
    /// checks that may wait for a person hold `pause` meanwhile, so the
    /// program's deadline does not run while it waits. An `Err` reaches the
    /// program as a `ToolError` and the call is not made.
    async fn admit(
        &self,
        _server: &str,
        _tool: &str,
        _args: &serde_json::Value,
        _pause: &TimeoutPause,
    ) -> Result<(), ToolCallError> {
        Ok(())
    }

    async fn call_tool(
        &self,
        server: &str,
        tool: &str,
        args: serde_json::Value,
    ) -> Result<serde_json::Value, ToolCallError>;
}

/// Receives each line the program prints, while it runs.
pub type OutputSink = std::sync::Arc<dyn Fn(OutputLine) + Send + Sync>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputLine {
    Stdout(String),
    Stderr(String),
}

#[async_trait::async_trait]
pub trait Sandbox: Send + Sync {
    /// `docker` or `process`, for status lines.
    fn backend(&self) -> &'static str;

    async fn execute(
        &self,
        request: ExecRequest,
        host: std::sync::Arc<dyn ToolHost>,
        on_output: Option<OutputSink>,
    ) -> Result<ExecResult, SandboxError>;

    /// Ready, busy and target runners of the warm pool.
    fn pool_status(&self) -> Option<PoolStatus> {
        None
    }

    /// Fills the warm pool now and waits until it is full.
    async fn warm(&self) -> Result<Option<PoolStatus>, SandboxError> {
        Ok(None)
    }

    /// Removes the warm runners now (a short-lived `vtcode run` calls this
    /// before exiting, so no container outlives it).
    async fn shutdown(&self) {}
}

/// A failure of the sandbox itself (not of the program it ran).
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The backend cannot run at all (no engine, no interpreter).
    #[error("{0}")]
    Unavailable(String),
    /// The sandbox image is missing or could not be built.
    #[error("{0}")]
    Image(String),
    /// A runner could not be started or failed mid-conversation.
    #[error("sandbox runner: {0}")]
    Runner(String),
}
