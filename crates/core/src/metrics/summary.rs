//! What `vtcode metrics show` and the TUI panel display: the events of a
//! time window folded into totals, percentiles, rankings and short series.
//!
//! Tokens saved are estimated against direct mode, where every byte a tool
//! returns goes into the model's context: the bytes tools returned into
//! programs minus the bytes of program output sent to the model, at four
//! bytes a token (the usual rule of thumb for English text and JSON).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use super::event::{ApprovalOutcome, MetricEvent, SkillAction};
use crate::store::StoredEvent;

/// Bytes per token in the direct-mode estimate.
pub const BYTES_PER_TOKEN: u64 = 4;
/// Points kept per series (the most recent ones).
const SERIES_POINTS: usize = 60;
/// Rows in the rankings.
const TOP: usize = 10;

/// `24h`, `7d`, `30m`, `90s` or `all` (`None`: no limit).
pub fn parse_since(text: &str) -> Result<Option<Duration>, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("all") {
        return Ok(None);
    }
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let bad = || format!("--since `{text}` is not a duration; use e.g. 30m, 24h, 7d or all");
    let number: u64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(bad()),
    };
    Ok(Some(Duration::from_secs(number.saturating_mul(seconds))))
}

/// The Unix ms a `--since` window starts at (`None` for `all`).
pub fn since_ms(text: &str) -> Result<Option<i64>, String> {
    Ok(parse_since(text)?.map(|window| {
        let window = i64::try_from(window.as_millis()).unwrap_or(i64::MAX);
        chrono::Utc::now().timestamp_millis().saturating_sub(window)
    }))
}

/// The nearest-rank percentile `p` (0–100) of `values`; 0 when empty.
pub fn percentile(values: &mut [f64], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * values.len() as f64).ceil() as usize;
    values[rank.clamp(1, values.len()) - 1]
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ExecutionStats {
    pub total: u64,
    pub ok: u64,
    /// `ok / total`; `None` before the first execution.
    pub success_rate: Option<f64>,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub by_status: BTreeMap<String, u64>,
    /// The most resident memory one program's process held; `None` when
    /// no execution measured it.
    pub peak_memory_max_bytes: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TokenStats {
    pub llm_requests: u64,
    pub llm_errors: u64,
    /// Requests sent again (rate limits, server errors, cut streams).
    pub llm_retries: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub llm_p50_ms: f64,
    pub turns: u64,
    /// Bytes MCP tools returned into programs.
    pub tool_bytes: u64,
    /// Bytes of program output sent on to the model.
    pub model_bytes: u64,
    /// `1 - model_bytes / tool_bytes`; `None` before a tool returned data.
    pub reduction_ratio: Option<f64>,
    /// Tokens direct mode would have put into the context that code mode
    /// did not (see the module docs).
    pub tokens_saved: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DiscoveryStats {
    pub searches: u64,
    /// Share of searches whose result was called in the same turn.
    pub hit_rate: Option<f64>,
    pub p50_ms: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SdkStats {
    pub generations: u64,
    pub cache_hits: u64,
    pub p50_ms: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolStats {
    /// `server.tool`.
    pub tool: String,
    pub calls: u64,
    pub errors: u64,
    pub p50_ms: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailureStats {
    pub tool: String,
    /// Normalised message.
    pub error: String,
    pub count: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SecurityStats {
    pub approvals_asked: u64,
    pub approvals_granted: u64,
    pub approvals_denied: u64,
    /// Executions stopped by a sandbox limit, per limit.
    pub limits_hit: BTreeMap<String, u64>,
    pub pii_detections: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SkillStats {
    pub skill: String,
    pub saves: u64,
    pub loads: u64,
    pub runs: u64,
    pub failures: u64,
}

/// Recent values, oldest first, for sparklines and charts.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Series {
    pub execution_ms: Vec<f64>,
    pub tokens_per_turn: Vec<u64>,
    /// Per program that called tools: `1 - model_bytes / tool_bytes`.
    pub reduction_ratio: Vec<f64>,
}

/// Everything `metrics show` reports for one window.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    /// Unix ms of the window's start; `None` for all of history.
    pub since_ms: Option<i64>,
    pub events: u64,
    pub executions: ExecutionStats,
    pub tokens: TokenStats,
    pub discovery: DiscoveryStats,
    pub sdk: SdkStats,
    /// Most-called MCP tools first.
    pub top_tools: Vec<ToolStats>,
    /// Most frequent failures first.
    pub failures: Vec<FailureStats>,
    pub security: SecurityStats,
    pub skills: Vec<SkillStats>,
    /// Skill runs per skill saved (`None` before a skill was saved).
    pub skill_reuse_ratio: Option<f64>,
    pub server_restarts: BTreeMap<String, u64>,
    pub series: Series,
}

fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

fn last_points<T>(mut values: Vec<T>) -> Vec<T> {
    let excess = values.len().saturating_sub(SERIES_POINTS);
    values.drain(..excess);
    values
}

impl Summary {
    /// Folds `events` (oldest first) recorded since `since_ms`.
    pub fn from_events(events: &[StoredEvent], since_ms: Option<i64>) -> Self {
        let mut s = Summary {
            since_ms,
            events: events.len() as u64,
            ..Summary::default()
        };
        let mut exec_ms = Vec::new();
        let mut llm_ms = Vec::new();
        let mut search_ms = Vec::new();
        let mut sdk_ms = Vec::new();
        let mut searches_used = 0;
        let mut tools: BTreeMap<String, (u64, u64, Vec<f64>)> = BTreeMap::new();
        let mut failures: BTreeMap<(String, String), u64> = BTreeMap::new();
        let mut skills: BTreeMap<String, SkillStats> = BTreeMap::new();
        for stored in events {
            match &stored.event {
                MetricEvent::Execution {
                    duration_ms,
                    status,
                    peak_memory_bytes,
                    ..
                } => {
                    s.executions.peak_memory_max_bytes =
                        s.executions.peak_memory_max_bytes.max(*peak_memory_bytes);
                    s.executions.total += 1;
                    if status == "ok" {
                        s.executions.ok += 1;
                    }
                    *s.executions.by_status.entry(status.clone()).or_default() += 1;
                    if matches!(status.as_str(), "timeout" | "memory" | "output_limit") {
                        *s.security.limits_hit.entry(status.clone()).or_default() += 1;
                    }
                    exec_ms.push(*duration_ms);
                }
                MetricEvent::Llm {
                    latency_ms,
                    input_tokens,
                    output_tokens,
                    retries,
                    error,
                    ..
                } => {
                    s.tokens.llm_requests += 1;
                    s.tokens.llm_errors += u64::from(error.is_some());
                    s.tokens.llm_retries += u64::from(*retries);
                    s.tokens.input_tokens += input_tokens;
                    s.tokens.output_tokens += output_tokens;
                    llm_ms.push(*latency_ms);
                }
                MetricEvent::Turn {
                    input_tokens,
                    output_tokens,
                    ..
                } => {
                    s.tokens.turns += 1;
                    s.series.tokens_per_turn.push(input_tokens + output_tokens);
                }
                MetricEvent::Filtering {
                    tool_bytes,
                    model_bytes,
                } => {
                    s.tokens.tool_bytes += tool_bytes;
                    s.tokens.model_bytes += model_bytes;
                    if *tool_bytes > 0 {
                        let r = 1.0 - *model_bytes as f64 / *tool_bytes as f64;
                        s.series.reduction_ratio.push(r);
                    }
                }
                MetricEvent::Discovery {
                    latency_ms, used, ..
                } => {
                    s.discovery.searches += 1;
                    searches_used += u64::from(*used);
                    search_ms.push(*latency_ms);
                }
                MetricEvent::SdkGeneration {
                    duration_ms,
                    cache_hit,
                    ..
                } => {
                    s.sdk.generations += 1;
                    s.sdk.cache_hits += u64::from(*cache_hit);
                    sdk_ms.push(*duration_ms);
                }
                MetricEvent::McpCall {
                    server,
                    tool,
                    latency_ms,
                    error,
                    ..
                } => {
                    let name = format!("{server}.{tool}");
                    let entry = tools.entry(name.clone()).or_default();
                    entry.0 += 1;
                    entry.2.push(*latency_ms);
                    if let Some(error) = error {
                        entry.1 += 1;
                        *failures.entry((name, error.clone())).or_default() += 1;
                    }
                }
                MetricEvent::McpRestart { server, .. } => {
                    *s.server_restarts.entry(server.clone()).or_default() += 1;
                }
                MetricEvent::Approval { outcome, .. } => {
                    s.security.approvals_asked += 1;
                    match outcome {
                        ApprovalOutcome::Granted => s.security.approvals_granted += 1,
                        ApprovalOutcome::Denied => s.security.approvals_denied += 1,
                    }
                }
                MetricEvent::Skill { skill, action, .. } => {
                    let entry = skills.entry(skill.clone()).or_insert_with(|| SkillStats {
                        skill: skill.clone(),
                        ..SkillStats::default()
                    });
                    match action {
                        SkillAction::Save => entry.saves += 1,
                        SkillAction::Load => entry.loads += 1,
                        SkillAction::Run => entry.runs += 1,
                        SkillAction::Failure => entry.failures += 1,
                    }
                }
                MetricEvent::PiiDetection { pii_kind, count } => {
                    *s.security
                        .pii_detections
                        .entry(pii_kind.clone())
                        .or_default() += u64::from(*count);
                }
            }
        }
        s.executions.success_rate = ratio(s.executions.ok, s.executions.total);
        s.series.execution_ms = last_points(exec_ms.clone());
        s.executions.p50_ms = percentile(&mut exec_ms, 50.0);
        s.executions.p95_ms = percentile(&mut exec_ms, 95.0);
        s.tokens.llm_p50_ms = percentile(&mut llm_ms, 50.0);
        s.tokens.reduction_ratio = (s.tokens.tool_bytes > 0)
            .then(|| 1.0 - s.tokens.model_bytes as f64 / s.tokens.tool_bytes as f64);
        s.tokens.tokens_saved =
            s.tokens.tool_bytes.saturating_sub(s.tokens.model_bytes) / BYTES_PER_TOKEN;
        s.series.tokens_per_turn = last_points(std::mem::take(&mut s.series.tokens_per_turn));
        s.series.reduction_ratio = last_points(std::mem::take(&mut s.series.reduction_ratio));
        s.discovery.hit_rate = ratio(searches_used, s.discovery.searches);
        s.discovery.p50_ms = percentile(&mut search_ms, 50.0);
        s.sdk.p50_ms = percentile(&mut sdk_ms, 50.0);
        let mut top: Vec<ToolStats> = tools
            .into_iter()
            .map(|(tool, (calls, errors, mut ms))| ToolStats {
                tool,
                calls,
                errors,
                p50_ms: percentile(&mut ms, 50.0),
            })
            .collect();
        top.sort_by(|a, b| b.calls.cmp(&a.calls).then(a.tool.cmp(&b.tool)));
        top.truncate(TOP);
        s.top_tools = top;
        let mut failures: Vec<FailureStats> = failures
            .into_iter()
            .map(|((tool, error), count)| FailureStats { tool, error, count })
            .collect();
        failures.sort_by(|a, b| b.count.cmp(&a.count).then(a.tool.cmp(&b.tool)));
        failures.truncate(TOP);
        s.failures = failures;
        let saves: u64 = skills.values().map(|k| k.saves).sum();
        let runs: u64 = skills.values().map(|k| k.runs + k.failures).sum();
        s.skill_reuse_ratio = ratio(runs, saves);
        s.skills = skills.into_values().collect();
        s
    }
}
