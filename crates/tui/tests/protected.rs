//! Values the model only saw as tokens are shown in the answer and marked
//! as protected.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{FixedBackend, app, screen_sized};
use vtcode_core::events::{AgentEvent, ProtectedValue};

#[tokio::test]
async fn an_answer_with_restored_values_ends_with_a_protected_notice() {
    let backend = FixedBackend::new();
    let (mut app, _rx) = app(&backend);
    app.agent_event(AgentEvent::ProtectedValues {
        values: vec![ProtectedValue {
            token: "<<EMAIL_1>>".into(),
            kind: "email".into(),
            value: "ann@example.org".into(),
        }],
    });
    app.agent_event(AgentEvent::TextDelta {
        text: "Invoice sent to ann@example.org.".into(),
    });
    app.agent_event(AgentEvent::TurnCompleted {
        final_text: "Invoice sent to ann@example.org.".into(),
    });
    let screen = screen_sized(&mut app, 100, 20);
    assert!(
        screen.contains("Invoice sent to ann@example.org."),
        "{screen}"
    );
    assert!(
        screen.contains(
            "protected: this answer shows your data where the model only saw <<EMAIL_1>>"
        ),
        "{screen}"
    );
    // The notice belongs to that answer only.
    app.agent_event(AgentEvent::TurnCompleted {
        final_text: "Nothing else.".into(),
    });
    let screen = screen_sized(&mut app, 100, 20);
    assert_eq!(screen.matches("protected:").count(), 1, "{screen}");
}
