//! The Docker backend: each runner is a locked-down container of the
//! sandbox image whose main process is the resident runner, reached over the
//! container's attached stdin/stdout (no network inside).
//!
//! Containers carry `vtcode.sandbox=1`, the project, and the pid of the
//! vtcode that made them; at start, containers whose vtcode is gone are
//! removed, so a crash leaves nothing behind for long.

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::Arc;

use bollard::Docker;
use bollard::models::{ContainerCreateBody, HostConfig, ResourcesUlimits};
use bollard::query_parameters::{
    AttachContainerOptionsBuilder, CreateContainerOptionsBuilder, ListContainersOptionsBuilder,
    RemoveContainerOptionsBuilder,
};
use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt};

use crate::SandboxError;
use crate::engine::Engine;
use crate::exec::Paths;
use crate::image::{ImageStatus, image_status};
use crate::pool::Spawner;
use crate::runner::{Runner, Teardown};
use crate::settings::{Profile, SPARE_TASKS, SandboxSettings};

pub const LABEL: &str = "vtcode.sandbox";
const PROJECT_LABEL: &str = "vtcode.sandbox.project";
const PID_LABEL: &str = "vtcode.sandbox.pid";
const HOST_LABEL: &str = "vtcode.sandbox.host";
/// The unprivileged user programs run as, unless the workspace belongs to
/// another non-root user (then that one, so a writable workspace works).
const NOBODY: u32 = 65534;
const TMPFS: &str = "rw,nosuid,nodev,size=64m,mode=1777";
const FILE_SIZE: i64 = 64 << 20;

/// Where the engine is expected, for messages.
pub const DEFAULT_ENDPOINT: &str = "unix:///var/run/docker.sock";

pub struct DockerSandbox {
    engine: Engine,
    docker: Docker,
}

/// Connects to the local engine and checks that it answers.
pub async fn connect() -> Result<Docker, SandboxError> {
    let unavailable = |detail: String| {
        let endpoint =
            std::env::var("DOCKER_HOST").unwrap_or_else(|_| DEFAULT_ENDPOINT.to_string());
        SandboxError::Unavailable(format!(
            "no Docker engine answered at {endpoint} ({detail}); start Docker, or set sandbox.backend = \"process\""
        ))
    };
    let docker = Docker::connect_with_local_defaults().map_err(|e| unavailable(e.to_string()))?;
    match tokio::time::timeout(std::time::Duration::from_secs(3), docker.ping()).await {
        Ok(Ok(_)) => Ok(docker),
        Ok(Err(err)) => Err(unavailable(err.to_string())),
        Err(_) => Err(unavailable("timed out".to_string())),
    }
}

impl DockerSandbox {
    /// Connects, checks the image, removes orphaned containers and starts
    /// filling the warm pool.
    pub async fn start(settings: SandboxSettings) -> Result<Self, SandboxError> {
        let docker = connect().await?;
        let image = image_status(&docker, &settings.image).await;
        if !image.present {
            return Err(SandboxError::Image(format!(
                "the sandbox image {} is missing; build it with `vtcode sandbox build-image`",
                settings.image
            )));
        }
        // A dead owner means an orphan, whichever project it served.
        remove_containers(&docker, None, true).await?;
        let spawner = DockerSpawner {
            docker: docker.clone(),
            image: settings.image.clone(),
            project: settings.project.clone(),
        };
        Ok(Self {
            engine: Engine::start(settings, Arc::new(spawner), Box::new(docker_paths)),
            docker,
        })
    }

    pub async fn image(&self) -> ImageStatus {
        image_status(&self.docker, &self.engine.settings.image).await
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

/// Removes vtcode sandbox containers: with `only_orphans`, those whose
/// vtcode process is gone; otherwise all of them (of `project`, if given).
/// Returns how many were removed.
pub async fn remove_containers(
    docker: &Docker,
    project: Option<&str>,
    only_orphans: bool,
) -> Result<usize, SandboxError> {
    let mut labels = vec![format!("{LABEL}=1")];
    if let Some(project) = project {
        labels.push(format!("{PROJECT_LABEL}={project}"));
    }
    let options = ListContainersOptionsBuilder::new()
        .all(true)
        .filters(&HashMap::from([("label".to_string(), labels)]))
        .build();
    let containers = docker
        .list_containers(Some(options))
        .await
        .map_err(|e| SandboxError::Runner(format!("could not list sandbox containers: {e}")))?;
    let mut removed = 0;
    for container in containers {
        if only_orphans && !is_orphan(container.labels.as_ref()) {
            continue;
        }
        if let Some(id) = container.id {
            remove(docker, &id).await;
            removed += 1;
        }
    }
    Ok(removed)
}

/// A container is an orphan when the vtcode that made it, on this machine,
/// is gone. One made elsewhere (another host or pid namespace sharing the
/// engine) is never judged from here.
fn is_orphan(labels: Option<&HashMap<String, String>>) -> bool {
    let Some(labels) = labels else {
        return false;
    };
    let same_host = labels.get(HOST_LABEL).is_some_and(|h| *h == host_name());
    let pid = labels
        .get(PID_LABEL)
        .and_then(|pid| pid.parse::<i32>().ok());
    same_host
        && pid.is_some_and(|pid| {
            nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_err()
        })
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default()
}

async fn remove(docker: &Docker, id: &str) {
    let options = RemoveContainerOptionsBuilder::new()
        .force(true)
        .v(true)
        .build();
    if let Err(err) = docker.remove_container(id, Some(options)).await {
        tracing::debug!("removing sandbox container {id}: {err}");
    }
}

struct DockerSpawner {
    docker: Docker,
    image: String,
    project: Option<String>,
}

struct DockerTeardown {
    docker: Docker,
    id: String,
}

impl Teardown for DockerTeardown {
    fn destroy(self: Box<Self>) -> BoxFuture<'static, ()> {
        async move { remove(&self.docker, &self.id).await }.boxed()
    }
}

/// The container user: the workspace owner when that is a non-root user.
fn container_user(profile: &Profile) -> (u32, u32) {
    profile
        .mounts
        .workspace
        .as_deref()
        .and_then(|ws| std::fs::metadata(ws).ok())
        .filter(|m| m.uid() != 0)
        .map_or((NOBODY, NOBODY), |m| (m.uid(), m.gid()))
}

fn bind(host: &Path, target: &str, writable: bool) -> Result<String, SandboxError> {
    let host = std::fs::canonicalize(host).map_err(|e| {
        SandboxError::Runner(format!("cannot mount {} at {target}: {e}", host.display()))
    })?;
    Ok(format!(
        "{}:{target}:{}",
        host.display(),
        if writable { "rw" } else { "ro" }
    ))
}

impl DockerSpawner {
    fn config(&self, profile: &Profile) -> Result<ContainerCreateBody, SandboxError> {
        let (uid, gid) = container_user(profile);
        let mut binds = Vec::new();
        let mounts = &profile.mounts;
        if let Some(ws) = &mounts.workspace {
            binds.push(bind(ws, "/workspace", mounts.workspace_writable)?);
        }
        if let Some(state) = &mounts.state {
            if nix::unistd::geteuid().is_root() {
                let owner = Some(nix::unistd::Uid::from_raw(uid));
                let group = Some(nix::unistd::Gid::from_raw(gid));
                let _ = nix::unistd::chown(state, owner, group);
            }
            binds.push(bind(state, "/state", true)?);
        }
        if let Some(sdk) = &mounts.sdk {
            binds.push(bind(sdk, "/sdk", false)?);
        }
        if let Some(skills) = &mounts.skills {
            binds.push(bind(skills, "/skills", false)?);
        }
        let memory = i64::try_from(profile.memory_mb << 20).unwrap_or(i64::MAX);
        let mut labels = HashMap::from([
            (LABEL.to_string(), "1".to_string()),
            (PID_LABEL.to_string(), std::process::id().to_string()),
            (HOST_LABEL.to_string(), host_name()),
        ]);
        if let Some(project) = &self.project {
            labels.insert(PROJECT_LABEL.to_string(), project.clone());
        }
        #[allow(clippy::cast_possible_truncation)]
        let nano_cpus = (profile.cpus * 1e9) as i64;
        Ok(ContainerCreateBody {
            image: Some(self.image.clone()),
            user: Some(format!("{uid}:{gid}")),
            working_dir: Some(
                if mounts.workspace.is_some() {
                    "/workspace"
                } else {
                    "/tmp"
                }
                .into(),
            ),
            env: Some(vec![
                "HOME=/tmp".into(),
                "TMPDIR=/tmp".into(),
                "VTCODE_SANDBOX=docker".into(),
            ]),
            cmd: Some(vec![
                "python3".into(),
                "-I".into(),
                "-B".into(),
                "-u".into(),
                "/opt/vtcode/runner.py".into(),
            ]),
            labels: Some(labels),
            open_stdin: Some(true),
            attach_stdin: Some(true),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            stdin_once: Some(false),
            tty: Some(false),
            network_disabled: Some(true),
            host_config: Some(HostConfig {
                network_mode: Some("none".into()),
                readonly_rootfs: Some(true),
                tmpfs: Some(HashMap::from([("/tmp".to_string(), TMPFS.to_string())])),
                cap_drop: Some(vec!["ALL".into()]),
                security_opt: Some(vec!["no-new-privileges".into()]),
                memory: Some(memory),
                memory_swap: Some(memory),
                nano_cpus: Some(nano_cpus),
                pids_limit: Some(i64::try_from(profile.pids + SPARE_TASKS).unwrap_or(i64::MAX)),
                init: Some(true),
                binds: Some(binds),
                ulimits: Some(vec![ResourcesUlimits {
                    name: Some("fsize".into()),
                    soft: Some(FILE_SIZE),
                    hard: Some(FILE_SIZE),
                }]),
                ..Default::default()
            }),
            ..Default::default()
        })
    }
}

impl Spawner for DockerSpawner {
    fn spawn(&self, profile: Profile) -> BoxFuture<'static, Result<Runner, SandboxError>> {
        let docker = self.docker.clone();
        let config = self.config(&profile);
        async move {
            let config = config?;
            let failed = |what: &str, e: bollard::errors::Error| {
                SandboxError::Runner(format!("could not {what} a sandbox container: {e}"))
            };
            let name = format!("vtcode-sandbox-{}-{}", std::process::id(), unique());
            let options = CreateContainerOptionsBuilder::new().name(&name).build();
            let created = docker
                .create_container(Some(options), config)
                .await
                .map_err(|e| failed("create", e))?;
            let id = created.id;
            let teardown = Box::new(DockerTeardown { docker: docker.clone(), id: id.clone() });
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
            Runner::connect(profile, attached.input, output, teardown).await
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
