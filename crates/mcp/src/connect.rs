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
use rmcp::service::{NotificationContext, RunningService};
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

/// A live, initialised connection and what it reported.
pub(crate) struct Connection {
    pub(crate) running: RunningService<RoleClient, HubClient>,
    pub(crate) stderr: Option<StderrCapture>,
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
            command,
            args,
            env,
            cwd,
        } => {
            if let Some(dir) = cwd
                && !dir.is_dir()
            {
                return Err(start_failure(
                    spec,
                    &format!("its working directory {} does not exist", dir.display()),
                    &[],
                    log_path,
                ));
            }
            let mut cmd = tokio::process::Command::new(command);
            cmd.args(args).envs(env).kill_on_drop(true);
            if let Some(dir) = cwd {
                cmd.current_dir(dir);
            }
            let (process, stderr) = TokioChildProcess::builder(cmd)
                .stderr(Stdio::piped())
                .spawn()
                .map_err(|e| start_failure(spec, &spawn_reason(command, &e), &[], log_path))?;
            let capture = stderr.map(|stream| {
                let header = format!(
                    "=== vtcode started MCP server '{}' (pid {}): {}\n",
                    spec.name,
                    process.id().unwrap_or_default(),
                    spec.transport.summary()
                );
                StderrCapture::spawn(stream, log_path.to_path_buf(), header)
            });
            let result = handshake(spec, client, process).await;
            match result {
                Ok((running, tools)) => Ok(Connection::new(running, capture, tools, spec)),
                Err(reason) => {
                    let head = match &capture {
                        Some(capture) => capture.head(STDERR_GRACE).await,
                        None => Vec::new(),
                    };
                    Err(start_failure(spec, &reason, &head, log_path))
                }
            }
        }
        Transport::Http { url, headers } => {
            let mut custom = HashMap::new();
            for (key, value) in headers {
                let name = HeaderName::from_bytes(key.as_bytes());
                let value = HeaderValue::from_str(value);
                match (name, value) {
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
                Ok((running, tools)) => Ok(Connection::new(running, None, tools, spec)),
                Err(reason) => Err(start_failure(spec, &reason, &[], log_path)),
            }
        }
    }
}

impl Connection {
    fn new(
        running: RunningService<RoleClient, HubClient>,
        stderr: Option<StderrCapture>,
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
            .map_err(|e| format!("the MCP handshake failed: {e}"))?;
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
