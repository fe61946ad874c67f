//! The status bar follows the backend's status as things come up, and the
//! transcript scrolls.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use crossterm::event::KeyCode;
use support::{FixedBackend, app, key, screen};
use vtcode_core::events::AgentEvent;

#[tokio::test]
async fn servers_and_the_sandbox_pool_show_up_as_they_arrive() {
    let backend = FixedBackend::new();
    {
        let mut status = backend.status.lock().unwrap();
        status.sandbox_backend = String::new();
        status.pool_ready = 0;
        status.servers_up = 0;
    }
    let (mut app, _rx) = app(&backend);
    let before = screen(&mut app);
    assert!(before.contains("sandbox starting…"), "{before}");
    assert!(before.contains("mcp 0/2"), "{before}");
    assert!(!app.on_tick(), "an unchanged idle status needs no redraw");
    {
        let mut status = backend.status.lock().unwrap();
        status.sandbox_backend = "docker".to_string();
        status.pool_ready = 1;
        status.servers_up = 2;
    }
    assert!(app.on_tick());
    let after = screen(&mut app);
    assert!(after.contains("docker: warming 1 of 2"), "{after}");
    assert!(after.contains("mcp 2/2"), "{after}");
}

#[tokio::test]
async fn page_up_scrolls_back_and_page_down_follows_again() {
    let backend = FixedBackend::new();
    let (mut app, _rx) = app(&backend);
    for i in 0..60 {
        app.agent_event(AgentEvent::TextDelta {
            text: format!("answer number {i}"),
        });
        app.agent_event(AgentEvent::TurnCompleted {
            final_text: String::new(),
        });
    }
    let bottom = screen(&mut app);
    assert!(bottom.contains("answer number 59"), "{bottom}");
    app.handle_key(key(KeyCode::PageUp));
    app.handle_key(key(KeyCode::PageUp));
    let scrolled = screen(&mut app);
    assert!(!scrolled.contains("answer number 59"), "{scrolled}");
    assert!(scrolled.contains("scrolled up 20 lines"), "{scrolled}");
    // Scrolling past the top stops at the first entry.
    for _ in 0..100 {
        app.handle_key(key(KeyCode::PageUp));
    }
    let top = screen(&mut app);
    assert!(top.contains("answer number 0 "), "{top}");
    for _ in 0..100 {
        app.handle_key(key(KeyCode::PageDown));
    }
    assert!(screen(&mut app).contains("answer number 59"));
}
