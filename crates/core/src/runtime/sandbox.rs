//! From `[sandbox]` to the sandbox crate's settings.

use std::time::Duration;

use vtcode_sandbox::{Backend, Mounts, SandboxSettings};

use super::installation::{installation_file, installation_id};
use crate::config::{LoadedConfig, SandboxBackend, WorkspaceAccess};

/// The project's sandbox: its config, with `/workspace` the project root,
/// `/state` the project's persistent state, `/sdk` the SDK cache root and
/// `/skills` the importable view of the skills.
pub fn sandbox_settings(loaded: &LoadedConfig) -> SandboxSettings {
    let config = &loaded.config.sandbox;
    let paths = &loaded.paths;
    let longest_tool_timeout = loaded
        .config
        .mcp
        .servers
        .values()
        .map(|server| u64::from(server.tool_timeout_s))
        .max()
        .unwrap_or(60);
    SandboxSettings {
        backend: match config.backend {
            SandboxBackend::Auto => Backend::Auto,
            SandboxBackend::Docker => Backend::Docker,
            SandboxBackend::Process => Backend::Process,
        },
        image: config.image.clone(),
        pool_size: config.pool_size as usize,
        timeout: Duration::from_secs(u64::from(config.timeout_s)),
        tool_timeout: Duration::from_secs(longest_tool_timeout),
        memory_mb: u64::from(config.memory_mb),
        cpus: config.cpus,
        pids: u64::from(config.pids),
        output_bytes: usize::try_from(config.output_bytes).unwrap_or(usize::MAX),
        mounts: Mounts {
            workspace: (config.workspace != WorkspaceAccess::None).then(|| paths.root.clone()),
            workspace_writable: config.workspace == WorkspaceAccess::ReadWrite,
            state: Some(paths.state.clone()),
            sdk: Some(paths.sdk.clone()),
            skills: Some(paths.skills.clone()),
        },
        project: Some(project_label(&paths.root)),
        docker_host: config.docker_host.clone(),
        remote: config.remote,
        workspace_max_bytes: u64::from(config.workspace_max_mb) << 20,
        installation: installation_file()
            .as_deref()
            .and_then(installation_id)
            .unwrap_or_else(|| SandboxSettings::default().installation),
    }
}

/// A short stable label for the project, so two projects' pools never
/// prune each other: the root's name plus a hash of its full path.
fn project_label(root: &std::path::Path) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(root.to_string_lossy().as_bytes());
    let name = root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "root".into());
    format!("{name}-{}", &hex::encode(digest)[..12])
}
