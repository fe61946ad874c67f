//! The agent's use of [`crate::pii`]: one guard per session, consulted at
//! the model boundary.
//!
//! Three crossings, nothing else: a tool's output becomes the text the
//! model reads ([`PiiGuard::protect`], which also saves new values to the
//! vault and writes audit rows); a model's tool-call arguments are about to
//! run ([`PiiGuard::restore_args`]); the model's text is shown to the user
//! ([`show_delta`]). The transcript keeps
//! what the model saw, so it holds tokens, never values.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde_json::Value;
use tokio::sync::mpsc::UnboundedSender;

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

pub(crate) struct PiiGuard {
    tokenizer: Tokenizer,
    vault: Vault,
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
            vault,
            audit: setup.audit.clone(),
            session: session.to_owned(),
            scan_files: setup.scan_files,
            metrics,
        })
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
        let rows: Vec<PiiAuditRow> = tokenized
            .uses
            .into_iter()
            .inspect(|used| self.metrics.record_pii(&used.kind, used.count))
            .map(|used| PiiAuditRow {
                at: at.clone(),
                session_id: self.session.clone(),
                source: source.to_owned(),
                kind: used.kind,
                token: used.token,
                count: used.count,
            })
            .collect();
        let new_values = tokenized.new_values;
        let text = tokenized.text.into_owned();
        // The model gets tokens either way; a vault or audit write that
        // fails costs only restoring after a resume, or one audit entry.
        if new_values && let Err(err) = self.vault.save(self.tokenizer.entries()) {
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
