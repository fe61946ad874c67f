//! Read-only file tools: read_file, list_dir, grep.
//!
//! Paths are relative to the workspace root (`/workspace/...`, the path the
//! sandbox uses, means the same) and must stay inside it after symlinks are
//! resolved: the model cannot read the user's home through `..` or a link.

use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use serde_json::Value;

use super::{ToolOutput, opt_str, opt_u64, str_arg};
use crate::agent::AgentDeps;

const DEFAULT_LINES: u64 = 2000;
const MAX_LINE_CHARS: usize = 2000;
const MAX_GREP_HITS: usize = 200;
const SANDBOX_WORKSPACE: &str = "/workspace";

/// Resolves `path` inside `root`; the error says why it is refused.
pub(crate) fn resolve(root: &Path, path: &str) -> Result<PathBuf, String> {
    let rel = Path::new(path);
    let rel = rel.strip_prefix(SANDBOX_WORKSPACE).unwrap_or(rel);
    let joined = if rel.is_absolute() {
        rel.to_path_buf()
    } else {
        root.join(rel)
    };
    let mut clean = PathBuf::new();
    for part in joined.components() {
        match part {
            Component::ParentDir => {
                clean.pop();
            }
            Component::CurDir => {}
            other => clean.push(other),
        }
    }
    let root_real = root
        .canonicalize()
        .map_err(|e| format!("the workspace {} is not readable: {e}", root.display()))?;
    // Resolve symlinks in the longest prefix that exists, then put back
    // the parts that do not exist yet (a file about to be created).
    let mut existing = clean.as_path();
    let mut missing = Vec::new();
    let real = loop {
        if let Ok(mut real) = existing.canonicalize() {
            real.extend(missing.iter().rev());
            break real;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                missing.push(name.to_os_string());
                existing = parent;
            }
            _ => break clean.clone(),
        }
    };
    if real.starts_with(&root_real) {
        Ok(real)
    } else {
        Err(format!(
            "`{path}` is outside the workspace; use a path relative to the project root"
        ))
    }
}

fn shown(root: &Path, path: &Path) -> String {
    let root_real = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    match path.strip_prefix(&root_real) {
        Ok(rel) if rel.as_os_str().is_empty() => ".".to_string(),
        Ok(rel) => rel.display().to_string(),
        Err(_) => path.display().to_string(),
    }
}

pub(crate) fn read_file(deps: &AgentDeps, args: &Value) -> ToolOutput {
    let run = || -> Result<String, String> {
        let path = str_arg(args, "path")?;
        let file = resolve(&deps.workspace_root, path)?;
        let bytes = std::fs::read(&file).map_err(|e| format!("cannot read `{path}`: {e}"))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| format!("`{path}` is not UTF-8 text; inspect it with run_shell"))?;
        let offset = opt_u64(args, "offset").unwrap_or(1).max(1);
        let limit = opt_u64(args, "limit").unwrap_or(DEFAULT_LINES).max(1);
        let total = text.lines().count() as u64;
        if total == 0 {
            return Ok(format!("`{path}` is empty"));
        }
        if offset > total {
            return Err(format!(
                "`{path}` has {total} lines; offset {offset} is past the end"
            ));
        }
        let mut out = String::new();
        for (i, line) in text
            .lines()
            .enumerate()
            .skip((offset - 1) as usize)
            .take(limit as usize)
        {
            let line = match line.char_indices().nth(MAX_LINE_CHARS) {
                Some((cut, _)) => format!("{}…", &line[..cut]),
                None => line.to_string(),
            };
            let _ = writeln!(out, "{:>6}\t{line}", i + 1);
        }
        let last = (offset + limit - 1).min(total);
        if last < total {
            let _ = writeln!(
                out,
                "[lines {offset}-{last} of {total}; use offset to read on]"
            );
        }
        Ok(out)
    };
    run().map_or_else(ToolOutput::error, ToolOutput::ok)
}

pub(crate) fn list_dir(deps: &AgentDeps, args: &Value) -> ToolOutput {
    let run = || -> Result<String, String> {
        let path = opt_str(args, "path").unwrap_or(".");
        let dir = resolve(&deps.workspace_root, path)?;
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("cannot list `{path}`: {e}"))?;
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter(|e| e.file_name() != ".git")
            .map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                if e.file_type().is_ok_and(|t| t.is_dir()) {
                    format!("{name}/")
                } else {
                    name
                }
            })
            .collect();
        names.sort();
        if names.is_empty() {
            return Ok(format!("`{path}` is empty"));
        }
        Ok(names.join("\n"))
    };
    run().map_or_else(ToolOutput::error, ToolOutput::ok)
}

pub(crate) fn grep(deps: &AgentDeps, args: &Value) -> ToolOutput {
    let run = || -> Result<String, String> {
        let pattern = str_arg(args, "pattern")?;
        let re = regex::Regex::new(pattern)
            .map_err(|e| format!("`{pattern}` is not a valid regular expression: {e}"))?;
        let path = opt_str(args, "path").unwrap_or(".");
        let start = resolve(&deps.workspace_root, path)?;
        let mut walk = ignore::WalkBuilder::new(&start);
        // Respect .gitignore even outside a git repository.
        walk.require_git(false);
        if let Some(glob) = opt_str(args, "glob") {
            let mut types = ignore::overrides::OverrideBuilder::new(&start);
            types
                .add(glob)
                .map_err(|e| format!("`{glob}` is not a valid glob: {e}"))?;
            walk.overrides(
                types
                    .build()
                    .map_err(|e| format!("`{glob}` is not a valid glob: {e}"))?,
            );
        }
        let mut hits = Vec::new();
        let mut more = false;
        'files: for entry in walk.build().filter_map(Result::ok) {
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(entry.path()) else {
                continue; // binary or unreadable
            };
            for (i, line) in text.lines().enumerate() {
                if re.is_match(line) {
                    if hits.len() == MAX_GREP_HITS {
                        more = true;
                        break 'files;
                    }
                    let line: String = line.chars().take(MAX_LINE_CHARS).collect();
                    hits.push(format!(
                        "{}:{}:{line}",
                        shown(&deps.workspace_root, entry.path()),
                        i + 1
                    ));
                }
            }
        }
        if hits.is_empty() {
            return Ok(format!("no matches for `{pattern}`"));
        }
        let mut out = hits.join("\n");
        if more {
            let _ = write!(
                out,
                "\n[stopped at {MAX_GREP_HITS} matches; narrow the pattern or the path]"
            );
        }
        Ok(out)
    };
    run().map_or_else(ToolOutput::error, ToolOutput::ok)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn paths_stay_inside_the_workspace() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("ws");
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::write(root.join("src/a.rs"), "x").unwrap();
        let real = root.canonicalize().unwrap();
        assert_eq!(resolve(&root, "src/a.rs").unwrap(), real.join("src/a.rs"));
        assert_eq!(
            resolve(&root, "/workspace/src/a.rs").unwrap(),
            real.join("src/a.rs")
        );
        assert_eq!(
            resolve(&root, "src/new/b.rs").unwrap(),
            real.join("src/new/b.rs")
        );
        assert!(
            resolve(&root, "../secret")
                .unwrap_err()
                .contains("outside the workspace")
        );
        assert!(resolve(&root, "/etc/passwd").is_err());
        std::os::unix::fs::symlink(dir.path(), root.join("link")).unwrap();
        assert!(resolve(&root, "link/ws/src/a.rs").is_ok());
        assert!(resolve(&root, "link/other").is_err());
    }
}
