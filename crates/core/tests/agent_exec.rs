//! `vtcode exec` end to end: the data-heavy task completes in code mode
//! (Docker sandbox) and in direct mode against the scripted model and the
//! real records server; progress goes to stderr, the answer to stdout, or
//! one JSON event per line. The failures a user meets first are one clear
//! line each and leave the session record intact.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod agent_support;

use std::sync::Arc;
use std::time::Duration;

use agent_support::*;
use serde_json::json;
use vtcode_core::agent::{ApprovalMode, ToolMode};
use vtcode_core::events::AgentEvent;
use vtcode_core::exec::ExecOptions;
use vtcode_core::runtime::{HubDirectTools, LiveCatalog};
use vtcode_core::session::TranscriptEntry;
use vtcode_llm::{ProviderKind, ProviderSettings, RetryPolicy, build_provider};
use vtcode_mcp::ServerSpec;
use vtcode_sandbox::Backend;

fn task() -> ExecOptions {
    ExecOptions {
        prompt: RECORDS_TASK.into(),
        max_turns: Some(10),
        ..ExecOptions::default()
    }
}

#[tokio::test]
async fn exec_completes_the_data_task_in_code_mode() {
    let env = Env::new(records_task_script(ToolMode::Code)).await;
    let sandbox = env.sandbox(Backend::Docker).await;
    let deps = env.deps_with(ToolMode::Code, ApprovalMode::AskWrites, sandbox.clone());
    let (result, out, err) = exec(deps, task()).await;
    let summary = result.unwrap();
    assert!(summary.succeeded());
    assert_eq!(out, format!("{RECORDS_ANSWER}\n"));
    let (orders, _) = records_expected(&env.hub).await;
    assert!(err.contains("▸ search_tools"), "{err}");
    assert!(err.contains("▸ execute_code"), "{err}");
    assert!(
        err.contains(&format!("│ {orders} shipped EMEA orders")),
        "{err}"
    );
    assert_eq!(env.store.list().unwrap()[0].id, summary.session_id);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn exec_completes_the_data_task_in_direct_mode_as_json_events() {
    let env = Env::new(records_task_script(ToolMode::Direct)).await;
    let deps = env.deps(ToolMode::Direct, ApprovalMode::AskWrites);
    let options = ExecOptions {
        json: true,
        ..task()
    };
    let (result, out, err) = exec(deps, options).await;
    assert!(result.unwrap().succeeded());
    assert!(err.is_empty(), "{err}");
    let events: Vec<AgentEvent> = out
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert!(matches!(
        events.first(),
        Some(AgentEvent::TurnStarted { turn: 1, .. })
    ));
    assert!(
        matches!(events.last(), Some(AgentEvent::TurnCompleted { final_text }) if final_text == RECORDS_ANSWER)
    );
    assert!(events.iter().any(|e| matches!(e,
        AgentEvent::ToolCallFinished { name, is_error: false, output, .. }
            if name == "records__list_records" && output.contains("\"records\""))));
    assert!(events.iter().any(|e| matches!(e, AgentEvent::Usage { .. })));
    assert!(
        events
            .iter()
            .any(|e| matches!(e, AgentEvent::TextDelta { .. }))
    );
}

#[tokio::test]
async fn an_unreachable_endpoint_is_one_clear_line_and_the_prompt_is_kept() {
    let env = Env::new(json!([])).await;
    let mut deps = env.deps(ToolMode::Code, ApprovalMode::Auto);
    deps.provider = build_provider(ProviderSettings {
        provider: ProviderKind::OpenAi,
        model: "scripted-model".into(),
        base_url: Some("http://127.0.0.1:9/v1".into()),
        retry: RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        },
        ..ProviderSettings::default()
    })
    .unwrap();
    let (result, out, err) = exec(
        deps,
        ExecOptions {
            json: false,
            ..task()
        },
    )
    .await;
    let message = result.unwrap_err().to_string();
    assert!(
        message.contains("cannot reach the model endpoint"),
        "{message}"
    );
    assert!(!message.contains('\n'));
    assert!(out.is_empty());
    assert!(err.contains(&format!("error: {message}")), "{err}");
    let sessions = env.store.list().unwrap();
    assert_eq!(sessions[0].first_prompt.as_deref(), Some(RECORDS_TASK));
    let entries = env.store.load(&sessions[0].id).unwrap();
    assert!(matches!(
        &entries[..],
        [TranscriptEntry::User { .. }, TranscriptEntry::Error { .. }]
    ));
}

#[tokio::test]
async fn a_wrong_model_name_says_to_check_it() {
    let env = Env::new(json!([
        {"status": 404, "error": "The model `gpt-nope` does not exist"}
    ]))
    .await;
    let deps = env.deps(ToolMode::Code, ApprovalMode::Auto);
    let (result, _, err) = exec(deps, task()).await;
    let message = result.unwrap_err().to_string();
    assert!(
        message.contains("gpt-nope") && message.contains("check the model name"),
        "{message}"
    );
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error: ")).count(),
        1,
        "{err}"
    );
}

#[tokio::test]
async fn a_server_that_is_down_does_not_stop_the_others() {
    let env = Env::new(records_task_script(ToolMode::Direct)).await;
    let mut ghost = ServerSpec::stdio("ghost", "/nonexistent/ghost-mcp-server", Vec::new());
    ghost.startup_timeout = Duration::from_secs(10);
    let logs = env.dir.path().join("logs2");
    std::fs::create_dir_all(&logs).unwrap();
    let records_script = repo_root().join("tests/fixtures/mcp/records_server.py");
    let records = ServerSpec::stdio(
        "records",
        python(),
        vec![records_script.to_string_lossy().into_owned()],
    );
    let hub = start_hub(vec![ghost, records], &logs).await;
    let mut deps = env.deps(ToolMode::Direct, ApprovalMode::Auto);
    deps.direct_tools = Arc::new(HubDirectTools::new(
        hub.clone(),
        LiveCatalog::new(hub.clone(), None, None),
    ));
    let (result, out, _) = exec(deps, task()).await;
    assert!(result.unwrap().succeeded());
    assert_eq!(out, format!("{RECORDS_ANSWER}\n"));
    let ghost_status = hub
        .statuses()
        .into_iter()
        .find(|s| s.name == "ghost")
        .unwrap();
    assert!(
        format!("{:?}", ghost_status.state).contains("ghost-mcp-server"),
        "{ghost_status:?}"
    );
}
