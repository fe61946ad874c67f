//! Writing a skill: checked first, then written whole or not at all.
//!
//! The new folder is built beside the old one (`.tmp-<name>-…`) and
//! swapped in with one atomic rename (`RENAME_EXCHANGE` when a version is
//! already there), so a reader sees the old skill or the new one, never a
//! mix. Earlier versions move along in `.versions/<N>/`. Saves into one
//! root are serialised by an exclusive lock on `<root>/.vtcode-save.lock`,
//! so two vtcode processes saving at once each bump the version once.

use std::fs::File;
use std::path::{Path, PathBuf};

use nix::fcntl::{AT_FDCWD, Flock, FlockArg, RenameFlags, renameat2};

use super::code::Function;
use super::format::{self, SkillDoc, ToolDependency};
use super::scan::{self, SCRIPTS_DIR, SKILL_FILE, VERSIONS_DIR};

const LOCK_FILE: &str = ".vtcode-save.lock";

/// What a skill is saved from, already checked by the caller.
pub struct NewSkill<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub code: &'a str,
    pub language: &'a str,
    pub tags: Vec<String>,
    pub functions: &'a [Function],
    pub tools: Vec<ToolDependency>,
}

#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("{0}; nothing was saved")]
    Invalid(String),
    #[error(
        "a skill named `{name}` already exists in {} and vtcode never overwrites skills outside {}; choose another name",
        existing.display(), save_root.display()
    )]
    Elsewhere {
        name: String,
        existing: PathBuf,
        save_root: PathBuf,
    },
    #[error("cannot write the skill at {}: {source}; nothing was changed", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SaveError + '_ {
    move |source| SaveError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The usage section vtcode writes into the body: each public function
/// with its signature and docstring, and the import line.
pub fn usage_body(name: &str, language: &str, description: &str, functions: &[Function]) -> String {
    let mut out = format!("# {name}\n\n{description}\n\n## Usage\n\n");
    let names: Vec<&str> = functions.iter().map(|f| f.name.as_str()).collect();
    if language == "javascript" {
        out.push_str(&format!(
            "```javascript\nimport {{ {} }} from 'skills/{name}';\n```\n",
            names.join(", ")
        ));
    } else {
        out.push_str(&format!(
            "```python\nfrom skills.{} import {}\n```\n",
            scan::python_module(name),
            names.join(", ")
        ));
    }
    for function in functions {
        out.push_str(&format!("\n### `{}`\n\n", function.signature));
        if !function.doc.trim().is_empty() {
            out.push_str(function.doc.trim());
            out.push('\n');
        }
    }
    out
}

/// Saves `skill` into `save_root`. `others` are the folders of the same
/// name in the other roots (a name found there is never overwritten).
/// Returns the new version and the folder.
pub fn save(
    save_root: &Path,
    others: &[PathBuf],
    skill: &NewSkill<'_>,
) -> Result<(u32, PathBuf), SaveError> {
    if let Some(existing) = others.iter().find(|d| d.join(SKILL_FILE).is_file()) {
        return Err(SaveError::Elsewhere {
            name: skill.name.to_string(),
            existing: existing.clone(),
            save_root: save_root.to_path_buf(),
        });
    }
    std::fs::create_dir_all(save_root).map_err(io(save_root))?;
    let lock_path = save_root.join(LOCK_FILE);
    let lock_file = File::create(&lock_path).map_err(io(&lock_path))?;
    let _lock =
        Flock::lock(lock_file, FlockArg::LockExclusive).map_err(|(_, errno)| SaveError::Io {
            path: lock_path.clone(),
            source: errno.into(),
        })?;

    let current = save_root.join(skill.name);
    let previous = current_version(&current);
    let version = previous.map_or(1, |v| v + 1);
    let temp = save_root.join(format!(
        ".tmp-{}-{}-{}",
        skill.name,
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    ));
    let result = write_new(&temp, &current, previous, version, skill)
        .and_then(|()| swap_in(&temp, &current, previous.is_some()));
    let _ = std::fs::remove_dir_all(&temp);
    result.map(|()| (version, current))
}

/// The version of the skill in `dir`: the largest of SKILL.md's and the
/// kept versions', so a hand-edited file never makes a version repeat.
fn current_version(dir: &Path) -> Option<u32> {
    let text = std::fs::read_to_string(dir.join(SKILL_FILE)).ok()?;
    let folder = dir.file_name()?.to_string_lossy().into_owned();
    let written = format::parse(&text, &folder).map_or(1, |doc| doc.version);
    let kept = std::fs::read_dir(dir.join(VERSIONS_DIR))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    Some(written.max(kept))
}

fn write_new(
    temp: &Path,
    current: &Path,
    previous: Option<u32>,
    version: u32,
    skill: &NewSkill<'_>,
) -> Result<(), SaveError> {
    let scripts = temp.join(SCRIPTS_DIR);
    std::fs::create_dir_all(&scripts).map_err(io(&scripts))?;
    let inputs: Vec<String> = skill
        .functions
        .iter()
        .map(|f| f.signature.clone())
        .collect();
    let doc = SkillDoc {
        name: skill.name.to_string(),
        description: skill.description.to_string(),
        version,
        language: Some(skill.language.to_string()),
        tags: skill.tags.clone(),
        inputs: Some(inputs.join("; ")),
        tools: skill.tools.clone(),
        body: usage_body(
            skill.name,
            skill.language,
            skill.description,
            skill.functions,
        ),
        ..SkillDoc::default()
    };
    let skill_file = temp.join(SKILL_FILE);
    std::fs::write(&skill_file, format::render(&doc)).map_err(io(&skill_file))?;
    let script = scripts.join(format!(
        "{}.{}",
        scan::python_module(skill.name),
        scan::module_extension(skill.language)
    ));
    std::fs::write(&script, skill.code).map_err(io(&script))?;
    if let Some(previous) = previous {
        // The version being replaced joins the kept ones, which move along.
        let kept = current.join(VERSIONS_DIR);
        let slot = kept.join(previous.to_string());
        if !slot.exists() {
            copy_version(current, &slot)?;
        }
        let moved = temp.join(VERSIONS_DIR);
        std::fs::rename(&kept, &moved).map_err(io(&kept))?;
    }
    Ok(())
}

/// Copies a skill's SKILL.md and scripts (not its kept versions) to `to`.
fn copy_version(from: &Path, to: &Path) -> Result<(), SaveError> {
    std::fs::create_dir_all(to).map_err(io(to))?;
    let skill_file = from.join(SKILL_FILE);
    std::fs::copy(&skill_file, to.join(SKILL_FILE)).map_err(io(&skill_file))?;
    for file in scan::script_files(from) {
        let Ok(relative) = file.strip_prefix(from) else {
            continue;
        };
        let target = to.join(relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::copy(&file, &target).map_err(io(&file))?;
    }
    Ok(())
}

fn swap_in(temp: &Path, current: &Path, exists: bool) -> Result<(), SaveError> {
    if exists {
        renameat2(
            AT_FDCWD,
            temp,
            AT_FDCWD,
            current,
            RenameFlags::RENAME_EXCHANGE,
        )
        .map_err(|errno| SaveError::Io {
            path: current.to_path_buf(),
            source: errno.into(),
        })
    } else {
        std::fs::rename(temp, current).map_err(io(current))
    }
}

/// Copies a skill folder from anywhere into `save_root` (for `vtcode skills
/// import`): to a temporary folder first, then renamed in.
pub fn import(source: &Path, save_root: &Path, name: &str) -> Result<PathBuf, SaveError> {
    std::fs::create_dir_all(save_root).map_err(io(save_root))?;
    let target = save_root.join(name);
    if target.exists() {
        return Err(SaveError::Invalid(format!(
            "a skill named `{name}` is already in {}; remove it first (`vtcode skills rm {name}`)",
            save_root.display()
        )));
    }
    let temp = save_root.join(format!(".tmp-import-{name}-{}", std::process::id()));
    let result = copy_tree(source, &temp)
        .and_then(|()| std::fs::rename(&temp, &target).map_err(io(&target)));
    let _ = std::fs::remove_dir_all(&temp);
    result.map(|()| target)
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), SaveError> {
    std::fs::create_dir_all(to).map_err(io(to))?;
    for entry in std::fs::read_dir(from).map_err(io(from))?.flatten() {
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_tree(&path, &target)?;
        } else {
            std::fs::copy(&path, &target).map_err(io(&path))?;
        }
    }
    Ok(())
}
