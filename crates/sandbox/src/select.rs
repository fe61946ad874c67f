//! Choosing the backend for `sandbox.backend = auto|docker|process`, and the
//! commands that report on or clean up after it.

use std::sync::Arc;

use crate::docker::{self, DockerSandbox, Endpoint};
use crate::image::{ImageStatus, image_status};
use crate::pool::PoolStatus;
use crate::process::ProcessSandbox;
use crate::settings::{Backend, SandboxSettings};
use crate::{Sandbox, SandboxError};

/// The chosen backend and, when `auto` fell back, a one-line notice that
/// says why (shown to the user once).
pub struct Selected {
    pub sandbox: Arc<dyn Sandbox>,
    pub notice: Option<String>,
}

impl std::fmt::Debug for Selected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Selected")
            .field("backend", &self.sandbox.backend())
            .field("notice", &self.notice)
            .finish()
    }
}

pub async fn select_backend(settings: SandboxSettings) -> Result<Selected, SandboxError> {
    match settings.backend {
        Backend::Docker => Ok(Selected {
            sandbox: Arc::new(DockerSandbox::start(settings).await?),
            notice: None,
        }),
        Backend::Process => Ok(Selected {
            sandbox: Arc::new(ProcessSandbox::start(settings)?),
            notice: None,
        }),
        Backend::Auto => match DockerSandbox::start(settings.clone()).await {
            Ok(sandbox) => Ok(Selected {
                sandbox: Arc::new(sandbox),
                notice: None,
            }),
            Err(err) => Ok(Selected {
                sandbox: Arc::new(ProcessSandbox::start(settings)?),
                notice: Some(format!(
                    "{}; using the process sandbox",
                    fallback_reason(&err)
                )),
            }),
        },
    }
}

fn fallback_reason(err: &SandboxError) -> String {
    let text = err.to_string();
    // Drop the advice meant for an explicit `backend = "docker"`.
    text.split("; start Docker")
        .next()
        .unwrap_or(&text)
        .to_string()
}

/// What `vtcode sandbox status` shows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SandboxStatus {
    pub backend: &'static str,
    /// Why Docker is not used, when it is not.
    pub docker_error: Option<String>,
    /// The Docker engine asked, how it was chosen and whether it is remote
    /// (absent when the endpoint itself is malformed, or for `process`).
    pub engine: Option<Endpoint>,
    pub image: Option<ImageStatus>,
    pub pool: Option<PoolStatus>,
}

/// Reports the backend `settings` would use and, for Docker, the image.
/// Pool figures belong to a running sandbox: pass it in to include them.
pub async fn sandbox_status(
    settings: &SandboxSettings,
    running: Option<&dyn Sandbox>,
) -> SandboxStatus {
    let pool = running.and_then(Sandbox::pool_status);
    if settings.backend == Backend::Process {
        return SandboxStatus {
            backend: "process",
            docker_error: None,
            engine: None,
            image: None,
            pool,
        };
    }
    let endpoint = settings.endpoint();
    let connected = match &endpoint {
        Ok(endpoint) => docker::connect_to(endpoint).await,
        Err(err) => Err(SandboxError::Unavailable(err.to_string())),
    };
    let engine = endpoint.ok();
    match connected {
        Ok(client) => SandboxStatus {
            backend: "docker",
            docker_error: None,
            engine,
            image: Some(image_status(&client, &settings.image).await),
            pool,
        },
        Err(err) => SandboxStatus {
            backend: if settings.backend == Backend::Docker {
                "docker"
            } else {
                "process"
            },
            docker_error: Some(err.to_string()),
            engine,
            image: None,
            pool,
        },
    }
}

/// Removes this installation's sandbox containers on the configured engine
/// (of `project`, when given); returns how many. Other installations'
/// containers on a shared engine are left alone.
pub async fn prune(
    settings: &SandboxSettings,
    project: Option<&str>,
) -> Result<usize, SandboxError> {
    let client = docker::connect_to(&settings.endpoint()?).await?;
    docker::remove_containers(&client, &settings.installation, project, false).await
}
