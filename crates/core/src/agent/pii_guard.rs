//! The agent's use of [`crate::pii`]: one guard per session (or per `vtcode
//! mcp serve` process), consulted at the model boundary.
//!
//! Four crossings, nothing else: a tool's output becomes the text the
//! model reads ([`PiiGuard::protect`], which also saves new values to the
//! vault and writes audit rows); a model's tool-call arguments are about to
//! run ([`PiiGuard::restore_args`]); a program's tool call leaves the
//! sandbox for an MCP server ([`RestoringHost`]: a token the program built,
//! read from `/state` or was handed at run time goes out as its value);
//! the model's text is shown to the user ([`show_delta`]). The transcript
//! keeps what the model saw, so it holds tokens, never values.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde_json::{Map, Value};
use tokio::sync::mpsc::UnboundedSender;
use vtcode_sandbox::{TimeoutPause, ToolCallError, ToolHost};

use crate::events::{AgentEvent, ProtectedValue};
use crate::metrics::MetricsRecorder;
use crate::pii::{
    Detector, DetectorSettings, PiiError, Restored, Scope, StreamRestorer, Tokenizer, vault::Vault,
};
use crate::store::{PiiAuditRow, Store};

/// What a session needs to protect data; built by the runtime from `[pii]`.
#[derive(Clone)]
pub struct PiiSetup {
    pub detector: DetectorSettings,
    /// Personal data in project files (read_file, grep, list_dir) too.
    pub scan_files: bool,
    /// Where session vaults live (`.vtcode/pii/`).
    pub vault_dir: PathBuf,
    /// The user's vault key, outside the project.
    pub key_file: PathBuf,
    /// Where audit rows go; `None` keeps no trail.
    pub audit: Option<Arc<Store>>,
}

/// A guard shared by a session and the programs it runs (which may outlive
/// the tool call that started them).
pub(crate) type SharedGuard = Arc<Mutex<PiiGuard>>;

pub(crate) struct PiiGuard {
    tokenizer: Tokenizer,
    /// `None`: the tokens live only as long as the process (`mcp serve`).
    vault: Option<Vault>,
    audit: Option<Arc<Store>>,
    session: String,
    scan_files: bool,
    /// Detections per kind feed the security metrics.
    metrics: MetricsRecorder,
}

impl PiiGuard {
    /// The guard of `session`, with the tokens it already had.
    pub(crate) fn open(
        setup: &PiiSetup,
        session: &str,
        metrics: MetricsRecorder,
    ) -> Result<Self, PiiError> {
        let detector = Detector::new(&setup.detector)?;
        let vault = Vault::open(&setup.vault_dir, &setup.key_file, session)?;
        let entries = vault.load()?;
        Ok(Self {
            tokenizer: Tokenizer::with_entries(detector, entries),
            vault: Some(vault),
            audit: setup.audit.clone(),
            session: session.to_owned(),
            scan_files: setup.scan_files,
            metrics,
        })
    }

    /// A guard whose vault is this process's memory: what `vtcode mcp
    /// serve` hands its client is restored only by the same process, so
    /// nothing is written but the audit rows (under `session`).
    pub(crate) fn in_memory(
        setup: &PiiSetup,
        session: &str,
        metrics: MetricsRecorder,
    ) -> Result<Self, PiiError> {
        Ok(Self {
            tokenizer: Tokenizer::new(Detector::new(&setup.detector)?),
            vault: None,
            audit: setup.audit.clone(),
            session: session.to_owned(),
            scan_files: setup.scan_files,
            metrics,
        })
    }

    pub(crate) fn shared(self) -> SharedGuard {
        Arc::new(Mutex::new(self))
    }

    pub(crate) fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// Project files carry personal data the user did not ask to hide
    /// unless `scan_files` says so; tool descriptions are not data.
    fn scope(&self, source: &str) -> Scope {
        match source {
            "read_file" | "grep" | "list_dir" if !self.scan_files => Scope::Secrets,
            "search_tools" => Scope::Secrets,
            _ => Scope::All,
        }
    }

    /// `text` from the tool `source` as the model may read it.
    pub(crate) fn protect(&mut self, source: &str, text: String) -> String {
        let scope = self.scope(source);
        let tokenized = self.tokenizer.tokenize(&text, scope);
        if tokenized.placed.is_empty() {
            return text;
        }
        let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let entries = self.tokenizer.entries();
        let rows: Vec<PiiAuditRow> = tokenized
            .uses
            .iter()
            .map(|used| {
                let entry = &entries[used.entry];
                self.metrics.record_pii(&entry.kind, used.count);
                PiiAuditRow {
                    at: at.clone(),
                    session_id: self.session.clone(),
                    source: source.to_owned(),
                    kind: entry.kind.clone(),
                    token: entry.token.clone(),
                    count: used.count,
                }
            })
            .collect();
        let new_values = tokenized.new_values;
        let text = tokenized.text.into_owned();
        // The model gets tokens either way; a vault or audit write that
        // fails costs only restoring after a resume, or one audit entry.
        if new_values
            && let Some(vault) = &self.vault
            && let Err(err) = vault.save(self.tokenizer.entries())
        {
            tracing::warn!("{err}");
        }
        if let Some(store) = &self.audit
            && let Err(err) = store.record_pii_audit(&rows)
        {
            tracing::warn!("PII audit: {err}");
        }
        text
    }

    /// Tool-call arguments with every known token replaced by its value.
    pub(crate) fn restore_args(&self, args: Value) -> Value {
        self.tokenizer.restore_value(args)
    }
}

fn lock(pii: &Mutex<PiiGuard>) -> MutexGuard<'_, PiiGuard> {
    pii.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `text` from the tool `name` as the model may read it.
pub(crate) fn protect(pii: Option<&Mutex<PiiGuard>>, name: &str, text: String) -> String {
    match pii {
        Some(pii) => lock(pii).protect(name, text),
        None => text,
    }
}

/// Tool-call arguments as the tool must receive them.
pub(crate) fn restore_args(pii: Option<&Mutex<PiiGuard>>, args: Value) -> Value {
    match pii {
        Some(pii) => lock(pii).restore_args(args),
        None => args,
    }
}

/// The arguments of an MCP `tools/call` as the tool must receive them.
pub(crate) fn restore_map(
    pii: Option<&Mutex<PiiGuard>>,
    args: Map<String, Value>,
) -> Map<String, Value> {
    match pii {
        Some(pii) => {
            let guard = lock(pii);
            args.into_iter()
                .map(|(key, value)| (key, guard.restore_args(value)))
                .collect()
        }
        None => args,
    }
}

/// The host a program's tool calls go through when the session protects
/// data: the wrapped host (approval, schema check, the call) sees the real
/// values wherever the program's arguments hold a known token.
pub(crate) struct RestoringHost {
    inner: Arc<dyn ToolHost>,
    pii: SharedGuard,
}

impl RestoringHost {
    /// `inner` itself when there is no guard.
    pub(crate) fn wrap(inner: Arc<dyn ToolHost>, pii: Option<&SharedGuard>) -> Arc<dyn ToolHost> {
        match pii {
            Some(pii) => Arc::new(Self {
                inner,
                pii: Arc::clone(pii),
            }),
            None => inner,
        }
    }
}

#[async_trait::async_trait]
impl ToolHost for RestoringHost {
    async fn admit(
        &self,
        server: &str,
        tool: &str,
        args: &Value,
        pause: &TimeoutPause,
    ) -> Result<(), ToolCallError> {
        let restored = lock(&self.pii).tokenizer().restore_ref(args);
        self.inner.admit(server, tool, &restored, pause).await
    }

    async fn call_tool(
        &self,
        server: &str,
        tool: &str,
        args: Value,
    ) -> Result<Value, ToolCallError> {
        let args = lock(&self.pii).restore_args(args);
        self.inner.call_tool(server, tool, args).await
    }
}

/// The model's whole text as the user sees it.
pub(crate) fn shown(pii: Option<&Mutex<PiiGuard>>, text: &str) -> String {
    match pii {
        Some(pii) => lock(pii).tokenizer().restore(text).into_owned(),
        None => text.to_owned(),
    }
}

/// Sends the user one streamed delta of the model's text (`None`: what is
/// still held back, at the end of the reply), with its tokens restored and
/// a `ProtectedValues` event before it naming them.
pub(crate) fn show_delta(
    pii: Option<&Mutex<PiiGuard>>,
    restorer: &mut StreamRestorer,
    delta: Option<&str>,
    events: &UnboundedSender<AgentEvent>,
) {
    let restored = match (pii, delta) {
        (None, Some(text)) => Restored {
            text: text.to_owned(),
            values: Vec::new(),
        },
        (None, None) => return,
        (Some(pii), Some(text)) => restorer.push(lock(pii).tokenizer(), text),
        (Some(pii), None) => restorer.finish(lock(pii).tokenizer()),
    };
    if !restored.values.is_empty() {
        let values = restored
            .values
            .into_iter()
            .map(|entry| ProtectedValue {
                token: entry.token,
                kind: entry.kind,
                value: entry.value,
            })
            .collect();
        let _ = events.send(AgentEvent::ProtectedValues { values });
    }
    if !restored.text.is_empty() {
        let _ = events.send(AgentEvent::TextDelta {
            text: restored.text,
        });
    }
}
