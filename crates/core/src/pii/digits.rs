//! Personal data in one pass over the bytes: email addresses (anchored on
//! `@`), runs of digit groups (phone numbers, SSNs, card numbers) and
//! IBANs (two capitals and two digits).
//!
//! A digit run is read with its separators and then classified by its
//! shape; what fits no shape is left alone. Shapes are strict on purpose:
//! a plain ten-digit run is an epoch second, an order number or an id far
//! more often than a phone number, so national phone numbers need their
//! separators, and card numbers need an issuer prefix and the Luhn check.

use std::ops::Range;

use super::validate::{card_issuer, iban, luhn, ssn_issuable};
use super::{Finding, Kind};

/// Which personal kinds the pass looks for.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Personal {
    pub email: bool,
    pub phone: bool,
    pub ssn: bool,
    pub card: bool,
    pub iban: bool,
}

impl Personal {
    pub(crate) fn any(self) -> bool {
        self.email || self.phone || self.ssn || self.card || self.iban
    }
}

const MAX_GROUPS: usize = 8;
const MAX_DIGITS: usize = 24;

pub(crate) fn scan(text: &str, on: Personal, out: &mut Vec<Finding>) {
    let b = text.as_bytes();
    if on.email {
        for at in memchr::memchr_iter(b'@', b) {
            if let Some(span) = email_at(b, at) {
                out.push(Finding {
                    kind: Kind::Email,
                    span,
                });
            }
        }
    }
    let numbers = on.phone || on.ssn || on.card;
    if !numbers && !on.iban {
        return;
    }
    let n = b.len();
    let mut i = 0;
    while i < n {
        let c = b[i];
        if numbers && (c.is_ascii_digit() || c == b'+' || c == b'(') {
            let mut next = i + 1;
            if left_ok(b, i) {
                match number_at(b, i, on) {
                    Ok((kind, end)) => {
                        out.push(Finding { kind, span: i..end });
                        i = end;
                        continue;
                    }
                    Err(skip) => next = next.max(skip),
                }
            }
            i = next;
            while i < n && b[i].is_ascii_digit() {
                i += 1;
            }
            continue;
        }
        if on.iban
            && c.is_ascii_uppercase()
            && i + 3 < n
            && b[i + 1].is_ascii_uppercase()
            && b[i + 2].is_ascii_digit()
            && b[i + 3].is_ascii_digit()
            && left_ok(b, i)
        {
            // An IBAN-shaped text that fails mod-97 is skipped whole, so
            // its digit groups are not read as a phone number.
            match iban_at(b, i) {
                Ok(end) => {
                    out.push(Finding {
                        kind: Kind::Iban,
                        span: i..end,
                    });
                    i = end;
                    continue;
                }
                Err(end) if end > i + 4 => {
                    i = end;
                    continue;
                }
                Err(_) => {}
            }
        }
        i += 1;
    }
}

/// `\n`, `\t` or `\r` just before `i`: JSON-escaped text, where the letter
/// of the escape is no part of the value that follows it.
fn escape_before(b: &[u8], i: usize) -> bool {
    i >= 2 && b[i - 2] == b'\\' && matches!(b[i - 1], b'n' | b't' | b'r')
}

/// Whether a value may start at `i`: not glued to a word, a number, a
/// path, an id (`ORD-`, `#`), a price (`$`) or a decimal point.
pub(crate) fn left_ok(b: &[u8], i: usize) -> bool {
    if i == 0 || escape_before(b, i) {
        return true;
    }
    let p = b[i - 1];
    !(p.is_ascii_alphanumeric() || b"_.-/#$@+\\".contains(&p))
}

/// Whether a value may end at `end`: not followed by more of a word or a
/// number (`.5`, `-7`, `/2`), nor by `@` (the local part of an address).
pub(crate) fn right_ok(b: &[u8], end: usize) -> bool {
    let Some(&next) = b.get(end) else {
        return true;
    };
    if next.is_ascii_alphanumeric() || next == b'_' || next == b'@' {
        return false;
    }
    let digit_after = b.get(end + 1).is_some_and(u8::is_ascii_digit);
    !(b".-,/".contains(&next) && digit_after)
}

fn email_at(b: &[u8], at: usize) -> Option<Range<usize>> {
    let local = |c: u8| c.is_ascii_alphanumeric() || b"._%+-".contains(&c);
    let mut start = at;
    while start > 0 && local(b[start - 1]) {
        start -= 1;
        if at - start > 64 {
            return None;
        }
    }
    if escape_before(b, start + 1) && start + 1 < at {
        start += 1;
    }
    while start < at && b[start] == b'.' {
        start += 1;
    }
    if start == at {
        return None;
    }
    let domain_byte = |c: u8| c.is_ascii_alphanumeric() || c == b'-' || c == b'.';
    let mut end = at + 1;
    while end < b.len() && domain_byte(b[end]) {
        end += 1;
        if end - at > 255 {
            return None;
        }
    }
    while end > at + 1 && matches!(b[end - 1], b'.' | b'-') {
        end -= 1;
    }
    let domain = &b[at + 1..end];
    let dot = domain.iter().rposition(|&c| c == b'.')?;
    let tld = &domain[dot + 1..];
    if tld.len() < 2 || !tld.iter().all(u8::is_ascii_alphabetic) {
        return None;
    }
    if domain
        .split(|&c| c == b'.')
        .any(|label| label.is_empty() || label[0] == b'-')
    {
        return None;
    }
    Some(start..end)
}

/// One digit group of a run and the separator before it.
#[derive(Clone, Copy)]
struct Group {
    start: usize,
    end: usize,
    sep: u8,
    paren: bool,
}

impl Group {
    fn len(&self) -> usize {
        self.end - self.start
    }
}

/// Reads the run of digit groups at `i` and finds the longest leading part
/// of it that is a phone number, an SSN or a card number. When none is,
/// says where scanning may resume: after the whole run when it is one
/// uniformly grouped number (`3744 4402 0416 6009`), so its tail is not
/// read as a number of its own; else after its first group.
fn number_at(b: &[u8], i: usize, on: Personal) -> Result<(Kind, usize), usize> {
    let plus = b[i] == b'+';
    let mut pos = if plus { i + 1 } else { i };
    let mut groups: [Group; MAX_GROUPS] = [Group {
        start: 0,
        end: 0,
        sep: 0,
        paren: false,
    }; MAX_GROUPS];
    let mut count = 0;
    let mut sep = 0u8;
    loop {
        let paren = b.get(pos) == Some(&b'(');
        let start = if paren { pos + 1 } else { pos };
        let mut end = start;
        while end < b.len() && b[end].is_ascii_digit() && end - start <= MAX_DIGITS {
            end += 1;
        }
        if end == start || (paren && b.get(end) != Some(&b')')) {
            break;
        }
        groups[count] = Group {
            start,
            end,
            sep,
            paren,
        };
        count += 1;
        pos = if paren { end + 1 } else { end };
        if count == MAX_GROUPS {
            break;
        }
        // A separator counts only when another group follows it.
        let (next_sep, skip) = match (b.get(pos), b.get(pos + 1)) {
            (Some(&s @ (b' ' | b'-' | b'.')), Some(&d)) if d.is_ascii_digit() || d == b'(' => {
                (s, 1)
            }
            _ if paren && b.get(pos).is_some_and(u8::is_ascii_digit) => (b')', 0),
            _ => break,
        };
        if next_sep == b'.' && b.get(pos + 1) == Some(&b'(') {
            break;
        }
        sep = next_sep;
        pos += skip;
    }
    for k in (1..=count).rev() {
        let parts = &groups[..k];
        let end = parts[k - 1].end + usize::from(parts[k - 1].paren);
        if !right_ok(b, end) {
            continue;
        }
        if let Some(kind) = classify(b, parts, plus, on) {
            return Ok((kind, end));
        }
    }
    let run = &groups[..count];
    let uniform = run.len() >= 3
        && run[1..].iter().all(|g| g.sep == run[1].sep)
        && run[..run.len() - 1].iter().all(|g| g.len() == run[0].len());
    match run.last() {
        Some(last) if uniform => Err(last.end),
        _ => Err(i + 1),
    }
}

fn classify(b: &[u8], groups: &[Group], plus: bool, on: Personal) -> Option<Kind> {
    if groups.is_empty() || groups.len() > MAX_GROUPS {
        return None;
    }
    let mut digits = [0u8; MAX_DIGITS * 2];
    let mut n = 0;
    for g in groups {
        if n + g.len() > MAX_DIGITS {
            return None;
        }
        digits[n..n + g.len()].copy_from_slice(&b[g.start..g.end]);
        n += g.len();
    }
    let digits = &digits[..n];
    let mut lens = [0usize; MAX_GROUPS];
    let mut seps = [0u8; MAX_GROUPS];
    for (i, g) in groups.iter().enumerate() {
        lens[i] = g.len();
        seps[i] = g.sep;
    }
    let lens = &lens[..groups.len()];
    let seps = &seps[1..groups.len()];
    let paren = groups.iter().any(|g| g.paren);
    let same_sep = |s: u8| !seps.is_empty() && seps.iter().all(|&x| x == s);
    if on.ssn && !plus && !paren && lens == [3, 2, 4] && same_sep(b'-') {
        let num = |r: &[u8]| r.iter().fold(0u32, |a, d| a * 10 + u32::from(d - b'0'));
        if ssn_issuable(num(&digits[..3]), num(&digits[3..5]), num(&digits[5..])) {
            return Some(Kind::Ssn);
        }
        return None;
    }
    if on.card && !plus && !paren && (13..=19).contains(&n) {
        let (last, body) = lens.split_last()?;
        let grouped = groups.len() == 1
            || ((same_sep(b' ') || same_sep(b'-'))
                && ((body.iter().all(|&l| l == 4) && (1..=4).contains(last))
                    || lens == [4, 6, 5]
                    || lens == [4, 6, 4]));
        if grouped && card_issuer(digits) && luhn(digits) {
            return Some(Kind::CreditCard);
        }
    }
    if on.phone && (groups.len() > 1 || plus) {
        return phone(digits, lens, seps, plus, paren).then_some(Kind::Phone);
    }
    None
}

fn phone(digits: &[u8], lens: &[usize], seps: &[u8], plus: bool, paren: bool) -> bool {
    let n = digits.len();
    if plus {
        return (8..=15).contains(&n) && digits[0] != b'0';
    }
    let same = |s: u8| seps.iter().all(|&x| x == s);
    let trunk = digits[0] == b'0';
    if paren {
        let first = lens[0];
        let area = first == 3 || (trunk && (2..=5).contains(&first));
        return area && (9..=12).contains(&n) && seps.iter().all(|&s| s != b'.');
    }
    let us = lens == [3, 3, 4] || (lens == [1, 3, 3, 4] && digits[0] == b'1');
    if us && (same(b'-') || same(b'.') || same(b' ')) {
        return true;
    }
    // European style: a trunk `0`, then groups of two to eight digits.
    trunk
        && (9..=12).contains(&n)
        && (2..=5).contains(&lens[0])
        && lens.iter().all(|l| (2..=8).contains(l))
        && (same(b' ') || same(b'-'))
}

/// An IBAN at `i`, compact (`DE89370400440532013000`) or in groups of four
/// (`DE89 3704 0044 0532 0130 00`); the longest prefix that validates, or
/// the end of the IBAN-shaped text when none does.
fn iban_at(b: &[u8], i: usize) -> Result<usize, usize> {
    let body = |c: u8| c.is_ascii_uppercase() || c.is_ascii_digit();
    let mut compact = Vec::with_capacity(34);
    let mut ends = Vec::new();
    let mut pos = i;
    while pos < b.len() && body(b[pos]) && compact.len() < 34 {
        compact.push(b[pos]);
        pos += 1;
    }
    ends.push((compact.len(), pos));
    if compact.len() == 4 {
        // Grouped form: groups of four after single spaces; the last may
        // be shorter.
        while b.get(pos) == Some(&b' ') && b.get(pos + 1).copied().is_some_and(body) {
            let mut end = pos + 1;
            while end < b.len() && body(b[end]) && end - pos <= 4 {
                end += 1;
            }
            if end - pos - 1 > 4 || compact.len() + (end - pos - 1) > 34 {
                break;
            }
            compact.extend_from_slice(&b[pos + 1..end]);
            ends.push((compact.len(), end));
            let full = end - pos - 1 == 4;
            pos = end;
            if !full {
                break;
            }
        }
    }
    let shaped_end = ends.last().map_or(i, |&(_, end)| end);
    ends.into_iter()
        .rev()
        .find(|&(len, end)| right_ok(b, end) && iban(&compact[..len]))
        .map(|(_, end)| end)
        .ok_or(shaped_end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(String, &str)> {
        let on = Personal {
            email: true,
            phone: true,
            ssn: true,
            card: true,
            iban: true,
        };
        let mut out = Vec::new();
        scan(text, on, &mut out);
        out.into_iter()
            .map(|f| (f.kind.name().to_owned(), &text[f.span]))
            .collect()
    }

    #[test]
    fn shapes_that_are_personal_data() {
        let text = "mail ann.lee+x@mail.example.org, call +1 (415) 555-0132 or 020 7946 0958, \
                    ssn 123-45-6789? card 4111 1111 1111 1111, iban DE89 3704 0044 0532 0130 00.";
        let got = found(text);
        let values: Vec<&str> = got.iter().map(|(_, v)| *v).collect();
        assert_eq!(
            values,
            [
                "ann.lee+x@mail.example.org",
                "+1 (415) 555-0132",
                "020 7946 0958",
                "123-45-6789",
                "4111 1111 1111 1111",
                "DE89 3704 0044 0532 0130 00"
            ]
        );
    }

    #[test]
    fn look_alikes_are_left_alone() {
        for text in [
            "2026-12-01",
            "ts 1733050000000",
            "v1.12.4",
            "10.0.19041.1",
            "ORD-2024-00012345",
            "#4111111111111111",
            "$1,299.99",
            "0x7ffee4b2c8d0",
            "978-3-16-148410-0",
            "4111111111111112",
            "550e8400-e29b-41d4-a716-446655440000",
            "666-12-3456",
            "@server.tool()",
            "pkg@1.2.3",
        ] {
            assert_eq!(found(text), Vec::<(String, &str)>::new(), "{text}");
        }
    }

    #[test]
    fn json_escapes_do_not_glue_onto_values() {
        let got = found(r#"{"notes": "call\n555-123-4567\nor\nbob@example.com"}"#);
        let values: Vec<&str> = got.iter().map(|(_, v)| *v).collect();
        assert_eq!(values, ["bob@example.com", "555-123-4567"]);
    }
}
