//! Context compaction: older messages summarised by a model call.
//!
//! Before each model call the loop checks how full the context is. Past
//! three quarters of the window it picks a split point so that the newest
//! messages (up to a quarter of the window) stay verbatim, and replaces
//! everything before with a summary the model writes. The split never lands
//! on a tool result, so no result is separated from the call that asked
//! for it; it may land inside the current turn, which is what keeps long
//! tool loops going.

use futures::StreamExt;
use tokio_util::sync::CancellationToken;
use vtcode_llm::{ChatRequest, LlmError, LlmEvent, LlmProvider, Message};

use crate::agent::prompt::COMPACT;

/// Compact once the context passes this share of the window (in percent)...
const TRIGGER_PERCENT: u64 = 75;
/// ...keeping at most this share of it verbatim.
const KEEP_PERCENT: u64 = 25;
/// Summarising less than this share of the window (in percent) frees too
/// little to be worth a model call.
const MIN_GAIN_PERCENT: u64 = 10;
/// Each message is shown to the summariser cut to this many bytes.
const MESSAGE_BYTES: usize = 4000;

pub(crate) fn needs_compaction(context_tokens: u64, window: u64) -> bool {
    context_tokens > window.saturating_mul(TRIGGER_PERCENT) / 100
}

pub(crate) fn keep_budget(window: u64) -> u64 {
    window.saturating_mul(KEEP_PERCENT) / 100
}

/// Largest tool result, in bytes, for a context window of `window` tokens:
/// about half the window, so one result can never fill it alone.
pub(crate) fn max_result_bytes(window: u64) -> usize {
    usize::try_from(window.saturating_mul(2)).unwrap_or(usize::MAX)
}

/// Index of the first message to keep verbatim: the earliest non-tool
/// message whose suffix fits `keep`, or failing that the last non-tool
/// message. `None` when what lies before it is too small to be worth
/// summarising.
pub(crate) fn split_point(
    messages: &[Message],
    tokens: &[u64],
    keep: u64,
    window: u64,
) -> Option<usize> {
    let mut suffix = 0u64;
    let mut best = None;
    for i in (0..messages.len()).rev() {
        suffix += tokens.get(i).copied().unwrap_or(0);
        if matches!(messages[i], Message::Tool { .. }) {
            continue;
        }
        if best.is_some() && suffix > keep {
            break;
        }
        best = Some(i);
    }
    let split = best.filter(|&i| i > 0)?;
    let gain: u64 = tokens.iter().take(split).sum();
    (gain >= window.saturating_mul(MIN_GAIN_PERCENT) / 100).then_some(split)
}

/// The messages as plain text for the summariser, newest kept when the
/// whole exceeds `max_bytes`.
pub(crate) fn render(messages: &[Message], max_bytes: usize) -> String {
    let mut parts: Vec<String> = messages
        .iter()
        .map(|m| match m {
            Message::User { content } => format!("USER: {}", clip(content)),
            Message::Assistant {
                content,
                tool_calls,
            } => {
                let mut s = format!("ASSISTANT: {}", clip(content));
                for c in tool_calls {
                    s.push_str(&format!("\n  called {}({})", c.name, clip(&c.arguments)));
                }
                s
            }
            Message::Tool {
                content, is_error, ..
            } => {
                let label = if *is_error {
                    "TOOL ERROR"
                } else {
                    "TOOL RESULT"
                };
                format!("{label}: {}", clip(content))
            }
        })
        .collect();
    let mut total: usize = parts.iter().map(|p| p.len() + 2).sum();
    let mut dropped = 0;
    while total > max_bytes && parts.len() > 1 {
        total -= parts[0].len() + 2;
        parts.remove(0);
        dropped += 1;
    }
    let mut out = String::new();
    if dropped > 0 {
        out.push_str(&format!("[{dropped} older messages omitted]\n\n"));
    }
    out.push_str(&parts.join("\n\n"));
    out
}

fn clip(text: &str) -> String {
    if text.len() <= MESSAGE_BYTES {
        return text.to_string();
    }
    let mut end = MESSAGE_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{} […{} more bytes]", &text[..end], text.len() - end)
}

/// Asks the model for a summary of `rendered`. `None` if cancelled.
pub(crate) async fn summarise(
    provider: &dyn LlmProvider,
    model: &str,
    rendered: String,
    cancel: &CancellationToken,
) -> Result<Option<String>, LlmError> {
    let request = ChatRequest {
        model: model.to_string(),
        system: COMPACT.to_string(),
        messages: vec![Message::User {
            content: format!("Summarise this conversation:\n\n{rendered}"),
        }],
        tools: Vec::new(),
        temperature: None,
        max_tokens: None,
    };
    let mut stream = tokio::select! {
        s = provider.stream(request) => s?,
        () = cancel.cancelled() => return Ok(None),
    };
    let mut summary = String::new();
    loop {
        let next = tokio::select! {
            n = stream.next() => n,
            () = cancel.cancelled() => return Ok(None),
        };
        match next {
            Some(Ok(LlmEvent::TextDelta { text })) => summary.push_str(&text),
            Some(Ok(LlmEvent::Done { .. })) => break,
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(e),
            None => {
                return Err(LlmError::Other(
                    "the summary reply ended early; the conversation was left as it was"
                        .to_string(),
                ));
            }
        }
    }
    Ok(Some(summary.trim().to_string()))
}

#[cfg(test)]
mod tests {
    use vtcode_llm::ToolCall;

    use super::*;

    fn user(s: &str) -> Message {
        Message::User { content: s.into() }
    }

    #[test]
    fn split_keeps_tool_results_with_their_call() {
        let call = Message::Assistant {
            content: String::new(),
            tool_calls: vec![ToolCall {
                id: "1".into(),
                name: "grep".into(),
                arguments: "{}".into(),
            }],
        };
        let result = Message::Tool {
            call_id: "1".into(),
            content: "x".into(),
            is_error: false,
        };
        let messages = vec![user("a"), call.clone(), result.clone(), call, result];
        // Only the last call+result fit: split lands on that call, not its result.
        assert_eq!(
            split_point(&messages, &[10, 10, 10, 10, 10], 20, 100),
            Some(3)
        );
        // Even when nothing fits, the newest call and its result stay.
        assert_eq!(
            split_point(&messages, &[10, 10, 10, 10, 500], 20, 100),
            Some(3)
        );
        // Everything fits: nothing to summarise before index 0.
        assert_eq!(split_point(&messages, &[1, 1, 1, 1, 1], 100, 100), None);
        // Summarising 30 tokens of a 1,000-token window is not worth a call.
        assert_eq!(
            split_point(&messages, &[10, 10, 10, 10, 10], 20, 1000),
            None
        );
    }

    #[test]
    fn render_keeps_the_newest_when_too_long() {
        let messages: Vec<Message> = (0..10).map(|i| user(&format!("message {i}"))).collect();
        let text = render(&messages, 60);
        assert!(text.contains("message 9"));
        assert!(!text.contains("message 0"));
        assert!(text.starts_with('['));
    }
}
