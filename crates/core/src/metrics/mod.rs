//! Local usage metrics: what vtcode did, how long it took, what it cost.
//!
//! Mental model: everything measured is a typed [`MetricEvent`] appended to
//! one table of the project database (`metric_events`). Recording goes
//! through a [`MetricsRecorder`], a cheap handle injected into the agent and
//! the runtime, which stamps the event and queues it for a writer thread that
//! inserts in batches; the caller never waits on SQLite. Nothing but
//! counts, durations, sizes, names and normalised messages is stored: tool
//! argument values become salted hashes, error messages lose their values
//! ([`normalise`]).
//!
//! Reading is the other half: [`Summary`] folds the events of a time window
//! into what `vtcode metrics show` and the TUI panel display, and
//! [`families`] into the metric families that `export` renders as
//! Prometheus text or JSON and `serve` answers on `/metrics`. Insights
//! (`crate::insights`) read the same events.
//!
//! Hook points: the agent's tool dispatch (discovery, executions, filtering,
//! approvals, LLM requests, turns), the tool bridge host (MCP calls over the
//! bridge), the direct-mode tools, SDK publication and the hub follower
//! (server restarts). Skills and PII tokenization call
//! [`MetricsRecorder::record_skill`] and [`MetricsRecorder::record_pii`].

mod event;
mod export;
mod filtering;
mod normalise;
mod recorder;
mod serve;
mod summary;
mod text;
mod turn;

pub use event::{ApprovalOutcome, ArgDigest, CallPath, MetricEvent, SkillAction, digest_args};
pub use export::{Family, FamilyKind, Sample, families, render_json, render_prometheus};
pub use filtering::{ByteCountingHost, json_len};
pub use normalise::{normalise_error, program_shape};
pub use recorder::MetricsRecorder;
pub use serve::serve;
pub use summary::{
    BYTES_PER_TOKEN, DiscoveryStats, ExecutionStats, FailureStats, SdkStats, SecurityStats, Series,
    SkillStats, Summary, TokenStats, ToolStats, parse_since, percentile, since_ms,
};
pub use text::{render_text, sparkline};
pub use turn::TurnTracker;

pub use crate::store::StoredEvent;
