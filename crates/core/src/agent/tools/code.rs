//! Tools that reach the catalog and the sandbox: search_tools, execute_code,
//! wait_code, cancel_code, run_shell.
//!
//! execute_code hands the model a compact report (status, stdout, stderr,
//! result, which tools ran) and the front end the whole `ExecResult`. Lines
//! stream out as `CodeOutput` events while the call waits. A program still
//! running after `yield_after_s` stays behind in the session's
//! [`Programs`](crate::programs::Programs) under a handle, for wait_code and
//! cancel_code. run_shell is a small Python program that runs the command
//! with the workspace as its directory, so it gets the sandbox's isolation
//! for free.
//!
//! Each program is recorded as an execution metric and, when its tools
//! returned data, a filtering metric (bytes in from tools, bytes out to the
//! model); its tool calls go through a byte-counting wrapper of the host.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::mpsc::UnboundedSender;
use vtcode_sandbox::{
    ExecRequest, ExecResult, ExecStatus, Language, Limits, OutputLine, Sandbox, SandboxError,
    ToolHost,
};

use super::{ToolContext, ToolOutput, bridge, opt_str, opt_u64, result_cap, str_arg};
use crate::agent::pii_guard::RestoringHost;
use crate::events::{AgentEvent, OutputStream};
use crate::metrics::{ByteCountingHost, MetricEvent, SkillAction, program_shape};
use crate::programs::{self, Progress};

const DEFAULT_LIMIT: u64 = 10;
const MAX_LIMIT: u64 = 50;

pub(crate) async fn search_tools(ctx: &ToolContext<'_>, args: &Value) -> ToolOutput {
    let query = match str_arg(args, "query") {
        Ok(q) => q,
        Err(e) => return ToolOutput::error(e),
    };
    let detail = opt_str(args, "detail_level").unwrap_or("description");
    if !matches!(detail, "name" | "description" | "full") {
        return ToolOutput::error(format!(
            "detail_level `{detail}` is not one of name, description, full"
        ));
    }
    let limit = opt_u64(args, "limit")
        .unwrap_or(DEFAULT_LIMIT)
        .clamp(1, MAX_LIMIT);
    match ctx.deps.search.search(query, detail, limit as usize).await {
        Ok(hits) => ToolOutput {
            text: hits.to_string(),
            is_error: false,
            details: Some(hits),
        },
        Err(e) => ToolOutput::error(format!("search_tools failed: {e}")),
    }
}

pub(crate) async fn execute_code(ctx: &ToolContext<'_>, args: &Value) -> ToolOutput {
    let code = match str_arg(args, "code") {
        Ok(c) => c,
        Err(e) => return ToolOutput::error(e),
    };
    let language = match opt_str(args, "language").unwrap_or("python") {
        "python" | "py" => Language::Python,
        "javascript" | "js" => Language::Javascript,
        other => {
            return ToolOutput::error(format!(
                "language `{other}` is not supported; use python or javascript"
            ));
        }
    };
    if let Some(skills) = &ctx.deps.skills {
        // Hand-edited or newly saved skills are importable at once.
        if let Err(e) = skills.refresh() {
            tracing::warn!("skills refresh before a program: {e}");
        }
    }
    let yield_after = match programs::wait_arg(args.get("yield_after_s"), "yield_after_s") {
        Ok(d) => d,
        Err(e) => return ToolOutput::error(e),
    };
    let shape = program_shape(code);
    let request = sandbox_request(ctx, language, code.to_string());
    let host = Arc::new(ByteCountingHost::new(program_host(ctx)));
    let started = ctx.deps.programs.start(
        ctx.deps.sandbox.clone(),
        host.clone(),
        request,
        yield_after,
        Some(output_sink(ctx.call_id, ctx.events.clone())),
    );
    let progress = tokio::select! {
        p = started => p,
        () = ctx.cancel.cancelled() => {
            return ToolOutput::error("cancelled by the user before the program finished");
        }
    };
    let out = progress_output(ctx, true, &progress);
    if let Ok(Progress::Ended { result, .. }) = &progress {
        record_execution(
            ctx,
            language.as_str(),
            shape,
            result,
            host.bytes(),
            out.text.len(),
        );
    }
    if let Some(skills) = &ctx.deps.skills {
        match skills.record_uses(code, out.is_error) {
            Ok(used) => {
                let action = if out.is_error {
                    SkillAction::Failure
                } else {
                    SkillAction::Run
                };
                let error = out.is_error.then_some(out.text.as_str());
                for name in used {
                    ctx.deps.metrics.record_skill(&name, action, None, error);
                }
            }
            Err(e) => tracing::warn!("recording skill uses: {e}"),
        }
    }
    out
}

/// wait_code: new output of a program that outlived its call, or its end.
pub(crate) async fn wait_code(ctx: &ToolContext<'_>, args: &Value) -> ToolOutput {
    let handle = match str_arg(args, "handle") {
        Ok(h) => h,
        Err(e) => return ToolOutput::error(e),
    };
    let timeout = match programs::wait_arg(args.get("timeout_s"), "timeout_s") {
        Ok(d) => d,
        Err(e) => return ToolOutput::error(e),
    };
    let waited = ctx.deps.programs.wait(handle, timeout);
    let progress = tokio::select! {
        p = waited => p,
        () = ctx.cancel.cancelled() => {
            return ToolOutput::error(format!("the wait was cancelled; program {handle} is still running"));
        }
    };
    progress_output(ctx, false, &progress)
}

/// cancel_code: stops a program that outlived its call.
pub(crate) fn cancel_code(ctx: &ToolContext<'_>, args: &Value) -> ToolOutput {
    let handle = match str_arg(args, "handle") {
        Ok(h) => h,
        Err(e) => return ToolOutput::error(e),
    };
    progress_output(ctx, false, &ctx.deps.programs.cancel(handle))
}

/// What the model and the front end get from one look at a program, and
/// the event that tells a front end where the program stands.
/// `started` says whether the look is the start (execute_code) or a later one.
fn progress_output(
    ctx: &ToolContext<'_>,
    started: bool,
    progress: &Result<Progress, programs::ProgramError>,
) -> ToolOutput {
    let progress = match progress {
        Ok(p) => p,
        Err(e) => return ToolOutput::error(e.to_string()),
    };
    let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    let call_id = ctx.call_id.to_string();
    let (event, details) = match &progress {
        Progress::Running {
            handle, elapsed, ..
        } => {
            let (handle, elapsed_ms) = (handle.clone(), ms(*elapsed));
            let details = serde_json::json!({"status": "running", "handle": handle, "elapsed_ms": elapsed_ms});
            let event = if started {
                AgentEvent::ProgramYielded {
                    call_id,
                    handle,
                    elapsed_ms,
                }
            } else {
                AgentEvent::ProgramWaited {
                    call_id,
                    handle,
                    elapsed_ms,
                }
            };
            (Some(event), Some(details))
        }
        Progress::Ended { handle, result } => (
            handle.as_ref().map(|handle| AgentEvent::ProgramEnded {
                call_id,
                handle: handle.clone(),
                status: serde_json::to_value(result.status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                elapsed_ms: ms(result.duration),
            }),
            serde_json::to_value(result).ok(),
        ),
        Progress::Cancelled {
            handle, elapsed, ..
        } => (
            Some(AgentEvent::ProgramEnded {
                call_id,
                handle: handle.clone(),
                status: "cancelled".to_string(),
                elapsed_ms: ms(*elapsed),
            }),
            None,
        ),
    };
    if let Some(event) = event {
        let _ = ctx.events.send(event);
    }
    ToolOutput {
        text: programs::report(progress, ctx.deps.exec_timeout),
        is_error: progress.is_error(),
        details,
    }
}

pub(crate) async fn run_shell(ctx: &ToolContext<'_>, args: &Value) -> ToolOutput {
    let command = match str_arg(args, "command") {
        Ok(c) => c,
        Err(e) => return ToolOutput::error(e),
    };
    run_in_sandbox(ctx, Language::Python, "shell", shell_program(command)).await
}

/// A Python program that runs `command` through the shell in the workspace,
/// printing its output as it comes and returning the exit code as `result`.
fn shell_program(command: &str) -> String {
    // A JSON string is also a valid Python string literal.
    let literal = Value::String(command.to_string()).to_string();
    format!(
        r#"import os, subprocess, sys
_cwd = os.environ.get("VTCODE_WORKSPACE") or ("/workspace" if os.path.isdir("/workspace") else os.getcwd())
_p = subprocess.Popen({literal}, shell=True, cwd=_cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
for _line in _p.stdout:
    print(_line, end="", flush=True)
result = {{"exit_code": _p.wait()}}
"#
    )
}

/// The bridge host of one program: with a gate, its tool calls go through
/// the approval policy and the person at the front end answers; tokens in
/// their arguments become the values first.
fn program_host(ctx: &ToolContext<'_>) -> Arc<dyn ToolHost> {
    let host = match &ctx.deps.tool_gate {
        Some(gate) => bridge::TurnToolHost::for_program(ctx, Arc::clone(gate)),
        None => ctx.deps.tool_host.clone(),
    };
    RestoringHost::wrap(host, ctx.pii)
}

fn sandbox_request(ctx: &ToolContext<'_>, language: Language, code: String) -> ExecRequest {
    ExecRequest {
        language,
        code,
        timeout: ctx.deps.exec_timeout,
        limits: Limits {
            output_bytes: Some(ctx.deps.tool_output_bytes),
            ..Limits::default()
        },
        mounts: ctx.deps.mounts.clone(),
    }
}

/// `label` names the language in metrics (`shell` for run_shell).
async fn run_in_sandbox(
    ctx: &ToolContext<'_>,
    language: Language,
    label: &str,
    code: String,
) -> ToolOutput {
    let shape = program_shape(&code);
    let request = sandbox_request(ctx, language, code);
    let host = Arc::new(ByteCountingHost::new(program_host(ctx)));
    let run = stream_execution(
        ctx.deps.sandbox.as_ref(),
        host.clone(),
        request,
        ctx.call_id,
        ctx.events.clone(),
    );
    let result = tokio::select! {
        r = run => r,
        () = ctx.cancel.cancelled() => {
            return ToolOutput::error("cancelled by the user before the program finished");
        }
    };
    match result {
        Ok(result) => {
            let text = execution_report(&result, ctx.deps.exec_timeout.as_secs_f64());
            record_execution(ctx, label, shape, &result, host.bytes(), text.len());
            ToolOutput {
                text,
                is_error: result.status != ExecStatus::Ok,
                details: serde_json::to_value(&result).ok(),
            }
        }
        Err(e) => ToolOutput::error(format!("the sandbox could not run the program: {e}")),
    }
}

fn record_execution(
    ctx: &ToolContext<'_>,
    label: &str,
    shape: String,
    result: &ExecResult,
    tool_bytes: u64,
    report_bytes: usize,
) {
    let metrics = &ctx.deps.metrics;
    metrics.record_execution(label, ctx.deps.sandbox.backend(), shape, result);
    if tool_bytes > 0 && metrics.is_enabled() {
        metrics.record(MetricEvent::Filtering {
            tool_bytes,
            model_bytes: report_bytes.min(result_cap(ctx.deps)) as u64,
        });
    }
}

/// Runs `request`, sending each line the program prints as a `CodeOutput`
/// event of `call_id` while it runs.
pub async fn stream_execution(
    sandbox: &dyn Sandbox,
    host: Arc<dyn ToolHost>,
    request: ExecRequest,
    call_id: &str,
    events: UnboundedSender<AgentEvent>,
) -> Result<ExecResult, SandboxError> {
    sandbox
        .execute(request, host, Some(output_sink(call_id, events)))
        .await
}

/// Sends each line the program prints as a `CodeOutput` event of `call_id`.
fn output_sink(call_id: &str, events: UnboundedSender<AgentEvent>) -> vtcode_sandbox::OutputSink {
    let call_id = call_id.to_string();
    Arc::new(move |line: OutputLine| {
        let (stream, line) = match line {
            OutputLine::Stdout(l) => (OutputStream::Stdout, l),
            OutputLine::Stderr(l) => (OutputStream::Stderr, l),
        };
        let _ = events.send(AgentEvent::CodeOutput {
            call_id: call_id.clone(),
            stream,
            line,
        });
    })
}

/// The compact text the model reads about one execution.
pub fn execution_report(r: &ExecResult, timeout_s: f64) -> String {
    let mut out = String::new();
    let status = match r.status {
        ExecStatus::Ok => "ok".to_string(),
        ExecStatus::Error => match r.exit_code {
            Some(code) => format!("error (exit code {code})"),
            None => "error".to_string(),
        },
        ExecStatus::Timeout => format!(
            "timeout: stopped after {timeout_s:.0} s; do less per program or process data in smaller steps"
        ),
        ExecStatus::Memory => "memory: the program hit the memory limit".to_string(),
        ExecStatus::OutputLimit => {
            "output_limit: the program printed too much; print summaries".to_string()
        }
        ExecStatus::Killed => "killed".to_string(),
    };
    let _ = writeln!(out, "status: {status} ({} ms)", r.duration.as_millis());
    if !r.tool_calls.is_empty() {
        let calls: Vec<String> = r
            .tool_calls
            .iter()
            .map(|c| {
                let failed = if c.ok { "" } else { " failed" };
                format!("{}.{}{failed}", c.server, c.tool)
            })
            .collect();
        let _ = writeln!(out, "tool calls: {}", calls.join(", "));
    }
    if !r.stdout.is_empty() {
        let _ = writeln!(out, "stdout:\n{}", r.stdout.trim_end());
    }
    if !r.stderr.is_empty() {
        let _ = writeln!(out, "stderr:\n{}", r.stderr.trim_end());
    }
    if let Some(result) = r.result.as_ref().filter(|v| !v.is_null()) {
        let _ = writeln!(out, "result: {result}");
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_is_compact_and_says_what_ran() {
        let r = ExecResult {
            status: ExecStatus::Ok,
            exit_code: Some(0),
            stdout: "3 rows\n".into(),
            stderr: String::new(),
            result: Some(serde_json::json!({"total": 42})),
            duration: Duration::from_millis(12),
            tool_calls: vec![vtcode_sandbox::ToolCallRecord {
                server: "records".into(),
                tool: "list_records".into(),
                duration: Duration::from_millis(3),
                ok: true,
            }],
            peak_memory_bytes: Some(9 << 20),
        };
        assert_eq!(
            execution_report(&r, 30.0),
            "status: ok (12 ms)\ntool calls: records.list_records\nstdout:\n3 rows\nresult: {\"total\":42}"
        );
    }

    #[test]
    fn shell_command_is_quoted_as_a_python_literal() {
        let program = shell_program("echo \"hi\" 'there' \\ $HOME\nls");
        assert!(program.contains(r#"Popen("echo \"hi\" 'there' \\ $HOME\nls", shell=True"#));
    }
}
