//! The agent loop's metrics: model requests, turns, searches and whether
//! what they found was used, and approvals. Recording never fails a turn.

use std::time::Instant;

use serde_json::Value;
use vtcode_sandbox::ExecResult;

use super::{AgentSession, Reply, TurnOutcome};
use crate::agent::AgentError;
use crate::agent::tools::ToolOutput;
use crate::metrics::{MetricEvent, normalise_error};

/// `(query, detail)` of a `search_tools` call, taken before it runs.
pub(super) fn search_request(name: &str, args: &Result<Value, String>) -> Option<(String, String)> {
    let args = args.as_ref().ok().filter(|_| name == "search_tools")?;
    let text = |key: &str| args.get(key).and_then(Value::as_str).map(str::to_string);
    Some((
        text("query")?,
        text("detail_level").unwrap_or_else(|| "description".to_string()),
    ))
}

impl AgentSession {
    /// `context` is the local count of the request's prompt tokens, used
    /// when the provider reports none; `retries` the retries the reply's
    /// stream announced (a failed request's error counts its own).
    pub(super) fn record_llm_request(
        &self,
        started: Instant,
        reply: &Result<Reply, AgentError>,
        context: u64,
        retries: u32,
    ) {
        let failed_retries = match reply {
            Err(AgentError::Llm(error)) => error.retries(),
            _ => 0,
        };
        let usage = reply
            .as_ref()
            .ok()
            .and_then(|r| r.usage)
            .unwrap_or_default();
        self.deps.metrics.record(MetricEvent::Llm {
            model: self.deps.model.clone(),
            latency_ms: started.elapsed().as_secs_f64() * 1000.0,
            input_tokens: if usage.prompt_tokens > 0 {
                usage.prompt_tokens
            } else {
                context
            },
            output_tokens: usage.completion_tokens,
            retries: retries + failed_retries,
            error: reply
                .as_ref()
                .err()
                .map(|e| normalise_error(&e.to_string())),
        });
    }

    /// Notes what a finished tool call found or used, for the turn's
    /// discovery events.
    pub(super) fn note_tool_result(
        &mut self,
        search: Option<(String, String)>,
        output: &ToolOutput,
        duration_ms: f64,
    ) {
        let Some(details) = output.details.as_ref() else {
            return;
        };
        if let Some((query, detail)) = search {
            self.turn_metrics
                .search(&query, &detail, details, duration_ms);
        } else if let Ok(result) = serde_json::from_value::<ExecResult>(details.clone()) {
            for call in result.tool_calls.into_iter().filter(|c| c.ok) {
                self.turn_metrics
                    .used(format!("{}.{}", call.server, call.tool));
            }
        }
    }

    pub(super) fn record_turn(&mut self, outcome: Option<&TurnOutcome>) {
        if let Some(outcome) = outcome {
            self.deps.metrics.record(MetricEvent::Turn {
                model_calls: outcome.model_calls,
                input_tokens: if outcome.prompt_tokens > 0 {
                    outcome.prompt_tokens
                } else {
                    outcome.context_tokens
                },
                output_tokens: outcome.completion_tokens,
            });
        }
        self.turn_metrics.finish(&self.deps.metrics);
    }
}
