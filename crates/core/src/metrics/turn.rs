//! Per-turn bookkeeping for the discovery hit rate.
//!
//! Whether a search "hit" is only known later: a tool it returned must be
//! called before the turn ends. The tracker keeps the turn's searches and
//! the tools called, and records the searches when the turn closes.

use std::collections::HashSet;

use serde_json::Value;

use super::{MetricEvent, MetricsRecorder};

struct PendingSearch {
    query: String,
    detail: String,
    found: Vec<String>,
    latency_ms: f64,
}

#[derive(Default)]
pub struct TurnTracker {
    searches: Vec<PendingSearch>,
    used: HashSet<String>,
}

impl TurnTracker {
    /// A `search_tools` call and its hits (the JSON list the model got).
    pub fn search(&mut self, query: &str, detail: &str, hits: &Value, latency_ms: f64) {
        let found = hits
            .as_array()
            .map(|hits| {
                hits.iter()
                    .filter_map(|hit| {
                        let server = hit.get("server")?.as_str()?;
                        let name = hit.get("name")?.as_str()?;
                        Some(format!("{server}.{name}"))
                    })
                    .collect()
            })
            .unwrap_or_default();
        self.searches.push(PendingSearch {
            query: query.to_string(),
            detail: detail.to_string(),
            found,
            latency_ms,
        });
    }

    /// A tool (`server.tool`) was called this turn.
    pub fn used(&mut self, qualified: String) {
        self.used.insert(qualified);
    }

    /// Records the turn's searches and starts afresh.
    pub fn finish(&mut self, recorder: &MetricsRecorder) {
        for search in self.searches.drain(..) {
            let used = search.found.iter().any(|tool| self.used.contains(tool));
            recorder.record(MetricEvent::Discovery {
                query: search.query,
                detail: search.detail,
                hits: u32::try_from(search.found.len()).unwrap_or(u32::MAX),
                latency_ms: search.latency_ms,
                used,
            });
        }
        self.used.clear();
    }
}
