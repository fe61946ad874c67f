//! What `vtcode pii redact` and `vtcode pii audit` print, built from
//! values the caller read (this module does no I/O).

use std::fmt::Write as _;

use serde_json::json;

use super::{Detector, DetectorSettings, PiiError, Scope, Tokenizer};
use crate::config::PiiConfig;
use crate::store::PiiAuditRow;

impl DetectorSettings {
    /// `[pii]` with the environment whose secret-named values are secrets.
    pub fn from_config(pii: &PiiConfig, env: Vec<(String, String)>) -> Self {
        Self {
            kinds: pii.kinds.clone(),
            patterns: pii.patterns.clone(),
            allow: pii.allow.clone(),
            env,
        }
    }
}

/// `text` as the model would see it in a tool's output, with a fresh
/// numbering; `json` adds each finding's kind, token and byte span.
pub fn redact(settings: &DetectorSettings, text: &str, json: bool) -> Result<String, PiiError> {
    let mut tokenizer = Tokenizer::new(Detector::new(settings)?);
    let tokenized = tokenizer.tokenize(text, Scope::All);
    if !json {
        return Ok(tokenized.text.into_owned());
    }
    let entries = tokenizer.entries();
    let findings: Vec<_> = tokenized
        .placed
        .iter()
        .map(|p| {
            let entry = &entries[p.entry];
            json!({"kind": entry.kind, "token": entry.token, "start": p.span.start, "end": p.span.end})
        })
        .collect();
    let report = json!({"text": tokenized.text, "findings": findings});
    Ok(format!("{report:#}\n"))
}

/// The audit trail as a table, or as JSON lines with `json`.
pub fn render_audit(rows: &[PiiAuditRow], json: bool) -> String {
    let mut out = String::new();
    if json {
        for row in rows {
            let _ = writeln!(out, "{}", serde_json::to_string(row).unwrap_or_default());
        }
        return out;
    }
    if rows.is_empty() {
        return "nothing was tokenized yet\n".to_owned();
    }
    let _ = writeln!(
        out,
        "{:<24}  {:<36}  {:<20}  {:<14}  {:<20}  count",
        "time", "session", "source", "kind", "token"
    );
    for r in rows {
        let _ = writeln!(
            out,
            "{:<24}  {:<36}  {:<20}  {:<14}  {:<20}  {}",
            r.at, r.session_id, r.source, r.kind, r.token, r.count
        );
    }
    out
}
