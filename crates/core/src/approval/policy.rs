//! The verdict on one call: the global mode, then the server's `trust`, then
//! its `approve`/`deny` globs, which win over both.

use std::collections::HashMap;

use globset::{Glob, GlobSet, GlobSetBuilder};

use super::Annotations;
use crate::catalog::CatalogTool;
use crate::config::{ApprovalMode, McpConfig, ServerTrust};

/// What happens to a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    /// A person must say yes first.
    Ask,
    /// Never runs; the message says why and how to change it.
    Deny(String),
}

#[derive(Debug, thiserror::Error)]
#[error("server `{server}`: `{key}` has an invalid glob `{glob}`: {source}")]
pub struct PolicyError {
    pub server: String,
    pub key: &'static str,
    pub glob: String,
    source: globset::Error,
}

#[derive(Debug, Default)]
struct ServerRules {
    trust: Option<ServerTrust>,
    approve: Option<GlobSet>,
    deny: Option<GlobSet>,
}

/// Per-server rules from `[mcp.servers.NAME]`; the mode comes with each
/// question because `/approval` changes it during a session.
#[derive(Debug, Default)]
pub struct ToolPolicy {
    servers: HashMap<String, ServerRules>,
}

impl ToolPolicy {
    pub fn from_config(mcp: &McpConfig) -> Result<Self, PolicyError> {
        let mut servers = HashMap::new();
        for (name, server) in &mcp.servers {
            let rules = ServerRules {
                trust: server.trust,
                approve: globs(name, "approve", &server.approve)?,
                deny: globs(name, "deny", &server.deny)?,
            };
            servers.insert(name.clone(), rules);
        }
        Ok(Self { servers })
    }

    pub fn verdict(&self, mode: ApprovalMode, tool: &CatalogTool) -> Verdict {
        let rules = self.servers.get(&tool.server);
        let matches = |set: Option<&GlobSet>| set.is_some_and(|s| s.is_match(&tool.name));
        if matches(rules.and_then(|r| r.deny.as_ref())) {
            return Verdict::Deny(format!(
                "{}.{} is denied by `deny` under [mcp.servers.{}] in vtcode.toml",
                tool.server, tool.name, tool.server
            ));
        }
        if matches(rules.and_then(|r| r.approve.as_ref())) {
            return Verdict::Allow;
        }
        let mode = match rules.and_then(|r| r.trust) {
            Some(ServerTrust::All) => ApprovalMode::Auto,
            Some(ServerTrust::ReadOnly) => ApprovalMode::AskWrites,
            Some(ServerTrust::None) => ApprovalMode::AskAll,
            None => mode,
        };
        let asks = match mode {
            ApprovalMode::Auto => false,
            ApprovalMode::AskAll => true,
            ApprovalMode::AskWrites => !Annotations::of(tool).read_only,
        };
        if asks { Verdict::Ask } else { Verdict::Allow }
    }
}

fn globs(
    server: &str,
    key: &'static str,
    patterns: &[String],
) -> Result<Option<GlobSet>, PolicyError> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let glob = Glob::new(pattern).map_err(|source| PolicyError {
            server: server.to_string(),
            key,
            glob: pattern.clone(),
            source,
        })?;
        builder.add(glob);
    }
    builder.build().map(Some).map_err(|source| PolicyError {
        server: server.to_string(),
        key,
        glob: patterns.join(", "),
        source,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::config::{ServerConfig, ServerTransport};

    fn tool(server: &str, name: &str, read_only: bool) -> CatalogTool {
        CatalogTool {
            server: server.into(),
            name: name.into(),
            title: None,
            description: None,
            input_schema: json!({"type": "object"}),
            output_schema: None,
            annotations: read_only.then(|| json!({"readOnlyHint": true})),
            builtin: false,
        }
    }

    fn server(trust: Option<ServerTrust>, approve: &[&str], deny: &[&str]) -> ServerConfig {
        ServerConfig {
            transport: ServerTransport::Http {
                url: "http://127.0.0.1:1/mcp".into(),
                headers: Default::default(),
            },
            enabled: true,
            required: false,
            startup_timeout_s: 30,
            tool_timeout_s: 60,
            enabled_tools: None,
            disabled_tools: Vec::new(),
            trust,
            approve: approve.iter().map(|s| s.to_string()).collect(),
            deny: deny.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn policy(servers: Vec<(&str, ServerConfig)>) -> ToolPolicy {
        let mcp = McpConfig {
            servers: servers
                .into_iter()
                .map(|(n, s)| (n.to_string(), s))
                .collect(),
        };
        ToolPolicy::from_config(&mcp).unwrap()
    }

    #[test]
    fn modes_ask_by_annotations() {
        let p = ToolPolicy::default();
        let (read, write) = (tool("s", "get", true), tool("s", "put", false));
        assert_eq!(p.verdict(ApprovalMode::AskWrites, &read), Verdict::Allow);
        assert_eq!(p.verdict(ApprovalMode::AskWrites, &write), Verdict::Ask);
        assert_eq!(p.verdict(ApprovalMode::AskAll, &read), Verdict::Ask);
        assert_eq!(p.verdict(ApprovalMode::Auto, &write), Verdict::Allow);
    }

    #[test]
    fn trust_replaces_the_mode_and_globs_win_over_both() {
        let p = policy(vec![
            ("open", server(Some(ServerTrust::All), &[], &["drop_*"])),
            ("shut", server(Some(ServerTrust::None), &["list_*"], &[])),
            ("ro", server(Some(ServerTrust::ReadOnly), &[], &[])),
        ]);
        let ask_all = ApprovalMode::AskAll;
        assert_eq!(
            p.verdict(ask_all, &tool("open", "send_mail", false)),
            Verdict::Allow
        );
        assert!(matches!(
            p.verdict(ApprovalMode::Auto, &tool("open", "drop_table", false)),
            Verdict::Deny(m) if m.contains("[mcp.servers.open]")
        ));
        assert_eq!(
            p.verdict(ApprovalMode::Auto, &tool("shut", "get", true)),
            Verdict::Ask
        );
        assert_eq!(
            p.verdict(ask_all, &tool("shut", "list_rows", false)),
            Verdict::Allow
        );
        assert_eq!(p.verdict(ask_all, &tool("ro", "get", true)), Verdict::Allow);
        assert_eq!(p.verdict(ask_all, &tool("ro", "put", false)), Verdict::Ask);
    }
}
