//! The importable view of the skills that programs see at `/skills`.
//!
//! Skills live in several roots (the project's, the user's), but the
//! sandbox gets one read-only directory: `.vtcode/skills/`, holding a
//! build per content key and two relative links, `python` and
//! `javascript`, swapped atomically like the SDK's. A build has
//! `python/skills/<module>/` (a copy of the skill's `scripts/` and an
//! `__init__.py` that re-exports its module) and
//! `javascript/skills/<name>/index.mjs`. A skill whose tools changed
//! incompatibly says so on stderr when imported, so the model reading the
//! program's output is told why.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::scan;

/// One skill with code, as the build needs it.
pub struct Importable<'a> {
    pub name: &'a str,
    pub dir: &'a Path,
    pub language: &'a str,
    pub content_hash: &'a str,
}

const LANGUAGES: [&str; 2] = ["python", "javascript"];

/// Builds (or reuses) the view of `skills` under `root` and points the
/// links at it. `notes` are per-skill warnings printed on import.
pub fn publish(
    root: &Path,
    skills: &[Importable<'_>],
    notes: &BTreeMap<String, String>,
) -> std::io::Result<PathBuf> {
    let mut hasher = Sha256::new();
    for skill in skills {
        hasher.update(skill.name.as_bytes());
        hasher.update(b"\0");
        hasher.update(skill.content_hash.as_bytes());
        hasher.update(notes.get(skill.name).map_or("", String::as_str).as_bytes());
        hasher.update(b"\n");
    }
    let key = hex::encode(hasher.finalize())[..16].to_string();
    std::fs::create_dir_all(root)?;
    // Two publishers (processes or threads) must not interleave: one could
    // prune the build the other is about to link.
    let lock = std::fs::File::create(root.join(".publish.lock"))?;
    let _lock = nix::fcntl::Flock::lock(lock, nix::fcntl::FlockArg::LockExclusive)
        .map_err(|(_, errno)| std::io::Error::from(errno))?;
    let build = root.join(&key);
    if !build.is_dir() {
        let temp = root.join(format!(".build-{key}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&temp);
        write_build(&temp, skills, notes)?;
        std::fs::rename(&temp, &build)?;
    }
    for language in LANGUAGES {
        let link = root.join(language);
        let target = Path::new(&key).join(language);
        if std::fs::read_link(&link).is_ok_and(|t| t == target) {
            continue;
        }
        let temp = root.join(format!(".{language}.link-{}", std::process::id()));
        let _ = std::fs::remove_file(&temp);
        std::os::unix::fs::symlink(&target, &temp)?;
        std::fs::rename(&temp, &link)?;
    }
    remove_old_builds(root, &key);
    Ok(build)
}

fn remove_old_builds(root: &Path, keep: &str) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_build = name.len() == 16 && name.chars().all(|c| c.is_ascii_hexdigit());
        if is_build && name != keep {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn write_build(
    build: &Path,
    skills: &[Importable<'_>],
    notes: &BTreeMap<String, String>,
) -> std::io::Result<()> {
    let python = build.join("python/skills");
    let javascript = build.join("javascript/skills");
    std::fs::create_dir_all(&python)?;
    std::fs::create_dir_all(&javascript)?;
    std::fs::write(
        python.join("__init__.py"),
        "\"\"\"Saved skills: `from skills.<name> import <function>`.\"\"\"\n",
    )?;
    for skill in skills {
        let Some(entry) = scan::entry_script(skill.dir, skill.name, skill.language) else {
            continue;
        };
        let stem = entry
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let file_name = entry
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let note = notes.get(skill.name);
        let (dir, index) = if skill.language == "javascript" {
            let dir = javascript.join(skill.name);
            let mut index = String::new();
            if let Some(note) = note {
                let message =
                    serde_json::Value::String(format!("vtcode: skill {}: {note}\n", skill.name));
                let _ = writeln!(index, "process.stderr.write({message});");
            }
            let _ = writeln!(index, "export * from './{file_name}';");
            (dir, ("index.mjs", index))
        } else {
            let dir = python.join(scan::python_module(skill.name));
            let mut init = String::new();
            if let Some(note) = note {
                let message =
                    serde_json::Value::String(format!("vtcode: skill {}: {note}\n", skill.name));
                let _ = writeln!(init, "import sys as _sys\n_sys.stderr.write({message})");
            }
            let _ = writeln!(init, "from .{stem} import *  # noqa: F401,F403");
            (dir, ("__init__.py", init))
        };
        copy_scripts(&skill.dir.join(scan::SCRIPTS_DIR), &dir)?;
        std::fs::write(dir.join(index.0), index.1)?;
    }
    Ok(())
}

fn copy_scripts(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)?.flatten() {
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            if entry.file_name() != "__pycache__" {
                copy_scripts(&path, &target)?;
            }
        } else {
            std::fs::copy(&path, &target)?;
        }
    }
    Ok(())
}
