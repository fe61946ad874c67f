//! The recording side: a cheap handle that queues events for a writer
//! thread, which inserts them in batches, one transaction per batch.
//!
//! `record` stamps the event and sends it on a channel: no lock, no I/O, so
//! the caller (a tool call, the agent loop) pays well under the 20 µs budget.
//! The writer drains whatever has queued up, writes it in one transaction
//! and answers any flush request behind it. A write that fails is logged and
//! the events dropped: metrics never stop the work they measure.

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use serde_json::Value;
use vtcode_sandbox::ExecResult;

use super::event::{CallPath, MetricEvent, SkillAction};
use crate::config::MetricsConfig;
use crate::store::Store;

/// Most events written in one transaction.
const MAX_BATCH: usize = 512;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

enum Message {
    Event { at_ms: i64, event: MetricEvent },
    Flush(Sender<()>),
}

struct Writer {
    tx: Sender<Message>,
    /// The project's salt for argument hashes.
    salt: Vec<u8>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Drop for Writer {
    /// The last handle going away waits for what is queued, so a command
    /// that exits right after its work still has its events on disk.
    fn drop(&mut self) {
        flush(&self.tx);
        let (done, _) = channel();
        drop(std::mem::replace(&mut self.tx, done));
        let thread = self
            .thread
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }
}

/// Where events go. Cloning shares the writer; a disabled recorder (the
/// `Default`) drops every event at no cost.
#[derive(Clone, Default)]
pub struct MetricsRecorder {
    writer: Option<Arc<Writer>>,
}

impl std::fmt::Debug for MetricsRecorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsRecorder")
            .field("enabled", &self.is_enabled())
            .finish()
    }
}

impl MetricsRecorder {
    /// Records nothing (`[metrics] enabled = false`, tests, `--catalog`).
    pub fn disabled() -> Self {
        Self::default()
    }

    /// A recorder writing to `store` per `config`. Events older than
    /// `retention_days` are pruned by the writer before its first batch.
    pub fn start(store: Arc<Store>, config: &MetricsConfig) -> Self {
        if !config.enabled {
            return Self::disabled();
        }
        let salt = match store.metrics_salt() {
            Ok(salt) => salt,
            Err(err) => {
                tracing::warn!("metrics are off: {err}");
                return Self::disabled();
            }
        };
        let (tx, rx) = channel();
        let retention_ms = i64::from(config.retention_days).saturating_mul(DAY_MS);
        let spawned = std::thread::Builder::new()
            .name("vtcode-metrics".to_string())
            .spawn(move || write_loop(&store, &rx, retention_ms));
        match spawned {
            Ok(thread) => Self {
                writer: Some(Arc::new(Writer {
                    tx,
                    salt,
                    thread: Mutex::new(Some(thread)),
                })),
            },
            Err(err) => {
                tracing::warn!("metrics are off: cannot start their writer thread: {err}");
                Self::disabled()
            }
        }
    }

    pub fn is_enabled(&self) -> bool {
        self.writer.is_some()
    }

    /// Queues `event`, stamped now. Never blocks, never fails.
    pub fn record(&self, event: MetricEvent) {
        if let Some(writer) = &self.writer {
            let at_ms = chrono::Utc::now().timestamp_millis();
            let _ = writer.tx.send(Message::Event { at_ms, event });
        }
    }

    /// An MCP tool call: `outcome` is the result's size in bytes or the
    /// error message. Arguments are kept as names and salted value hashes.
    pub fn record_mcp_call(
        &self,
        server: &str,
        tool: &str,
        path: CallPath,
        args: &Value,
        latency_ms: f64,
        outcome: Result<u64, &str>,
    ) {
        if let Some(writer) = &self.writer {
            let event =
                MetricEvent::mcp_call(&writer.salt, server, tool, path, args, latency_ms, outcome);
            self.record(event);
        }
    }

    /// A skill was saved, loaded, run or failed (`error` is normalised
    /// before it is kept).
    pub fn record_skill(
        &self,
        skill: &str,
        action: SkillAction,
        duration_ms: Option<f64>,
        error: Option<&str>,
    ) {
        if self.is_enabled() {
            self.record(MetricEvent::skill(skill, action, duration_ms, error));
        }
    }

    /// A program ran to an end in `backend`. `language` names it as the
    /// metrics do (`shell` for run_shell); `shape` is its
    /// [`program_shape`](super::program_shape).
    pub fn record_execution(
        &self,
        language: &str,
        backend: &str,
        shape: String,
        result: &ExecResult,
    ) {
        if !self.is_enabled() {
            return;
        }
        let status = serde_json::to_value(result.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let mut tools: Vec<String> = Vec::new();
        for call in &result.tool_calls {
            let name = format!("{}.{}", call.server, call.tool);
            if !tools.contains(&name) {
                tools.push(name);
            }
        }
        let result_bytes = result.result.as_ref().map_or(0, |v| v.to_string().len());
        self.record(MetricEvent::Execution {
            language: language.to_string(),
            backend: backend.to_string(),
            duration_ms: result.duration.as_secs_f64() * 1000.0,
            status,
            tool_calls: u32::try_from(result.tool_calls.len()).unwrap_or(u32::MAX),
            tools,
            output_bytes: (result.stdout.len() + result.stderr.len() + result_bytes) as u64,
            shape,
            peak_memory_bytes: result.peak_memory_bytes,
        });
    }

    /// `count` items of personal data of `kind` were tokenized.
    pub fn record_pii(&self, kind: &str, count: u32) {
        if self.is_enabled() && count > 0 {
            self.record(MetricEvent::PiiDetection {
                pii_kind: kind.to_string(),
                count,
            });
        }
    }

    /// Waits until every event recorded before this call is written.
    pub fn flush(&self) {
        if let Some(writer) = &self.writer {
            flush(&writer.tx);
        }
    }
}

fn flush(tx: &Sender<Message>) {
    let (done, wait) = channel();
    if tx.send(Message::Flush(done)).is_ok() {
        let _ = wait.recv();
    }
}

fn write_loop(store: &Store, rx: &Receiver<Message>, retention_ms: i64) {
    let cutoff = chrono::Utc::now().timestamp_millis() - retention_ms;
    match store.prune_metric_events(cutoff) {
        Ok(0) => {}
        Ok(pruned) => tracing::info!("pruned {pruned} metric events older than the retention"),
        Err(err) => tracing::warn!("could not prune old metric events: {err}"),
    }
    let mut batch = Vec::with_capacity(MAX_BATCH);
    let mut waiting = Vec::new();
    while let Ok(first) = rx.recv() {
        let mut next = Some(first);
        while let Some(message) = next.take() {
            match message {
                Message::Event { at_ms, event } => batch.push((at_ms, event)),
                Message::Flush(done) => waiting.push(done),
            }
            if batch.len() < MAX_BATCH {
                next = rx.try_recv().ok();
            }
        }
        if !batch.is_empty()
            && let Err(err) = store.insert_metric_events(&batch)
        {
            tracing::warn!("dropped {} metric events: {err}", batch.len());
        }
        batch.clear();
        for done in waiting.drain(..) {
            let _ = done.send(());
        }
    }
}
