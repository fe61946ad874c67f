//! `vtcode config show`: the effective config as TOML, each value annotated
//! with the layer it came from.
//!
//! The listing is meant to be pasted into bug reports, so anything that may
//! be a credential is masked: every HTTP header value, server environment
//! values whose name or shape looks secret, and token-shaped arguments.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::types::{Config, PiiConfig, ServerTransport};
use super::{LoadedConfig, Origin};

const MASK: &str = "\"********\"";

/// One `[table]` of the listing: its name and its keys in display order.
type Table = (String, Vec<(&'static str, Option<toml::Value>)>);

impl LoadedConfig {
    /// The effective config, one `key = value  # from: ...` line per key;
    /// keys with no value are listed as comments.
    pub fn render_show(&self) -> String {
        let mut out = String::new();
        for (table, keys) in tables(&self.config) {
            if !out.is_empty() {
                out.push('\n');
            }
            let _ = writeln!(out, "[{table}]");
            for (key, value) in keys {
                let dotted = format!("{table}.{key}");
                let Some(value) = value else {
                    let _ = writeln!(out, "# {key} is not set");
                    continue;
                };
                // What the user wrote to protect data is no secret itself.
                let rendered = if table == "pii" {
                    value.to_string()
                } else {
                    masked(key, &value)
                };
                let origin = self.origins.get(&dotted).unwrap_or(&Origin::Default);
                let _ = writeln!(out, "{key} = {rendered}  # from: {origin}");
            }
            if table == "pii" {
                for line in pii_coverage(&self.config.pii) {
                    let _ = writeln!(out, "# {line}");
                }
            }
        }
        out
    }
}

/// What `[pii]` protects with these settings, in words.
fn pii_coverage(pii: &PiiConfig) -> Vec<String> {
    if !pii.enabled {
        return vec!["covers: nothing; tool output reaches the model as it is".to_owned()];
    }
    let personal: Vec<&str> = pii
        .kinds
        .iter()
        .map(String::as_str)
        .filter(|k| *k != "secret")
        .collect();
    let secrets = pii.kinds.iter().any(|k| k == "secret");
    let mut everywhere = Vec::new();
    if secrets {
        everywhere.push("secrets (AWS, GitHub, OpenAI, Anthropic, Slack, Stripe keys, private keys, JWTs, values of secret-named environment variables)".to_owned());
    }
    if !pii.patterns.is_empty() {
        let names: Vec<&str> = pii.patterns.keys().map(String::as_str).collect();
        everywhere.push(format!("patterns {}", names.join(", ")));
    }
    let mut lines = Vec::new();
    if !everywhere.is_empty() {
        lines.push(format!(
            "covers in every tool result: {}",
            everywhere.join("; ")
        ));
    }
    if !personal.is_empty() {
        let files = if pii.scan_files {
            ", and project files (read_file, grep)"
        } else {
            "; not project files (read_file, grep) unless scan_files is true"
        };
        lines.push(format!(
            "covers in execute_code, run_shell and MCP results and errors: {}{files}",
            personal.join(", ")
        ));
    }
    lines.push("tokens in tool calls (code, commands, patches, MCP arguments, and the MCP calls programs make) are restored to the real values before the call runs".to_owned());
    lines.push("vtcode mcp serve: its client reads the same tokens (reports, errors, approval questions), kept in memory for the serve process".to_owned());
    lines
}

fn tables(config: &Config) -> Vec<Table> {
    let s = |v: &str| Some(toml::Value::String(v.to_owned()));
    let int = |v: u64| Some(toml::Value::Integer(i64::try_from(v).unwrap_or(i64::MAX)));
    let list = |v: &[String]| {
        Some(toml::Value::Array(
            v.iter().map(|x| toml::Value::String(x.clone())).collect(),
        ))
    };
    let map = |v: &BTreeMap<String, String>| {
        let table = v
            .iter()
            .map(|(k, x)| (k.clone(), toml::Value::String(x.clone())))
            .collect();
        Some(toml::Value::Table(table))
    };
    let llm = &config.llm;
    let sandbox = &config.sandbox;
    let agent = &config.agent;
    let mut out: Vec<Table> = vec![
        (
            "llm".to_owned(),
            vec![
                ("provider", s(llm.provider.as_str())),
                ("model", s(&llm.model)),
                ("base_url", llm.base_url.as_deref().and_then(s)),
                ("api_key_env", s(&llm.api_key_env)),
                (
                    "context_window",
                    llm.context_window.and_then(|v| int(v.into())),
                ),
                ("max_tokens", llm.max_tokens.and_then(|v| int(v.into()))),
                ("temperature", llm.temperature.map(toml::Value::Float)),
            ],
        ),
        (
            "sandbox".to_owned(),
            vec![
                ("backend", s(sandbox.backend.as_str())),
                ("image", s(&sandbox.image)),
                ("pool_size", int(sandbox.pool_size.into())),
                ("timeout_s", int(sandbox.timeout_s.into())),
                ("memory_mb", int(sandbox.memory_mb.into())),
                ("cpus", Some(toml::Value::Float(sandbox.cpus))),
                ("pids", int(sandbox.pids.into())),
                ("workspace", s(sandbox.workspace.as_str())),
                ("output_bytes", int(sandbox.output_bytes)),
                ("max_running", int(sandbox.max_running.into())),
                ("docker_host", sandbox.docker_host.as_deref().and_then(s)),
                ("remote", sandbox.remote.map(toml::Value::Boolean)),
                ("workspace_max_mb", int(sandbox.workspace_max_mb.into())),
            ],
        ),
        (
            "agent".to_owned(),
            vec![
                ("tool_mode", s(agent.tool_mode.as_str())),
                ("approval", s(agent.approval.as_str())),
                ("max_turns", int(agent.max_turns.into())),
                ("tool_output_bytes", int(agent.tool_output_bytes)),
            ],
        ),
        (
            "pii".to_owned(),
            vec![
                ("enabled", Some(toml::Value::Boolean(config.pii.enabled))),
                ("kinds", list(&config.pii.kinds)),
                ("patterns", map(&config.pii.patterns)),
                ("allow", list(&config.pii.allow)),
                (
                    "scan_files",
                    Some(toml::Value::Boolean(config.pii.scan_files)),
                ),
            ],
        ),
        (
            "metrics".to_owned(),
            vec![
                (
                    "enabled",
                    Some(toml::Value::Boolean(config.metrics.enabled)),
                ),
                ("retention_days", int(config.metrics.retention_days.into())),
            ],
        ),
        (
            "skills".to_owned(),
            vec![
                ("paths", list(&config.skills.paths)),
                ("save_dir", s(&config.skills.save_dir)),
                (
                    "user_skills",
                    Some(toml::Value::Boolean(config.skills.user_skills)),
                ),
                ("prompt_tokens", int(config.skills.prompt_tokens.into())),
            ],
        ),
        (
            "search".to_owned(),
            vec![
                (
                    "semantic",
                    Some(toml::Value::Boolean(config.search.semantic)),
                ),
                (
                    "model_path",
                    config
                        .search
                        .model_path
                        .as_ref()
                        .and_then(|p| s(&p.display().to_string())),
                ),
            ],
        ),
    ];
    for (name, server) in &config.mcp.servers {
        let mut keys = match &server.transport {
            ServerTransport::Stdio {
                command,
                args,
                env,
                cwd,
                env_vars,
            } => vec![
                ("command", s(command)),
                ("args", list(args)),
                ("env", map(env)),
                ("env_vars", list(env_vars)),
                (
                    "cwd",
                    cwd.as_ref().and_then(|p| s(&p.display().to_string())),
                ),
            ],
            ServerTransport::Http { url, headers } => {
                vec![("url", s(url)), ("headers", map(headers))]
            }
        };
        keys.extend([
            ("enabled", Some(toml::Value::Boolean(server.enabled))),
            ("required", Some(toml::Value::Boolean(server.required))),
            ("startup_timeout_s", int(server.startup_timeout_s.into())),
            ("tool_timeout_s", int(server.tool_timeout_s.into())),
            (
                "enabled_tools",
                server.enabled_tools.as_deref().and_then(list),
            ),
            ("disabled_tools", list(&server.disabled_tools)),
            ("trust", server.trust.and_then(|t| s(t.as_str()))),
            ("approve", list(&server.approve)),
            ("deny", list(&server.deny)),
        ]);
        out.push((format!("mcp.servers.{name}"), keys));
    }
    out
}

/// Renders a value as TOML, masking header values and secret-looking
/// environment values.
fn masked(key: &str, value: &toml::Value) -> String {
    if let toml::Value::Array(items) = value {
        let shown: Vec<String> = items
            .iter()
            .map(|item| match item.as_str() {
                Some(text) if looks_secret("", text) => MASK.to_owned(),
                _ => item.to_string(),
            })
            .collect();
        return format!("[{}]", shown.join(", "));
    }
    let toml::Value::Table(table) = value else {
        return value.to_string();
    };
    let parts: Vec<String> = table
        .iter()
        .map(|(name, item)| {
            let text = item.as_str().unwrap_or_default();
            let hide = key == "headers" || looks_secret(name, text);
            let shown = if hide {
                MASK.to_owned()
            } else {
                item.to_string()
            };
            format!("{} = {shown}", table_key(name))
        })
        .collect();
    if parts.is_empty() {
        "{}".to_owned()
    } else {
        format!("{{ {} }}", parts.join(", "))
    }
}

/// A key as TOML writes it: bare when it can be, quoted otherwise.
fn table_key(name: &str) -> String {
    let bare = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        name.to_owned()
    } else {
        toml::Value::String(name.to_owned()).to_string()
    }
}

/// Whether an environment entry is probably a credential, judged by its
/// name or by a long, unbroken mix of letters and digits in its value.
pub(crate) fn looks_secret(name: &str, value: &str) -> bool {
    const WORDS: &[&str] = &[
        "KEY",
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "PASS",
        "AUTH",
        "CREDENTIAL",
        "PRIVATE",
        "COOKIE",
        "SESSION",
    ];
    let upper = name.to_ascii_uppercase();
    let named = WORDS.iter().any(|word| upper.contains(word));
    let token_like = value.len() >= 20
        && !value.contains(char::is_whitespace)
        && !value.contains('/')
        && value.chars().any(|c| c.is_ascii_digit())
        && value.chars().any(|c| c.is_ascii_alphabetic());
    named || token_like
}
