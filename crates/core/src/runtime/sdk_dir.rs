//! The SDK directory the sandbox sees at `/sdk`.
//!
//! The sandbox's warm runners are prepared with their mounts before the MCP
//! servers have finished connecting, and the catalog changes whenever a
//! server changes its tools. So the mount must be one stable directory — the
//! SDK cache root — and "the current SDK" is a pair of relative symlinks in
//! it, `python -> <hash>/python` and `javascript -> <hash>/javascript`,
//! swapped atomically (a new link renamed over the old one). A program that
//! starts after the swap sees the new SDK; one that is running keeps the
//! files it already imported.

use std::path::{Path, PathBuf};

use crate::catalog::ToolCatalog;
use crate::sdk::{SdkError, SdkLanguage, ensure_cached};

/// Generates (or reuses) the SDK of `catalog` under `sdk_root` and points
/// the per-language links at it. Returns the cache entry.
pub fn publish(catalog: &ToolCatalog, sdk_root: &Path) -> Result<PathBuf, SdkError> {
    let entry = ensure_cached(catalog, sdk_root)?;
    let hash = catalog.hash();
    for lang in SdkLanguage::ALL {
        let name = lang.dir_name();
        let link = sdk_root.join(name);
        let target = Path::new(hash).join(name);
        if std::fs::read_link(&link).is_ok_and(|current| current == target) {
            continue;
        }
        let temp = sdk_root.join(format!(".{name}.link-{}", std::process::id()));
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| SdkError::Io { path, source }
        };
        let _ = std::fs::remove_file(&temp);
        std::os::unix::fs::symlink(&target, &temp).map_err(io(&temp))?;
        std::fs::rename(&temp, &link).map_err(io(&link))?;
    }
    Ok(entry)
}
