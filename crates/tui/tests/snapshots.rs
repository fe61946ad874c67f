//! Snapshots of the main screens, drawn on ratatui's TestBackend.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::json;
use support::{FixedBackend, app, screen, settle, submit};
use vtcode_core::events::{AgentEvent, ApprovalKind, OutputStream};

fn text(chunk: &str) -> AgentEvent {
    AgentEvent::TextDelta {
        text: chunk.to_string(),
    }
}

#[tokio::test]
async fn empty_session() {
    let backend = FixedBackend::new();
    let (mut app, _rx) = app(&backend);
    insta::assert_snapshot!(screen(&mut app));
}

#[tokio::test]
async fn empty_session_without_api_key_says_how_to_set_one() {
    let backend = FixedBackend::new();
    backend.status.lock().unwrap().api_key_hint =
        Some("no API key: set OPENAI_API_KEY (or [llm] api_key_env in vtcode.toml)".to_string());
    let (mut app, _rx) = app(&backend);
    insta::assert_snapshot!(screen(&mut app));
}

#[tokio::test]
async fn streamed_answer_with_code_block() {
    let answer = "## Plan\n\nRead the **config**, then:\n\n1. parse it\n2. check `keys`\n\n```python\nimport json\nprint(json.dumps({\"ok\": True}))\n```\n\nDone.";
    // Split at awkward places, as a provider would.
    let mut events: Vec<AgentEvent> = answer
        .as_bytes()
        .chunks(7)
        .map(|c| text(std::str::from_utf8(c).unwrap()))
        .collect();
    events.push(AgentEvent::TurnCompleted {
        final_text: answer.to_string(),
    });
    let backend = FixedBackend::new().with_turn(events);
    let (mut app, mut rx) = app(&backend);
    submit(&mut app, "how do I read the config?");
    settle(&mut app, &mut rx).await;
    assert_eq!(
        backend.prompts.lock().unwrap().as_slice(),
        ["how do I read the config?"]
    );
    insta::assert_snapshot!(screen(&mut app));
}

fn code_execution_events() -> Vec<AgentEvent> {
    let code = "from servers.time import get_current_time\nnow = get_current_time(timezone=\"UTC\")\nprint(now[\"datetime\"])\nresult = {\"hour\": now[\"datetime\"][11:13]}";
    vec![
        AgentEvent::ToolCallStarted {
            call_id: "c1".to_string(),
            name: "search_tools".to_string(),
            arguments: json!({ "query": "current time" }),
        },
        AgentEvent::ToolCallFinished {
            call_id: "c1".to_string(),
            name: "search_tools".to_string(),
            output: "time.get_current_time".to_string(),
            is_error: false,
            duration_ms: 1,
            details: Some(json!([
                { "server": "time", "tool": "get_current_time", "description": "Get the current time in a timezone" },
                { "server": "time", "tool": "convert_time", "description": "Convert a time between timezones" }
            ])),
        },
        AgentEvent::ToolCallStarted {
            call_id: "c2".to_string(),
            name: "execute_code".to_string(),
            arguments: json!({ "language": "python", "code": code }),
        },
        AgentEvent::CodeOutput {
            call_id: "c2".to_string(),
            stream: OutputStream::Stdout,
            line: "2026-01-02T12:00:00+00:00".to_string(),
        },
        AgentEvent::ToolCallFinished {
            call_id: "c2".to_string(),
            name: "execute_code".to_string(),
            output: "{\"hour\": \"12\"}".to_string(),
            is_error: false,
            duration_ms: 48,
            details: Some(json!({
                "status": "ok", "exit_code": 0,
                "stdout": "2026-01-02T12:00:00+00:00\n", "stderr": "",
                "result": { "hour": "12" }, "duration": 48.2,
                "tool_calls": [ { "server": "time", "tool": "get_current_time", "duration": 3.4, "ok": true } ]
            })),
        },
        AgentEvent::TurnCompleted {
            final_text: String::new(),
        },
    ]
}

#[tokio::test]
async fn code_execution_card_collapsed() {
    let backend = FixedBackend::new().with_turn(code_execution_events());
    let (mut app, mut rx) = app(&backend);
    submit(&mut app, "what hour is it in UTC?");
    settle(&mut app, &mut rx).await;
    insta::assert_snapshot!(screen(&mut app));
}

#[tokio::test]
async fn code_execution_card_expanded_shows_code_output_and_inner_calls() {
    let backend = FixedBackend::new().with_turn(code_execution_events());
    let (mut app, mut rx) = app(&backend);
    submit(&mut app, "what hour is it in UTC?");
    settle(&mut app, &mut rx).await;
    app.handle_key(support::ctrl('o'));
    let shown = support::screen_sized(&mut app, 80, 40);
    assert!(shown.contains("time.get_current_time  3 ms"), "{shown}");
    insta::assert_snapshot!(shown);
}

#[tokio::test]
async fn running_code_shows_live_stdout() {
    let backend = FixedBackend::new();
    let (mut app, _rx) = app(&backend);
    app.agent_event(AgentEvent::ToolCallStarted {
        call_id: "c9".to_string(),
        name: "execute_code".to_string(),
        arguments: json!({ "language": "python", "code": "for i in range(3): print(i)" }),
    });
    for i in 0..3 {
        app.agent_event(AgentEvent::CodeOutput {
            call_id: "c9".to_string(),
            stream: OutputStream::Stdout,
            line: format!("line {i}"),
        });
    }
    let shown = screen(&mut app);
    assert!(shown.contains("running…"), "{shown}");
    assert!(shown.contains("line 2"), "{shown}");
}

#[tokio::test]
async fn approval_modal() {
    let backend = FixedBackend::new();
    let (mut app, _rx) = app(&backend);
    app.agent_event(AgentEvent::ApprovalRequested {
        request_id: "r1".to_string(),
        kind: ApprovalKind::Patch,
        summary: "apply_patch: src/main.rs (+1 -1)".to_string(),
        body: "--- a/src/main.rs\n+++ b/src/main.rs\n@@ -1,3 +1,3 @@\n fn main() {\n-    println!(\"hi\");\n+    println!(\"hello\");\n }".to_string(),
    });
    insta::assert_snapshot!(screen(&mut app));
}

#[tokio::test]
async fn help() {
    let backend = FixedBackend::new();
    let (mut app, _rx) = app(&backend);
    submit(&mut app, "/help");
    insta::assert_snapshot!(support::screen_sized(&mut app, 90, 40));
}

/// The status bar says in words what the sandbox figures mean: runners
/// still starting, or how many wait warm (more than the pool size when some
/// were started for other limits), and how many programs still run.
#[tokio::test]
async fn status_bar_says_what_the_sandbox_figures_mean() {
    let backend = FixedBackend::new();
    backend.status.lock().unwrap().pool_ready = 1;
    let (mut app, _rx) = app(&backend);
    let warming = support::screen_sized(&mut app, 110, 6);
    {
        let mut status = backend.status.lock().unwrap();
        status.pool_ready = 3;
        status.programs_running = 1;
    }
    app.on_tick();
    let warm = support::screen_sized(&mut app, 110, 6);
    // Narrower than the whole bar: the token figures give way, not the mode.
    let narrow = support::screen_sized(&mut app, 96, 6);
    insta::assert_snapshot!(format!("{warming}\n{warm}\n{narrow}"));
}

#[tokio::test]
async fn error_from_the_agent_is_shown_in_the_transcript() {
    let backend = FixedBackend::new().with_turn(vec![
        text("Let me check."),
        AgentEvent::ToolCallStarted {
            call_id: "c1".to_string(),
            name: "read_file".to_string(),
            arguments: json!({ "path": "missing.txt" }),
        },
        AgentEvent::ToolCallFinished {
            call_id: "c1".to_string(),
            name: "read_file".to_string(),
            output: "missing.txt: no such file".to_string(),
            is_error: true,
            duration_ms: 0,
            details: None,
        },
        AgentEvent::Error {
            message: "the model endpoint returned 401 Unauthorized: check OPENAI_API_KEY"
                .to_string(),
        },
    ]);
    let (mut app, mut rx) = app(&backend);
    submit(&mut app, "read missing.txt");
    settle(&mut app, &mut rx).await;
    insta::assert_snapshot!(screen(&mut app));
}

#[tokio::test]
async fn servers_shows_why_one_failed() {
    let backend = FixedBackend::new();
    let (mut app, mut rx) = app(&backend);
    submit(&mut app, "/servers");
    settle(&mut app, &mut rx).await;
    let shown = screen(&mut app);
    assert!(
        shown.contains("github  failed: GITHUB_TOKEN is not set"),
        "{shown}"
    );
    assert!(shown.contains("time  up  2 tools"), "{shown}");
}

#[tokio::test]
async fn skills_list_then_enter_opens_the_chosen_skill_md() {
    use crossterm::event::KeyCode;
    use vtcode_tui::app::SkillInfo;
    let mut fixed = FixedBackend::default();
    *fixed.status.lock().unwrap() = support::status();
    fixed.skills = vec![
        SkillInfo {
            name: "monthly-total".into(),
            description: "Totals a month of ledger expenses in euros.".into(),
            version: 3,
            uses: 12,
            last_used: "2026-11-30".into(),
            state: "incompatible".into(),
        },
        SkillInfo {
            name: "review-checklist".into(),
            description: "How to review a pull request here.".into(),
            version: 1,
            uses: 0,
            last_used: "never".into(),
            state: String::new(),
        },
    ];
    let backend = std::sync::Arc::new(fixed);
    let (mut app, mut rx) = app(&backend);
    submit(&mut app, "/skills");
    settle(&mut app, &mut rx).await;
    insta::assert_snapshot!("skills_picker", support::screen_sized(&mut app, 110, 14));
    app.handle_key(support::key(KeyCode::Down));
    app.handle_key(support::key(KeyCode::Enter));
    settle(&mut app, &mut rx).await;
    assert!(app.skills_picker.is_none());
    let shown = support::screen_sized(&mut app, 110, 14);
    assert!(
        shown.contains(".agents/skills/review-checklist/SKILL.md"),
        "{shown}"
    );
    assert!(shown.contains("name: review-checklist"), "{shown}");
}

#[tokio::test]
async fn a_tool_changed_under_the_session_is_a_transcript_notice() {
    let backend = FixedBackend::new();
    let (mut app, _rx) = app(&backend);
    backend.notices.lock().unwrap().push(
        "tool rug.lookup changed (incompatible): parameter `word` renamed to `term`".to_string(),
    );
    assert!(app.on_tick(), "a notice must redraw the screen");
    assert!(!app.on_tick(), "a notice is shown once");
    insta::assert_snapshot!(screen(&mut app));
}

/// Events of a short, made-up history, summarised by core as the real
/// backend would.
fn metric_history() -> Vec<vtcode_core::metrics::StoredEvent> {
    use vtcode_core::metrics::{CallPath, MetricEvent, StoredEvent};
    let mut events = Vec::new();
    let mut push = |event: MetricEvent| {
        let id = events.len() as i64 + 1;
        events.push(StoredEvent {
            id,
            at_ms: 1_700_000_000_000 + id * 1000,
            event,
        });
    };
    for (i, ms) in [12.0, 15.0, 11.0, 40.0, 13.0, 90.0, 14.0, 12.0]
        .into_iter()
        .enumerate()
    {
        push(MetricEvent::Execution {
            language: "python".into(),
            backend: "docker".into(),
            duration_ms: ms,
            status: if i == 5 { "timeout" } else { "ok" }.into(),
            tool_calls: 1,
            tools: vec!["time.convert_time".into()],
            output_bytes: 200,
            shape: "abc".into(),
            peak_memory_bytes: None,
        });
        push(MetricEvent::Filtering {
            tool_bytes: 10_000 + 1000 * i as u64,
            model_bytes: 300 + 100 * i as u64,
        });
    }
    for tokens in [1200, 3400, 2100, 5000, 2600] {
        push(MetricEvent::Turn {
            model_calls: 2,
            input_tokens: tokens,
            output_tokens: 100,
        });
    }
    for (tool, calls, failed) in [("convert_time", 6, 1), ("get_current_time", 3, 0)] {
        for n in 0..calls {
            push(MetricEvent::McpCall {
                server: "time".into(),
                tool: tool.into(),
                path: CallPath::Bridge,
                latency_ms: 3.0,
                error: (n < failed).then(|| "Invalid timezone: '…'".to_string()),
                args: Vec::new(),
                result_bytes: 120,
            });
        }
    }
    events
}

#[tokio::test]
async fn metrics_panel_charts() {
    let backend = FixedBackend::with_metrics(&metric_history());
    let (mut app, mut rx) = app(&backend);
    submit(&mut app, "/metrics");
    settle(&mut app, &mut rx).await;
    insta::assert_snapshot!(screen(&mut app));
}
