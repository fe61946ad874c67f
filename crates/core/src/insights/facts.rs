//! What the insights fold reads of an event, whichever way it was loaded:
//! whole events (tests, callers that hold them already) or the store's
//! slimmer [`InsightRow`]s, which carry a body only where the columns do
//! not say enough.

use serde::Deserialize;

use crate::metrics::{ArgDigest, MetricEvent, SkillAction};
use crate::store::InsightRow;

pub(super) enum Fact {
    /// An MCP tool call. `args` is empty when the store left the body out,
    /// which it does only for a success that follows a success.
    Call {
        tool: String,
        ok: bool,
        latency_ms: f64,
        error: Option<String>,
        args: Vec<ArgDigest>,
    },
    /// A skill that ran (`ok`) or failed.
    SkillRun {
        skill: String,
        ok: bool,
        duration_ms: Option<f64>,
    },
    /// A program that succeeded.
    Program { shape: String, tools: Vec<String> },
}

impl Fact {
    pub(super) fn from_event(event: &MetricEvent) -> Option<Self> {
        match event {
            MetricEvent::McpCall {
                server,
                tool,
                latency_ms,
                error,
                args,
                ..
            } => Some(Self::Call {
                tool: format!("{server}.{tool}"),
                ok: error.is_none(),
                latency_ms: *latency_ms,
                error: error.clone(),
                args: args.clone(),
            }),
            MetricEvent::Skill {
                skill,
                action: action @ (SkillAction::Run | SkillAction::Failure),
                duration_ms,
                ..
            } => Some(Self::SkillRun {
                skill: skill.clone(),
                ok: *action == SkillAction::Run,
                duration_ms: *duration_ms,
            }),
            MetricEvent::Execution {
                status,
                shape,
                tools,
                ..
            } if status == "ok" => Some(Self::Program {
                shape: shape.clone(),
                tools: tools.clone(),
            }),
            _ => None,
        }
    }

    /// `None` for rows the fold ignores, and for bodies this vtcode cannot
    /// read (written by a newer one).
    pub(super) fn from_row(row: InsightRow) -> Option<Self> {
        match row.kind.as_str() {
            "mcp_call" => {
                let args = match &row.body {
                    Some(body) => serde_json::from_str::<CallBody>(body).ok()?.args,
                    None => Vec::new(),
                };
                Some(Self::Call {
                    tool: row.subject?,
                    ok: row.ok?,
                    latency_ms: row.duration_ms.unwrap_or(0.0),
                    error: row.error,
                    args,
                })
            }
            "skill" => {
                let body: SkillBody = serde_json::from_str(row.body.as_deref()?).ok()?;
                matches!(body.action, SkillAction::Run | SkillAction::Failure).then(|| {
                    Self::SkillRun {
                        skill: body.skill,
                        ok: body.action == SkillAction::Run,
                        duration_ms: row.duration_ms,
                    }
                })
            }
            "execution" => {
                let body: ProgramBody = serde_json::from_str(row.body.as_deref()?).ok()?;
                Some(Self::Program {
                    shape: body.shape,
                    tools: body.tools,
                })
            }
            _ => None,
        }
    }
}

#[derive(Deserialize)]
struct CallBody {
    args: Vec<ArgDigest>,
}

#[derive(Deserialize)]
struct SkillBody {
    skill: String,
    action: SkillAction,
}

#[derive(Deserialize)]
struct ProgramBody {
    shape: String,
    tools: Vec<String>,
}
