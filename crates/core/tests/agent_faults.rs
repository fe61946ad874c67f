//! Faults the loop must survive, driven by the scripted model server and a
//! real MCP server: rate limits, server errors, a cut stream, malformed
//! tool-call JSON, an unknown tool, a tool that raises. After each, the
//! session goes on and the stored transcript shows what happened.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod agent_support;

use agent_support::*;
use serde_json::json;
use vtcode_core::agent::{AgentSession, ApprovalMode, SessionMode, StopReason, ToolMode};
use vtcode_core::events::AgentEvent;
use vtcode_core::session::TranscriptEntry;

fn stored(env: &Env, session: &AgentSession) -> Vec<TranscriptEntry> {
    env.store.load(session.id()).unwrap()
}

fn errors(entries: &[TranscriptEntry]) -> Vec<String> {
    entries
        .iter()
        .filter_map(|e| match e {
            TranscriptEntry::Error { message } => Some(message.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn rate_limit_with_retry_after_is_waited_out() {
    let env = Env::new(json!([
        {"status": 429, "retry_after": 1, "error": "slow down"},
        {"text": "all good"}
    ]))
    .await;
    let mut session = AgentSession::new(
        env.deps(ToolMode::Code, ApprovalMode::Auto),
        SessionMode::New,
    )
    .unwrap();
    let started = std::time::Instant::now();
    let (result, events) = turn(&mut session, "hello").await;
    let outcome = result.unwrap();
    assert_eq!(outcome.final_text, "all good");
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    assert_eq!(bodies(&env.server).len(), 2);
    assert!(
        events
            .iter()
            .any(|e| matches!(e, AgentEvent::TurnCompleted { .. }))
    );
    assert!(errors(&stored(&env, &session)).is_empty());
}

#[tokio::test]
async fn server_error_fails_the_turn_and_the_session_goes_on() {
    let env = Env::new(json!([
        {"status": 500, "error": "internal meltdown"},
        {"status": 500, "error": "internal meltdown"},
        {"text": "back again"}
    ]))
    .await;
    let mut session = AgentSession::new(
        env.deps(ToolMode::Code, ApprovalMode::Auto),
        SessionMode::New,
    )
    .unwrap();
    let (result, events) = turn(&mut session, "first question").await;
    let message = result.unwrap_err().to_string();
    assert!(
        message.contains("500") && message.contains("internal meltdown"),
        "{message}"
    );
    assert!(!message.contains('\n'), "one line: {message}");
    assert!(events.iter().any(|e| matches!(e, AgentEvent::Error { .. })));

    let (result, _) = turn(&mut session, "second question").await;
    assert_eq!(result.unwrap().final_text, "back again");
    // The failed turn's question is still part of the conversation.
    let last = bodies(&env.server).pop().unwrap();
    let text = last["messages"].to_string();
    assert!(text.contains("first question") && text.contains("second question"));

    let entries = stored(&env, &session);
    assert_eq!(errors(&entries).len(), 1);
    assert!(errors(&entries)[0].contains("internal meltdown"));
    assert!(
        matches!(entries.last(), Some(TranscriptEntry::Assistant { content, .. }) if content == "back again")
    );
}

#[tokio::test]
async fn a_stream_cut_midway_is_reported_not_truncated() {
    let env = Env::new(json!([
        {"text": "this answer will never be finished by the model", "cut_after_chunks": 3},
        {"text": "complete answer"}
    ]))
    .await;
    let mut session = AgentSession::new(
        env.deps(ToolMode::Code, ApprovalMode::Auto),
        SessionMode::New,
    )
    .unwrap();
    let (result, events) = turn(&mut session, "tell me").await;
    let message = result.unwrap_err().to_string();
    assert!(message.contains("cut off"), "{message}");
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, AgentEvent::TurnCompleted { .. }))
    );
    let entries = stored(&env, &session);
    assert_eq!(errors(&entries).len(), 1);
    // The half answer is not stored as if it were the model's reply.
    assert!(
        !entries
            .iter()
            .any(|e| matches!(e, TranscriptEntry::Assistant { .. }))
    );

    let (result, _) = turn(&mut session, "again please").await;
    assert_eq!(result.unwrap().final_text, "complete answer");
}

#[tokio::test]
async fn malformed_tool_arguments_go_back_to_the_model() {
    let env = Env::new(json!([
        {"tool_calls": [{"id": "c1", "name": "read_file", "raw_arguments": "{\"path\": \"a.txt"}]},
        {"text": "I will fix my call"}
    ]))
    .await;
    let mut session = AgentSession::new(
        env.deps(ToolMode::Code, ApprovalMode::Auto),
        SessionMode::New,
    )
    .unwrap();
    let (result, events) = turn(&mut session, "read a.txt").await;
    assert_eq!(result.unwrap().final_text, "I will fix my call");
    let results = tool_results(&events);
    assert_eq!(results.len(), 1);
    assert!(
        results[0].2 && results[0].1.contains("not valid JSON"),
        "{results:?}"
    );
    // The model saw the error as the tool's result.
    let second = &bodies(&env.server)[1];
    let tool_msg = second["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == "tool")
        .unwrap();
    assert_eq!(tool_msg["tool_call_id"], "c1");
    assert!(
        tool_msg["content"]
            .as_str()
            .unwrap()
            .contains("not valid JSON")
    );
    let entries = stored(&env, &session);
    assert!(entries.iter().any(|e| matches!(e,
        TranscriptEntry::ToolResult { is_error: true, content, .. } if content.contains("not valid JSON"))));
}

#[tokio::test]
async fn an_unknown_tool_name_is_answered_with_the_tools_that_exist() {
    let env = Env::new(json!([
        {"tool_calls": [{"name": "delete_everything", "arguments": {}}]},
        {"text": "understood"}
    ]))
    .await;
    let mut session = AgentSession::new(
        env.deps(ToolMode::Code, ApprovalMode::Auto),
        SessionMode::New,
    )
    .unwrap();
    let (result, events) = turn(&mut session, "clean up").await;
    assert_eq!(result.unwrap().stop, StopReason::Completed);
    let (_, output, is_error) = &tool_results(&events)[0];
    assert!(*is_error);
    assert!(
        output.contains("unknown tool `delete_everything`"),
        "{output}"
    );
    assert!(output.contains("search_tools") && output.contains("execute_code"));
}

#[tokio::test]
async fn a_tool_that_raises_is_a_tool_error_in_direct_mode() {
    let env = Env::new(json!([
        {"tool_calls": [{"name": "records__fail", "arguments": {"message": "disk on fire"}}]},
        {"text": "the tool failed: disk on fire"}
    ]))
    .await;
    let mut session = AgentSession::new(
        env.deps(ToolMode::Direct, ApprovalMode::Auto),
        SessionMode::New,
    )
    .unwrap();
    let (result, events) = turn(&mut session, "try the tool").await;
    assert_eq!(result.unwrap().final_text, "the tool failed: disk on fire");
    let (name, output, is_error) = &tool_results(&events)[0];
    assert_eq!(name, "records__fail");
    assert!(*is_error && output.contains("disk on fire"), "{output}");
    // Direct mode offered the MCP tools, not search_tools/execute_code.
    let tools = bodies(&env.server)[0]["tools"].to_string();
    assert!(tools.contains("records__list_records") && !tools.contains("execute_code"));
}
