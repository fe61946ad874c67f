//! `/run LANG` in the UI: a program in the sandbox without the model, shown
//! as the same card an `execute_code` call gets.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::mpsc::UnboundedSender;
use vtcode_core::agent::stream_execution;
use vtcode_core::events::AgentEvent;
use vtcode_core::sandbox::{ExecStatus, Language, Sandbox, SandboxSettings, ToolHost};

pub async fn run_in_sandbox(
    sandbox: &Arc<dyn Sandbox>,
    settings: &SandboxSettings,
    host: Arc<dyn ToolHost>,
    language: &str,
    code: String,
    events: UnboundedSender<AgentEvent>,
) -> Result<(), String> {
    let language = match language.trim() {
        "python" | "py" => Language::Python,
        "javascript" | "js" => Language::Javascript,
        other => {
            return Err(format!(
                "language `{other}` is not supported; use python or javascript"
            ));
        }
    };
    let call_id = format!("run-{}", next_run_id());
    let name = "execute_code".to_string();
    let _ = events.send(AgentEvent::ToolCallStarted {
        call_id: call_id.clone(),
        name: name.clone(),
        arguments: serde_json::json!({ "language": language, "code": code }),
    });
    let started = Instant::now();
    let request = settings.request(language, code);
    let result = stream_execution(sandbox.as_ref(), host, request, &call_id, events.clone())
        .await
        .map_err(|e| format!("the sandbox could not run the program: {e}"))?;
    let output = match &result.result {
        Some(value) if !value.is_null() => value.to_string(),
        _ => result.stdout.clone(),
    };
    let _ = events.send(AgentEvent::ToolCallFinished {
        call_id,
        name,
        output,
        is_error: result.status != ExecStatus::Ok,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        details: serde_json::to_value(&result).ok(),
    });
    Ok(())
}

/// A short id, unique within the process, for the card.
fn next_run_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed).to_string()
}
