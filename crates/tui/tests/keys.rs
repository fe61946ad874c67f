//! Key-driven behaviour: the input editor, approvals, cancelling and quitting.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use support::{FixedBackend, app, ctrl, key, settle, submit, type_text};
use vtcode_core::events::{AgentEvent, ApprovalDecision, ApprovalKind};
use vtcode_tui::app::input::{InputEditor, InputOutcome};

fn press(editor: &mut InputEditor, code: KeyCode) -> InputOutcome {
    editor.handle_key(key(code))
}

fn typed(editor: &mut InputEditor, text: &str) {
    for c in text.chars() {
        press(editor, KeyCode::Char(c));
    }
}

#[test]
fn shift_or_alt_enter_inserts_a_newline_and_enter_submits() {
    let mut editor = InputEditor::new();
    typed(&mut editor, "first");
    editor.handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::SHIFT));
    typed(&mut editor, "second");
    editor.handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::ALT));
    typed(&mut editor, "third");
    editor.handle_key(ctrl('j'));
    typed(&mut editor, "fourth");
    assert_eq!(editor.lines().len(), 4);
    assert_eq!(
        press(&mut editor, KeyCode::Enter),
        InputOutcome::Submit("first\nsecond\nthird\nfourth".to_string())
    );
    assert!(editor.is_empty());
}

#[test]
fn empty_input_is_not_submitted() {
    let mut editor = InputEditor::new();
    typed(&mut editor, "   ");
    assert_eq!(press(&mut editor, KeyCode::Enter), InputOutcome::Edited);
}

#[test]
fn cursor_editing_works_across_lines_and_wide_chars() {
    let mut editor = InputEditor::new();
    typed(&mut editor, "héllo");
    press(&mut editor, KeyCode::Left);
    press(&mut editor, KeyCode::Left);
    typed(&mut editor, "→");
    assert_eq!(editor.text(), "hél→lo");
    press(&mut editor, KeyCode::Home);
    press(&mut editor, KeyCode::Delete);
    assert_eq!(editor.text(), "él→lo");
    press(&mut editor, KeyCode::End);
    editor.handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::SHIFT));
    typed(&mut editor, "x");
    // Backspace at the start of a line joins it to the previous one.
    press(&mut editor, KeyCode::Backspace);
    press(&mut editor, KeyCode::Backspace);
    assert_eq!(editor.lines(), ["él→lo"]);
    typed(&mut editor, " two words");
    editor.handle_key(ctrl('w'));
    assert_eq!(editor.text(), "él→lo two ");
    editor.handle_key(ctrl('u'));
    assert!(editor.is_empty());
}

#[test]
fn up_and_down_walk_history_and_keep_the_draft() {
    let mut editor = InputEditor::new();
    typed(&mut editor, "one");
    press(&mut editor, KeyCode::Enter);
    typed(&mut editor, "two");
    press(&mut editor, KeyCode::Enter);
    typed(&mut editor, "draft");
    press(&mut editor, KeyCode::Up);
    assert_eq!(editor.text(), "two");
    press(&mut editor, KeyCode::Up);
    assert_eq!(editor.text(), "one");
    press(&mut editor, KeyCode::Up);
    assert_eq!(editor.text(), "one");
    press(&mut editor, KeyCode::Down);
    assert_eq!(editor.text(), "two");
    press(&mut editor, KeyCode::Down);
    assert_eq!(editor.text(), "draft");
}

#[test]
fn up_moves_within_multiline_input_before_history() {
    let mut editor = InputEditor::new();
    typed(&mut editor, "old");
    press(&mut editor, KeyCode::Enter);
    editor.insert_str("line one\nline two");
    press(&mut editor, KeyCode::Up);
    assert_eq!(editor.cursor(), (0, 8));
    assert_eq!(editor.text(), "line one\nline two");
    press(&mut editor, KeyCode::Up);
    assert_eq!(editor.text(), "old");
}

#[test]
fn a_paste_is_inserted_at_the_cursor_with_newlines_normalised() {
    let mut editor = InputEditor::new();
    typed(&mut editor, "ab");
    press(&mut editor, KeyCode::Left);
    editor.insert_str("1\r\n2\r3");
    assert_eq!(editor.text(), "a1\n2\n3b");
    assert_eq!(editor.cursor(), (2, 1));
}

#[tokio::test]
async fn a_large_paste_lands_whole_in_the_input() {
    let backend = FixedBackend::new();
    let (mut app, _rx) = app(&backend);
    let big: String = (0..20_000).map(|i| format!("line {i}\n")).collect();
    app.handle_event(Event::Paste(big.clone()));
    assert_eq!(app.input.lines().len(), 20_001);
    assert_eq!(app.input.text(), big);
    // The screen shows the rows around the cursor.
    let shown = support::screen(&mut app);
    assert!(shown.contains("line 19999"), "{shown}");
}

fn approval(id: &str) -> AgentEvent {
    AgentEvent::ApprovalRequested {
        request_id: id.to_string(),
        kind: ApprovalKind::Command,
        summary: "run_shell: cargo fmt".to_string(),
        body: "cargo fmt".to_string(),
    }
}

#[tokio::test]
async fn approvals_answer_once_always_or_deny_with_a_reason() {
    let backend = FixedBackend::new();
    let (mut app, _rx) = app(&backend);
    for id in ["r1", "r2", "r3", "r4"] {
        app.agent_event(approval(id));
    }
    app.handle_key(key(KeyCode::Char('y')));
    app.handle_key(key(KeyCode::Char('a')));
    app.handle_key(key(KeyCode::Char('n')));
    type_text(&mut app, "use the makefile");
    app.handle_key(key(KeyCode::Enter));
    app.handle_key(key(KeyCode::Esc));
    assert!(app.approvals.is_empty());
    assert_eq!(
        backend.answers.lock().unwrap().as_slice(),
        [
            ("r1".to_string(), ApprovalDecision::Once),
            ("r2".to_string(), ApprovalDecision::Always),
            (
                "r3".to_string(),
                ApprovalDecision::Deny {
                    reason: Some("use the makefile".to_string())
                }
            ),
            ("r4".to_string(), ApprovalDecision::Deny { reason: None }),
        ]
    );
    // Keys typed into the modal did not leak into the input.
    assert!(app.input.is_empty());
    let shown = support::screen(&mut app);
    assert!(
        shown.contains("denied: run_shell: cargo fmt (use the makefile)"),
        "{shown}"
    );
}

#[tokio::test]
async fn ctrl_c_cancels_the_turn_and_a_second_ctrl_c_quits() {
    // A turn that never completes on its own.
    let backend = FixedBackend::new().with_turn(vec![AgentEvent::TextDelta {
        text: "working".to_string(),
    }]);
    let (mut app, mut rx) = app(&backend);
    submit(&mut app, "long task");
    assert!(app.is_busy());
    app.handle_key(ctrl('c'));
    settle(&mut app, &mut rx).await;
    assert!(!app.is_busy());
    assert!(!app.should_quit);
    let shown = support::screen(&mut app);
    assert!(shown.contains("cancelled"), "{shown}");
    assert!(shown.contains("Press Ctrl+C again to quit"), "{shown}");
    app.handle_key(ctrl('c'));
    assert!(app.should_quit);
}

#[tokio::test]
async fn another_key_disarms_the_quit() {
    let backend = FixedBackend::new();
    let (mut app, _rx) = app(&backend);
    type_text(&mut app, "draft");
    app.handle_key(ctrl('c'));
    assert!(app.input.is_empty());
    type_text(&mut app, "x");
    app.handle_key(ctrl('c'));
    assert!(!app.should_quit);
}

#[tokio::test]
async fn a_prompt_sent_while_busy_goes_back_into_the_input() {
    let backend = FixedBackend::new().with_turn(Vec::new());
    let (mut app, _rx) = app(&backend);
    submit(&mut app, "first");
    submit(&mut app, "second");
    assert_eq!(app.input.text(), "second");
    assert_eq!(backend.prompts.lock().unwrap().as_slice(), ["first"]);
}

#[tokio::test]
async fn typing_while_help_is_open_closes_it_and_goes_to_the_input() {
    let backend = FixedBackend::new();
    let (mut app, _rx) = app(&backend);
    submit(&mut app, "/help");
    assert!(app.help_open);
    type_text(&mut app, "/exit");
    assert!(!app.help_open);
    assert_eq!(app.input.text(), "/exit");
    app.handle_key(key(KeyCode::Enter));
    assert!(app.should_quit);

    // Esc only closes it: nothing reaches the input.
    submit(&mut app, "/help");
    app.handle_key(key(KeyCode::Esc));
    assert!(!app.help_open);
    assert!(app.input.is_empty());
}

#[tokio::test]
async fn ctrl_c_stops_the_programs_still_running_and_says_so() {
    let backend = FixedBackend::new();
    backend.status.lock().unwrap().programs_running = 2;
    let (mut app, _rx) = app(&backend);
    app.on_tick();
    assert!(support::screen_sized(&mut app, 120, 24).contains("2 programs running"));
    app.handle_key(ctrl('c'));
    assert_eq!(*backend.program_cancels.lock().unwrap(), 1);
    app.on_tick();
    let shown = support::screen_sized(&mut app, 120, 24);
    assert!(shown.contains("stopped 2 running programs"), "{shown}");
    assert!(!shown.contains("programs running"), "{shown}");
    assert!(!app.should_quit);
}

#[tokio::test]
async fn typing_while_the_skills_list_or_metrics_panel_is_open_goes_to_the_input() {
    let mut fixed = FixedBackend::default();
    *fixed.status.lock().unwrap() = support::status();
    fixed.skills = vec![vtcode_tui::app::SkillInfo {
        name: "monthly-total".into(),
        description: "Totals a month of ledger expenses.".into(),
        version: 1,
        ..Default::default()
    }];
    let backend = std::sync::Arc::new(fixed);
    let (mut app, mut rx) = app(&backend);
    submit(&mut app, "/skills");
    support::settle(&mut app, &mut rx).await;
    assert!(app.skills_picker.is_some());
    // Arrow keys move in the list; they do not close it.
    app.handle_key(key(KeyCode::Down));
    assert!(app.skills_picker.is_some());
    type_text(&mut app, "hi");
    assert!(app.skills_picker.is_none());
    assert_eq!(app.input.text(), "hi");
    for _ in 0..2 {
        app.handle_key(key(KeyCode::Backspace));
    }

    submit(&mut app, "/metrics");
    support::settle(&mut app, &mut rx).await;
    assert!(app.metrics_panel.is_some());
    type_text(&mut app, "/exit");
    assert!(app.metrics_panel.is_none());
    app.handle_key(key(KeyCode::Enter));
    assert!(app.should_quit);
}
