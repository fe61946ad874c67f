//! Turning MCP names (any string: `get-time`, `1st`, `class`, `天气`) into
//! identifiers and file names a language accepts, with no two names in one
//! scope ending up the same.
//!
//! Names that are already safe keep their spelling and claim it first; the
//! others are mangled (invalid ASCII becomes `_`, other characters
//! `u<hex>`, a leading digit gets a `_` prefix, keywords a `_` suffix) and,
//! if the result is taken, get `_2`, `_3`, ... in input order. Comparison is
//! case-insensitive because these names are also file names on
//! case-insensitive file systems.

use std::collections::HashSet;
use std::fmt::Write as _;

/// Keywords and soft keywords of Python 3.
const PYTHON_KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "case", "class",
    "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if",
    "import", "in", "is", "lambda", "match", "nonlocal", "not", "or", "pass", "raise", "return",
    "try", "type", "while", "with", "yield",
];

/// Reserved words of JavaScript (strict mode and modules included), plus the
/// names that cannot be bound in strict code.
const JAVASCRIPT_KEYWORDS: &[&str] = &[
    "arguments",
    "await",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "eval",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "function",
    "if",
    "implements",
    "import",
    "in",
    "instanceof",
    "interface",
    "let",
    "new",
    "null",
    "package",
    "private",
    "protected",
    "public",
    "return",
    "static",
    "super",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "typeof",
    "undefined",
    "var",
    "void",
    "while",
    "with",
    "yield",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Syntax {
    Python,
    Javascript,
}

impl Syntax {
    fn is_keyword(self, name: &str) -> bool {
        match self {
            Self::Python => PYTHON_KEYWORDS.contains(&name),
            Self::Javascript => JAVASCRIPT_KEYWORDS.contains(&name),
        }
    }
}

/// True when `name` can be used as-is as an identifier in `syntax`.
pub(super) fn is_safe(syntax: Syntax, name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !syntax.is_keyword(name)
}

fn mangle(syntax: Syntax, raw: &str) -> String {
    let mut out = String::new();
    for c in raw.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c);
        } else if c.is_ascii() {
            out.push('_');
        } else {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            let _ = write!(out, "u{:04x}_", c as u32);
        }
    }
    if out.is_empty() {
        out.push('_');
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    if syntax.is_keyword(&out) {
        out.push('_');
    }
    out
}

/// Gives safe, unique identifiers to the names of one scope.
pub(super) struct Namer {
    syntax: Syntax,
    taken: HashSet<String>,
}

impl Namer {
    /// `reserved` are names the generated code already uses in this scope.
    pub(super) fn new(syntax: Syntax, reserved: &[&str]) -> Self {
        Self {
            syntax,
            taken: reserved.iter().map(|r| r.to_lowercase()).collect(),
        }
    }

    /// Safe names for `raws`, in the same order.
    pub(super) fn assign(&mut self, raws: &[&str]) -> Vec<String> {
        let mut out = vec![String::new(); raws.len()];
        // Names that are already safe keep their spelling when free.
        for (slot, raw) in out.iter_mut().zip(raws) {
            if is_safe(self.syntax, raw) && self.taken.insert(raw.to_lowercase()) {
                *slot = (*raw).to_string();
            }
        }
        for (slot, raw) in out.iter_mut().zip(raws) {
            if slot.is_empty() {
                *slot = self.claim(mangle(self.syntax, raw));
            }
        }
        out
    }

    /// `base` itself if free, else `base_2`, `base_3`, ...
    pub(super) fn claim(&mut self, base: String) -> String {
        if self.taken.insert(base.to_lowercase()) {
            return base;
        }
        let mut n = 2;
        loop {
            let candidate = format!("{base}_{n}");
            if self.taken.insert(candidate.to_lowercase()) {
                return candidate;
            }
            n += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_names_win_and_others_get_suffixes() {
        let mut namer = Namer::new(Syntax::Python, &[]);
        let names = namer.assign(&[
            "get-time", "get_time", "class", "1st", "a.b", "天气", "GET_TIME",
        ]);
        assert_eq!(
            names,
            [
                "get_time_2",
                "get_time",
                "class_",
                "_1st",
                "a_b",
                "u5929_u6c14_",
                "GET_TIME_3"
            ]
        );
    }

    #[test]
    fn javascript_keywords_differ_from_python() {
        let mut js = Namer::new(Syntax::Javascript, &[]);
        assert_eq!(js.assign(&["delete", "def"]), ["delete_", "def"]);
        let mut py = Namer::new(Syntax::Python, &[]);
        assert_eq!(py.assign(&["delete", "def"]), ["delete", "def_"]);
    }
}
