//! Approvals: which tool calls need a person's yes, asking, and remembering
//! "always".
//!
//! Built-in tools (apply_patch, run_shell, execute_code) are decided here by
//! [`ApprovalMode`]; MCP tools, whether the model calls them directly or a
//! program calls them through the bridge, get their verdict from the
//! [`ToolGate`](crate::approval::ToolGate). Either way the question goes
//! through one [`Asker`]: an `ApprovalRequested` event, the front end's
//! [`ApprovalHandler`], then an `ApprovalResolved` event. An `Always` answer
//! is remembered for the session: per built-in tool by name, per MCP tool
//! by name and schema hash (a tool that changes asks again). A denial never
//! fails the turn: its reason becomes what the model or the program reads.

use std::collections::HashSet;
use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;
use vtcode_sandbox::TimeoutPause;

use crate::agent::ApprovalMode;
use crate::approval::{GateCheck, Grants, Verdict};
use crate::events::{AgentEvent, ApprovalDecider, ApprovalDecision, ApprovalKind, ApprovalOutcome};
use crate::metrics::{self, MetricEvent, MetricsRecorder};

/// Answers approval requests; the TUI shows a modal, `vtcode exec` denies.
#[async_trait::async_trait]
pub trait ApprovalHandler: Send + Sync {
    /// `request_id` is the one the `ApprovalRequested` event carried, so a
    /// front end can match the answer to the request it showed.
    async fn decide(
        &self,
        request_id: &str,
        kind: ApprovalKind,
        summary: &str,
        body: &str,
    ) -> ApprovalDecision;

    /// False where no person answers: a denial is then not the user's.
    fn attended(&self) -> bool {
        true
    }
}

/// Denies everything with a reason that says why and what to do; used where
/// no person can answer (`vtcode exec`).
pub struct DenyAll {
    pub reason: String,
}

#[async_trait::async_trait]
impl ApprovalHandler for DenyAll {
    async fn decide(&self, _: &str, _: ApprovalKind, _: &str, _: &str) -> ApprovalDecision {
        ApprovalDecision::Deny {
            reason: Some(self.reason.clone()),
        }
    }

    fn attended(&self) -> bool {
        false
    }
}

/// The kind of approval a built-in tool call needs under `mode`, or `None`
/// if it runs without asking. `direct_tool` covers direct-mode MCP calls
/// only when no tool gate decides them.
pub(crate) fn required(
    mode: ApprovalMode,
    tool: &str,
    direct_tool: bool,
    workspace_writable: bool,
) -> Option<ApprovalKind> {
    let (kind, writes) = match tool {
        "apply_patch" | "save_skill" => (ApprovalKind::Patch, true),
        "run_shell" => (ApprovalKind::Command, workspace_writable),
        "execute_code" => (ApprovalKind::Command, false),
        _ if direct_tool => (ApprovalKind::Command, false),
        _ => return None,
    };
    match mode {
        ApprovalMode::Auto => None,
        ApprovalMode::AskAll => Some(kind),
        ApprovalMode::AskWrites => writes.then_some(kind),
    }
}

/// The session's remembered "always" answers for built-in tools, by name.
#[derive(Debug, Default)]
pub(crate) struct Remembered(HashSet<String>);

impl Remembered {
    pub(crate) fn allows(&self, tool: &str) -> bool {
        self.0.contains(tool)
    }

    pub(crate) fn remember(&mut self, tool: &str) {
        self.0.insert(tool.to_string());
    }

    pub(crate) fn clear(&mut self) {
        self.0.clear();
    }
}

/// What a denied MCP tool call reads (the program as a `ToolError`).
fn denied_by_user(reason: Option<String>) -> String {
    match reason.filter(|r| !r.trim().is_empty()) {
        Some(reason) => format!("denied by the user: {reason}"),
        None => "denied by the user".to_string(),
    }
}

/// Asks this turn's front end; cheap to clone into a program's tool host.
#[derive(Clone)]
pub(crate) struct Asker {
    pub handler: Arc<dyn ApprovalHandler>,
    pub events: UnboundedSender<AgentEvent>,
    pub cancel: CancellationToken,
    pub grants: Grants,
    /// Every question asked and its answer are approval metrics.
    pub metrics: MetricsRecorder,
}

impl Asker {
    /// One question, announced before and settled after with events.
    pub(crate) async fn ask(
        &self,
        request_id: &str,
        kind: ApprovalKind,
        subject: &str,
        summary: String,
        body: String,
    ) -> ApprovalDecision {
        let _ = self.events.send(AgentEvent::ApprovalRequested {
            request_id: request_id.to_string(),
            kind,
            summary: summary.clone(),
            body: body.clone(),
        });
        let decision = tokio::select! {
            d = self.handler.decide(request_id, kind, &summary, &body) => d,
            () = self.cancel.cancelled() => ApprovalDecision::Deny {
                reason: Some("the turn was cancelled".to_string()),
            },
        };
        self.metrics.record(MetricEvent::Approval {
            tool: subject.to_string(),
            outcome: match decision {
                ApprovalDecision::Once | ApprovalDecision::Always => {
                    metrics::ApprovalOutcome::Granted
                }
                ApprovalDecision::Deny { .. } => metrics::ApprovalOutcome::Denied,
            },
        });
        let (outcome, reason) = match &decision {
            ApprovalDecision::Once => (ApprovalOutcome::Approved, None),
            ApprovalDecision::Always => (ApprovalOutcome::ApprovedForSession, None),
            ApprovalDecision::Deny { reason } => (ApprovalOutcome::Denied, reason.clone()),
        };
        let decided_by = if self.handler.attended() {
            ApprovalDecider::User
        } else {
            ApprovalDecider::Unattended
        };
        let _ = self.events.send(AgentEvent::ApprovalResolved {
            request_id: request_id.to_string(),
            subject: subject.to_string(),
            outcome,
            decided_by,
            reason,
        });
        decision
    }

    /// Settles an MCP tool call the gate checked: `Err` is what the caller
    /// reads instead of a result. While a person is asked, `pause` (a
    /// program's deadline) is held.
    pub(crate) async fn admit_tool(
        &self,
        request_id: &str,
        check: GateCheck,
        pause: Option<&TimeoutPause>,
    ) -> Result<(), String> {
        let request = check.request;
        match check.verdict {
            Verdict::Allow => Ok(()),
            Verdict::Deny(reason) => {
                let _ = self.events.send(AgentEvent::ApprovalResolved {
                    request_id: request_id.to_string(),
                    subject: request.qualified_name(),
                    outcome: ApprovalOutcome::Denied,
                    decided_by: ApprovalDecider::Config,
                    reason: Some(reason.clone()),
                });
                Err(reason)
            }
            Verdict::Ask if self.grants.allows(&request) => Ok(()),
            Verdict::Ask => {
                let _held = pause.map(TimeoutPause::hold);
                let decision = self
                    .ask(
                        request_id,
                        ApprovalKind::Tool,
                        &request.qualified_name(),
                        request.summary(),
                        request.body(),
                    )
                    .await;
                match decision {
                    ApprovalDecision::Once => Ok(()),
                    ApprovalDecision::Always => {
                        self.grants.grant(&request);
                        Ok(())
                    }
                    ApprovalDecision::Deny { reason } if !self.handler.attended() => {
                        Err(reason.unwrap_or_else(|| "no one could approve this call".into()))
                    }
                    ApprovalDecision::Deny { reason } => Err(denied_by_user(reason)),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ask_writes_asks_for_patches_and_commands_only_when_writable() {
        let m = ApprovalMode::AskWrites;
        assert_eq!(
            required(m, "apply_patch", false, false),
            Some(ApprovalKind::Patch)
        );
        assert_eq!(required(m, "run_shell", false, false), None);
        assert_eq!(
            required(m, "run_shell", false, true),
            Some(ApprovalKind::Command)
        );
        assert_eq!(required(m, "execute_code", false, true), None);
        assert_eq!(required(m, "read_file", false, true), None);
        assert_eq!(
            required(m, "save_skill", false, false),
            Some(ApprovalKind::Patch)
        );
        assert_eq!(required(m, "load_skill", false, false), None);
    }

    #[test]
    fn ask_all_asks_for_every_acting_tool_and_auto_for_none() {
        assert_eq!(
            required(ApprovalMode::AskAll, "execute_code", false, false),
            Some(ApprovalKind::Command)
        );
        assert_eq!(
            required(ApprovalMode::AskAll, "time__get_current_time", true, false),
            Some(ApprovalKind::Command)
        );
        assert_eq!(required(ApprovalMode::AskAll, "grep", false, false), None);
        assert_eq!(
            required(ApprovalMode::Auto, "apply_patch", false, true),
            None
        );
    }
}
