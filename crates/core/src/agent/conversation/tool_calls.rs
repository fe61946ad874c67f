//! Running the tool calls of one model reply: record the call, parse its
//! arguments, ask for approval when the policy says so, dispatch, report.
//! Every outcome (bad JSON, unknown tool, denial, failure) is a tool result
//! the model reads; only a session-store failure stops the turn.

use std::time::Instant;

use serde_json::Value;
use tokio::sync::mpsc::UnboundedSender;
use vtcode_llm::ToolCall;

use super::AgentSession;
use crate::agent::approvals::Asker;
use crate::agent::tools::{self, ToolContext, ToolOutput};
use crate::agent::{AgentError, ToolMode, TurnControl};
use crate::agent::{approvals, pii_guard};
use crate::events::{AgentEvent, ApprovalDecision};
use crate::session::TranscriptEntry;

impl AgentSession {
    pub(super) async fn run_tool(
        &mut self,
        call: ToolCall,
        mode: ToolMode,
        offered: &[String],
        events: &UnboundedSender<AgentEvent>,
        control: &TurnControl,
    ) -> Result<(), AgentError> {
        let started = Instant::now();
        self.record(TranscriptEntry::ToolCall {
            call_id: call.id.clone(),
            name: call.name.clone(),
            arguments: call.arguments.clone(),
        })?;
        // The model wrote tokens; the tool and the user act on real values.
        let parsed = tools::parse_arguments(&call.arguments)
            .map(|args| pii_guard::restore_args(self.pii.as_deref(), args));
        let search = super::metrics::search_request(&call.name, &parsed);
        let _ = events.send(AgentEvent::ToolCallStarted {
            call_id: call.id.clone(),
            name: call.name.clone(),
            arguments: parsed
                .clone()
                .unwrap_or_else(|_| Value::String(call.arguments.clone())),
        });
        let asker = Asker {
            handler: control.approvals.clone(),
            events: events.clone(),
            cancel: control.cancel.clone(),
            grants: self.grants.clone(),
            metrics: self.deps.metrics.clone(),
        };
        let output = match parsed {
            Err(message) => ToolOutput::error(message),
            Ok(args) => match self.approve(&call, &args, mode, offered, &asker).await {
                Err(denial) => ToolOutput::error(denial),
                Ok(()) => {
                    let ctx = ToolContext {
                        deps: &self.deps,
                        pii: self.pii.as_ref(),
                        events,
                        call_id: &call.id,
                        cancel: &control.cancel,
                        asker: &asker,
                    };
                    tools::dispatch(&ctx, mode, offered, &call.name, args).await
                }
            },
        };
        let duration_ms = started.elapsed().as_millis() as u64;
        self.note_tool_result(search, &output, started.elapsed().as_secs_f64() * 1000.0);
        let _ = events.send(AgentEvent::ToolCallFinished {
            call_id: call.id.clone(),
            name: call.name.clone(),
            output: output.text.clone(),
            is_error: output.is_error,
            duration_ms,
            details: output.details,
        });
        self.record(TranscriptEntry::ToolResult {
            call_id: call.id,
            name: call.name,
            content: output.text,
            is_error: output.is_error,
            duration_ms,
        })
    }

    /// `Ok` when the call may run; `Err` carries the denial (or, for a
    /// direct-mode MCP call, the argument error) the model reads.
    async fn approve(
        &mut self,
        call: &ToolCall,
        args: &Value,
        mode: ToolMode,
        offered: &[String],
        asker: &Asker,
    ) -> Result<(), String> {
        let direct = tools::is_direct(mode, &call.name) && offered.contains(&call.name);
        if direct && let Some(gate) = &self.deps.tool_gate {
            let check = gate.check_function(self.deps.approval, &call.name, args)?;
            return asker.admit_tool(&call.id, check, None).await;
        }
        let Some(kind) = approvals::required(
            self.deps.approval,
            &call.name,
            direct,
            self.deps.mounts.workspace_writable,
        ) else {
            return Ok(());
        };
        if self.remembered.allows(&call.name) {
            return Ok(());
        }
        let (summary, body) = tools::approval_text(&self.deps, &call.name, args);
        let decision = asker.ask(&call.id, kind, &call.name, summary, body).await;
        match decision {
            ApprovalDecision::Once => Ok(()),
            ApprovalDecision::Always => {
                self.remembered.remember(&call.name);
                Ok(())
            }
            ApprovalDecision::Deny { reason } => Err(match reason {
                Some(reason) => format!("this {} call was denied: {reason}", call.name),
                None => format!("this {} call was denied", call.name),
            }),
        }
    }
}
