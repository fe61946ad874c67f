//! What the `[sandbox]` section of the configuration decides, in the shape
//! this crate needs. Core maps its config onto [`SandboxSettings`]; the
//! defaults here are the ones a fresh project gets.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{Limits, Mounts};

/// Which backend runs programs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// Docker when an engine answers, else the process sandbox (and say so).
    #[default]
    Auto,
    Docker,
    Process,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SandboxSettings {
    pub backend: Backend,
    /// Docker image holding the runner (built by `build_image`).
    pub image: String,
    /// Warm runners kept ready for the default mounts and limits.
    pub pool_size: usize,
    /// Default execution timeout.
    pub timeout: Duration,
    /// Budget of one bridged tool call; it sits inside the execution timeout.
    pub tool_timeout: Duration,
    pub memory_mb: u64,
    pub cpus: f64,
    pub pids: u64,
    /// Cap on captured stdout and on stderr, each.
    pub output_bytes: usize,
    /// The project's mounts: warm runners are prepared for these.
    pub mounts: Mounts,
    /// Docker label value that scopes containers to one project, so two
    /// projects' vtcode processes never prune each other's pools.
    pub project: Option<String>,
    /// `[sandbox] docker_host`: the engine, before `DOCKER_HOST` and the
    /// docker context are asked.
    pub docker_host: Option<String>,
    /// `[sandbox] remote`: whether the engine cannot see this machine's
    /// files; `None` guesses from the endpoint (only a unix socket can).
    pub remote: Option<bool>,
    /// Largest workspace copied into a remote sandbox.
    pub workspace_max_bytes: u64,
    /// This vtcode installation's id: containers carry it, and only its
    /// own orphans are removed.
    pub installation: String,
}

impl Default for SandboxSettings {
    fn default() -> Self {
        Self {
            backend: Backend::Auto,
            image: crate::image::DEFAULT_IMAGE.to_string(),
            pool_size: 2,
            timeout: Duration::from_secs(30),
            tool_timeout: Duration::from_secs(20),
            memory_mb: 512,
            cpus: 1.0,
            pids: 128,
            output_bytes: 64 * 1024,
            mounts: Mounts::default(),
            project: None,
            docker_host: None,
            remote: None,
            workspace_max_bytes: 64 << 20,
            installation: fallback_installation(),
        }
    }
}

/// An installation id for when none is kept on disk: this machine's host
/// name and user, stable across runs.
fn fallback_installation() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    format!("host-{}-{}", host.trim(), nix::unistd::geteuid())
}

/// Tasks (threads) a waiting Node spare holds, granted on top of a
/// profile's `pids`: the runner keeps one spare booted during every
/// execution, and it must not eat into what the program may start.
pub(crate) const SPARE_TASKS: u64 = 16;

/// The limits that shape a runner (those fixed when it starts), after the
/// request's overrides are applied to the settings.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Profile {
    pub mounts: Mounts,
    pub memory_mb: u64,
    pub cpus: f64,
    pub pids: u64,
}

impl SandboxSettings {
    /// The Docker engine these settings and the environment name.
    pub fn endpoint(&self) -> Result<crate::Endpoint, crate::SandboxError> {
        crate::docker::endpoint::resolve_from_env(self.docker_host.as_deref(), self.remote)
    }

    pub(crate) fn default_profile(&self) -> Profile {
        Profile {
            mounts: self.mounts.clone(),
            memory_mb: self.memory_mb,
            cpus: self.cpus,
            pids: self.pids,
        }
    }

    pub(crate) fn profile_for(&self, limits: &Limits, mounts: &Mounts) -> Profile {
        Profile {
            mounts: mounts.clone(),
            memory_mb: limits.memory_mb.unwrap_or(self.memory_mb),
            cpus: limits.cpus.unwrap_or(self.cpus),
            pids: limits.pids.unwrap_or(self.pids),
        }
    }

    /// A request for `code` with this project's mounts and default limits:
    /// what `vtcode run` and the agent's `execute_code` start from.
    pub fn request(
        &self,
        language: crate::Language,
        code: impl Into<String>,
    ) -> crate::ExecRequest {
        crate::ExecRequest {
            language,
            code: code.into(),
            timeout: self.timeout,
            limits: Limits::default(),
            mounts: self.mounts.clone(),
        }
    }
}
