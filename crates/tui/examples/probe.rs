#![allow(clippy::unwrap_used, clippy::expect_used)]
#[path = "../tests/support/mod.rs"]
mod support;
use serde_json::json;
use vtcode_core::events::AgentEvent;
#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let backend = support::FixedBackend::new().with_turn(vec![
        AgentEvent::TextDelta {
            text: "Let me look for a clock.".into(),
        },
        AgentEvent::ToolCallStarted {
            call_id: "c1".into(),
            name: "search_tools".into(),
            arguments: json!({"query":"current time"}),
        },
        AgentEvent::ToolCallFinished {
            call_id: "c1".into(),
            name: "search_tools".into(),
            output: "time.get_current_time".into(),
            is_error: false,
            duration_ms: 2,
            details: None,
        },
        AgentEvent::TextDelta {
            text: "It is **noon** in Paris.".into(),
        },
        AgentEvent::TurnCompleted {
            final_text: "It is noon in Paris.".into(),
        },
    ]);
    if std::env::var("PROBE_PANIC").is_ok() {
        tokio::spawn(async {
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            panic!("probe panic");
        });
    }
    vtcode_tui::app::run(backend, vtcode_tui::app::UiOptions::default()).await
}
