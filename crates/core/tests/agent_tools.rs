//! The built-in coding tools as the model uses them: several calls in one
//! reply all run, grep respects .gitignore, a patch with a bad hunk changes
//! nothing and says which file, big output is capped with a marker, and
//! paths cannot leave the workspace.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod agent_support;

use agent_support::*;
use serde_json::json;
use vtcode_core::agent::{AgentSession, ApprovalMode, SessionMode, ToolMode};

#[tokio::test]
async fn several_tool_calls_in_one_reply_all_run_in_order() {
    let env = Env::new(json!([
        {"tool_calls": [
            {"id": "a", "name": "list_dir", "arguments": {"path": "."}},
            {"id": "b", "name": "read_file", "arguments": {"path": "src/lib.rs", "offset": 2, "limit": 1}},
            {"id": "c", "name": "grep", "arguments": {"pattern": "fn \\w+", "glob": "*.rs"}}
        ]},
        {"text": "Read it all."}
    ]))
    .await;
    let ws = env.workspace();
    std::fs::create_dir_all(ws.join("src")).unwrap();
    std::fs::create_dir_all(ws.join("target")).unwrap();
    std::fs::write(
        ws.join("src/lib.rs"),
        "// lib\nfn alpha() {}\nfn beta() {}\n",
    )
    .unwrap();
    std::fs::write(ws.join("target/gen.rs"), "fn generated() {}\n").unwrap();
    std::fs::write(ws.join(".gitignore"), "target/\n").unwrap();
    let mut session = AgentSession::new(
        env.deps(ToolMode::Code, ApprovalMode::Auto),
        SessionMode::New,
    )
    .unwrap();
    let (result, events) = turn(&mut session, "look around").await;
    assert_eq!(result.unwrap().final_text, "Read it all.");
    let results = tool_results(&events);
    assert_eq!(results.len(), 3);
    assert_eq!(results[0].1, ".gitignore\nsrc/\ntarget/");
    assert_eq!(
        results[1].1,
        "     2\tfn alpha() {}\n[lines 2-2 of 3; use offset to read on]\n"
    );
    assert_eq!(
        results[2].1,
        "src/lib.rs:2:fn alpha() {}\nsrc/lib.rs:3:fn beta() {}"
    );
    // All three results went back to the model in one request.
    let sent = &bodies(&env.server)[1]["messages"];
    let ids: Vec<&str> = sent
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "tool")
        .map(|m| m["tool_call_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["a", "b", "c"]);
}

#[tokio::test]
async fn a_patch_with_a_bad_hunk_changes_nothing() {
    let good = "--- a/one.txt\n+++ b/one.txt\n@@ -1 +1 @@\n-one\n+ONE\n";
    let bad = "--- a/two.txt\n+++ b/two.txt\n@@ -1 +1 @@\n-not what is there\n+TWO\n";
    let create = "--- /dev/null\n+++ b/sub/three.txt\n@@ -0,0 +1 @@\n+three\n";
    let env = Env::new(json!([
        {"tool_calls": [{"name": "apply_patch", "arguments": {"patch": format!("{good}{bad}")}}]},
        {"tool_calls": [{"name": "apply_patch", "arguments": {"patch": format!("{good}{create}")}}]},
        {"tool_calls": [{"name": "apply_patch", "arguments": {"patch": "--- a/../escape.txt\n+++ b/../escape.txt\n@@ -0,0 +1 @@\n+x\n"}}]},
        {"text": "done"}
    ]))
    .await;
    let ws = env.workspace();
    std::fs::write(ws.join("one.txt"), "one\n").unwrap();
    std::fs::write(ws.join("two.txt"), "two\n").unwrap();
    let mut session = AgentSession::new(
        env.deps(ToolMode::Code, ApprovalMode::Auto),
        SessionMode::New,
    )
    .unwrap();
    let (result, events) = turn(&mut session, "patch").await;
    result.unwrap();
    let results = tool_results(&events);
    assert!(results[0].2);
    assert!(
        results[0]
            .1
            .starts_with("error applying hunk #1 in `two.txt`"),
        "{}",
        results[0].1
    );
    assert!(!results[1].2, "{}", results[1].1);
    assert_eq!(
        results[1].1,
        "applied:\nM one.txt (+1 -1)\nA sub/three.txt (+1 -0)"
    );
    assert_eq!(
        std::fs::read_to_string(ws.join("one.txt")).unwrap(),
        "ONE\n"
    );
    assert_eq!(
        std::fs::read_to_string(ws.join("two.txt")).unwrap(),
        "two\n"
    );
    assert_eq!(
        std::fs::read_to_string(ws.join("sub/three.txt")).unwrap(),
        "three\n"
    );
    assert!(results[2].2 && results[2].1.contains("outside the workspace"));
    assert!(!env.dir.path().join("escape.txt").exists());
}

#[tokio::test]
async fn big_tool_output_is_capped_with_a_marker() {
    let env = Env::new(json!([
        {"tool_calls": [{"name": "records__list_records", "arguments": {}}]},
        {"text": "too much data"}
    ]))
    .await;
    let mut deps = env.deps(ToolMode::Direct, ApprovalMode::Auto);
    deps.tool_output_bytes = 10_000;
    let mut session = AgentSession::new(deps, SessionMode::New).unwrap();
    let (result, events) = turn(&mut session, "list records").await;
    result.unwrap();
    let (_, output, is_error) = &tool_results(&events)[0];
    assert!(!is_error);
    assert!(output.len() < 10_300);
    assert!(
        output.contains("[output truncated: showed the first 10000 of "),
        "{}",
        &output[output.len() - 200..]
    );
}
