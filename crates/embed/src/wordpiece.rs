//! BERT's uncased WordPiece tokenizer, read from the model's `vocab.txt`.
//!
//! Text is cleaned (control characters dropped, whitespace unified),
//! lowercased and stripped of accents, split on whitespace and punctuation
//! (each CJK ideograph standing alone), and each word is then cut greedily
//! into the longest vocabulary pieces, continuation pieces carrying `##`. A
//! word that cannot be cut, or is absurdly long, becomes `[UNK]`. This is
//! what the model was trained with; any other split would give it ids it
//! never saw in that context.

use std::collections::HashMap;
use std::path::Path;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::EmbedError;

/// Longer words are not worth cutting: they become `[UNK]`.
const MAX_WORD_CHARS: usize = 100;

#[derive(Debug)]
pub(crate) struct WordPiece {
    vocab: HashMap<String, u32>,
    pub(crate) cls: u32,
    pub(crate) sep: u32,
    pub(crate) pad: u32,
    unk: u32,
}

impl WordPiece {
    pub(crate) fn load(path: &Path) -> Result<Self, EmbedError> {
        let text = std::fs::read_to_string(path).map_err(|source| EmbedError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_vocab(&text).map_err(|detail| EmbedError::Invalid {
            path: path.to_path_buf(),
            detail,
        })
    }

    /// One token a line; the line number is the id.
    fn from_vocab(text: &str) -> Result<Self, String> {
        let vocab: HashMap<String, u32> = text
            .lines()
            .enumerate()
            .map(|(id, token)| (token.trim_end_matches('\r').to_string(), id as u32))
            .collect();
        let special = |name: &str| {
            vocab
                .get(name)
                .copied()
                .ok_or_else(|| format!("the vocabulary has no {name} token"))
        };
        Ok(Self {
            cls: special("[CLS]")?,
            sep: special("[SEP]")?,
            pad: special("[PAD]")?,
            unk: special("[UNK]")?,
            vocab,
        })
    }

    /// The ids of `text`'s pieces, without `[CLS]`/`[SEP]`, at most `max`.
    pub(crate) fn encode(&self, text: &str, max: usize) -> Vec<u32> {
        let mut ids = Vec::new();
        for word in words(text) {
            if ids.len() >= max {
                break;
            }
            self.push_pieces(&word, &mut ids);
        }
        ids.truncate(max);
        ids
    }

    fn push_pieces(&self, word: &str, ids: &mut Vec<u32>) {
        let chars: Vec<char> = word.chars().collect();
        if chars.len() > MAX_WORD_CHARS {
            ids.push(self.unk);
            return;
        }
        let before = ids.len();
        let mut start = 0;
        let mut piece = String::new();
        while start < chars.len() {
            let mut end = chars.len();
            let mut found = None;
            while start < end {
                piece.clear();
                if start > 0 {
                    piece.push_str("##");
                }
                piece.extend(&chars[start..end]);
                if let Some(&id) = self.vocab.get(&piece) {
                    found = Some(id);
                    break;
                }
                end -= 1;
            }
            match found {
                Some(id) => ids.push(id),
                None => {
                    ids.truncate(before);
                    ids.push(self.unk);
                    return;
                }
            }
            start = end;
        }
    }
}

/// Normalised words and punctuation marks, in order.
fn words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let flush = |current: &mut String, words: &mut Vec<String>| {
        if !current.is_empty() {
            words.push(std::mem::take(current));
        }
    };
    for c in text.chars() {
        if c == '\0' || c == '\u{fffd}' || (c.is_control() && !c.is_whitespace()) {
            continue;
        }
        if c.is_whitespace() {
            flush(&mut current, &mut words);
            continue;
        }
        if is_cjk(c) || is_punctuation(c) {
            flush(&mut current, &mut words);
            words.push(c.to_string());
            continue;
        }
        for lower in c.to_lowercase() {
            for decomposed in lower.nfd() {
                if !is_combining_mark(decomposed) {
                    current.push(decomposed);
                }
            }
        }
    }
    flush(&mut current, &mut words);
    words
}

/// ASCII symbols count as punctuation (as BERT does), plus the Unicode
/// punctuation blocks met in tool descriptions.
fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation()
        || matches!(c,
            '\u{a1}' | '\u{a7}' | '\u{ab}' | '\u{b6}' | '\u{b7}' | '\u{bb}' | '\u{bf}'
            | '\u{2010}'..='\u{2027}'
            | '\u{2030}'..='\u{205e}'
            | '\u{3001}'..='\u{3003}'
            | '\u{3008}'..='\u{3011}'
            | '\u{3014}'..='\u{301f}'
            | '\u{ff01}'..='\u{ff0f}'
            | '\u{ff1a}'..='\u{ff20}')
}

/// The CJK Unified Ideograph blocks, which BERT splits per character.
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{4e00}'..='\u{9fff}'
        | '\u{3400}'..='\u{4dbf}'
        | '\u{20000}'..='\u{2a6df}'
        | '\u{2a700}'..='\u{2b73f}'
        | '\u{2b740}'..='\u{2b81f}'
        | '\u{2b820}'..='\u{2ceaf}'
        | '\u{f900}'..='\u{faff}'
        | '\u{2f800}'..='\u{2fa1f}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokenizer() -> WordPiece {
        let vocab = "[PAD]\n[UNK]\n[CLS]\n[SEP]\nget\n##ting\nthe\nweather\n,\ncafe\nun\n##want\n##ed\n天\n";
        WordPiece::from_vocab(vocab).unwrap()
    }

    #[test]
    fn words_are_lowercased_unaccented_and_split_on_punctuation() {
        assert_eq!(
            words("Getting the WEATHER, Café\t天气"),
            ["getting", "the", "weather", ",", "cafe", "天", "气"]
        );
    }

    #[test]
    fn words_are_cut_into_the_longest_known_pieces() {
        let t = tokenizer();
        assert_eq!(t.encode("getting unwanted", 10), [4, 5, 10, 11, 12]);
        // Nothing in the vocabulary starts "xyz": the whole word is unknown.
        assert_eq!(t.encode("the xyzzy weather", 10), [6, 1, 7]);
        assert_eq!(t.encode("getting unwanted", 3), [4, 5, 10]);
    }

    #[test]
    fn a_vocabulary_without_special_tokens_is_refused() {
        let err = WordPiece::from_vocab("hello\nworld\n").unwrap_err();
        assert!(err.contains("[CLS]"), "{err}");
    }
}
