//! What the hub needs to know to run one server: how to reach it, how long to
//! wait for it, and which of its tools the user wants exposed.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// How to reach a server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// A child process speaking MCP over stdin/stdout. The environment is
    /// inherited, with `env` added on top.
    Stdio {
        command: String,
        args: Vec<String>,
        env: BTreeMap<String, String>,
        cwd: Option<PathBuf>,
    },
    /// A streamable HTTP endpoint; `headers` are sent with every request
    /// (typically an `Authorization` header).
    Http {
        url: String,
        headers: BTreeMap<String, String>,
    },
}

impl Transport {
    /// One line for status displays and error messages. Never includes
    /// environment values or header values, which may hold secrets.
    pub fn summary(&self) -> String {
        match self {
            Transport::Stdio { command, args, .. } => {
                let mut line = format!("stdio: {command}");
                for arg in args {
                    line.push(' ');
                    line.push_str(arg);
                }
                line
            }
            Transport::Http { url, .. } => format!("http: {url}"),
        }
    }
}

/// One configured server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSpec {
    pub name: String,
    pub transport: Transport,
    /// A required server that fails to start makes [`crate::McpHub::wait_ready`] fail.
    pub required: bool,
    /// Covers the handshake and the first complete `tools/list`.
    pub startup_timeout: Duration,
    /// Applies to each `tools/call`.
    pub tool_timeout: Duration,
    /// When set, only these tools are exposed.
    pub enabled_tools: Option<Vec<String>>,
    /// Tools hidden even when they are in `enabled_tools`.
    pub disabled_tools: Vec<String>,
}

impl ServerSpec {
    pub const DEFAULT_STARTUP_TIMEOUT: Duration = Duration::from_secs(30);
    pub const DEFAULT_TOOL_TIMEOUT: Duration = Duration::from_secs(120);

    /// A stdio server with default timeouts and every tool enabled.
    pub fn stdio(name: impl Into<String>, command: impl Into<String>, args: Vec<String>) -> Self {
        Self::with_transport(
            name,
            Transport::Stdio {
                command: command.into(),
                args,
                env: BTreeMap::new(),
                cwd: None,
            },
        )
    }

    /// A streamable HTTP server with default timeouts and every tool enabled.
    pub fn http(name: impl Into<String>, url: impl Into<String>) -> Self {
        Self::with_transport(
            name,
            Transport::Http {
                url: url.into(),
                headers: BTreeMap::new(),
            },
        )
    }

    fn with_transport(name: impl Into<String>, transport: Transport) -> Self {
        Self {
            name: name.into(),
            transport,
            required: false,
            startup_timeout: Self::DEFAULT_STARTUP_TIMEOUT,
            tool_timeout: Self::DEFAULT_TOOL_TIMEOUT,
            enabled_tools: None,
            disabled_tools: Vec::new(),
        }
    }

    /// Whether the enabled/disabled lists let `tool` through.
    pub fn allows_tool(&self, tool: &str) -> bool {
        let enabled = self
            .enabled_tools
            .as_ref()
            .is_none_or(|list| list.iter().any(|t| t == tool));
        enabled && !self.disabled_tools.iter().any(|t| t == tool)
    }
}

/// Settings shared by every server of a hub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubOptions {
    /// Server stderr is appended to `<log_dir>/mcp-<name>.log`.
    pub log_dir: PathBuf,
}
