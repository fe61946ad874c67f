//! What the hub needs to know to run one server: how to reach it, how long to
//! wait for it, and which of its tools the user wants exposed.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// How to reach a server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// A child process speaking MCP over stdin/stdout. It does not inherit
    /// vtcode's environment: it gets the [`BASE_ENV`] variables, the ones
    /// named in `env_vars` (from vtcode's environment), then `env` on top.
    Stdio {
        command: String,
        args: Vec<String>,
        env: BTreeMap<String, String>,
        env_vars: Vec<String>,
        cwd: Option<PathBuf>,
    },
    /// A streamable HTTP endpoint; `headers` are sent with every request
    /// (typically an `Authorization` header).
    Http {
        url: String,
        headers: BTreeMap<String, String>,
    },
}

/// What every stdio server gets from vtcode's environment: enough to find
/// programs, a home, a user name, the locale and a temp dir; no credentials.
pub const BASE_ENV: &[&str] = &[
    "PATH", "HOME", "USER", "LOGNAME", "LANG", "TMPDIR", "TERM", "SHELL",
];

/// Whether `name` is one of the locale variables (`LC_*`) passed along
/// with [`BASE_ENV`].
fn is_locale(name: &str) -> bool {
    name.starts_with("LC_")
}

impl Transport {
    /// The environment a stdio server starts with, read from `from` (vtcode's
    /// own environment, in practice). Empty for HTTP servers.
    pub fn child_env(
        &self,
        from: impl IntoIterator<Item = (String, String)>,
    ) -> BTreeMap<String, String> {
        let Transport::Stdio { env, env_vars, .. } = self else {
            return BTreeMap::new();
        };
        let mut out: BTreeMap<String, String> = from
            .into_iter()
            .filter(|(name, _)| {
                BASE_ENV.contains(&name.as_str()) || is_locale(name) || env_vars.contains(name)
            })
            .collect();
        out.extend(env.iter().map(|(k, v)| (k.clone(), v.clone())));
        out
    }

    /// The names of the variables a stdio server gets, never their values.
    pub fn env_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.child_env(std::env::vars()).into_keys().collect();
        if let Transport::Stdio { env_vars, .. } = self {
            // A named variable that is unset is still worth showing: the user
            // asked for it and may wonder why the server lacks it.
            for name in env_vars {
                if !names.contains(name) {
                    names.push(format!("{name} (unset)"));
                }
            }
        }
        names.sort();
        names
    }

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
                env_vars: Vec::new(),
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
