//! [`Detector`]: every enabled rule over one text, overlaps resolved, the
//! allow list applied.
//!
//! Secrets and custom patterns run on every text; personal data only when
//! the caller's [`Scope`] says the text is tool or program output. A
//! finding that overlaps an earlier, longer one is dropped, so a card
//! number inside a private-key block is not tokenized twice.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use regex::Regex;

use super::digits::{self, Personal};
use super::secrets::{MIN_ENV_SECRET, Secrets};
use super::{Kind, PiiError, Scope};

/// Words in an environment variable's name that make its value a secret.
const SECRET_NAME_WORDS: &[&str] = &["KEY", "TOKEN", "SECRET", "PASSWORD"];

/// What a [`Detector`] is built from: `[pii]` plus the process environment.
#[derive(Clone, Default)]
pub struct DetectorSettings {
    /// Entries of [`BUILTIN_KINDS`](super::BUILTIN_KINDS).
    pub kinds: Vec<String>,
    /// `[pii] patterns`: name → regular expression.
    pub patterns: BTreeMap<String, String>,
    /// `[pii] allow`: exact values, or `/regex/`.
    pub allow: Vec<String>,
    /// The environment; values of variables named like secrets are secrets.
    pub env: Vec<(String, String)>,
}

/// Never prints the environment: it holds the secrets.
impl std::fmt::Debug for DetectorSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DetectorSettings")
            .field("kinds", &self.kinds)
            .field("patterns", &self.patterns)
            .field("allow", &self.allow)
            .field("env", &format_args!("{} variables", self.env.len()))
            .finish()
    }
}

/// One detected value: its kind and byte range in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: Kind,
    pub span: Range<usize>,
}

/// One `[pii] allow` entry.
#[derive(Debug, Clone)]
pub enum AllowRule {
    /// Compared without regard to ASCII case.
    Exact(String),
    /// `/regex/`: a value it matches anywhere in is allowed.
    Pattern(Regex),
}

impl AllowRule {
    /// `/.../` is a regular expression; anything else an exact value.
    pub fn parse(entry: &str) -> Result<Self, String> {
        match entry
            .strip_prefix('/')
            .and_then(|rest| rest.strip_suffix('/'))
        {
            Some(pattern) if !pattern.is_empty() => compile_pattern(pattern).map(Self::Pattern),
            _ => Ok(Self::Exact(entry.to_owned())),
        }
    }

    fn allows(&self, value: &str) -> bool {
        match self {
            AllowRule::Exact(exact) => exact.eq_ignore_ascii_case(value),
            AllowRule::Pattern(re) => re.is_match(value),
        }
    }
}

/// Compiles a user's regular expression, with the one-line reason when it
/// does not compile (the regex crate's own message spans several lines).
pub fn compile_pattern(pattern: &str) -> Result<Regex, String> {
    Regex::new(pattern).map_err(|err| {
        let text = err.to_string();
        let reason = text
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or(&text)
            .trim()
            .trim_start_matches("error: ")
            .to_owned();
        format!("`{pattern}` is not a valid regular expression: {reason}")
    })
}

/// Whether `name` may name a custom pattern: it becomes a token label.
pub(crate) fn valid_pattern_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && name.len() <= 32
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[derive(Debug, Clone)]
pub struct Detector {
    personal: Personal,
    secrets: Option<Secrets>,
    custom: Vec<(Kind, Regex)>,
    allow: Vec<AllowRule>,
}

impl Detector {
    pub fn new(settings: &DetectorSettings) -> Result<Self, PiiError> {
        let on = |kind: &str| settings.kinds.iter().any(|k| k == kind);
        let personal = Personal {
            email: on("email"),
            phone: on("phone"),
            ssn: on("ssn"),
            card: on("credit_card"),
            iban: on("iban"),
        };
        let secrets = if on("secret") {
            let mut values: Vec<String> = settings
                .env
                .iter()
                .filter(|(name, value)| {
                    let upper = name.to_ascii_uppercase();
                    SECRET_NAME_WORDS.iter().any(|w| upper.contains(w))
                        && value.len() >= MIN_ENV_SECRET
                })
                .map(|(_, value)| value.clone())
                .collect();
            values.sort();
            values.dedup();
            Some(Secrets::new(&values)?)
        } else {
            None
        };
        let mut custom = Vec::new();
        for (name, pattern) in &settings.patterns {
            let fail = |message: String| PiiError::Pattern {
                name: name.clone(),
                message,
            };
            if !valid_pattern_name(name) {
                return Err(fail(
                    "a pattern name is lower-case letters, digits and `_`, starting with a letter"
                        .to_owned(),
                ));
            }
            let re = compile_pattern(pattern).map_err(fail)?;
            custom.push((Kind::Custom(Arc::from(name.as_str())), re));
        }
        let allow = settings
            .allow
            .iter()
            .map(|entry| AllowRule::parse(entry).map_err(PiiError::Allow))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            personal,
            secrets,
            custom,
            allow,
        })
    }

    /// Whether nothing at all would ever be found.
    pub fn is_inert(&self) -> bool {
        !self.personal.any() && self.secrets.is_none() && self.custom.is_empty()
    }

    /// Every value in `text` that `scope` covers, in order, not overlapping.
    pub fn find(&self, text: &str, scope: Scope) -> Vec<Finding> {
        let mut out = Vec::new();
        if let Some(secrets) = &self.secrets {
            secrets.scan(text, &mut out);
        }
        for (kind, re) in &self.custom {
            out.extend(
                re.find_iter(text)
                    .filter(|m| !m.is_empty())
                    .map(|m| Finding {
                        kind: kind.clone(),
                        span: m.range(),
                    }),
            );
        }
        if scope == Scope::All && self.personal.any() {
            digits::scan(text, self.personal, &mut out);
        }
        if out.is_empty() {
            return out;
        }
        out.sort_by(|a, b| {
            a.span
                .start
                .cmp(&b.span.start)
                .then(b.span.end.cmp(&a.span.end))
        });
        let mut kept = Vec::with_capacity(out.len());
        let mut covered = 0;
        for finding in out {
            if finding.span.start < covered {
                continue;
            }
            let value = &text[finding.span.clone()];
            if self.allow.iter().any(|rule| rule.allows(value)) {
                continue;
            }
            covered = finding.span.end;
            kept.push(finding);
        }
        kept
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn settings() -> DetectorSettings {
        DetectorSettings {
            kinds: super::super::BUILTIN_KINDS
                .iter()
                .map(|k| (*k).to_owned())
                .collect(),
            ..DetectorSettings::default()
        }
    }

    #[test]
    fn personal_data_only_in_scope_all_and_secrets_everywhere() {
        let detector = Detector::new(&settings()).unwrap();
        let text = "ann@example.org AKIAIOSFODNN7EXAMPLE";
        assert_eq!(detector.find(text, Scope::All).len(), 2);
        let secrets = detector.find(text, Scope::Secrets);
        assert_eq!(secrets.len(), 1);
        assert_eq!(secrets[0].kind, Kind::AwsKey);
    }

    #[test]
    fn allow_list_and_custom_patterns_apply() {
        let mut s = settings();
        s.allow = vec!["me@example.org".into(), r"/@test\.example$/".into()];
        s.patterns.insert("employee_id".into(), r"EMP-\d{6}".into());
        let detector = Detector::new(&s).unwrap();
        let found = detector.find(
            "ME@example.org a@test.example b@corp.example EMP-123456",
            Scope::All,
        );
        let kinds: Vec<&str> = found.iter().map(|f| f.kind.name()).collect();
        assert_eq!(kinds, ["email", "employee_id"]);
    }

    #[test]
    fn secret_named_environment_values_become_secrets() {
        let mut s = settings();
        s.env = vec![
            ("MY_SERVICE_TOKEN".into(), "tok-0123456789".into()),
            ("HOME".into(), "/home/someone-long".into()),
            ("SHORT_KEY".into(), "abc".into()),
        ];
        let detector = Detector::new(&s).unwrap();
        let text = "tok-0123456789 /home/someone-long abc";
        let found = detector.find(text, Scope::Secrets);
        assert_eq!(found.len(), 1);
        assert_eq!(&text[found[0].span.clone()], "tok-0123456789");
    }

    #[test]
    fn a_bad_pattern_is_reported_in_one_line() {
        let message = compile_pattern("EMP-(\\d+").unwrap_err();
        assert!(message.starts_with("`EMP-(\\d+` is not a valid regular expression:"));
        assert!(!message.contains('\n'), "{message}");
    }
}
