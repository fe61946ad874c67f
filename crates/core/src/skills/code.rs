//! Reading a skill's code without running it: does it parse, which public
//! functions does it define (with signature and docstring), and which SDK
//! tools does it import.
//!
//! Python is read by the host's `python3` with `ast`, the language's own
//! parser, kept running between saves (see [`super::python`]); JavaScript is checked by `node --check` and its exports and SDK
//! imports are read from the text (the SDK's import forms are few).

use std::process::Command;

use regex::Regex;
use serde::{Deserialize, Serialize};

/// One public function of a skill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Function {
    pub name: String,
    pub signature: String,
    #[serde(default)]
    pub doc: String,
}

/// What a reading found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Analysis {
    pub functions: Vec<Function>,
    /// `(package, function)` pairs of `servers.<package>` the code uses.
    pub sdk_imports: Vec<(String, String)>,
    /// Other skills' modules it imports.
    pub skill_imports: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("the code does not parse: line {line}: {message}")]
    Syntax { line: usize, message: String },
    #[error(
        "the code defines no public function; define at least one top-level function whose name does not start with `_`"
    )]
    NoFunction,
    #[error("cannot check the code: {0}")]
    Checker(String),
}

/// Reads `code` in `language` (`python` or `javascript`).
pub fn analyse(language: &str, code: &str) -> Result<Analysis, CodeError> {
    let mut analysis = match language {
        "javascript" => analyse_javascript(code)?,
        _ => super::python::analyse(code)?,
    };
    if analysis.functions.is_empty() {
        return Err(CodeError::NoFunction);
    }
    analysis.sdk_imports.sort();
    analysis.sdk_imports.dedup();
    analysis.skill_imports.sort();
    analysis.skill_imports.dedup();
    Ok(analysis)
}

pub(super) fn host_program(name: &str) -> Result<std::path::PathBuf, CodeError> {
    let fixed = [format!("/usr/bin/{name}"), format!("/usr/local/bin/{name}")];
    fixed
        .iter()
        .map(std::path::PathBuf::from)
        .find(|p| p.is_file())
        .or_else(|| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|d| d.join(name))
                    .find(|p| p.is_file())
            })
        })
        .ok_or_else(|| {
            CodeError::Checker(format!(
                "`{name}` is not installed on this machine; install it to save skills in that language"
            ))
        })
}

fn regex(pattern: &str) -> Regex {
    #[allow(clippy::expect_used)]
    Regex::new(pattern).expect("the patterns here are valid")
}

fn analyse_javascript(code: &str) -> Result<Analysis, CodeError> {
    let node = host_program("node")?;
    let file = tempfile::Builder::new()
        .prefix("vtcode-skill-")
        .suffix(".mjs")
        .tempfile()
        .map_err(|e| CodeError::Checker(format!("temp file: {e}")))?;
    std::fs::write(file.path(), code).map_err(|e| CodeError::Checker(e.to_string()))?;
    let output = Command::new(node)
        .arg("--check")
        .arg(file.path())
        .output()
        .map_err(|e| CodeError::Checker(format!("node did not start: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let line = stderr
            .lines()
            .next()
            .and_then(|l| l.rsplit(':').next())
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(1);
        let message = stderr
            .lines()
            .find(|l| l.contains("Error:"))
            .unwrap_or("syntax error")
            .trim()
            .to_string();
        return Err(CodeError::Syntax { line, message });
    }
    let mut analysis = Analysis::default();
    let function = regex(
        r"(?m)(?:/\*\*((?:[^*]|\*[^/])*)\*/\s*)?^export\s+(async\s+)?function\s*\*?\s*([A-Za-z_$][\w$]*)\s*\(([^)]*)\)",
    );
    for caps in function.captures_iter(code) {
        let name = caps[3].to_string();
        if name.starts_with('_') {
            continue;
        }
        let doc = caps.get(1).map_or(String::new(), |d| {
            d.as_str()
                .lines()
                .map(|l| l.trim().trim_start_matches('*').trim())
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join("\n")
        });
        let params = caps[4].split_whitespace().collect::<Vec<_>>().join(" ");
        let head = if caps.get(2).is_some() {
            "async function"
        } else {
            "function"
        };
        analysis.functions.push(Function {
            signature: format!("{head} {name}({params})"),
            name,
            doc,
        });
    }
    let named =
        regex(r#"import\s*\{([^}]*)\}\s*from\s*['"](servers|skills)/([^'"/]+)(?:/[^'"]*)?['"]"#);
    for caps in named.captures_iter(code) {
        if &caps[2] == "skills" {
            analysis.skill_imports.push(caps[3].to_string());
            continue;
        }
        for part in caps[1].split(',') {
            let ident = part.split_whitespace().next().unwrap_or("");
            if !ident.is_empty() {
                analysis
                    .sdk_imports
                    .push((caps[3].to_string(), ident.to_string()));
            }
        }
    }
    let star = regex(r#"import\s*\*\s*as\s*([\w$]+)\s*from\s*['"]servers/([^'"/]+)['"]"#);
    for caps in star.captures_iter(code) {
        let uses = regex(&format!(
            r"\b{}\.([A-Za-z_$][\w$]*)",
            regex::escape(&caps[1])
        ));
        for used in uses.captures_iter(code) {
            analysis
                .sdk_imports
                .push((caps[2].to_string(), used[1].to_string()));
        }
    }
    Ok(analysis)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn python_functions_and_sdk_imports_are_read() {
        let code = "from servers.ledger import list_expenses\nimport servers.time as t\nfrom skills.other_skill import helper\n\ndef total(region: str, limit: int = 10) -> float:\n    \"\"\"Sums expenses.\"\"\"\n    t.get_current_time(timezone='UTC')\n    return sum(e['amount'] for e in list_expenses(region=region))\n\ndef _private():\n    pass\n";
        let a = analyse("python", code).unwrap();
        assert_eq!(a.functions.len(), 1);
        assert_eq!(
            a.functions[0].signature,
            "def total(region: str, limit: int=10) -> float"
        );
        assert_eq!(a.functions[0].doc, "Sums expenses.");
        assert_eq!(
            a.sdk_imports,
            vec![
                ("ledger".to_string(), "list_expenses".to_string()),
                ("time".to_string(), "get_current_time".to_string())
            ]
        );
        assert_eq!(a.skill_imports, vec!["other_skill".to_string()]);
    }

    #[test]
    fn python_that_does_not_parse_or_defines_nothing_is_refused() {
        let err = analyse("python", "x = 1\ndef broken(:\n").unwrap_err();
        assert!(matches!(err, CodeError::Syntax { line: 2, .. }), "{err}");
        assert_eq!(
            analyse("python", "x = 1\n").unwrap_err(),
            CodeError::NoFunction
        );
    }

    #[test]
    fn javascript_is_checked_by_node() {
        let code = "import { list_expenses } from 'servers/ledger';\n/** Sums them. */\nexport async function total(region) {\n  return (await list_expenses({ region })).length;\n}\n";
        let a = analyse("javascript", code).unwrap();
        assert_eq!(a.functions[0].signature, "async function total(region)");
        assert_eq!(a.functions[0].doc, "Sums them.");
        assert_eq!(
            a.sdk_imports,
            vec![("ledger".into(), "list_expenses".into())]
        );
        let err = analyse("javascript", "export function f( {\n").unwrap_err();
        assert!(matches!(err, CodeError::Syntax { .. }), "{err}");
    }
}
