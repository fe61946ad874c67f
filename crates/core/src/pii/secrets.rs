//! Credentials, found by the prefixes their issuers put on them (one
//! Aho-Corasick pass over the text) and then checked for the right length
//! and alphabet; plus the exact values of vtcode's own secret-named
//! environment variables.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use memchr::memmem;

use super::{Finding, Kind, PiiError};

/// Shortest environment value treated as a secret: shorter values (`1`,
/// `true`, a port) would tokenize ordinary text.
pub(crate) const MIN_ENV_SECRET: usize = 8;

/// How a prefix match is completed into a secret.
#[derive(Debug, Clone, Copy)]
enum Rule {
    /// `len` more bytes of upper-case letters and digits (AWS key ids).
    Fixed {
        kind: Kind2,
        len: usize,
    },
    /// At least `min` more bytes from `alphabet`.
    Run {
        kind: Kind2,
        min: usize,
        alphabet: Alphabet,
    },
    Jwt,
    PrivateKey,
    Env,
}

/// The secret kinds, `Copy` so rules can be a const table.
#[derive(Debug, Clone, Copy)]
enum Kind2 {
    Aws,
    Github,
    OpenAi,
    Anthropic,
    Slack,
    Stripe,
}

impl Kind2 {
    fn kind(self) -> Kind {
        match self {
            Kind2::Aws => Kind::AwsKey,
            Kind2::Github => Kind::GithubToken,
            Kind2::OpenAi => Kind::OpenAiKey,
            Kind2::Anthropic => Kind::AnthropicKey,
            Kind2::Slack => Kind::SlackToken,
            Kind2::Stripe => Kind::StripeKey,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Alphabet {
    /// Letters and digits.
    Alnum,
    /// Letters, digits and `_`.
    Word,
    /// Letters, digits, `_` and `-`.
    Dashed,
    /// Letters, digits and `-`.
    Slack,
}

impl Alphabet {
    fn has(self, c: u8) -> bool {
        c.is_ascii_alphanumeric()
            || match self {
                Alphabet::Alnum => false,
                Alphabet::Word => c == b'_',
                Alphabet::Dashed => c == b'_' || c == b'-',
                Alphabet::Slack => c == b'-',
            }
    }
}

const fn run(kind: Kind2, min: usize, alphabet: Alphabet) -> Rule {
    Rule::Run {
        kind,
        min,
        alphabet,
    }
}

const PREFIXES: &[(&str, Rule)] = &[
    (
        "AKIA",
        Rule::Fixed {
            kind: Kind2::Aws,
            len: 16,
        },
    ),
    (
        "ASIA",
        Rule::Fixed {
            kind: Kind2::Aws,
            len: 16,
        },
    ),
    ("ghp_", run(Kind2::Github, 36, Alphabet::Alnum)),
    ("gho_", run(Kind2::Github, 36, Alphabet::Alnum)),
    ("ghu_", run(Kind2::Github, 36, Alphabet::Alnum)),
    ("ghs_", run(Kind2::Github, 36, Alphabet::Alnum)),
    ("ghr_", run(Kind2::Github, 36, Alphabet::Alnum)),
    ("github_pat_", run(Kind2::Github, 22, Alphabet::Word)),
    ("sk-ant-", run(Kind2::Anthropic, 20, Alphabet::Dashed)),
    ("sk-", run(Kind2::OpenAi, 20, Alphabet::Dashed)),
    ("xoxb-", run(Kind2::Slack, 10, Alphabet::Slack)),
    ("xoxp-", run(Kind2::Slack, 10, Alphabet::Slack)),
    ("xoxa-", run(Kind2::Slack, 10, Alphabet::Slack)),
    ("xoxr-", run(Kind2::Slack, 10, Alphabet::Slack)),
    ("xoxs-", run(Kind2::Slack, 10, Alphabet::Slack)),
    ("xoxe-", run(Kind2::Slack, 10, Alphabet::Slack)),
    ("sk_live_", run(Kind2::Stripe, 16, Alphabet::Alnum)),
    ("sk_test_", run(Kind2::Stripe, 16, Alphabet::Alnum)),
    ("rk_live_", run(Kind2::Stripe, 16, Alphabet::Alnum)),
    ("rk_test_", run(Kind2::Stripe, 16, Alphabet::Alnum)),
    ("whsec_", run(Kind2::Stripe, 16, Alphabet::Alnum)),
    ("eyJ", Rule::Jwt),
    ("-----BEGIN ", Rule::PrivateKey),
];

/// The compiled secret matcher.
#[derive(Debug, Clone)]
pub(crate) struct Secrets {
    matcher: AhoCorasick,
    rules: Vec<Rule>,
}

impl Secrets {
    /// `env_values` are literal secrets (already filtered by length).
    pub(crate) fn new(env_values: &[String]) -> Result<Self, PiiError> {
        let mut patterns: Vec<&str> = PREFIXES.iter().map(|(p, _)| *p).collect();
        let mut rules: Vec<Rule> = PREFIXES.iter().map(|(_, r)| *r).collect();
        for value in env_values {
            patterns.push(value);
            rules.push(Rule::Env);
        }
        let matcher = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            .map_err(|err| PiiError::Matcher(err.to_string()))?;
        Ok(Self { matcher, rules })
    }

    pub(crate) fn scan(&self, text: &str, out: &mut Vec<Finding>) {
        let b = text.as_bytes();
        let mut covered = 0;
        for m in self.matcher.find_iter(b) {
            if m.start() < covered {
                continue;
            }
            let Some(&rule) = self.rules.get(m.pattern().as_usize()) else {
                continue;
            };
            let found = match rule {
                Rule::Env => Some((Kind::EnvSecret, m.end())),
                _ if !boundary_before(b, m.start()) => None,
                Rule::Fixed { kind, len } => {
                    let end = m.end() + len;
                    let body_ok = b.get(m.end()..end).is_some_and(|s| {
                        s.iter()
                            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                    });
                    let alone = b.get(end).is_none_or(|c| !c.is_ascii_alphanumeric());
                    (body_ok && alone).then(|| (kind.kind(), end))
                }
                Rule::Run {
                    kind,
                    min,
                    alphabet,
                } => {
                    let end = extend(b, m.end(), |c| alphabet.has(c));
                    (end - m.end() >= min).then(|| (kind.kind(), end))
                }
                Rule::Jwt => jwt_end(b, m.start()).map(|end| (Kind::Jwt, end)),
                Rule::PrivateKey => private_key_end(b, m.end()).map(|end| (Kind::PrivateKey, end)),
            };
            if let Some((kind, end)) = found {
                covered = end;
                out.push(Finding {
                    kind,
                    span: m.start()..end,
                });
            }
        }
    }
}

fn boundary_before(b: &[u8], i: usize) -> bool {
    i == 0
        || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')
        || (i >= 2 && b[i - 2] == b'\\' && matches!(b[i - 1], b'n' | b't' | b'r'))
}

fn extend(b: &[u8], from: usize, keep: impl Fn(u8) -> bool) -> usize {
    b[from..]
        .iter()
        .position(|&c| !keep(c))
        .map_or(b.len(), |p| from + p)
}

/// Three base64url segments, the first two JSON objects (`eyJ` is `{"`).
fn jwt_end(b: &[u8], start: usize) -> Option<usize> {
    let seg = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'-';
    let header_end = extend(b, start, seg);
    if header_end - start < 10 || b.get(header_end) != Some(&b'.') {
        return None;
    }
    let payload = header_end + 1;
    if !b[payload..].starts_with(b"eyJ") {
        return None;
    }
    let payload_end = extend(b, payload, seg);
    if payload_end - payload < 10 || b.get(payload_end) != Some(&b'.') {
        return None;
    }
    let signature_end = extend(b, payload_end + 1, seg);
    (signature_end - payload_end > 8).then_some(signature_end)
}

/// From just after `-----BEGIN `: a header ending in `PRIVATE KEY-----`,
/// through the matching `-----END ...-----`, or to the end of the text
/// when the block was cut off.
fn private_key_end(b: &[u8], from: usize) -> Option<usize> {
    let header_len = memmem::find(b.get(from..from + 64.min(b.len() - from))?, b"-----")?;
    if !b[from..from + header_len].ends_with(b"PRIVATE KEY") {
        return None;
    }
    let body = from + header_len + 5;
    let Some(end_at) = memmem::find(&b[body..], b"-----END ") else {
        return Some(b.len());
    };
    let close = body + end_at + 9;
    let tail = memmem::find(&b[close..], b"-----").map_or(b.len(), |p| close + p + 5);
    Some(tail)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn found(text: &str, env: &[String]) -> Vec<(String, String)> {
        let mut out = Vec::new();
        Secrets::new(env).unwrap().scan(text, &mut out);
        out.into_iter()
            .map(|f| (f.kind.name().to_owned(), text[f.span].to_owned()))
            .collect()
    }

    #[test]
    fn each_issuer_shape_is_found_whole() {
        let aws = "AKIAIOSFODNN7EXAMPLE";
        let gh = format!("ghp_{}", "a1B2".repeat(9));
        let ant = format!("sk-ant-api03-{}", "x".repeat(30));
        let text = format!("id={aws} token {gh}; key: {ant}\n");
        let got = found(&text, &[]);
        assert_eq!(
            got,
            [
                ("aws_key".to_owned(), aws.to_owned()),
                ("github_token".to_owned(), gh),
                ("anthropic_key".to_owned(), ant)
            ]
        );
    }

    #[test]
    fn near_misses_and_words_are_not_secrets() {
        for text in [
            "task-runner-for-the-whole-project",
            "sk-short",
            "AKIA123",
            "ghp_short",
        ] {
            assert!(found(text, &[]).is_empty(), "{text}");
        }
    }

    #[test]
    fn a_private_key_block_is_one_finding() {
        let block = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nAKIAIOSFODNN7EXAMPLE\n-----END RSA PRIVATE KEY-----";
        let got = found(&format!("key:\n{block}\ndone"), &[]);
        assert_eq!(got, [("private_key".to_owned(), block.to_owned())]);
        assert!(found("-----BEGIN CERTIFICATE-----\nMIIB\n", &[]).is_empty());
    }

    #[test]
    fn environment_values_are_found_anywhere() {
        let got = found("url?k=hunter2hunter2&x", &["hunter2hunter2".to_owned()]);
        assert_eq!(got, [("secret".to_owned(), "hunter2hunter2".to_owned())]);
    }
}
