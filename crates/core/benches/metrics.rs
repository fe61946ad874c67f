//! The cost of recording one metrics event on the caller's path, and of
//! computing insights from 100,000 stored events. Prints one markdown
//! section (figures, budgets, whether they are met).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use vtcode_core::config::MetricsConfig;
use vtcode_core::insights::Insights;
use vtcode_core::metrics::{CallPath, MetricEvent, MetricsRecorder, Summary, percentile};
use vtcode_core::store::Store;

const RECORDS: usize = 100_000;
const RECORD_BUDGET_US: f64 = 20.0;
const INSIGHTS_EVENTS: usize = 100_000;
const INSIGHTS_BUDGET_MS: f64 = 200.0;

fn met(ok: bool) -> &'static str {
    if ok { "met" } else { "NOT met" }
}

/// A realistic mix: tool calls (some failing), programs, model requests.
fn event(i: usize) -> MetricEvent {
    match i % 10 {
        0..=6 => MetricEvent::mcp_call(
            b"bench salt",
            &format!("server{}", i % 5),
            &format!("tool_{}", i % 50),
            CallPath::Bridge,
            &json!({"id": i, "region": "emea", "limit": 50}),
            (i % 200) as f64 / 10.0,
            if i.is_multiple_of(7) {
                Err("Record 'R-1234' not found (code 404)")
            } else {
                Ok(512)
            },
        ),
        7 | 8 => MetricEvent::Execution {
            language: "python".into(),
            backend: "docker".into(),
            duration_ms: (i % 90) as f64,
            status: if i.is_multiple_of(13) { "error" } else { "ok" }.into(),
            tool_calls: 3,
            tools: vec![format!("server0.tool_{}", i % 50)],
            output_bytes: 900,
            shape: format!("shape{}", i % 40),
            peak_memory_bytes: Some(20 << 20),
        },
        _ => MetricEvent::Llm {
            model: "gpt-4.1-mini".into(),
            latency_ms: 800.0,
            input_tokens: 3000,
            output_tokens: 200,
            retries: 0,
            error: None,
        },
    }
}

fn record_cost(dir: &tempfile::TempDir) -> (f64, f64, f64) {
    let store = Arc::new(Store::open(dir.path().join("record.db")).unwrap());
    let recorder = MetricsRecorder::start(store, &MetricsConfig::default());
    let args = json!({"timezone": "Europe/Paris", "time": "12:00"});
    let mut samples = Vec::with_capacity(RECORDS);
    let started = Instant::now();
    for i in 0..RECORDS {
        let t = Instant::now();
        // What the bridge host does per call: digest the arguments, queue.
        recorder.record_mcp_call(
            "time",
            "convert_time",
            CallPath::Bridge,
            &args,
            (i % 100) as f64,
            Ok(120),
        );
        samples.push(t.elapsed().as_secs_f64() * 1e6);
    }
    let mean = started.elapsed().as_secs_f64() * 1e6 / RECORDS as f64;
    recorder.flush();
    (
        percentile(&mut samples, 50.0),
        percentile(&mut samples, 99.0),
        mean,
    )
}

fn insights_cost(dir: &tempfile::TempDir) -> (Duration, Duration, usize) {
    let store = Store::open(dir.path().join("insights.db")).unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    let events: Vec<(i64, MetricEvent)> = (0..INSIGHTS_EVENTS)
        .map(|i| (now - (INSIGHTS_EVENTS - i) as i64, event(i)))
        .collect();
    for chunk in events.chunks(5000) {
        store.insert_metric_events(chunk).unwrap();
    }
    let mut insights_runs = Vec::new();
    let mut summary_runs = Vec::new();
    let mut patterns = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let insights = Insights::from_store(&store, None).unwrap();
        insights_runs.push(t.elapsed());
        patterns = insights.failure_patterns.len();
        let t = Instant::now();
        let _ = Summary::from_events(&store.metric_events(None).unwrap(), None);
        summary_runs.push(t.elapsed());
    }
    insights_runs.sort();
    summary_runs.sort();
    (insights_runs[2], summary_runs[2], patterns)
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let (p50, p99, mean) = record_cost(&dir);
    let (insights, summary, patterns) = insights_cost(&dir);
    let insights_ms = insights.as_secs_f64() * 1000.0;
    println!("### Metrics");
    println!();
    println!(
        "Recording {RECORDS} MCP-call events (arguments digested, queued for the batched writer thread, which writes to SQLite meanwhile):"
    );
    println!();
    println!("| per event on the caller's path | µs |");
    println!("|---|---:|");
    println!("| p50 | {p50:.2} |");
    println!("| p99 | {p99:.2} |");
    println!("| mean | {mean:.2} |");
    println!();
    println!(
        "Budget ≤ {RECORD_BUDGET_US:.0} µs per event (p99): **{}**.",
        met(p99 <= RECORD_BUDGET_US)
    );
    println!();
    println!(
        "Insights over {INSIGHTS_EVENTS} stored events (read from SQLite and folded; median of 5): {insights_ms:.0} ms ({patterns} failure patterns); `metrics show` summary over the same: {:.0} ms. Budget ≤ {INSIGHTS_BUDGET_MS:.0} ms: **{}**.",
        summary.as_secs_f64() * 1000.0,
        met(insights_ms <= INSIGHTS_BUDGET_MS)
    );
}
