//! The interactive UI's backend: [`UiBackend`] over core's runtime.
//!
//! Nothing here waits at startup. The runtime connects MCP servers in the
//! background, the sandbox is chosen on a background task, and the agent
//! session is created on the first turn (or by `/resume`), when the sandbox
//! it needs is ready. A missing API key does not stop the UI: turns report
//! it as an error, every command that needs no model keeps working.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use tokio::sync::{OnceCell, mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use vtcode_core::agent::{AgentSession, ApprovalHandler, SessionMode, TurnControl};
use vtcode_core::catalog::DetailLevel;
use vtcode_core::config::{ApprovalMode, ToolMode};
use vtcode_core::events::{AgentEvent, ApprovalDecision, ApprovalKind};
use vtcode_core::llm::LlmProvider;
use vtcode_core::metrics::{Summary, since_ms};
use vtcode_core::programs::Programs;
use vtcode_core::runtime::{Runtime, ServerState as CoreServerState, build_provider};
use vtcode_core::sandbox::{Sandbox, SandboxSettings};
use vtcode_core::session::{SessionStore, TranscriptEntry};

use super::code_run::run_in_sandbox;
use super::context::on_tool_change;
use crate::app::{
    BackendError, BackendResult, HistoryMessage, HistoryRole, ResumedSession, ServerInfo,
    ServerState, SessionInfo, SkillInfo, StatusSnapshot, ToolHit, TurnHandle, UiBackend,
};

type SandboxSlot = OnceCell<Result<Arc<dyn Sandbox>, String>>;

/// Settings a user changes with slash-commands; applied to the live session
/// and to any session created later.
struct Prefs {
    model: String,
    tool_mode: ToolMode,
    approval: ApprovalMode,
}

/// Approval requests waiting for the person at the keyboard.
#[derive(Default)]
struct UiApprovals {
    pending: Mutex<HashMap<String, oneshot::Sender<ApprovalDecision>>>,
}

#[async_trait]
impl ApprovalHandler for UiApprovals {
    async fn decide(
        &self,
        request_id: &str,
        _kind: ApprovalKind,
        _summary: &str,
        _body: &str,
    ) -> ApprovalDecision {
        let (tx, rx) = oneshot::channel();
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(request_id.to_string(), tx);
        rx.await.unwrap_or(ApprovalDecision::Deny {
            reason: Some("the approval prompt was closed".into()),
        })
    }
}

/// Cheap to clone: every field is shared, so a turn's task takes a copy.
#[derive(Clone)]
pub struct CoreBackend {
    runtime: Arc<Runtime>,
    provider: Result<Arc<dyn LlmProvider>, String>,
    settings: SandboxSettings,
    sandbox: Arc<SandboxSlot>,
    session: Arc<tokio::sync::Mutex<Option<AgentSession>>>,
    prefs: Arc<Mutex<Prefs>>,
    approvals: Arc<UiApprovals>,
    tokens_used: Arc<AtomicU64>,
    context_window: Arc<AtomicU64>,
    /// The current session's programs, readable while a turn holds the
    /// session; replaced with the session, so the old ones die with it.
    programs: Arc<Mutex<Option<Programs>>>,
    /// Tool changes announced by the catalog, until the UI takes them.
    notices: Arc<Mutex<Vec<String>>>,
}

impl CoreBackend {
    /// Starts choosing the sandbox in the background and returns at once.
    pub fn start(runtime: Arc<Runtime>) -> Self {
        let config = &runtime.loaded.config;
        let provider = build_provider(&config.llm).map_err(|e| e.to_string());
        let settings = vtcode_core::runtime::sandbox_settings(&runtime.loaded);
        let sandbox: Arc<SandboxSlot> = Arc::new(OnceCell::new());
        let slot = Arc::clone(&sandbox);
        let chosen = settings.clone();
        tokio::spawn(async move {
            slot.get_or_init(|| select(chosen)).await;
        });
        let notices = Arc::new(Mutex::new(Vec::new()));
        let queue = Arc::clone(&notices);
        on_tool_change(&runtime, move |line| {
            queue.lock().unwrap_or_else(|p| p.into_inner()).push(line);
        });
        let prefs = Prefs {
            model: config.llm.model.clone(),
            tool_mode: config.agent.tool_mode,
            approval: config.agent.approval,
        };
        Self {
            provider,
            settings,
            sandbox,
            session: Arc::new(tokio::sync::Mutex::new(None)),
            prefs: Arc::new(Mutex::new(prefs)),
            approvals: Arc::new(UiApprovals::default()),
            tokens_used: Arc::new(AtomicU64::new(0)),
            programs: Arc::new(Mutex::new(None)),
            context_window: Arc::new(AtomicU64::new(u64::from(
                config.llm.context_window.unwrap_or(128_000),
            ))),
            notices,
            runtime,
        }
    }

    /// Stops the sandbox pool and the servers.
    pub async fn shutdown(&self) {
        if let Some(Ok(sandbox)) = self.sandbox.get() {
            sandbox.shutdown().await;
        }
        self.runtime.shutdown().await;
    }

    fn prefs(&self) -> std::sync::MutexGuard<'_, Prefs> {
        self.prefs.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn ready_sandbox(&self) -> BackendResult<Arc<dyn Sandbox>> {
        let settings = self.settings.clone();
        match self.sandbox.get_or_init(|| select(settings)).await {
            Ok(sandbox) => Ok(Arc::clone(sandbox)),
            Err(message) => Err(BackendError::new(message)),
        }
    }

    /// A session for `mode`, with the current preferences.
    async fn open_session(&self, mode: SessionMode) -> BackendResult<AgentSession> {
        let provider = self.provider.clone().map_err(BackendError::new)?;
        let sandbox = self.ready_sandbox().await?;
        let mut deps = self.runtime.agent_deps(provider, sandbox);
        {
            let prefs = self.prefs();
            deps.model = prefs.model.clone();
            deps.tool_mode = prefs.tool_mode;
            deps.approval = prefs.approval;
        }
        let programs = deps.programs.clone();
        let session = AgentSession::new(deps, mode).map_err(BackendError::new)?;
        *self.programs.lock().unwrap_or_else(|p| p.into_inner()) = Some(programs);
        Ok(session)
    }

    fn programs(&self) -> Option<Programs> {
        self.programs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn sessions_store(&self) -> SessionStore {
        SessionStore::new(Arc::clone(&self.runtime.store))
    }
}

async fn select(settings: SandboxSettings) -> Result<Arc<dyn Sandbox>, String> {
    match vtcode_core::sandbox::select_backend(settings).await {
        Ok(selected) => {
            if let Some(notice) = selected.notice {
                tracing::warn!("{notice}");
            }
            Ok(selected.sandbox)
        }
        Err(err) => Err(err.to_string()),
    }
}

#[async_trait]
impl UiBackend for CoreBackend {
    fn start_turn(&self, input: String, events: mpsc::UnboundedSender<AgentEvent>) -> TurnHandle {
        let handle = TurnHandle::default();
        let cancel: CancellationToken = handle.cancel.clone();
        let backend = self.clone();
        tokio::spawn(async move {
            let mut slot = backend.session.lock().await;
            if slot.is_none() {
                match backend.open_session(SessionMode::New).await {
                    Ok(session) => *slot = Some(session),
                    Err(err) => {
                        let _ = events.send(AgentEvent::Error {
                            message: err.message,
                        });
                        return;
                    }
                }
            }
            let Some(session) = slot.as_mut() else {
                return;
            };
            let (tx, mut rx) = mpsc::unbounded_channel();
            let forward = {
                let tokens = Arc::clone(&backend.tokens_used);
                let window = Arc::clone(&backend.context_window);
                tokio::spawn(async move {
                    while let Some(event) = rx.recv().await {
                        if let AgentEvent::Usage {
                            session_total_tokens,
                            context_window,
                            ..
                        } = &event
                        {
                            tokens.store(*session_total_tokens, Ordering::Relaxed);
                            window.store(*context_window, Ordering::Relaxed);
                        }
                        if events.send(event).is_err() {
                            break;
                        }
                    }
                })
            };
            let control = TurnControl {
                cancel,
                approvals: backend.approvals.clone(),
                max_turns: None,
            };
            // Failures were already sent as events and recorded.
            let _ = session.run_turn(input, tx, control).await;
            let _ = forward.await;
        });
        handle
    }

    fn answer_approval(&self, request_id: &str, decision: ApprovalDecision) {
        let waiting = self
            .approvals
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(request_id);
        if let Some(tx) = waiting {
            let _ = tx.send(decision);
        }
    }

    fn take_notices(&self) -> Vec<String> {
        std::mem::take(&mut *self.notices.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn status(&self) -> StatusSnapshot {
        let statuses = self.runtime.hub.statuses();
        let (backend, pool) = match self.sandbox.get() {
            Some(Ok(sandbox)) => (sandbox.backend().to_string(), sandbox.pool_status()),
            Some(Err(_)) => ("unavailable".to_string(), None),
            None => (String::new(), None),
        };
        let prefs = self.prefs();
        let used = self.tokens_used.load(Ordering::Relaxed);
        StatusSnapshot {
            model: prefs.model.clone(),
            tokens_used: used,
            context_left: self
                .context_window
                .load(Ordering::Relaxed)
                .saturating_sub(used),
            sandbox_backend: backend,
            pool_ready: pool.as_ref().map_or(0, |p| p.ready),
            pool_target: pool.as_ref().map_or(0, |p| p.target),
            servers_up: statuses
                .iter()
                .filter(|s| s.state == CoreServerState::Ready)
                .count(),
            servers_total: statuses.len(),
            programs_running: self.programs().map_or(0, |p| p.running().len()),
            approval_mode: prefs.approval.as_str().to_string(),
            tool_mode: prefs.tool_mode.as_str().to_string(),
            api_key_hint: self.provider.as_ref().err().cloned(),
        }
    }

    fn cancel_programs(&self) -> usize {
        self.programs().map_or(0, |p| p.cancel_all())
    }

    async fn search_tools(&self, query: String) -> BackendResult<Vec<ToolHit>> {
        let catalog = self.runtime.catalog.current();
        if query.trim().is_empty() {
            return Ok(catalog
                .tools()
                .iter()
                .map(|t| ToolHit {
                    server: t.server.clone(),
                    tool: t.name.clone(),
                    description: t.summary().unwrap_or_default().to_string(),
                    score: 0.0,
                })
                .collect());
        }
        let hits = self
            .runtime
            .semantic
            .search(&catalog, &query, DetailLevel::Description, 20)
            .map_err(BackendError::new)?;
        Ok(hits
            .into_iter()
            .map(|h| ToolHit {
                server: h.server,
                tool: h.name,
                description: h.description.unwrap_or_default(),
                score: h.score as f32,
            })
            .collect())
    }

    async fn servers(&self) -> BackendResult<Vec<ServerInfo>> {
        Ok(self
            .runtime
            .hub
            .statuses()
            .into_iter()
            .map(|s| ServerInfo {
                state: match s.state {
                    CoreServerState::Ready => ServerState::Up,
                    CoreServerState::Failed { error } => ServerState::Failed { reason: error },
                    CoreServerState::Restarting { last_error, .. } => ServerState::Failed {
                        reason: format!("restarting after: {last_error}"),
                    },
                    CoreServerState::Starting | CoreServerState::Stopped => ServerState::Starting,
                },
                name: s.name,
                tools: s.tool_count,
            })
            .collect())
    }

    async fn skills(&self) -> BackendResult<Vec<SkillInfo>> {
        let listing = self.runtime.skills.refresh().map_err(BackendError::new)?;
        Ok(listing
            .skills
            .into_iter()
            .map(|row| SkillInfo {
                // A skill that calls no tool has nothing to be compatible with.
                state: listing
                    .checks
                    .get(&row.name)
                    .filter(|_| row.dependencies.as_array().is_some_and(|d| !d.is_empty()))
                    .map(|check| check.state.to_string())
                    .unwrap_or_default(),
                last_used: row
                    .last_used
                    .as_deref()
                    .and_then(|t| t.get(..10))
                    .unwrap_or("never")
                    .to_string(),
                name: row.name,
                description: row.description.lines().next().unwrap_or("").to_string(),
                version: row.version,
                uses: row.uses,
            })
            .collect())
    }

    async fn skill_file(&self, name: String) -> BackendResult<(String, Vec<String>)> {
        let skill = self
            .runtime
            .skills
            .load(&name, None)
            .map_err(BackendError::new)?;
        let path = skill.dir.join("SKILL.md");
        let text = std::fs::read_to_string(&path).map_err(BackendError::new)?;
        Ok((
            path.display().to_string(),
            text.lines().map(str::to_string).collect(),
        ))
    }

    async fn metrics(&self) -> BackendResult<Summary> {
        let runtime = Arc::clone(&self.runtime);
        tokio::task::spawn_blocking(move || {
            runtime.metrics.flush();
            let since = since_ms("24h").map_err(BackendError::new)?;
            let events = runtime
                .store
                .metric_events(since)
                .map_err(BackendError::new)?;
            Ok(Summary::from_events(&events, since))
        })
        .await
        .map_err(BackendError::new)?
    }

    async fn insights(&self) -> BackendResult<Vec<String>> {
        let runtime = Arc::clone(&self.runtime);
        tokio::task::spawn_blocking(move || {
            runtime.metrics.flush();
            runtime.insights().render_lines()
        })
        .await
        .map_err(BackendError::new)
    }

    async fn config_show(&self) -> BackendResult<Vec<String>> {
        Ok(self
            .runtime
            .loaded
            .render_show()
            .lines()
            .map(str::to_string)
            .collect())
    }

    async fn set_model(&self, name: String) -> BackendResult<String> {
        let name = name.trim().to_string();
        if name.is_empty() {
            return Ok(format!("model: {}", self.prefs().model));
        }
        self.prefs().model = name.clone();
        if let Some(session) = self.session.lock().await.as_mut() {
            let window = self.context_window.load(Ordering::Relaxed);
            session.set_model(name.clone(), window);
        }
        Ok(format!("model set to {name}"))
    }

    async fn set_tool_mode(&self, mode: String) -> BackendResult<String> {
        let mode: ToolMode = mode.trim().parse().map_err(BackendError::new)?;
        self.prefs().tool_mode = mode;
        if let Some(session) = self.session.lock().await.as_mut() {
            session.set_tool_mode(mode);
        }
        Ok(format!("tool mode set to {}", mode.as_str()))
    }

    async fn set_approval(&self, mode: String) -> BackendResult<String> {
        let mode: ApprovalMode = mode.trim().parse().map_err(BackendError::new)?;
        self.prefs().approval = mode;
        if let Some(session) = self.session.lock().await.as_mut() {
            session.set_approval(mode);
        }
        Ok(format!("approval mode set to {}", mode.as_str()))
    }

    async fn sandbox_status(&self) -> BackendResult<Vec<String>> {
        let running = self.sandbox.get().and_then(|s| s.as_ref().ok()).cloned();
        let status = vtcode_core::sandbox::sandbox_status(&self.settings, running.as_deref()).await;
        let mut lines = vec![format!("backend: {}", status.backend)];
        if let Some(engine) = &status.engine {
            lines.push(format!("engine: {}", engine.describe()));
        }
        if let Some(error) = status.docker_error {
            lines.push(format!("docker: not used: {error}"));
        }
        if let Some(image) = status.image {
            lines.push(if image.present {
                format!("image: {}", image.image)
            } else {
                format!(
                    "image: {} is missing; run `vtcode sandbox build-image`",
                    image.image
                )
            });
        }
        if let Some(pool) = status.pool {
            lines.push(format!(
                "pool: {} ready, {} busy, target {}",
                pool.ready, pool.busy, pool.target
            ));
        }
        Ok(lines)
    }

    async fn run_code(
        &self,
        language: String,
        code: String,
        events: mpsc::UnboundedSender<AgentEvent>,
    ) -> BackendResult<()> {
        let sandbox = self.ready_sandbox().await?;
        run_in_sandbox(
            &sandbox,
            &self.settings,
            self.runtime.tool_host.clone(),
            &language,
            code,
            events,
        )
        .await
        .map_err(BackendError::new)
    }

    async fn sessions(&self) -> BackendResult<Vec<SessionInfo>> {
        let list = self.sessions_store().list().map_err(BackendError::new)?;
        Ok(list
            .into_iter()
            .map(|s| SessionInfo {
                title: s.first_prompt.unwrap_or_else(|| "(no prompt yet)".into()),
                updated: s.last_activity,
                messages: s.turns as usize,
                id: s.id,
            })
            .collect())
    }

    async fn resume(&self, id: Option<String>) -> BackendResult<ResumedSession> {
        let mode = match id {
            Some(id) => SessionMode::Resume(id),
            None => SessionMode::ResumeLatest,
        };
        let session = self.open_session(mode).await?;
        let resumed = ResumedSession {
            id: session.id().to_string(),
            messages: history(session.transcript()),
        };
        *self.session.lock().await = Some(session);
        Ok(resumed)
    }

    async fn new_session(&self) -> BackendResult<String> {
        let session = self.open_session(SessionMode::New).await?;
        let id = session.id().to_string();
        *self.session.lock().await = Some(session);
        self.tokens_used.store(0, Ordering::Relaxed);
        Ok(id)
    }

    async fn compact(&self) -> BackendResult<String> {
        let mut slot = self.session.lock().await;
        let Some(session) = slot.as_mut() else {
            return Ok("nothing to compact yet".into());
        };
        match session.compact().await.map_err(BackendError::new)? {
            Some(report) => Ok(format!(
                "compacted: {} → {} tokens",
                report.tokens_before, report.tokens_after
            )),
            None => Ok("nothing to compact".into()),
        }
    }
}

/// A stored transcript as the messages the UI replays.
fn history(entries: &[TranscriptEntry]) -> Vec<HistoryMessage> {
    entries
        .iter()
        .filter_map(|entry| match entry {
            TranscriptEntry::User { content } => Some(HistoryMessage {
                role: HistoryRole::User,
                text: content.clone(),
            }),
            TranscriptEntry::Assistant { content, .. } if !content.is_empty() => {
                Some(HistoryMessage {
                    role: HistoryRole::Assistant,
                    text: content.clone(),
                })
            }
            TranscriptEntry::ToolResult { name, content, .. } => Some(HistoryMessage {
                role: HistoryRole::Tool,
                text: format!("{name}: {}", first_line(content)),
            }),
            _ => None,
        })
        .collect()
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// Opens the UI on this project; `resume` is `--resume [ID]` (empty: latest).
pub async fn run(
    loaded: vtcode_core::config::LoadedConfig,
    resume: Option<String>,
) -> anyhow::Result<std::process::ExitCode> {
    let warnings = loaded.warnings.clone();
    let runtime = Arc::new(Runtime::start(loaded)?);
    for warning in warnings {
        tracing::warn!("config: {warning}");
    }
    let backend = Arc::new(CoreBackend::start(runtime));
    let options = crate::app::UiOptions {
        resume: resume.map(|id| {
            if id.is_empty() {
                crate::app::ResumeTarget::Latest
            } else {
                crate::app::ResumeTarget::Id(id)
            }
        }),
    };
    let outcome = crate::app::run(backend.clone(), options).await;
    backend.shutdown().await;
    outcome.map(|()| std::process::ExitCode::SUCCESS)
}
