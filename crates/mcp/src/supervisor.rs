//! One background task per server. It owns the connection and is the only
//! writer of the server's shared record: it connects, publishes Ready with the
//! tool list, re-lists on `tools/list_changed`, and when the connection dies
//! marks the server Restarting at once (so calls fail fast) and reconnects
//! with exponential backoff until it is back or the attempts run out.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rmcp::{Peer, RoleClient};
use tokio::sync::{broadcast, mpsc, watch};
use tokio_util::sync::CancellationToken;

use crate::connect::{self, Connection, STDERR_GRACE};
use crate::spec::ServerSpec;
use crate::stderr::StderrCapture;
use crate::types::{HubEvent, ServerState, ToolDescriptor};

/// Restarts tried in a row before a dead server is declared Failed.
pub(crate) const MAX_RESTARTS: u32 = 5;
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(8);
/// A connection that stayed up this long resets the restart count.
const STABLE_UPTIME: Duration = Duration::from_secs(30);

/// What the hub knows about one server right now.
pub(crate) struct Live {
    pub(crate) state: ServerState,
    /// Present only while Ready.
    pub(crate) peer: Option<Peer<RoleClient>>,
    /// Unfiltered; kept while Restarting so the catalog does not flicker.
    pub(crate) tools: Vec<ToolDescriptor>,
    pub(crate) server_info: Option<(String, String)>,
}

pub(crate) struct ServerEntry {
    pub(crate) spec: ServerSpec,
    pub(crate) log_path: PathBuf,
    live: Mutex<Live>,
}

impl ServerEntry {
    pub(crate) fn new(spec: ServerSpec, log_path: PathBuf) -> Self {
        Self {
            spec,
            log_path,
            live: Mutex::new(Live {
                state: ServerState::Starting,
                peer: None,
                tools: Vec::new(),
                server_info: None,
            }),
        }
    }

    pub(crate) fn live(&self) -> MutexGuard<'_, Live> {
        self.live
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Tools after the enabled/disabled filters.
    pub(crate) fn exposed_tools(&self) -> Vec<ToolDescriptor> {
        self.live()
            .tools
            .iter()
            .filter(|t| self.spec.allows_tool(&t.name))
            .cloned()
            .collect()
    }
}

/// How the supervisor tells the rest of the hub that something changed.
#[derive(Clone)]
pub(crate) struct Notifier {
    pub(crate) events: broadcast::Sender<HubEvent>,
    /// Bumped on every state change; `wait_ready` watches it.
    pub(crate) changes: watch::Sender<u64>,
}

impl Notifier {
    fn set_state(&self, entry: &ServerEntry, state: ServerState) {
        {
            let mut live = entry.live();
            if !matches!(state, ServerState::Ready) {
                live.peer = None;
            }
            if matches!(state, ServerState::Failed { .. } | ServerState::Stopped) {
                live.tools.clear();
            }
            live.state = state;
        }
        self.changed(HubEvent::StateChanged {
            server: entry.spec.name.clone(),
        });
    }

    fn changed(&self, event: HubEvent) {
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
        let _ = self.events.send(event);
    }
}

/// Runs server `entry` until `shutdown` fires or it fails for good.
pub(crate) async fn supervise(
    entry: Arc<ServerEntry>,
    notifier: Notifier,
    shutdown: CancellationToken,
) {
    let (tx, rx) = mpsc::unbounded_channel();
    let first = tokio::select! {
        result = connect::connect(&entry.spec, &entry.log_path, tx) => result,
        () = shutdown.cancelled() => return notifier.set_state(&entry, ServerState::Stopped),
    };
    let mut connection = match first {
        Ok(connection) => (connection, rx),
        Err(error) => return notifier.set_state(&entry, ServerState::Failed { error }),
    };
    let mut attempt = 0;
    loop {
        let (conn, rx) = connection;
        let since = Instant::now();
        let Some(stderr) = serve(&entry, &notifier, conn, rx, &shutdown).await else {
            return notifier.set_state(&entry, ServerState::Stopped);
        };
        if since.elapsed() >= STABLE_UPTIME {
            attempt = 0;
        }
        // Mark the server down before reading its last words, so calls fail
        // fast from this moment on.
        let mut death = "the connection closed (the server process exited or hung up)".to_owned();
        notifier.set_state(
            &entry,
            ServerState::Restarting {
                attempt: attempt + 1,
                last_error: death.clone(),
            },
        );
        if let Some(stderr) = stderr {
            let tail = stderr.tail(STDERR_GRACE).await;
            if !tail.is_empty() {
                death.push_str("; last stderr lines: ");
                death.push_str(&tail.join(" | "));
            }
        }
        tracing::warn!(server = %entry.spec.name, %death, "MCP server connection lost");
        connection = match restart(&entry, &notifier, &shutdown, &mut attempt, death).await {
            Restart::Back(conn, rx) => (*conn, rx),
            Restart::Stop => return notifier.set_state(&entry, ServerState::Stopped),
            Restart::GiveUp(error) => {
                return notifier.set_state(&entry, ServerState::Failed { error });
            }
        };
    }
}

enum Restart {
    Back(Box<Connection>, mpsc::UnboundedReceiver<()>),
    Stop,
    GiveUp(String),
}

async fn restart(
    entry: &ServerEntry,
    notifier: &Notifier,
    shutdown: &CancellationToken,
    attempt: &mut u32,
    mut last_error: String,
) -> Restart {
    while *attempt < MAX_RESTARTS {
        *attempt += 1;
        let state = ServerState::Restarting {
            attempt: *attempt,
            last_error: last_error.clone(),
        };
        notifier.set_state(entry, state);
        let backoff = FIRST_BACKOFF
            .saturating_mul(1 << (*attempt - 1))
            .min(MAX_BACKOFF);
        let (tx, rx) = mpsc::unbounded_channel();
        let result = tokio::select! {
            () = shutdown.cancelled() => return Restart::Stop,
            result = async {
                tokio::time::sleep(backoff).await;
                connect::connect(&entry.spec, &entry.log_path, tx).await
            } => result,
        };
        match result {
            Ok(conn) => return Restart::Back(Box::new(conn), rx),
            Err(error) => last_error = error,
        }
    }
    Restart::GiveUp(format!(
        "MCP server '{}' stopped working and did not come back after {MAX_RESTARTS} restarts; last error: {last_error}",
        entry.spec.name
    ))
}

/// Serves one live connection. Returns when it dies (with the process's
/// stderr, if any, to quote), or `None` on shutdown.
async fn serve(
    entry: &ServerEntry,
    notifier: &Notifier,
    conn: Connection,
    mut list_changed: mpsc::UnboundedReceiver<()>,
    shutdown: &CancellationToken,
) -> Option<Option<StderrCapture>> {
    let peer = conn.running.peer().clone();
    let stop = conn.running.cancellation_token();
    let stderr = conn.stderr;
    // Held until this connection is over; dropping it kills what is left.
    let _group = conn.group;
    {
        let mut live = entry.live();
        live.tools = conn.tools;
        live.server_info = conn.server_info;
        live.peer = Some(peer.clone());
        live.state = ServerState::Ready;
    }
    let server = entry.spec.name.clone();
    notifier.changed(HubEvent::StateChanged {
        server: server.clone(),
    });
    notifier.changed(HubEvent::ToolsChanged { server });
    let waiting = conn.running.waiting();
    tokio::pin!(waiting);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => {
                stop.cancel();
                let _ = tokio::time::timeout(Duration::from_secs(5), &mut waiting).await;
                return None;
            }
            _ = &mut waiting => return Some(stderr),
            Some(()) = list_changed.recv() => {
                while list_changed.try_recv().is_ok() {}
                relist(entry, notifier, &peer).await;
            }
        }
    }
}

async fn relist(entry: &ServerEntry, notifier: &Notifier, peer: &Peer<RoleClient>) {
    let listed = tokio::time::timeout(entry.spec.tool_timeout, connect::list_all_tools(peer)).await;
    match listed {
        Ok(Ok(tools)) => {
            entry.live().tools = connect::describe(&entry.spec.name, tools);
            notifier.changed(HubEvent::ToolsChanged {
                server: entry.spec.name.clone(),
            });
        }
        Ok(Err(error)) => {
            tracing::warn!(server = %entry.spec.name, %error, "re-listing tools after list_changed failed");
        }
        Err(_) => {
            tracing::warn!(server = %entry.spec.name, "re-listing tools after list_changed timed out");
        }
    }
}
