//! Token counts are plausible for OpenAI and approximate for other models.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use vtcode_llm::{ChatRequest, Message, ToolSpec, count_request_tokens, count_tokens};

#[test]
fn known_strings_count_as_the_openai_tokenizer_does() {
    assert_eq!(count_tokens("gpt-4o", "hello world"), 2);
    assert_eq!(count_tokens("gpt-4", "hello world"), 2);
    assert_eq!(count_tokens("gpt-4o", ""), 0);
}

#[test]
fn other_models_are_counted_approximately() {
    let text = "The quick brown fox jumps over the lazy dog. ".repeat(20);
    let claude = count_tokens("claude-sonnet-4-5", &text);
    let gpt = count_tokens("gpt-4o", &text);
    assert_eq!(claude, gpt, "non-OpenAI models use o200k");
    assert!((150..=300).contains(&claude), "{claude}");
}

#[test]
fn request_count_grows_with_messages_tools_and_results() {
    let base = ChatRequest {
        model: "gpt-4o".into(),
        system: "You are a coding agent.".into(),
        messages: vec![Message::User {
            content: "list the files".into(),
        }],
        ..Default::default()
    };
    let small = count_request_tokens(&base);
    assert!(small > count_tokens("gpt-4o", "You are a coding agent.list the files"));

    let mut with_tool = base.clone();
    with_tool.tools.push(ToolSpec {
        name: "list_dir".into(),
        description: "List a directory".into(),
        parameters: json!({"type": "object", "properties": {"path": {"type": "string"}}}),
    });
    let tooled = count_request_tokens(&with_tool);
    assert!(tooled > small + 10, "{tooled} vs {small}");

    let big_result = "record,".repeat(5_000);
    let mut with_result = with_tool.clone();
    with_result.messages.push(Message::Tool {
        call_id: "c".into(),
        content: big_result.clone(),
        is_error: false,
    });
    let heavy = count_request_tokens(&with_result);
    assert!(
        heavy >= tooled + count_tokens("gpt-4o", &big_result),
        "{heavy}"
    );
}
