//! Metric families for export: built once from the events, rendered as the
//! Prometheus text exposition format or as JSON (schema in docs/metrics.md).
//!
//! Counters end in `_total`, durations are histograms in seconds, sizes are
//! in bytes, as Prometheus' naming conventions ask. A family without labels
//! is always present (0 before anything happened), so a dashboard's query
//! never finds nothing; a labelled family appears once it has a sample.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::event::{ApprovalOutcome, CallPath, MetricEvent};
use crate::store::StoredEvent;

/// Upper bounds (seconds) of the duration histograms' buckets.
const BUCKETS: [f64; 14] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FamilyKind {
    Counter,
    Histogram,
}

/// One line of a family: `name{suffix}{labels} value`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sample {
    /// `""`, or `_bucket`, `_sum`, `_count` for histograms.
    pub suffix: &'static str,
    pub labels: Vec<(String, String)>,
    pub value: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Family {
    pub name: &'static str,
    pub help: &'static str,
    pub kind: FamilyKind,
    pub samples: Vec<Sample>,
}

type Labels = Vec<(String, String)>;

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect()
}

#[derive(Default)]
struct Counter(BTreeMap<Labels, f64>);

impl Counter {
    fn add(&mut self, labels: Labels, value: f64) {
        *self.0.entry(labels).or_default() += value;
    }

    fn family(self, name: &'static str, help: &'static str, always: bool) -> Option<Family> {
        let mut samples: Vec<Sample> = self
            .0
            .into_iter()
            .map(|(labels, value)| Sample {
                suffix: "",
                labels,
                value,
            })
            .collect();
        if samples.is_empty() && always {
            samples.push(Sample {
                suffix: "",
                labels: Vec::new(),
                value: 0.0,
            });
        }
        (!samples.is_empty()).then_some(Family {
            name,
            help,
            kind: FamilyKind::Counter,
            samples,
        })
    }
}

#[derive(Default)]
struct Histogram(BTreeMap<Labels, (Vec<u64>, f64, u64)>);

impl Histogram {
    fn observe(&mut self, labels: Labels, seconds: f64) {
        let entry = self
            .0
            .entry(labels)
            .or_insert_with(|| (vec![0; BUCKETS.len()], 0.0, 0));
        for (count, bound) in entry.0.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *count += 1;
            }
        }
        entry.1 += seconds;
        entry.2 += 1;
    }

    fn family(mut self, name: &'static str, help: &'static str, always: bool) -> Option<Family> {
        if self.0.is_empty() && always {
            self.0.insert(Vec::new(), (vec![0; BUCKETS.len()], 0.0, 0));
        }
        let mut samples = Vec::new();
        for (labels, (counts, sum, count)) in self.0 {
            let bounds = BUCKETS
                .iter()
                .map(|b| b.to_string())
                .chain(std::iter::once("+Inf".to_string()));
            let cumulative = counts.iter().copied().chain(std::iter::once(count));
            for (bound, value) in bounds.zip(cumulative) {
                let mut with_le = labels.clone();
                with_le.push(("le".to_string(), bound));
                samples.push(Sample {
                    suffix: "_bucket",
                    labels: with_le,
                    value: value as f64,
                });
            }
            samples.push(Sample {
                suffix: "_sum",
                labels: labels.clone(),
                value: sum,
            });
            samples.push(Sample {
                suffix: "_count",
                labels,
                value: count as f64,
            });
        }
        (!samples.is_empty()).then_some(Family {
            name,
            help,
            kind: FamilyKind::Histogram,
            samples,
        })
    }
}

fn seconds(ms: f64) -> f64 {
    ms / 1000.0
}

/// Every metric family over `events`; the list in docs/metrics.md.
pub fn families(events: &[StoredEvent]) -> Vec<Family> {
    let mut executions = Counter::default();
    let mut exec_duration = Histogram::default();
    let mut exec_output = Counter::default();
    let mut exec_calls = Counter::default();
    let mut limits = Counter::default();
    let mut searches = Counter::default();
    let mut searches_used = Counter::default();
    let mut search_duration = Histogram::default();
    let mut sdk = Counter::default();
    let mut sdk_duration = Histogram::default();
    let mut tool_bytes = Counter::default();
    let mut model_bytes = Counter::default();
    let mut llm_requests = Counter::default();
    let mut llm_retries = Counter::default();
    let mut llm_input = Counter::default();
    let mut llm_output = Counter::default();
    let mut llm_duration = Histogram::default();
    let mut turns = Counter::default();
    let mut mcp_calls = Counter::default();
    let mut mcp_duration = Histogram::default();
    let mut restarts = Counter::default();
    let mut approvals_asked = Counter::default();
    let mut approvals = Counter::default();
    let mut skills = Counter::default();
    let mut pii = Counter::default();
    for stored in events {
        match &stored.event {
            MetricEvent::Execution {
                language,
                backend,
                duration_ms,
                status,
                tool_calls,
                output_bytes,
                ..
            } => {
                executions.add(
                    labels(&[
                        ("language", language),
                        ("backend", backend),
                        ("status", status),
                    ]),
                    1.0,
                );
                exec_duration.observe(labels(&[("language", language)]), seconds(*duration_ms));
                exec_output.add(labels(&[("language", language)]), *output_bytes as f64);
                exec_calls.add(labels(&[("language", language)]), f64::from(*tool_calls));
                if matches!(status.as_str(), "timeout" | "memory" | "output_limit") {
                    limits.add(labels(&[("limit", status)]), 1.0);
                }
            }
            MetricEvent::Discovery {
                detail,
                latency_ms,
                used,
                ..
            } => {
                searches.add(labels(&[("detail", detail)]), 1.0);
                searches_used.add(Vec::new(), if *used { 1.0 } else { 0.0 });
                search_duration.observe(Vec::new(), seconds(*latency_ms));
            }
            MetricEvent::SdkGeneration {
                duration_ms,
                cache_hit,
                ..
            } => {
                let cache = if *cache_hit { "hit" } else { "miss" };
                sdk.add(labels(&[("cache", cache)]), 1.0);
                sdk_duration.observe(Vec::new(), seconds(*duration_ms));
            }
            MetricEvent::Filtering {
                tool_bytes: from_tools,
                model_bytes: to_model,
            } => {
                tool_bytes.add(Vec::new(), *from_tools as f64);
                model_bytes.add(Vec::new(), *to_model as f64);
            }
            MetricEvent::Llm {
                model,
                latency_ms,
                input_tokens,
                output_tokens,
                retries,
                error,
            } => {
                let outcome = if error.is_some() { "error" } else { "ok" };
                llm_requests.add(labels(&[("model", model), ("outcome", outcome)]), 1.0);
                llm_retries.add(labels(&[("model", model)]), f64::from(*retries));
                llm_input.add(labels(&[("model", model)]), *input_tokens as f64);
                llm_output.add(labels(&[("model", model)]), *output_tokens as f64);
                llm_duration.observe(labels(&[("model", model)]), seconds(*latency_ms));
            }
            MetricEvent::Turn { .. } => turns.add(Vec::new(), 1.0),
            MetricEvent::McpCall {
                server,
                tool,
                path,
                latency_ms,
                error,
                ..
            } => {
                let outcome = if error.is_some() { "error" } else { "ok" };
                let path = match path {
                    CallPath::Bridge => "bridge",
                    CallPath::Direct => "direct",
                };
                mcp_calls.add(
                    labels(&[
                        ("server", server),
                        ("tool", tool),
                        ("path", path),
                        ("outcome", outcome),
                    ]),
                    1.0,
                );
                mcp_duration.observe(
                    labels(&[("server", server), ("tool", tool)]),
                    seconds(*latency_ms),
                );
            }
            MetricEvent::McpRestart { server, .. } => {
                restarts.add(labels(&[("server", server)]), 1.0);
            }
            MetricEvent::Approval { outcome, .. } => {
                approvals_asked.add(Vec::new(), 1.0);
                let outcome = match outcome {
                    ApprovalOutcome::Granted => "granted",
                    ApprovalOutcome::Denied => "denied",
                };
                approvals.add(labels(&[("outcome", outcome)]), 1.0);
            }
            MetricEvent::Skill { skill, action, .. } => {
                skills.add(
                    labels(&[("skill", skill), ("action", action.as_str())]),
                    1.0,
                );
            }
            MetricEvent::PiiDetection { pii_kind, count } => {
                pii.add(labels(&[("kind", pii_kind)]), f64::from(*count));
            }
        }
    }
    [
        executions.family(
            "vtcode_executions_total",
            "Programs run in the sandbox, by language, backend and final status.",
            false,
        ),
        exec_duration.family(
            "vtcode_execution_duration_seconds",
            "Wall-clock duration of one sandboxed program.",
            false,
        ),
        exec_output.family(
            "vtcode_execution_output_bytes_total",
            "Bytes programs produced (stdout, stderr and result).",
            false,
        ),
        exec_calls.family(
            "vtcode_execution_tool_calls_total",
            "Tool calls made by sandboxed programs.",
            false,
        ),
        limits.family(
            "vtcode_sandbox_limits_hit_total",
            "Programs stopped by a sandbox limit (timeout, memory, output_limit).",
            false,
        ),
        searches.family(
            "vtcode_tool_searches_total",
            "search_tools calls, by detail level.",
            false,
        ),
        searches_used.family(
            "vtcode_tool_searches_used_total",
            "search_tools calls that returned a tool called later in the same turn.",
            true,
        ),
        search_duration.family(
            "vtcode_tool_search_duration_seconds",
            "Latency of one search_tools call.",
            true,
        ),
        sdk.family(
            "vtcode_sdk_generations_total",
            "SDK publications, by whether the cache already had the catalog.",
            false,
        ),
        sdk_duration.family(
            "vtcode_sdk_generation_duration_seconds",
            "Time to generate (or find in the cache) and publish the SDK.",
            false,
        ),
        tool_bytes.family(
            "vtcode_tool_result_bytes_total",
            "Bytes MCP tools returned into sandboxed programs.",
            true,
        ),
        model_bytes.family(
            "vtcode_model_result_bytes_total",
            "Bytes of program results sent on to the model.",
            true,
        ),
        llm_requests.family(
            "vtcode_llm_requests_total",
            "Model requests, by model and outcome.",
            false,
        ),
        llm_retries.family(
            "vtcode_llm_retries_total",
            "Model requests sent again after a rate limit, a server error, a failed connection or a stream cut before any output.",
            false,
        ),
        llm_input.family(
            "vtcode_llm_input_tokens_total",
            "Prompt tokens the provider reported.",
            false,
        ),
        llm_output.family(
            "vtcode_llm_output_tokens_total",
            "Completion tokens the provider reported.",
            false,
        ),
        llm_duration.family(
            "vtcode_llm_request_duration_seconds",
            "Time from sending a model request to the end of its reply.",
            false,
        ),
        turns.family("vtcode_turns_total", "Completed user turns.", true),
        mcp_calls.family(
            "vtcode_mcp_calls_total",
            "MCP tool calls, by server, tool, path (bridge or direct) and outcome.",
            false,
        ),
        mcp_duration.family(
            "vtcode_mcp_call_duration_seconds",
            "Latency of one MCP tool call.",
            false,
        ),
        restarts.family(
            "vtcode_mcp_server_restarts_total",
            "Times a crashed MCP server was started again.",
            false,
        ),
        approvals_asked.family(
            "vtcode_approvals_requested_total",
            "Approval prompts shown.",
            true,
        ),
        approvals.family(
            "vtcode_approvals_total",
            "Approval prompts answered, by outcome (granted or denied).",
            false,
        ),
        skills.family(
            "vtcode_skill_events_total",
            "Skill saves, loads, runs and failures, by skill.",
            false,
        ),
        pii.family(
            "vtcode_pii_detections_total",
            "Personal data items replaced by tokens, by kind.",
            false,
        ),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// A label value with `\`, `"` and newlines escaped, as the format requires.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

/// The Prometheus text exposition format (version 0.0.4).
pub fn render_prometheus(families: &[Family]) -> String {
    let mut out = String::new();
    for family in families {
        let kind = match family.kind {
            FamilyKind::Counter => "counter",
            FamilyKind::Histogram => "histogram",
        };
        let _ = writeln!(out, "# HELP {} {}", family.name, family.help);
        let _ = writeln!(out, "# TYPE {} {kind}", family.name);
        for sample in &family.samples {
            out.push_str(family.name);
            out.push_str(sample.suffix);
            if !sample.labels.is_empty() {
                let pairs: Vec<String> = sample
                    .labels
                    .iter()
                    .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
                    .collect();
                let _ = write!(out, "{{{}}}", pairs.join(","));
            }
            let _ = writeln!(out, " {}", number(sample.value));
        }
    }
    out
}

/// The JSON export: `{"schema": "vtcode.metrics/1", "since_ms", "generated_at_ms", "families": [...]}`.
pub fn render_json(
    families: &[Family],
    since_ms: Option<i64>,
) -> Result<String, serde_json::Error> {
    #[derive(Serialize)]
    struct Export<'a> {
        schema: &'static str,
        since_ms: Option<i64>,
        generated_at_ms: i64,
        families: Vec<JsonFamily<'a>>,
    }
    #[derive(Serialize)]
    struct JsonFamily<'a> {
        name: &'a str,
        help: &'a str,
        #[serde(rename = "type")]
        kind: FamilyKind,
        samples: Vec<JsonSample<'a>>,
    }
    #[derive(Serialize)]
    struct JsonSample<'a> {
        name: String,
        labels: BTreeMap<&'a str, &'a str>,
        value: f64,
    }
    let export = Export {
        schema: "vtcode.metrics/1",
        since_ms,
        generated_at_ms: chrono::Utc::now().timestamp_millis(),
        families: families
            .iter()
            .map(|f| JsonFamily {
                name: f.name,
                help: f.help,
                kind: f.kind,
                samples: f
                    .samples
                    .iter()
                    .map(|s| JsonSample {
                        name: format!("{}{}", f.name, s.suffix),
                        labels: s
                            .labels
                            .iter()
                            .map(|(k, v)| (k.as_str(), v.as_str()))
                            .collect(),
                        value: s.value,
                    })
                    .collect(),
            })
            .collect(),
    };
    serde_json::to_string_pretty(&export)
}
