//! The gate every MCP tool call passes before it runs, whether the model
//! made it directly or a program made it through the bridge: the tool is
//! looked up in the live catalog, its arguments are checked against its
//! input schema, and the approval policy gives its verdict.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::agent_tools::function_name;
use super::live_catalog::LiveCatalog;
use crate::approval::{GateCheck, ToolApproval, ToolGate, ToolPolicy};
use crate::catalog::{CatalogTool, ToolCatalog};
use crate::config::ApprovalMode;

pub struct CatalogGate {
    catalog: LiveCatalog,
    policy: ToolPolicy,
    /// Compiled input schemas, keyed by `server.tool` and schema hash so a
    /// changed tool gets a fresh validator.
    validators: Mutex<HashMap<(String, String), Arc<jsonschema::Validator>>>,
}

impl CatalogGate {
    pub fn new(catalog: LiveCatalog, policy: ToolPolicy) -> Self {
        Self {
            catalog,
            policy,
            validators: Mutex::new(HashMap::new()),
        }
    }

    fn validator(
        &self,
        catalog: &ToolCatalog,
        tool: &CatalogTool,
        hash: &str,
    ) -> Option<Arc<jsonschema::Validator>> {
        if !catalog.has_valid_input_schema(&tool.server, &tool.name) {
            return None;
        }
        let key = (tool.qualified_name(), hash.to_string());
        let mut cache = self.validators.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(found) = cache.get(&key) {
            return Some(Arc::clone(found));
        }
        let compiled = Arc::new(jsonschema::validator_for(&tool.input_schema).ok()?);
        cache.insert(key, Arc::clone(&compiled));
        Some(compiled)
    }

    fn check_tool(
        &self,
        mode: ApprovalMode,
        catalog: &ToolCatalog,
        tool: &CatalogTool,
        args: &Value,
    ) -> Result<GateCheck, String> {
        // A program that passed no arguments passed an empty object.
        let empty = Value::Object(Default::default());
        let args = if args.is_null() { &empty } else { args };
        let hash = catalog.tool_schema_hash(tool);
        if let Some(validator) = self.validator(catalog, tool, &hash)
            && let Some(message) = invalid_arguments(tool, &validator, args)
        {
            return Err(message);
        }
        Ok(GateCheck {
            verdict: self.policy.verdict(mode, tool),
            request: ToolApproval::new(tool, hash, args.clone()),
        })
    }
}

impl ToolGate for CatalogGate {
    fn check(
        &self,
        mode: ApprovalMode,
        server: &str,
        tool: &str,
        args: &Value,
    ) -> Result<GateCheck, String> {
        let catalog = self.catalog.current();
        let Some(entry) = catalog.get(server, tool) else {
            let wanted = format!("{server}.{tool}");
            let hint = catalog
                .closest(&wanted)
                .map(|name| format!("; did you mean {name}?"))
                .unwrap_or_default();
            return Err(format!("unknown tool {wanted}{hint}"));
        };
        self.check_tool(mode, &catalog, entry, args)
    }

    fn check_function(
        &self,
        mode: ApprovalMode,
        function: &str,
        args: &Value,
    ) -> Result<GateCheck, String> {
        let catalog = self.catalog.current();
        let Some(entry) = catalog
            .tools()
            .iter()
            .find(|t| !t.builtin && function_name(&t.server, &t.name) == function)
        else {
            return Err(format!("unknown tool `{function}`"));
        };
        self.check_tool(mode, &catalog, entry, args)
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
