//! The host side of the tool bridge: a call from sandboxed code, checked,
//! routed to its MCP server and turned into the value the program receives.
//!
//! Order of events for one `_vtcode.call_tool(server, tool, args)`:
//! 1. `admit`: the [`CatalogGate`] looks the tool up in the live catalog (an
//!    unknown name gets a "did you mean" answer, never a crash), validates
//!    the arguments against its input schema (a wrong argument is reported
//!    by name before any server sees it) and applies the approval policy.
//!    This host has no one to ask: a call the policy would ask about is
//!    refused with a message saying how to allow it. The agent wraps it in a
//!    host that asks the person at the front end instead;
//! 2. the hub makes the call under the server's tool timeout;
//! 3. the result becomes a plain value: structured content (unwrapped from
//!    the single-`result` wrapper Python servers add), else the text parsed
//!    as JSON when it parses, else the text.
//!
//! Every call, failed or not, is recorded as an MCP call metric (argument
//! names and value hashes, never the values).

use std::sync::Arc;
use std::time::Instant;

use serde_json::Value;
use vtcode_mcp::{McpHub, ToolOutput};
use vtcode_sandbox::{TimeoutPause, ToolCallError, ToolHost};

use super::live_catalog::LiveCatalog;
use super::tool_gate::CatalogGate;
use crate::approval::{ToolApproval, ToolGate, Verdict};
use crate::catalog::{CatalogTool, unwrap_result};
use crate::config::ApprovalMode;
use crate::metrics::{CallPath, MetricsRecorder, json_len};

pub struct HubToolHost {
    hub: Arc<McpHub>,
    catalog: LiveCatalog,
    gate: Arc<CatalogGate>,
    /// The configured mode; with no one to ask, "ask" means "refuse".
    mode: ApprovalMode,
    metrics: MetricsRecorder,
}

impl HubToolHost {
    pub fn new(
        hub: Arc<McpHub>,
        catalog: LiveCatalog,
        gate: Arc<CatalogGate>,
        mode: ApprovalMode,
    ) -> Self {
        Self {
            hub,
            catalog,
            gate,
            mode,
            metrics: MetricsRecorder::disabled(),
        }
    }

    /// Records every call in `metrics`.
    pub fn with_metrics(mut self, metrics: MetricsRecorder) -> Self {
        self.metrics = metrics;
        self
    }

    fn record(
        &self,
        server: &str,
        tool: &str,
        args: &Value,
        started: Instant,
        outcome: &Result<Value, ToolCallError>,
    ) {
        if !self.metrics.is_enabled() {
            return;
        }
        let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
        let outcome = match outcome {
            Ok(value) => Ok(json_len(value)),
            Err(err) => Err(err.message.as_str()),
        };
        self.metrics
            .record_mcp_call(server, tool, CallPath::Bridge, args, latency_ms, outcome);
    }
}

fn error(message: impl Into<String>) -> ToolCallError {
    ToolCallError {
        message: message.into(),
    }
}

/// Why a call that needs a person's yes was refused where no one can answer.
pub fn unattended_denial(request: &ToolApproval) -> String {
    format!(
        "{} needs approval ({}) and no one is here to give it, so it was not called. \
         To allow it without asking, add it to `approve = [\"{}\"]` (or set `trust`) under \
         [mcp.servers.{}] in vtcode.toml, or run with `--approval auto`",
        request.qualified_name(),
        request.annotations.describe(),
        request.tool,
        request.server
    )
}

/// What the program receives from a successful call.
pub fn result_value(tool: Option<&CatalogTool>, output: ToolOutput) -> Value {
    match output.structured {
        Some(value) => match tool.and_then(|t| t.output_schema.as_ref()) {
            Some(schema) => unwrap_result(schema, value),
            None => value,
        },
        None => {
            let text = output.text();
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        }
    }
}

#[async_trait::async_trait]
impl ToolHost for HubToolHost {
    async fn admit(
        &self,
        server: &str,
        tool: &str,
        args: &Value,
        _pause: &TimeoutPause,
    ) -> Result<(), ToolCallError> {
        let started = Instant::now();
        // An unknown tool or invalid arguments is a failed call in the
        // metrics, so insights see what programs keep getting wrong.
        let check = match self.gate.check(self.mode, server, tool, args) {
            Ok(check) => check,
            Err(message) => {
                let refused = Err(error(message));
                self.record(server, tool, args, started, &refused);
                return refused.map(|_| ());
            }
        };
        match check.verdict {
            Verdict::Allow => Ok(()),
            Verdict::Deny(reason) => Err(error(reason)),
            Verdict::Ask => Err(error(unattended_denial(&check.request))),
        }
    }

    async fn call_tool(
        &self,
        server: &str,
        tool: &str,
        args: Value,
    ) -> Result<Value, ToolCallError> {
        let catalog = self.catalog.current();
        let entry = catalog.get(server, tool);
        let args = if args.is_null() {
            Value::Object(Default::default())
        } else {
            args
        };
        let started = Instant::now();
        let result = match self.hub.call_tool(server, tool, args.clone()).await {
            Err(err) => Err(error(err.to_string())),
            Ok(output) if output.is_error => Err(error(output.text())),
            Ok(output) => Ok(result_value(entry, output)),
        };
        self.record(server, tool, &args, started, &result);
        result
    }
}
