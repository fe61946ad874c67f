//! Incremental rendering of streamed text matches rendering it whole.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{FixedBackend, app, screen_sized};
use vtcode_core::events::AgentEvent;

const ANSWER: &str = "# Findings\n\nThe loader reads `vtcode.toml` and **merges** layers:\n\n- defaults\n- the user file\n- the project file\n\n> Unknown keys are errors.\n\n```rust\nfn main() {\n    let config = load()?;\n\n    println!(\"{config:?}\");\n}\n```\n\nA second paragraph with *emphasis* that is long enough to wrap across more than one row of the terminal.\n\n1. first\n2. second\n";

fn complete_screen(text: &str) -> String {
    let backend = FixedBackend::new();
    let (mut app, _rx) = app(&backend);
    app.agent_event(AgentEvent::TurnCompleted {
        final_text: text.to_string(),
    });
    screen_sized(&mut app, 60, 60)
}

#[tokio::test]
async fn every_prefix_of_a_stream_renders_like_the_same_text_complete() {
    let backend = FixedBackend::new();
    let (mut app, _rx) = app(&backend);
    let chars: Vec<char> = ANSWER.chars().collect();
    let mut sent = String::new();
    for (i, chunk) in chars.chunks(3).enumerate() {
        let chunk: String = chunk.iter().collect();
        sent.push_str(&chunk);
        app.agent_event(AgentEvent::TextDelta { text: chunk });
        // Drawing between chunks exercises the cached stable part.
        let streamed = screen_sized(&mut app, 60, 60);
        if i % 5 == 0 || sent.len() == ANSWER.len() {
            assert_eq!(streamed, complete_screen(&sent), "after {sent:?}");
        }
    }
    app.agent_event(AgentEvent::TurnCompleted {
        final_text: ANSWER.to_string(),
    });
    let finished = screen_sized(&mut app, 60, 60);
    assert_eq!(finished, complete_screen(ANSWER));
    assert!(
        finished.contains("│     println!(\"{config:?}\");"),
        "{finished}"
    );
    assert!(finished.contains("• the user file"), "{finished}");
}

#[tokio::test]
async fn a_resize_rewraps_the_transcript() {
    let backend = FixedBackend::new();
    let (mut app, _rx) = app(&backend);
    app.agent_event(AgentEvent::TurnCompleted {
        final_text: ANSWER.to_string(),
    });
    let wide = screen_sized(&mut app, 120, 40);
    let narrow = screen_sized(&mut app, 40, 40);
    assert!(
        wide.contains("A second paragraph with emphasis that is long enough to wrap"),
        "{wide}"
    );
    assert!(
        narrow.contains("\"A second paragraph with emphasis that is\""),
        "{narrow}"
    );
    assert!(
        narrow.contains("\"long enough to wrap across more than one\""),
        "{narrow}"
    );
}
