//! From `[mcp.servers]` to a running hub.

use std::sync::Arc;
use std::time::Duration;

use vtcode_mcp::{HubOptions, McpHub, ServerSpec, Transport};

use crate::config::{LoadedConfig, ServerConfig, ServerTransport};

/// The hub specs of every enabled server, in name order.
pub fn server_specs(loaded: &LoadedConfig) -> Vec<ServerSpec> {
    loaded
        .config
        .mcp
        .servers
        .iter()
        .filter(|(_, server)| server.enabled)
        .map(|(name, server)| server_spec(name, server))
        .collect()
}

fn server_spec(name: &str, server: &ServerConfig) -> ServerSpec {
    let transport = match &server.transport {
        ServerTransport::Stdio {
            command,
            args,
            env,
            cwd,
            env_vars,
        } => Transport::Stdio {
            command: command.clone(),
            args: args.clone(),
            env: env.clone(),
            env_vars: env_vars.clone(),
            cwd: cwd.clone(),
        },
        ServerTransport::Http { url, headers } => Transport::Http {
            url: url.clone(),
            headers: headers.clone(),
        },
    };
    ServerSpec {
        name: name.to_string(),
        transport,
        required: server.required,
        startup_timeout: Duration::from_secs(u64::from(server.startup_timeout_s)),
        tool_timeout: Duration::from_secs(u64::from(server.tool_timeout_s)),
        enabled_tools: server.enabled_tools.clone(),
        disabled_tools: server.disabled_tools.clone(),
    }
}

/// Starts connecting every enabled server in the background; returns at once.
pub fn start_hub(loaded: &LoadedConfig) -> Arc<McpHub> {
    let options = HubOptions {
        log_dir: loaded.paths.logs.clone(),
    };
    Arc::new(McpHub::start(server_specs(loaded), options))
}

/// How long to wait for every server to settle: the longest startup timeout
/// plus a little for the tools/list that follows the handshake.
pub fn startup_wait(loaded: &LoadedConfig) -> Duration {
    let longest = loaded
        .config
        .mcp
        .servers
        .values()
        .filter(|server| server.enabled)
        .map(|server| u64::from(server.startup_timeout_s))
        .max()
        .unwrap_or(0);
    Duration::from_secs(longest + 5)
}
