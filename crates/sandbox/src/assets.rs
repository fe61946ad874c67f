//! The in-sandbox files, compiled into the binary so an installed vtcode
//! needs no source tree: the runners and the `_vtcode` bridge modules, the
//! Dockerfile and the image build script.

use std::path::Path;

use crate::SandboxError;

pub(crate) const RUNNER_FILES: [(&str, &str); 6] = [
    (
        "runner.py",
        include_str!("../../../assets/sandbox/runner.py"),
    ),
    (
        "_vtcode.py",
        include_str!("../../../assets/sandbox/_vtcode.py"),
    ),
    (
        "runner.js",
        include_str!("../../../assets/sandbox/runner.js"),
    ),
    (
        "_vtcode.js",
        include_str!("../../../assets/sandbox/_vtcode.js"),
    ),
    (
        "_vtcode.mjs",
        include_str!("../../../assets/sandbox/_vtcode.mjs"),
    ),
    (
        "loader.mjs",
        include_str!("../../../assets/sandbox/loader.mjs"),
    ),
];
/// The `_vtcode` bridge module programs of `language` import. Outside the
/// sandbox it imports fine and every call fails saying where it can run,
/// which is what a standalone SDK ships.
pub fn bridge_module(language: crate::Language) -> &'static str {
    match language {
        crate::Language::Python => RUNNER_FILES[1].1,
        crate::Language::Javascript => RUNNER_FILES[3].1,
    }
}

pub(crate) const DOCKERFILE: &str = include_str!("../../../assets/sandbox/Dockerfile");
pub(crate) const BUILD_SCRIPT: &str = include_str!("../../../scripts/build-sandbox-image.sh");

/// Writes the runner files into a fresh temp dir (readable by everyone, so
/// an unprivileged runner can load them).
pub(crate) fn write_runner_files() -> Result<tempfile::TempDir, SandboxError> {
    let dir = tempfile::Builder::new()
        .prefix("vtcode-runner-")
        .tempdir()
        .map_err(|e| write_error(&e))?;
    write_files(dir.path(), false)?;
    Ok(dir)
}

/// Writes the Docker build context (runners + Dockerfile) into `dir`.
pub(crate) fn write_files(dir: &Path, with_dockerfile: bool) -> Result<(), SandboxError> {
    use std::os::unix::fs::PermissionsExt;
    let dockerfile = with_dockerfile.then_some(("Dockerfile", DOCKERFILE));
    for (name, text) in RUNNER_FILES.iter().copied().chain(dockerfile) {
        std::fs::write(dir.join(name), text).map_err(|e| write_error(&e))?;
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| write_error(&e))
}

fn write_error(err: &std::io::Error) -> SandboxError {
    SandboxError::Unavailable(format!("could not write the sandbox runner files: {err}"))
}
