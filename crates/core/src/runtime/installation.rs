//! This vtcode installation's id: a random id made on first use and kept in
//! the user's data directory (beside the PII vault key, never in a
//! project). Sandbox containers carry it, so on a Docker engine shared by
//! several machines each vtcode removes only its own leftovers.

use std::path::{Path, PathBuf};

/// Where the id is kept.
pub fn installation_file() -> Option<PathBuf> {
    dirs::data_dir().map(|dir| dir.join("vtcode").join("installation-id"))
}

/// The id in `file`, created there when missing. `None` when the file can
/// neither be read nor written (the sandbox then falls back to an id made
/// from the host name and user).
pub fn installation_id(file: &Path) -> Option<String> {
    if let Ok(text) = std::fs::read_to_string(file) {
        let id = text.trim();
        if !id.is_empty() {
            return Some(id.to_owned());
        }
    }
    let id = uuid::Uuid::new_v4().simple().to_string();
    let dir = file.parent()?;
    std::fs::create_dir_all(dir).ok()?;
    // Written to a temporary name and linked into place, so two vtcode
    // processes starting at once agree on one id.
    let temp = dir.join(format!(".installation-id-{}", std::process::id()));
    std::fs::write(&temp, format!("{id}\n")).ok()?;
    let linked = std::fs::hard_link(&temp, file);
    let _ = std::fs::remove_file(&temp);
    match linked {
        Ok(()) => Some(id),
        Err(_) => std::fs::read_to_string(file)
            .ok()
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_id_is_made_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("vtcode/installation-id");
        let first = installation_id(&file).unwrap();
        assert_eq!(first.len(), 32);
        assert_eq!(installation_id(&file).unwrap(), first);
        assert_eq!(std::fs::read_to_string(&file).unwrap().trim(), first);
    }
}
