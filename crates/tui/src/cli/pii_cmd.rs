//! `vtcode pii audit | redact` and `vtcode sessions rm`: thin calls into
//! core's PII module and stores.

use std::io::Read as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use vtcode_core::config::LoadedConfig;
use vtcode_core::pii::{DetectorSettings, redact as redact_text, render_audit};
use vtcode_core::runtime::pii_vault_dir;
use vtcode_core::session::SessionStore;
use vtcode_core::store::Store;

pub fn audit(loaded: &LoadedConfig, session: Option<&str>, json: bool) -> Result<ExitCode> {
    let store = Store::open(&loaded.paths.db)?;
    let rows = store.pii_audit(session)?;
    print!("{}", render_audit(&rows, json));
    Ok(ExitCode::SUCCESS)
}

/// Invalid UTF-8 is shown with replacement characters, as the model would
/// get it from a tool.
pub fn redact(loaded: &LoadedConfig, file: Option<&Path>, json: bool) -> Result<ExitCode> {
    let mut bytes = Vec::new();
    match file.filter(|f| f.as_os_str() != "-") {
        Some(path) => {
            bytes =
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        }
        None => {
            std::io::stdin()
                .read_to_end(&mut bytes)
                .context("cannot read standard input")?;
        }
    }
    let text = String::from_utf8_lossy(&bytes);
    if !loaded.config.pii.enabled {
        eprintln!(
            "note: [pii] enabled = false, so the model reads tool output as it is; shown here with the rules it would apply"
        );
    }
    let settings = DetectorSettings::from_config(&loaded.config.pii, std::env::vars().collect());
    print!("{}", redact_text(&settings, &text, json)?);
    Ok(ExitCode::SUCCESS)
}

pub fn sessions_rm(loaded: &LoadedConfig, id: &str) -> Result<ExitCode> {
    let store = SessionStore::open(&loaded.paths.db)?;
    store.delete(id, &pii_vault_dir(loaded))?;
    println!("deleted session {id} and its PII vault");
    Ok(ExitCode::SUCCESS)
}
