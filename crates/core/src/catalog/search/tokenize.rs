//! Text to search terms. The same function tokenizes tool text at index time
//! and queries at search time, so both sides agree on what a term is:
//!
//! - identifiers are split at `_`, `-`, `.`, and camelCase boundaries
//!   (`getCurrentTime`, `get_current_time` and `get-current-time` all give
//!   `get`, `current`, `time`);
//! - Latin-script words are lowercased, English stop words dropped, and
//!   stemmed (`timezones` and `timezone` meet at `timezon`);
//! - runs of Han, Kana and Hangul characters, which are written without
//!   spaces, become overlapping character bigrams (`天气预报` gives `天气`,
//!   `气预`, `预报`), so a query matches any substring of two or more
//!   characters without a dictionary;
//! - every other script is split with Unicode word segmentation (UAX #29).

use rust_stemmers::{Algorithm, Stemmer};
use unicode_segmentation::UnicodeSegmentation;

/// A word as written (lowercased) and the term it is indexed under. Typo
/// and prefix matching compare surfaces, since stems of misspelt words
/// drift apart (`deplyment` stays whole while `deployment` becomes `deploy`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Token {
    pub surface: String,
    pub term: String,
}

/// Reusable tokenizer; holds the stemmer.
pub(super) struct Tokenizer {
    stemmer: Stemmer,
}

/// Words that carry no meaning in a tool search ("convert *a* time *between* timezones").
const STOP_WORDS: &[&str] = &[
    "a", "about", "an", "and", "are", "as", "at", "be", "between", "by", "can", "do", "for",
    "from", "how", "i", "in", "into", "is", "it", "its", "me", "my", "of", "on", "or", "please",
    "should", "so", "some", "that", "the", "their", "then", "there", "these", "this", "to",
    "using", "via", "want", "was", "what", "when", "which", "with", "you", "your",
];

impl Tokenizer {
    pub(super) fn new() -> Self {
        Self {
            stemmer: Stemmer::create(Algorithm::English),
        }
    }

    /// Tokens of `text`, in order, with stop words removed.
    pub(super) fn tokens(&self, text: &str, out: &mut Vec<Token>) {
        for_each_word(text, |word| {
            if is_cjk_run(word) {
                push_bigrams(word, out);
            } else if !STOP_WORDS.contains(&word) {
                out.push(self.token(word));
            }
        });
    }

    /// Like [`Self::tokens`], but keeps stop words when nothing else is
    /// left (so "list all" still searches for something), each term once.
    pub(super) fn query_tokens(&self, query: &str) -> Vec<Token> {
        let mut tokens = Vec::new();
        self.tokens(query, &mut tokens);
        if tokens.is_empty() {
            for_each_word(query, |word| tokens.push(self.token(word)));
        }
        let mut seen = std::collections::HashSet::new();
        tokens.retain(|t| seen.insert(t.term.clone()));
        tokens
    }

    fn token(&self, word: &str) -> Token {
        Token {
            surface: word.to_string(),
            term: self.stem(word),
        }
    }

    fn stem(&self, word: &str) -> String {
        if word.chars().all(|c| c.is_ascii_alphabetic()) {
            self.stemmer.stem(word).into_owned()
        } else {
            word.to_string()
        }
    }
}

/// A name reduced to its lowercase identifier parts joined by `_`, with `.`
/// kept between segments: `getCurrentTime`, `get-current-time` and
/// `get current time` all give `get_current_time`. Used for exact and
/// partial name matches, which must not depend on naming convention.
pub(super) fn name_key(name: &str) -> String {
    name.split('.')
        .map(|segment| {
            let mut parts = Vec::new();
            for_each_word(segment, |word| parts.push(word.to_string()));
            parts.join("_")
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// Calls `f` with each lowercase word part of `text`: CJK runs whole, other
/// text split by UAX #29 words and then by identifier conventions.
fn for_each_word(text: &str, mut f: impl FnMut(&str)) {
    let mut run = String::new();
    let mut run_is_cjk = false;
    let flush = |run: &mut String, cjk: bool, f: &mut dyn FnMut(&str)| {
        if run.is_empty() {
            return;
        }
        if cjk {
            f(run);
        } else {
            for word in run.unicode_words() {
                split_identifier(word, f);
            }
        }
        run.clear();
    };
    for c in text.chars() {
        let cjk = is_cjk(c);
        if cjk != run_is_cjk {
            flush(&mut run, run_is_cjk, &mut f);
            run_is_cjk = cjk;
        }
        run.push(c);
    }
    flush(&mut run, run_is_cjk, &mut f);
}

/// Splits `getHTTPResponse_code-v2` into `get`, `http`, `response`, `code`, `v2`.
fn split_identifier(word: &str, f: &mut dyn FnMut(&str)) {
    let chars: Vec<char> = word.chars().collect();
    let mut start = 0;
    let mut part = String::new();
    let emit = |part: &mut String, f: &mut dyn FnMut(&str)| {
        if !part.is_empty() {
            f(part);
            part.clear();
        }
    };
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            emit(&mut part, f);
            start = i + 1;
            continue;
        }
        if i > start && c.is_uppercase() {
            let prev = chars[i - 1];
            let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if prev.is_lowercase() || prev.is_numeric() || (prev.is_uppercase() && next_is_lower) {
                emit(&mut part, f);
            }
        }
        part.extend(c.to_lowercase());
    }
    emit(&mut part, f);
}

fn push_bigrams(run: &str, out: &mut Vec<Token>) {
    let chars: Vec<char> = run.chars().collect();
    let mut push = |text: String| {
        out.push(Token {
            surface: text.clone(),
            term: text,
        })
    };
    if chars.len() == 1 {
        push(run.to_string());
        return;
    }
    for pair in chars.windows(2) {
        push(pair.iter().collect());
    }
}

fn is_cjk_run(word: &str) -> bool {
    word.chars().next().is_some_and(is_cjk)
}

/// Han ideographs, Hiragana, Katakana and Hangul: scripts written without
/// spaces between words (Hangul usually has spaces, but bigrams still work).
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // Hiragana, Katakana
        | 0x31F0..=0x31FF    // Katakana phonetic extensions
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xAC00..=0xD7AF    // Hangul syllables
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0xFF66..=0xFF9F    // half-width Katakana
        | 0x20000..=0x2FFFF) // CJK extensions B and later
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        Tokenizer::new().tokens(text, &mut out);
        out.into_iter().map(|t| t.term).collect()
    }

    #[test]
    fn splits_identifier_conventions_alike() {
        assert_eq!(terms("getCurrentTime"), ["get", "current", "time"]);
        assert_eq!(terms("get_current_time"), ["get", "current", "time"]);
        assert_eq!(terms("get-current-time"), ["get", "current", "time"]);
        assert_eq!(terms("parseHTTPResponse"), ["pars", "http", "respons"]);
    }

    #[test]
    fn stems_and_drops_stop_words() {
        assert_eq!(
            terms("Convert a time between timezones"),
            ["convert", "time", "timezon"]
        );
    }

    #[test]
    fn cjk_becomes_bigrams_and_keys_ignore_convention() {
        assert_eq!(terms("天气预报"), ["天气", "气预", "预报"]);
        assert_eq!(
            terms("天気を調べる"),
            ["天気", "気を", "を調", "調べ", "べる"]
        );
        assert_eq!(name_key("getCurrentTime"), "get_current_time");
        assert_eq!(name_key("time.get-current-time"), "time.get_current_time");
    }
}
