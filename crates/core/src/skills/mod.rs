//! Skills: programs that worked, saved as folders in the open Agent Skills
//! format so other agents can read them and vtcode can read theirs.
//!
//! Mental model: the files are the truth and SQLite is an index of them.
//! A [`SkillLibrary`] knows the roots (the project's `.agents/skills` and
//! `.claude/skills`, the user's, then `[skills] paths`); every read starts
//! with [`SkillLibrary::refresh`], which scans the roots, re-reads only the
//! folders whose content hash changed, brings the index in line in one
//! transaction and republishes the importable view programs see at
//! `/skills`. Broken folders are listed with file and line and skipped;
//! nothing is ever deleted by a refresh. Saving goes through [`save`]
//! (checked, then swapped in atomically with earlier versions kept);
//! [`check`] compares each skill's recorded tool schemas with the live
//! catalog using the shared schema-change classifier.

pub mod check;
pub mod code;
pub mod format;
mod package;
mod prompt;
mod python;
pub mod save;
pub mod scan;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use check::SkillCheck;
pub use code::{Analysis, CodeError, Function};
pub use format::{SkillDoc, ToolDependency};
pub use save::SaveError;
pub use scan::{Problem, SkillRoot};

use crate::catalog::ToolCatalog;
use crate::config::{ProjectPaths, SkillsConfig};
use crate::store::{SkillRow, SkillUpsert, Store, StoreError};
use crate::versioning::ChangeClass;

#[derive(Debug, thiserror::Error)]
pub enum SkillError {
    #[error(transparent)]
    Save(#[from] SaveError),
    #[error("{0}")]
    Code(#[from] CodeError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no skill named `{0}`; `vtcode skills list` shows the saved ones")]
    NotFound(String),
    #[error("{0}")]
    Broken(Problem),
    #[error("{0}")]
    Invalid(String),
    #[error("cannot update the importable skills in {}: {source}", path.display())]
    Publish {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The index after a refresh, and the folders it skipped.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    pub skills: Vec<SkillRow>,
    pub problems: Vec<Problem>,
    /// Each skill's compatibility with the live catalog, by name; empty
    /// when the library has no catalog.
    pub checks: BTreeMap<String, SkillCheck>,
}

/// One skill read whole, for `load_skill` and `vtcode skills show`.
#[derive(Debug, Clone)]
pub struct LoadedSkill {
    pub doc: SkillDoc,
    pub dir: PathBuf,
    /// Every file besides SKILL.md, relative to the folder.
    pub files: Vec<PathBuf>,
}

/// What `save_skill` is asked to save.
pub struct SaveRequest<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub code: &'a str,
    pub language: &'a str,
    pub tags: Vec<String>,
}

/// A saved skill: where, which version, what it exposes and depends on.
#[derive(Debug, Clone)]
pub struct Saved {
    pub name: String,
    pub version: u32,
    pub dir: PathBuf,
    pub functions: Vec<Function>,
    pub tools: Vec<ToolDependency>,
    /// SDK imports the catalog does not know (saved anyway, flagged).
    pub unknown_imports: Vec<String>,
}

/// The live tool catalog, as the library needs it: to resolve a saved
/// program's SDK imports and to check skills against current schemas.
pub trait CatalogView: Send + Sync {
    fn current(&self) -> Arc<ToolCatalog>;
}

/// The project's skills.
pub struct SkillLibrary {
    roots: Vec<SkillRoot>,
    save_root: PathBuf,
    /// `.vtcode/skills/`: what the sandbox mounts at `/skills`.
    view: PathBuf,
    store: Arc<Store>,
    prompt_tokens: u32,
    save_dir: String,
    catalog: Option<Arc<dyn CatalogView>>,
}

impl SkillLibrary {
    pub fn new(paths: &ProjectPaths, config: &SkillsConfig, store: Arc<Store>) -> Self {
        Self::with_home(paths, config, store, dirs::home_dir().as_deref())
    }

    /// The project's library on its own store, for commands that need no
    /// MCP server (`vtcode skills list`).
    pub fn open(loaded: &crate::config::LoadedConfig) -> Result<Self, SkillError> {
        loaded
            .paths
            .ensure_dirs()
            .map_err(|source| SkillError::Publish {
                path: loaded.paths.dot_dir.clone(),
                source,
            })?;
        let store = Arc::new(Store::open(&loaded.paths.db)?);
        Ok(Self::new(&loaded.paths, &loaded.config.skills, store))
    }

    /// As [`SkillLibrary::new`] with the user's home given (tests).
    pub fn with_home(
        paths: &ProjectPaths,
        config: &SkillsConfig,
        store: Arc<Store>,
        home: Option<&Path>,
    ) -> Self {
        Self {
            roots: scan::roots(&paths.root, home, config),
            save_root: paths.root.join(&config.save_dir),
            view: paths.skills.clone(),
            store,
            prompt_tokens: config.prompt_tokens,
            save_dir: config.save_dir.clone(),
            catalog: None,
        }
    }

    /// Resolves imports and checks compatibility against `catalog`.
    pub fn with_catalog(mut self, catalog: Arc<dyn CatalogView>) -> Self {
        self.catalog = Some(catalog);
        self
    }

    /// The catalog as it is now (empty when none is attached).
    fn catalog(&self) -> Arc<ToolCatalog> {
        self.catalog
            .as_ref()
            .map_or_else(|| Arc::new(ToolCatalog::new(Vec::new())), |c| c.current())
    }

    /// Where new skills are written, as configured (relative to the project).
    pub fn save_dir(&self) -> &str {
        &self.save_dir
    }

    pub fn roots(&self) -> &[SkillRoot] {
        &self.roots
    }

    /// The directory programs see at `/skills`.
    pub fn view_dir(&self) -> &Path {
        &self.view
    }

    /// Scans the roots, updates the index, checks each skill against the
    /// catalog and republishes the importable view (where a skill that
    /// needs migrating says so when imported).
    pub fn refresh(&self) -> Result<Listing, SkillError> {
        let (found, mut problems) = scan::scan(&self.roots);
        let indexed: BTreeMap<String, SkillRow> = self
            .store
            .skill_rows()?
            .into_iter()
            .map(|row| (row.name.clone(), row))
            .collect();
        let mut changed = Vec::new();
        let mut keep = Vec::new();
        for skill in &found {
            let unchanged = indexed.get(&skill.name).is_some_and(|row| {
                row.content_hash == skill.content_hash && row.dir == skill.dir.display().to_string()
            });
            if unchanged {
                keep.push(skill.name.as_str());
                continue;
            }
            match scan::parse(skill) {
                Ok(doc) => {
                    keep.push(skill.name.as_str());
                    changed.push(SkillUpsert {
                        name: doc.name.clone(),
                        description: doc.description.clone(),
                        root: skill.root.display().to_string(),
                        dir: skill.dir.display().to_string(),
                        version: doc.version,
                        language: doc.language.clone(),
                        tags: doc.tags.clone(),
                        dependencies: serde_json::to_value(&doc.tools).unwrap_or_default(),
                        content_hash: skill.content_hash.clone(),
                    });
                }
                Err(problem) => problems.push(problem),
            }
        }
        self.store.sync_skills(&changed, &keep)?;
        let skills = self.store.skill_rows()?;
        let checks = self.check_rows(&skills)?;
        let notes: BTreeMap<String, String> = checks
            .values()
            .filter(|c| c.state >= ChangeClass::MigrationNeeded)
            .map(|c| (c.name.clone(), c.note()))
            .collect();
        let importable: Vec<package::Importable<'_>> = skills
            .iter()
            .filter_map(|row| {
                Some(package::Importable {
                    name: &row.name,
                    dir: Path::new(&row.dir),
                    language: row.language.as_deref()?,
                    content_hash: &row.content_hash,
                })
            })
            .collect();
        package::publish(&self.view, &importable, &notes).map_err(|source| {
            SkillError::Publish {
                path: self.view.clone(),
                source,
            }
        })?;
        Ok(Listing {
            skills,
            problems,
            checks,
        })
    }

    fn check_rows(&self, rows: &[SkillRow]) -> Result<BTreeMap<String, SkillCheck>, SkillError> {
        let mut out = BTreeMap::new();
        if self.catalog.is_none() {
            return Ok(out);
        }
        let catalog = self.catalog();
        for row in rows {
            let deps: Vec<ToolDependency> =
                serde_json::from_value(row.dependencies.clone()).unwrap_or_default();
            let verdict = check::check(&row.name, &deps, &catalog, &self.store)?;
            out.insert(row.name.clone(), verdict);
        }
        Ok(out)
    }

    /// What the model is told about a skill that is not fully compatible.
    pub fn compatibility_note(&self, name: &str) -> Option<String> {
        let listing = self.refresh().ok()?;
        listing
            .checks
            .get(name)
            .filter(|c| c.state > ChangeClass::Compatible)
            .map(SkillCheck::note)
    }

    /// Reads one skill whole (or one of its kept versions).
    pub fn load(&self, name: &str, version: Option<u32>) -> Result<LoadedSkill, SkillError> {
        let listing = self.refresh()?;
        let Some(row) = listing.skills.iter().find(|s| s.name == name) else {
            if let Some(problem) = listing.problems.into_iter().find(|p| {
                p.file
                    .parent()
                    .and_then(Path::file_name)
                    .is_some_and(|n| n == name)
            }) {
                return Err(SkillError::Broken(problem));
            }
            return Err(SkillError::NotFound(name.to_string()));
        };
        let current = PathBuf::from(&row.dir);
        let dir = match version {
            Some(v) if v != row.version => {
                let dir = current.join(scan::VERSIONS_DIR).join(v.to_string());
                if !dir.is_dir() {
                    return Err(SkillError::Invalid(format!(
                        "`{name}` has no version {v}; it is at version {} (kept versions: {})",
                        row.version,
                        kept_versions(&current)
                    )));
                }
                dir
            }
            _ => current,
        };
        let skill_file = dir.join(scan::SKILL_FILE);
        let text = std::fs::read_to_string(&skill_file).map_err(|e| {
            SkillError::Invalid(format!("cannot read {}: {e}", skill_file.display()))
        })?;
        let doc = format::parse(&text, name).map_err(|e| {
            SkillError::Broken(Problem {
                file: skill_file.clone(),
                line: e.line,
                message: e.message,
            })
        })?;
        let mut files: Vec<PathBuf> = Vec::new();
        collect_files(&dir, &dir, &mut files);
        Ok(LoadedSkill { doc, dir, files })
    }

    /// Checks and saves a program as a skill; the catalog resolves its SDK
    /// imports to tools and their current schema hashes.
    pub fn save(&self, request: &SaveRequest<'_>) -> Result<Saved, SkillError> {
        let catalog = self.catalog();
        format::check_name(request.name).map_err(SaveError::Invalid)?;
        if !matches!(request.language, "python" | "javascript") {
            return Err(SaveError::Invalid(format!(
                "language `{}` is not supported; use python or javascript",
                request.language
            ))
            .into());
        }
        let description = request.description.trim();
        let count = description.chars().count();
        if count == 0 || count > format::MAX_DESCRIPTION {
            return Err(SaveError::Invalid(format!(
                "the description must say what the skill does and when to use it, in 1 to {} characters (it has {count})",
                format::MAX_DESCRIPTION
            ))
            .into());
        }
        let analysis = code::analyse(request.language, request.code)
            .map_err(|e| SaveError::Invalid(e.to_string()))?;
        let mut tools = Vec::new();
        let mut unknown_imports = Vec::new();
        for (package, ident) in &analysis.sdk_imports {
            match crate::sdk::tool_for_sdk_name(&catalog, package, ident) {
                Some(tool) => tools.push(ToolDependency {
                    server: tool.server.clone(),
                    tool: tool.name.clone(),
                    schema_hash: catalog.tool_schema_hash(tool),
                }),
                None => unknown_imports.push(format!("servers.{package}.{ident}")),
            }
        }
        tools.sort();
        tools.dedup();
        let others: Vec<PathBuf> = self
            .roots
            .iter()
            .filter(|r| r.path != self.save_root)
            .map(|r| r.path.join(request.name))
            .collect();
        let new = save::NewSkill {
            name: request.name,
            description,
            code: request.code,
            language: request.language,
            tags: request.tags.clone(),
            functions: &analysis.functions,
            tools: tools.clone(),
        };
        let (version, dir) = save::save(&self.save_root, &others, &new)?;
        self.refresh()?;
        Ok(Saved {
            name: request.name.to_string(),
            version,
            dir,
            functions: analysis.functions,
            tools,
            unknown_imports,
        })
    }

    /// Deletes a skill's folder (with its kept versions).
    pub fn remove(&self, name: &str) -> Result<PathBuf, SkillError> {
        let listing = self.refresh()?;
        let row = listing
            .skills
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| SkillError::NotFound(name.to_string()))?;
        let dir = PathBuf::from(&row.dir);
        std::fs::remove_dir_all(&dir)
            .map_err(|e| SkillError::Invalid(format!("cannot remove {}: {e}", dir.display())))?;
        self.refresh()?;
        Ok(dir)
    }

    /// Validates the skill folder at `source` and copies it into the save
    /// root. Nothing is copied when it is broken.
    pub fn import(&self, source: &Path) -> Result<PathBuf, SkillError> {
        let skill_file = source.join(scan::SKILL_FILE);
        let name = source
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_default();
        let text = std::fs::read_to_string(&skill_file).map_err(|e| {
            SkillError::Invalid(format!(
                "{} is not a skill folder: cannot read {}: {e}",
                source.display(),
                skill_file.display()
            ))
        })?;
        let found = scan::Found {
            name: name.clone(),
            root: source.parent().map(Path::to_path_buf).unwrap_or_default(),
            dir: source.to_path_buf(),
            content_hash: String::new(),
            skill_md: text,
        };
        scan::parse(&found).map_err(SkillError::Broken)?;
        if let Some(other) = self
            .roots
            .iter()
            .map(|r| r.path.join(&name))
            .find(|d| d.join(scan::SKILL_FILE).is_file())
        {
            return Err(SkillError::Invalid(format!(
                "a skill named `{name}` already exists in {}; remove or rename it first",
                other.display()
            )));
        }
        let target = save::import(source, &self.save_root, &name)?;
        self.refresh()?;
        Ok(target)
    }

    /// Skills whose name, description or tags match `query`, best first.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<(SkillRow, f64)>, SkillError> {
        let listing = self.refresh()?;
        Ok(prompt::rank(listing.skills, query, limit))
    }

    /// The system prompt's skills section, capped at the configured tokens.
    pub fn prompt_section(&self, model: &str) -> Result<Option<String>, SkillError> {
        let listing = self.refresh()?;
        Ok(prompt::section(&listing.skills, model, self.prompt_tokens))
    }

    /// Counts a use of every skill `code` imports; `failed` when the
    /// program did not finish ok.
    /// Returns the names of the skills the program used.
    pub fn record_uses(&self, code: &str, failed: bool) -> Result<Vec<String>, SkillError> {
        let imported = imported_skills(code);
        if imported.is_empty() {
            return Ok(Vec::new());
        }
        let mut used = Vec::new();
        for row in self.store.skill_rows()? {
            if imported.contains(&scan::python_module(&row.name)) {
                self.store.record_skill_use(&row.name, failed)?;
                used.push(row.name);
            }
        }
        Ok(used)
    }
}

/// Skill modules a program imports (`skills.<module>` in Python,
/// `skills/<name>` in JavaScript), hyphens as underscores.
fn imported_skills(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in code.match_indices("skills") {
        let rest = &code[i + "skills".len()..];
        let Some(rest) = rest.strip_prefix('.').or_else(|| rest.strip_prefix('/')) else {
            continue;
        };
        let before = code[..i].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        if !name.is_empty() {
            out.push(name.replace('-', "_"));
        }
    }
    out.sort();
    out.dedup();
    out
}

fn kept_versions(dir: &Path) -> String {
    let mut versions: Vec<u32> = std::fs::read_dir(dir.join(scan::VERSIONS_DIR))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect();
    versions.sort_unstable();
    if versions.is_empty() {
        return "none".to_string();
    }
    versions
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn collect_files(base: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with('.') || name == "__pycache__" {
            continue;
        }
        if path.is_dir() {
            collect_files(base, &path, out);
        } else if let Ok(relative) = path.strip_prefix(base)
            && relative != Path::new(scan::SKILL_FILE)
        {
            out.push(relative.to_path_buf());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_are_found_in_both_languages() {
        let code = "from skills.weekly_report import total\nimport { f } from 'skills/csv-to-json';\nmyskills.x\n";
        assert_eq!(imported_skills(code), vec!["csv_to_json", "weekly_report"]);
    }
}
