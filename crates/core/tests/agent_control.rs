//! Turn control: cancelling a running program, the turn limit, and the
//! same loop over the Anthropic Messages API.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod agent_support;

use std::time::Duration;

use agent_support::*;
use serde_json::json;
use vtcode_core::agent::{AgentSession, ApprovalMode, SessionMode, StopReason, ToolMode};
use vtcode_core::events::{AgentEvent, ApprovalDecision};
use vtcode_core::exec::ExecOptions;
use vtcode_core::session::TranscriptEntry;
use vtcode_llm::ProviderKind;
use vtcode_sandbox::Backend;

#[tokio::test]
async fn cancelling_a_running_program_ends_the_turn_cleanly() {
    let code = "import time\nprint('started', flush=True)\ntime.sleep(60)\n";
    let env = Env::new(json!([
        {"tool_calls": [{"id": "slow", "name": "execute_code", "arguments": {"code": code}}]},
        {"text": "The last program was cancelled."}
    ]))
    .await;
    let sandbox = env.sandbox(Backend::Process).await;
    let mut deps = env.deps_with(ToolMode::Code, ApprovalMode::Auto, sandbox);
    deps.exec_timeout = Duration::from_secs(120);
    let mut session = AgentSession::new(deps, SessionMode::New).unwrap();
    let ctl = control(Answer::new(ApprovalDecision::Once));
    let cancel = ctl.cancel.clone();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let watcher = tokio::spawn(async move {
        let mut seen = Vec::new();
        while let Some(event) = rx.recv().await {
            if matches!(&event, AgentEvent::CodeOutput { line, .. } if line == "started") {
                cancel.cancel();
            }
            seen.push(event);
        }
        seen
    });
    let started = std::time::Instant::now();
    let outcome = tokio::time::timeout(TEST_TIMEOUT, session.run_turn("run it".into(), tx, ctl))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(outcome.stop, StopReason::Cancelled);
    assert!(started.elapsed() < Duration::from_secs(50));
    let events = watcher.await.unwrap();
    let (_, output, is_error) = &tool_results(&events)[0];
    assert!(*is_error && output.contains("cancelled"), "{output}");
    assert!(events.iter().any(
        |e| matches!(e, AgentEvent::Error { message } if message == "the turn was cancelled")
    ));
    let entries = env.store.load(session.id()).unwrap();
    assert!(
        matches!(entries.last(), Some(TranscriptEntry::Error { message }) if message == "the turn was cancelled")
    );

    let (result, _) = turn(&mut session, "what happened?").await;
    assert_eq!(
        result.unwrap().final_text,
        "The last program was cancelled."
    );
}

#[tokio::test]
async fn the_turn_limit_stops_a_looping_model_and_exec_says_so() {
    let call = json!({"tool_calls": [{"name": "list_dir", "arguments": {}}]});
    let env = Env::new(json!([call, call, call])).await;
    let deps = env.deps(ToolMode::Code, ApprovalMode::Auto);
    let (result, out, err) = exec(
        deps,
        ExecOptions {
            prompt: "list forever".into(),
            max_turns: Some(2),
            ..ExecOptions::default()
        },
    )
    .await;
    let summary = result.unwrap();
    assert_eq!(summary.outcome.stop, StopReason::MaxTurns);
    assert!(!summary.succeeded());
    assert_eq!(summary.outcome.model_calls, 2);
    assert_eq!(bodies(&env.server).len(), 2);
    assert!(
        err.contains("error: stopped after 2 model calls (the turn limit)"),
        "{err}"
    );
    assert!(out.is_empty());
}

#[tokio::test]
async fn the_loop_works_the_same_over_the_anthropic_api() {
    let env = Env::new(json!([
        {"tool_calls": [
            {"id": "toolu_1", "name": "records__list_records", "arguments": {}},
            {"id": "toolu_2", "name": "read_file", "raw_arguments": "{\"path\": "}
        ]},
        {"text": RECORDS_ANSWER}
    ]))
    .await;
    let mut deps = env.deps(ToolMode::Direct, ApprovalMode::Auto);
    deps.provider = env.provider(ProviderKind::Anthropic);
    let mut session = AgentSession::new(deps, SessionMode::New).unwrap();
    let (result, events) = turn(&mut session, RECORDS_TASK).await;
    assert_eq!(result.unwrap().final_text, RECORDS_ANSWER);
    let results = tool_results(&events);
    assert!(!results[0].2 && results[0].1.contains("\"records\""));
    assert!(results[1].2 && results[1].1.contains("not valid JSON"));
    let requests = env.server.requests().unwrap();
    assert!(requests.iter().all(|r| r["path"] == "/v1/messages"));
    // Both results went back as tool_result blocks of one user message.
    let last = requests[1]["body"]["messages"].to_string();
    assert!(last.contains("toolu_1") && last.contains("toolu_2") && last.contains("tool_result"));
}

/// Front ends run turns on spawned tasks: the session and its turn future
/// must be `Send`.
#[test]
fn a_turn_can_run_on_a_spawned_task() {
    fn assert_send<T: Send>(_: &T) {}
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let env = Env::new(json!([])).await;
        let mut session = AgentSession::new(
            env.deps(ToolMode::Code, ApprovalMode::Auto),
            SessionMode::New,
        )
        .unwrap();
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let ctl = control(Answer::new(ApprovalDecision::Once));
        let future = session.run_turn("hi".into(), tx, ctl);
        assert_send(&future);
        drop(future);
        assert_send(&session);
    });
}
