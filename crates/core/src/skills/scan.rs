//! Finding skills on disk: the roots in order, each skill folder in them,
//! and a content hash per folder so the index re-reads only what changed.
//!
//! A skill name is taken by the first root that has it; a later folder of
//! the same name is reported, never merged. Broken folders are reported
//! with their error and skipped; nothing here writes to a root.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::format::{self, FormatError, SkillDoc};
use crate::config::SkillsConfig;

pub const SKILL_FILE: &str = "SKILL.md";
pub const SCRIPTS_DIR: &str = "scripts";
/// Earlier versions of a skill, `<skill>/.versions/<N>/`.
pub const VERSIONS_DIR: &str = ".versions";

/// One place skills are read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkillRoot {
    pub path: PathBuf,
    /// `project`, `user` or `config`, for listings.
    pub kind: &'static str,
}

/// The roots, in the order they are read.
pub fn roots(project: &Path, home: Option<&Path>, config: &SkillsConfig) -> Vec<SkillRoot> {
    let mut out = vec![
        SkillRoot {
            path: project.join(".agents/skills"),
            kind: "project",
        },
        SkillRoot {
            path: project.join(".claude/skills"),
            kind: "project",
        },
    ];
    if let Some(home) = home.filter(|_| config.user_skills) {
        for sub in [".agents/skills", ".claude/skills"] {
            out.push(SkillRoot {
                path: home.join(sub),
                kind: "user",
            });
        }
    }
    for extra in &config.paths {
        out.push(SkillRoot {
            path: project.join(extra),
            kind: "config",
        });
    }
    let save = project.join(&config.save_dir);
    if !out.iter().any(|r| r.path == save) {
        out.insert(
            0,
            SkillRoot {
                path: save,
                kind: "project",
            },
        );
    }
    out.dedup_by(|a, b| a.path == b.path);
    out
}

/// A skill folder found by a scan, hashed but not yet parsed.
#[derive(Debug, Clone)]
pub struct Found {
    pub name: String,
    pub root: PathBuf,
    pub dir: PathBuf,
    pub content_hash: String,
    pub skill_md: String,
}

/// A skill that could not be read, with the line of SKILL.md at fault.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub file: PathBuf,
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
    }
}

/// Every skill folder of every root, first root first, with the problems
/// met (an unreadable file, a name taken by an earlier root).
pub fn scan(roots: &[SkillRoot]) -> (Vec<Found>, Vec<Problem>) {
    let mut found: Vec<Found> = Vec::new();
    let mut problems = Vec::new();
    for root in roots {
        let Ok(entries) = std::fs::read_dir(&root.path) else {
            continue;
        };
        let mut dirs: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .filter(|p| !file_name(p).starts_with('.'))
            .collect();
        dirs.sort();
        for dir in dirs {
            let skill_file = dir.join(SKILL_FILE);
            if !skill_file.is_file() {
                continue;
            }
            let name = file_name(&dir);
            if let Some(first) = found.iter().find(|f| f.name == name) {
                problems.push(Problem {
                    file: skill_file,
                    line: 1,
                    message: format!(
                        "skipped: the skill `{name}` in {} comes first",
                        first.dir.display()
                    ),
                });
                continue;
            }
            match hash_folder(&dir) {
                Ok((content_hash, skill_md)) => found.push(Found {
                    name,
                    root: root.path.clone(),
                    dir,
                    content_hash,
                    skill_md,
                }),
                Err(e) => problems.push(Problem {
                    file: skill_file,
                    line: 1,
                    message: format!("cannot read the skill: {e}"),
                }),
            }
        }
    }
    (found, problems)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Sha256 over SKILL.md and every file under `scripts/`, with SKILL.md's
/// text (read once, for parsing when the hash changed).
fn hash_folder(dir: &Path) -> std::io::Result<(String, String)> {
    let skill_md = std::fs::read_to_string(dir.join(SKILL_FILE))?;
    let mut hasher = Sha256::new();
    hasher.update(skill_md.as_bytes());
    for file in script_files(dir) {
        hasher.update(b"\0");
        hasher.update(
            file.strip_prefix(dir)
                .unwrap_or(&file)
                .to_string_lossy()
                .as_bytes(),
        );
        hasher.update(b"\0");
        hasher.update(std::fs::read(&file)?);
    }
    Ok((hex::encode(hasher.finalize()), skill_md))
}

/// Files under `<dir>/scripts/`, sorted, recursively.
pub fn script_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.join(SCRIPTS_DIR)];
    while let Some(next) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&next) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if file_name(&path) != "__pycache__" {
                    stack.push(path);
                }
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The file extension of a skill's module in `language`.
pub fn module_extension(language: &str) -> &'static str {
    if language == "javascript" {
        "mjs"
    } else {
        "py"
    }
}

/// The name `from skills.<module> import ...` uses: hyphens as underscores.
pub fn python_module(name: &str) -> String {
    name.replace('-', "_")
}

/// The script a program imports: `scripts/<module>.<ext>`, or the only
/// file of that extension in `scripts/`.
pub fn entry_script(dir: &Path, name: &str, language: &str) -> Option<PathBuf> {
    let ext = module_extension(language);
    let preferred = dir
        .join(SCRIPTS_DIR)
        .join(format!("{}.{ext}", python_module(name)));
    if preferred.is_file() {
        return Some(preferred);
    }
    let candidates: Vec<PathBuf> = std::fs::read_dir(dir.join(SCRIPTS_DIR))
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| e == ext || (language == "javascript" && e == "js"))
        })
        .collect();
    match candidates.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// Parses a found folder: the format rules, then that a skill which says
/// it has code has its script.
pub fn parse(found: &Found) -> Result<SkillDoc, Problem> {
    let file = found.dir.join(SKILL_FILE);
    let problem = |e: FormatError| Problem {
        file: file.clone(),
        line: e.line,
        message: e.message,
    };
    let doc = format::parse(&found.skill_md, &found.name).map_err(problem)?;
    if let Some(language) = &doc.language
        && entry_script(&found.dir, &doc.name, language).is_none()
    {
        let line = found
            .skill_md
            .lines()
            .position(|l| l.trim_start().starts_with("language:"))
            .map_or(1, |l| l + 1);
        return Err(Problem {
            file,
            line,
            message: format!(
                "the skill says its language is {language} but has no script: add scripts/{}.{}",
                python_module(&doc.name),
                module_extension(language)
            ),
        });
    }
    Ok(doc)
}
