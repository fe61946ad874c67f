//! Where a project's vtcode state lives on disk.
//!
//! The project root is the nearest ancestor of the working directory that
//! holds `vtcode.toml` or `.git` (else the working directory itself), so
//! running vtcode from a subdirectory finds the same database, logs and
//! SDK cache as running it from the top.

use std::io;
use std::path::{Path, PathBuf};

/// The project root and everything vtcode keeps under `.vtcode/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectPaths {
    pub root: PathBuf,
    /// `.vtcode/`
    pub dot_dir: PathBuf,
    /// `.vtcode/vtcode.db`, the SQLite database.
    pub db: PathBuf,
    /// `.vtcode/logs/`: MCP servers' stderr and the log file.
    pub logs: PathBuf,
    /// `.vtcode/state/`: the sandbox's persistent `/state`.
    pub state: PathBuf,
    /// `.vtcode/sdk/`: the generated SDK cache.
    pub sdk: PathBuf,
    /// `.vtcode/skills/`: the importable view of the skills, `/skills` in
    /// the sandbox (the skills themselves live in their roots).
    pub skills: PathBuf,
}

impl ProjectPaths {
    /// Finds the project root from `cwd` without touching the disk beyond
    /// checking which marker files exist.
    pub fn discover(cwd: &Path) -> Self {
        let root = cwd
            .ancestors()
            .find(|dir| dir.join("vtcode.toml").is_file() || dir.join(".git").exists())
            .unwrap_or(cwd);
        Self::at_root(root)
    }

    /// The layout under a known root.
    pub fn at_root(root: &Path) -> Self {
        let dot_dir = root.join(".vtcode");
        Self {
            root: root.to_path_buf(),
            db: dot_dir.join("vtcode.db"),
            logs: dot_dir.join("logs"),
            state: dot_dir.join("state"),
            sdk: dot_dir.join("sdk"),
            skills: dot_dir.join("skills"),
            dot_dir,
        }
    }

    /// Creates `.vtcode/` and its subdirectories. A `.gitignore` inside
    /// keeps the database and logs out of the project's history.
    pub fn ensure_dirs(&self) -> io::Result<()> {
        for dir in [
            &self.dot_dir,
            &self.logs,
            &self.state,
            &self.sdk,
            &self.skills,
        ] {
            std::fs::create_dir_all(dir)?;
        }
        let ignore = self.dot_dir.join(".gitignore");
        if !ignore.exists() {
            std::fs::write(
                ignore,
                "# vtcode's local state; not meant for version control\n*\n",
            )?;
        }
        Ok(())
    }

    /// The project's own config file (it may not exist).
    pub fn project_config(&self) -> PathBuf {
        self.root.join("vtcode.toml")
    }

    /// The project's Claude-style server list (it may not exist).
    pub fn mcp_json(&self) -> PathBuf {
        self.root.join(".mcp.json")
    }
}
