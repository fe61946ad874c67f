//! What the agent tests share: the scripted model server (a real process on
//! 127.0.0.1), a real MCP hub running fixture or reference servers, and the
//! small adapters a front end writes over that hub (search, direct tools,
//! tool host). Each test gets its own temp workspace and database.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use vtcode_core::agent::{
    AgentDeps, AgentError, AgentSession, ApprovalHandler, ApprovalMode, ToolMode, TurnControl,
    TurnOutcome,
};
use vtcode_core::approval::ToolPolicy;
use vtcode_core::events::{AgentEvent, ApprovalDecision, ApprovalKind};
use vtcode_core::exec::{ExecOptions, ExecSummary, run_exec};
use vtcode_core::runtime::{CatalogGate, CatalogSearch, HubDirectTools, HubToolHost, LiveCatalog};
use vtcode_core::session::SessionStore;
use vtcode_core::store::Store;
use vtcode_llm::testing::ScriptedServer;
use vtcode_llm::{ProviderKind, ProviderSettings, RetryPolicy, build_provider};
use vtcode_mcp::{HubOptions, McpHub, ServerSpec};
use vtcode_sandbox::{
    Backend, DockerSandbox, ExecRequest, ExecResult, Mounts, ProcessSandbox, Sandbox, SandboxError,
    SandboxSettings, ToolHost,
};

/// Upper bound for any one test, so nothing hangs CI.
pub const TEST_TIMEOUT: Duration = Duration::from_secs(180);
const HUB_STARTUP: Duration = Duration::from_secs(120);

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

pub fn python() -> String {
    vtcode_llm::testing::test_python()
        .unwrap_or_else(|e| panic!("{e}"))
        .to_string_lossy()
        .into_owned()
}

/// Starts the scripted model with `turns` (see scripted_llm.py).
pub fn scripted(turns: Value) -> ScriptedServer {
    ScriptedServer::start(&turns).unwrap_or_else(|e| panic!("scripted LLM server: {e}"))
}

/// The model requests the server received (not the summary ones).
pub fn bodies(server: &ScriptedServer) -> Vec<Value> {
    server
        .requests()
        .unwrap()
        .into_iter()
        .map(|r| r["body"].clone())
        .collect()
}

/// The fixture server `tests/fixtures/mcp/<script>` as server `name`.
pub fn fixture_spec(name: &str, script: &str, args: &[&str]) -> ServerSpec {
    let script = repo_root().join("tests/fixtures/mcp").join(script);
    let mut argv = vec![script.to_string_lossy().into_owned()];
    argv.extend(args.iter().map(|a| a.to_string()));
    let mut spec = ServerSpec::stdio(name, python(), argv);
    spec.startup_timeout = HUB_STARTUP;
    spec
}

pub async fn start_hub(specs: Vec<ServerSpec>, log_dir: &Path) -> Arc<McpHub> {
    let hub = McpHub::start(
        specs,
        HubOptions {
            log_dir: log_dir.to_path_buf(),
        },
    );
    hub.wait_ready(HUB_STARTUP).await.unwrap();
    Arc::new(hub)
}

/// For tests that never run code: says so if the model tries.
pub struct NoSandbox;

#[async_trait::async_trait]
impl Sandbox for NoSandbox {
    fn backend(&self) -> &'static str {
        "none"
    }

    async fn execute(
        &self,
        _: ExecRequest,
        _: Arc<dyn ToolHost>,
        _: Option<vtcode_sandbox::OutputSink>,
    ) -> Result<ExecResult, SandboxError> {
        Err(SandboxError::Unavailable(
            "this test runs no sandbox".to_string(),
        ))
    }
}

/// A test's surroundings: a workspace, a database, a model server, a hub.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub server: ScriptedServer,
    pub hub: Arc<McpHub>,
    pub catalog: LiveCatalog,
    pub store: SessionStore,
}

impl Env {
    pub async fn new(turns: Value) -> Self {
        Self::with_fixture(turns, "records", "records_server.py").await
    }

    /// Surroundings whose hub runs tests/fixtures/mcp/`script` as `name`.
    pub async fn with_fixture(turns: Value, name: &str, script: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self::with_hub(dir, turns, vec![fixture_spec(name, script, &[])]).await
    }

    /// Like `new`, in `dir`, with the hub running `specs`.
    pub async fn with_hub(dir: tempfile::TempDir, turns: Value, specs: Vec<ServerSpec>) -> Self {
        std::fs::create_dir_all(dir.path().join("ws")).unwrap();
        std::fs::create_dir_all(dir.path().join("logs")).unwrap();
        let server = scripted(turns);
        let hub = start_hub(specs, &dir.path().join("logs")).await;
        let db = Arc::new(Store::open(dir.path().join("vtcode.db")).unwrap());
        let store = SessionStore::new(db.clone());
        // Publishes the SDK under `sdk/` the way the product does.
        let catalog = LiveCatalog::new(hub.clone(), Some(db), Some(dir.path().join("sdk")));
        Self {
            dir,
            server,
            hub,
            catalog,
            store,
        }
    }

    pub fn mounts(&self) -> Mounts {
        Mounts {
            workspace: Some(self.workspace()),
            workspace_writable: false,
            state: None,
            sdk: Some(self.dir.path().join("sdk")),
            skills: None,
        }
    }

    /// A real sandbox of `backend` with this test's mounts. Docker needs
    /// the image (`scripts/build-sandbox-image.sh`) and fails, never skips,
    /// without an engine.
    pub async fn sandbox(&self, backend: Backend) -> Arc<dyn Sandbox> {
        let settings = SandboxSettings {
            backend,
            pool_size: 1,
            timeout: Duration::from_secs(10),
            tool_timeout: Duration::from_secs(20),
            output_bytes: 64 * 1024,
            mounts: self.mounts(),
            project: Some("vtcode-agent-tests".into()),
            ..SandboxSettings::default()
        };
        match backend {
            Backend::Docker => {
                if let Err(e) = vtcode_sandbox::connect_docker().await {
                    panic!("this test needs a Docker engine: {e}");
                }
                vtcode_sandbox::build_image(&vtcode_sandbox::SandboxSettings::default(), &|line| {
                    eprintln!("{line}")
                })
                .await
                .expect("building the sandbox image");
                Arc::new(
                    DockerSandbox::start(settings)
                        .await
                        .expect("docker sandbox"),
                )
            }
            _ => Arc::new(ProcessSandbox::start(settings).expect("process sandbox")),
        }
    }

    pub fn workspace(&self) -> PathBuf {
        self.dir.path().join("ws")
    }

    pub fn deps(&self, mode: ToolMode, approval: ApprovalMode) -> AgentDeps {
        self.deps_with(mode, approval, Arc::new(NoSandbox))
    }

    /// A client of the scripted server speaking `kind`'s API, with short
    /// retry backoffs.
    pub fn provider(&self, kind: ProviderKind) -> Arc<dyn vtcode_llm::LlmProvider> {
        let base_url = match kind {
            ProviderKind::OpenAi => self.server.openai_base_url(),
            ProviderKind::Anthropic => self.server.anthropic_base_url(),
        };
        build_provider(ProviderSettings {
            provider: kind,
            model: "scripted-model".into(),
            base_url: Some(base_url),
            api_key: None,
            max_tokens: None,
            temperature: None,
            retry: RetryPolicy {
                max_attempts: 2,
                initial_backoff: Duration::from_millis(50),
                max_backoff: Duration::from_millis(200),
                max_retry_after: Duration::from_secs(5),
            },
        })
        .unwrap()
    }

    pub fn deps_with(
        &self,
        mode: ToolMode,
        approval: ApprovalMode,
        sandbox: Arc<dyn Sandbox>,
    ) -> AgentDeps {
        let provider = self.provider(ProviderKind::OpenAi);
        let gate = Arc::new(CatalogGate::new(
            self.catalog.clone(),
            ToolPolicy::default(),
        ));
        AgentDeps {
            provider,
            model: "scripted-model".into(),
            context_window: 128_000,
            tool_mode: mode,
            approval,
            sandbox,
            tool_host: Arc::new(HubToolHost::new(
                self.hub.clone(),
                self.catalog.clone(),
                gate.clone(),
                approval,
            )),
            tool_gate: Some(gate),
            mounts: self.mounts(),
            exec_timeout: Duration::from_secs(10),
            search: Arc::new(CatalogSearch::new(self.catalog.clone())),
            direct_tools: Arc::new(HubDirectTools::new(self.hub.clone(), self.catalog.clone())),
            workspace_root: self.workspace(),
            sessions: Some(self.store.clone()),
            tool_output_bytes: 16 * 1024,
            skills_summary: None,
            skills: None,
            metrics: vtcode_core::metrics::MetricsRecorder::disabled(),
            lessons: None,
            programs: vtcode_core::programs::Programs::new(4),
            pii: None,
        }
    }
}

/// Answers every approval with the same decision, and counts the asks.
pub struct Answer {
    pub decision: ApprovalDecision,
    pub asked: Mutex<Vec<(ApprovalKind, String)>>,
}

impl Answer {
    pub fn new(decision: ApprovalDecision) -> Arc<Self> {
        Arc::new(Self {
            decision,
            asked: Mutex::new(Vec::new()),
        })
    }

    pub fn asks(&self) -> usize {
        self.asked.lock().unwrap().len()
    }
}

#[async_trait::async_trait]
impl ApprovalHandler for Answer {
    async fn decide(
        &self,
        _request_id: &str,
        kind: ApprovalKind,
        summary: &str,
        _body: &str,
    ) -> ApprovalDecision {
        self.asked.lock().unwrap().push((kind, summary.to_string()));
        self.decision.clone()
    }
}

pub fn control(approvals: Arc<dyn ApprovalHandler>) -> TurnControl {
    TurnControl {
        cancel: CancellationToken::new(),
        approvals,
        max_turns: Some(20),
    }
}

/// Runs one turn with auto-approval, returning its result and every event.
pub async fn turn(
    session: &mut AgentSession,
    input: &str,
) -> (Result<TurnOutcome, AgentError>, Vec<AgentEvent>) {
    turn_with(session, input, control(Answer::new(ApprovalDecision::Once))).await
}

pub async fn turn_with(
    session: &mut AgentSession,
    input: &str,
    control: TurnControl,
) -> (Result<TurnOutcome, AgentError>, Vec<AgentEvent>) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let result = tokio::time::timeout(TEST_TIMEOUT, session.run_turn(input.into(), tx, control))
        .await
        .expect("turn timed out");
    let mut events = Vec::new();
    while let Ok(e) = rx.try_recv() {
        events.push(e);
    }
    (result, events)
}

/// The results of tool calls in `events`: (name, output, is_error).
pub fn tool_results(events: &[AgentEvent]) -> Vec<(String, String, bool)> {
    events
        .iter()
        .filter_map(|e| match e {
            AgentEvent::ToolCallFinished {
                name,
                output,
                is_error,
                ..
            } => Some((name.clone(), output.clone(), *is_error)),
            _ => None,
        })
        .collect()
}

/// The question of the data-heavy task.
pub const RECORDS_TASK: &str =
    "How many shipped EMEA orders are there, what is their revenue, and which product earned most?";
/// The scripted model's closing answer to it.
pub const RECORDS_ANSWER: &str = "I aggregated the shipped EMEA orders from the records server.";

/// The scripted model's side of the data-heavy task in `mode`: in code mode
/// it finds the tool, then sends the program in
/// tests/fixtures/llm/scripts/records_program.py; in direct mode it calls
/// the tool and reads the raw result.
pub fn records_task_script(mode: ToolMode) -> Value {
    match mode {
        ToolMode::Code => {
            let program = std::fs::read_to_string(
                repo_root().join("tests/fixtures/llm/scripts/records_program.py"),
            )
            .unwrap();
            serde_json::json!([
                {"tool_calls": [{"id": "s1", "name": "search_tools", "arguments": {"query": "list sales records", "detail_level": "full", "limit": 3}}]},
                {"tool_calls": [{"id": "e1", "name": "execute_code", "arguments": {"language": "python", "code": program}}]},
                {"text": RECORDS_ANSWER}
            ])
        }
        ToolMode::Direct => serde_json::json!([
            {"tool_calls": [{"id": "d1", "name": "records__list_records", "arguments": {}}]},
            {"text": RECORDS_ANSWER}
        ]),
    }
}

/// What the program should find, computed here from the server's own data.
pub async fn records_expected(hub: &McpHub) -> (u64, f64) {
    let out = hub
        .call_tool("records", "list_records", serde_json::json!({}))
        .await
        .unwrap();
    let text = out.text();
    let data: Value = out
        .structured
        .unwrap_or_else(|| serde_json::from_str(&text).unwrap());
    let data = data.get("result").cloned().unwrap_or(data);
    let rows: Vec<&Value> = data["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["region"] == "emea" && r["status"] == "shipped")
        .collect();
    let revenue: f64 = rows.iter().map(|r| r["total"].as_f64().unwrap()).sum();
    (rows.len() as u64, (revenue * 100.0).round() / 100.0)
}

/// Runs `vtcode exec`'s logic, returning its result, stdout and stderr.
pub async fn exec(
    deps: AgentDeps,
    options: ExecOptions,
) -> (Result<ExecSummary, AgentError>, String, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let result = tokio::time::timeout(TEST_TIMEOUT, run_exec(deps, options, &mut out, &mut err))
        .await
        .expect("exec timed out");
    (
        result,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}
