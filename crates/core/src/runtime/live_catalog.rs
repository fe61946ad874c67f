//! The catalog of the tools the hub offers right now.
//!
//! A [`ToolCatalog`] is an immutable value; servers come and go and change
//! their tool lists. `LiveCatalog` holds the current value and swaps in a
//! new one when the hub reports a change, so readers take a cheap `Arc`
//! snapshot and never see a half-built catalog. Every rebuild is recorded in
//! the store's tool history (schema hash per tool), which is how tool
//! versioning notices that a server changed a tool under a saved program.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use vtcode_mcp::{HubEvent, McpHub, ServerState, ToolDescriptor};

use super::sdk_dir;
use crate::catalog::{CatalogTool, SemanticSearch, ToolCatalog};
use crate::store::Store;

#[derive(Clone)]
pub struct LiveCatalog {
    current: Arc<RwLock<Arc<ToolCatalog>>>,
    hub: Arc<McpHub>,
    store: Option<Arc<Store>>,
    /// Where the SDK of the current catalog is published, if anywhere.
    sdk_root: Option<PathBuf>,
    /// Given every new catalog to embed in the background.
    semantic: Option<SemanticSearch>,
}

impl LiveCatalog {
    /// A catalog of the hub's tools as of now. Each rebuild is recorded in
    /// `store` and its SDK published under `sdk_root`, when given.
    pub fn new(hub: Arc<McpHub>, store: Option<Arc<Store>>, sdk_root: Option<PathBuf>) -> Self {
        let live = Self {
            current: Arc::new(RwLock::new(Arc::new(ToolCatalog::new(Vec::new())))),
            hub,
            store,
            sdk_root,
            semantic: None,
        };
        live.refresh();
        live
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

    /// Rebuilds from the hub now. Unchanged tools make an identical
    /// catalog (same hash), which is neither recorded nor republished.
    pub fn refresh(&self) {
        let catalog = ToolCatalog::new(self.hub.tools().into_iter().map(catalog_tool).collect());
        if catalog.hash() == self.current().hash() && !catalog.is_empty() {
            return;
        }
        if let Some(store) = &self.store {
            record(&self.hub, &catalog, store);
        }
        if let Some(root) = &self.sdk_root
            && let Err(err) = sdk_dir::publish(&catalog, root)
        {
            tracing::warn!("could not publish the SDK under {}: {err}", root.display());
        }
        let catalog = Arc::new(catalog);
        if let Some(semantic) = &self.semantic {
            semantic.prepare(Arc::clone(&catalog));
        }
        match self.current.write() {
            Ok(mut guard) => *guard = catalog,
            Err(poisoned) => *poisoned.into_inner() = catalog,
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

/// Records each ready server's tools; a failure only costs history, so it
/// is logged, not raised.
fn record(hub: &McpHub, catalog: &ToolCatalog, store: &Store) {
    for status in hub.statuses() {
        if status.state != ServerState::Ready {
            continue;
        }
        let tools: Vec<(String, String)> = catalog
            .tools()
            .iter()
            .filter(|tool| tool.server == status.name)
            .map(|tool| (tool.name.clone(), catalog.tool_schema_hash(tool)))
            .collect();
        let version = status.server_info.as_ref().map(|(_, v)| v.as_str());
        if let Err(err) = store.record_catalog(&status.name, version, &tools) {
            tracing::warn!(server = %status.name, "could not record tool history: {err}");
        }
    }
}
