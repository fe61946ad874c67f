//! OpenAI-compatible chat completions, streamed.
//!
//! Requests are built from async-openai's typed `CreateChatCompletionRequest`
//! (messages, tools, `stream_options.include_usage`, either token-limit
//! field) and sent by the shared reqwest [`transport`](crate::transport),
//! because async-openai's own client hides what vtcode has to act on: the
//! `Retry-After` header, the API's error body on a 4xx, and whether the
//! stream ended with `[DONE]` or was cut. Stream chunks are parsed leniently
//! (only the fields used here, unknown `finish_reason`s accepted) so local
//! servers that differ slightly from OpenAI (Ollama, vLLM, llama.cpp) work.
//!
//! Tool calls arrive as fragments keyed by `index`; they are accumulated and
//! emitted as complete [`ToolCall`]s when the choice finishes. Some models
//! (o-series, gpt-5) reject `max_tokens` and want `max_completion_tokens`;
//! the field is chosen by model name, and on the API's 400 naming the other
//! field the request is sent once more with it and the choice remembered.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use async_openai::types::chat::{
    ChatCompletionMessageToolCall, ChatCompletionMessageToolCalls,
    ChatCompletionRequestAssistantMessage, ChatCompletionRequestAssistantMessageContent,
    ChatCompletionRequestMessage, ChatCompletionRequestSystemMessage,
    ChatCompletionRequestSystemMessageContent, ChatCompletionRequestToolMessage,
    ChatCompletionRequestToolMessageContent, ChatCompletionRequestUserMessage,
    ChatCompletionRequestUserMessageContent, ChatCompletionStreamOptions, ChatCompletionTool,
    ChatCompletionTools, CreateChatCompletionRequest, FunctionCall, FunctionObject,
};
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use serde::Deserialize;

use crate::settings::ProviderSettings;
use crate::sse::SseEvent;
use crate::transport::{Decoder, Endpoint, spawn_stream};
use crate::{ChatRequest, LlmError, LlmEvent, LlmProvider, LlmStream, Message, ToolCall, Usage};

/// Which field carries the reply's token limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenField {
    MaxTokens,
    MaxCompletionTokens,
}

impl TokenField {
    fn name(self) -> &'static str {
        match self {
            TokenField::MaxTokens => "max_tokens",
            TokenField::MaxCompletionTokens => "max_completion_tokens",
        }
    }

    fn other(self) -> Self {
        match self {
            TokenField::MaxTokens => TokenField::MaxCompletionTokens,
            TokenField::MaxCompletionTokens => TokenField::MaxTokens,
        }
    }

    /// Reasoning models reject `max_tokens` outright.
    fn for_model(model: &str) -> Self {
        let bare = model.rsplit('/').next().unwrap_or(model);
        if ["o1", "o3", "o4", "gpt-5"]
            .iter()
            .any(|p| bare.starts_with(p))
        {
            TokenField::MaxCompletionTokens
        } else {
            TokenField::MaxTokens
        }
    }

    /// Whether a 400 message says this field is unsupported (OpenAI:
    /// "Unsupported parameter: 'max_tokens' ... Use 'max_completion_tokens'").
    fn rejected_by(self, message: &str) -> bool {
        let message = message.to_ascii_lowercase();
        let mentions_self = message.contains(self.name());
        let mentions_other = message.contains(self.other().name());
        mentions_self
            && (mentions_other
                || message.contains("unsupported")
                || message.contains("not supported"))
    }
}

pub struct OpenAiProvider {
    settings: ProviderSettings,
    endpoint: Endpoint,
    /// Token-limit fields learned from the API's rejections, per model.
    learned: Mutex<HashMap<String, TokenField>>,
}

impl OpenAiProvider {
    pub fn new(settings: ProviderSettings) -> Result<Self, LlmError> {
        let base = settings.endpoint_base();
        let (path, query) = match base.split_once('?') {
            Some((path, query)) => (path.trim_end_matches('/'), format!("?{query}")),
            None => (base.as_str(), String::new()),
        };
        let url = format!("{path}/chat/completions{query}");
        let mut headers = HeaderMap::new();
        if let Some(key) = settings.key() {
            let invalid = |_| LlmError::InvalidSettings {
                detail: "the API key contains characters not allowed in an HTTP header".into(),
            };
            // Azure OpenAI authenticates with `api-key`, everyone else with a bearer token.
            if is_azure(path) {
                let mut value = HeaderValue::from_str(key).map_err(invalid)?;
                value.set_sensitive(true);
                headers.insert("api-key", value);
            } else {
                let mut value = HeaderValue::from_str(&format!("Bearer {key}")).map_err(invalid)?;
                value.set_sensitive(true);
                headers.insert(AUTHORIZATION, value);
            }
        }
        Ok(Self {
            endpoint: Endpoint::new(url, headers, settings.retry)?,
            settings,
            learned: Mutex::new(HashMap::new()),
        })
    }

    fn token_field(&self, model: &str) -> TokenField {
        let learned = self.learned.lock().ok().and_then(|l| l.get(model).copied());
        learned.unwrap_or_else(|| TokenField::for_model(model))
    }

    fn learn(&self, model: &str, field: TokenField) {
        if let Ok(mut learned) = self.learned.lock() {
            learned.insert(model.to_string(), field);
        }
    }
}

fn is_azure(url: &str) -> bool {
    let host = url
        .split("://")
        .nth(1)
        .unwrap_or(url)
        .split('/')
        .next()
        .unwrap_or("");
    host.ends_with(".openai.azure.com") || host.ends_with(".cognitiveservices.azure.com")
}

#[async_trait::async_trait]
impl LlmProvider for OpenAiProvider {
    fn name(&self) -> &str {
        "openai"
    }

    async fn stream(&self, request: ChatRequest) -> Result<LlmStream, LlmError> {
        let model = if request.model.is_empty() {
            self.settings.model.clone()
        } else {
            request.model.clone()
        };
        let max_tokens = request.max_tokens.or(self.settings.max_tokens);
        let temperature = request.temperature.or(self.settings.temperature);
        let field = self.token_field(&model);
        let body = |field| {
            request_body(
                &request,
                &model,
                temperature,
                max_tokens.map(|n| (field, n)),
            )
        };
        let mut endpoint = self.endpoint.with_body(body(field)?);
        let response = match endpoint.connect().await {
            Err(LlmError::Http {
                status: 400,
                message,
            }) if max_tokens.is_some() && field.rejected_by(&message) => {
                tracing::info!(%model, "the API rejected {}; sending {} instead", field.name(), field.other().name());
                endpoint.body = body(field.other())?;
                let response = endpoint.connect().await?;
                self.learn(&model, field.other());
                response
            }
            other => other?,
        };
        Ok(spawn_stream(endpoint, response, ChunkDecoder::default))
    }
}

#[allow(deprecated)] // `max_tokens` is deprecated by OpenAI but what most servers accept.
fn request_body(
    request: &ChatRequest,
    model: &str,
    temperature: Option<f32>,
    limit: Option<(TokenField, u32)>,
) -> Result<serde_json::Value, LlmError> {
    let mut messages = Vec::with_capacity(request.messages.len() + 1);
    if !request.system.is_empty() {
        messages.push(ChatCompletionRequestMessage::System(
            ChatCompletionRequestSystemMessage {
                content: ChatCompletionRequestSystemMessageContent::Text(request.system.clone()),
                name: None,
            },
        ));
    }
    messages.extend(request.messages.iter().map(wire_message));
    let tools = request
        .tools
        .iter()
        .map(|tool| {
            ChatCompletionTools::Function(ChatCompletionTool {
                function: FunctionObject {
                    name: tool.name.clone(),
                    description: Some(tool.description.clone()),
                    parameters: Some(tool.parameters.clone()),
                    strict: None,
                },
            })
        })
        .collect::<Vec<_>>();
    let body = CreateChatCompletionRequest {
        model: model.to_string(),
        messages,
        stream: Some(true),
        stream_options: Some(ChatCompletionStreamOptions {
            include_usage: Some(true),
            include_obfuscation: None,
        }),
        tools: (!tools.is_empty()).then_some(tools),
        temperature,
        max_tokens: limit
            .filter(|(f, _)| *f == TokenField::MaxTokens)
            .map(|(_, n)| n),
        max_completion_tokens: limit
            .filter(|(f, _)| *f == TokenField::MaxCompletionTokens)
            .map(|(_, n)| n),
        ..Default::default()
    };
    serde_json::to_value(&body)
        .map_err(|e| LlmError::Other(format!("cannot encode the request: {e}")))
}

#[allow(deprecated)] // the deprecated `function_call` field is left unset.
fn wire_message(message: &Message) -> ChatCompletionRequestMessage {
    match message {
        Message::User { content } => {
            ChatCompletionRequestMessage::User(ChatCompletionRequestUserMessage {
                content: ChatCompletionRequestUserMessageContent::Text(content.clone()),
                name: None,
            })
        }
        Message::Assistant {
            content,
            tool_calls,
        } => {
            let calls = tool_calls
                .iter()
                .map(|call| {
                    ChatCompletionMessageToolCalls::Function(ChatCompletionMessageToolCall {
                        id: call.id.clone(),
                        function: FunctionCall {
                            name: call.name.clone(),
                            arguments: call.arguments.clone(),
                        },
                    })
                })
                .collect::<Vec<_>>();
            ChatCompletionRequestMessage::Assistant(ChatCompletionRequestAssistantMessage {
                content: (!content.is_empty() || calls.is_empty())
                    .then(|| ChatCompletionRequestAssistantMessageContent::Text(content.clone())),
                tool_calls: (!calls.is_empty()).then_some(calls),
                ..Default::default()
            })
        }
        Message::Tool {
            call_id,
            content,
            is_error,
        } => {
            let content = if *is_error {
                format!("Error: {content}")
            } else {
                content.clone()
            };
            ChatCompletionRequestMessage::Tool(ChatCompletionRequestToolMessage {
                content: ChatCompletionRequestToolMessageContent::Text(content),
                tool_call_id: call_id.clone(),
            })
        }
    }
}

#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    choices: Vec<Choice>,
    usage: Option<ChunkUsage>,
    /// OpenRouter and some proxies report failures inside the stream.
    error: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Choice {
    #[serde(default)]
    delta: Delta,
    finish_reason: Option<String>,
}

#[derive(Deserialize, Default)]
struct Delta {
    content: Option<String>,
    tool_calls: Option<Vec<ToolCallChunk>>,
}

#[derive(Deserialize)]
struct ToolCallChunk {
    #[serde(default)]
    index: usize,
    id: Option<String>,
    function: Option<FunctionChunk>,
}

#[derive(Deserialize)]
struct FunctionChunk {
    name: Option<String>,
    arguments: Option<String>,
}

#[derive(Deserialize)]
struct ChunkUsage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
}

#[derive(Default)]
struct PartialCall {
    id: String,
    name: String,
    arguments: String,
}

/// Decodes `data: {chunk}` events up to `data: [DONE]`.
#[derive(Default)]
struct ChunkDecoder {
    calls: BTreeMap<usize, PartialCall>,
    usage: Option<Usage>,
    stop_reason: Option<String>,
}

impl ChunkDecoder {
    fn flush_calls(&mut self, out: &mut Vec<LlmEvent>) {
        for (index, call) in std::mem::take(&mut self.calls) {
            let id = if call.id.is_empty() {
                format!("call_{index}")
            } else {
                call.id
            };
            out.push(LlmEvent::ToolCall {
                call: ToolCall {
                    id,
                    name: call.name,
                    arguments: call.arguments,
                },
            });
        }
    }
}

impl Decoder for ChunkDecoder {
    fn event(&mut self, event: &SseEvent, out: &mut Vec<LlmEvent>) -> Result<bool, LlmError> {
        let data = event.data.trim();
        if data.is_empty() {
            return Ok(false);
        }
        if data == "[DONE]" {
            self.flush_calls(out);
            if let Some(usage) = self.usage.take() {
                out.push(LlmEvent::Usage { usage });
            }
            out.push(LlmEvent::Done {
                stop_reason: self.stop_reason.take(),
            });
            return Ok(true);
        }
        let chunk: Chunk = serde_json::from_str(data).map_err(|e| LlmError::InvalidResponse {
            detail: format!(
                "a stream chunk is not valid JSON ({e}): {}",
                crate::transport::truncate(data, 200)
            ),
        })?;
        if let Some(error) = chunk.error {
            let message = error
                .get("message")
                .and_then(|m| m.as_str())
                .map(str::to_string)
                .unwrap_or_else(|| error.to_string());
            let status = error
                .get("code")
                .and_then(|c| c.as_u64())
                .and_then(|c| u16::try_from(c).ok())
                .unwrap_or(500);
            return Err(LlmError::Http { status, message });
        }
        if let Some(usage) = chunk.usage {
            self.usage = Some(Usage {
                prompt_tokens: usage.prompt_tokens,
                completion_tokens: usage.completion_tokens,
            });
        }
        for choice in chunk.choices {
            if let Some(text) = choice.delta.content.filter(|t| !t.is_empty()) {
                out.push(LlmEvent::TextDelta { text });
            }
            for fragment in choice.delta.tool_calls.unwrap_or_default() {
                let call = self.calls.entry(fragment.index).or_default();
                let (name, arguments) = match fragment.function {
                    Some(f) => (f.name, f.arguments.unwrap_or_default()),
                    None => (None, String::new()),
                };
                if let Some(id) = &fragment.id {
                    call.id.clone_from(id);
                }
                if let Some(name) = &name {
                    call.name.push_str(name);
                }
                call.arguments.push_str(&arguments);
                out.push(LlmEvent::ToolCallDelta {
                    index: fragment.index,
                    id: fragment.id,
                    name,
                    arguments_delta: arguments,
                });
            }
            if let Some(reason) = choice.finish_reason {
                self.stop_reason = Some(reason);
                self.flush_calls(out);
            }
        }
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_field_by_model_and_by_rejection() {
        assert_eq!(TokenField::for_model("gpt-4o-mini"), TokenField::MaxTokens);
        assert_eq!(
            TokenField::for_model("o3-mini"),
            TokenField::MaxCompletionTokens
        );
        assert_eq!(
            TokenField::for_model("openai/gpt-5"),
            TokenField::MaxCompletionTokens
        );
        let openai = "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.";
        assert!(TokenField::MaxTokens.rejected_by(openai));
        assert!(!TokenField::MaxCompletionTokens.rejected_by("model not found"));
        assert!(!TokenField::MaxTokens.rejected_by("messages: too long"));
    }

    #[test]
    fn azure_hosts() {
        assert!(is_azure(
            "https://res.openai.azure.com/openai/deployments/d"
        ));
        assert!(!is_azure("http://127.0.0.1:11434/v1"));
    }
}
