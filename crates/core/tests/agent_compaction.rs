//! Compaction: when the context would overflow, older messages are
//! summarised by a model call, also in the middle of a long tool loop, and
//! the compacted conversation is what a resume rebuilds.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod agent_support;

use agent_support::*;
use serde_json::json;
use vtcode_core::agent::{AgentSession, ApprovalMode, SessionMode, ToolMode};
use vtcode_core::events::AgentEvent;
use vtcode_core::session::TranscriptEntry;
use vtcode_llm::Message;

fn big_file(tag: &str) -> String {
    (1..=300)
        .map(|i| format!("{tag} line {i:04}: alpha beta gamma delta epsilon\n"))
        .collect()
}

#[tokio::test]
async fn a_long_tool_loop_is_compacted_before_the_context_overflows() {
    let env = Env::new(json!([
        {"tool_calls": [{"name": "read_file", "arguments": {"path": "big1.txt"}}]},
        {"tool_calls": [{"name": "read_file", "arguments": {"path": "big2.txt"}}]},
        {"text": "SUMMARY ONE: the user wants three files read; big1.txt was read."},
        {"tool_calls": [{"name": "read_file", "arguments": {"path": "big3.txt"}}]},
        {"text": "SUMMARY TWO: three files requested; big1.txt and big2.txt read."},
        {"text": "All three files are read."},
        {"text": "SUMMARY THREE: everything is done."}
    ]))
    .await;
    std::fs::write(env.workspace().join("big1.txt"), big_file("big1")).unwrap();
    std::fs::write(env.workspace().join("big2.txt"), big_file("big2")).unwrap();
    std::fs::write(env.workspace().join("big3.txt"), big_file("big3")).unwrap();
    let mut deps = env.deps(ToolMode::Code, ApprovalMode::Auto);
    deps.context_window = 4_000;
    let mut session = AgentSession::new(deps.clone(), SessionMode::New).unwrap();
    let (result, events) = turn(&mut session, "read big1.txt, big2.txt and big3.txt").await;
    assert_eq!(result.unwrap().final_text, "All three files are read.");
    // One result may take about half the window, never all of it.
    let results = tool_results(&events);
    assert!(
        results[0]
            .1
            .contains("[output truncated: showed the first 8000 of")
    );

    let compactions: Vec<(u64, u64)> = events
        .iter()
        .filter_map(|e| match e {
            AgentEvent::Compacted {
                tokens_before,
                tokens_after,
            } => Some((*tokens_before, *tokens_after)),
            _ => None,
        })
        .collect();
    assert_eq!(compactions.len(), 2, "{compactions:?}");
    assert!(compactions.iter().all(|(before, after)| after < before));

    let requests = bodies(&env.server);
    assert_eq!(requests.len(), 6);
    for summary_request in [&requests[2], &requests[4]] {
        let system = summary_request["messages"][0]["content"].as_str().unwrap();
        assert!(system.starts_with("You summarise"), "{system}");
        assert!(
            summary_request["tools"]
                .as_array()
                .is_none_or(Vec::is_empty)
        );
    }
    // The last request carries the newest summary and the newest result,
    // not the earlier files.
    let last = requests[5]["messages"].to_string();
    assert!(last.contains("Summary of the earlier conversation") && last.contains("SUMMARY TWO"));
    assert!(last.contains("big3 line 0001"));
    assert!(!last.contains("big1 line 0001") && !last.contains("big2 line 0001"));

    let stored = env.store.load(session.id()).unwrap();
    let kept: Vec<usize> = stored
        .iter()
        .filter_map(|e| match e {
            TranscriptEntry::Compaction { kept, .. } => Some(*kept),
            _ => None,
        })
        .collect();
    assert_eq!(kept.len(), 2);
    let mut resumed_deps = deps.clone();
    resumed_deps.sessions = Some(env.store.clone());
    let resumed =
        AgentSession::new(resumed_deps, SessionMode::Resume(session.id().into())).unwrap();
    assert_eq!(resumed.messages(), session.messages());

    // A manual compaction folds everything into one summary.
    let report = session.compact().await.unwrap().unwrap();
    assert!(report.tokens_after < report.tokens_before);
    assert_eq!(session.messages().len(), 1);
    assert!(
        matches!(&session.messages()[0], Message::User { content } if content.contains("SUMMARY THREE"))
    );
}
