//! The per-session vault file: the session's token → value pairs,
//! encrypted at rest.
//!
//! The file (`<vault dir>/<session>.vault`, mode 0600) is
//! `MAGIC ‖ nonce ‖ XChaCha20-Poly1305(JSON entries)`, with the session id
//! as associated data so a vault cannot be passed off as another
//! session's. The 32-byte key is one file per user, created on first use
//! with mode 0600 outside the project (under the user's data directory), so
//! a copied or committed project directory carries no readable values.
//! Each save writes a new file and renames it over the old one: a crash
//! leaves the previous vault intact.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};

use super::{PiiError, VaultEntry};

const MAGIC: &[u8; 8] = b"VTCPII1\n";
const NONCE_LEN: usize = 24;
const KEY_LEN: usize = 32;

/// Where a user's vault key lives when nothing else is said: the user's
/// data directory, never the project.
pub fn default_key_file() -> Option<PathBuf> {
    dirs::data_dir().map(|dir| dir.join("vtcode").join("pii.key"))
}

/// The vault of one session.
pub struct Vault {
    path: PathBuf,
    session: String,
    cipher: XChaCha20Poly1305,
}

impl Vault {
    /// Opens the vault of `session` in `dir`, creating the key at
    /// `key_file` if there is none yet. The vault file itself is created by
    /// the first [`save`](Self::save).
    pub fn open(dir: &Path, key_file: &Path, session: &str) -> Result<Self, PiiError> {
        let key = load_or_create_key(key_file)?;
        Ok(Self {
            path: vault_path(dir, session),
            session: session.to_owned(),
            cipher: XChaCha20Poly1305::new(&key),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn fail(&self, message: impl Into<String>) -> PiiError {
        PiiError::Vault {
            path: self.path.clone(),
            message: message.into(),
        }
    }

    /// The stored entries; none when the session has no vault yet.
    pub fn load(&self) -> Result<Vec<VaultEntry>, PiiError> {
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(err) => return Err(self.fail(format!("cannot read it: {err}"))),
        };
        let body = bytes
            .strip_prefix(MAGIC.as_slice())
            .filter(|rest| rest.len() > NONCE_LEN)
            .ok_or_else(|| self.fail("it is not a vtcode vault file"))?;
        let (nonce, sealed) = body.split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: self.session.as_bytes(),
                },
            )
            .map_err(|_| {
                self.fail("it cannot be decrypted with this user's key (another user's or machine's vault, or a damaged file); the session's tokens cannot be restored")
            })?;
        serde_json::from_slice(&plain)
            .map_err(|err| self.fail(format!("unreadable entries: {err}")))
    }

    /// Replaces the stored entries with `entries`.
    pub fn save(&self, entries: &[VaultEntry]) -> Result<(), PiiError> {
        let plain = serde_json::to_vec(entries).map_err(|err| self.fail(err.to_string()))?;
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: &plain,
                    aad: self.session.as_bytes(),
                },
            )
            .map_err(|_| self.fail("encryption failed"))?;
        let mut bytes = Vec::with_capacity(MAGIC.len() + NONCE_LEN + sealed.len());
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&nonce);
        bytes.extend_from_slice(&sealed);
        if let Some(dir) = self.path.parent() {
            create_private_dir(dir)
                .map_err(|err| self.fail(format!("cannot create its directory: {err}")))?;
        }
        let partial = self.path.with_extension("vault.partial");
        write_private(&partial, &bytes, false)
            .and_then(|()| std::fs::rename(&partial, &self.path))
            .map_err(|err| self.fail(format!("cannot write it: {err}")))
    }
}

/// Deletes a session's vault; a session that never had one is fine.
pub fn delete(dir: &Path, session: &str) -> std::io::Result<()> {
    match std::fs::remove_file(vault_path(dir, session)) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => Err(err),
        _ => Ok(()),
    }
}

/// Session ids are UUIDs; anything else is reduced to a safe file name.
fn vault_path(dir: &Path, session: &str) -> PathBuf {
    let name: String = session
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    dir.join(format!("{name}.vault"))
}

fn load_or_create_key(path: &Path) -> Result<Key, PiiError> {
    let fail = |message: String| PiiError::Key {
        path: path.to_path_buf(),
        message,
    };
    if path.as_os_str().is_empty() {
        return Err(fail(
            "there is no user data directory to keep it in; set HOME (or XDG_DATA_HOME), or set [pii] enabled = false".to_owned(),
        ));
    }
    match std::fs::read(path) {
        Ok(bytes) if bytes.len() == KEY_LEN => return Ok(*Key::from_slice(&bytes)),
        Ok(_) => {
            return Err(fail(
                "the file is not a vtcode key (it must hold 32 bytes); move it aside to start a new key (existing vaults will no longer open)".to_owned(),
            ));
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => return Err(fail(format!("cannot read it: {err}"))),
    }
    if let Some(dir) = path.parent() {
        create_private_dir(dir)
            .map_err(|err| fail(format!("cannot create its directory: {err}")))?;
    }
    let key = XChaCha20Poly1305::generate_key(&mut OsRng);
    match write_private(path, key.as_slice(), true) {
        Ok(()) => Ok(key),
        // Another vtcode process created it first: use that one.
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => load_or_create_key(path),
        Err(err) => Err(fail(format!("cannot create it: {err}"))),
    }
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt as _;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Writes `bytes` to a file only its owner can read; `exclusive` refuses
/// to replace an existing file.
fn write_private(path: &Path, bytes: &[u8], exclusive: bool) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).mode(0o600);
    if exclusive {
        options.create_new(true);
    } else {
        options.create(true).truncate(true);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    fn entry(token: &str, value: &str) -> VaultEntry {
        VaultEntry {
            token: token.into(),
            kind: "email".into(),
            value: value.into(),
        }
    }

    #[test]
    fn entries_round_trip_encrypted_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("user/pii.key");
        let vault = Vault::open(&dir.path().join("vaults"), &key, "s-1").unwrap();
        assert!(vault.load().unwrap().is_empty());
        let entries = vec![entry("<<EMAIL_1>>", "ann@example.org")];
        vault.save(&entries).unwrap();
        let raw = std::fs::read(vault.path()).unwrap();
        assert!(!raw.windows(15).any(|w| w == b"ann@example.org"));
        for file in [vault.path(), key.as_path()] {
            let mode = std::fs::metadata(file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{}", file.display());
        }
        let again = Vault::open(&dir.path().join("vaults"), &key, "s-1").unwrap();
        assert_eq!(again.load().unwrap(), entries);
        // The same file under another session's name does not open.
        std::fs::copy(vault.path(), dir.path().join("vaults/s-2.vault")).unwrap();
        let other = Vault::open(&dir.path().join("vaults"), &key, "s-2").unwrap();
        assert!(other.load().is_err());
        delete(&dir.path().join("vaults"), "s-1").unwrap();
        assert!(!vault.path().exists());
    }
}
