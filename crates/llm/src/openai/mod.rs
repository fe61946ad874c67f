//! OpenAI-compatible chat completions, streamed.
//!
//! Requests are built from async-openai's typed `CreateChatCompletionRequest`
//! (messages, tools, `stream_options.include_usage`, either token-limit
//! field) and sent by the shared reqwest [`transport`](crate::transport),
//! because async-openai's own client hides what vtcode has to act on: the
//! `Retry-After` header, the API's error body on a 4xx, and whether the
//! stream ended with `[DONE]` or was cut. The stream itself is decoded in
//! [`chunks`].
//!
//! Some models (o-series, gpt-5) reject `max_tokens` and want
//! `max_completion_tokens`; the field is chosen by model name, and on the
//! API's 400 naming the other field the request is sent once more with it
//! and the choice remembered per model.

mod chunks;

use std::collections::HashMap;
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

use self::chunks::ChunkDecoder;
use crate::settings::ProviderSettings;
use crate::transport::{Endpoint, json_decimal, spawn_stream};
use crate::{ChatRequest, LlmError, LlmProvider, LlmStream, Message};

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

/// Whether `error` is the API's 400 refusing `field` (after any retries).
fn rejects(error: &LlmError, field: TokenField) -> bool {
    matches!(error.root(), LlmError::Http { status: 400, message } if field.rejected_by(message))
}

pub struct OpenAiProvider {
    settings: ProviderSettings,
    endpoint: Endpoint,
    models_url: String,
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
        let models_url = format!("{path}/models{query}");
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
            models_url,
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
        let resolved = self.settings.resolve(&request);
        let (model, max_tokens, temperature) =
            (resolved.model, resolved.max_tokens, resolved.temperature);
        let field = self.token_field(model);
        let body =
            |field| request_body(&request, model, temperature, max_tokens.map(|n| (field, n)));
        let mut endpoint = self.endpoint.with_body(body(field)?);
        let connected = match endpoint.connect_counting().await {
            Err(error) if max_tokens.is_some() && rejects(&error, field) => {
                tracing::info!(%model, "the API rejected {}; sending {} instead", field.name(), field.other().name());
                endpoint.body = Some(body(field.other())?);
                let connected = endpoint.connect_counting().await?;
                self.learn(model, field.other());
                connected
            }
            other => other?,
        };
        Ok(spawn_stream(endpoint, connected, ChunkDecoder::default))
    }

    async fn list_models(&self) -> Result<Vec<String>, LlmError> {
        self.endpoint.get(self.models_url.clone()).model_ids().await
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
    let mut json = serde_json::to_value(&body)
        .map_err(|e| LlmError::Other(format!("cannot encode the request: {e}")))?;
    if let Some(temperature) = temperature {
        json["temperature"] = json_decimal(temperature);
    }
    Ok(json)
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
