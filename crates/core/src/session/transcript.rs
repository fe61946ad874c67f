//! What a session records, and how the model's message list is rebuilt
//! from it.
//!
//! The transcript is the truth; the message list is derived. Replaying the
//! entries in order (messages append, a compaction replaces everything before
//! its kept tail with the summary) gives exactly the list the model last saw,
//! which is what makes resume after a crash work.

use serde::{Deserialize, Serialize};
use vtcode_llm::{Message, ToolCall};

/// One thing that happened in a session, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TranscriptEntry {
    User {
        content: String,
    },
    Assistant {
        content: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        tool_calls: Vec<ToolCall>,
    },
    /// A tool call about to run (recorded first, so a crash mid-call shows).
    ToolCall {
        call_id: String,
        name: String,
        arguments: String,
    },
    ToolResult {
        call_id: String,
        name: String,
        content: String,
        is_error: bool,
        duration_ms: u64,
    },
    /// A failure the user saw (provider error, cancellation, turn limit).
    Error {
        message: String,
    },
    /// Everything before the last `kept` messages was replaced by `summary`.
    Compaction {
        summary: String,
        kept: usize,
        tokens_before: u64,
        tokens_after: u64,
    },
}

impl TranscriptEntry {
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Self::User { .. } => "user",
            Self::Assistant { .. } => "assistant",
            Self::ToolCall { .. } => "tool_call",
            Self::ToolResult { .. } => "tool_result",
            Self::Error { .. } => "error",
            Self::Compaction { .. } => "compaction",
        }
    }

    /// The message this entry adds to the model's context, if any.
    pub fn message(&self) -> Option<Message> {
        match self {
            Self::User { content } => Some(Message::User {
                content: content.clone(),
            }),
            Self::Assistant {
                content,
                tool_calls,
            } => Some(Message::Assistant {
                content: content.clone(),
                tool_calls: tool_calls.clone(),
            }),
            Self::ToolResult {
                call_id,
                content,
                is_error,
                ..
            } => Some(Message::Tool {
                call_id: call_id.clone(),
                content: content.clone(),
                is_error: *is_error,
            }),
            Self::ToolCall { .. } | Self::Error { .. } | Self::Compaction { .. } => None,
        }
    }
}

/// The message that stands in for compacted history.
pub fn summary_message(summary: &str) -> Message {
    Message::User {
        content: format!(
            "[Summary of the earlier conversation, written to save context]\n{summary}"
        ),
    }
}

/// What a tool call that never finished answers to the model, so the
/// conversation stays well-formed (every call has a result).
pub const INTERRUPTED: &str =
    "interrupted: this tool call did not finish (vtcode stopped or the turn was cancelled)";

/// Rebuilds the model's message list from a transcript.
pub fn replay(entries: &[TranscriptEntry]) -> Vec<Message> {
    let mut messages: Vec<Message> = Vec::new();
    for entry in entries {
        if let TranscriptEntry::Compaction { summary, kept, .. } = entry {
            let tail = messages.split_off(messages.len().saturating_sub(*kept));
            messages = std::iter::once(summary_message(summary))
                .chain(tail)
                .collect();
        } else if let Some(message) = entry.message() {
            messages.push(message);
        }
    }
    let missing = dangling_calls(&messages);
    messages.extend(missing);
    messages
}

/// Results for the tool calls of the last assistant message that have
/// none, to append so the conversation stays well-formed.
pub(crate) fn dangling_calls(messages: &[Message]) -> Vec<Message> {
    let Some(last_assistant) = messages
        .iter()
        .rposition(|m| matches!(m, Message::Assistant { .. }))
    else {
        return Vec::new();
    };
    let Message::Assistant { tool_calls, .. } = &messages[last_assistant] else {
        return Vec::new();
    };
    let answered: Vec<&str> = messages[last_assistant..]
        .iter()
        .filter_map(|m| match m {
            Message::Tool { call_id, .. } => Some(call_id.as_str()),
            _ => None,
        })
        .collect();
    tool_calls
        .iter()
        .filter(|c| !answered.contains(&c.id.as_str()))
        .map(|c| Message::Tool {
            call_id: c.id.clone(),
            content: INTERRUPTED.to_string(),
            is_error: true,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(id: &str) -> ToolCall {
        ToolCall {
            id: id.into(),
            name: "read_file".into(),
            arguments: "{}".into(),
        }
    }

    #[test]
    fn replay_applies_compaction_and_closes_interrupted_calls() {
        let entries = vec![
            TranscriptEntry::User {
                content: "one".into(),
            },
            TranscriptEntry::Assistant {
                content: "a".into(),
                tool_calls: vec![],
            },
            TranscriptEntry::User {
                content: "two".into(),
            },
            TranscriptEntry::Compaction {
                summary: "asked one".into(),
                kept: 1,
                tokens_before: 10,
                tokens_after: 5,
            },
            TranscriptEntry::Assistant {
                content: String::new(),
                tool_calls: vec![call("c1"), call("c2")],
            },
            TranscriptEntry::ToolResult {
                call_id: "c1".into(),
                name: "read_file".into(),
                content: "x".into(),
                is_error: false,
                duration_ms: 1,
            },
            TranscriptEntry::ToolCall {
                call_id: "c2".into(),
                name: "read_file".into(),
                arguments: "{}".into(),
            },
        ];
        let messages = replay(&entries);
        assert_eq!(messages.len(), 5);
        assert_eq!(messages[0], summary_message("asked one"));
        assert_eq!(
            messages[1],
            Message::User {
                content: "two".into()
            }
        );
        assert_eq!(
            messages[4],
            Message::Tool {
                call_id: "c2".into(),
                content: INTERRUPTED.into(),
                is_error: true
            }
        );
    }
}
