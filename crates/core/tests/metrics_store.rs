//! The metrics recorder over a real SQLite file: batched writes that land,
//! `enabled = false`, retention, and argument hashes that stay comparable
//! across runs of the same project.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use serde_json::json;
use vtcode_core::config::MetricsConfig;
use vtcode_core::metrics::{CallPath, MetricEvent, MetricsRecorder, SkillAction};
use vtcode_core::store::Store;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

fn turn(n: u64) -> MetricEvent {
    MetricEvent::Turn {
        model_calls: 1,
        input_tokens: n,
        output_tokens: 1,
    }
}

fn open(dir: &tempfile::TempDir) -> Arc<Store> {
    Arc::new(Store::open(dir.path().join("vtcode.db")).unwrap())
}

#[test]
fn recorded_events_are_written_in_order_and_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let recorder = MetricsRecorder::start(open(&dir), &MetricsConfig::default());
    for n in 0..2000 {
        recorder.record(turn(n));
    }
    recorder.record_skill(
        "weekly_report",
        SkillAction::Failure,
        Some(3.0),
        Some("KeyError: 'total'"),
    );
    recorder.record_pii("email", 3);
    recorder.record_pii("phone", 0);
    drop(recorder);

    let events = open(&dir).metric_events(None).unwrap();
    assert_eq!(
        events.len(),
        2002,
        "dropping the last handle writes what was queued"
    );
    for (n, stored) in events.iter().take(2000).enumerate() {
        assert_eq!(stored.event, turn(n as u64));
    }
    assert_eq!(
        events[2000].event,
        MetricEvent::Skill {
            skill: "weekly_report".into(),
            action: SkillAction::Failure,
            duration_ms: Some(3.0),
            error: Some("KeyError: '…'".into()),
        }
    );
    assert_eq!(
        events[2001].event,
        MetricEvent::PiiDetection {
            pii_kind: "email".into(),
            count: 3
        }
    );
}

#[test]
fn disabled_metrics_record_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let config = MetricsConfig {
        enabled: false,
        ..MetricsConfig::default()
    };
    let off = MetricsRecorder::start(Arc::clone(&store), &config);
    assert!(!off.is_enabled());
    off.record(turn(1));
    off.flush();
    assert!(store.metric_events(None).unwrap().is_empty());
    // The control: the same call with metrics on lands.
    let on = MetricsRecorder::start(Arc::clone(&store), &MetricsConfig::default());
    on.record(turn(1));
    on.flush();
    assert_eq!(store.metric_events(None).unwrap().len(), 1);
}

#[test]
fn events_older_than_the_retention_are_pruned_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let now = chrono::Utc::now().timestamp_millis();
    store
        .insert_metric_events(&[
            (now - 40 * DAY_MS, turn(40)),
            (now - 10 * DAY_MS, turn(10)),
            (now, turn(0)),
        ])
        .unwrap();
    let config = MetricsConfig {
        retention_days: 30,
        ..MetricsConfig::default()
    };
    MetricsRecorder::start(Arc::clone(&store), &config).flush();
    let kept: Vec<MetricEvent> = store
        .metric_events(None)
        .unwrap()
        .into_iter()
        .map(|s| s.event)
        .collect();
    assert_eq!(kept, [turn(10), turn(0)]);
    let since = store.metric_events(Some(now - DAY_MS)).unwrap();
    assert_eq!(since.len(), 1, "a window reads only its events");
    let config = MetricsConfig {
        retention_days: 5,
        ..MetricsConfig::default()
    };
    MetricsRecorder::start(Arc::clone(&store), &config).flush();
    assert_eq!(store.metric_events(None).unwrap().len(), 1);
}

#[test]
fn argument_hashes_match_across_runs_of_one_project_only() {
    let args = json!({"timezone": "Europe/Paris"});
    let hash_in = |dir: &tempfile::TempDir| {
        let store = open(dir);
        let recorder = MetricsRecorder::start(Arc::clone(&store), &MetricsConfig::default());
        recorder.record_mcp_call("time", "now", CallPath::Bridge, &args, 1.0, Ok(5));
        recorder.flush();
        let events = store.metric_events(None).unwrap();
        let Some(MetricEvent::McpCall { args, .. }) = events.last().map(|s| s.event.clone()) else {
            panic!("no call recorded");
        };
        args[0].hash.clone()
    };
    let project = tempfile::tempdir().unwrap();
    let other = tempfile::tempdir().unwrap();
    let first = hash_in(&project);
    assert_eq!(first, hash_in(&project));
    assert_ne!(first, hash_in(&other), "another project has another salt");
}
