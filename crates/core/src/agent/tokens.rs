//! Token estimates for compaction and for the code-vs-direct budget.
//!
//! The loop must know how full the context is before it sends a request,
//! not after the provider rejects it. The llm crate counts whole requests;
//! here each part (a message, the tool specs, the system prompt) is counted
//! once, when it changes, as what it adds to a request, so the parts sum to
//! the count of the whole request and the per-call cost does not grow with
//! the conversation.

use vtcode_llm::{ChatRequest, Message, ToolSpec, count_request_tokens};

fn request_tokens(model: &str, system: &str, messages: Vec<Message>, tools: &[ToolSpec]) -> u64 {
    count_request_tokens(&ChatRequest {
        model: model.to_string(),
        system: system.to_string(),
        messages,
        tools: tools.to_vec(),
        ..ChatRequest::default()
    }) as u64
}

/// What an empty request costs (the reply priming).
pub(crate) fn base_tokens(model: &str) -> u64 {
    request_tokens(model, "", Vec::new(), &[])
}

pub(crate) fn system_tokens(model: &str, system: &str) -> u64 {
    request_tokens(model, system, Vec::new(), &[]).saturating_sub(base_tokens(model))
}

pub(crate) fn message_tokens(model: &str, message: &Message) -> u64 {
    request_tokens(model, "", vec![message.clone()], &[]).saturating_sub(base_tokens(model))
}

pub(crate) fn tools_tokens(model: &str, tools: &[ToolSpec]) -> u64 {
    request_tokens(model, "", Vec::new(), tools).saturating_sub(base_tokens(model))
}
