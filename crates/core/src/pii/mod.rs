//! Personal data and secrets: found in text, swapped for stable tokens
//! before the model reads it, swapped back before a tool acts on it.
//!
//! Mental model: the model only ever sees placeholders such as
//! `<<EMAIL_3>>`. A [`Detector`] finds values (validated, so a digit run
//! that fails Luhn or an IBAN that fails mod-97 is left alone); a
//! [`Tokenizer`] gives each distinct value one token for the whole session
//! and remembers the pair; [`Tokenizer::restore`] turns tokens in the
//! model's tool calls back into the values just before the call runs. The
//! pairs live in a per-session [`vault`] file, encrypted with a key kept
//! outside the project, so a resumed session keeps its tokens.
//!
//! This module is pure: no I/O except the vault file. The agent decides
//! which text crosses the model boundary and with which [`Scope`]; audit
//! rows and metrics are written by the caller from what tokenizing reports
//! (kinds, tokens and counts, never the values).

mod detector;
mod digits;
mod kinds;
mod report;
mod secrets;
mod tokenizer;
mod validate;
pub mod vault;

pub(crate) use detector::valid_pattern_name;
pub use detector::{AllowRule, Detector, DetectorSettings, Finding, compile_pattern};
pub use kinds::{BUILTIN_KINDS, Kind};
pub use report::{redact, render_audit};
pub use tokenizer::{Restored, StreamRestorer, TokenUse, Tokenized, Tokenizer, VaultEntry};

/// How much of the detector applies to a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Secrets and custom patterns only: project files, tool descriptions.
    Secrets,
    /// Every enabled kind: tool and program output.
    All,
}

#[derive(Debug, thiserror::Error)]
pub enum PiiError {
    #[error("[pii] patterns.{name}: {message}")]
    Pattern { name: String, message: String },
    #[error("the secret matcher could not be built: {0}")]
    Matcher(String),
    #[error("[pii] allow: {0}")]
    Allow(String),
    #[error("the PII vault key {}: {message}", path.display())]
    Key {
        path: std::path::PathBuf,
        message: String,
    },
    #[error("the PII vault {}: {message}", path.display())]
    Vault {
        path: std::path::PathBuf,
        message: String,
    },
}
