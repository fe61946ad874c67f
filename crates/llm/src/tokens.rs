//! Token counting with the tiktoken vocabularies compiled into the binary.
//!
//! OpenAI models get their own encoding; every other model (Claude, Llama,
//! Qwen...) is counted with o200k, which is close enough to budget a context
//! window and to compare prompt sizes, but not exact.

use tiktoken_rs::CoreBPE;

use crate::{ChatRequest, Message};

/// Framing tokens per message (role and separators) in the chat format.
const PER_MESSAGE: usize = 4;
/// Tokens that prime the assistant's reply.
const REPLY_PRIMING: usize = 3;

fn bpe(model: &str) -> &'static CoreBPE {
    tiktoken_rs::bpe_for_model(model).unwrap_or_else(|_| tiktoken_rs::o200k_base_singleton())
}

/// Tokens of `text` in `model`'s vocabulary (o200k when the model is not an
/// OpenAI model).
pub fn count_tokens(model: &str, text: &str) -> usize {
    bpe(model).encode_ordinary(text).len()
}

/// Approximate prompt tokens of a whole request: system prompt, messages
/// (with their tool calls and results) and tool definitions.
pub fn count_request_tokens(request: &ChatRequest) -> usize {
    let bpe = bpe(&request.model);
    let count = |text: &str| bpe.encode_ordinary(text).len();
    let mut total = REPLY_PRIMING;
    if !request.system.is_empty() {
        total += PER_MESSAGE + count(&request.system);
    }
    for message in &request.messages {
        total += PER_MESSAGE;
        total += match message {
            Message::User { content } => count(content),
            Message::Assistant {
                content,
                tool_calls,
            } => {
                count(content)
                    + tool_calls
                        .iter()
                        .map(|call| PER_MESSAGE + count(&call.name) + count(&call.arguments))
                        .sum::<usize>()
            }
            Message::Tool {
                call_id, content, ..
            } => count(call_id) + count(content),
        };
    }
    for tool in &request.tools {
        total += PER_MESSAGE
            + count(&tool.name)
            + count(&tool.description)
            + count(&tool.parameters.to_string());
    }
    total
}
