//! Snapshots and events the hub hands out. All are plain data, cheap to clone
//! and serialisable, so front ends can render them or print them as JSON.

use serde::Serialize;
use serde_json::Value;

/// Where a server is in its life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ServerState {
    Starting,
    Ready,
    /// Gave up: the message says what happened and what to do.
    Failed {
        error: String,
    },
    /// The connection died and the hub is bringing it back.
    Restarting {
        attempt: u32,
        last_error: String,
    },
    Stopped,
}

impl ServerState {
    /// Whether the hub has stopped trying to change this state on its own.
    pub fn is_settled(&self) -> bool {
        matches!(
            self,
            ServerState::Ready | ServerState::Failed { .. } | ServerState::Stopped
        )
    }
}

impl std::fmt::Display for ServerState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServerState::Starting => f.write_str("starting"),
            ServerState::Ready => f.write_str("ready"),
            ServerState::Failed { error } => write!(f, "failed: {error}"),
            ServerState::Restarting {
                attempt,
                last_error,
            } => write!(f, "restarting (attempt {attempt}) after: {last_error}"),
            ServerState::Stopped => f.write_str("stopped"),
        }
    }
}

/// One line of `vtcode servers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerStatus {
    pub name: String,
    pub state: ServerState,
    /// Tools exposed after the enabled/disabled filters.
    pub tool_count: usize,
    /// `(name, version)` the server announced in its handshake.
    pub server_info: Option<(String, String)>,
    pub transport_summary: String,
    /// Names of the environment variables a stdio server starts with
    /// (never their values); empty for HTTP servers.
    pub env_names: Vec<String>,
}

/// A tool as the server described it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolDescriptor {
    pub server: String,
    pub name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub input_schema: Value,
    pub output_schema: Option<Value>,
    pub annotations: Option<Value>,
}

/// What a `tools/call` returned.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolOutput {
    /// MCP content blocks (`{"type": "text", "text": ...}`, images, ...) as JSON.
    pub content: Vec<Value>,
    pub structured: Option<Value>,
    /// The tool itself reported a failure (as opposed to the call failing).
    pub is_error: bool,
}

impl ToolOutput {
    /// The text blocks joined by newlines; other block kinds are skipped.
    pub fn text(&self) -> String {
        self.content
            .iter()
            .filter(|block| block.get("type").and_then(Value::as_str) == Some("text"))
            .filter_map(|block| block.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Something changed; read `statuses()` / `tools()` for the new picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HubEvent {
    StateChanged { server: String },
    ToolsChanged { server: String },
}
