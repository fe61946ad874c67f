//! The sandbox image: building it (through the build script, which needs no
//! registry) and telling whether it is present and which content hash it
//! carries.
//!
//! `build_image` prefers the script and assets of a source checkout (found
//! from the current directory upwards) so edits take effect; an installed
//! vtcode writes its embedded copy to a temp dir and runs that.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use bollard::Docker;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::settings::SandboxSettings;
use crate::{SandboxError, assets};

pub const DEFAULT_IMAGE: &str = "vtcode-sandbox:latest";
/// Image label holding the content hash the image was built from.
pub const HASH_LABEL: &str = "vtcode.sandbox.hash";

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImageStatus {
    pub image: String,
    pub present: bool,
    pub hash: Option<String>,
}

pub async fn image_status(docker: &Docker, image: &str) -> ImageStatus {
    let inspected = docker.inspect_image(image).await.ok();
    let hash = inspected
        .as_ref()
        .and_then(|i| i.config.as_ref())
        .and_then(|c| c.labels.as_ref())
        .and_then(|l| l.get(HASH_LABEL).cloned());
    ImageStatus {
        image: image.to_string(),
        present: inspected.is_some(),
        hash,
    }
}

/// Finds `scripts/build-sandbox-image.sh` of a source checkout at or above
/// `start`.
fn checkout_script(start: &Path) -> Option<PathBuf> {
    start.ancestors().find_map(|dir| {
        let script = dir.join("scripts/build-sandbox-image.sh");
        (script.is_file() && dir.join("assets/sandbox/runner.py").is_file()).then_some(script)
    })
}

/// Builds the settings' image on the settings' engine unless an image with
/// the same content hash is there, passing each progress line of the build
/// to `progress`. The script drives the `docker` CLI, pointed at the same
/// engine through `DOCKER_HOST` (and the TLS variables).
pub async fn build_image(
    settings: &SandboxSettings,
    progress: &(dyn Fn(&str) + Send + Sync),
) -> Result<(), SandboxError> {
    let image = settings.image.as_str();
    let endpoint = settings.endpoint()?;
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (script, _embedded) = match checkout_script(&cwd).or_else(|| checkout_script(here)) {
        Some(script) => (script, None),
        None => {
            let dir = tempfile::tempdir().map_err(|e| build_error(&e.to_string()))?;
            let assets_dir = dir.path().join("assets/sandbox");
            let scripts_dir = dir.path().join("scripts");
            for d in [&assets_dir, &scripts_dir] {
                std::fs::create_dir_all(d).map_err(|e| build_error(&e.to_string()))?;
            }
            assets::write_files(&assets_dir, true)?;
            let script = scripts_dir.join("build-sandbox-image.sh");
            std::fs::write(&script, assets::BUILD_SCRIPT)
                .map_err(|e| build_error(&e.to_string()))?;
            (script, Some(dir))
        }
    };
    let mut command = Command::new("bash");
    command.env_remove("DOCKER_CONTEXT");
    if endpoint.tls.is_none() {
        command
            .env_remove("DOCKER_TLS_VERIFY")
            .env_remove("DOCKER_CERT_PATH");
    }
    command.envs(endpoint.cli_env());
    progress(&format!("building on {}", endpoint.describe()));
    let mut child = command
        .arg(&script)
        .arg(image)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| build_error(&format!("could not run {}: {e}", script.display())))?;
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return Err(build_error("the build script has no output pipes"));
    };
    let mut out = BufReader::new(stdout).lines();
    let mut err = BufReader::new(stderr).lines();
    let mut tail: Vec<String> = Vec::new();
    let (mut out_open, mut err_open) = (true, true);
    while out_open || err_open {
        tokio::select! {
            line = out.next_line(), if out_open => match line {
                Ok(Some(line)) => progress(&line),
                _ => out_open = false,
            },
            line = err.next_line(), if err_open => match line {
                Ok(Some(line)) => {
                    progress(&line);
                    tail.push(line);
                    if tail.len() > 20 {
                        tail.remove(0);
                    }
                }
                _ => err_open = false,
            },
        }
    }
    let status = child
        .wait()
        .await
        .map_err(|e| build_error(&e.to_string()))?;
    if status.success() {
        Ok(())
    } else {
        Err(build_error(&format!(
            "{} exited with {status}:\n{}",
            script.display(),
            tail.join("\n")
        )))
    }
}

fn build_error(detail: &str) -> SandboxError {
    SandboxError::Image(format!("building the sandbox image failed: {detail}"))
}
