//! Approval policy for MCP tool calls, wherever they come from.
//!
//! Mental model: a call to `server.tool` gets one [`Verdict`] from the
//! [`ToolPolicy`]: run it, ask a person, or refuse. The verdict depends on
//! the global approval mode, the server's `trust` and its `approve`/`deny`
//! globs from vtcode.toml, and the tool's MCP annotations (a tool without
//! annotations counts as not read-only and possibly destructive, as the MCP
//! spec says). The model's direct calls and calls made by sandboxed code
//! reach the same [`ToolGate`], so one policy covers both. An "always"
//! answer is a [`Grants`] entry keyed by the tool's schema hash: when a
//! server changes the tool, the hash changes and the tool asks again.
//!
//! This module only decides; asking (events, the front end's answer) is the
//! agent's business, and refusing where no one can answer is the runtime's.

mod grants;
mod policy;
mod request;

pub use grants::Grants;
pub use policy::{PolicyError, ToolPolicy, Verdict};
pub use request::{Annotations, ToolApproval};

use serde_json::Value;

use crate::config::ApprovalMode;

/// What the gate found out about one call before it runs.
#[derive(Debug, Clone, PartialEq)]
pub struct GateCheck {
    pub verdict: Verdict,
    /// What to show a person, and the key an "always" answer is kept under.
    pub request: ToolApproval,
}

/// Resolves a call against the live catalog, checks its arguments against
/// the tool's input schema and applies the policy.
pub trait ToolGate: Send + Sync {
    /// `Err` carries the message for the caller: an unknown tool (with a
    /// "did you mean"), or arguments the input schema rejects, by name.
    fn check(
        &self,
        mode: ApprovalMode,
        server: &str,
        tool: &str,
        args: &Value,
    ) -> Result<GateCheck, String>;

    /// The same for a direct-mode function name (`server__tool`).
    fn check_function(
        &self,
        mode: ApprovalMode,
        function: &str,
        args: &Value,
    ) -> Result<GateCheck, String>;
}
