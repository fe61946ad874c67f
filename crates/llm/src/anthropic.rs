//! Anthropic Messages API, streamed, over reqwest.
//!
//! The conversation is mapped to Anthropic's shape: the system prompt is a
//! top-level field, assistant tool calls are `tool_use` blocks, and tool
//! results go back as `tool_result` blocks inside a user message. Messages of
//! the same role that end up adjacent are merged, because the API requires
//! user and assistant turns to alternate.
//!
//! The stream is a sequence of named events: `message_start` (input token
//! usage), per content block `content_block_start` / `content_block_delta`
//! (`text_delta`, `input_json_delta`) / `content_block_stop`, then
//! `message_delta` (stop reason, output usage) and `message_stop`. `ping` is
//! a keep-alive, `error` a failure reported mid-stream (e.g. overloaded).

use std::collections::HashMap;

use reqwest::header::{HeaderMap, HeaderValue};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::settings::ProviderSettings;
use crate::sse::SseEvent;
use crate::transport::{Decoder, Endpoint, json_decimal, spawn_stream, truncate};
use crate::{ChatRequest, LlmError, LlmEvent, LlmProvider, LlmStream, Message, ToolCall, Usage};

const API_VERSION: &str = "2023-06-01";
/// Anthropic requires a limit on every request.
const DEFAULT_MAX_TOKENS: u32 = 4096;

pub struct AnthropicProvider {
    settings: ProviderSettings,
    endpoint: Endpoint,
    models_url: String,
}

impl AnthropicProvider {
    pub fn new(settings: ProviderSettings) -> Result<Self, LlmError> {
        let base = settings.endpoint_base();
        // Accept both `https://api.anthropic.com` and `.../v1`.
        let api = if base.ends_with("/v1") {
            base
        } else {
            format!("{base}/v1")
        };
        let (url, models_url) = (format!("{api}/messages"), format!("{api}/models"));
        let mut headers = HeaderMap::new();
        headers.insert("anthropic-version", HeaderValue::from_static(API_VERSION));
        if let Some(key) = settings.key() {
            let mut value = HeaderValue::from_str(key).map_err(|_| LlmError::InvalidSettings {
                detail: "the API key contains characters not allowed in an HTTP header".into(),
            })?;
            value.set_sensitive(true);
            headers.insert("x-api-key", value);
        }
        Ok(Self {
            endpoint: Endpoint::new(url, headers, settings.retry)?,
            models_url,
            settings,
        })
    }
}

#[async_trait::async_trait]
impl LlmProvider for AnthropicProvider {
    fn name(&self) -> &str {
        "anthropic"
    }

    async fn stream(&self, request: ChatRequest) -> Result<LlmStream, LlmError> {
        let resolved = self.settings.resolve(&request);
        let mut body = json!({
            "model": resolved.model,
            "max_tokens": resolved.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS),
            "messages": wire_messages(&request.messages),
            "stream": true,
        });
        if !request.system.is_empty() {
            body["system"] = json!(request.system);
        }
        if let Some(temperature) = resolved.temperature {
            body["temperature"] = json_decimal(temperature);
        }
        if !request.tools.is_empty() {
            body["tools"] = request
                .tools
                .iter()
                .map(|t| json!({"name": t.name, "description": t.description, "input_schema": t.parameters}))
                .collect();
        }
        let endpoint = self.endpoint.with_body(body);
        let connected = endpoint.connect_counting().await?;
        Ok(spawn_stream(endpoint, connected, EventDecoder::default))
    }

    async fn list_models(&self) -> Result<Vec<String>, LlmError> {
        self.endpoint.get(self.models_url.clone()).model_ids().await
    }
}

fn wire_messages(messages: &[Message]) -> Vec<Value> {
    let mut wire: Vec<(&str, Vec<Value>)> = Vec::new();
    for message in messages {
        let (role, blocks) = match message {
            // The API rejects empty text blocks.
            Message::User { content } if content.is_empty() => continue,
            Message::User { content } => ("user", vec![json!({"type": "text", "text": content})]),
            Message::Assistant {
                content,
                tool_calls,
            } => {
                let mut blocks = Vec::new();
                if !content.is_empty() {
                    blocks.push(json!({"type": "text", "text": content}));
                }
                for call in tool_calls {
                    // The API wants an object; malformed arguments were already
                    // answered with an error result, so an empty input is honest.
                    let input = serde_json::from_str::<Value>(&call.arguments)
                        .ok()
                        .filter(Value::is_object)
                        .unwrap_or_else(|| json!({}));
                    blocks.push(json!({"type": "tool_use", "id": call.id, "name": call.name, "input": input}));
                }
                ("assistant", blocks)
            }
            Message::Tool {
                call_id,
                content,
                is_error,
            } => (
                "user",
                vec![
                    json!({"type": "tool_result", "tool_use_id": call_id, "content": content, "is_error": is_error}),
                ],
            ),
        };
        if blocks.is_empty() {
            continue;
        }
        match wire.last_mut() {
            Some((last, existing)) if *last == role => existing.extend(blocks),
            _ => wire.push((role, blocks)),
        }
    }
    wire.into_iter()
        .map(|(role, content)| json!({"role": role, "content": content}))
        .collect()
}

#[derive(Deserialize)]
struct StreamEvent {
    #[serde(rename = "type")]
    kind: String,
    index: Option<usize>,
    message: Option<Value>,
    content_block: Option<Value>,
    delta: Option<Value>,
    usage: Option<Value>,
    error: Option<Value>,
}

struct ToolBlock {
    id: String,
    name: String,
    input: String,
}

/// Decodes Messages API events up to `message_stop`.
#[derive(Default)]
struct EventDecoder {
    tools: HashMap<usize, ToolBlock>,
    usage: Usage,
    stop_reason: Option<String>,
}

fn tokens(usage: &Value, field: &str) -> u64 {
    usage.get(field).and_then(Value::as_u64).unwrap_or(0)
}

fn text(value: &Value, field: &str) -> String {
    value
        .get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

impl EventDecoder {
    fn record_usage(&mut self, usage: &Value) {
        let input = [
            "input_tokens",
            "cache_creation_input_tokens",
            "cache_read_input_tokens",
        ]
        .iter()
        .map(|f| tokens(usage, f))
        .sum::<u64>();
        if input > 0 {
            self.usage.prompt_tokens = input;
        }
        if usage.get("output_tokens").is_some() {
            self.usage.completion_tokens = tokens(usage, "output_tokens");
        }
    }
}

impl Decoder for EventDecoder {
    fn event(&mut self, event: &SseEvent, out: &mut Vec<LlmEvent>) -> Result<bool, LlmError> {
        if event.data.trim().is_empty() {
            return Ok(false);
        }
        let parsed: StreamEvent =
            serde_json::from_str(&event.data).map_err(|e| LlmError::InvalidResponse {
                detail: format!(
                    "a stream event is not valid JSON ({e}): {}",
                    truncate(&event.data, 200)
                ),
            })?;
        let index = parsed.index.unwrap_or(0);
        match parsed.kind.as_str() {
            "message_start" => {
                if let Some(usage) = parsed.message.as_ref().and_then(|m| m.get("usage")) {
                    self.record_usage(usage);
                }
            }
            "content_block_start" => {
                let block = parsed.content_block.unwrap_or_default();
                if block.get("type").and_then(Value::as_str) == Some("tool_use") {
                    let (id, name) = (text(&block, "id"), text(&block, "name"));
                    out.push(LlmEvent::ToolCallDelta {
                        index,
                        id: Some(id.clone()),
                        name: Some(name.clone()),
                        arguments_delta: String::new(),
                    });
                    self.tools.insert(
                        index,
                        ToolBlock {
                            id,
                            name,
                            input: String::new(),
                        },
                    );
                } else if let Some(initial) = block
                    .get("text")
                    .and_then(Value::as_str)
                    .filter(|t| !t.is_empty())
                {
                    out.push(LlmEvent::TextDelta {
                        text: initial.to_string(),
                    });
                }
            }
            "content_block_delta" => {
                let delta = parsed.delta.unwrap_or_default();
                match delta.get("type").and_then(Value::as_str) {
                    Some("text_delta") => {
                        let piece = text(&delta, "text");
                        if !piece.is_empty() {
                            out.push(LlmEvent::TextDelta { text: piece });
                        }
                    }
                    Some("input_json_delta") => {
                        let fragment = text(&delta, "partial_json");
                        if let Some(tool) = self.tools.get_mut(&index) {
                            tool.input.push_str(&fragment);
                        }
                        if !fragment.is_empty() {
                            out.push(LlmEvent::ToolCallDelta {
                                index,
                                id: None,
                                name: None,
                                arguments_delta: fragment,
                            });
                        }
                    }
                    // thinking, signature and citation deltas are not surfaced.
                    _ => {}
                }
            }
            "content_block_stop" => {
                if let Some(tool) = self.tools.remove(&index) {
                    let arguments = if tool.input.trim().is_empty() {
                        "{}".to_string()
                    } else {
                        tool.input
                    };
                    out.push(LlmEvent::ToolCall {
                        call: ToolCall {
                            id: tool.id,
                            name: tool.name,
                            arguments,
                        },
                    });
                }
            }
            "message_delta" => {
                if let Some(reason) = parsed
                    .delta
                    .as_ref()
                    .and_then(|d| d.get("stop_reason"))
                    .and_then(Value::as_str)
                {
                    self.stop_reason = Some(reason.to_string());
                }
                if let Some(usage) = &parsed.usage {
                    self.record_usage(usage);
                }
            }
            "message_stop" => {
                out.push(LlmEvent::Usage { usage: self.usage });
                out.push(LlmEvent::Done {
                    stop_reason: self.stop_reason.take(),
                });
                return Ok(true);
            }
            "error" => {
                let error = parsed.error.unwrap_or_default();
                let status = match error.get("type").and_then(Value::as_str) {
                    Some("overloaded_error") => 529,
                    Some("rate_limit_error") => 429,
                    Some("invalid_request_error") => 400,
                    _ => 500,
                };
                return Err(LlmError::Http {
                    status,
                    message: text(&error, "message"),
                });
            }
            // `ping` and event types added later by the API.
            _ => {}
        }
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_results_and_following_user_text_share_one_user_message() {
        let messages = vec![
            Message::User {
                content: "hi".into(),
            },
            Message::Assistant {
                content: String::new(),
                tool_calls: vec![
                    ToolCall {
                        id: "a".into(),
                        name: "t".into(),
                        arguments: "{\"x\":1}".into(),
                    },
                    ToolCall {
                        id: "b".into(),
                        name: "t".into(),
                        arguments: "{broken".into(),
                    },
                ],
            },
            Message::Tool {
                call_id: "a".into(),
                content: "1".into(),
                is_error: false,
            },
            Message::Tool {
                call_id: "b".into(),
                content: "bad args".into(),
                is_error: true,
            },
        ];
        let wire = wire_messages(&messages);
        assert_eq!(wire.len(), 3);
        assert_eq!(wire[1]["content"][0]["input"], json!({"x": 1}));
        assert_eq!(wire[1]["content"][1]["input"], json!({}));
        assert_eq!(wire[2]["role"], "user");
        assert_eq!(wire[2]["content"].as_array().map(Vec::len), Some(2));
        assert_eq!(wire[2]["content"][1]["is_error"], true);
    }
}
