//! Keeping a remote container's copies of host files current.
//!
//! A container on an engine that cannot see this machine gets the runner,
//! the SDK, the skills view and the workspace as archives (see `ship`) into
//! its own anonymous volumes: once before it starts, then before each
//! execution whatever changed since (a catalog change, a saved skill, an
//! edited file) is shipped again, so the pool is never restarted for it.
//! The SDK and skills land in a new directory named by their fingerprint
//! and the runner is pointed there; the workspace keeps its path, so it is
//! emptied (by root, with an exec) before the new copy goes in. Archives are
//! built once per fingerprint and shared by every container.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use bollard::Docker;
use bollard::exec::{CreateExecOptions, StartExecResults};
use bollard::query_parameters::UploadToContainerOptionsBuilder;
use futures::StreamExt;

use super::ship::{self, Shipment};
use super::spec::RUNNER_DIR;
use crate::exec::Paths;
use crate::{Mounts, SandboxError};

/// The fingerprints one container holds.
#[derive(Debug, Clone, Default)]
struct Held {
    sdk: Option<String>,
    skills: Option<String>,
    workspace: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Part {
    Sdk,
    Skills,
    Workspace,
}

pub(crate) struct Shipper {
    docker: Docker,
    workspace_cap: u64,
    runner: Shipment,
    /// The newest archive of each part.
    built: Mutex<HashMap<Part, Shipment>>,
    held: Mutex<HashMap<String, Held>>,
}

impl Shipper {
    pub(crate) fn new(docker: Docker, workspace_cap: u64) -> Result<Self, SandboxError> {
        Ok(Self {
            docker,
            workspace_cap,
            runner: ship::runner()?,
            built: Mutex::new(HashMap::new()),
            held: Mutex::new(HashMap::new()),
        })
    }

    /// Checks, before a container is made for them, that `mounts` can be
    /// shipped at all (the workspace is under its cap), building the
    /// archives the container will get.
    pub(crate) async fn precheck(&self, mounts: &Mounts) -> Result<(), SandboxError> {
        let Some(root) = &mounts.workspace else {
            return Ok(());
        };
        let (owned, cap) = (root.clone(), self.workspace_cap);
        let scan = blocking(move || ship::scan_workspace(&owned, cap)).await?;
        let fp = scan.fingerprint.clone();
        self.archive(Part::Workspace, &fp, move || ship::workspace(&scan))
            .await
            .map(drop)
    }

    /// Fills a created container before it starts: the runner, then
    /// everything [`Self::sync`] ships.
    pub(crate) async fn fill(&self, id: &str, mounts: &Mounts) -> Result<(), SandboxError> {
        self.upload(id, RUNNER_DIR, &self.runner).await?;
        self.sync(id, mounts, Paths::default()).await.map(drop)
    }

    /// Ships what changed since the container last got it and says where
    /// the current SDK and skills are.
    pub(crate) async fn sync(
        &self,
        id: &str,
        mounts: &Mounts,
        mut paths: Paths,
    ) -> Result<Paths, SandboxError> {
        let held = self.held(id);
        if let Some(sdk) = &mounts.sdk {
            let fp = self
                .ship_view(id, Part::Sdk, sdk, held.sdk.as_deref())
                .await?;
            paths.sdk = Some(format!("/sdk/{fp}"));
        }
        if let Some(skills) = &mounts.skills {
            let fp = self
                .ship_view(id, Part::Skills, skills, held.skills.as_deref())
                .await?;
            paths.skills = Some(format!("/skills/{fp}"));
        }
        if let Some(workspace) = &mounts.workspace {
            self.ship_workspace(id, workspace, held.workspace.as_deref())
                .await?;
        }
        Ok(paths)
    }

    /// Drops what is known about a removed container.
    pub(crate) fn forget(&self, id: &str) {
        self.held
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(id);
    }

    fn held(&self, id: &str) -> Held {
        self.held
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .cloned()
            .unwrap_or_default()
    }

    fn set_held(&self, id: &str, part: Part, fingerprint: Option<String>) {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = held.entry(id.to_string()).or_default();
        match part {
            Part::Sdk => entry.sdk = fingerprint,
            Part::Skills => entry.skills = fingerprint,
            Part::Workspace => entry.workspace = fingerprint,
        }
    }

    /// The archive of `part` with `fingerprint`, built by `build` unless the
    /// newest one already has it.
    async fn archive(
        &self,
        part: Part,
        fingerprint: &str,
        build: impl FnOnce() -> Result<Shipment, SandboxError> + Send + 'static,
    ) -> Result<Shipment, SandboxError> {
        let cached = self
            .built
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&part)
            .filter(|s| s.fingerprint == fingerprint)
            .cloned();
        if let Some(shipment) = cached {
            return Ok(shipment);
        }
        let shipment = blocking(build).await?;
        self.built
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(part, shipment.clone());
        Ok(shipment)
    }

    async fn ship_view(
        &self,
        id: &str,
        part: Part,
        root: &Path,
        held: Option<&str>,
    ) -> Result<String, SandboxError> {
        let owned: PathBuf = root.to_path_buf();
        let fp = blocking(move || ship::view_fingerprint(&owned)).await?;
        if held != Some(fp.as_str()) {
            let (owned, fp2) = (root.to_path_buf(), fp.clone());
            let shipment = self
                .archive(part, &fp, move || ship::view(&owned, &fp2))
                .await?;
            let target = if part == Part::Sdk { "/sdk" } else { "/skills" };
            self.upload(id, target, &shipment).await?;
            self.set_held(id, part, Some(fp.clone()));
        }
        Ok(fp)
    }

    async fn ship_workspace(
        &self,
        id: &str,
        root: &Path,
        held: Option<&str>,
    ) -> Result<(), SandboxError> {
        let (owned, cap) = (root.to_path_buf(), self.workspace_cap);
        let scan = blocking(move || ship::scan_workspace(&owned, cap)).await?;
        if held == Some(scan.fingerprint.as_str()) {
            return Ok(());
        }
        if held.is_some() {
            self.set_held(id, Part::Workspace, None);
            self.clear(id, "/workspace").await?;
        }
        let fp = scan.fingerprint.clone();
        let shipment = self
            .archive(Part::Workspace, &fp, move || ship::workspace(&scan))
            .await?;
        self.upload(id, "/workspace", &shipment).await?;
        self.set_held(id, Part::Workspace, Some(fp));
        Ok(())
    }

    async fn upload(
        &self,
        id: &str,
        target: &str,
        shipment: &Shipment,
    ) -> Result<(), SandboxError> {
        let options = UploadToContainerOptionsBuilder::new().path(target).build();
        self.docker
            .upload_to_container(
                id,
                Some(options),
                bollard::body_full(shipment.archive.clone()),
            )
            .await
            .map_err(|e| {
                SandboxError::Runner(format!(
                    "could not copy files to {target} in a sandbox container: {e}"
                ))
            })
    }

    /// Empties `dir` in the container, as root (who owns the shipped files).
    async fn clear(&self, id: &str, dir: &str) -> Result<(), SandboxError> {
        let failed = |e: String| {
            SandboxError::Runner(format!("could not empty {dir} in a sandbox container: {e}"))
        };
        let exec = self
            .docker
            .create_exec(
                id,
                CreateExecOptions {
                    cmd: Some(vec!["find", dir, "-mindepth", "1", "-delete"]),
                    user: Some("0:0"),
                    attach_stdout: Some(true),
                    attach_stderr: Some(true),
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| failed(e.to_string()))?;
        let mut errors = String::new();
        if let StartExecResults::Attached { mut output, .. } = self
            .docker
            .start_exec(&exec.id, None)
            .await
            .map_err(|e| failed(e.to_string()))?
        {
            while let Some(chunk) = output.next().await {
                if let Ok(chunk) = chunk {
                    errors.push_str(&chunk.to_string());
                }
            }
        }
        let inspected = self
            .docker
            .inspect_exec(&exec.id)
            .await
            .map_err(|e| failed(e.to_string()))?;
        match inspected.exit_code {
            Some(0) => Ok(()),
            code => Err(failed(format!("exit {code:?}: {}", errors.trim()))),
        }
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, SandboxError> + Send + 'static,
) -> Result<T, SandboxError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| SandboxError::Runner(format!("preparing files for the sandbox failed: {e}")))?
}
