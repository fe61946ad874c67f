//! The container a runner lives in: locked down the same way on every
//! engine (no network, read-only root, tmpfs /tmp, no capabilities,
//! no-new-privileges, an unprivileged user, memory/CPU/pids/file-size
//! limits). Only how host files arrive differs: a local engine bind-mounts
//! them; a remote one gets anonymous volumes that are filled with archives
//! (see `ship`) and a named volume for `/state`.

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use bollard::models::{ContainerCreateBody, HostConfig, Mount, MountType, ResourcesUlimits};

use crate::SandboxError;
use crate::settings::{Profile, SPARE_TASKS};

/// The unprivileged user programs run as, unless a locally mounted
/// workspace belongs to another non-root user (then that one, so a writable
/// workspace works).
const NOBODY: u32 = 65534;
const TMPFS: &str = "rw,nosuid,nodev,size=64m,mode=1777";
const FILE_SIZE: i64 = 64 << 20;

/// Where the runner files are, in the image and in a remote container.
pub(crate) const RUNNER_DIR: &str = "/opt/vtcode";

/// How host files reach the container.
pub(crate) enum Delivery<'a> {
    /// Bind mounts of the host paths.
    Mounted,
    /// Shipped archives; `/state` is this named volume.
    Shipped { state_volume: &'a str },
}

pub(crate) fn container(
    image: &str,
    labels: HashMap<String, String>,
    profile: &Profile,
    delivery: &Delivery<'_>,
) -> Result<ContainerCreateBody, SandboxError> {
    let mounts = &profile.mounts;
    let (uid, gid) = match delivery {
        Delivery::Mounted => local_user(profile),
        Delivery::Shipped { .. } => (NOBODY, NOBODY),
    };
    let mut binds = Vec::new();
    let mut volumes = Vec::new();
    let mut named = Vec::new();
    match delivery {
        Delivery::Mounted => {
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
        }
        Delivery::Shipped { state_volume } => {
            volumes.push(RUNNER_DIR.to_string());
            for (present, target) in [
                (mounts.workspace.is_some(), "/workspace"),
                (mounts.sdk.is_some(), "/sdk"),
                (mounts.skills.is_some(), "/skills"),
            ] {
                if present {
                    volumes.push(target.to_string());
                }
            }
            if mounts.state.is_some() {
                // The image's /state belongs to the program's user, and a
                // fresh volume takes that owner.
                named.push(Mount {
                    target: Some("/state".into()),
                    source: Some((*state_volume).to_string()),
                    typ: Some(MountType::VOLUME),
                    read_only: Some(false),
                    ..Default::default()
                });
            }
        }
    }
    let memory = i64::try_from(profile.memory_mb << 20).unwrap_or(i64::MAX);
    #[allow(clippy::cast_possible_truncation)]
    let nano_cpus = (profile.cpus * 1e9) as i64;
    Ok(ContainerCreateBody {
        image: Some(image.to_string()),
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
            format!("{RUNNER_DIR}/runner.py"),
        ]),
        labels: Some(labels),
        volumes: (!volumes.is_empty()).then_some(volumes),
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
            mounts: (!named.is_empty()).then_some(named),
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

/// The container user for bind mounts: the workspace owner when that is a
/// non-root user.
fn local_user(profile: &Profile) -> (u32, u32) {
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
