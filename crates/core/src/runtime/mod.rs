//! A project's running vtcode: what every front end (the TUI, `exec`, `run`,
//! the `tools` commands) starts from.
//!
//! Starting never waits: the store opens, the MCP hub begins connecting in
//! the background, and the live catalog follows the hub as servers arrive.
//! Front ends that need the full catalog before they can answer (a one-shot
//! command) call [`Runtime::wait_for_servers`]; the TUI does not.

mod agent_tools;
mod installation;
mod live_catalog;
mod llm;
mod restarts;
mod sandbox;
mod sdk_dir;
mod serve;
mod servers;
mod skill_host;
mod tool_gate;
mod tool_host;

use std::sync::Arc;

use vtcode_mcp::{HubError, McpHub};
pub use vtcode_mcp::{ServerState, ServerStatus};

pub use agent_tools::{CatalogSearch, HubDirectTools};
pub use installation::{installation_file, installation_id};
pub use live_catalog::{CatalogChangeEvent, LiveCatalog, catalog_tool};
pub use llm::{build_provider, provider_settings};
pub use sandbox::sandbox_settings;
pub use sdk_dir::publish as publish_sdk;
pub use serve::CodeModeService;
pub use servers::{server_specs, start_hub, startup_wait};
pub use skill_host::SkillSavingHost;
pub use tool_gate::CatalogGate;
pub use tool_host::{HubToolHost, result_value, unattended_denial};

use crate::agent::{AgentDeps, PiiSetup};
use crate::catalog::SemanticSearch;
use crate::config::LoadedConfig;
use crate::insights::Insights;
use crate::metrics::MetricsRecorder;
use crate::pii::DetectorSettings;
use crate::session::SessionStore;
use crate::skills::SkillLibrary;
use crate::store::{Store, StoreError};

/// Where a project's sessions keep their PII vaults.
pub fn pii_vault_dir(loaded: &LoadedConfig) -> std::path::PathBuf {
    loaded.paths.dot_dir.join("pii")
}

/// `[pii]` as the agent applies it, with this process's environment (whose
/// secret-named values are secrets); `None` when disabled.
fn pii_setup(loaded: &LoadedConfig, store: &Arc<Store>) -> Option<PiiSetup> {
    let pii = &loaded.config.pii;
    pii.enabled.then(|| PiiSetup {
        detector: DetectorSettings::from_config(pii, std::env::vars().collect()),
        scan_files: pii.scan_files,
        vault_dir: pii_vault_dir(loaded),
        key_file: crate::pii::vault::default_key_file().unwrap_or_default(),
        audit: Some(Arc::clone(store)),
    })
}

/// Context window assumed when `llm.context_window` is not set: what
/// current hosted models offer at least.
const DEFAULT_CONTEXT_WINDOW: u32 = 128_000;

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
    #[error(transparent)]
    Policy(#[from] crate::approval::PolicyError),
}

pub struct Runtime {
    pub loaded: LoadedConfig,
    pub store: Arc<Store>,
    pub hub: Arc<McpHub>,
    pub catalog: LiveCatalog,
    pub tool_host: Arc<HubToolHost>,
    pub skills: Arc<SkillLibrary>,
    /// Where every part of this runtime records its metrics.
    pub metrics: MetricsRecorder,
    /// The semantic leg of tool search; embeds each catalog in the background.
    pub semantic: SemanticSearch,
    /// Checks and the approval verdict for every MCP tool call.
    pub tool_gate: Arc<CatalogGate>,
    follower: tokio::task::AbortHandle,
    restarts: tokio::task::AbortHandle,
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
        let policy = crate::approval::ToolPolicy::from_config(&loaded.config.mcp)?;
        let store = Arc::new(Store::open(&loaded.paths.db)?);
        let metrics = MetricsRecorder::start(Arc::clone(&store), &loaded.config.metrics);
        let hub = start_hub(&loaded);
        let semantic = SemanticSearch::new(&loaded.config.search, Some(Arc::clone(&store)));
        let catalog = LiveCatalog::new(
            Arc::clone(&hub),
            Some(Arc::clone(&store)),
            Some(loaded.paths.sdk.clone()),
        )
        .with_metrics(metrics.clone())
        .with_semantic(semantic.clone());
        let follower = catalog.follow();
        let restarts = restarts::follow_restarts(&hub, metrics.clone());
        let tool_gate = Arc::new(CatalogGate::new(catalog.clone(), policy));
        let tool_host = Arc::new(
            HubToolHost::new(
                Arc::clone(&hub),
                catalog.clone(),
                Arc::clone(&tool_gate),
                loaded.config.agent.approval,
            )
            .with_metrics(metrics.clone()),
        );
        let skills = Arc::new(
            SkillLibrary::new(&loaded.paths, &loaded.config.skills, Arc::clone(&store))
                .with_catalog(Arc::new(catalog.clone())),
        );
        Ok(Self {
            loaded,
            store,
            hub,
            catalog,
            tool_host,
            skills,
            metrics,
            semantic,
            tool_gate,
            follower,
            restarts,
        })
    }

    /// Stops every server. The catalog stops following first, so the SDK
    /// other vtcode processes of this project see stays published.
    pub async fn shutdown(&self) {
        self.follower.abort();
        self.restarts.abort();
        self.hub.shutdown().await;
        self.metrics.flush();
    }

    /// Waits until every server is ready or has failed, then brings the
    /// catalog up to date. Fails only when a `required` server failed.
    pub async fn wait_for_servers(&self) -> Result<(), HubError> {
        let result = self.hub.wait_ready(startup_wait(&self.loaded)).await;
        self.catalog.refresh();
        result
    }

    /// What the agent loop needs, from this project's config, with the
    /// given model provider and sandbox.
    pub fn agent_deps(
        &self,
        provider: Arc<dyn vtcode_llm::LlmProvider>,
        sandbox: Arc<dyn vtcode_sandbox::Sandbox>,
    ) -> AgentDeps {
        let config = &self.loaded.config;
        let settings = sandbox_settings(&self.loaded);
        let insights = self.insights();
        AgentDeps {
            provider,
            model: config.llm.model.clone(),
            context_window: u64::from(config.llm.context_window.unwrap_or(DEFAULT_CONTEXT_WINDOW)),
            tool_mode: config.agent.tool_mode,
            approval: config.agent.approval,
            sandbox,
            tool_host: self.tool_host.clone(),
            tool_gate: Some(self.tool_gate.clone()),
            mounts: settings.mounts,
            exec_timeout: settings.timeout,
            search: Arc::new(
                CatalogSearch::new(self.catalog.clone())
                    .with_skills(Arc::clone(&self.skills))
                    .with_track_record(insights.track_record())
                    .with_semantic(self.semantic.clone()),
            ),
            direct_tools: Arc::new(
                HubDirectTools::new(Arc::clone(&self.hub), self.catalog.clone())
                    .with_metrics(self.metrics.clone()),
            ),
            workspace_root: self.loaded.paths.root.clone(),
            sessions: Some(SessionStore::new(Arc::clone(&self.store))),
            tool_output_bytes: usize::try_from(config.agent.tool_output_bytes)
                .unwrap_or(usize::MAX),
            skills_summary: self.skills_summary(&config.llm.model),
            skills: Some(Arc::clone(&self.skills)),
            metrics: self.metrics.clone(),
            lessons: insights.lessons(),
            programs: crate::programs::Programs::new(config.sandbox.max_running as usize),
            pii: self.pii_setup(),
        }
    }

    /// `[pii]` as sessions and `mcp serve` apply it; `None` when disabled.
    pub fn pii_setup(&self) -> Option<PiiSetup> {
        pii_setup(&self.loaded, &self.store)
    }

    /// The system prompt's list of skills; a skills folder that cannot be
    /// read costs the list, never the session.
    fn skills_summary(&self, model: &str) -> Option<String> {
        match self.skills.prompt_section(model) {
            Ok(section) => section,
            Err(e) => {
                tracing::warn!("skills left out of the prompt: {e}");
                None
            }
        }
    }

    /// What the recorded metrics teach (empty when there are none, or the
    /// store cannot be read: insights are advice, never a reason to fail).
    pub fn insights(&self) -> Insights {
        match Insights::from_store(&self.store, None) {
            Ok(insights) => insights,
            Err(err) => {
                tracing::warn!("insights skipped: {err}");
                Insights::default()
            }
        }
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
