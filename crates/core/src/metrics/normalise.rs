//! Blanking the values out of error messages and programs.
//!
//! Two failures of the same kind rarely have the same text: the timezone,
//! the id, the line number differ. Replacing quoted values, ids, paths and
//! numbers by placeholders makes them group ("Invalid timezone: '…'"), and
//! keeps the values themselves (which may be personal data or secrets) out
//! of the database. A program's shape is the same idea applied to code: its
//! literals blanked and its layout ignored, hashed.

use std::sync::LazyLock;

use regex::Regex;
use sha2::{Digest, Sha256};

/// Longest normalised message kept.
const MAX_ERROR_CHARS: usize = 160;

/// The prefix Python MCP servers put before a tool's own message; it names
/// the tool, which the grouping already does.
static TOOL_PREFIX: LazyLock<Option<Regex>> =
    LazyLock::new(|| compile(r"^(?i)error executing tool [\w.-]+:\s*"));
static QUOTED: LazyLock<Option<Regex>> =
    LazyLock::new(|| compile(r#"'[^'\n]*'|"[^"\n]*"|`[^`\n]*`"#));
static EMAIL: LazyLock<Option<Regex>> = LazyLock::new(|| compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"));
static UUID: LazyLock<Option<Regex>> = LazyLock::new(|| {
    compile(r"(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
});
static HEX_WORD: LazyLock<Option<Regex>> = LazyLock::new(|| compile(r"(?i)\b[0-9a-f]{6,}\b"));
static PATH: LazyLock<Option<Regex>> = LazyLock::new(|| compile(r"[\w.~-]+/[\w./~-]+"));
static NUMBER: LazyLock<Option<Regex>> = LazyLock::new(|| compile(r"\d+(\.\d+)?"));
static SPACE: LazyLock<Option<Regex>> = LazyLock::new(|| compile(r"\s+"));
static CODE_LITERAL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    compile(
        r#"(?s)"{3}.*?"{3}|'{3}.*?'{3}|"(\\.|[^"\\\n])*"|'(\\.|[^'\\\n])*'|`(\\.|[^`\\])*`|\b\d+(\.\d+)?\b"#,
    )
});
static COMMENT: LazyLock<Option<Regex>> = LazyLock::new(|| compile(r"(?m)(#|//).*$"));

/// The patterns are constants covered by the tests below; should one fail
/// to compile, its replacement is skipped rather than the caller failing.
fn compile(pattern: &str) -> Option<Regex> {
    Regex::new(pattern).ok()
}

fn replace(regex: &Option<Regex>, text: &str, with: &str) -> String {
    match regex {
        Some(regex) => regex.replace_all(text, with).into_owned(),
        None => text.to_string(),
    }
}

/// The first line of `message` with its values replaced by placeholders.
pub fn normalise_error(message: &str) -> String {
    let line = message
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or("");
    let text = replace(&TOOL_PREFIX, line, "");
    let text = replace(&QUOTED, &text, "'…'");
    let text = replace(&EMAIL, &text, "…");
    let text = replace(&UUID, &text, "<id>");
    let text = replace(&PATH, &text, "…");
    let text = match &*HEX_WORD {
        // A hex word is an id only when it mixes digits and letters.
        Some(regex) => regex
            .replace_all(&text, |caps: &regex::Captures<'_>| {
                let word = &caps[0];
                let digit = word.chars().any(|c| c.is_ascii_digit());
                let letter = word.chars().any(|c| c.is_ascii_alphabetic());
                if digit && letter {
                    "<id>".to_string()
                } else {
                    word.to_string()
                }
            })
            .into_owned(),
        None => text,
    };
    let text = replace(&NUMBER, &text, "N");
    let text = replace(&SPACE, &text, " ");
    text.trim().chars().take(MAX_ERROR_CHARS).collect()
}

/// A short hash of a program with comments, literals and layout removed.
pub fn program_shape(code: &str) -> String {
    let text = replace(&CODE_LITERAL, code, "_");
    let text = replace(&COMMENT, &text, "");
    let text = replace(&SPACE, &text, " ");
    let digest = Sha256::digest(text.trim().as_bytes());
    hex::encode(&digest[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_that_differ_only_in_values_group_together() {
        let a = normalise_error("Invalid timezone: 'Mars/Olympus'");
        let b = normalise_error("Invalid timezone: 'Venus/Base'\ntraceback...");
        assert_eq!(a, b);
        assert_eq!(a, "Invalid timezone: '…'");
        assert_eq!(
            normalise_error("Error executing tool convert_time: Invalid timezone: 'X'"),
            a
        );
        assert_eq!(
            normalise_error("No time zone found with key Mars/Olympus"),
            "No time zone found with key …"
        );
        assert_eq!(
            normalise_error(
                "record 1234 of user a1b2c3d4e5 at 12.5 s not found for bob@example.com"
            ),
            "record N of user <id> at N s not found for …"
        );
    }

    #[test]
    fn programs_that_differ_only_in_literals_have_one_shape() {
        let a = program_shape(
            "from servers.time import get_current_time\nget_current_time(timezone='UTC')  # now\n",
        );
        let b = program_shape(
            "from servers.time import get_current_time\n\nget_current_time(timezone=\"Asia/Tokyo\")",
        );
        let c = program_shape("from servers.time import convert_time\nconvert_time(time='12:00')");
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}
