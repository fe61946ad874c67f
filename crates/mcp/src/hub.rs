//! The hub: the public face over the per-server supervisors. It starts them,
//! answers snapshot queries from their shared records, routes tool calls to
//! the right connection with the server's timeout, and stops everything on
//! shutdown (or when the last handle is dropped).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::ServiceError;
use rmcp::{Peer, RoleClient};
use serde_json::Value;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::error::{HubError, McpError, closest};
use crate::spec::{HubOptions, ServerSpec};
use crate::stderr::log_path;
use crate::supervisor::{Notifier, ServerEntry, supervise};
use crate::types::{HubEvent, ServerState, ServerStatus, ToolDescriptor, ToolOutput};

const EVENT_CAPACITY: usize = 256;
const SHUTDOWN_WAIT: Duration = Duration::from_secs(10);

/// Connections to every configured MCP server. Cheap to clone; all clones
/// share the same servers, which stop when the last clone is dropped.
#[derive(Clone)]
pub struct McpHub {
    inner: Arc<Inner>,
}

struct Inner {
    entries: Vec<Arc<ServerEntry>>,
    events: broadcast::Sender<HubEvent>,
    changes: watch::Sender<u64>,
    shutdown: CancellationToken,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

impl McpHub {
    /// Starts connecting to every server in the background and returns at
    /// once. Must be called inside a Tokio runtime.
    pub fn start(specs: Vec<ServerSpec>, options: HubOptions) -> Self {
        let (events, _) = broadcast::channel(EVENT_CAPACITY);
        let (changes, _) = watch::channel(0);
        let shutdown = CancellationToken::new();
        let notifier = Notifier {
            events: events.clone(),
            changes: changes.clone(),
        };
        let mut entries = Vec::with_capacity(specs.len());
        let mut tasks = Vec::with_capacity(specs.len());
        for spec in specs {
            let path = log_path(&options.log_dir, &spec.name);
            let entry = Arc::new(ServerEntry::new(spec, path));
            tasks.push(tokio::spawn(supervise(
                Arc::clone(&entry),
                notifier.clone(),
                shutdown.child_token(),
            )));
            entries.push(entry);
        }
        Self {
            inner: Arc::new(Inner {
                entries,
                events,
                changes,
                shutdown,
                tasks: Mutex::new(tasks),
            }),
        }
    }

    /// Waits until every server is Ready or Failed. Fails at once when a
    /// `required` server failed, with its name, command and stderr.
    pub async fn wait_ready(&self, timeout: Duration) -> Result<(), HubError> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut changes = self.inner.changes.subscribe();
        loop {
            changes.borrow_and_update();
            let mut pending = Vec::new();
            for entry in &self.inner.entries {
                match &entry.live().state {
                    ServerState::Failed { error } if entry.spec.required => {
                        return Err(HubError::RequiredServerFailed {
                            server: entry.spec.name.clone(),
                            message: error.clone(),
                        });
                    }
                    state if !state.is_settled() => pending.push(entry.spec.name.clone()),
                    _ => {}
                }
            }
            if pending.is_empty() {
                return Ok(());
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) | Err(_) => return Err(HubError::WaitTimeout { timeout, pending }),
            }
        }
    }

    /// One status per server, in the order they were given to `start`.
    pub fn statuses(&self) -> Vec<ServerStatus> {
        self.inner
            .entries
            .iter()
            .map(|entry| {
                let tool_count = entry.exposed_tools().len();
                let live = entry.live();
                ServerStatus {
                    name: entry.spec.name.clone(),
                    state: live.state.clone(),
                    tool_count,
                    server_info: live.server_info.clone(),
                    transport_summary: entry.spec.transport.summary(),
                    env_names: entry.spec.transport.env_names(),
                }
            })
            .collect()
    }

    /// Every exposed tool of every server, servers in `start` order and tools
    /// in the order each server listed them.
    pub fn tools(&self) -> Vec<ToolDescriptor> {
        self.inner
            .entries
            .iter()
            .flat_map(|entry| entry.exposed_tools())
            .collect()
    }

    /// Where server `name`'s stderr is logged.
    pub fn log_path(&self, server: &str) -> Option<std::path::PathBuf> {
        self.entry(server).ok().map(|e| e.log_path.clone())
    }

    /// Events for every state or tool-list change from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<HubEvent> {
        self.inner.events.subscribe()
    }

    /// Calls `tool` on `server` with `args` (a JSON object, or null for no
    /// arguments), bounded by the server's tool timeout.
    pub async fn call_tool(
        &self,
        server: &str,
        tool: &str,
        args: Value,
    ) -> Result<ToolOutput, McpError> {
        let entry = self.entry(server)?;
        let arguments = match args {
            Value::Object(map) => Some(map),
            Value::Null => None,
            other => {
                return Err(McpError::InvalidArguments {
                    server: server.to_owned(),
                    tool: tool.to_owned(),
                    got: json_kind(&other),
                });
            }
        };
        let peer = ready_peer(entry, tool)?;
        let mut params = CallToolRequestParams::new(tool.to_owned());
        if let Some(arguments) = arguments {
            params = params.with_arguments(arguments);
        }
        let timeout = entry.spec.tool_timeout;
        match tokio::time::timeout(timeout, peer.call_tool(params)).await {
            Err(_) => Err(McpError::Timeout {
                server: server.to_owned(),
                tool: tool.to_owned(),
                timeout,
            }),
            Ok(Ok(result)) => Ok(output(result)),
            Ok(Err(ServiceError::TransportClosed | ServiceError::TransportSend(_))) => {
                Err(McpError::ServerDied {
                    server: server.to_owned(),
                    tool: tool.to_owned(),
                    log: entry.log_path.clone(),
                })
            }
            Ok(Err(ServiceError::McpError(error))) => Err(McpError::Rejected {
                server: server.to_owned(),
                tool: tool.to_owned(),
                message: format!("{} (code {})", error.message, error.code.0),
            }),
            Ok(Err(other)) => Err(McpError::Rejected {
                server: server.to_owned(),
                tool: tool.to_owned(),
                message: other.to_string(),
            }),
        }
    }

    /// Stops every server: children are closed, then killed if they linger.
    pub async fn shutdown(&self) {
        self.inner.shutdown.cancel();
        let tasks = std::mem::take(
            &mut *self
                .inner
                .tasks
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        let all = futures::future::join_all(tasks);
        if tokio::time::timeout(SHUTDOWN_WAIT, all).await.is_err() {
            tracing::warn!("some MCP servers did not stop within {SHUTDOWN_WAIT:?}");
        }
    }

    fn entry(&self, server: &str) -> Result<&Arc<ServerEntry>, McpError> {
        self.inner
            .entries
            .iter()
            .find(|e| e.spec.name == server)
            .ok_or_else(|| McpError::UnknownServer {
                server: server.to_owned(),
                known: self
                    .inner
                    .entries
                    .iter()
                    .map(|e| e.spec.name.clone())
                    .collect(),
            })
    }
}

/// The connection to call `tool` on, or why there is none. Server state comes
/// first: a server that is down cannot vouch for its tool names.
fn ready_peer(entry: &ServerEntry, tool: &str) -> Result<Peer<RoleClient>, McpError> {
    let server = &entry.spec.name;
    let live = entry.live();
    let peer = match (&live.state, &live.peer) {
        (ServerState::Ready, Some(peer)) if !peer.is_transport_closed() => peer.clone(),
        (ServerState::Ready, _) => {
            return Err(McpError::ServerDied {
                server: server.clone(),
                tool: tool.to_owned(),
                log: entry.log_path.clone(),
            });
        }
        (state, _) => {
            return Err(McpError::Unavailable {
                server: server.clone(),
                tool: tool.to_owned(),
                state: state.to_string(),
                log: entry.log_path.clone(),
            });
        }
    };
    if !live.tools.iter().any(|t| t.name == tool) {
        let exposed = live
            .tools
            .iter()
            .filter(|t| entry.spec.allows_tool(&t.name));
        return Err(McpError::UnknownTool {
            server: server.clone(),
            tool: tool.to_owned(),
            suggestion: closest(tool, exposed.map(|t| t.name.as_str())),
        });
    }
    if !entry.spec.allows_tool(tool) {
        return Err(McpError::ToolDisabled {
            server: server.clone(),
            tool: tool.to_owned(),
        });
    }
    Ok(peer)
}

fn output(result: CallToolResult) -> ToolOutput {
    ToolOutput {
        content: result
            .content
            .iter()
            .filter_map(|block| serde_json::to_value(block).ok())
            .collect(),
        structured: result.structured_content,
        is_error: result.is_error.unwrap_or(false),
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
