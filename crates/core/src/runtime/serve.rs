//! `vtcode mcp serve`: code mode itself as an MCP server, so another agent
//! gets `search_tools` and `execute_code` over this project's servers
//! instead of every tool definition, plus `wait_code` and `cancel_code` for
//! programs that outlive their `execute_code` call. Those programs belong to
//! the server: they die with it.
//!
//! A tool call a program makes gets the same approval verdict as anywhere
//! else. When the verdict is "ask", the client's user is asked through MCP
//! elicitation (the program waits, its timeout paused); a client that
//! cannot be asked gets the refusal, and the message says so.
//!
//! The client is another agent's model, so `[pii]` applies at this boundary
//! as it does in a session: every text handed back (reports, errors, search
//! hits, approval questions) has its personal data and secrets replaced by
//! tokens, and tokens in what the client sends (the code of `execute_code`,
//! and the tool calls its programs make) become the values again. One
//! vault per serve process, kept in memory: the tokens mean something only
//! to the process that issued them.

use serde_json::{Map, Value, json};
use std::sync::Arc;
use vtcode_mcp::ToolOutput;
use vtcode_mcp::serve::{ClientPrompt, CodeModeHandler, ServedTool};
use vtcode_sandbox::{Language, Sandbox, SandboxSettings, TimeoutPause, ToolCallError, ToolHost};

use super::agent_tools::CatalogSearch;
use super::tool_gate::CatalogGate;
use super::tool_host::unattended_denial;
use crate::agent::pii_guard::{self, PiiGuard, RestoringHost, SharedGuard};
use crate::agent::{PiiSetup, ToolSearch, code_mode_specs};
use crate::approval::{ToolGate, Verdict};
use crate::config::ApprovalMode;
use crate::metrics::MetricsRecorder;
use crate::pii::PiiError;
use crate::programs::{self, Programs, Progress};

pub struct CodeModeService {
    search: CatalogSearch,
    sandbox: Arc<dyn Sandbox>,
    settings: SandboxSettings,
    host: Arc<dyn ToolHost>,
    programs: Programs,
    gate: Arc<CatalogGate>,
    mode: ApprovalMode,
    /// `None` when `[pii] enabled = false`.
    pii: Option<SharedGuard>,
}

impl CodeModeService {
    pub fn new(
        search: CatalogSearch,
        sandbox: Arc<dyn Sandbox>,
        settings: SandboxSettings,
        host: Arc<dyn ToolHost>,
        max_running: usize,
        gate: Arc<CatalogGate>,
        mode: ApprovalMode,
    ) -> Self {
        Self {
            search,
            sandbox,
            settings,
            host,
            programs: Programs::new(max_running),
            gate,
            mode,
            pii: None,
        }
    }

    /// Protects what the client reads with `setup`'s rules. The audit rows
    /// go under a session id of this process's own, written to the log.
    pub fn with_pii(
        mut self,
        setup: &PiiSetup,
        metrics: MetricsRecorder,
    ) -> Result<Self, PiiError> {
        let session = uuid::Uuid::new_v4().to_string();
        tracing::info!("mcp serve: PII audit rows go under session {session}");
        self.pii = Some(PiiGuard::in_memory(setup, &session, metrics)?.shared());
        Ok(self)
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
        let yield_after = programs::wait_arg(args.get("yield_after_s"), "yield_after_s")?;
        let request = self.settings.request(language, code);
        let approved: Arc<dyn ToolHost> = Arc::new(ClientApprovedHost {
            inner: Arc::clone(&self.host),
            gate: Arc::clone(&self.gate),
            mode: self.mode,
            client,
            pii: self.pii.clone(),
        });
        let host = RestoringHost::wrap(approved, self.pii.as_ref());
        let progress = self
            .programs
            .start(Arc::clone(&self.sandbox), host, request, yield_after, None)
            .await;
        self.answer(progress)
    }

    async fn wait_code(&self, args: &Map<String, Value>) -> Result<String, String> {
        let handle = handle(args, "wait_code")?;
        let timeout = programs::wait_arg(args.get("timeout_s"), "timeout_s")?;
        self.answer(self.programs.wait(handle, timeout).await)
    }

    fn cancel_code(&self, args: &Map<String, Value>) -> Result<String, String> {
        self.answer(self.programs.cancel(handle(args, "cancel_code")?))
    }

    /// The report, as the tool's text; an ended program that failed (or a
    /// call that could not run) is the tool's error.
    fn answer(&self, progress: Result<Progress, programs::ProgramError>) -> Result<String, String> {
        let progress = progress.map_err(|e| e.to_string())?;
        let report = programs::report(&progress, self.settings.timeout);
        if progress.is_error() {
            Err(report)
        } else {
            Ok(report)
        }
    }
}

fn handle<'a>(args: &'a Map<String, Value>, tool: &str) -> Result<&'a str, String> {
    args.get("handle")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{tool} needs a `handle` string (the one execute_code returned)"))
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
        let pii = self.pii.as_deref();
        let args = pii_guard::restore_map(pii, args);
        let answer = match tool {
            "search_tools" => self.search_tools(&args).await,
            "execute_code" => self.execute_code(&args, client).await,
            "wait_code" => self.wait_code(&args).await,
            "cancel_code" => self.cancel_code(&args),
            other => Err(format!(
                "unknown tool `{other}`: use search_tools, execute_code, wait_code or cancel_code"
            )),
        };
        let text = match answer {
            Ok(text) => pii_guard::protect(pii, tool, text),
            Err(text) => return Err(pii_guard::protect(pii, tool, text)),
        };
        Ok(ToolOutput {
            content: vec![json!({"type": "text", "text": text})],
            structured: None,
            is_error: false,
        })
    }
}

/// The tool host of one served program: the policy decides, and the
/// client's user answers what it asks about. The question travels through
/// the client, so it is tokenized like any other text it reads.
struct ClientApprovedHost {
    inner: Arc<dyn ToolHost>,
    gate: Arc<CatalogGate>,
    mode: ApprovalMode,
    client: ClientPrompt,
    pii: Option<SharedGuard>,
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
                let question = pii_guard::protect(
                    self.pii.as_deref(),
                    "approval",
                    format!("Allow {}?\n{}", request.summary(), request.body()),
                );
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
