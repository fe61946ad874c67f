//! Typed events from the agent to its front ends.
//!
//! The TUI and `vtcode exec --json` see a turn only through this stream: they
//! render it, they never drive business logic from it. Each variant is one
//! thing a user can notice. `exec --json` prints each event as one JSON line.

use serde::{Deserialize, Serialize};

/// Which output stream a line of running code came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputStream {
    Stdout,
    Stderr,
}

/// What an approval request is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalKind {
    /// `apply_patch`: a change to files in the workspace (body: the diff).
    Patch,
    /// Something that runs: `run_shell`, `execute_code`, or a direct-mode
    /// MCP tool call (body: the command, the program, or the arguments).
    Command,
    /// An MCP tool call the approval policy asks about, made by the model
    /// or by a running program (summary: `server.tool` and its
    /// annotations; body: annotations and arguments).
    Tool,
}

/// How an approval question ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalOutcome {
    Approved,
    /// Approved, and the same tool runs without asking for the rest of the
    /// session (until it changes).
    ApprovedForSession,
    Denied,
}

/// Who settled an approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalDecider {
    /// The person at the front end.
    User,
    /// No one could answer (`vtcode exec`), so the call was refused.
    Unattended,
    /// A `deny` glob in vtcode.toml; no question was asked.
    Config,
}

/// A user's answer to an approval request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum ApprovalDecision {
    /// Allow this one call.
    Once,
    /// Allow this kind of call for the rest of the session.
    Always,
    /// Refuse; the reason (if any) goes back to the model.
    Deny { reason: Option<String> },
}

/// A value the model only saw as a token such as `<<EMAIL_3>>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProtectedValue {
    pub token: String,
    /// `email`, `phone`, `card`, ... or a `[pii] patterns` name.
    pub kind: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AgentEvent {
    TurnStarted {
        session_id: String,
        turn: u32,
    },
    /// Assistant text as it streams, tokens already turned back into the
    /// user's values (see `ProtectedValues`).
    TextDelta {
        text: String,
    },
    /// The text that follows shows these values where the model wrote
    /// their tokens: the user owns the data and sees it, marked as
    /// protected; the model and the stored transcript only have the token.
    ProtectedValues {
        values: Vec<ProtectedValue>,
    },
    ToolCallStarted {
        call_id: String,
        name: String,
        arguments: serde_json::Value,
    },
    /// A line printed by code running in the sandbox, while it runs.
    CodeOutput {
        call_id: String,
        stream: OutputStream,
        line: String,
    },
    ToolCallFinished {
        call_id: String,
        name: String,
        /// What the model receives: capped, with personal data and secrets
        /// replaced by tokens when `[pii]` is enabled.
        output: String,
        is_error: bool,
        duration_ms: u64,
        /// Tool-specific structure for rich display, e.g. an `ExecResult`
        /// (status, stdout, stderr, result, tool_calls with timings) for
        /// `execute_code`, or the hit list for `search_tools`.
        details: Option<serde_json::Value>,
    },
    ApprovalRequested {
        request_id: String,
        kind: ApprovalKind,
        /// One line, e.g. `apply_patch: src/main.rs (+3 -1)`.
        summary: String,
        /// The patch or the command, shown in full in the modal.
        body: String,
    },
    /// How an approval ended: follows every `ApprovalRequested` (same
    /// `request_id`), and records calls refused by config without a question.
    ApprovalResolved {
        request_id: String,
        /// What it was about: `server.tool`, `apply_patch`, `run_shell`, ...
        subject: String,
        outcome: ApprovalOutcome,
        decided_by: ApprovalDecider,
        reason: Option<String>,
    },
    Usage {
        prompt_tokens: u64,
        completion_tokens: u64,
        session_total_tokens: u64,
        context_window: u64,
    },
    /// Older turns were summarised to make room in the context.
    Compacted {
        tokens_before: u64,
        tokens_after: u64,
    },
    /// A program outlived its `execute_code` call (`yield_after_s`) and
    /// keeps running under `handle`.
    ProgramYielded {
        call_id: String,
        handle: String,
        elapsed_ms: u64,
    },
    /// `wait_code` looked at a program that is still running.
    ProgramWaited {
        call_id: String,
        handle: String,
        elapsed_ms: u64,
    },
    /// A program that had yielded ended (`status` as in an execution:
    /// ok, error, timeout, …) or was stopped (`cancelled`).
    ProgramEnded {
        call_id: String,
        handle: String,
        status: String,
        elapsed_ms: u64,
    },
    TurnCompleted {
        final_text: String,
    },
    /// A failure the user must see; the session survives it.
    Error {
        message: String,
    },
}
