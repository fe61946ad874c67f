//! Turns the merged layer into the typed [`Config`], filling defaults and
//! recording where every effective value came from.
//!
//! Values were type-checked when each layer was read, so this step only
//! checks what needs several keys at once: a server is either stdio
//! (`command`) or HTTP (`url`), never both, never neither, and carries no
//! field of the other transport.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use super::Origin;
use super::error::{ConfigError, Location};
use super::expand;
use super::layer::{Entry, Layer, SERVER_PREFIX};
use super::schema::{self, HTTP_ONLY, STDIO_ONLY};
use super::types::{
    AgentConfig, Config, LlmConfig, McpConfig, MetricsConfig, PiiConfig, Provider, SandboxConfig,
    SearchConfig, ServerConfig, ServerTransport, SkillsConfig,
};

/// A conversion from an already type-checked value.
trait FromValue: Sized {
    fn from_value(value: &toml::Value) -> Option<Self>;
}

impl FromValue for String {
    fn from_value(value: &toml::Value) -> Option<Self> {
        value.as_str().map(str::to_owned)
    }
}

impl FromValue for bool {
    fn from_value(value: &toml::Value) -> Option<Self> {
        value.as_bool()
    }
}

impl FromValue for u32 {
    fn from_value(value: &toml::Value) -> Option<Self> {
        value.as_integer().and_then(|n| u32::try_from(n).ok())
    }
}

impl FromValue for u64 {
    fn from_value(value: &toml::Value) -> Option<Self> {
        value.as_integer().and_then(|n| u64::try_from(n).ok())
    }
}

impl FromValue for f64 {
    fn from_value(value: &toml::Value) -> Option<Self> {
        value.as_float()
    }
}

impl FromValue for Vec<String> {
    fn from_value(value: &toml::Value) -> Option<Self> {
        value
            .as_array()?
            .iter()
            .map(|item| item.as_str().map(str::to_owned))
            .collect()
    }
}

impl FromValue for BTreeMap<String, String> {
    fn from_value(value: &toml::Value) -> Option<Self> {
        value
            .as_table()?
            .iter()
            .map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
            .collect()
    }
}

/// Reads typed values out of the merged layer, noting each one's origin.
struct Reader<'a> {
    layer: &'a Layer,
    origins: BTreeMap<String, Origin>,
    warnings: Vec<String>,
}

impl Reader<'_> {
    fn get<T: FromValue>(&mut self, key: &str) -> Option<T> {
        let entry = self.layer.entries.get(key)?;
        let value = T::from_value(&entry.value)?;
        self.origins.insert(key.to_owned(), entry.origin.clone());
        Some(value)
    }

    fn or<T: FromValue>(&mut self, key: &str, default: T) -> T {
        self.get(key).unwrap_or_else(|| {
            self.origins.insert(key.to_owned(), Origin::Default);
            default
        })
    }

    /// An enum spelt as in the file; the schema already rejected bad names.
    fn choice<T: FromStr>(&mut self, key: &str, default: T) -> T {
        self.get::<String>(key)
            .and_then(|text| text.parse().ok())
            .unwrap_or_else(|| {
                self.origins.insert(key.to_owned(), Origin::Default);
                default
            })
    }
}

/// The typed config, each value's origin, and non-fatal problems.
pub(crate) struct Built {
    pub config: Config,
    pub origins: BTreeMap<String, Origin>,
    pub warnings: Vec<String>,
}

/// Builds the typed config; `root` anchors relative server paths.
pub(crate) fn build(layer: &Layer, root: &Path) -> Result<Built, ConfigError> {
    let mut r = Reader {
        layer,
        origins: BTreeMap::new(),
        warnings: Vec::new(),
    };
    let llm_default = LlmConfig::default();
    let provider: Provider = r.choice("llm.provider", llm_default.provider);
    let llm = LlmConfig {
        provider,
        model: r.or("llm.model", provider.default_model().to_owned()),
        base_url: r.get("llm.base_url"),
        api_key_env: r.or("llm.api_key_env", provider.default_api_key_env().to_owned()),
        context_window: r.get("llm.context_window"),
        max_tokens: r.get("llm.max_tokens"),
        temperature: r.get("llm.temperature"),
    };
    let d = SandboxConfig::default();
    let sandbox = SandboxConfig {
        backend: r.choice("sandbox.backend", d.backend),
        image: r.or("sandbox.image", d.image),
        pool_size: r.or("sandbox.pool_size", d.pool_size),
        timeout_s: r.or("sandbox.timeout_s", d.timeout_s),
        memory_mb: r.or("sandbox.memory_mb", d.memory_mb),
        cpus: r.or("sandbox.cpus", d.cpus),
        pids: r.or("sandbox.pids", d.pids),
        max_running: r.or("sandbox.max_running", d.max_running),
        workspace: r.choice("sandbox.workspace", d.workspace),
        output_bytes: r.or("sandbox.output_bytes", d.output_bytes),
        docker_host: r.get("sandbox.docker_host"),
        remote: r.get("sandbox.remote"),
        workspace_max_mb: r.or("sandbox.workspace_max_mb", d.workspace_max_mb),
    };
    let d = AgentConfig::default();
    let agent = AgentConfig {
        tool_mode: r.choice("agent.tool_mode", d.tool_mode),
        approval: r.choice("agent.approval", d.approval),
        max_turns: r.or("agent.max_turns", d.max_turns),
        tool_output_bytes: r.or("agent.tool_output_bytes", d.tool_output_bytes),
    };
    let d = PiiConfig::default();
    let pii = PiiConfig {
        enabled: r.or("pii.enabled", d.enabled),
        kinds: r.or("pii.kinds", d.kinds),
        patterns: r.or("pii.patterns", d.patterns),
        allow: r.or("pii.allow", d.allow),
        scan_files: r.or("pii.scan_files", d.scan_files),
    };
    let d = MetricsConfig::default();
    let metrics = MetricsConfig {
        enabled: r.or("metrics.enabled", d.enabled),
        retention_days: r.or("metrics.retention_days", d.retention_days),
    };
    let d = SkillsConfig::default();
    let skills = SkillsConfig {
        paths: r.or("skills.paths", d.paths),
        save_dir: r.or("skills.save_dir", d.save_dir),
        user_skills: r.or("skills.user_skills", d.user_skills),
        prompt_tokens: r.or("skills.prompt_tokens", d.prompt_tokens),
    };
    let search = SearchConfig {
        semantic: r.or("search.semantic", SearchConfig::default().semantic),
        model_path: r
            .get::<String>("search.model_path")
            .map(|path| resolve_user_path(root, &path)),
    };
    let mut servers = BTreeMap::new();
    for name in server_names(layer) {
        let server = build_server(&mut r, &name, root)?;
        servers.insert(name, server);
    }
    let config = Config {
        llm,
        mcp: McpConfig { servers },
        sandbox,
        agent,
        pii,
        metrics,
        skills,
        search,
    };
    Ok(Built {
        config,
        origins: r.origins,
        warnings: r.warnings,
    })
}

fn server_names(layer: &Layer) -> Vec<String> {
    let mut names: Vec<String> = layer.servers.keys().cloned().collect();
    for key in layer.entries.keys() {
        if let Some((name, _)) = key
            .strip_prefix(SERVER_PREFIX)
            .and_then(|k| k.rsplit_once('.'))
        {
            names.push(name.to_owned());
        }
    }
    names.sort();
    names.dedup();
    names
}

fn build_server(r: &mut Reader<'_>, name: &str, root: &Path) -> Result<ServerConfig, ConfigError> {
    let layer = r.layer;
    let prefix = format!("{SERVER_PREFIX}{name}.");
    let entry = |field: &str| layer.entries.get(&format!("{prefix}{field}"));
    let fields: Vec<(&str, &Entry)> = STDIO_ONLY
        .iter()
        .chain(HTTP_ONLY)
        .filter_map(|field| Some((*field, entry(field)?)))
        .collect();
    let first_location = || {
        layer
            .entries
            .range(prefix.clone()..)
            .next()
            .map_or(Location::Default, |(_, e)| e.location.clone())
    };
    let (stdio, http) = (entry("command"), entry("url"));
    let transport_fields = match (stdio, http) {
        (Some(command), Some(url)) => {
            return Err(ConfigError::invalid(
                url.location.clone(),
                format!(
                    "server `{name}` has both `url` and `command` (at {}); a server is either stdio (`command`) or http (`url`)",
                    command.location
                ),
            ));
        }
        (Some(_), None) => HTTP_ONLY,
        (None, Some(_)) => STDIO_ONLY,
        (None, None) => {
            let Some(location) = layer.servers.get(name) else {
                let known: Vec<&str> = layer.servers.keys().map(String::as_str).collect();
                let hint = schema::closest(name, &known)
                    .map(|near| format!("; did you mean `{near}`?"))
                    .unwrap_or_default();
                return Err(ConfigError::invalid(
                    first_location(),
                    format!("no MCP server named `{name}` is configured{hint}"),
                ));
            };
            return Err(ConfigError::invalid(
                location.clone(),
                format!(
                    "server `{name}` needs `command` (a stdio server) or `url` (an http server)"
                ),
            ));
        }
    };
    if let Some((field, wrong)) = fields.iter().find(|(f, _)| transport_fields.contains(f)) {
        let (kind, because) = if stdio.is_some() {
            ("stdio", "command")
        } else {
            ("http", "url")
        };
        return Err(ConfigError::invalid(
            wrong.location.clone(),
            format!(
                "`{field}` does not apply to server `{name}`: it is a {kind} server (it has `{because}`)"
            ),
        ));
    }
    let key = |field: &str| format!("{prefix}{field}");
    let transport = if stdio.is_some() {
        let command: String = r.or(&key("command"), String::new());
        if command.trim().is_empty() {
            let location = stdio.map_or(Location::Default, |e| e.location.clone());
            return Err(ConfigError::invalid(
                location,
                format!("server `{name}` has an empty `command`"),
            ));
        }
        let args: Vec<String> = r.get(&key("args")).unwrap_or_default();
        let env: BTreeMap<String, String> = r.get(&key("env")).unwrap_or_default();
        let cwd: Option<String> = r.get(&key("cwd"));
        let env_vars: Vec<String> = r.get(&key("env_vars")).unwrap_or_default();
        let mut x = Expander {
            layer,
            prefix: &prefix,
            warnings: &mut r.warnings,
        };
        ServerTransport::Stdio {
            command: anchor_command(x.text("command", command), root),
            args: args.into_iter().map(|arg| x.text("args", arg)).collect(),
            env: env
                .into_iter()
                .map(|(k, v)| (k, x.text("env", v)))
                .collect(),
            cwd: cwd.map(|cwd| root.join(x.text("cwd", cwd))),
            env_vars,
        }
    } else {
        let url: String = r.or(&key("url"), String::new());
        let headers: BTreeMap<String, String> = r.get(&key("headers")).unwrap_or_default();
        let mut x = Expander {
            layer,
            prefix: &prefix,
            warnings: &mut r.warnings,
        };
        let url = x.text("url", url);
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            let location = entry("url").map_or(Location::Default, |e| e.location.clone());
            return Err(ConfigError::invalid(
                location,
                format!("server `{name}` has url `{url}`; it must start with http:// or https://"),
            ));
        }
        let headers = headers
            .into_iter()
            .map(|(k, v)| (k, x.text("headers", v)))
            .collect();
        ServerTransport::Http { url, headers }
    };
    Ok(ServerConfig {
        transport,
        enabled: r.or(&key("enabled"), true),
        required: r.or(&key("required"), false),
        startup_timeout_s: r.or(&key("startup_timeout_s"), 30),
        tool_timeout_s: r.or(&key("tool_timeout_s"), 60),
        enabled_tools: r.get(&key("enabled_tools")),
        disabled_tools: r.or(&key("disabled_tools"), Vec::new()),
        trust: r.get::<String>(&key("trust")).and_then(|t| t.parse().ok()),
        approve: globs(r, layer, &key("approve"))?,
        deny: globs(r, layer, &key("deny"))?,
    })
}

/// A list of tool-name globs, each checked so a typo is reported where it is.
fn globs(r: &mut Reader<'_>, layer: &Layer, key: &str) -> Result<Vec<String>, ConfigError> {
    let patterns: Vec<String> = r.get(key).unwrap_or_default();
    for pattern in &patterns {
        if let Err(err) = globset::Glob::new(pattern) {
            let location = layer
                .entries
                .get(key)
                .map_or(Location::Default, |e| e.location.clone());
            return Err(ConfigError::invalid(
                location,
                format!("`{key}` has an invalid glob `{pattern}`: {err}"),
            ));
        }
    }
    Ok(patterns)
}

/// A command written as a relative path (`.venv/bin/python`) means a file in
/// the project, whatever directory vtcode starts in; a bare name
/// (`python3`) is looked up on `PATH` and left alone.
fn anchor_command(command: String, root: &Path) -> String {
    let path = Path::new(&command);
    if path.is_relative() && path.components().count() > 1 {
        root.join(path).display().to_string()
    } else {
        command
    }
}

/// Expands `${VAR}` in one server's string fields, noting unset variables.
struct Expander<'a> {
    layer: &'a Layer,
    prefix: &'a str,
    warnings: &'a mut Vec<String>,
}

impl Expander<'_> {
    fn text(&mut self, field: &str, value: String) -> String {
        if !value.contains("${") {
            return value;
        }
        let (expanded, missing) = expand::expand(&value, &|var| std::env::var(var).ok());
        if !missing.is_empty() {
            let location = self
                .layer
                .entries
                .get(&format!("{}{field}", self.prefix))
                .map_or(Location::Default, |e| e.location.clone());
            self.warnings.push(format!(
                "{location}: `{}{field}` refers to unset environment variable {}; it was replaced by nothing",
                self.prefix,
                missing.join(", ")
            ));
        }
        expanded
    }
}

/// `~/x` under the home directory, a relative path under the project root.
fn resolve_user_path(root: &Path, path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), dirs::home_dir()) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => root.join(path),
    }
}
