//! What both backends share once they can start runners: the pool and the
//! execution loop. A backend contributes a [`Spawner`] and says where things
//! are as the runner sees them.

use std::sync::Arc;
use std::time::Duration;

use crate::exec::{self, Paths};
use crate::pool::{Leased, Pool, PoolStatus, Spawner};
use crate::settings::{Profile, SandboxSettings};
use crate::{ExecRequest, ExecResult, OutputSink, SandboxError, ToolHost};

pub(crate) struct Engine {
    pub settings: SandboxSettings,
    pub pool: Arc<Pool>,
    spawner: Arc<dyn Spawner>,
    paths: PathsFn,
}

/// Where things are as the runner sees them, for a profile.
pub(crate) type PathsFn = Box<dyn Fn(&Profile) -> Paths + Send + Sync>;

impl Engine {
    pub(crate) fn start(
        settings: SandboxSettings,
        spawner: Arc<dyn Spawner>,
        paths: PathsFn,
    ) -> Self {
        let pool = Pool::start(
            Arc::clone(&spawner),
            settings.default_profile(),
            settings.pool_size,
        );
        Self {
            settings,
            pool,
            spawner,
            paths,
        }
    }

    pub(crate) async fn execute(
        &self,
        request: ExecRequest,
        host: Arc<dyn ToolHost>,
        on_output: Option<OutputSink>,
    ) -> Result<ExecResult, SandboxError> {
        let profile = self.settings.profile_for(&request.limits, &request.mounts);
        let output_bytes = request
            .limits
            .output_bytes
            .unwrap_or(self.settings.output_bytes);
        let paths = (self.paths)(&profile);
        let mut lease = self.pool.acquire(&profile).await?;
        let Some(runner) = lease.runner() else {
            return Err(SandboxError::Runner(
                "the pool handed out an empty lease".into(),
            ));
        };
        let leased = Leased {
            handle: runner.handle.clone(),
            mounts: runner.profile.mounts.clone(),
        };
        let paths = match self.spawner.prepare(&leased, paths).await {
            Ok(paths) => paths,
            Err(err) => {
                // The runner itself is intact; what it holds is recorded
                // only once shipped, so the next execution retries.
                lease.release(true);
                return Err(err);
            }
        };
        let Some(runner) = lease.runner() else {
            return Err(SandboxError::Runner(
                "the pool handed out an empty lease".into(),
            ));
        };
        let outcome = exec::run(
            runner,
            &request,
            output_bytes,
            self.settings.tool_timeout,
            &paths,
            host,
            on_output,
        )
        .await;
        lease.release(outcome.as_ref().is_ok_and(|o| o.reusable));
        outcome.map(|o| o.result)
    }

    pub(crate) async fn warm(&self) -> Result<PoolStatus, SandboxError> {
        self.pool.warm(Duration::from_secs(60)).await
    }
}

/// Implements [`crate::Sandbox`] for a backend type whose `engine` field
/// does the work.
macro_rules! pooled_sandbox {
    ($type:ty, $name:literal) => {
        #[async_trait::async_trait]
        impl $crate::Sandbox for $type {
            fn backend(&self) -> &'static str {
                $name
            }

            async fn execute(
                &self,
                request: $crate::ExecRequest,
                host: std::sync::Arc<dyn $crate::ToolHost>,
                on_output: Option<$crate::OutputSink>,
            ) -> Result<$crate::ExecResult, $crate::SandboxError> {
                self.engine.execute(request, host, on_output).await
            }

            fn pool_status(&self) -> Option<$crate::PoolStatus> {
                Some(self.engine.pool.status())
            }

            async fn warm(&self) -> Result<Option<$crate::PoolStatus>, $crate::SandboxError> {
                self.engine.warm().await.map(Some)
            }

            async fn shutdown(&self) {
                self.engine.pool.close().await;
            }
        }
    };
}
pub(crate) use pooled_sandbox;
