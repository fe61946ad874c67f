//! The tool host one program runs with: every MCP call it makes passes the
//! tool gate and, when the policy asks, this turn's front end, before the
//! runtime's host makes the call. Asking holds the program's deadline.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;
use vtcode_sandbox::{TimeoutPause, ToolCallError, ToolHost};

use super::ToolContext;
use crate::agent::ApprovalMode;
use crate::agent::approvals::Asker;
use crate::approval::ToolGate;

pub(crate) struct TurnToolHost {
    inner: Arc<dyn ToolHost>,
    gate: Arc<dyn ToolGate>,
    mode: ApprovalMode,
    asker: Asker,
    /// The `execute_code` call this program runs for; questions are
    /// numbered under it so each has its own request id.
    call_id: String,
    asked: AtomicU64,
}

impl TurnToolHost {
    pub(crate) fn for_program(ctx: &ToolContext<'_>, gate: Arc<dyn ToolGate>) -> Arc<dyn ToolHost> {
        Arc::new(Self {
            inner: ctx.deps.tool_host.clone(),
            gate,
            mode: ctx.deps.approval,
            asker: ctx.asker.clone(),
            call_id: ctx.call_id.to_string(),
            asked: AtomicU64::new(0),
        })
    }
}

fn error(message: String) -> ToolCallError {
    ToolCallError { message }
}

#[async_trait::async_trait]
impl ToolHost for TurnToolHost {
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
        let n = self.asked.fetch_add(1, Ordering::Relaxed) + 1;
        let request_id = format!("{}/{n}", self.call_id);
        self.asker
            .admit_tool(&request_id, check, Some(pause))
            .await
            .map_err(error)
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
