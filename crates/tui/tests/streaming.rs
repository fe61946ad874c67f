//! Incremental rendering of streamed text matches rendering it whole.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use support::{FixedBackend, app, screen_sized};
use vtcode_core::events::AgentEvent;
use vtcode_tui::app::App;

const ANSWER: &str = "# Findings\n\nThe loader reads `vtcode.toml` and **merges** layers:\n\n- defaults\n- the user file\n- the project file\n\n> Unknown keys are errors.\n\n```rust\nfn main() {\n    let config = load()?;\n\n    println!(\"{config:?}\");\n}\n```\n\nA second paragraph with *emphasis* that is long enough to wrap across more than one row of the terminal.\n\n1. first\n2. second\n   ```sh\n   cargo test\n   ```\nRight after a list, a fence:\n~~~~python\nx = 1  # ``` is not a fence here\n~~~~\nDone.\n";

/// The screen with its styles (colours of highlighted code included).
fn buffer(app: &mut App) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(60, 70)).unwrap();
    terminal.draw(|frame| app.draw(frame)).unwrap();
    terminal.backend().buffer().clone()
}

fn complete_buffer(text: &str) -> Buffer {
    let backend = FixedBackend::new();
    let (mut app, _rx) = app(&backend);
    app.agent_event(AgentEvent::TurnCompleted {
        final_text: text.to_string(),
    });
    buffer(&mut app)
}

fn text_of(buffer: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            out.push_str(buffer[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

#[tokio::test]
async fn every_prefix_of_a_stream_renders_like_the_same_text_complete() {
    let backend = FixedBackend::new();
    let (mut app, _rx) = app(&backend);
    let chars: Vec<char> = ANSWER.chars().collect();
    let mut sent = String::new();
    for chunk in chars.chunks(3) {
        let chunk: String = chunk.iter().collect();
        sent.push_str(&chunk);
        app.agent_event(AgentEvent::TextDelta { text: chunk });
        // Drawing between chunks exercises the cached stable part.
        let streamed = buffer(&mut app);
        let complete = complete_buffer(&sent);
        if sent.ends_with('\n') {
            // At a line end even the colours agree.
            assert_eq!(streamed, complete, "after {sent:?}");
        } else {
            assert_eq!(text_of(&streamed), text_of(&complete), "after {sent:?}");
        }
    }
    app.agent_event(AgentEvent::TurnCompleted {
        final_text: ANSWER.to_string(),
    });
    assert_eq!(buffer(&mut app), complete_buffer(ANSWER));
    let finished = screen_sized(&mut app, 60, 70);
    assert!(
        finished.contains("│     println!(\"{config:?}\");"),
        "{finished}"
    );
    assert!(finished.contains("• the user file"), "{finished}");
    assert!(
        finished.contains("│ x = 1  # ``` is not a fence here"),
        "{finished}"
    );
    assert!(finished.contains("\"  │ cargo test"), "{finished}");
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
