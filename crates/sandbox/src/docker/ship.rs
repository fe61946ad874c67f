//! What a remote container gets instead of bind mounts: tar archives of the
//! runner, the SDK, the skills view and the workspace, each with a
//! fingerprint that says when it must be shipped again.
//!
//! Every entry is owned by root with plain modes (0755 directories and
//! executables, 0644 files), so the unprivileged program can read it and
//! write none of it. The SDK and skills views are archived under a
//! directory named by their fingerprint (`<fp>/python/...`), so a new
//! version lands beside the old one and the runner is pointed at it; their
//! fingerprint is the target of the per-language link when the view is a
//! published link (cheap), else a walk of the tree. The workspace is walked
//! honouring `.gitignore`/`.ignore` (never `.git` or `.vtcode`), capped in
//! size, and fingerprinted by every entry's path, size and mtime.

use std::io::Read as _;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use sha2::{Digest, Sha256};
use tar::{EntryType, Header};

use crate::SandboxError;

/// A built archive and the fingerprint of what it holds.
#[derive(Clone)]
pub(crate) struct Shipment {
    pub fingerprint: String,
    pub archive: Bytes,
}

/// The runner files, for `/opt/vtcode`.
pub(crate) fn runner() -> Result<Shipment, SandboxError> {
    let mut tar = Archive::new();
    let mut hasher = Sha256::new();
    for (name, text) in crate::assets::RUNNER_FILES {
        hasher.update(name.as_bytes());
        hasher.update(text.as_bytes());
        tar.file(Path::new(name), text.as_bytes(), false, 0)?;
    }
    tar.finish(hex16(hasher))
}

/// The fingerprint of an SDK or skills view at `root`: its `python` and
/// `javascript` trees.
pub(crate) fn view_fingerprint(root: &Path) -> Result<String, SandboxError> {
    let mut hasher = Sha256::new();
    for language in ["python", "javascript"] {
        let path = root.join(language);
        hasher.update(language.as_bytes());
        match std::fs::read_link(&path) {
            Ok(target) => hasher.update(target.as_os_str().as_encoded_bytes()),
            Err(_) if path.is_dir() => {
                for entry in walk_all(&path)? {
                    hash_entry(&mut hasher, &entry);
                }
            }
            Err(_) => hasher.update(b"-"),
        }
    }
    Ok(hex16(hasher))
}

/// The view at `root` (links followed), under `<fingerprint>/`.
pub(crate) fn view(root: &Path, fingerprint: &str) -> Result<Shipment, SandboxError> {
    let mut tar = Archive::new();
    let top = PathBuf::from(fingerprint);
    tar.dir(&top, 0)?;
    for language in ["python", "javascript"] {
        let path = root.join(language);
        if !path.is_dir() {
            continue;
        }
        tar.dir(&top.join(language), 0)?;
        for entry in walk_all(&path)? {
            let name = top.join(language).join(&entry.relative);
            tar.entry(&entry, &name)?;
        }
    }
    tar.finish(fingerprint.to_string())
}

/// One file system entry below a root.
pub(crate) struct Entry {
    pub path: PathBuf,
    pub relative: PathBuf,
    pub kind: Kind,
    pub size: u64,
    pub mtime: i64,
    pub mtime_nsec: i64,
    pub executable: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Dir,
    File,
    Link,
}

/// The workspace as programs may see it: its entries and their fingerprint.
pub(crate) struct WorkspaceScan {
    pub fingerprint: String,
    pub entries: Vec<Entry>,
}

/// Walks the workspace honouring its ignore files; fails, naming the
/// largest files, when what remains is over `cap` bytes.
pub(crate) fn scan_workspace(root: &Path, cap: u64) -> Result<WorkspaceScan, SandboxError> {
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .require_git(false)
        .git_global(false)
        .follow_links(false)
        .filter_entry(|e| {
            !(e.depth() > 0
                && e.file_type().is_some_and(|t| t.is_dir())
                && matches!(e.file_name().to_str(), Some(".git" | ".vtcode")))
        })
        .build();
    let mut entries = Vec::new();
    let mut total = 0u64;
    let mut hasher = Sha256::new();
    for item in walker {
        let item = item.map_err(|e| ship_error(root, &e.to_string()))?;
        if item.depth() == 0 {
            continue;
        }
        let Some(entry) = entry_of(root, item.path())? else {
            continue;
        };
        total += entry.size;
        hash_entry(&mut hasher, &entry);
        entries.push(entry);
    }
    if total > cap {
        let mut files: Vec<&Entry> = entries.iter().filter(|e| e.kind == Kind::File).collect();
        files.sort_by_key(|e| std::cmp::Reverse(e.size));
        let largest: Vec<String> = files
            .iter()
            .take(3)
            .map(|e| format!("{} ({})", e.relative.display(), mb(e.size)))
            .collect();
        return Err(SandboxError::Runner(format!(
            "the workspace is {} after .gitignore and .ignore, over the {} that is copied into a remote sandbox (largest: {}); list what programs need not see in .ignore, raise [sandbox] workspace_max_mb, or set [sandbox] workspace = \"none\"",
            mb(total),
            mb(cap),
            largest.join(", ")
        )));
    }
    Ok(WorkspaceScan {
        fingerprint: hex16(hasher),
        entries,
    })
}

/// The archive of a scanned workspace, for `/workspace`. A file this user
/// cannot read is left out (and logged) rather than failing every program.
pub(crate) fn workspace(scan: &WorkspaceScan) -> Result<Shipment, SandboxError> {
    let mut tar = Archive::new();
    for entry in &scan.entries {
        match tar.entry(entry, &entry.relative) {
            Err(err) if entry.kind == Kind::File && std::fs::File::open(&entry.path).is_err() => {
                tracing::warn!("not copied into the sandbox: {err}");
            }
            other => other?,
        }
    }
    tar.finish(scan.fingerprint.clone())
}

fn mb(bytes: u64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let mb = bytes as f64 / f64::from(1 << 20);
    format!("{mb:.1} MB")
}

/// How deep [`walk_all`] goes, so a link to an ancestor cannot loop.
const MAX_DEPTH: usize = 32;

/// Every entry below `root`, links followed, in a stable order.
fn walk_all(root: &Path) -> Result<Vec<Entry>, SandboxError> {
    let mut out = Vec::new();
    let mut stack = vec![(root.to_path_buf(), 0)];
    while let Some((dir, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            return Err(ship_error(&dir, "nested too deep (a link loop?)"));
        }
        let mut children: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(|e| ship_error(&dir, &e.to_string()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        children.sort();
        for child in children.into_iter().rev() {
            let meta = std::fs::metadata(&child).map_err(|e| ship_error(&child, &e.to_string()))?;
            let entry = entry_from(root, &child, &meta, meta.is_dir());
            if meta.is_dir() {
                stack.push((child, depth + 1));
            }
            out.push(entry);
        }
    }
    Ok(out)
}

fn entry_of(root: &Path, path: &Path) -> Result<Option<Entry>, SandboxError> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| ship_error(path, &e.to_string()))?;
    if !(meta.is_dir() || meta.is_file() || meta.file_type().is_symlink()) {
        return Ok(None);
    }
    Ok(Some(entry_from(root, path, &meta, meta.is_dir())))
}

fn entry_from(root: &Path, path: &Path, meta: &std::fs::Metadata, dir: bool) -> Entry {
    let kind = if dir {
        Kind::Dir
    } else if meta.file_type().is_symlink() {
        Kind::Link
    } else {
        Kind::File
    };
    Entry {
        path: path.to_path_buf(),
        relative: path.strip_prefix(root).unwrap_or(path).to_path_buf(),
        kind,
        size: if kind == Kind::File { meta.len() } else { 0 },
        mtime: meta.mtime(),
        mtime_nsec: meta.mtime_nsec(),
        executable: meta.permissions().mode() & 0o111 != 0,
    }
}

fn hash_entry(hasher: &mut Sha256, entry: &Entry) {
    hasher.update(entry.relative.as_os_str().as_encoded_bytes());
    hasher.update(format!(
        "\0{:?}\0{}\0{}.{}\n",
        entry.kind, entry.size, entry.mtime, entry.mtime_nsec
    ));
}

fn hex16(hasher: Sha256) -> String {
    hex::encode(hasher.finalize())[..16].to_string()
}

fn ship_error(path: &Path, detail: &str) -> SandboxError {
    SandboxError::Runner(format!(
        "cannot copy {} into the sandbox: {detail}",
        path.display()
    ))
}

/// A tar archive being written in memory, with normalised owners and modes.
struct Archive {
    builder: tar::Builder<Vec<u8>>,
}

impl Archive {
    fn new() -> Self {
        Self {
            builder: tar::Builder::new(Vec::new()),
        }
    }

    fn header(kind: EntryType, mode: u32, size: u64, mtime: i64) -> Header {
        let mut header = Header::new_gnu();
        header.set_entry_type(kind);
        header.set_mode(mode);
        header.set_size(size);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(u64::try_from(mtime).unwrap_or(0));
        header
    }

    fn dir(&mut self, name: &Path, mtime: i64) -> Result<(), SandboxError> {
        let mut header = Self::header(EntryType::Directory, 0o755, 0, mtime);
        self.builder
            .append_data(&mut header, name, std::io::empty())
            .map_err(|e| ship_error(name, &e.to_string()))
    }

    fn file(
        &mut self,
        name: &Path,
        data: &[u8],
        executable: bool,
        mtime: i64,
    ) -> Result<(), SandboxError> {
        let mode = if executable { 0o755 } else { 0o644 };
        let mut header = Self::header(EntryType::Regular, mode, data.len() as u64, mtime);
        self.builder
            .append_data(&mut header, name, data)
            .map_err(|e| ship_error(name, &e.to_string()))
    }

    fn entry(&mut self, entry: &Entry, name: &Path) -> Result<(), SandboxError> {
        match entry.kind {
            Kind::Dir => self.dir(name, entry.mtime),
            Kind::File => {
                let mut data = Vec::new();
                std::fs::File::open(&entry.path)
                    .and_then(|mut f| f.read_to_end(&mut data))
                    .map_err(|e| ship_error(&entry.path, &e.to_string()))?;
                self.file(name, &data, entry.executable, entry.mtime)
            }
            Kind::Link => {
                let target = std::fs::read_link(&entry.path)
                    .map_err(|e| ship_error(&entry.path, &e.to_string()))?;
                let mut header = Self::header(EntryType::Symlink, 0o777, 0, entry.mtime);
                self.builder
                    .append_link(&mut header, name, &target)
                    .map_err(|e| ship_error(&entry.path, &e.to_string()))
            }
        }
    }

    fn finish(self, fingerprint: String) -> Result<Shipment, SandboxError> {
        let archive = self
            .builder
            .into_inner()
            .map_err(|e| SandboxError::Runner(format!("could not finish an archive: {e}")))?;
        Ok(Shipment {
            fingerprint,
            archive: Bytes::from(archive),
        })
    }
}

#[cfg(test)]
#[path = "ship_tests.rs"]
mod tests;
