//! The UI's only view of core.
//!
//! The UI holds no business logic: it renders [`AgentEvent`]s and the plain,
//! display-ready data returned here, and turns keys into calls on
//! [`UiBackend`]. The binary implements the trait over core's runtime; tests
//! implement it with fixed data. Anything slow (MCP servers, the sandbox
//! pool) is reported through [`UiBackend::status`], which the UI polls on a
//! tick, so opening the UI never waits for it.

use async_trait::async_trait;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use vtcode_core::events::{AgentEvent, ApprovalDecision};

/// A running turn. Cancelling the token stops the turn; the backend drops
/// the event sender when the turn is over, which is how the UI knows it ended.
#[derive(Debug, Clone, Default)]
pub struct TurnHandle {
    pub cancel: CancellationToken,
}

/// What the status bar shows; cheap to produce, polled several times a second.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusSnapshot {
    pub model: String,
    /// Tokens used by this session so far.
    pub tokens_used: u64,
    /// Tokens left in the model's context window.
    pub context_left: u64,
    /// `docker` or `process`; empty while the sandbox is still coming up.
    pub sandbox_backend: String,
    pub pool_ready: usize,
    pub pool_target: usize,
    pub servers_up: usize,
    pub servers_total: usize,
    /// Programs of this session still running (some may have outlived
    /// their `execute_code` call).
    pub programs_running: usize,
    /// `auto`, `ask-writes` or `ask-all`.
    pub approval_mode: String,
    /// `code` or `direct`.
    pub tool_mode: String,
    /// One line telling the user how to configure a key, when none is set,
    /// e.g. `no API key: set OPENAI_API_KEY or [llm] api_key_env`.
    pub api_key_hint: Option<String>,
}

/// A failed backend call, as the one line the user reads: what happened and
/// what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct BackendError {
    pub message: String,
}

impl BackendError {
    pub fn new(message: impl std::fmt::Display) -> Self {
        Self {
            message: message.to_string(),
        }
    }
}

impl From<anyhow::Error> for BackendError {
    fn from(error: anyhow::Error) -> Self {
        Self::new(format!("{error:#}"))
    }
}

pub type BackendResult<T> = Result<T, BackendError>;

/// One hit of `/tools QUERY`.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolHit {
    pub server: String,
    pub tool: String,
    pub description: String,
    pub score: f32,
}

/// Where an MCP server stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerState {
    Starting,
    Up,
    /// The server failed; the reason says why and what to do.
    Failed {
        reason: String,
    },
}

/// One line of `/servers`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerInfo {
    pub name: String,
    pub state: ServerState,
    pub tools: usize,
}

/// One line of `/skills`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SkillInfo {
    pub name: String,
    pub description: String,
    pub version: u32,
    pub uses: i64,
    /// The date of the last use, or `never`.
    pub last_used: String,
    /// `compatible`, `warning`, `migration needed` or `incompatible`
    /// (empty for a skill that calls no tool).
    pub state: String,
}

/// One line of `/sessions`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub id: String,
    pub title: String,
    /// When it was last used, already formatted for display.
    pub updated: String,
    pub messages: usize,
}

/// Who wrote a message of a resumed session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryRole {
    User,
    Assistant,
    Tool,
}

/// A message of a resumed session, replayed into the transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryMessage {
    pub role: HistoryRole,
    pub text: String,
}

/// The result of `/resume`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResumedSession {
    pub id: String,
    pub messages: Vec<HistoryMessage>,
}

/// Everything the UI asks of core. Methods returning `Vec<String>` hand back
/// display-ready lines.
#[async_trait]
pub trait UiBackend: Send + Sync {
    /// Starts an agent turn. Events arrive on `events`; the sender is
    /// dropped when the turn ends (completed, failed or cancelled).
    fn start_turn(&self, input: String, events: mpsc::UnboundedSender<AgentEvent>) -> TurnHandle;

    /// Answers an `AgentEvent::ApprovalRequested`.
    fn answer_approval(&self, request_id: &str, decision: ApprovalDecision);

    /// The status bar's figures; must not block.
    fn status(&self) -> StatusSnapshot;

    /// Ctrl+C: stops the session's running programs; returns how many.
    fn cancel_programs(&self) -> usize;

    /// Lines for the transcript that arrived from the background since the
    /// last call, such as a tool that changed under the session; polled on
    /// the tick, must not block.
    fn take_notices(&self) -> Vec<String> {
        Vec::new()
    }

    /// `/tools [QUERY]`: ranked catalog hits (all tools when the query is empty).
    async fn search_tools(&self, query: String) -> BackendResult<Vec<ToolHit>>;

    /// `/servers`: every configured MCP server and its state.
    async fn servers(&self) -> BackendResult<Vec<ServerInfo>>;

    /// `/skills`: saved skills.
    async fn skills(&self) -> BackendResult<Vec<SkillInfo>>;

    /// `/metrics`: the last 24 hours, for the charts panel.
    async fn metrics(&self) -> BackendResult<vtcode_core::metrics::Summary>;

    /// `/insights`: display-ready lines.
    async fn insights(&self) -> BackendResult<Vec<String>>;

    /// A skill's SKILL.md, for `/skills` Enter: its path and its lines.
    async fn skill_file(&self, name: String) -> BackendResult<(String, Vec<String>)>;

    /// `/config`: the effective configuration, as lines (secrets redacted).
    async fn config_show(&self) -> BackendResult<Vec<String>>;

    /// `/model NAME`; returns a confirmation line.
    async fn set_model(&self, name: String) -> BackendResult<String>;

    /// `/mode code|direct`; returns a confirmation line.
    async fn set_tool_mode(&self, mode: String) -> BackendResult<String>;

    /// `/approval auto|ask-writes|ask-all`; returns a confirmation line.
    async fn set_approval(&self, mode: String) -> BackendResult<String>;

    /// `/sandbox`: backend, pool and image state, as lines.
    async fn sandbox_status(&self) -> BackendResult<Vec<String>>;

    /// `/run LANG`: runs `code` in the sandbox without the model. Progress
    /// arrives on `events` as `ToolCallStarted`, `CodeOutput` and
    /// `ToolCallFinished` (with an `ExecResult` in `details`).
    async fn run_code(
        &self,
        language: String,
        code: String,
        events: mpsc::UnboundedSender<AgentEvent>,
    ) -> BackendResult<()>;

    /// `/sessions`: recent sessions, newest first.
    async fn sessions(&self) -> BackendResult<Vec<SessionInfo>>;

    /// `/resume [ID]`: continues a session (the latest when `id` is `None`).
    async fn resume(&self, id: Option<String>) -> BackendResult<ResumedSession>;

    /// `/new`: starts a fresh session; returns its id.
    async fn new_session(&self) -> BackendResult<String>;

    /// `/compact`: summarises older turns now; returns a confirmation line.
    async fn compact(&self) -> BackendResult<String>;
}
