//! The host side of the tool bridge: a call from sandboxed code, checked,
//! routed to its MCP server and turned into the value the program receives.
//!
//! Order of events for one `_vtcode.call_tool(server, tool, args)`:
//! 1. the tool is looked up in the live catalog (an unknown name gets a
//!    "did you mean" answer, never a crash);
//! 2. the arguments are validated against the tool's input schema, so a
//!    wrong argument is reported by name before any server sees it;
//! 3. the hub makes the call under the server's tool timeout;
//! 4. the result becomes a plain value: structured content (unwrapped from
//!    the single-`result` wrapper Python servers add), else the text parsed
//!    as JSON when it parses, else the text.
//!
//! Every call, failed or not, is recorded as an MCP call metric (argument
//! names and value hashes, never the values).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::Value;
use vtcode_mcp::{McpHub, ToolOutput};
use vtcode_sandbox::{ToolCallError, ToolHost};

use crate::catalog::{CatalogTool, ToolCatalog, unwrap_result};
use crate::metrics::{CallPath, MetricsRecorder, json_len};

use super::live_catalog::LiveCatalog;

pub struct HubToolHost {
    hub: Arc<McpHub>,
    catalog: LiveCatalog,
    /// Compiled input schemas, keyed by `server.tool` and schema hash so a
    /// changed tool gets a fresh validator.
    validators: Mutex<HashMap<(String, String), Arc<jsonschema::Validator>>>,
    metrics: MetricsRecorder,
}

impl HubToolHost {
    pub fn new(hub: Arc<McpHub>, catalog: LiveCatalog) -> Self {
        Self {
            hub,
            catalog,
            validators: Mutex::new(HashMap::new()),
            metrics: MetricsRecorder::disabled(),
        }
    }

    /// Records every call in `metrics`.
    pub fn with_metrics(mut self, metrics: MetricsRecorder) -> Self {
        self.metrics = metrics;
        self
    }

    async fn checked_call(
        &self,
        server: &str,
        tool: &str,
        args: &Value,
    ) -> Result<Value, ToolCallError> {
        let catalog = self.catalog.current();
        let Some(entry) = catalog.get(server, tool) else {
            let wanted = format!("{server}.{tool}");
            let hint = catalog
                .closest(&wanted)
                .map(|name| format!("; did you mean {name}?"))
                .unwrap_or_default();
            return Err(error(format!("unknown tool {wanted}{hint}")));
        };
        if let Some(validator) = self.validator(&catalog, entry)
            && let Some(message) = invalid_arguments(entry, &validator, args)
        {
            return Err(error(message));
        }
        let output = self
            .hub
            .call_tool(server, tool, args.clone())
            .await
            .map_err(|err| error(err.to_string()))?;
        if output.is_error {
            return Err(error(output.text()));
        }
        Ok(result_value(Some(entry), output))
    }

    fn validator(
        &self,
        catalog: &ToolCatalog,
        tool: &CatalogTool,
    ) -> Option<Arc<jsonschema::Validator>> {
        if !catalog.has_valid_input_schema(&tool.server, &tool.name) {
            return None;
        }
        let key = (tool.qualified_name(), catalog.tool_schema_hash(tool));
        let mut cache = self.validators.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(found) = cache.get(&key) {
            return Some(Arc::clone(found));
        }
        let compiled = Arc::new(jsonschema::validator_for(&tool.input_schema).ok()?);
        cache.insert(key, Arc::clone(&compiled));
        Some(compiled)
    }
}

fn error(message: impl Into<String>) -> ToolCallError {
    ToolCallError {
        message: message.into(),
    }
}

/// Every schema violation in one message, each with where it is.
fn invalid_arguments(
    tool: &CatalogTool,
    validator: &jsonschema::Validator,
    args: &Value,
) -> Option<String> {
    let problems: Vec<String> = validator
        .iter_errors(args)
        .map(|err| {
            let at = err.instance_path().to_string();
            if at.is_empty() {
                err.to_string()
            } else {
                format!("{at}: {err}")
            }
        })
        .collect();
    if problems.is_empty() {
        return None;
    }
    Some(format!(
        "invalid arguments for {}: {}",
        tool.qualified_name(),
        problems.join("; ")
    ))
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
    async fn call_tool(
        &self,
        server: &str,
        tool: &str,
        args: Value,
    ) -> Result<Value, ToolCallError> {
        let args = if args.is_null() {
            Value::Object(Default::default())
        } else {
            args
        };
        let started = Instant::now();
        let result = self.checked_call(server, tool, &args).await;
        if self.metrics.is_enabled() {
            let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
            let outcome = match &result {
                Ok(value) => Ok(json_len(value)),
                Err(err) => Err(err.message.as_str()),
            };
            self.metrics.record_mcp_call(
                server,
                tool,
                CallPath::Bridge,
                &args,
                latency_ms,
                outcome,
            );
        }
        result
    }
}
