//! [`Tokenizer`]: values to tokens on the way to the model, tokens to
//! values on the way back.
//!
//! A token is `<<LABEL_N>>`, numbered per label in order of first sight,
//! so the same value keeps the same token for the whole session (the
//! entries come back from the vault on resume). The form survives being
//! copied into code by a model: no quotes, no spaces, nothing a language
//! escapes. Text with nothing to change is returned borrowed, so a large
//! output costs one scan and no copy.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use memchr::memmem;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Detector, Scope};

/// Longest token accepted when restoring: `<<` + label + `_` + number + `>>`.
const MAX_TOKEN: usize = 48;

/// One value the session has tokenized.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VaultEntry {
    pub token: String,
    pub kind: String,
    pub value: String,
}

/// One replaced value in a tokenized text: kept small (no strings), since
/// a large output may hold very many.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    /// Index into [`Tokenizer::entries`].
    pub entry: usize,
    /// Byte range of the value in the original text.
    pub span: Range<usize>,
}

/// How often one token was used in one text (an audit row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenUse {
    pub kind: String,
    pub token: String,
    pub count: u32,
}

/// A text as the model sees it, and what was replaced in it.
#[derive(Debug)]
pub struct Tokenized<'a> {
    pub text: Cow<'a, str>,
    pub placed: Vec<Placed>,
    /// One entry per token, in order of first use (the audit rows).
    pub uses: Vec<TokenUse>,
    /// Whether this text brought values the session had not seen before
    /// (the vault must be saved).
    pub new_values: bool,
}

impl Tokenized<'_> {
    /// Detections per kind: what metrics count.
    pub fn kind_counts(&self) -> BTreeMap<String, u32> {
        let mut out = BTreeMap::new();
        for used in &self.uses {
            *out.entry(used.kind.clone()).or_insert(0) += used.count;
        }
        out
    }
}

/// A text with its tokens turned back into values, and which ones.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Restored {
    pub text: String,
    /// Each value restored, once, in order of first appearance.
    pub values: Vec<VaultEntry>,
}

#[derive(Debug, Clone)]
pub struct Tokenizer {
    detector: Detector,
    entries: Vec<VaultEntry>,
    by_value: HashMap<String, usize>,
    by_token: HashMap<String, usize>,
    next: HashMap<String, u32>,
}

impl Tokenizer {
    pub fn new(detector: Detector) -> Self {
        Self::with_entries(detector, Vec::new())
    }

    /// A tokenizer that continues a session: `entries` from its vault.
    pub fn with_entries(detector: Detector, entries: Vec<VaultEntry>) -> Self {
        let mut tokenizer = Self {
            detector,
            entries: Vec::with_capacity(entries.len()),
            by_value: HashMap::new(),
            by_token: HashMap::new(),
            next: HashMap::new(),
        };
        for entry in entries {
            tokenizer.insert(entry);
        }
        tokenizer
    }

    /// Every value of the session, for the vault.
    pub fn entries(&self) -> &[VaultEntry] {
        &self.entries
    }

    pub fn detector(&self) -> &Detector {
        &self.detector
    }

    fn insert(&mut self, entry: VaultEntry) {
        if let Some((label, n)) = split_token(&entry.token) {
            let next = self.next.entry(label.to_owned()).or_insert(0);
            *next = (*next).max(n);
        }
        let index = self.entries.len();
        self.by_value.insert(entry.value.clone(), index);
        self.by_token.insert(entry.token.clone(), index);
        self.entries.push(entry);
    }

    /// Replaces every value `scope` covers by its token.
    pub fn tokenize<'a>(&mut self, text: &'a str, scope: Scope) -> Tokenized<'a> {
        let findings = self.detector.find(text, scope);
        if findings.is_empty() {
            return Tokenized {
                text: Cow::Borrowed(text),
                placed: Vec::new(),
                uses: Vec::new(),
                new_values: false,
            };
        }
        let mut out = String::with_capacity(text.len());
        let mut placed = Vec::with_capacity(findings.len());
        let mut uses: Vec<TokenUse> = Vec::new();
        let mut use_of: HashMap<usize, usize> = HashMap::new();
        let mut new_values = false;
        let mut last = 0;
        for finding in findings {
            let value = &text[finding.span.clone()];
            let index = match self.by_value.get(value) {
                Some(&index) => index,
                None => {
                    let label = finding.kind.label();
                    let n = self.next.get(&label).copied().unwrap_or(0) + 1;
                    self.insert(VaultEntry {
                        token: format!("<<{label}_{n}>>"),
                        kind: finding.kind.name().to_owned(),
                        value: value.to_owned(),
                    });
                    new_values = true;
                    self.entries.len() - 1
                }
            };
            let entry = &self.entries[index];
            out.push_str(&text[last..finding.span.start]);
            out.push_str(&entry.token);
            last = finding.span.end;
            match use_of.get(&index) {
                Some(&u) => uses[u].count += 1,
                None => {
                    use_of.insert(index, uses.len());
                    uses.push(TokenUse {
                        kind: entry.kind.clone(),
                        token: entry.token.clone(),
                        count: 1,
                    });
                }
            }
            placed.push(Placed {
                entry: index,
                span: finding.span,
            });
        }
        out.push_str(&text[last..]);
        Tokenized {
            text: Cow::Owned(out),
            placed,
            uses,
            new_values,
        }
    }

    /// Known tokens in `text` replaced by their values; unknown ones kept.
    pub fn restore<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if self.entries.is_empty() || memmem::find(text.as_bytes(), b"<<").is_none() {
            return Cow::Borrowed(text);
        }
        Cow::Owned(self.restore_marked(text).text)
    }

    /// Like [`restore`](Self::restore), also listing the values restored.
    pub fn restore_marked(&self, text: &str) -> Restored {
        let mut out = Restored {
            text: String::with_capacity(text.len()),
            values: Vec::new(),
        };
        let finder = memmem::Finder::new(b"<<");
        let mut last = 0;
        let mut from = 0;
        // Overlapping starts are tried too: in `<<<EMAIL_1>>` the token
        // begins at the second `<`.
        while let Some(found) = finder.find(&text.as_bytes()[from..]) {
            let start = from + found;
            from = start + 1;
            let Some(len) = token_len(&text[start..]) else {
                continue;
            };
            let Some(&index) = self.by_token.get(&text[start..start + len]) else {
                continue;
            };
            let entry = &self.entries[index];
            out.text.push_str(&text[last..start]);
            out.text.push_str(&entry.value);
            last = start + len;
            from = last;
            if !out.values.iter().any(|v| v.token == entry.token) {
                out.values.push(entry.clone());
            }
        }
        out.text.push_str(&text[last..]);
        out
    }

    /// Every string inside a JSON value restored (tool-call arguments).
    pub fn restore_value(&self, value: Value) -> Value {
        match value {
            Value::String(s) => match self.restore(&s) {
                Cow::Borrowed(_) => Value::String(s),
                Cow::Owned(restored) => Value::String(restored),
            },
            Value::Array(items) => {
                Value::Array(items.into_iter().map(|v| self.restore_value(v)).collect())
            }
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(k, v)| (k, self.restore_value(v)))
                    .collect(),
            ),
            other => other,
        }
    }
}

/// The length of the token-shaped text at the start of `text`
/// (`<<` + upper-case letters, digits, `_` + `>>`), if there is one.
fn token_len(text: &str) -> Option<usize> {
    let body = text.as_bytes().get(2..)?;
    let inner = body
        .iter()
        .take(MAX_TOKEN)
        .position(|&c| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_'))?;
    (inner > 0 && body[inner..].starts_with(b">>")).then_some(inner + 4)
}

/// `<<EMAIL_3>>` → (`EMAIL`, 3).
fn split_token(token: &str) -> Option<(&str, u32)> {
    let inner = token.strip_prefix("<<")?.strip_suffix(">>")?;
    let (label, n) = inner.rsplit_once('_')?;
    Some((label, n.parse().ok()?))
}

/// Restores streamed text whose tokens may arrive split across deltas
/// (`<<EMA` then `IL_3>>`): a possible token start is held back until it
/// completes or cannot be one.
#[derive(Debug, Default)]
pub struct StreamRestorer {
    pending: String,
}

impl StreamRestorer {
    pub fn push(&mut self, tokenizer: &Tokenizer, delta: &str) -> Restored {
        self.pending.push_str(delta);
        let hold = hold_from(&self.pending);
        let ready: String = self.pending.drain(..hold).collect();
        tokenizer.restore_marked(&ready)
    }

    /// What is still held back, restored as it is.
    pub fn finish(&mut self, tokenizer: &Tokenizer) -> Restored {
        let rest = std::mem::take(&mut self.pending);
        tokenizer.restore_marked(&rest)
    }
}

fn hold_from(s: &str) -> usize {
    if let Some(p) = s.rfind("<<")
        && !s[p..].contains(">>")
        && s.len() - p <= MAX_TOKEN
    {
        return p;
    }
    if s.ends_with('<') {
        return s.len() - 1;
    }
    s.len()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::super::{BUILTIN_KINDS, DetectorSettings};
    use super::*;

    fn tokenizer() -> Tokenizer {
        let settings = DetectorSettings {
            kinds: BUILTIN_KINDS.iter().map(|k| (*k).to_owned()).collect(),
            ..DetectorSettings::default()
        };
        Tokenizer::new(Detector::new(&settings).unwrap())
    }

    #[test]
    fn same_value_same_token_and_restore_inverts() {
        let mut t = tokenizer();
        let text = "a@example.org b@example.org a@example.org";
        let out = t.tokenize(text, Scope::All);
        assert_eq!(out.text, "<<EMAIL_1>> <<EMAIL_2>> <<EMAIL_1>>");
        assert_eq!(out.uses[0].count, 2);
        assert_eq!(out.kind_counts()["email"], 3);
        let tokens = out.text.into_owned();
        assert_eq!(t.restore(&tokens), text);
        assert_eq!(t.restore("<<EMAIL_9>> stays"), "<<EMAIL_9>> stays");
    }

    #[test]
    fn resumed_tokenizer_continues_numbering() {
        let mut t = tokenizer();
        let _ = t.tokenize("a@example.org", Scope::All);
        let entries = t.entries().to_vec();
        let mut resumed = Tokenizer::with_entries(t.detector().clone(), entries);
        let out = resumed.tokenize("b@example.org a@example.org", Scope::All);
        assert_eq!(out.text, "<<EMAIL_2>> <<EMAIL_1>>");
    }

    #[test]
    fn streamed_tokens_split_across_deltas_are_restored() {
        let mut t = tokenizer();
        let _ = t.tokenize("bob@example.org", Scope::All);
        let mut stream = StreamRestorer::default();
        let mut shown = String::new();
        for delta in ["Mail <", "<EMA", "IL_1>", "> now <", "3"] {
            shown.push_str(&stream.push(&t, delta).text);
        }
        shown.push_str(&stream.finish(&t).text);
        assert_eq!(shown, "Mail bob@example.org now <3");
    }
}
