//! The SDK cache: `<cache_root>/<catalog hash>/{python,javascript}/servers/`.
//!
//! A directory is published only when complete: both languages are
//! generated into a temporary sibling and renamed into place, so a reader
//! (another vtcode process, a sandbox mount) never sees half an SDK, and a
//! crash leaves at most a stray temporary directory. The marker file names
//! the generator format; bumping [`CACHE_FORMAT`] makes old entries
//! regenerate instead of serving code from an older generator.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::{SdkError, SdkLanguage, generate};
use crate::catalog::ToolCatalog;

/// Contents of the marker file of a complete cache entry.
const CACHE_FORMAT: &str = "vtcode-sdk 1\n";
const MARKER: &str = ".vtcode-sdk";

/// Where `lang`'s SDK lives inside a directory returned by [`ensure_cached`]
/// (the directory to put on `sys.path` / resolve `servers/...` from).
pub fn language_dir(sdk_root: &Path, lang: SdkLanguage) -> PathBuf {
    sdk_root.join(lang.dir_name())
}

/// Returns `<cache_root>/<catalog hash>`, generating both languages into it
/// first unless a complete entry is already there.
pub fn ensure_cached(catalog: &ToolCatalog, cache_root: &Path) -> Result<PathBuf, SdkError> {
    let dir = cache_root.join(catalog.hash());
    if is_complete(&dir) {
        return Ok(dir);
    }
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SdkError::Io { path, source }
    };
    std::fs::create_dir_all(cache_root).map_err(io(cache_root))?;
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let temp = cache_root.join(format!(
        ".tmp-{}-{}-{nanos}",
        catalog.hash(),
        std::process::id()
    ));
    let result = fill(catalog, &temp).and_then(|()| publish(&temp, &dir));
    if temp.exists() {
        // Best effort: a leftover temporary directory is harmless.
        let _ = std::fs::remove_dir_all(&temp);
    }
    result.map(|()| dir)
}

/// Whether the SDK of `catalog` is already complete under `cache_root`.
pub fn is_cached(catalog: &ToolCatalog, cache_root: &Path) -> bool {
    is_complete(&cache_root.join(catalog.hash()))
}

fn is_complete(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join(MARKER)).is_ok_and(|m| m == CACHE_FORMAT)
}

fn fill(catalog: &ToolCatalog, temp: &Path) -> Result<(), SdkError> {
    for lang in SdkLanguage::ALL {
        generate(catalog, lang, &language_dir(temp, lang))?;
    }
    let marker = temp.join(MARKER);
    std::fs::write(&marker, CACHE_FORMAT).map_err(|source| SdkError::Io {
        path: marker,
        source,
    })
}

fn publish(temp: &Path, dir: &Path) -> Result<(), SdkError> {
    if dir.exists() {
        if is_complete(dir) {
            // Another process finished first; its output is identical.
            return Ok(());
        }
        // An entry from another generator format, or a damaged one.
        std::fs::remove_dir_all(dir).map_err(|source| SdkError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    match std::fs::rename(temp, dir) {
        Ok(()) => Ok(()),
        Err(_) if is_complete(dir) => Ok(()),
        Err(source) => Err(SdkError::Io {
            path: dir.to_path_buf(),
            source,
        }),
    }
}
