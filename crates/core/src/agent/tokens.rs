//! Token estimates for compaction and for the code-vs-direct budget.
//!
//! The loop must know how full the context is before it sends a request,
//! not after the provider rejects it, so it counts locally with the model's
//! vocabulary (the llm crate's counter). Each message is counted once, when
//! it is added, so the per-call cost does not grow with the conversation.

use vtcode_llm::{Message, ToolSpec, count_tokens};

/// Framing overhead the chat formats add per message (role, separators).
const PER_MESSAGE: u64 = 4;

pub(crate) fn text_tokens(model: &str, text: &str) -> u64 {
    if text.is_empty() {
        0
    } else {
        count_tokens(model, text) as u64
    }
}

pub(crate) fn message_tokens(model: &str, message: &Message) -> u64 {
    let count = |text: &str| text_tokens(model, text);
    PER_MESSAGE
        + match message {
            Message::User { content } => count(content),
            Message::Assistant {
                content,
                tool_calls,
            } => {
                count(content)
                    + tool_calls
                        .iter()
                        .map(|c| PER_MESSAGE + count(&c.name) + count(&c.arguments))
                        .sum::<u64>()
            }
            Message::Tool { content, .. } => count(content),
        }
}

pub(crate) fn tools_tokens(model: &str, tools: &[ToolSpec]) -> u64 {
    tools
        .iter()
        .map(|t| {
            PER_MESSAGE
                + text_tokens(model, &t.name)
                + text_tokens(model, &t.description)
                + text_tokens(model, &t.parameters.to_string())
        })
        .sum()
}
