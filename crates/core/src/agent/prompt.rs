//! System prompt assembly.
//!
//! The prompt is built once per session from parts: the base instructions
//! and the tool-mode section (compiled in from `assets/prompts`), then every
//! AGENTS.md from the git root down to the working directory (outer files
//! first, so the nearest one has the last word), then the saved skills, then
//! the lessons insights drew from earlier sessions (only when there are any).

use std::path::{Path, PathBuf};

use crate::agent::ToolMode;

const SYSTEM: &str = include_str!("../../../../assets/prompts/system.md");
const CODE_MODE: &str = include_str!("../../../../assets/prompts/code_mode.md");
const DIRECT_MODE: &str = include_str!("../../../../assets/prompts/direct_mode.md");
pub(crate) const COMPACT: &str = include_str!("../../../../assets/prompts/compact.md");

const AGENTS_FILE: &str = "AGENTS.md";

pub(crate) fn system_prompt(
    mode: ToolMode,
    workspace_root: &Path,
    cwd: &Path,
    skills_summary: Option<&str>,
    lessons: Option<&str>,
) -> String {
    let mut out = String::from(SYSTEM.trim_end());
    out.push_str("\n\n");
    out.push_str(match mode {
        ToolMode::Code => CODE_MODE.trim_end(),
        ToolMode::Direct => DIRECT_MODE.trim_end(),
    });
    for file in agents_files(workspace_root, cwd) {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let shown = file
            .strip_prefix(workspace_root)
            .unwrap_or(&file)
            .display()
            .to_string();
        out.push_str(&format!(
            "\n\n## Project instructions from {shown}\n\n{}",
            text.trim()
        ));
    }
    if let Some(skills) = skills_summary.filter(|s| !s.trim().is_empty()) {
        out.push_str("\n\n## Saved skills (importable from `skills`)\n\n");
        out.push_str(skills.trim());
    }
    if let Some(lessons) = lessons.filter(|l| !l.trim().is_empty()) {
        out.push_str("\n\n");
        out.push_str(lessons.trim());
    }
    out.push('\n');
    out
}

/// AGENTS.md files from the git root (or the workspace root when there is no
/// repository) down to `cwd`, outermost first. A `cwd` outside the workspace
/// counts as the workspace root.
fn agents_files(workspace_root: &Path, cwd: &Path) -> Vec<PathBuf> {
    let cwd = if cwd.starts_with(workspace_root) {
        cwd
    } else {
        workspace_root
    };
    let top = cwd
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .unwrap_or(workspace_root);
    let mut dirs: Vec<&Path> = cwd
        .ancestors()
        .take_while(|dir| dir.starts_with(top))
        .collect();
    dirs.reverse();
    dirs.into_iter()
        .map(|dir| dir.join(AGENTS_FILE))
        .filter(|file| file.is_file())
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn agents_files_run_from_git_root_down_to_cwd() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        let sub = root.join("crates/a");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::write(dir.path().join(AGENTS_FILE), "outside the repo").unwrap();
        std::fs::write(root.join(AGENTS_FILE), "root rules").unwrap();
        std::fs::write(sub.join(AGENTS_FILE), "crate rules").unwrap();

        let lessons =
            "## Lessons from earlier sessions in this project\n- time.convert_time failed ×3";
        let prompt = system_prompt(
            ToolMode::Code,
            &root,
            &sub,
            Some("- report: weekly report"),
            Some(lessons),
        );
        let root_at = prompt.find("root rules").unwrap();
        let crate_at = prompt.find("crate rules").unwrap();
        assert!(root_at < crate_at, "outer AGENTS.md comes first");
        assert!(!prompt.contains("outside the repo"));
        assert!(prompt.contains("search_tools"));
        assert!(prompt.contains("- report: weekly report"));
        assert!(prompt.trim_end().ends_with(lessons));

        let direct = system_prompt(ToolMode::Direct, &root, Path::new("/elsewhere"), None, None);
        assert!(direct.contains("root rules"));
        assert!(!direct.contains("crate rules"));
        assert!(!direct.contains("Saved skills"));
        assert!(!direct.contains("Lessons"));
    }
}
