//! Starting one runner container: create it, (on a remote engine) fill it,
//! attach to its stdio, start it, and wait for the runner's first answer.

use std::collections::HashMap;
use std::sync::Arc;

use bollard::Docker;
use bollard::query_parameters::{AttachContainerOptionsBuilder, CreateContainerOptionsBuilder};
use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt};

use super::containers::remove;
use super::remote::Shipper;
use super::spec::{self, Delivery};
use crate::SandboxError;
use crate::exec::Paths;
use crate::pool::{Leased, Spawner};
use crate::runner::{Runner, Teardown};
use crate::settings::Profile;

pub(crate) struct DockerSpawner {
    pub docker: Docker,
    pub image: String,
    pub labels: HashMap<String, String>,
    /// Set on a remote engine: files are shipped, not mounted.
    pub remote: Option<Remote>,
}

pub(crate) struct Remote {
    pub shipper: Arc<Shipper>,
    pub state_volume: String,
}

struct DockerTeardown {
    docker: Docker,
    id: String,
    shipper: Option<Arc<Shipper>>,
}

impl Teardown for DockerTeardown {
    fn destroy(self: Box<Self>) -> BoxFuture<'static, ()> {
        async move {
            remove(&self.docker, &self.id).await;
            if let Some(shipper) = &self.shipper {
                shipper.forget(&self.id);
            }
        }
        .boxed()
    }
}

impl Spawner for DockerSpawner {
    fn spawn(&self, profile: Profile) -> BoxFuture<'static, Result<Runner, SandboxError>> {
        let docker = self.docker.clone();
        let delivery = match &self.remote {
            Some(remote) => Delivery::Shipped {
                state_volume: &remote.state_volume,
            },
            None => Delivery::Mounted,
        };
        let config = spec::container(&self.image, self.labels.clone(), &profile, &delivery);
        let shipper = self.remote.as_ref().map(|r| Arc::clone(&r.shipper));
        async move {
            let config = config?;
            let failed = |what: &str, e: bollard::errors::Error| {
                SandboxError::Runner(format!("could not {what} a sandbox container: {e}"))
            };
            if let Some(shipper) = &shipper {
                // A workspace over the cap fails here, before the engine is
                // asked to make a container.
                shipper.precheck(&profile.mounts).await?;
            }
            let name = format!("vtcode-sandbox-{}-{}", std::process::id(), unique());
            let options = CreateContainerOptionsBuilder::new().name(&name).build();
            let created = docker
                .create_container(Some(options), config)
                .await
                .map_err(|e| failed("create", e))?;
            let id = created.id;
            let teardown = Box::new(DockerTeardown {
                docker: docker.clone(),
                id: id.clone(),
                shipper: shipper.clone(),
            });
            if let Some(shipper) = &shipper
                && let Err(err) = shipper.fill(&id, &profile.mounts).await
            {
                teardown.destroy().await;
                return Err(err);
            }
            let attach = AttachContainerOptionsBuilder::new()
                .stdin(true)
                .stdout(true)
                .stderr(true)
                .stream(true)
                .build();
            let attached = match docker.attach_container(&id, Some(attach)).await {
                Ok(attached) => attached,
                Err(e) => {
                    teardown.destroy().await;
                    return Err(failed("attach to", e));
                }
            };
            if let Err(e) = docker.start_container(&id, None).await {
                teardown.destroy().await;
                return Err(failed("start", e));
            }
            let output = attached.output.filter_map(|item| async move {
                match item {
                    Ok(bollard::container::LogOutput::StdOut { message }) => Some(Ok(message)),
                    Ok(bollard::container::LogOutput::StdErr { message }) => {
                        tracing::debug!(target: "vtcode_sandbox::runner", "{}", String::from_utf8_lossy(&message));
                        None
                    }
                    Ok(_) => None,
                    Err(e) => Some(Err(std::io::Error::other(e))),
                }
            });
            let mut runner = Runner::connect(profile, attached.input, output, teardown).await?;
            runner.handle = id;
            Ok(runner)
        }
        .boxed()
    }

    fn prepare<'a>(
        &'a self,
        runner: &'a Leased,
        paths: Paths,
    ) -> BoxFuture<'a, Result<Paths, SandboxError>> {
        async move {
            match &self.remote {
                Some(remote) => {
                    remote
                        .shipper
                        .sync(&runner.handle, &runner.mounts, paths)
                        .await
                }
                None => Ok(paths),
            }
        }
        .boxed()
    }
}

fn unique() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{nanos:x}{}", NEXT.fetch_add(1, Ordering::Relaxed))
}
