//! Approvals: which tool calls need a person's yes, and remembering "always".
//!
//! The policy ([`ApprovalMode`]) decides whether a call asks; the front end's
//! [`ApprovalHandler`] answers. An `Always` answer is remembered per tool
//! (always allow `apply_patch`, always allow `execute_code`) for the life of
//! the session. A denial never fails the
//! turn: its reason becomes the tool result the model reads.

use std::collections::HashSet;

use crate::agent::ApprovalMode;
use crate::events::{ApprovalDecision, ApprovalKind};

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
}

/// The kind of approval a tool call needs under `mode`, or `None` if it
/// runs without asking.
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

/// The session's remembered "always" answers, by tool name.
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
