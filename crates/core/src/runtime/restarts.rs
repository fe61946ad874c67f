//! Counting MCP server restarts: the hub announces every state change; a
//! server entering a new restart attempt is one restart.

use std::collections::HashMap;
use std::sync::Arc;

use vtcode_mcp::{HubEvent, McpHub, ServerState};

use crate::metrics::{MetricEvent, MetricsRecorder};

/// Follows the hub until it goes away or the task is aborted.
pub fn follow_restarts(hub: &Arc<McpHub>, metrics: MetricsRecorder) -> tokio::task::AbortHandle {
    let hub = Arc::clone(hub);
    let mut events = hub.subscribe();
    let task = tokio::spawn(async move {
        let mut seen: HashMap<String, u32> = HashMap::new();
        while let Ok(HubEvent::StateChanged { .. })
        | Err(tokio::sync::broadcast::error::RecvError::Lagged(_))
        | Ok(HubEvent::ToolsChanged { .. }) = events.recv().await
        {
            for status in hub.statuses() {
                match status.state {
                    ServerState::Restarting { attempt, .. } => {
                        if seen.insert(status.name.clone(), attempt) != Some(attempt) {
                            metrics.record(MetricEvent::McpRestart {
                                server: status.name,
                                attempt,
                            });
                        }
                    }
                    _ => {
                        seen.remove(&status.name);
                    }
                }
            }
        }
    });
    task.abort_handle()
}
