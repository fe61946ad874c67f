//! Insights: what the recorded metrics say about how tools and skills work
//! in this project, and what to do about it.
//!
//! Mental model: a pure fold over the metric events (oldest first) into
//! per-tool and per-skill usage, failure patterns (normalised messages
//! grouped per tool), recovery patterns (a failed call followed by a
//! successful call of the same tool, and which arguments changed) and
//! recommendations. Two things flow back to the agent: a short "lessons"
//! section for the system prompt ([`Insights::lessons`]) and a
//! [`TrackRecord`] that breaks search-ranking ties toward tools that worked.
//!
//! The "skills no longer compatible" recommendation belongs to tool
//! versioning and is not produced here.

mod facts;
mod lessons;
mod recommend;
mod render;

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use self::facts::Fact;
use crate::catalog::TrackRecord;
use crate::metrics::{ArgDigest, StoredEvent, percentile};
use crate::store::{Store, StoreError};

pub use lessons::MAX_LESSON_TOKENS;
pub use recommend::{Recommendation, RecommendationKind};

/// Uses, failures and median latency of one tool or skill.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Usage {
    /// `server.tool` or the skill's name.
    pub name: String,
    pub uses: u64,
    pub failures: u64,
    pub failure_rate: f64,
    pub p50_ms: f64,
}

/// One normalised failure message of one tool, and how often it happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailurePattern {
    pub tool: String,
    pub error: String,
    pub count: u64,
}

/// Failed calls of `tool` that a next call with other arguments fixed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recovery {
    pub tool: String,
    /// The arguments that were added, removed or given another value.
    pub changed: Vec<String>,
    /// The failure that was recovered from (normalised).
    pub error: String,
    pub count: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Insights {
    /// Most used first.
    pub tools: Vec<Usage>,
    pub skills: Vec<Usage>,
    /// Most frequent first.
    pub failure_patterns: Vec<FailurePattern>,
    /// Most frequent first.
    pub recoveries: Vec<Recovery>,
    pub recommendations: Vec<Recommendation>,
}

#[derive(Default)]
struct Tally {
    uses: u64,
    failures: u64,
    latencies: Vec<f64>,
}

impl Tally {
    fn add(&mut self, ok: bool, latency_ms: Option<f64>) {
        self.uses += 1;
        self.failures += u64::from(!ok);
        if let Some(ms) = latency_ms {
            self.latencies.push(ms);
        }
    }

    fn usage(mut self, name: String) -> Usage {
        Usage {
            name,
            uses: self.uses,
            failures: self.failures,
            failure_rate: self.failures as f64 / self.uses.max(1) as f64,
            p50_ms: percentile(&mut self.latencies, 50.0),
        }
    }
}

/// The arguments that differ between two calls, by name.
fn changed_args(before: &[ArgDigest], after: &[ArgDigest]) -> Vec<String> {
    let old: HashMap<&str, &str> = before
        .iter()
        .map(|a| (a.name.as_str(), a.hash.as_str()))
        .collect();
    let new: HashMap<&str, &str> = after
        .iter()
        .map(|a| (a.name.as_str(), a.hash.as_str()))
        .collect();
    let mut changed: Vec<String> = old
        .iter()
        .filter(|(name, hash)| new.get(*name) != Some(*hash))
        .map(|(name, _)| (*name).to_string())
        .chain(
            new.keys()
                .filter(|name| !old.contains_key(*name))
                .map(|name| (*name).to_string()),
        )
        .collect();
    changed.sort();
    changed
}

fn sorted_usage(tallies: HashMap<String, Tally>) -> Vec<Usage> {
    let mut usage: Vec<Usage> = tallies
        .into_iter()
        .map(|(name, tally)| tally.usage(name))
        .collect();
    usage.sort_by(|a, b| b.uses.cmp(&a.uses).then(a.name.cmp(&b.name)));
    usage
}

impl Insights {
    /// Folds `events`, oldest first.
    pub fn from_events(events: &[StoredEvent]) -> Self {
        Self::fold(events.iter().filter_map(|e| Fact::from_event(&e.event)))
    }

    /// Insights over the events stored at or after `since_ms` (all when
    /// `None`), read without the bodies the fold does not need.
    pub fn from_store(store: &Store, since_ms: Option<i64>) -> Result<Self, StoreError> {
        let rows = store.insight_rows(since_ms)?;
        Ok(Self::fold(rows.into_iter().filter_map(Fact::from_row)))
    }

    fn fold(facts: impl Iterator<Item = Fact>) -> Self {
        let mut tools: HashMap<String, Tally> = HashMap::new();
        let mut skills: HashMap<String, Tally> = HashMap::new();
        let mut failures: HashMap<(String, String), u64> = HashMap::new();
        let mut recoveries: HashMap<(String, Vec<String>, String), u64> = HashMap::new();
        // The last call of each tool, when it failed: (args, error).
        let mut last_failure: HashMap<String, (Vec<ArgDigest>, String)> = HashMap::new();
        let mut shapes: HashMap<String, (u64, Vec<String>)> = HashMap::new();
        for fact in facts {
            match fact {
                Fact::Call {
                    tool,
                    ok,
                    latency_ms,
                    error,
                    args,
                } => {
                    match tools.get_mut(&tool) {
                        Some(tally) => tally.add(ok, Some(latency_ms)),
                        None => {
                            let mut tally = Tally::default();
                            tally.add(ok, Some(latency_ms));
                            tools.insert(tool.clone(), tally);
                        }
                    }
                    match (ok, error) {
                        (false, Some(error)) => {
                            *failures.entry((tool.clone(), error.clone())).or_default() += 1;
                            last_failure.insert(tool, (args, error));
                        }
                        (false, None) => {}
                        (true, _) => {
                            if let Some((before, error)) = last_failure.remove(&tool) {
                                let changed = changed_args(&before, &args);
                                if !changed.is_empty() {
                                    *recoveries.entry((tool, changed, error)).or_default() += 1;
                                }
                            }
                        }
                    }
                }
                Fact::SkillRun {
                    skill,
                    ok,
                    duration_ms,
                } => skills.entry(skill).or_default().add(ok, duration_ms),
                Fact::Program { shape, tools } => {
                    shapes.entry(shape).or_insert((0, tools)).0 += 1;
                }
            }
        }
        let mut failure_patterns: Vec<FailurePattern> = failures
            .into_iter()
            .map(|((tool, error), count)| FailurePattern { tool, error, count })
            .collect();
        failure_patterns.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| a.tool.cmp(&b.tool))
                .then_with(|| a.error.cmp(&b.error))
        });
        let mut recoveries: Vec<Recovery> = recoveries
            .into_iter()
            .map(|((tool, changed, error), count)| Recovery {
                tool,
                changed,
                error,
                count,
            })
            .collect();
        recoveries.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.tool.cmp(&b.tool)));
        let repeated_shapes: BTreeMap<String, (u64, Vec<String>)> = shapes
            .into_iter()
            .filter(|(_, (runs, _))| *runs >= recommend::SKILL_AFTER_RUNS)
            .collect();
        let mut insights = Insights {
            tools: sorted_usage(tools),
            skills: sorted_usage(skills),
            failure_patterns,
            recoveries,
            recommendations: Vec::new(),
        };
        insights.recommendations = recommend::recommendations(&insights, &repeated_shapes);
        insights
    }

    /// Successful calls per tool, for search ranking.
    pub fn track_record(&self) -> TrackRecord {
        TrackRecord::new(
            self.tools
                .iter()
                .map(|usage| (usage.name.clone(), usage.uses - usage.failures))
                .filter(|(_, worked)| *worked > 0)
                .collect(),
        )
    }

    /// Whether there is anything to report.
    pub fn is_empty(&self) -> bool {
        self.tools.is_empty() && self.skills.is_empty()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde_json::json;

    use super::*;
    use crate::catalog::{CatalogTool, DetailLevel, ToolCatalog};
    use crate::metrics::{CallPath, MetricEvent, SkillAction};

    fn stored(events: Vec<MetricEvent>) -> Vec<StoredEvent> {
        events
            .into_iter()
            .enumerate()
            .map(|(i, event)| StoredEvent {
                id: i as i64,
                at_ms: i as i64,
                event,
            })
            .collect()
    }

    fn call(tool: &str, args: serde_json::Value, ms: f64, error: Option<&str>) -> MetricEvent {
        MetricEvent::mcp_call(
            b"salt",
            "time",
            tool,
            CallPath::Bridge,
            &args,
            ms,
            error.map_or(Ok(10), Err),
        )
    }

    fn execution(shape: &str) -> MetricEvent {
        MetricEvent::Execution {
            language: "python".into(),
            backend: "process".into(),
            duration_ms: 20.0,
            status: "ok".into(),
            tool_calls: 1,
            tools: vec!["time.get_current_time".into()],
            output_bytes: 10,
            shape: shape.into(),
            peak_memory_bytes: None,
        }
    }

    fn seeded() -> Insights {
        Insights::from_events(&stored(seeded_events()))
    }

    fn seeded_events() -> Vec<MetricEvent> {
        let mut events = Vec::new();
        for zone in ["Mars/Olympus", "Venus/Base", "Moon/Tranquility"] {
            events.push(call(
                "convert_time",
                json!({"source_timezone": "UTC", "target_timezone": zone}),
                5.0,
                Some(&format!("Invalid timezone: '{zone}'")),
            ));
        }
        events.push(call(
            "convert_time",
            json!({"source_timezone": "UTC", "target_timezone": "Asia/Tokyo"}),
            5.0,
            None,
        ));
        for _ in 0..4 {
            events.push(call(
                "get_current_time",
                json!({"timezone": "UTC"}),
                1500.0,
                None,
            ));
            events.push(execution("same-shape"));
        }
        events.push(execution("other-shape"));
        events.push(MetricEvent::skill(
            "weekly_report",
            SkillAction::Run,
            Some(30.0),
            None,
        ));
        events.push(MetricEvent::skill(
            "weekly_report",
            SkillAction::Failure,
            Some(10.0),
            Some("KeyError: 'total'"),
        ));
        events
    }

    #[test]
    fn the_store_path_reads_only_what_it_needs_and_folds_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("vtcode.db")).unwrap();
        let mut events = seeded_events();
        // Saves and loads are not runs; a failed program has no shape.
        events.push(MetricEvent::skill(
            "weekly_report",
            SkillAction::Save,
            None,
            None,
        ));
        let mut failed = execution("same-shape");
        if let MetricEvent::Execution { status, .. } = &mut failed {
            *status = "timeout".into();
        }
        events.push(failed);
        let timed: Vec<(i64, MetricEvent)> = events
            .iter()
            .cloned()
            .enumerate()
            .map(|(i, e)| (i as i64, e))
            .collect();
        store.insert_metric_events(&timed).unwrap();
        let rows = store.insight_rows(None).unwrap();
        let with_body = rows.iter().filter(|r| r.body.is_some()).count();
        // 3 failures + the success after them, 3 skill events, 5 programs
        // that succeeded; not the 4 repeated successes of get_current_time.
        assert_eq!(with_body, 12, "{rows:#?}");
        assert_eq!(
            Insights::from_store(&store, None).unwrap(),
            Insights::from_events(&stored(events))
        );
    }

    #[test]
    fn failures_group_by_normalised_message_and_recoveries_name_the_changed_argument() {
        let insights = seeded();
        let convert = insights
            .tools
            .iter()
            .find(|t| t.name == "time.convert_time")
            .unwrap();
        assert_eq!((convert.uses, convert.failures), (4, 3));
        assert_eq!(
            insights.failure_patterns,
            vec![FailurePattern {
                tool: "time.convert_time".into(),
                error: "Invalid timezone: '…'".into(),
                count: 3,
            }]
        );
        assert_eq!(insights.recoveries.len(), 1);
        assert_eq!(insights.recoveries[0].changed, ["target_timezone"]);
        let skill = &insights.skills[0];
        assert_eq!(
            (skill.name.as_str(), skill.uses, skill.failures),
            ("weekly_report", 2, 1)
        );
        assert_eq!(skill.p50_ms, 10.0);
    }

    #[test]
    fn recommendations_cover_repeated_programs_failing_and_slow_tools() {
        let insights = seeded();
        let kinds: Vec<(RecommendationKind, &str)> = insights
            .recommendations
            .iter()
            .map(|r| (r.kind, r.subject.as_str()))
            .collect();
        assert!(kinds.contains(&(RecommendationKind::SaveAsSkill, "same-shape")));
        assert!(!kinds.contains(&(RecommendationKind::SaveAsSkill, "other-shape")));
        assert!(kinds.contains(&(RecommendationKind::FailingTool, "time.convert_time")));
        assert!(kinds.contains(&(RecommendationKind::SlowTool, "time.get_current_time")));
        assert!(!kinds.contains(&(RecommendationKind::FailingTool, "time.get_current_time")));
    }

    #[test]
    fn lessons_say_what_failed_and_what_fixed_it_within_budget() {
        let lessons = seeded().lessons().unwrap();
        assert!(lessons.contains("time.convert_time failed ×3: \"Invalid timezone: '…'\"; it worked after changing target_timezone."), "{lessons}");
        assert!(
            lessons.contains("time.get_current_time is slow"),
            "{lessons}"
        );
        assert!(Insights::default().lessons().is_none());
        let only_successes = Insights::from_events(&stored(vec![call(
            "get_current_time",
            json!({}),
            1.0,
            None,
        )]));
        assert!(
            only_successes.lessons().is_none(),
            "nothing to say, no section"
        );

        let many: Vec<MetricEvent> = (0..200)
            .map(|i| {
                call(
                    &format!("tool_{i}"),
                    json!({}),
                    1.0,
                    Some("a long failure message that repeats itself"),
                )
            })
            .collect();
        let lessons = Insights::from_events(&stored(many)).lessons().unwrap();
        assert!(vtcode_llm::count_tokens("", &lessons) <= MAX_LESSON_TOKENS);
        assert!(
            lessons.lines().count() > 5,
            "the budget is used, not wasted"
        );
    }

    #[test]
    fn ranking_ties_go_to_the_tool_that_worked_before() {
        let tool = |server: &str| CatalogTool {
            server: server.into(),
            name: "lookup".into(),
            title: None,
            description: Some("Look up a record".into()),
            input_schema: json!({"type": "object"}),
            output_schema: None,
            annotations: None,
            builtin: false,
        };
        let catalog = ToolCatalog::new(vec![tool("alpha"), tool("beta")]);
        let first = |record: &TrackRecord| {
            catalog
                .search_with_track_record("look up a record", DetailLevel::Name, 2, record)
                .unwrap()[0]
                .server
                .clone()
        };
        assert_eq!(first(&TrackRecord::default()), "alpha");
        let worked = Insights::from_events(&stored(vec![MetricEvent::mcp_call(
            b"salt",
            "beta",
            "lookup",
            CallPath::Bridge,
            &json!({}),
            1.0,
            Ok(3),
        )]));
        assert_eq!(first(&worked.track_record()), "beta");
    }
}
