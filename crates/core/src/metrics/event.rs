//! The typed events: one variant per thing vtcode measures.
//!
//! An event carries only what is safe to keep: tool, skill and server names,
//! durations, counts, sizes, normalised error messages and, for tool
//! arguments, their names with a salted hash of each value (enough to see
//! *which* argument changed between a failed and a successful call, never
//! what it held).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::normalise::normalise_error;

/// What a user's approval prompt ended with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalOutcome {
    Granted,
    Denied,
}

/// What happened to a saved skill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkillAction {
    /// Written to `.agents/skills/<name>/`.
    Save,
    /// Read into a session (listed in the prompt or imported by a program).
    Load,
    /// Ran to completion.
    Run,
    /// Ran and failed.
    Failure,
}

impl SkillAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Save => "save",
            Self::Load => "load",
            Self::Run => "run",
            Self::Failure => "failure",
        }
    }
}

/// How an MCP tool was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallPath {
    /// From sandboxed code through the tool bridge (code mode, `vtcode run`).
    Bridge,
    /// As a model function call (direct mode).
    Direct,
}

/// One argument of a tool call: its name and a salted hash of its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArgDigest {
    pub name: String,
    pub hash: String,
}

/// One measured thing. Serialised (tagged by `kind`) as the stored body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MetricEvent {
    /// One `search_tools` call; `used` says whether a tool it returned was
    /// called later in the same turn.
    Discovery {
        query: String,
        detail: String,
        hits: u32,
        latency_ms: f64,
        used: bool,
    },
    /// One `execute_code`, `run_shell` or `vtcode run` program.
    Execution {
        language: String,
        backend: String,
        duration_ms: f64,
        /// `ok`, `error`, `timeout`, `memory`, `output_limit` or `killed`.
        status: String,
        tool_calls: u32,
        /// The distinct tools (`server.tool`) it called, in first-call order.
        tools: Vec<String>,
        /// stdout + stderr + result, as the program produced them.
        output_bytes: u64,
        /// A hash of the program with literals and names blanked, so the
        /// same program run with other values counts as one shape.
        shape: String,
        /// The program process's peak resident memory, when the runner
        /// could wait for it (not after a timeout or a killed runner).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        peak_memory_bytes: Option<u64>,
    },
    /// One SDK publication.
    SdkGeneration {
        duration_ms: f64,
        tool_count: u32,
        cache_hit: bool,
    },
    /// What one program's tools returned into the sandbox versus what went
    /// on to the model.
    Filtering { tool_bytes: u64, model_bytes: u64 },
    /// One model request.
    Llm {
        model: String,
        latency_ms: f64,
        input_tokens: u64,
        output_tokens: u64,
        /// Times the request was sent again (rate limits, server errors,
        /// connection failures, a stream cut before any output).
        #[serde(default)]
        retries: u32,
        error: Option<String>,
    },
    /// One completed user turn.
    Turn {
        model_calls: u32,
        input_tokens: u64,
        output_tokens: u64,
    },
    /// One MCP tool call.
    McpCall {
        server: String,
        tool: String,
        path: CallPath,
        latency_ms: f64,
        /// Normalised (values blanked) when the call failed.
        error: Option<String>,
        args: Vec<ArgDigest>,
        result_bytes: u64,
    },
    /// A crashed MCP server that the hub started again.
    McpRestart { server: String, attempt: u32 },
    /// An approval prompt and its answer.
    Approval {
        tool: String,
        outcome: ApprovalOutcome,
    },
    /// Something done with a saved skill.
    Skill {
        skill: String,
        action: SkillAction,
        duration_ms: Option<f64>,
        /// Normalised, for `Failure`.
        error: Option<String>,
    },
    /// Personal data replaced by tokens before the model saw it.
    PiiDetection { pii_kind: String, count: u32 },
}

impl MetricEvent {
    /// The stored `kind` column (the serde tag).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Discovery { .. } => "discovery",
            Self::Execution { .. } => "execution",
            Self::SdkGeneration { .. } => "sdk_generation",
            Self::Filtering { .. } => "filtering",
            Self::Llm { .. } => "llm",
            Self::Turn { .. } => "turn",
            Self::McpCall { .. } => "mcp_call",
            Self::McpRestart { .. } => "mcp_restart",
            Self::Approval { .. } => "approval",
            Self::Skill { .. } => "skill",
            Self::PiiDetection { .. } => "pii_detection",
        }
    }

    /// The stored `subject` column: what the event is about (a qualified
    /// tool, a skill, a model, a server), for queries that group by it.
    pub fn subject(&self) -> Option<String> {
        match self {
            Self::McpCall { server, tool, .. } => Some(format!("{server}.{tool}")),
            Self::Llm { model, .. } => Some(model.clone()),
            Self::McpRestart { server, .. } => Some(server.clone()),
            Self::Approval { tool, .. } => Some(tool.clone()),
            Self::Skill { skill, .. } => Some(skill.clone()),
            Self::PiiDetection { pii_kind, .. } => Some(pii_kind.clone()),
            Self::Execution { language, .. } => Some(language.clone()),
            Self::Discovery { .. }
            | Self::SdkGeneration { .. }
            | Self::Filtering { .. }
            | Self::Turn { .. } => None,
        }
    }

    /// The stored `ok` column, for events that can fail.
    pub fn ok(&self) -> Option<bool> {
        match self {
            Self::Execution { status, .. } => Some(status == "ok"),
            Self::Llm { error, .. } | Self::McpCall { error, .. } => Some(error.is_none()),
            Self::Skill { action, .. } => Some(*action != SkillAction::Failure),
            Self::Approval { outcome, .. } => Some(*outcome == ApprovalOutcome::Granted),
            _ => None,
        }
    }

    /// The stored `duration_ms` column.
    pub fn duration_ms(&self) -> Option<f64> {
        match self {
            Self::Discovery { latency_ms, .. }
            | Self::Llm { latency_ms, .. }
            | Self::McpCall { latency_ms, .. } => Some(*latency_ms),
            Self::Execution { duration_ms, .. } | Self::SdkGeneration { duration_ms, .. } => {
                Some(*duration_ms)
            }
            Self::Skill { duration_ms, .. } => *duration_ms,
            _ => None,
        }
    }

    /// The stored `error` column.
    pub fn error(&self) -> Option<&str> {
        match self {
            Self::Llm { error, .. } | Self::McpCall { error, .. } | Self::Skill { error, .. } => {
                error.as_deref()
            }
            _ => None,
        }
    }

    /// An MCP call event with its arguments digested (with `salt`) and its
    /// error (if any) normalised, so neither values nor secrets are kept.
    pub fn mcp_call(
        salt: &[u8],
        server: &str,
        tool: &str,
        path: CallPath,
        args: &Value,
        latency_ms: f64,
        outcome: Result<u64, &str>,
    ) -> Self {
        let (result_bytes, error) = match outcome {
            Ok(bytes) => (bytes, None),
            Err(message) => (0, Some(normalise_error(message))),
        };
        Self::McpCall {
            server: server.to_string(),
            tool: tool.to_string(),
            path,
            latency_ms,
            error,
            args: digest_args(salt, args),
            result_bytes,
        }
    }

    /// A skill event; a failure's message is normalised before it is kept.
    pub fn skill(
        skill: &str,
        action: SkillAction,
        duration_ms: Option<f64>,
        error: Option<&str>,
    ) -> Self {
        Self::Skill {
            skill: skill.to_string(),
            action,
            duration_ms,
            error: error.map(normalise_error),
        }
    }
}

/// Argument names (in order) with a salted, truncated hash of each value.
pub fn digest_args(salt: &[u8], args: &Value) -> Vec<ArgDigest> {
    let Some(object) = args.as_object() else {
        return Vec::new();
    };
    object
        .iter()
        .map(|(name, value)| {
            let mut hasher = Sha256::new();
            hasher.update(salt);
            hasher.update(value.to_string().as_bytes());
            let digest = hasher.finalize();
            ArgDigest {
                name: name.clone(),
                hash: hex::encode(&digest[..6]),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde_json::json;

    use super::*;

    #[test]
    fn arguments_keep_names_and_hashes_but_never_values() {
        let args = json!({"timezone": "Europe/Secretville", "token": "sk-live-123456"});
        let salt = b"project salt";
        let event =
            MetricEvent::mcp_call(salt, "time", "now", CallPath::Bridge, &args, 1.0, Ok(10));
        let body = serde_json::to_string(&event).unwrap();
        assert!(body.contains("timezone") && body.contains("token"));
        assert!(!body.contains("Secretville") && !body.contains("sk-live"));
        let again = digest_args(salt, &json!({"timezone": "Europe/Secretville"}));
        let other = digest_args(salt, &json!({"timezone": "Asia/Tokyo"}));
        let unsalted = digest_args(b"", &json!({"timezone": "Europe/Secretville"}));
        assert_eq!(again[0].hash, digest_args(salt, &args)[0].hash);
        assert_ne!(again[0].hash, other[0].hash);
        assert_ne!(again[0].hash, unsalted[0].hash);
    }

    #[test]
    fn a_failed_call_keeps_the_error_without_its_values() {
        let event = MetricEvent::mcp_call(
            b"salt",
            "time",
            "convert_time",
            CallPath::Bridge,
            &json!({}),
            2.0,
            Err("Invalid timezone: 'Mars/Olympus' (code 42)"),
        );
        assert_eq!(event.ok(), Some(false));
        assert_eq!(event.error(), Some("Invalid timezone: '…' (code N)"));
    }
}
