//! Token estimates for compaction and for the code-vs-direct budget.
//!
//! The loop must know how full the context is before it sends a request,
//! not after the provider rejects it, so it counts locally with the o200k
//! vocabulary (compiled in; exact for current OpenAI models, close enough for
//! others). Each message is counted once, when it is added.

use vtcode_llm::{Message, ToolSpec};

/// Framing overhead the chat formats add per message (role, separators).
const PER_MESSAGE: u64 = 4;

pub fn count_tokens(text: &str) -> u64 {
    if text.is_empty() {
        return 0;
    }
    tiktoken_rs::o200k_base_singleton()
        .encode_with_special_tokens(text)
        .len() as u64
}

pub(crate) fn message_tokens(message: &Message) -> u64 {
    PER_MESSAGE
        + match message {
            Message::User { content } => count_tokens(content),
            Message::Assistant {
                content,
                tool_calls,
            } => {
                count_tokens(content)
                    + tool_calls
                        .iter()
                        .map(|c| PER_MESSAGE + count_tokens(&c.name) + count_tokens(&c.arguments))
                        .sum::<u64>()
            }
            Message::Tool { content, .. } => count_tokens(content),
        }
}

pub(crate) fn tools_tokens(tools: &[ToolSpec]) -> u64 {
    tools
        .iter()
        .map(|t| {
            PER_MESSAGE
                + count_tokens(&t.name)
                + count_tokens(&t.description)
                + count_tokens(&t.parameters.to_string())
        })
        .sum()
}
