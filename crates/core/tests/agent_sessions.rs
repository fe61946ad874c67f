//! Sessions in SQLite: resume rebuilds the conversation the model saw, and a
//! crash in the middle of a tool call loses nothing that was committed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod agent_support;

use std::sync::Arc;
use std::time::Duration;

use agent_support::*;
use serde_json::json;
use vtcode_core::agent::{AgentSession, ApprovalHandler, ApprovalMode, SessionMode, ToolMode};
use vtcode_core::events::{ApprovalDecision, ApprovalKind};
use vtcode_core::session::{INTERRUPTED, SessionStore, TranscriptEntry};
use vtcode_llm::Message;

#[tokio::test]
async fn resume_rebuilds_the_conversation_and_continues_it() {
    let env = Env::new(json!([
        {"tool_calls": [{"id": "c1", "name": "list_dir", "arguments": {"path": "."}}]},
        {"text": "There is one file, notes.md."},
        {"text": "You asked what files exist."}
    ]))
    .await;
    std::fs::write(env.workspace().join("notes.md"), "hello").unwrap();
    let id = {
        let mut session = AgentSession::new(
            env.deps(ToolMode::Code, ApprovalMode::Auto),
            SessionMode::New,
        )
        .unwrap();
        let (result, _) = turn(&mut session, "which files are there?").await;
        result.unwrap();
        session.id().to_string()
    };

    // A new process: a fresh store handle on the same database file.
    let mut deps = env.deps(ToolMode::Code, ApprovalMode::Auto);
    deps.sessions = Some(SessionStore::open(&env.dir.path().join("vtcode.db")).unwrap());
    let mut resumed = AgentSession::new(deps, SessionMode::ResumeLatest).unwrap();
    assert_eq!(resumed.id(), id);
    let messages = resumed.messages().to_vec();
    assert_eq!(messages.len(), 4, "{messages:?}");
    assert!(matches!(&messages[2], Message::Tool { content, .. } if content.contains("notes.md")));

    let (result, _) = turn(&mut resumed, "what did I ask?").await;
    assert_eq!(result.unwrap().final_text, "You asked what files exist.");
    let sent = &bodies(&env.server)[2]["messages"];
    let sent = sent.to_string();
    assert!(sent.contains("which files are there?") && sent.contains("notes.md"));
    assert!(sent.contains("what did I ask?"));

    let list = env.store.list().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].id, id);
    assert_eq!(
        list[0].first_prompt.as_deref(),
        Some("which files are there?")
    );
    assert_eq!(list[0].turns, 2);
}

/// Never answers: the person walked away, then vtcode was killed.
struct NeverAnswers;

#[async_trait::async_trait]
impl ApprovalHandler for NeverAnswers {
    async fn decide(&self, _: &str, _: ApprovalKind, _: &str, _: &str) -> ApprovalDecision {
        std::future::pending().await
    }
}

#[tokio::test]
async fn a_crash_during_a_tool_call_loses_nothing_committed() {
    let patch = "--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1 @@\n+created\n";
    let env = Env::new(json!([
        {"text": "I will create it.", "tool_calls": [{"id": "p1", "name": "apply_patch", "arguments": {"patch": patch}}]},
        {"text": "The patch was interrupted; nothing was created."}
    ]))
    .await;
    let mut session = AgentSession::new(
        env.deps(ToolMode::Code, ApprovalMode::AskWrites),
        SessionMode::New,
    )
    .unwrap();
    let id = session.id().to_string();
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let run = session.run_turn("create new.txt".into(), tx, control(Arc::new(NeverAnswers)));
    // The turn hangs on the approval; dropping it is what a kill looks like
    // to everything already committed.
    assert!(
        tokio::time::timeout(Duration::from_secs(20), run)
            .await
            .is_err()
    );
    drop(session);

    let store = SessionStore::open(&env.dir.path().join("vtcode.db")).unwrap();
    let entries = store.load(&id).unwrap();
    assert!(
        matches!(&entries[0], TranscriptEntry::User { content } if content == "create new.txt")
    );
    assert!(
        matches!(&entries[1], TranscriptEntry::Assistant { tool_calls, .. } if tool_calls[0].name == "apply_patch")
    );
    assert!(matches!(&entries[2], TranscriptEntry::ToolCall { call_id, .. } if call_id == "p1"));

    let mut deps = env.deps(ToolMode::Code, ApprovalMode::AskWrites);
    deps.sessions = Some(store);
    let mut resumed = AgentSession::new(deps, SessionMode::Resume(id)).unwrap();
    assert!(matches!(resumed.messages().last(),
        Some(Message::Tool { call_id, content, is_error: true }) if call_id == "p1" && content == INTERRUPTED));
    let (result, _) = turn(&mut resumed, "did it work?").await;
    assert_eq!(
        result.unwrap().final_text,
        "The patch was interrupted; nothing was created."
    );
    assert!(!env.workspace().join("new.txt").exists());
    // The model got a well-formed history: the call, then its result.
    let sent = bodies(&env.server)[1]["messages"].to_string();
    assert!(sent.contains("interrupted: this tool call did not finish"));
}

#[tokio::test]
async fn resuming_an_unknown_session_says_how_to_find_one() {
    let env = Env::new(json!([])).await;
    let err = AgentSession::new(
        env.deps(ToolMode::Code, ApprovalMode::Auto),
        SessionMode::Resume("nope".into()),
    )
    .err()
    .unwrap()
    .to_string();
    assert!(
        err.contains("no session `nope`") && err.contains("vtcode sessions list"),
        "{err}"
    );
    let err = AgentSession::new(
        env.deps(ToolMode::Code, ApprovalMode::Auto),
        SessionMode::ResumeLatest,
    )
    .err()
    .unwrap()
    .to_string();
    assert!(err.contains("no earlier session"), "{err}");
}
