//! What both backends share once they can start runners: the pool and the
//! execution loop. A backend contributes a [`Spawner`] and says where things
//! are as the runner sees them.

use std::sync::Arc;
use std::time::Duration;

use crate::exec::{self, Paths};
use crate::pool::{Pool, PoolStatus, Spawner};
use crate::settings::{Profile, SandboxSettings};
use crate::{ExecRequest, ExecResult, OutputSink, SandboxError, ToolHost};

pub(crate) struct Engine {
    pub settings: SandboxSettings,
    pub pool: Arc<Pool>,
    paths: fn(&Profile) -> Paths,
}

impl Engine {
    pub(crate) fn start(
        settings: SandboxSettings,
        spawner: Arc<dyn Spawner>,
        paths: fn(&Profile) -> Paths,
    ) -> Self {
        let pool = Pool::start(spawner, settings.default_profile(), settings.pool_size);
        Self {
            settings,
            pool,
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
        let mut runner = self.pool.acquire(&profile).await?;
        let outcome = exec::run(
            &mut runner,
            &request,
            output_bytes,
            self.settings.tool_timeout,
            &paths,
            host,
            on_output,
        )
        .await;
        match outcome {
            Ok(outcome) => {
                self.pool.release(runner, outcome.reusable);
                Ok(outcome.result)
            }
            Err(err) => {
                self.pool.release(runner, false);
                Err(err)
            }
        }
    }

    pub(crate) async fn warm(&self) -> Result<PoolStatus, SandboxError> {
        self.pool.warm(Duration::from_secs(60)).await
    }
}
