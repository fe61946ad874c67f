//! Slash-command parsing, completion and suggestions, and what the commands
//! do in the app.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use crossterm::event::KeyCode;
use support::{FixedBackend, app, key, screen, settle, submit, type_text};
use vtcode_tui::app::commands::{Command, ParseError, complete, completions, parse};
use vtcode_tui::app::{ResumeTarget, UiOptions};

#[test]
fn plain_text_and_paths_are_not_commands() {
    assert_eq!(parse("fix the tests"), None);
    assert_eq!(parse("/etc/hosts has a typo, fix it"), None);
    assert_eq!(parse("/main.rs fails to build"), None);
}

#[test]
fn commands_parse_with_their_arguments() {
    assert_eq!(
        parse("/tools open a pull request"),
        Some(Ok(Command::Tools("open a pull request".to_string())))
    );
    assert_eq!(parse("/tools"), Some(Ok(Command::Tools(String::new()))));
    assert_eq!(parse("/model"), Some(Ok(Command::Model(None))));
    assert_eq!(
        parse("/model gpt-5"),
        Some(Ok(Command::Model(Some("gpt-5".to_string()))))
    );
    assert_eq!(
        parse("/mode direct"),
        Some(Ok(Command::Mode("direct".to_string())))
    );
    assert_eq!(
        parse("/approval ask-all"),
        Some(Ok(Command::Approval("ask-all".to_string())))
    );
    assert_eq!(parse("/resume"), Some(Ok(Command::Resume(None))));
    assert_eq!(
        parse("/resume abc"),
        Some(Ok(Command::Resume(Some("abc".to_string()))))
    );
    assert_eq!(parse("  /exit  "), Some(Ok(Command::Exit)));
}

#[test]
fn run_takes_the_code_from_the_following_lines() {
    assert_eq!(
        parse("/run py\nprint(1)\nprint(2)"),
        Some(Ok(Command::Run {
            language: "python".to_string(),
            code: "print(1)\nprint(2)".to_string()
        }))
    );
    let error = parse("/run python").unwrap().unwrap_err();
    assert!(
        error
            .to_string()
            .contains("then the code on the next lines")
    );
    assert!(matches!(
        parse("/run ruby\nputs 1"),
        Some(Err(ParseError::Usage { .. }))
    ));
}

#[test]
fn bad_arguments_show_the_usage() {
    assert_eq!(
        parse("/mode fast").unwrap().unwrap_err().to_string(),
        "usage: /mode code|direct"
    );
    assert_eq!(
        parse("/approval").unwrap().unwrap_err().to_string(),
        "usage: /approval auto|ask-writes|ask-all"
    );
}

#[test]
fn unknown_commands_suggest_the_closest_one() {
    assert_eq!(
        parse("/hepl").unwrap().unwrap_err().to_string(),
        "unknown command /hepl — did you mean /help?"
    );
    assert_eq!(
        parse("/sesions").unwrap().unwrap_err().to_string(),
        "unknown command /sesions — did you mean /sessions?"
    );
    assert_eq!(
        parse("/xyzzy").unwrap().unwrap_err().to_string(),
        "unknown command /xyzzy — type /help for the list"
    );
}

#[test]
fn completion_lists_and_extends_command_names() {
    let names: Vec<_> = completions("/se").iter().map(|c| c.name).collect();
    assert_eq!(names, ["servers", "sessions"]);
    assert_eq!(complete("/he"), Some("/help ".to_string()));
    assert_eq!(complete("/mo"), Some("/mode".to_string()));
    assert_eq!(complete("/mode"), None);
    assert_eq!(complete("/se"), None);
    assert!(completions("/tools x").is_empty());
    assert!(completions("hello").is_empty());
}

#[tokio::test]
async fn tab_completes_in_the_input_and_the_popup_lists_matches() {
    let backend = FixedBackend::new();
    let (mut app, _rx) = app(&backend);
    type_text(&mut app, "/ser");
    assert!(screen(&mut app).contains("/servers   MCP servers and why one failed"));
    app.handle_key(key(KeyCode::Tab));
    assert_eq!(app.input.text(), "/servers ");
}

#[tokio::test]
async fn an_unknown_command_is_reported_with_a_suggestion() {
    let backend = FixedBackend::new();
    let (mut app, _rx) = app(&backend);
    submit(&mut app, "/sandbx");
    let shown = screen(&mut app);
    assert!(
        shown.contains("unknown command /sandbx — did you mean /sandbox?"),
        "{shown}"
    );
}

#[tokio::test]
async fn model_switch_reaches_the_backend_and_failures_are_shown() {
    let backend = FixedBackend::new();
    let (mut app, mut rx) = app(&backend);
    submit(&mut app, "/model gpt-5");
    settle(&mut app, &mut rx).await;
    assert_eq!(backend.models.lock().unwrap().as_slice(), ["gpt-5"]);
    submit(&mut app, "/model bogus");
    settle(&mut app, &mut rx).await;
    let shown = screen(&mut app);
    assert!(shown.contains("model set to gpt-5"), "{shown}");
    assert!(
        shown.contains("error: model bogus is not served"),
        "{shown}"
    );
}

#[tokio::test]
async fn tools_and_sessions_list_what_the_backend_returns() {
    let backend = FixedBackend::new();
    let (mut app, mut rx) = app(&backend);
    submit(&mut app, "/tools time");
    submit(&mut app, "/sessions");
    settle(&mut app, &mut rx).await;
    let shown = screen(&mut app);
    assert!(
        shown.contains("time.get_current_time — Get the current time"),
        "{shown}"
    );
    assert!(
        shown.contains("s-1  2026-01-02 10:00  4 messages  fix the build"),
        "{shown}"
    );
}

#[tokio::test]
async fn run_shows_a_card_with_the_output() {
    let backend = FixedBackend::new();
    let (mut app, mut rx) = app(&backend);
    app.input.set_text("/run python\nprint(1 + 1)");
    app.handle_key(key(KeyCode::Enter));
    assert!(app.is_busy());
    settle(&mut app, &mut rx).await;
    let shown = screen(&mut app);
    assert!(shown.contains("✓ run_code python · 9 ms"), "{shown}");
    assert!(
        shown.contains("ok · 0 tool calls · stdout 1 line"),
        "{shown}"
    );
}

#[tokio::test]
async fn resume_replays_the_session_and_clear_empties_the_screen() {
    let backend = FixedBackend::new();
    let (mut app, mut rx) = app(&backend);
    submit(&mut app, "/resume s-1");
    settle(&mut app, &mut rx).await;
    let shown = screen(&mut app);
    assert!(shown.contains("what time is it?"), "{shown}");
    assert!(shown.contains("It is noon."), "{shown}");
    assert!(shown.contains("resumed session s-1"), "{shown}");
    submit(&mut app, "/clear");
    assert!(app.transcript.is_empty());
}

#[tokio::test]
async fn exit_quits() {
    let backend = FixedBackend::new();
    let (mut app, _rx) = app(&backend);
    submit(&mut app, "/exit");
    assert!(app.should_quit);
}

#[tokio::test]
async fn resume_at_startup_replays_the_latest_session() {
    let backend = FixedBackend::new();
    let (mut app, mut rx) = app(&backend);
    app.start(UiOptions {
        resume: Some(ResumeTarget::Latest),
    });
    settle(&mut app, &mut rx).await;
    let shown = screen(&mut app);
    assert!(shown.contains("what time is it?"), "{shown}");
    assert!(shown.contains("resumed session s-1"), "{shown}");
}
