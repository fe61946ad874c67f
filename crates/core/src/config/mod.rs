//! Layered configuration: built-in defaults < user file < project files
//! (`.mcp.json`, then `vtcode.toml`) < `VTCODE_*` environment < command line.
//!
//! Each source is read into a flat layer of checked values keyed by dotted
//! path (see `layer`), the layers are overlaid in order, and the result is
//! turned into the typed [`Config`] while noting each value's [`Origin`].
//! A mistake in a TOML file, a variable or an override is fatal and names
//! the exact place; `.mcp.json` belongs to other tools too, so its problems
//! only produce warnings.

mod build;
mod error;
mod expand;
mod layer;
mod mcp_json;
mod paths;
mod schema;
mod show;
mod types;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

pub use error::{ConfigError, Location};
pub use paths::ProjectPaths;
pub use types::{
    AgentConfig, ApprovalMode, Config, LlmConfig, McpConfig, MetricsConfig, PII_KINDS, PiiConfig,
    Provider, SandboxBackend, SandboxConfig, ServerConfig, ServerTransport, SkillsConfig, ToolMode,
    WorkspaceAccess,
};

use layer::Layer;

/// Where one effective value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Default,
    UserFile(PathBuf),
    ProjectFile(PathBuf),
    McpJson(PathBuf),
    /// The environment variable's name (never its value).
    Env(String),
    Cli,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Default => f.write_str("default"),
            Origin::UserFile(path) => write!(f, "user config {}", path.display()),
            Origin::ProjectFile(path) => write!(f, "project config {}", path.display()),
            Origin::McpJson(path) => write!(f, "{}", path.display()),
            Origin::Env(name) => write!(f, "environment variable {name}"),
            Origin::Cli => f.write_str("command line"),
        }
    }
}

/// What `Config::load` reads. Tests build it by hand; the binary uses
/// [`LoadOptions::from_process`].
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub cwd: PathBuf,
    /// `None`: the default user file, if it exists. `Some(path)`: that file,
    /// used only if it exists.
    pub user_config: Option<PathBuf>,
    /// Environment variables to consider; only `VTCODE_*` ones matter.
    pub env: Vec<(String, String)>,
    /// `key.path=value` overrides, e.g. `("sandbox.pool_size", "4")`.
    pub cli_overrides: Vec<(String, String)>,
}

impl LoadOptions {
    /// Options for the real process: its `VTCODE_*` environment, the default
    /// user file, no overrides yet.
    pub fn from_process(cwd: impl Into<PathBuf>) -> Self {
        Self {
            cwd: cwd.into(),
            user_config: None,
            env: std::env::vars()
                .filter(|(name, _)| name.starts_with("VTCODE_"))
                .collect(),
            cli_overrides: Vec::new(),
        }
    }
}

/// The user file's usual place: `~/.config/vtcode/vtcode.toml` on Linux.
pub fn default_user_config_path() -> Option<PathBuf> {
    dirs::config_dir().map(|dir| dir.join("vtcode").join("vtcode.toml"))
}

/// The effective config plus what a user needs to understand it.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub config: Config,
    pub paths: ProjectPaths,
    /// Non-fatal problems (e.g. a broken `.mcp.json`), for the front end to show.
    pub warnings: Vec<String>,
    /// Dotted key (`sandbox.pool_size`, `mcp.servers.git.command`) to origin.
    pub origins: BTreeMap<String, Origin>,
}

impl Config {
    /// Reads and merges every layer. Errors name the file, line and column
    /// (or the variable / override) to fix.
    pub fn load(options: &LoadOptions) -> Result<LoadedConfig, ConfigError> {
        let cwd = options.cwd.as_path();
        let paths = ProjectPaths::discover(cwd);
        let mut warnings = Vec::new();
        let mut merged = Layer::default();

        let user = match &options.user_config {
            Some(path) => Some(path.clone()),
            None => default_user_config_path(),
        };
        if let Some(path) = user.filter(|path| path.is_file()) {
            let origin = Origin::UserFile(path.clone());
            merged.overlay(read_toml(&path, cwd, &origin)?);
        }

        let mcp_json = paths.mcp_json();
        if mcp_json.is_file() {
            let text = read(&mcp_json)?;
            let shown = layer::shown_path(&mcp_json, cwd);
            let (servers, problems) = mcp_json::parse(&text, &mcp_json, &shown);
            warnings.extend(problems);
            merged.overlay(servers);
        }

        let project = paths.project_config();
        if project.is_file() {
            let origin = Origin::ProjectFile(project.clone());
            merged.overlay(read_toml(&project, cwd, &origin)?);
        }

        merged.overlay(layer::from_env(&options.env)?);
        merged.overlay(layer::from_cli(&options.cli_overrides)?);

        let built = build::build(&merged, &paths.root)?;
        warnings.extend(built.warnings);
        Ok(LoadedConfig {
            config: built.config,
            paths,
            warnings,
            origins: built.origins,
        })
    }

    /// Checks one TOML file on its own (for `vtcode config check FILE`).
    pub fn check_file(path: &Path, cwd: &Path) -> Result<(), ConfigError> {
        let origin = Origin::ProjectFile(path.to_path_buf());
        let layer = read_toml(path, cwd, &origin)?;
        let root = path.parent().unwrap_or(cwd);
        build::build(&layer, root).map(|_| ())
    }
}

fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })
}

fn read_toml(path: &Path, cwd: &Path, origin: &Origin) -> Result<Layer, ConfigError> {
    let text = read(path)?;
    layer::from_toml(&text, &layer::shown_path(path, cwd), origin)
}
