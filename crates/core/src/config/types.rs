//! The typed, fully resolved configuration every other module reads.
//!
//! These structs hold no "maybe set" layering state: by the time a `Config`
//! exists, every layer has been merged and validated, and each field holds
//! its effective value. Where a value came from lives beside it, in
//! `LoadedConfig::origins`. Secrets are never stored here: the LLM key is
//! read from the environment on demand by [`LlmConfig::api_key`].

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Declares a config enum whose variants have fixed spellings in the file,
/// on the command line (`FromStr`) and in serde, from one list.
macro_rules! config_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every spelling accepted in the config file and on the command line.
            pub const VARIANTS: &'static [&'static str] = &[$($text),+];

            /// The spelling used in the config file.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok(Self::$variant),)+
                    other => Err(format!(
                        "invalid {} `{}`; expected one of: {}",
                        $what,
                        other,
                        Self::VARIANTS.join(", ")
                    )),
                }
            }
        }
    };
}

config_enum!(
    /// Which LLM API dialect to speak.
    Provider, "provider" {
        /// OpenAI-compatible chat completions (OpenAI, Azure, Ollama, vLLM, ...).
        OpenAi = "openai",
        /// Anthropic Messages API.
        Anthropic = "anthropic",
    }
);

config_enum!(
    /// Where `execute_code` runs.
    SandboxBackend, "sandbox backend" {
        /// Docker when an engine answers, else the process sandbox.
        Auto = "auto",
        Docker = "docker",
        Process = "process",
    }
);

config_enum!(
    /// Whether sandboxed code sees the project, and may write to it.
    WorkspaceAccess, "workspace access" {
        ReadOnly = "ro",
        ReadWrite = "rw",
        /// No `/workspace` at all (nothing is copied to a remote engine).
        None = "none",
    }
);

config_enum!(
    /// How the model reaches MCP tools.
    ToolMode, "tool mode" {
        /// Progressive discovery plus code execution against generated SDKs.
        Code = "code",
        /// Every MCP tool schema in the context (kept for comparison).
        Direct = "direct",
    }
);

config_enum!(
    /// Which actions need the user's approval.
    ApprovalMode, "approval mode" {
        /// Nothing asks.
        Auto = "auto",
        /// Patches and commands that may write ask first.
        AskWrites = "ask-writes",
        /// Every tool call with side effects asks.
        AskAll = "ask-all",
    }
);

config_enum!(
    /// How far an MCP server's tools are trusted to run without asking;
    /// replaces the global approval mode for that server's tools.
    ServerTrust, "trust" {
        /// Run every tool without asking (like `approval = "auto"`).
        All = "all",
        /// Ask before tools not annotated read-only (like `ask-writes`).
        ReadOnly = "read-only",
        /// Ask before every tool (like `ask-all`).
        None = "none",
    }
);

impl Provider {
    /// The environment variable that conventionally holds this provider's key.
    pub fn default_api_key_env(self) -> &'static str {
        match self {
            Self::OpenAi => "OPENAI_API_KEY",
            Self::Anthropic => "ANTHROPIC_API_KEY",
        }
    }

    /// A sensible model for users who did not pick one.
    pub fn default_model(self) -> &'static str {
        match self {
            Self::OpenAi => "gpt-4.1-mini",
            Self::Anthropic => "claude-sonnet-4-5",
        }
    }
}

/// The effective configuration after all layers are merged.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Config {
    pub llm: LlmConfig,
    pub mcp: McpConfig,
    pub sandbox: SandboxConfig,
    pub agent: AgentConfig,
    pub pii: PiiConfig,
    pub metrics: MetricsConfig,
    pub skills: SkillsConfig,
    pub search: SearchConfig,
}

/// `[llm]`: which model to talk to and how.
#[derive(Debug, Clone, PartialEq)]
pub struct LlmConfig {
    pub provider: Provider,
    pub model: String,
    /// `None` means the provider's public endpoint.
    pub base_url: Option<String>,
    /// Name of the environment variable holding the key (never the key).
    pub api_key_env: String,
    pub context_window: Option<u32>,
    pub max_tokens: Option<u32>,
    pub temperature: Option<f64>,
}

impl Default for LlmConfig {
    fn default() -> Self {
        let provider = Provider::OpenAi;
        Self {
            provider,
            model: provider.default_model().to_owned(),
            base_url: None,
            api_key_env: provider.default_api_key_env().to_owned(),
            context_window: None,
            max_tokens: None,
            temperature: None,
        }
    }
}

impl LlmConfig {
    /// Reads the key at the moment it is needed so it never sits in a
    /// config value that could be printed, logged or stored.
    pub fn api_key(&self) -> Option<String> {
        std::env::var(&self.api_key_env)
            .ok()
            .filter(|key| !key.trim().is_empty())
    }
}

/// `[mcp]`: the MCP servers to connect to, by name.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct McpConfig {
    pub servers: BTreeMap<String, ServerConfig>,
}

/// One `[mcp.servers.NAME]` entry (or a `.mcp.json` server).
#[derive(Debug, Clone, PartialEq)]
pub struct ServerConfig {
    pub transport: ServerTransport,
    pub enabled: bool,
    /// A failed start of a required server is fatal instead of a warning.
    pub required: bool,
    pub startup_timeout_s: u32,
    pub tool_timeout_s: u32,
    /// `None` exposes every tool; `Some(list)` only those named.
    pub enabled_tools: Option<Vec<String>>,
    pub disabled_tools: Vec<String>,
    /// Replaces `agent.approval` for this server's tools when set.
    pub trust: Option<ServerTrust>,
    /// Globs of tool names that run without asking.
    pub approve: Vec<String>,
    /// Globs of tool names that never run; wins over `approve`.
    pub deny: Vec<String>,
}

/// How vtcode reaches a server: a child process or an HTTP endpoint.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerTransport {
    Stdio {
        command: String,
        args: Vec<String>,
        env: BTreeMap<String, String>,
        /// Names of vtcode's own environment variables passed through; the
        /// server otherwise gets only a minimal base environment.
        env_vars: Vec<String>,
        /// Relative paths are resolved against the project root.
        cwd: Option<PathBuf>,
    },
    /// Streamable HTTP.
    Http {
        url: String,
        headers: BTreeMap<String, String>,
    },
}

/// `[sandbox]`: where and under which limits generated code runs.
#[derive(Debug, Clone, PartialEq)]
pub struct SandboxConfig {
    pub backend: SandboxBackend,
    pub image: String,
    /// Warm containers kept ready.
    pub pool_size: u32,
    pub timeout_s: u32,
    pub memory_mb: u32,
    pub cpus: f64,
    pub pids: u32,
    /// Programs that may run at once, counting those that outlived their
    /// `execute_code` call.
    pub max_running: u32,
    pub workspace: WorkspaceAccess,
    /// Cap for stdout and for stderr, each, per execution.
    pub output_bytes: u64,
    /// The Docker engine, before `DOCKER_HOST` and the docker context.
    pub docker_host: Option<String>,
    /// Whether the engine cannot see this machine's files; unset guesses
    /// from the endpoint (only a unix socket is local).
    pub remote: Option<bool>,
    /// Largest workspace copied into a remote sandbox, after ignore files.
    pub workspace_max_mb: u32,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            backend: SandboxBackend::Auto,
            image: "vtcode-sandbox:latest".to_owned(),
            pool_size: 2,
            timeout_s: 30,
            memory_mb: 512,
            cpus: 1.0,
            pids: 128,
            max_running: 4,
            workspace: WorkspaceAccess::ReadOnly,
            output_bytes: 64 * 1024,
            docker_host: None,
            remote: None,
            workspace_max_mb: 64,
        }
    }
}

/// `[agent]`: how the agent loop behaves.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentConfig {
    pub tool_mode: ToolMode,
    pub approval: ApprovalMode,
    /// Model turns per user request before the agent stops and says so.
    pub max_turns: u32,
    /// Cap on one tool result handed to the model.
    pub tool_output_bytes: u64,
}

impl Default for AgentConfig {
    fn default() -> Self {
        Self {
            tool_mode: ToolMode::Code,
            approval: ApprovalMode::AskWrites,
            max_turns: 50,
            tool_output_bytes: 16 * 1024,
        }
    }
}

/// The `[pii] kinds` the tokenizer knows: personal data by kind, and
/// `secret` for every kind of credential.
pub const PII_KINDS: &[&str] = crate::pii::BUILTIN_KINDS;

/// `[pii]`: personal data and secrets become tokens before the model reads
/// them, and real values again before a tool call runs.
#[derive(Debug, Clone, PartialEq)]
pub struct PiiConfig {
    pub enabled: bool,
    /// A subset of [`PII_KINDS`].
    pub kinds: Vec<String>,
    /// Extra kinds: name → regular expression (checked when loaded).
    pub patterns: BTreeMap<String, String>,
    /// Values (or `/regex/`) never tokenized.
    pub allow: Vec<String>,
    /// Personal data in project files (read_file, grep) too, not only
    /// secrets.
    pub scan_files: bool,
}

impl Default for PiiConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            kinds: PII_KINDS.iter().map(|kind| (*kind).to_owned()).collect(),
            patterns: BTreeMap::new(),
            allow: Vec::new(),
            scan_files: false,
        }
    }
}

/// `[metrics]`: local usage metrics in the project database.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsConfig {
    pub enabled: bool,
    /// Events older than this many days are deleted.
    pub retention_days: u32,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            retention_days: 30,
        }
    }
}

/// `[skills]`: where saved skills are read from and written to.
#[derive(Debug, Clone, PartialEq)]
pub struct SkillsConfig {
    /// Extra skill roots, read after the built-in ones (relative to the
    /// project root).
    pub paths: Vec<String>,
    /// Where new skills are written (relative to the project root).
    pub save_dir: String,
    /// Whether `~/.agents/skills` and `~/.claude/skills` are read.
    pub user_skills: bool,
    /// Cap on the system prompt's skills list, in tokens.
    pub prompt_tokens: u32,
}

impl Default for SkillsConfig {
    fn default() -> Self {
        Self {
            paths: Vec::new(),
            save_dir: ".agents/skills".to_owned(),
            user_skills: true,
            prompt_tokens: 2000,
        }
    }
}

/// `[search]`: how `search_tools` ranks the catalog.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchConfig {
    /// Fuse the lexical ranking with a local embedding model's.
    pub semantic: bool,
    /// The model's directory; `None` means the default install location
    /// (`vtcode_embed::default_model_dir`).
    pub model_path: Option<PathBuf>,
}

impl Default for SearchConfig {
    fn default() -> Self {
        Self {
            semantic: true,
            model_path: None,
        }
    }
}
