//! Decoding the chat completions stream: `data: {chunk}` events up to
//! `data: [DONE]`.
//!
//! Chunks are parsed leniently, reading only the fields used here and
//! accepting unknown `finish_reason`s, so servers that differ slightly from
//! OpenAI (Ollama, vLLM, llama.cpp, OpenRouter) work. Text deltas are emitted
//! as they arrive; tool-call fragments are accumulated per call and emitted
//! as complete [`ToolCall`]s when the choice finishes; usage (the last chunk
//! under `include_usage`) is emitted just before `Done`.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

use crate::sse::SseEvent;
use crate::transport::{Decoder, truncate};
use crate::{LlmError, LlmEvent, ToolCall, Usage};

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

#[derive(Default)]
pub(super) struct ChunkDecoder {
    /// Calls being assembled, by slot (the order they are emitted in).
    calls: BTreeMap<usize, PartialCall>,
    /// Wire `index` to slot. They differ only for servers that reuse one
    /// index for several calls, told apart by a new `id`.
    slots: HashMap<usize, usize>,
    usage: Option<Usage>,
    stop_reason: Option<String>,
}

impl ChunkDecoder {
    fn slot(&mut self, index: usize, id: Option<&str>) -> usize {
        let next = self.calls.keys().next_back().map_or(0, |last| last + 1);
        let slot = *self.slots.entry(index).or_insert(next.max(index));
        let taken = self
            .calls
            .get(&slot)
            .is_some_and(|call| id.is_some_and(|id| !call.id.is_empty() && call.id != id));
        if taken {
            self.slots.insert(index, next);
            return next;
        }
        slot
    }

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
                truncate(data, 200)
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
                let slot = self.slot(fragment.index, fragment.id.as_deref());
                let call = self.calls.entry(slot).or_default();
                let (name, arguments) = match fragment.function {
                    Some(f) => (f.name, f.arguments.unwrap_or_default()),
                    None => (None, String::new()),
                };
                if let Some(id) = &fragment.id {
                    call.id.clone_from(id);
                }
                // Some servers repeat the name in every fragment.
                if let Some(name) = name.as_deref().filter(|n| *n != call.name) {
                    call.name.push_str(name);
                }
                call.arguments.push_str(&arguments);
                out.push(LlmEvent::ToolCallDelta {
                    index: slot,
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
    #![allow(clippy::unwrap_used)]

    use serde_json::{Value, json};

    use super::*;

    fn decode(chunks: &[Value]) -> Vec<LlmEvent> {
        let mut decoder = ChunkDecoder::default();
        let mut out = Vec::new();
        for chunk in chunks {
            let event = SseEvent {
                event: String::new(),
                data: chunk.to_string(),
            };
            decoder.event(&event, &mut out).unwrap();
        }
        let done = SseEvent {
            event: String::new(),
            data: "[DONE]".into(),
        };
        assert!(decoder.event(&done, &mut out).unwrap());
        out
    }

    fn calls(events: &[LlmEvent]) -> Vec<(String, String, String)> {
        events
            .iter()
            .filter_map(|e| match e {
                LlmEvent::ToolCall { call } => {
                    Some((call.id.clone(), call.name.clone(), call.arguments.clone()))
                }
                _ => None,
            })
            .collect()
    }

    fn fragment(index: Option<usize>, id: Option<&str>, name: Option<&str>, args: &str) -> Value {
        let mut call = json!({"function": {"arguments": args}});
        if let Some(index) = index {
            call["index"] = json!(index);
        }
        if let Some(id) = id {
            call["id"] = json!(id);
        }
        if let Some(name) = name {
            call["function"]["name"] = json!(name);
        }
        json!({"choices": [{"delta": {"tool_calls": [call]}, "finish_reason": null}]})
    }

    #[test]
    fn calls_sharing_an_index_are_told_apart_by_id() {
        let events = decode(&[
            fragment(None, Some("a"), Some("read_file"), "{\"path\":"),
            fragment(None, None, None, "\"x\"}"),
            fragment(None, Some("b"), Some("list_dir"), "{}"),
            json!({"choices": [{"delta": {}, "finish_reason": "tool_calls"}]}),
        ]);
        assert_eq!(
            calls(&events),
            [
                ("a".into(), "read_file".into(), "{\"path\":\"x\"}".into()),
                ("b".into(), "list_dir".into(), "{}".into())
            ]
        );
    }

    #[test]
    fn repeated_names_and_missing_ids_are_tolerated() {
        let events = decode(&[
            fragment(Some(0), None, Some("grep"), "{\"pattern\""),
            fragment(Some(0), None, Some("grep"), ": \"fn\"}"),
            json!({"choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 2}}),
        ]);
        assert_eq!(
            calls(&events),
            [(
                "call_0".into(),
                "grep".into(),
                "{\"pattern\": \"fn\"}".into()
            )]
        );
        let n = events.len();
        assert_eq!(
            events[n - 2],
            LlmEvent::Usage {
                usage: Usage {
                    prompt_tokens: 5,
                    completion_tokens: 2
                }
            }
        );
        assert_eq!(events[n - 1], LlmEvent::Done { stop_reason: None });
    }
}
