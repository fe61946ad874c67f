//! Approvals: ask-writes asks before a patch, a denial (with its reason) is
//! what the model reads, "always" is remembered, and `vtcode exec` denies
//! without waiting and says how to allow it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod agent_support;

use agent_support::*;
use serde_json::json;
use vtcode_core::agent::{AgentSession, ApprovalMode, SessionMode, ToolMode};
use vtcode_core::events::{AgentEvent, ApprovalDecision, ApprovalKind};
use vtcode_core::exec::{EXEC_DENIAL, ExecOptions};
use vtcode_core::session::TranscriptEntry;

fn patch(from: &str, to: &str) -> String {
    format!("--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-{from}\n+{to}\n")
}

#[tokio::test]
async fn a_denied_patch_is_not_applied_and_the_model_reads_why() {
    let env = Env::new(json!([
        {"tool_calls": [{"name": "apply_patch", "arguments": {"patch": patch("one", "two")}}]},
        {"text": "Understood, I left a.txt alone."}
    ]))
    .await;
    std::fs::write(env.workspace().join("a.txt"), "one\n").unwrap();
    let mut session = AgentSession::new(
        env.deps(ToolMode::Code, ApprovalMode::AskWrites),
        SessionMode::New,
    )
    .unwrap();
    let answer = Answer::new(ApprovalDecision::Deny {
        reason: Some("not before the release".into()),
    });
    let (result, events) = turn_with(&mut session, "change a.txt", control(answer.clone())).await;
    assert_eq!(
        result.unwrap().final_text,
        "Understood, I left a.txt alone."
    );
    assert_eq!(
        std::fs::read_to_string(env.workspace().join("a.txt")).unwrap(),
        "one\n"
    );
    assert_eq!(
        answer.asked.lock().unwrap()[0],
        (ApprovalKind::Patch, "apply_patch: a.txt".to_string())
    );
    assert!(events.iter().any(|e| matches!(e,
        AgentEvent::ApprovalRequested { kind: ApprovalKind::Patch, body, .. } if body.contains("+two"))));
    let (_, output, is_error) = &tool_results(&events)[0];
    assert!(*is_error);
    assert_eq!(
        output,
        "this apply_patch call was denied: not before the release"
    );
    let sent = bodies(&env.server)[1]["messages"].to_string();
    assert!(sent.contains("not before the release"));
}

#[tokio::test]
async fn always_is_remembered_for_the_session() {
    let env = Env::new(json!([
        {"tool_calls": [{"name": "apply_patch", "arguments": {"patch": patch("one", "two")}}]},
        {"tool_calls": [{"name": "apply_patch", "arguments": {"patch": patch("two", "three")}}]},
        {"tool_calls": [{"name": "read_file", "arguments": {"path": "a.txt"}}]},
        {"text": "a.txt now says three."}
    ]))
    .await;
    std::fs::write(env.workspace().join("a.txt"), "one\n").unwrap();
    let mut session = AgentSession::new(
        env.deps(ToolMode::Code, ApprovalMode::AskAll),
        SessionMode::New,
    )
    .unwrap();
    let answer = Answer::new(ApprovalDecision::Always);
    let (result, events) = turn_with(&mut session, "edit twice", control(answer.clone())).await;
    assert_eq!(result.unwrap().final_text, "a.txt now says three.");
    let results = tool_results(&events);
    assert_eq!(answer.asks(), 1, "asked once, then remembered: {results:?}");
    assert_eq!(
        std::fs::read_to_string(env.workspace().join("a.txt")).unwrap(),
        "three\n",
        "{results:?}"
    );
    assert!(
        results[0].1.starts_with("applied:\nM a.txt (+1 -1)"),
        "{results:?}"
    );
    assert!(results[2].1.contains("three"));
}

#[tokio::test]
async fn exec_denies_what_would_ask_and_says_how_to_allow_it() {
    let env = Env::new(json!([
        {"tool_calls": [{"name": "apply_patch", "arguments": {"patch": patch("one", "two")}}]},
        {"text": "I could not change a.txt: approval is needed."}
    ]))
    .await;
    std::fs::write(env.workspace().join("a.txt"), "one\n").unwrap();
    let (result, out, progress) = exec(
        env.deps(ToolMode::Code, ApprovalMode::AskWrites),
        ExecOptions {
            prompt: "change a.txt".into(),
            ..ExecOptions::default()
        },
    )
    .await;
    let summary = result.unwrap();
    assert!(summary.succeeded());
    assert_eq!(out, "I could not change a.txt: approval is needed.\n");
    assert!(
        progress.contains("▸ apply_patch") && progress.contains("✗"),
        "{progress}"
    );
    assert_eq!(
        std::fs::read_to_string(env.workspace().join("a.txt")).unwrap(),
        "one\n"
    );
    let entries = env.store.load(&summary.session_id).unwrap();
    assert!(entries.iter().any(|e| matches!(e,
        TranscriptEntry::ToolResult { content, is_error: true, .. } if content.contains(EXEC_DENIAL))));
}
