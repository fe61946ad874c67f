//! The catalog of the tools the hub offers right now.
//!
//! A [`ToolCatalog`] is an immutable value; servers come and go and change
//! their tool lists. `LiveCatalog` holds the current value and swaps in a
//! new one when the hub reports a change, so readers take a cheap `Arc`
//! snapshot and never see a half-built catalog. Every rebuild is recorded in
//! the store's tool history, which classifies each changed or removed tool
//! against its previous version; those verdicts are broadcast as
//! [`CatalogChangeEvent`]s, so a front end can tell the user that a tool
//! changed under the running session (the "rug pull" a hostile server
//! might try after its tool was first trusted).

use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Instant;

use serde::Serialize;
use tokio::sync::broadcast;
use vtcode_mcp::{HubEvent, McpHub, ServerState, ToolDescriptor};

use super::sdk_dir;
use crate::catalog::{CatalogTool, SemanticSearch, ToolCatalog};
use crate::metrics::{MetricEvent, MetricsRecorder};
use crate::store::{Store, ToolChangeKind, VersionChange};
use crate::versioning::{ChangeClass, ToolDiff};

/// Change events a slow subscriber may fall behind by before it lags.
const CHANGE_BACKLOG: usize = 256;

/// A tool that a server changed or dropped, as classified and recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogChangeEvent {
    pub server: String,
    pub tool: String,
    /// `changed` or `removed`.
    pub change: VersionChange,
    /// The server's own version (`serverInfo.version`), when it reports one.
    pub server_version: Option<String>,
    pub class: ChangeClass,
    pub diff: ToolDiff,
}

impl fmt::Display for CatalogChangeEvent {
    /// One line: "weather.forecast changed (incompatible): parameter `tz` removed".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = match self.change {
            VersionChange::Removed => "was removed",
            VersionChange::Added | VersionChange::Changed => "changed",
        };
        write!(
            f,
            "tool {}.{} {verb} ({})",
            self.server, self.tool, self.class
        )?;
        match self.change {
            VersionChange::Removed => Ok(()),
            _ => write!(f, ": {}", self.diff.summary()),
        }
    }
}

#[derive(Clone)]
pub struct LiveCatalog {
    current: Arc<RwLock<Arc<ToolCatalog>>>,
    hub: Arc<McpHub>,
    store: Option<Arc<Store>>,
    /// Where the SDK of the current catalog is published, if anywhere.
    sdk_root: Option<PathBuf>,
    changes: broadcast::Sender<CatalogChangeEvent>,
    metrics: MetricsRecorder,
    /// Given every new catalog to embed in the background.
    semantic: Option<SemanticSearch>,
}

impl LiveCatalog {
    /// A catalog of the hub's tools as of now. Each rebuild is recorded in
    /// `store` (which is what change events come from) and its SDK
    /// published under `sdk_root`, when given.
    pub fn new(hub: Arc<McpHub>, store: Option<Arc<Store>>, sdk_root: Option<PathBuf>) -> Self {
        let live = Self {
            current: Arc::new(RwLock::new(Arc::new(ToolCatalog::new(Vec::new())))),
            hub,
            store,
            sdk_root,
            changes: broadcast::channel(CHANGE_BACKLOG).0,
            metrics: MetricsRecorder::disabled(),
            semantic: None,
        };
        live.refresh();
        live
    }

    /// Records each SDK publication from now on in `metrics`.
    pub fn with_metrics(mut self, metrics: MetricsRecorder) -> Self {
        self.metrics = metrics;
        self
    }

    /// From now on, each new catalog is handed to `semantic` to embed in
    /// the background (the current one too).
    pub fn with_semantic(mut self, semantic: SemanticSearch) -> Self {
        semantic.prepare(self.current());
        self.semantic = Some(semantic);
        self
    }

    /// The catalog as of the last change.
    pub fn current(&self) -> Arc<ToolCatalog> {
        match self.current.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Every tool change recorded from now on. Changes are only detected
    /// when the catalog has a store to compare with.
    pub fn subscribe_changes(&self) -> broadcast::Receiver<CatalogChangeEvent> {
        self.changes.subscribe()
    }

    /// Rebuilds from the hub now. Unchanged tools make an identical
    /// catalog, which is neither recorded nor republished. Tools are
    /// compared whole, annotations included, which the catalog hash leaves
    /// out: a tool that turns destructive must reach the approval check.
    pub fn refresh(&self) {
        let catalog = ToolCatalog::new(self.hub.tools().into_iter().map(catalog_tool).collect());
        if catalog.tools() == self.current().tools() && !catalog.is_empty() {
            return;
        }
        if let Some(root) = &self.sdk_root {
            let started = Instant::now();
            let cache_hit = crate::sdk::is_cached(&catalog, root);
            match sdk_dir::publish(&catalog, root) {
                Ok(_) => self.metrics.record(MetricEvent::SdkGeneration {
                    duration_ms: started.elapsed().as_secs_f64() * 1000.0,
                    tool_count: u32::try_from(catalog.len()).unwrap_or(u32::MAX),
                    cache_hit,
                }),
                Err(err) => {
                    tracing::warn!("could not publish the SDK under {}: {err}", root.display());
                }
            }
        }
        let catalog = Arc::new(catalog);
        if let Some(semantic) = &self.semantic {
            semantic.prepare(Arc::clone(&catalog));
        }
        match self.current.write() {
            Ok(mut guard) => *guard = Arc::clone(&catalog),
            Err(poisoned) => *poisoned.into_inner() = Arc::clone(&catalog),
        }
        // Announced once the new catalog is in place, so a subscriber that
        // looks at the tool sees what the event describes.
        if let Some(store) = &self.store {
            for event in record(&self.hub, &catalog, store) {
                tracing::info!("{event}");
                // No subscriber is fine: the change is in the history.
                let _ = self.changes.send(event);
            }
        }
    }

    /// Keeps the catalog in step with the hub until the hub goes away or
    /// the returned task is aborted (before a deliberate shutdown, so that
    /// servers stopping do not publish an empty SDK).
    pub fn follow(&self) -> tokio::task::AbortHandle {
        let live = self.clone();
        let mut events = self.hub.subscribe();
        let task = tokio::spawn(async move {
            // A lagged receiver missed events: refreshing covers them all.
            while let Ok(HubEvent::ToolsChanged { .. } | HubEvent::StateChanged { .. })
            | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) = events.recv().await
            {
                live.refresh();
            }
        });
        task.abort_handle()
    }
}

/// Converts the hub's view of a tool into the catalog's.
pub fn catalog_tool(tool: ToolDescriptor) -> CatalogTool {
    CatalogTool {
        server: tool.server,
        name: tool.name,
        title: tool.title,
        description: tool.description,
        input_schema: tool.input_schema,
        output_schema: tool.output_schema,
        annotations: tool.annotations,
        builtin: false,
    }
}

/// Records each ready server's tools and returns the changes worth telling.
/// A server whose tool count moved since the tool list was taken is left
/// for the next refresh, so a list caught mid-change never reads as
/// removals. A failure only costs history, so it is logged, not raised.
fn record(hub: &McpHub, catalog: &ToolCatalog, store: &Store) -> Vec<CatalogChangeEvent> {
    let mut events = Vec::new();
    for status in hub.statuses() {
        let listed = catalog
            .tools()
            .iter()
            .filter(|tool| tool.server == status.name)
            .count();
        if status.state != ServerState::Ready || listed != status.tool_count {
            continue;
        }
        let version = status.server_info.as_ref().map(|(_, v)| v.clone());
        let changes = match store.record_catalog(&status.name, version.as_deref(), catalog.tools())
        {
            Ok(changes) => changes,
            Err(err) => {
                tracing::warn!(server = %status.name, "could not record tool history: {err}");
                continue;
            }
        };
        for change in changes {
            let (kind, diff) = match change.kind {
                ToolChangeKind::Changed {
                    diff: Some(diff), ..
                } => (VersionChange::Changed, diff),
                ToolChangeKind::Removed { diff } => (VersionChange::Removed, diff),
                _ => continue,
            };
            events.push(CatalogChangeEvent {
                server: status.name.clone(),
                tool: change.tool,
                change: kind,
                server_version: version.clone(),
                class: diff.class,
                diff,
            });
        }
    }
    events
}

impl crate::skills::CatalogView for LiveCatalog {
    fn current(&self) -> Arc<ToolCatalog> {
        LiveCatalog::current(self)
    }
}
