//! The agent: one conversation between a user, a model and its tools.
//!
//! Mental model: an [`AgentSession`] owns the message list. `run_turn` adds
//! the user's input, then loops: ask the model (streaming), run every tool
//! call it made, append the results, and ask again until the model answers
//! without tool calls. Everything the loop needs from the outside world (the
//! model, the sandbox, the tool catalog, the MCP hub, the session store) is
//! injected through [`AgentDeps`], so the loop knows no concrete backend and
//! tests drive it with real processes on 127.0.0.1.
//!
//! In code mode (the default) the model sees `search_tools` and
//! `execute_code` plus the built-in coding tools; MCP tool results stay in the
//! sandbox. In direct mode it sees every MCP tool as a function and gets raw
//! results: the baseline the product is measured against.

mod approvals;
mod compaction;
mod conversation;
pub(crate) mod pii_guard;
mod prompt;
mod tokens;
mod tools;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

pub use approvals::{ApprovalHandler, DenyAll};
pub use conversation::{AgentSession, CompactionReport, SessionMode, StopReason, TurnOutcome};
pub use pii_guard::PiiSetup;
pub use tools::{code_mode_specs, execution_report, stream_execution};
pub use vtcode_llm::ToolSpec;

pub use crate::config::{ApprovalMode, ToolMode};

use crate::session::{SessionError, SessionStore};

/// Ranks the tool catalog for `search_tools`.
#[async_trait::async_trait]
pub trait ToolSearch: Send + Sync {
    /// `detail` is `name`, `description` or `full`. The JSON returned goes to
    /// the model as it is.
    async fn search(
        &self,
        query: &str,
        detail: &str,
        limit: usize,
    ) -> Result<serde_json::Value, String>;
}

/// Every MCP tool as a model-callable function, for direct mode.
#[async_trait::async_trait]
pub trait DirectTools: Send + Sync {
    /// One spec per MCP tool, named `<server>__<tool>`, with its full schema.
    fn specs(&self) -> Vec<ToolSpec>;
    /// Calls the tool and returns its raw result text.
    async fn call(&self, name: &str, args: serde_json::Value) -> Result<String, String>;
}

/// Everything the loop needs from outside, injected so it stays testable.
#[derive(Clone)]
pub struct AgentDeps {
    pub provider: Arc<dyn vtcode_llm::LlmProvider>,
    pub model: String,
    /// The model's context window in tokens; compaction keeps below it.
    pub context_window: u64,
    pub tool_mode: ToolMode,
    pub approval: ApprovalMode,
    pub sandbox: Arc<dyn vtcode_sandbox::Sandbox>,
    pub tool_host: Arc<dyn vtcode_sandbox::ToolHost>,
    /// Checks and approves MCP calls (direct, and from programs through
    /// `tool_host`) by the approval policy; `None` leaves them unchecked.
    pub tool_gate: Option<Arc<dyn crate::approval::ToolGate>>,
    pub mounts: vtcode_sandbox::Mounts,
    /// Wall-clock limit of one `execute_code` or `run_shell`.
    pub exec_timeout: Duration,
    pub search: Arc<dyn ToolSearch>,
    pub direct_tools: Arc<dyn DirectTools>,
    /// The project root: file tools are confined to it.
    pub workspace_root: PathBuf,
    pub sessions: Option<SessionStore>,
    /// Cap on what one tool call hands back to the model.
    pub tool_output_bytes: usize,
    /// Saved skills' names and one-line descriptions, for the system prompt.
    pub skills_summary: Option<String>,
    /// The project's skills, for `save_skill`, `load_skill` and programs
    /// that import them; `None` offers no skill tools.
    pub skills: Option<Arc<crate::skills::SkillLibrary>>,
    /// Where the loop records its metrics (discovery, executions, LLM
    /// requests, approvals, turns).
    pub metrics: crate::metrics::MetricsRecorder,
    /// What past sessions taught (from `insights`), for the system prompt.
    pub lessons: Option<String>,
    /// Programs of this session, including those that outlived their
    /// `execute_code` call; they die with the session.
    pub programs: crate::programs::Programs,
    /// Tokenizing personal data and secrets at the model boundary; `None`
    /// when `[pii] enabled = false`.
    pub pii: Option<PiiSetup>,
}

/// Per-turn controls from the front end.
#[derive(Clone)]
pub struct TurnControl {
    /// Cancels the turn: the model stream and any running tool stop, and
    /// the session stays consistent.
    pub cancel: CancellationToken,
    pub approvals: Arc<dyn ApprovalHandler>,
    /// Most model calls this turn may make before it stops.
    pub max_turns: Option<u32>,
}

#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// The model provider failed (no key, unreachable, wrong model, ...).
    /// The llm crate writes these messages for users.
    #[error("{0}")]
    Llm(#[from] vtcode_llm::LlmError),
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error("{0}")]
    Io(String),
    /// The session's PII vault or `[pii]` rules could not be set up; the
    /// session does not start rather than send data in clear.
    #[error("{0}")]
    Pii(#[from] crate::pii::PiiError),
}
