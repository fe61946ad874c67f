//! A throwaway project directory to load configs from.
// Each test file uses a different subset of these helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use tempfile::TempDir;
use vtcode_core::config::{Config, LoadOptions, LoadedConfig};

pub struct Project {
    pub dir: TempDir,
}

impl Project {
    /// An empty project (marked by `.git`) and no user file.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        Self { dir }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Options that see only this project: the user file is a path inside
    /// it that exists only if a test writes it.
    pub fn options(&self) -> LoadOptions {
        LoadOptions {
            cwd: self.root().to_path_buf(),
            user_config: Some(self.root().join("user-home/vtcode.toml")),
            env: Vec::new(),
            cli_overrides: Vec::new(),
        }
    }

    pub fn load(&self, options: &LoadOptions) -> LoadedConfig {
        match Config::load(options) {
            Ok(loaded) => loaded,
            Err(err) => panic!("config should load, got: {err}"),
        }
    }

    pub fn load_err(&self, options: &LoadOptions) -> String {
        match Config::load(options) {
            Ok(_) => panic!("config should have been rejected"),
            Err(err) => err.to_string(),
        }
    }
}

pub fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}
