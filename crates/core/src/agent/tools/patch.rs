//! apply_patch: unified diffs over one or more files, all or nothing.
//!
//! The patch is split into per-file sections at `--- ` / `+++ ` header pairs,
//! every section is applied in memory first, and files are written only when
//! all of them apply, so a bad hunk in the third file leaves the first two
//! untouched. `/dev/null` as the old side creates a file, as the new side
//! deletes one. Paths may carry git's `a/` and `b/` prefixes.

use std::path::PathBuf;

use serde_json::Value;

use super::fs::resolve;
use super::{ToolOutput, str_arg};
use crate::agent::AgentDeps;

const DEV_NULL: &str = "/dev/null";

enum Change {
    Write { path: PathBuf, text: String },
    Delete { path: PathBuf },
}

pub(crate) fn apply_patch(deps: &AgentDeps, args: &Value) -> ToolOutput {
    let run = || -> Result<String, String> {
        let patch = str_arg(args, "patch")?;
        let sections = split_files(patch);
        if sections.is_empty() {
            return Err(
                "no file headers found: a unified diff needs `--- a/PATH` and `+++ b/PATH` lines before its `@@` hunks"
                    .to_string(),
            );
        }
        let mut changes = Vec::new();
        let mut summary = Vec::new();
        for section in &sections {
            let (change, line) = plan(deps, section)?;
            changes.push(change);
            summary.push(line);
        }
        for change in changes {
            match change {
                Change::Write { path, text } => {
                    if let Some(dir) = path.parent() {
                        std::fs::create_dir_all(dir)
                            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                    }
                    std::fs::write(&path, text)
                        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                }
                Change::Delete { path } => std::fs::remove_file(&path)
                    .map_err(|e| format!("cannot delete {}: {e}", path.display()))?,
            }
        }
        Ok(format!("applied:\n{}", summary.join("\n")))
    };
    run().map_or_else(ToolOutput::error, ToolOutput::ok)
}

/// Per-file sections of a multi-file diff, each starting at its `--- ` line.
fn split_files(patch: &str) -> Vec<String> {
    let lines: Vec<&str> = patch.split_inclusive('\n').collect();
    let mut starts = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let next_is_new = lines.get(i + 1).is_some_and(|n| n.starts_with("+++ "));
        if line.starts_with("--- ") && next_is_new {
            starts.push(i);
        }
    }
    starts
        .iter()
        .enumerate()
        .map(|(k, &start)| {
            let end = starts.get(k + 1).copied().unwrap_or(lines.len());
            let mut text: String = lines[start..end].concat();
            if !text.ends_with('\n') {
                text.push('\n');
            }
            text
        })
        .collect()
}

fn header_path(line: Option<&str>, prefix: &str) -> Option<String> {
    let rest = line?.strip_prefix(prefix)?;
    // A tab separates an optional timestamp.
    let path = rest.split('\t').next()?.trim_end();
    if path == DEV_NULL {
        return Some(DEV_NULL.to_string());
    }
    let path = path
        .strip_prefix("a/")
        .or_else(|| path.strip_prefix("b/"))
        .unwrap_or(path);
    Some(path.to_string())
}

fn plan(deps: &AgentDeps, section: &str) -> Result<(Change, String), String> {
    let mut lines = section.lines();
    let old = header_path(lines.next(), "--- ").unwrap_or_default();
    let new = header_path(lines.next(), "+++ ").unwrap_or_default();
    let parsed = diffy::Patch::from_str(section)
        .map_err(|e| format!("the diff for `{new}` does not parse: {e}"))?;
    let (added, removed) = counts(&parsed);
    if new == DEV_NULL {
        let path = resolve(&deps.workspace_root, &old)?;
        if !path.is_file() {
            return Err(format!("cannot delete `{old}`: it does not exist"));
        }
        return Ok((Change::Delete { path }, format!("D {old}")));
    }
    let path = resolve(&deps.workspace_root, &new)?;
    let base = if old == DEV_NULL {
        if path.exists() {
            return Err(format!(
                "cannot create `{new}`: it already exists; patch it against its current content"
            ));
        }
        String::new()
    } else {
        std::fs::read_to_string(&path).map_err(|e| format!("cannot read `{new}`: {e}"))?
    };
    let text = diffy::apply(&base, &parsed).map_err(|e| {
        format!("{e} in `{new}`: its context or removed lines do not match the file; read the file again and resend the patch")
    })?;
    let mark = if old == DEV_NULL { "A" } else { "M" };
    Ok((
        Change::Write { path, text },
        format!("{mark} {new} (+{added} -{removed})"),
    ))
}

fn counts(patch: &diffy::Patch<'_, str>) -> (usize, usize) {
    let mut added = 0;
    let mut removed = 0;
    for hunk in patch.hunks() {
        for line in hunk.lines() {
            match line {
                diffy::Line::Insert(_) => added += 1,
                diffy::Line::Delete(_) => removed += 1,
                diffy::Line::Context(_) => {}
            }
        }
    }
    (added, removed)
}

/// One line for an approval prompt, e.g. `apply_patch: src/a.rs, src/b.rs`.
pub(crate) fn summary(patch: &str) -> String {
    let files: Vec<String> = split_files(patch)
        .iter()
        .filter_map(|s| {
            let mut l = s.lines();
            let old = header_path(l.next(), "--- ")?;
            let new = header_path(l.next(), "+++ ")?;
            Some(if new == DEV_NULL { old } else { new })
        })
        .collect();
    format!("apply_patch: {}", files.join(", "))
}
