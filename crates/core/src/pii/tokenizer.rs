//! [`Tokenizer`]: values to tokens on the way to the model, tokens to
//! values on the way back.
//!
//! A token is `<<LABEL_N>>`, numbered per label in order of first sight,
//! so the same value keeps the same token for the whole session (the
//! entries come back from the vault on resume). The form survives being
//! copied into code by a model: no quotes, no spaces, nothing a language
//! escapes. Text with nothing to change is returned borrowed, so a large
//! output costs one scan and no copy.
//!
//! Each value and token is stored once, in [`Tokenizer::entries`]; the two
//! indexes hold entry numbers found by hash, so a finding costs one hash
//! and no copy unless its value is new. The output is written in one pass
//! into a buffer of its exact final size.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::hash::BuildHasher;
use std::ops::Range;

use hashbrown::{DefaultHashBuilder, HashTable};
use memchr::memmem;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Detector, Kind, Scope};

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
    /// Index into [`Tokenizer::entries`]: its token and kind.
    pub entry: usize,
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
    /// Detections per kind: what metrics count. `entries` are the
    /// tokenizer's.
    pub fn kind_counts(&self, entries: &[VaultEntry]) -> BTreeMap<String, u32> {
        let mut out = BTreeMap::new();
        for used in &self.uses {
            *out.entry(entries[used.entry].kind.clone()).or_insert(0) += used.count;
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
    /// Entry numbers by the hash of their value.
    by_value: HashTable<usize>,
    /// Entry numbers by the hash of their token.
    by_token: HashTable<usize>,
    hasher: DefaultHashBuilder,
    /// The highest number given so far under each label (a handful).
    next: Vec<(String, u32)>,
    /// Per entry: the `tokenize` call that last used it and where its
    /// [`TokenUse`] is in that call's list, so a repeat costs no lookup.
    last_use: Vec<(u64, u32)>,
    calls: u64,
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
            by_value: HashTable::with_capacity(entries.len()),
            by_token: HashTable::with_capacity(entries.len()),
            hasher: DefaultHashBuilder::default(),
            next: Vec::new(),
            last_use: Vec::with_capacity(entries.len()),
            calls: 0,
        };
        for entry in entries {
            if let Some((label, n)) = split_token(&entry.token) {
                tokenizer.number(label, Some(n));
            }
            let hash = tokenizer.hasher.hash_one(entry.value.as_str());
            tokenizer.insert(entry, hash);
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

    /// The number after the highest one under `label`, taken; with `seen`,
    /// records that number as used instead (an entry from the vault).
    fn number(&mut self, label: &str, seen: Option<u32>) -> u32 {
        let slot = match self.next.iter().position(|(l, _)| l == label) {
            Some(at) => &mut self.next[at].1,
            None => {
                self.next.push((label.to_owned(), 0));
                let last = self.next.len() - 1;
                &mut self.next[last].1
            }
        };
        *slot = match seen {
            Some(n) => (*slot).max(n),
            None => *slot + 1,
        };
        *slot
    }

    /// Adds `entry`, whose value hashes to `value_hash`; its index.
    fn insert(&mut self, entry: VaultEntry, value_hash: u64) -> usize {
        let index = self.entries.len();
        let token_hash = self.hasher.hash_one(entry.token.as_str());
        self.entries.push(entry);
        self.last_use.push((0, 0));
        let Self {
            entries,
            by_value,
            by_token,
            hasher,
            ..
        } = self;
        by_value.insert_unique(value_hash, index, |&i| {
            hasher.hash_one(entries[i].value.as_str())
        });
        by_token.insert_unique(token_hash, index, |&i| {
            hasher.hash_one(entries[i].token.as_str())
        });
        index
    }

    /// The entry of `value`, made when the session has not seen it; and
    /// whether it was made.
    fn entry_for(&mut self, kind: &Kind, value: &str) -> (usize, bool) {
        let hash = self.hasher.hash_one(value);
        let entries = &self.entries;
        if let Some(&index) = self.by_value.find(hash, |&i| entries[i].value == value) {
            return (index, false);
        }
        let label = kind.label();
        let n = self.number(&label, None);
        let mut token = String::with_capacity(label.len() + 8);
        let _ = write!(token, "<<{label}_{n}>>");
        let entry = VaultEntry {
            token,
            kind: kind.name().to_owned(),
            value: value.to_owned(),
        };
        (self.insert(entry, hash), true)
    }

    /// The entry whose token is exactly `token`.
    fn entry_of_token(&self, token: &str) -> Option<&VaultEntry> {
        let hash = self.hasher.hash_one(token);
        self.by_token
            .find(hash, |&i| self.entries[i].token == token)
            .map(|&i| &self.entries[i])
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
        self.calls += 1;
        let mut placed = Vec::with_capacity(findings.len());
        let mut uses: Vec<TokenUse> = Vec::new();
        let mut new_values = false;
        let mut out_len = text.len();
        for finding in findings {
            let (index, new) = self.entry_for(&finding.kind, &text[finding.span.clone()]);
            new_values |= new;
            out_len = out_len - finding.span.len() + self.entries[index].token.len();
            let (call, at) = &mut self.last_use[index];
            if *call == self.calls {
                uses[*at as usize].count += 1;
            } else {
                *call = self.calls;
                *at = uses.len() as u32;
                uses.push(TokenUse {
                    entry: index,
                    count: 1,
                });
            }
            placed.push(Placed {
                entry: index,
                span: finding.span,
            });
        }
        let mut out = String::with_capacity(out_len);
        let mut last = 0;
        for p in &placed {
            out.push_str(&text[last..p.span.start]);
            out.push_str(&self.entries[p.entry].token);
            last = p.span.end;
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
            let Some(entry) = self.entry_of_token(&text[start..start + len]) else {
                continue;
            };
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

    /// Like [`restore_value`](Self::restore_value) for a value that is
    /// only borrowed: copied only when one of its strings may hold a token.
    pub fn restore_ref<'v>(&self, value: &'v Value) -> Cow<'v, Value> {
        if !self.entries.is_empty() && may_hold_token(value) {
            Cow::Owned(self.restore_value(value.clone()))
        } else {
            Cow::Borrowed(value)
        }
    }
}

fn may_hold_token(value: &Value) -> bool {
    match value {
        Value::String(s) => memmem::find(s.as_bytes(), b"<<").is_some(),
        Value::Array(items) => items.iter().any(may_hold_token),
        Value::Object(map) => map.values().any(may_hold_token),
        _ => false,
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
        assert_eq!(out.kind_counts(t.entries())["email"], 3);
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
