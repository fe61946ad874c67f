//! Code mode end to end: the scripted model searches the real catalog,
//! sends a program that calls a real MCP server through the Docker sandbox,
//! and answers; only the program's aggregate reaches the model. Also code
//! that times out, a tool that raises inside code, and run_shell.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod agent_support;

use std::time::Duration;

use agent_support::*;
use serde_json::json;
use vtcode_core::agent::{AgentSession, ApprovalMode, SessionMode, StopReason, ToolMode};
use vtcode_core::events::{AgentEvent, OutputStream};
use vtcode_core::session::TranscriptEntry;
use vtcode_sandbox::Backend;

#[tokio::test]
async fn search_then_code_against_a_real_server_in_docker() {
    let env = Env::new(records_task_script(ToolMode::Code)).await;
    let sandbox = env.sandbox(Backend::Docker).await;
    let deps = env.deps_with(ToolMode::Code, ApprovalMode::AskWrites, sandbox.clone());
    let mut session = AgentSession::new(deps, SessionMode::New).unwrap();
    let (result, events) = turn(&mut session, RECORDS_TASK).await;
    let outcome = result.unwrap();
    assert_eq!(outcome.stop, StopReason::Completed);
    assert_eq!(outcome.final_text, RECORDS_ANSWER);
    assert_eq!(outcome.model_calls, 3);

    let results = tool_results(&events);
    assert_eq!(results[0].0, "search_tools");
    assert!(
        results[0].1.contains("\"name\":\"list_records\""),
        "{}",
        results[0].1
    );
    let (name, output, is_error) = &results[1];
    assert_eq!(name, "execute_code");
    assert!(!is_error, "{output}");
    let (orders, revenue) = records_expected(&env.hub).await;
    assert!(output.starts_with("status: ok"), "{output}");
    assert!(
        output.contains("tool calls: records.list_records"),
        "{output}"
    );
    assert!(
        output.contains(&format!("{orders} shipped EMEA orders")),
        "{output}"
    );
    assert!(output.contains(&format!("\"orders\":{orders}")), "{output}");
    assert!(
        output.contains(&format!("\"revenue\":{revenue}")),
        "{output}"
    );
    // The line streamed while the program ran.
    assert!(events.iter().any(|e| matches!(e,
        AgentEvent::CodeOutput { stream: OutputStream::Stdout, line, .. } if line.contains("shipped EMEA orders"))));
    // The megabyte of records never reached the model.
    let last = bodies(&env.server).pop().unwrap();
    assert!(
        last.to_string().len() < 40_000,
        "{} bytes",
        last.to_string().len()
    );
    assert!(!last.to_string().contains("buyer"));
    let entries = env.store.load(session.id()).unwrap();
    assert!(entries.iter().any(|e| matches!(e,
        TranscriptEntry::ToolResult { name, content, .. } if name == "execute_code" && content.contains("shipped EMEA orders"))));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn code_that_runs_past_the_timeout_is_stopped_and_the_session_goes_on() {
    let env = Env::new(json!([
        {"tool_calls": [{"name": "execute_code", "arguments": {"language": "python", "code": "while True:\n    pass\n"}}]},
        {"text": "The program looped; I stopped."},
        {"tool_calls": [{"name": "execute_code", "arguments": {"code": "print(6 * 7)"}}]},
        {"text": "42"}
    ]))
    .await;
    let sandbox = env.sandbox(Backend::Docker).await;
    let mut deps = env.deps_with(ToolMode::Code, ApprovalMode::Auto, sandbox.clone());
    deps.exec_timeout = Duration::from_secs(2);
    let mut session = AgentSession::new(deps, SessionMode::New).unwrap();
    let (result, events) = turn(&mut session, "loop forever").await;
    assert_eq!(result.unwrap().final_text, "The program looped; I stopped.");
    let (_, output, is_error) = &tool_results(&events)[0];
    assert!(*is_error);
    assert!(
        output.starts_with("status: timeout: stopped after 2 s"),
        "{output}"
    );

    let (result, events) = turn(&mut session, "now something small").await;
    assert_eq!(result.unwrap().final_text, "42");
    let (_, output, is_error) = &tool_results(&events)[0];
    assert!(!is_error && output.contains("stdout:\n42"), "{output}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_tool_raising_inside_code_reaches_the_model_as_the_program_error() {
    let code = "from servers.records import fail\nfail(message=\"disk on fire\")\n";
    let env = Env::new(json!([
        {"tool_calls": [{"name": "execute_code", "arguments": {"code": code}}]},
        {"text": "The records tool failed: disk on fire."}
    ]))
    .await;
    let sandbox = env.sandbox(Backend::Process).await;
    let deps = env.deps_with(ToolMode::Code, ApprovalMode::Auto, sandbox);
    let mut session = AgentSession::new(deps, SessionMode::New).unwrap();
    let (result, events) = turn(&mut session, "call the failing tool").await;
    assert_eq!(
        result.unwrap().final_text,
        "The records tool failed: disk on fire."
    );
    let (_, output, is_error) = &tool_results(&events)[0];
    assert!(*is_error);
    assert!(output.starts_with("status: error"), "{output}");
    assert!(
        output.contains("ToolError") && output.contains("disk on fire"),
        "{output}"
    );
    assert!(
        output.contains("tool calls: records.fail failed"),
        "{output}"
    );
}

#[tokio::test]
async fn run_shell_runs_in_the_sandbox_with_the_workspace() {
    let env = Env::new(json!([
        {"tool_calls": [{"name": "run_shell", "arguments": {"command": "ls && cat notes.md && exit 3"}}]},
        {"text": "listed"}
    ]))
    .await;
    std::fs::write(env.workspace().join("notes.md"), "remember the milk\n").unwrap();
    let sandbox = env.sandbox(Backend::Docker).await;
    let deps = env.deps_with(ToolMode::Code, ApprovalMode::AskWrites, sandbox.clone());
    let mut session = AgentSession::new(deps, SessionMode::New).unwrap();
    let (result, events) = turn(&mut session, "what is in the project?").await;
    assert_eq!(result.unwrap().final_text, "listed");
    let (_, output, _) = &tool_results(&events)[0];
    assert!(
        output.contains("notes.md") && output.contains("remember the milk"),
        "{output}"
    );
    assert!(output.contains("result: {\"exit_code\":3}"), "{output}");
    // A read-only workspace: run_shell did not need approval under ask-writes.
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, AgentEvent::ApprovalRequested { .. }))
    );
    sandbox.shutdown().await;
}
