//! Establishing one connection: start the process (or open the HTTP session),
//! run the MCP handshake, and list every tool. Failures come back as a
//! ready-to-show message naming the server, its command and the first lines
//! of its stderr.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue};
use rmcp::model::{ClientCapabilities, ClientConfig, Implementation, PaginatedRequestParams, Tool};
use rmcp::service::{ClientInitializeError, NotificationContext, RunningService};
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use rmcp::{ClientHandler, Peer, RoleClient, ServiceExt};
use tokio::sync::mpsc;

use crate::spec::{ServerSpec, Transport};
use crate::stderr::StderrCapture;
use crate::types::ToolDescriptor;

/// A server whose cursor is still going after this many pages is broken.
pub(crate) const MAX_TOOL_PAGES: usize = 500;

/// How long to wait for a dead process's stderr to drain before quoting it.
pub(crate) const STDERR_GRACE: Duration = Duration::from_millis(500);

/// The client side of one connection: it forwards `tools/list_changed` to the
/// server's supervisor.
pub(crate) struct HubClient {
    list_changed: mpsc::UnboundedSender<()>,
}

impl ClientHandler for HubClient {
    async fn on_tool_list_changed(&self, _context: NotificationContext<RoleClient>) {
        let _ = self.list_changed.send(());
    }

    fn get_info(&self) -> ClientConfig {
        ClientConfig::new(
            ClientCapabilities::default(),
            Implementation::new("vtcode", env!("CARGO_PKG_VERSION")),
        )
    }
}

/// The process group of a stdio server. Servers started through launchers
/// (`npx`, `uvx`, shell scripts) leave grandchildren that killing the direct
/// child would orphan, so the whole group is killed when this is dropped.
/// Its own group also keeps a terminal's Ctrl-C from reaching the servers.
pub(crate) struct ProcessGroup(nix::unistd::Pid);

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        // ESRCH (already gone) is the common, harmless case.
        let _ = nix::sys::signal::killpg(self.0, nix::sys::signal::Signal::SIGKILL);
    }
}

/// A live, initialised connection and what it reported.
pub(crate) struct Connection {
    pub(crate) running: RunningService<RoleClient, HubClient>,
    pub(crate) stderr: Option<StderrCapture>,
    /// Killed when the connection is dropped; `None` for HTTP.
    pub(crate) group: Option<ProcessGroup>,
    pub(crate) tools: Vec<ToolDescriptor>,
    pub(crate) server_info: Option<(String, String)>,
}

/// Connects to `spec` and lists its tools, all within its startup timeout.
pub(crate) async fn connect(
    spec: &ServerSpec,
    log_path: &Path,
    list_changed: mpsc::UnboundedSender<()>,
) -> Result<Connection, String> {
    let client = HubClient { list_changed };
    match &spec.transport {
        Transport::Stdio {
            command, args, cwd, ..
        } => {
            let mut cmd = tokio::process::Command::new(command);
            cmd.args(args)
                .env_clear()
                .envs(spec.transport.child_env(std::env::vars()))
                .kill_on_drop(true)
                .process_group(0);
            if let Some(dir) = cwd {
                if !dir.is_dir() {
                    let reason = format!("its working directory {} does not exist", dir.display());
                    return Err(start_failure(spec, &reason, &[], log_path));
                }
                cmd.current_dir(dir);
            }
            connect_stdio(spec, log_path, client, cmd, command).await
        }
        Transport::Http { url, headers } => {
            let mut custom = HashMap::new();
            for (key, value) in headers {
                match (
                    HeaderName::from_bytes(key.as_bytes()),
                    HeaderValue::from_str(value),
                ) {
                    (Ok(name), Ok(value)) => {
                        custom.insert(name, value);
                    }
                    _ => {
                        let reason = format!("header '{key}' is not a valid HTTP header");
                        return Err(start_failure(spec, &reason, &[], log_path));
                    }
                }
            }
            let config =
                StreamableHttpClientTransportConfig::with_uri(url.as_str()).custom_headers(custom);
            let transport =
                StreamableHttpClientTransport::with_client(reqwest::Client::new(), config);
            match handshake(spec, client, transport).await {
                Ok((running, tools)) => Ok(Connection::new(running, None, None, tools, spec)),
                Err(reason) => Err(start_failure(spec, &reason, &[], log_path)),
            }
        }
    }
}

async fn connect_stdio(
    spec: &ServerSpec,
    log_path: &Path,
    client: HubClient,
    cmd: tokio::process::Command,
    command: &str,
) -> Result<Connection, String> {
    let (process, stderr) = TokioChildProcess::builder(cmd)
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| start_failure(spec, &spawn_reason(command, &e), &[], log_path))?;
    let pid = process.id().unwrap_or_default();
    let group = i32::try_from(pid)
        .ok()
        .filter(|pid| *pid > 0)
        .map(|pid| ProcessGroup(nix::unistd::Pid::from_raw(pid)));
    let capture = stderr.map(|stream| {
        let header = format!(
            "=== vtcode started MCP server '{}' (pid {pid}): {}\n",
            spec.name,
            spec.transport.summary()
        );
        StderrCapture::spawn(stream, log_path.to_path_buf(), header)
    });
    match handshake(spec, client, process).await {
        Ok((running, tools)) => Ok(Connection::new(running, capture, group, tools, spec)),
        Err(reason) => {
            drop(group);
            let head = match &capture {
                Some(capture) => capture.head(STDERR_GRACE).await,
                None => Vec::new(),
            };
            Err(start_failure(spec, &reason, &head, log_path))
        }
    }
}

impl Connection {
    fn new(
        running: RunningService<RoleClient, HubClient>,
        stderr: Option<StderrCapture>,
        group: Option<ProcessGroup>,
        tools: Vec<Tool>,
        spec: &ServerSpec,
    ) -> Self {
        let server_info = running
            .peer()
            .peer_info()
            .and_then(|info| info.server_info.clone())
            .map(|imp| (imp.name, imp.version));
        Self {
            running,
            stderr,
            group,
            tools: describe(&spec.name, tools),
            server_info,
        }
    }
}

async fn handshake<T, E, A>(
    spec: &ServerSpec,
    client: HubClient,
    transport: T,
) -> Result<(RunningService<RoleClient, HubClient>, Vec<Tool>), String>
where
    T: rmcp::transport::IntoTransport<RoleClient, E, A>,
    E: std::error::Error + Send + Sync + 'static,
{
    let timeout = spec.startup_timeout;
    let work = async {
        let running = client
            .serve(transport)
            .await
            .map_err(|e| handshake_reason(spec, &e))?;
        let tools = list_all_tools(running.peer()).await?;
        Ok::<_, String>((running, tools))
    };
    tokio::time::timeout(timeout, work).await.map_err(|_| {
        format!(
            "it did not finish the MCP handshake and tools/list within {}s (startup_timeout_s)",
            timeout.as_secs_f64()
        )
    })?
}

/// Follows `tools/list` pagination to the end, refusing a cursor that repeats
/// or never ends.
pub(crate) async fn list_all_tools(peer: &Peer<RoleClient>) -> Result<Vec<Tool>, String> {
    let mut tools = Vec::new();
    let mut seen = HashSet::new();
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_TOOL_PAGES {
        let page = peer
            .list_tools(Some(PaginatedRequestParams::default().with_cursor(cursor)))
            .await
            .map_err(|e| format!("tools/list failed: {e}"))?;
        tools.extend(page.tools);
        match page.next_cursor {
            None => return Ok(tools),
            Some(next) if !seen.insert(next.clone()) => {
                return Err(format!(
                    "tools/list returned cursor '{next}' twice after {} tools; the server's pagination loops",
                    tools.len()
                ));
            }
            Some(next) => cursor = Some(next),
        }
    }
    Err(format!(
        "tools/list still returned a next cursor after {MAX_TOOL_PAGES} pages ({} tools); the server's pagination never ends",
        tools.len()
    ))
}

pub(crate) fn describe(server: &str, tools: Vec<Tool>) -> Vec<ToolDescriptor> {
    tools
        .into_iter()
        .map(|tool| {
            let annotations = tool
                .annotations
                .as_ref()
                .and_then(|a| serde_json::to_value(a).ok());
            let title = tool
                .title
                .clone()
                .or_else(|| tool.annotations.as_ref().and_then(|a| a.title.clone()));
            ToolDescriptor {
                server: server.to_owned(),
                name: tool.name.into_owned(),
                title,
                description: tool.description.map(|d| d.into_owned()),
                input_schema: serde_json::Value::Object((*tool.input_schema).clone()),
                output_schema: tool
                    .output_schema
                    .map(|s| serde_json::Value::Object((*s).clone())),
                annotations,
            }
        })
        .collect()
}

/// Says why the handshake failed without the transport's Rust type names,
/// and points at the headers when an HTTP server refused the credentials.
fn handshake_reason(spec: &ServerSpec, error: &ClientInitializeError) -> String {
    let mut reason = match error {
        ClientInitializeError::TransportError { error, context } => {
            format!("the MCP handshake failed ({context}): {}", error.error)
        }
        other => format!("the MCP handshake failed: {other}"),
    };
    let refused = reason.contains("HTTP 401") || reason.contains("HTTP 403");
    if refused && let Transport::Http { .. } = spec.transport {
        reason.push_str(&format!(
            "; the server refused the request: check the headers (e.g. Authorization) configured for server '{}'",
            spec.name
        ));
    }
    reason
}

fn spawn_reason(command: &str, error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => format!(
            "command '{command}' was not found; install it or fix `command` (use a full path if it is not on PATH)"
        ),
        std::io::ErrorKind::PermissionDenied => {
            format!("command '{command}' is not executable (permission denied)")
        }
        _ => format!("command '{command}' could not be started: {error}"),
    }
}

/// The message shown when a server cannot be (re)started.
pub(crate) fn start_failure(
    spec: &ServerSpec,
    reason: &str,
    stderr_head: &[String],
    log_path: &Path,
) -> String {
    let mut message = format!(
        "MCP server '{}' failed to start: {reason}\n  {}",
        spec.name,
        spec.transport.summary()
    );
    if let Transport::Stdio { .. } = spec.transport {
        if stderr_head.is_empty() {
            message.push_str("\n  stderr: (empty)");
        } else {
            message.push_str("\n  stderr (first lines):");
            for line in stderr_head {
                message.push_str("\n    ");
                message.push_str(line);
            }
        }
        message.push_str(&format!("\n  full log: {}", log_path.display()));
    }
    message
}
