//! The Docker backend: each runner is a locked-down container of the
//! sandbox image whose main process is the resident runner, reached over the
//! container's attached stdin/stdout (no network inside).
//!
//! The engine is the one the user's `docker` CLI reaches (`endpoint`). On a
//! local engine the project's directories are bind-mounted; on a remote one
//! nothing of this machine is mounted and the files are shipped in instead
//! (`remote`, `ship`). At start, containers this installation left behind
//! are removed (`containers`), so a crash leaves nothing for long.

use std::sync::Arc;

use bollard::Docker;

use crate::SandboxError;
use crate::engine::Engine;
use crate::exec::Paths;
use crate::image::{ImageStatus, image_status};
use crate::settings::{Profile, SandboxSettings};

mod connect;
mod containers;
pub(crate) mod endpoint;
mod remote;
mod ship;
mod spawn;
mod spec;

pub use connect::{connect, connect_to};
pub use containers::remove_containers;
pub use endpoint::{DEFAULT_HOST, Endpoint, EndpointSource, TlsFiles};

pub struct DockerSandbox {
    engine: Engine,
    docker: Docker,
    endpoint: Endpoint,
}

impl DockerSandbox {
    /// Connects to the configured engine, checks the image, removes this
    /// installation's orphaned containers and starts filling the warm pool.
    pub async fn start(settings: SandboxSettings) -> Result<Self, SandboxError> {
        let endpoint = settings.endpoint()?;
        let docker = connect_to(&endpoint).await?;
        let image = image_status(&docker, &settings.image).await;
        if !image.present {
            return Err(SandboxError::Image(format!(
                "the sandbox image {} is missing on {}; build it with `vtcode sandbox build-image`",
                settings.image, endpoint.host
            )));
        }
        // A dead owner means an orphan, whichever project it served.
        remove_containers(&docker, &settings.installation, None, true).await?;
        let remote = if endpoint.remote {
            Some(spawn::Remote {
                shipper: Arc::new(remote::Shipper::new(
                    docker.clone(),
                    settings.workspace_max_bytes,
                )?),
                state_volume: containers::state_volume(
                    &docker,
                    &settings.installation,
                    settings.project.as_deref(),
                )
                .await?,
            })
        } else {
            None
        };
        let spawner = spawn::DockerSpawner {
            docker: docker.clone(),
            image: settings.image.clone(),
            labels: containers::labels(&settings.installation, settings.project.as_deref()),
            remote,
        };
        Ok(Self {
            engine: Engine::start(settings, Arc::new(spawner), Box::new(docker_paths)),
            docker,
            endpoint,
        })
    }

    pub async fn image(&self) -> ImageStatus {
        image_status(&self.docker, &self.engine.settings.image).await
    }

    /// The engine in use and how it was chosen.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }
}

fn docker_paths(profile: &Profile) -> Paths {
    Paths {
        cwd: Some(
            if profile.mounts.workspace.is_some() {
                "/workspace"
            } else {
                "/tmp"
            }
            .into(),
        ),
        sdk: profile.mounts.sdk.as_ref().map(|_| "/sdk".into()),
        skills: profile.mounts.skills.as_ref().map(|_| "/skills".into()),
        state: None,
        node: None,
        rlimit_memory: false,
    }
}

crate::engine::pooled_sandbox!(DockerSandbox, "docker");
