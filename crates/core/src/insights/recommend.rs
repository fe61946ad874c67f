//! Recommendations: the few things worth acting on.
//!
//! - a program of the same shape that succeeded three or more times is worth
//!   saving as a skill;
//! - a tool failing on more than 30 % of its calls (over at least three
//!   calls, so one bad call is not a trend) needs a look;
//! - a tool whose median call takes over a second is slow enough to batch
//!   or cache.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Insights;

/// Successful runs of one program shape before it is worth saving.
pub(crate) const SKILL_AFTER_RUNS: u64 = 3;
/// Failure share above which a tool is flagged.
const FAILING_RATE: f64 = 0.30;
/// Calls needed before a failure rate or a latency means anything.
const MIN_CALLS: u64 = 3;
/// Median latency above which a tool is called slow.
const SLOW_MS: f64 = 1000.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecommendationKind {
    SaveAsSkill,
    FailingTool,
    SlowTool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    pub kind: RecommendationKind,
    /// The tool, or the program shape's hash.
    pub subject: String,
    /// One line for the user.
    pub message: String,
}

pub(crate) fn recommendations(
    insights: &Insights,
    repeated_shapes: &BTreeMap<String, (u64, Vec<String>)>,
) -> Vec<Recommendation> {
    let mut out = Vec::new();
    for (shape, (runs, tools)) in repeated_shapes {
        let calling = if tools.is_empty() {
            String::new()
        } else {
            format!(" calling {}", tools.join(", "))
        };
        out.push(Recommendation {
            kind: RecommendationKind::SaveAsSkill,
            subject: shape.clone(),
            message: format!(
                "the same program{calling} ran {runs} times: save it as a skill so it is one call next time"
            ),
        });
    }
    for tool in insights.tools.iter().filter(|t| t.uses >= MIN_CALLS) {
        if tool.failure_rate > FAILING_RATE {
            let top = insights
                .failure_patterns
                .iter()
                .find(|p| p.tool == tool.name)
                .map(|p| format!(", mostly \"{}\"", p.error))
                .unwrap_or_default();
            out.push(Recommendation {
                kind: RecommendationKind::FailingTool,
                subject: tool.name.clone(),
                message: format!(
                    "{} fails on {:.0} % of its calls ({} of {}){top}",
                    tool.name,
                    tool.failure_rate * 100.0,
                    tool.failures,
                    tool.uses
                ),
            });
        }
        if tool.p50_ms > SLOW_MS {
            out.push(Recommendation {
                kind: RecommendationKind::SlowTool,
                subject: tool.name.clone(),
                message: format!(
                    "{} is slow (median {:.1} s over {} calls): call it once and reuse the result",
                    tool.name,
                    tool.p50_ms / 1000.0,
                    tool.uses
                ),
            });
        }
    }
    out
}
