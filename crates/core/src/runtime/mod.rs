//! A project's running vtcode: what every front end (the TUI, `exec`, `run`,
//! the `tools` commands) starts from.
//!
//! Starting never waits: the store opens, the MCP hub begins connecting in
//! the background, and the live catalog follows the hub as servers arrive.
//! Front ends that need the full catalog before they can answer (a one-shot
//! command) call [`Runtime::wait_for_servers`]; the TUI does not.

mod live_catalog;
mod llm;
mod sandbox;
mod sdk_dir;
mod servers;
mod tool_host;

use std::sync::Arc;

use vtcode_mcp::{HubError, McpHub};
pub use vtcode_mcp::{ServerState, ServerStatus};

pub use live_catalog::{LiveCatalog, catalog_tool};
pub use llm::{build_provider, provider_settings};
pub use sandbox::sandbox_settings;
pub use sdk_dir::publish as publish_sdk;
pub use servers::{server_specs, start_hub, startup_wait};
pub use tool_host::{HubToolHost, result_value};

use crate::config::LoadedConfig;
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("cannot create {path}: {source}")]
    Dirs {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Hub(#[from] HubError),
}

pub struct Runtime {
    pub loaded: LoadedConfig,
    pub store: Arc<Store>,
    pub hub: Arc<McpHub>,
    pub catalog: LiveCatalog,
    pub tool_host: Arc<HubToolHost>,
    follower: tokio::task::AbortHandle,
}

impl Runtime {
    /// Opens the project's store and starts connecting its MCP servers.
    /// Needs a tokio runtime (the hub and the catalog follower are tasks).
    pub fn start(loaded: LoadedConfig) -> Result<Self, RuntimeError> {
        loaded
            .paths
            .ensure_dirs()
            .map_err(|source| RuntimeError::Dirs {
                path: loaded.paths.dot_dir.clone(),
                source,
            })?;
        let store = Arc::new(Store::open(&loaded.paths.db)?);
        let hub = start_hub(&loaded);
        let catalog = LiveCatalog::new(
            Arc::clone(&hub),
            Some(Arc::clone(&store)),
            Some(loaded.paths.sdk.clone()),
        );
        let follower = catalog.follow();
        let tool_host = Arc::new(HubToolHost::new(Arc::clone(&hub), catalog.clone()));
        Ok(Self {
            loaded,
            store,
            hub,
            catalog,
            tool_host,
            follower,
        })
    }

    /// Stops every server. The catalog stops following first, so the SDK
    /// other vtcode processes of this project see stays published.
    pub async fn shutdown(&self) {
        self.follower.abort();
        self.hub.shutdown().await;
    }

    /// Waits until every server is ready or has failed, then brings the
    /// catalog up to date. Fails only when a `required` server failed.
    pub async fn wait_for_servers(&self) -> Result<(), HubError> {
        let result = self.hub.wait_ready(startup_wait(&self.loaded)).await;
        self.catalog.refresh();
        result
    }

    /// A message per server that is not usable, for a front end to show.
    pub fn server_problems(&self) -> Vec<String> {
        self.hub
            .statuses()
            .into_iter()
            .filter_map(|status| match status.state {
                vtcode_mcp::ServerState::Failed { error } => {
                    Some(format!("MCP server `{}` failed: {error}", status.name))
                }
                _ => None,
            })
            .collect()
    }
}
