#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The detector against a corpus generated here with a fixed seed: every
//! kind in several formats, planted among the look-alikes a coding agent
//! sees all day (timestamps, UUIDs, SHAs, versions, prices, dates, ISBNs,
//! order numbers, hex addresses, digit runs that fail their checksum).
//! Every planted value must be replaced, every look-alike left as it was,
//! and restoring the tokens must give back the original text.

use std::collections::BTreeMap;

use vtcode_core::pii::{BUILTIN_KINDS, Detector, DetectorSettings, Scope, Tokenizer};

/// SplitMix64: a small, fixed generator so the corpus is the same on every
/// machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
    fn chars(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n)
            .map(|_| char::from(alphabet[self.below(alphabet.len() as u64) as usize]))
            .collect()
    }
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const UPPER_DIGITS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const HEX: &[u8] = b"0123456789abcdef";

fn luhn_digit(body: &str) -> char {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    char::from(b'0' + ((10 - sum % 10) % 10) as u8)
}

fn group(number: &str, sizes: &[usize], sep: &str) -> String {
    let mut out = Vec::new();
    let mut at = 0;
    for &size in sizes {
        out.push(&number[at..at + size]);
        at += size;
    }
    out.join(sep)
}

fn card(rng: &mut Rng) -> String {
    let (prefix, len) = match rng.below(4) {
        0 => ("4", 16),
        1 => ("5", 16),
        2 => ("37", 15),
        _ => ("6011", 16),
    };
    let prefix = if prefix == "5" {
        format!("5{}", 1 + rng.below(5))
    } else {
        prefix.to_owned()
    };
    let body = format!("{prefix}{}", rng.digits(len - 1 - prefix.len()));
    let number = format!("{body}{}", luhn_digit(&body));
    match (len, rng.below(3)) {
        (15, 0) => group(&number, &[4, 6, 5], " "),
        (16, 0) => group(&number, &[4, 4, 4, 4], " "),
        (16, 1) => group(&number, &[4, 4, 4, 4], "-"),
        _ => number,
    }
}

fn failing_card(rng: &mut Rng) -> String {
    let body = format!("4{}", rng.digits(14));
    let good = luhn_digit(&body);
    let bad = char::from(b'0' + ((good as u8 - b'0' + 1 + rng.below(9) as u8) % 10));
    format!("{body}{bad}")
}

fn iban(rng: &mut Rng, valid: bool) -> String {
    let bban = rng.digits(18);
    let numeric = format!("{bban}131400"); // "DE00" as digits
    let rem = numeric
        .bytes()
        .fold(0u32, |r, b| (r * 10 + u32::from(b - b'0')) % 97);
    let mut check = 98 - rem;
    if !valid {
        // Any other pair of check digits fails mod-97.
        check = 2 + (check - 2 + 1 + rng.below(95) as u32) % 97;
    }
    let compact = format!("DE{check:02}{bban}");
    if rng.below(2) == 0 {
        group(&compact, &[4, 4, 4, 4, 4, 2], " ")
    } else {
        compact
    }
}

fn planted(rng: &mut Rng, env_secret: &str) -> (&'static str, String) {
    let first = rng.pick(&["ann", "bob", "chloé", "dmitri", "eve", "farah"]);
    let first = if first == "chloé" { "chloe" } else { first };
    match rng.below(20) {
        0 => ("email", format!("{first}.{}@example.org", rng.digits(3))),
        1 => (
            "email",
            format!("{}+news@mail.corp.co.uk", first.to_uppercase()),
        ),
        2 => ("phone", format!("+1 415 555 {}", rng.digits(4))),
        3 => ("phone", format!("+44 20 7946 {}", rng.digits(4))),
        4 => ("phone", format!("(415) 555-{}", rng.digits(4))),
        5 => (
            "phone",
            format!("{}.555.{}", 200 + rng.below(700), rng.digits(4)),
        ),
        6 => ("phone", format!("030 {}", rng.digits(8))),
        7 => ("phone", format!("+49151{}", rng.digits(8))),
        8 => (
            "ssn",
            format!(
                "{:03}-{:02}-{:04}",
                1 + rng.below(665),
                1 + rng.below(99),
                1 + rng.below(9999)
            ),
        ),
        9 | 10 => ("card", card(rng)),
        11 => ("iban", iban(rng, true)),
        12 => ("aws_key", format!("AKIA{}", rng.chars(UPPER_DIGITS, 16))),
        13 => ("github_token", format!("ghp_{}", rng.chars(ALNUM, 36))),
        14 => (
            "github_token",
            format!("github_pat_{}", rng.chars(ALNUM, 82)),
        ),
        15 => ("openai_key", format!("sk-proj-{}", rng.chars(ALNUM, 48))),
        16 => (
            "anthropic_key",
            format!("sk-ant-api03-{}", rng.chars(ALNUM, 80)),
        ),
        17 => (
            "slack_token",
            format!("xoxb-{}-{}", rng.digits(12), rng.chars(ALNUM, 24)),
        ),
        18 => ("stripe_key", format!("sk_live_{}", rng.chars(ALNUM, 24))),
        _ => match rng.below(3) {
            0 => (
                "jwt",
                format!(
                    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEyMyJ9.{}",
                    rng.chars(ALNUM, 43)
                ),
            ),
            1 => (
                "private_key",
                format!(
                    "-----BEGIN OPENSSH PRIVATE KEY-----\\n{}\\n{}\\n-----END OPENSSH PRIVATE KEY-----",
                    rng.chars(ALNUM, 64),
                    rng.chars(ALNUM, 40)
                ),
            ),
            _ => ("secret", env_secret.to_owned()),
        },
    }
}

fn negative(rng: &mut Rng) -> String {
    match rng.below(17) {
        0 => format!("17{}", rng.digits(11)),
        1 => format!("17{}", rng.digits(8)),
        2 => format!("2026-{:02}-{:02}", 1 + rng.below(12), 1 + rng.below(28)),
        3 => format!(
            "2026-{:02}-{:02}T{:02}:{:02}:{:02}.{}Z",
            1 + rng.below(12),
            1 + rng.below(28),
            rng.below(24),
            rng.below(60),
            rng.below(60),
            rng.digits(3)
        ),
        4 => {
            let h = rng.chars(HEX, 32);
            format!(
                "{}-{}-{}-{}-{}",
                &h[..8],
                &h[8..12],
                &h[12..16],
                &h[16..20],
                &h[20..]
            )
        }
        5 => rng.chars(HEX, 40),
        6 => failing_card(rng),
        7 => format!("v{}.{}.{}", rng.below(20), rng.below(40), rng.below(200)),
        8 => format!(
            "{}.{}.{}.{}",
            rng.below(20),
            rng.below(9),
            rng.digits(5),
            rng.below(9)
        ),
        9 => format!("${},{}.{}", 1 + rng.below(9), rng.digits(3), rng.digits(2)),
        10 => format!("{}.{} EUR", 1 + rng.below(9999), rng.digits(2)),
        11 => "978-3-16-148410-0".to_owned(),
        12 => "9783161484100".to_owned(),
        13 => format!("ORD-2026-{}", rng.digits(8)),
        14 => format!("#{}", rng.digits(7)),
        15 => format!("0x7ffe{}", rng.chars(HEX, 8)),
        _ => match rng.below(3) {
            0 => format!("666-{}-{}", rng.digits(2), rng.digits(4)),
            1 => format!("9{}-{}-{}", rng.digits(2), rng.digits(2), rng.digits(4)),
            _ => iban(rng, false),
        },
    }
}

#[test]
fn planted_values_are_all_replaced_and_look_alikes_all_kept() {
    let env_secret = "vt-secret-6f1c0b7a92";
    let settings = DetectorSettings {
        kinds: BUILTIN_KINDS.iter().map(|k| (*k).to_owned()).collect(),
        env: vec![("VTCODE_DEPLOY_TOKEN".into(), env_secret.into())],
        ..DetectorSettings::default()
    };
    let mut tokenizer = Tokenizer::new(Detector::new(&settings).unwrap());
    let mut rng = Rng(0x5EED_2026_1201);
    let mut text = String::new();
    let mut planted_values = Vec::new();
    let mut negatives = Vec::new();
    for id in 0..600 {
        let (kind, value) = planted(&mut rng, env_secret);
        let look_alike = negative(&mut rng);
        let label = rng.pick(&["contact", "value", "note"]);
        text.push_str(&format!(
            "{{\"id\": {id}, \"{label}\": \"{value}\", \"ref\": \"{look_alike}\", \"updated\": \"{}\"}}\n",
            negative(&mut rng)
        ));
        planted_values.push((kind, value));
        negatives.push(look_alike);
    }
    let out = tokenizer.tokenize(&text, Scope::All);
    let mut kinds_seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (kind, value) in &planted_values {
        assert!(
            !out.text.contains(value.as_str()),
            "planted {kind} `{value}` reached the output"
        );
        *kinds_seen.entry(kind).or_default() += 1;
    }
    for look_alike in &negatives {
        assert!(
            out.text.contains(look_alike.as_str()),
            "look-alike `{look_alike}` was changed"
        );
    }
    let counted = out.kind_counts(tokenizer.entries());
    for kind in kinds_seen.keys() {
        assert!(
            counted.contains_key(*kind),
            "no {kind} counted: {counted:?}"
        );
    }
    assert_eq!(
        counted.values().sum::<u32>() as usize,
        planted_values.len(),
        "one finding per planted value: {counted:?}"
    );
    let tokenized = out.text.into_owned();
    assert_eq!(tokenizer.restore(&tokenized), text);
}
