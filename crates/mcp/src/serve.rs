//! The other direction: vtcode itself as an MCP server (`vtcode mcp serve`).
//! Another agent connects over stdio and gets code mode as a couple of tools
//! (search the catalog, run code against the generated SDK). What those tools
//! do lives in core behind [`CodeModeHandler`]; this module only speaks MCP.

use std::sync::Arc;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ElicitRequestParams,
    ElicitationAction, ElicitationSchema, Implementation, ListToolsResult, PaginatedRequestParams,
    ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::{ElicitationMode, Peer, RequestContext, RoleServer};
use rmcp::{ErrorData, ServerHandler, ServiceExt};
use serde_json::{Map, Value};
use tokio::io::{AsyncRead, AsyncWrite};

use crate::types::ToolOutput;

/// One tool the server offers.
#[derive(Debug, Clone, PartialEq)]
pub struct ServedTool {
    pub name: String,
    pub description: String,
    /// A JSON Schema object.
    pub input_schema: Value,
}

/// The person behind the connected client, reached through MCP
/// elicitation when the client declared it can ask them.
#[derive(Clone)]
pub struct ClientPrompt {
    peer: Peer<RoleServer>,
}

impl ClientPrompt {
    /// Whether the client supports (form) elicitation.
    pub fn can_ask(&self) -> bool {
        self.peer
            .supported_elicitation_modes()
            .contains(&ElicitationMode::Form)
    }

    /// Asks a yes/no question; `Ok(true)` only when the user accepted and
    /// ticked `approve`. `Err` says why no answer came back.
    pub async fn confirm(&self, message: String) -> Result<bool, String> {
        let schema: ElicitationSchema = ElicitationSchema::builder()
            .required_bool("approve")
            .build_unchecked();
        let result = self
            .peer
            .create_elicitation(ElicitRequestParams::FormElicitationParams {
                meta: None,
                message,
                requested_schema: schema,
            })
            .await
            .map_err(|e| format!("the MCP client did not answer the approval question: {e}"))?;
        let approved = result
            .content
            .as_ref()
            .and_then(|c| c.get("approve"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        Ok(result.action == ElicitationAction::Accept && approved)
    }
}

/// What the served tools do. Implemented by core.
#[async_trait::async_trait]
pub trait CodeModeHandler: Send + Sync {
    /// The tools to offer, e.g. `search_tools` and `execute_code`.
    fn tools(&self) -> Vec<ServedTool>;

    /// Runs `tool`; `client` can ask the client's user to approve what the
    /// call does. `Err` is a message for the calling model (bad arguments,
    /// the program failed); it is sent as a tool result with `isError`, so
    /// the caller can read it and correct itself.
    async fn call(
        &self,
        tool: &str,
        args: Map<String, Value>,
        client: ClientPrompt,
    ) -> Result<ToolOutput, String>;
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("the MCP client did not complete the handshake: {0}")]
    Handshake(String),
    #[error("the MCP server loop stopped unexpectedly: {0}")]
    Join(#[from] tokio::task::JoinError),
}

struct CodeModeServer {
    handler: Arc<dyn CodeModeHandler>,
}

impl ServerHandler for CodeModeServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("vtcode", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "Code mode: find tools with search_tools, then call them from a short program with execute_code; only the program's output comes back.",
            )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(
            self.handler.tools().into_iter().map(to_rmcp_tool).collect(),
        ))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let known = self.handler.tools();
        if !known.iter().any(|t| t.name == request.name) {
            let names: Vec<&str> = known.iter().map(|t| t.name.as_str()).collect();
            return Err(ErrorData::invalid_params(
                format!(
                    "unknown tool '{}'; this server offers: {}",
                    request.name,
                    names.join(", ")
                ),
                None,
            ));
        }
        let args = request.arguments.unwrap_or_default();
        let client = ClientPrompt { peer: context.peer };
        let result = match self.handler.call(&request.name, args, client).await {
            Ok(output) => to_rmcp_result(output),
            Err(message) => CallToolResult::error(vec![ContentBlock::text(message)]),
        };
        Ok(CallToolResponse::Complete(result))
    }
}

fn to_rmcp_tool(tool: ServedTool) -> Tool {
    let schema = match tool.input_schema {
        Value::Object(map) => map,
        _ => {
            let mut map = Map::new();
            map.insert("type".into(), Value::String("object".into()));
            map
        }
    };
    Tool::new(tool.name, tool.description, schema)
}

fn to_rmcp_result(output: ToolOutput) -> CallToolResult {
    let content = output
        .content
        .into_iter()
        .map(|block| {
            serde_json::from_value::<ContentBlock>(block.clone())
                .unwrap_or_else(|_| ContentBlock::text(block.to_string()))
        })
        .collect();
    let mut result = if output.is_error {
        CallToolResult::error(content)
    } else {
        CallToolResult::success(content)
    };
    result.structured_content = output.structured;
    result
}

/// Serves `handler` on this process's stdin/stdout until the client leaves.
/// Nothing else may write to stdout meanwhile.
pub async fn serve_stdio(handler: Arc<dyn CodeModeHandler>) -> Result<(), ServeError> {
    serve_io(handler, tokio::io::stdin(), tokio::io::stdout()).await
}

/// Serves `handler` over any byte stream pair until the client leaves.
pub async fn serve_io<R, W>(
    handler: Arc<dyn CodeModeHandler>,
    read: R,
    write: W,
) -> Result<(), ServeError>
where
    R: AsyncRead + Send + Unpin + 'static,
    W: AsyncWrite + Send + Unpin + 'static,
{
    let running = CodeModeServer { handler }
        .serve((read, write))
        .await
        .map_err(|e| ServeError::Handshake(e.to_string()))?;
    running.waiting().await?;
    Ok(())
}
