//! `vtcode exec`: one turn run to completion with no person present.
//!
//! Progress goes to `err` as short lines, the final answer to `out`; with
//! `json` every [`AgentEvent`] is one JSON line on `out` instead. Nothing
//! waits for an approval: what would ask is denied, and the denial says how
//! to allow it. Ctrl-C cancels the turn cleanly (the session is kept).
//! Every failure is already written (as `error: ...` on `err`, or as an
//! error event) when `run_exec` returns `Err`: the caller only maps the
//! result to an exit status.

use std::io::Write;

use serde::Serialize;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::agent::{
    AgentDeps, AgentError, AgentSession, DenyAll, SessionMode, StopReason, TurnControl, TurnOutcome,
};
use crate::events::{AgentEvent, ApprovalOutcome, OutputStream};

/// Why exec denied a call that needed approval.
pub const EXEC_DENIAL: &str = "vtcode exec runs without a person to approve this; it was not run. To allow such calls without asking, run with `--approval auto` (or set `approval = \"auto\"` under [agent] in vtcode.toml), or pre-approve an MCP tool with `approve = [\"TOOL\"]` under [mcp.servers.SERVER]";

#[derive(Debug, Clone, Default)]
pub struct ExecOptions {
    pub prompt: String,
    /// `None`: a new session; `Some(None)`: the latest; `Some(Some(id))`.
    pub resume: Option<Option<String>>,
    pub max_turns: Option<u32>,
    /// One JSON event per line on stdout instead of text.
    pub json: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExecSummary {
    pub session_id: String,
    #[serde(flatten)]
    pub outcome: TurnOutcome,
}

impl ExecSummary {
    /// Whether the task finished (exit status 0).
    pub fn succeeded(&self) -> bool {
        self.outcome.stop == StopReason::Completed
    }
}

pub async fn run_exec(
    deps: AgentDeps,
    options: ExecOptions,
    mut out: impl Write,
    mut err: impl Write,
) -> Result<ExecSummary, AgentError> {
    let mode = match options.resume {
        None => SessionMode::New,
        Some(None) => SessionMode::ResumeLatest,
        Some(Some(id)) => SessionMode::Resume(id),
    };
    let mut session = match AgentSession::new(deps, mode) {
        Ok(s) => s,
        Err(e) => {
            if options.json {
                write_json(
                    &mut out,
                    &AgentEvent::Error {
                        message: e.to_string(),
                    },
                )?;
            }
            return Err(e);
        }
    };
    let cancel = CancellationToken::new();
    let on_ctrl_c = cancel.clone();
    let ctrl_c = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_ctrl_c.cancel();
        }
    });
    let control = TurnControl {
        cancel,
        approvals: std::sync::Arc::new(DenyAll {
            reason: EXEC_DENIAL.to_string(),
        }),
        max_turns: options.max_turns,
    };
    let (tx, mut rx) = mpsc::unbounded_channel();
    let session_id = session.id().to_string();
    let turn = session.run_turn(options.prompt, tx, control);
    tokio::pin!(turn);
    let result = loop {
        tokio::select! {
            Some(event) = rx.recv() => render(&event, options.json, &mut out, &mut err)?,
            result = &mut turn => break result,
        }
    };
    while let Ok(event) = rx.try_recv() {
        render(&event, options.json, &mut out, &mut err)?;
    }
    ctrl_c.abort();
    out.flush().map_err(io)?;
    let outcome = result?;
    Ok(ExecSummary {
        session_id,
        outcome,
    })
}

fn io(e: std::io::Error) -> AgentError {
    AgentError::Io(format!("cannot write output: {e}"))
}

fn write_json(out: &mut impl Write, event: &AgentEvent) -> Result<(), AgentError> {
    let line = serde_json::to_string(event).map_err(|e| AgentError::Io(e.to_string()))?;
    writeln!(out, "{line}").map_err(io)
}

fn render(
    event: &AgentEvent,
    json: bool,
    out: &mut impl Write,
    err: &mut impl Write,
) -> Result<(), AgentError> {
    if json {
        return write_json(out, event);
    }
    match event {
        AgentEvent::TurnStarted { session_id, .. } => writeln!(err, "session {session_id}"),
        AgentEvent::ToolCallStarted {
            name, arguments, ..
        } => writeln!(err, "▸ {name} {}", one_line(&arguments.to_string(), 100)),
        AgentEvent::CodeOutput { stream, line, .. } => {
            let bar = if *stream == OutputStream::Stderr {
                "!"
            } else {
                "│"
            };
            writeln!(err, "  {bar} {line}")
        }
        AgentEvent::ToolCallFinished {
            is_error,
            duration_ms,
            output,
            ..
        } => {
            if *is_error {
                writeln!(err, "  ✗ {} ({duration_ms} ms)", one_line(output, 160))
            } else {
                writeln!(err, "  ✓ {duration_ms} ms")
            }
        }
        AgentEvent::ApprovalRequested { summary, .. } => writeln!(err, "  ? {summary}"),
        AgentEvent::ApprovalResolved {
            subject,
            outcome: ApprovalOutcome::Denied,
            ..
        } => writeln!(err, "  ✗ {subject} was denied and not called"),
        AgentEvent::ApprovalResolved { .. } => Ok(()),
        AgentEvent::Compacted {
            tokens_before,
            tokens_after,
        } => writeln!(
            err,
            "context compacted: {tokens_before} → {tokens_after} tokens"
        ),
        AgentEvent::ProgramYielded {
            handle, elapsed_ms, ..
        } => writeln!(
            err,
            "  … program {handle} still running after {}; it goes on in the background",
            seconds(*elapsed_ms)
        ),
        AgentEvent::ProgramWaited {
            handle, elapsed_ms, ..
        } => writeln!(
            err,
            "  … program {handle} still running ({})",
            seconds(*elapsed_ms)
        ),
        AgentEvent::ProgramEnded {
            handle,
            status,
            elapsed_ms,
            ..
        } => writeln!(
            err,
            "  ■ program {handle} ended: {status} after {}",
            seconds(*elapsed_ms)
        ),
        AgentEvent::Error { message } => writeln!(err, "error: {message}"),
        AgentEvent::TurnCompleted { final_text } => writeln!(out, "{}", final_text.trim_end()),
        AgentEvent::ProtectedValues { values } => {
            let tokens: Vec<&str> = values.iter().map(|v| v.token.as_str()).collect();
            writeln!(
                err,
                "  protected: the answer shows your values for {}; the model only saw the tokens",
                tokens.join(", ")
            )
        }
        AgentEvent::TextDelta { .. } | AgentEvent::Usage { .. } => Ok(()),
    }
    .map_err(io)
}

fn seconds(ms: u64) -> String {
    format!(
        "{:.1} s",
        std::time::Duration::from_millis(ms).as_secs_f64()
    )
}

fn one_line(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > max {
        format!("{}…", flat.chars().take(max).collect::<String>())
    } else {
        flat
    }
}
