//! `vtcode mcp serve`: code mode itself as an MCP server, so another agent
//! gets `search_tools` and `execute_code` over this project's servers
//! instead of every tool definition.
//!
//! A tool call a program makes gets the same approval verdict as anywhere
//! else. When the verdict is "ask", the client's user is asked through MCP
//! elicitation (the program waits, its timeout paused); a client that
//! cannot be asked gets the refusal, and the message says so.

use std::sync::Arc;

use serde_json::{Map, Value, json};
use vtcode_mcp::ToolOutput;
use vtcode_mcp::serve::{ClientPrompt, CodeModeHandler, ServedTool};
use vtcode_sandbox::{Language, Sandbox, SandboxSettings, TimeoutPause, ToolCallError, ToolHost};

use super::agent_tools::CatalogSearch;
use super::tool_gate::CatalogGate;
use super::tool_host::unattended_denial;
use crate::agent::{ToolSearch, code_mode_specs, execution_report};
use crate::approval::{ToolGate, Verdict};
use crate::config::ApprovalMode;

pub struct CodeModeService {
    search: CatalogSearch,
    sandbox: Arc<dyn Sandbox>,
    settings: SandboxSettings,
    host: Arc<dyn ToolHost>,
    gate: Arc<CatalogGate>,
    mode: ApprovalMode,
}

impl CodeModeService {
    pub fn new(
        search: CatalogSearch,
        sandbox: Arc<dyn Sandbox>,
        settings: SandboxSettings,
        host: Arc<dyn ToolHost>,
        gate: Arc<CatalogGate>,
        mode: ApprovalMode,
    ) -> Self {
        Self {
            search,
            sandbox,
            settings,
            host,
            gate,
            mode,
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

    async fn execute_code(
        &self,
        args: &Map<String, Value>,
        client: ClientPrompt,
    ) -> Result<String, String> {
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
        let host = Arc::new(ClientApprovedHost {
            inner: Arc::clone(&self.host),
            gate: Arc::clone(&self.gate),
            mode: self.mode,
            client,
        });
        let result = self
            .sandbox
            .execute(request, host, None)
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

    async fn call(
        &self,
        tool: &str,
        args: Map<String, Value>,
        client: ClientPrompt,
    ) -> Result<ToolOutput, String> {
        let text = match tool {
            "search_tools" => self.search_tools(&args).await?,
            "execute_code" => self.execute_code(&args, client).await?,
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

/// The tool host of one served program: the policy decides, and the
/// client's user answers what it asks about.
struct ClientApprovedHost {
    inner: Arc<dyn ToolHost>,
    gate: Arc<CatalogGate>,
    mode: ApprovalMode,
    client: ClientPrompt,
}

fn error(message: String) -> ToolCallError {
    ToolCallError { message }
}

#[async_trait::async_trait]
impl ToolHost for ClientApprovedHost {
    async fn admit(
        &self,
        server: &str,
        tool: &str,
        args: &Value,
        pause: &TimeoutPause,
    ) -> Result<(), ToolCallError> {
        let check = self
            .gate
            .check(self.mode, server, tool, args)
            .map_err(error)?;
        let request = check.request;
        match check.verdict {
            Verdict::Allow => Ok(()),
            Verdict::Deny(reason) => Err(error(reason)),
            Verdict::Ask if !self.client.can_ask() => Err(error(format!(
                "{} (this MCP client does not support elicitation, so vtcode cannot ask its user)",
                unattended_denial(&request)
            ))),
            Verdict::Ask => {
                let _held = pause.hold();
                let question = format!("Allow {}?\n{}", request.summary(), request.body());
                match self.client.confirm(question).await {
                    Ok(true) => Ok(()),
                    Ok(false) => Err(error(
                        "denied by the user: declined through the MCP client".to_string(),
                    )),
                    Err(why) => Err(error(why)),
                }
            }
        }
    }

    async fn call_tool(
        &self,
        server: &str,
        tool: &str,
        args: Value,
    ) -> Result<Value, ToolCallError> {
        self.inner.call_tool(server, tool, args).await
    }
}
