//! LLM providers behind one streaming interface.
//!
//! A provider turns a [`ChatRequest`] into a stream of [`LlmEvent`]s: text
//! deltas as they arrive, tool calls (assembled from their streamed argument
//! fragments), token usage, and a final `Done`. The agent loop in core never
//! sees provider wire formats, only these events.
//!
//! Modules: `settings` (which provider, `build_provider`), `openai` and
//! `anthropic` (request mapping and stream decoding), `transport` (retries,
//! SSE pumping, stream-cut detection) over `sse` and `retry`, `tokens`
//! (tiktoken counts) and `error` (what a user is told).

mod anthropic;
mod error;
mod openai;
mod retry;
mod settings;
mod sse;
#[cfg(feature = "test-support")]
pub mod testing;
mod tokens;
mod transport;

use std::pin::Pin;

use futures::Stream;
use serde::{Deserialize, Serialize};

pub use anthropic::AnthropicProvider;
pub use error::LlmError;
pub use openai::OpenAiProvider;
pub use retry::RetryPolicy;
pub use settings::{ProviderKind, ProviderSettings, build_provider};
pub use tokens::{count_request_tokens, count_tokens};

/// One message of a conversation, in provider-neutral form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum Message {
    User {
        content: String,
    },
    Assistant {
        content: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        tool_calls: Vec<ToolCall>,
    },
    /// The result of one tool call, answered back to the model.
    Tool {
        call_id: String,
        content: String,
        #[serde(default)]
        is_error: bool,
    },
}

/// A complete tool call requested by the model. `arguments` is the raw JSON
/// text the model produced: it may be malformed, and the caller decides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    pub arguments: String,
}

/// A function the model may call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolSpec {
    pub name: String,
    pub description: String,
    /// JSON Schema of the arguments object.
    pub parameters: serde_json::Value,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    pub model: String,
    pub system: String,
    pub messages: Vec<Message>,
    pub tools: Vec<ToolSpec>,
    pub temperature: Option<f32>,
    pub max_tokens: Option<u32>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

/// What a provider stream yields, in order of arrival.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LlmEvent {
    TextDelta {
        text: String,
    },
    /// A fragment of a tool call as it streams (for live display only).
    ToolCallDelta {
        index: usize,
        id: Option<String>,
        name: Option<String>,
        arguments_delta: String,
    },
    /// A tool call whose arguments have fully arrived.
    ToolCall {
        call: ToolCall,
    },
    Usage {
        usage: Usage,
    },
    /// The request was sent again after `reason` (a rate limit, a server
    /// error, a failed connection, a stream cut before any output);
    /// `attempt` numbers the retries of this request from 1. Only ever
    /// before any output of the reply.
    Retry {
        attempt: u32,
        reason: String,
    },
    /// The reply is complete. `stop_reason` is the provider's own word:
    /// `stop`, `length`, `tool_calls` (OpenAI-compatible) or `end_turn`,
    /// `max_tokens`, `tool_use` (Anthropic).
    Done {
        stop_reason: Option<String>,
    },
}

pub type LlmStream = Pin<Box<dyn Stream<Item = Result<LlmEvent, LlmError>> + Send>>;

#[async_trait::async_trait]
pub trait LlmProvider: Send + Sync {
    /// Short name for status lines, e.g. `openai` or `anthropic`.
    fn name(&self) -> &str;
    async fn stream(&self, request: ChatRequest) -> Result<LlmStream, LlmError>;

    /// The models the endpoint offers. A cheap authenticated call that
    /// checks the key, the URL and (by membership) the model name without
    /// spending tokens; empty when a provider cannot list.
    async fn list_models(&self) -> Result<Vec<String>, LlmError> {
        Ok(Vec::new())
    }
}
