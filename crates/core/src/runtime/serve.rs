//! `vtcode mcp serve`: code mode itself as an MCP server, so another agent
//! gets `search_tools` and `execute_code` over this project's servers
//! instead of every tool definition.

use std::sync::Arc;

use serde_json::{Map, Value, json};
use vtcode_mcp::ToolOutput;
use vtcode_mcp::serve::{CodeModeHandler, ServedTool};
use vtcode_sandbox::{Language, Sandbox, SandboxSettings, ToolHost};

use super::agent_tools::CatalogSearch;
use crate::agent::{ToolSearch, code_mode_specs, execution_report};

pub struct CodeModeService {
    search: CatalogSearch,
    sandbox: Arc<dyn Sandbox>,
    settings: SandboxSettings,
    host: Arc<dyn ToolHost>,
}

impl CodeModeService {
    pub fn new(
        search: CatalogSearch,
        sandbox: Arc<dyn Sandbox>,
        settings: SandboxSettings,
        host: Arc<dyn ToolHost>,
    ) -> Self {
        Self {
            search,
            sandbox,
            settings,
            host,
        }
    }

    async fn search_tools(&self, args: &Map<String, Value>) -> Result<String, String> {
        let query = args
            .get("query")
            .and_then(Value::as_str)
            .ok_or("search_tools needs a `query` string")?;
        let detail = args
            .get("detail_level")
            .and_then(Value::as_str)
            .unwrap_or("description");
        let limit = args.get("limit").and_then(Value::as_u64).unwrap_or(10);
        let limit = usize::try_from(limit.clamp(1, 50)).unwrap_or(10);
        let hits = self.search.search(query, detail, limit).await?;
        Ok(hits.to_string())
    }

    async fn execute_code(&self, args: &Map<String, Value>) -> Result<String, String> {
        let code = args
            .get("code")
            .and_then(Value::as_str)
            .ok_or("execute_code needs a `code` string")?;
        let language = match args.get("language").and_then(Value::as_str) {
            None | Some("python" | "py") => Language::Python,
            Some("javascript" | "js") => Language::Javascript,
            Some(other) => return Err(format!("language `{other}` is not python or javascript")),
        };
        let request = self.settings.request(language, code);
        let result = self
            .sandbox
            .execute(request, Arc::clone(&self.host), None)
            .await
            .map_err(|e| format!("the sandbox could not run the program: {e}"))?;
        let report = execution_report(&result, self.settings.timeout.as_secs_f64());
        if result.status == vtcode_sandbox::ExecStatus::Ok {
            Ok(report)
        } else {
            Err(report)
        }
    }
}

#[async_trait::async_trait]
impl CodeModeHandler for CodeModeService {
    fn tools(&self) -> Vec<ServedTool> {
        code_mode_specs()
            .into_iter()
            .map(|spec| ServedTool {
                name: spec.name,
                description: spec.description,
                input_schema: spec.parameters,
            })
            .collect()
    }

    async fn call(&self, tool: &str, args: Map<String, Value>) -> Result<ToolOutput, String> {
        let text = match tool {
            "search_tools" => self.search_tools(&args).await?,
            "execute_code" => self.execute_code(&args).await?,
            other => {
                return Err(format!(
                    "unknown tool `{other}`: use search_tools or execute_code"
                ));
            }
        };
        Ok(ToolOutput {
            content: vec![json!({"type": "text", "text": text})],
            structured: None,
            is_error: false,
        })
    }
}
