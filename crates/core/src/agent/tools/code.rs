//! Tools that reach the catalog and the sandbox: search_tools, execute_code,
//! run_shell.
//!
//! execute_code hands the model a compact report (status, stdout, stderr,
//! result, which tools ran) and the front end the whole `ExecResult`. Lines
//! stream out as `CodeOutput` events while the program runs. run_shell is a
//! small Python program that runs the command with the workspace as its
//! directory, so it gets the sandbox's isolation for free.

use std::fmt::Write as _;
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::mpsc::UnboundedSender;
use vtcode_sandbox::{
    ExecRequest, ExecResult, ExecStatus, Language, Limits, OutputLine, Sandbox, SandboxError,
    ToolHost,
};

use super::{ToolContext, ToolOutput, opt_str, opt_u64, str_arg};
use crate::events::{AgentEvent, OutputStream};

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
    let out = run_in_sandbox(ctx, language, code.to_string()).await;
    if let Some(Err(e)) = ctx
        .deps
        .skills
        .as_ref()
        .map(|skills| skills.record_uses(code, out.is_error))
    {
        tracing::warn!("recording skill uses: {e}");
    }
    out
}

pub(crate) async fn run_shell(ctx: &ToolContext<'_>, args: &Value) -> ToolOutput {
    let command = match str_arg(args, "command") {
        Ok(c) => c,
        Err(e) => return ToolOutput::error(e),
    };
    run_in_sandbox(ctx, Language::Python, shell_program(command)).await
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

async fn run_in_sandbox(ctx: &ToolContext<'_>, language: Language, code: String) -> ToolOutput {
    let request = ExecRequest {
        language,
        code,
        timeout: ctx.deps.exec_timeout,
        limits: Limits {
            output_bytes: Some(ctx.deps.tool_output_bytes),
            ..Limits::default()
        },
        mounts: ctx.deps.mounts.clone(),
    };
    let run = stream_execution(
        ctx.deps.sandbox.as_ref(),
        ctx.deps.tool_host.clone(),
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
        Ok(result) => ToolOutput {
            text: execution_report(&result, ctx.deps.exec_timeout.as_secs_f64()),
            is_error: result.status != ExecStatus::Ok,
            details: serde_json::to_value(&result).ok(),
        },
        Err(e) => ToolOutput::error(format!("the sandbox could not run the program: {e}")),
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
    let call_id = call_id.to_string();
    let sink: vtcode_sandbox::OutputSink = Arc::new(move |line: OutputLine| {
        let (stream, line) = match line {
            OutputLine::Stdout(l) => (OutputStream::Stdout, l),
            OutputLine::Stderr(l) => (OutputStream::Stderr, l),
        };
        let _ = events.send(AgentEvent::CodeOutput {
            call_id: call_id.clone(),
            stream,
            line,
        });
    });
    sandbox.execute(request, host, Some(sink)).await
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
    use std::time::Duration;

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
