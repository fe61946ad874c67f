#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Properties of the tokenizer over arbitrary input: it never panics (any
//! bytes, decoded lossily as a tool's output would be), and restoring what
//! it produced gives back exactly the original text.

use proptest::prelude::*;
use vtcode_core::pii::{BUILTIN_KINDS, Detector, DetectorSettings, Scope, Tokenizer};

fn tokenizer() -> Tokenizer {
    let settings = DetectorSettings {
        kinds: BUILTIN_KINDS.iter().map(|k| (*k).to_owned()).collect(),
        patterns: [("ticket".to_owned(), r"TCK-\d{4}".to_owned())].into(),
        env: vec![("SERVICE_PASSWORD".into(), "correct-horse-battery".into())],
        ..DetectorSettings::default()
    };
    Tokenizer::new(Detector::new(&settings).unwrap())
}

/// Text made of pieces that look like data, look-alikes and noise, so the
/// interesting paths run far more often than with uniform bytes.
fn pieces() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("ann@example.org".to_owned()),
        Just("+1 (415) 555-0132".to_owned()),
        Just("4111 1111 1111 1111".to_owned()),
        Just("DE89 3704 0044 0532 0130 00".to_owned()),
        Just("AKIAIOSFODNN7EXAMPLE".to_owned()),
        Just("correct-horse-battery".to_owned()),
        Just("TCK-1234".to_owned()),
        Just("<<EMAIL_1>>".to_owned()),
        Just("-----BEGIN RSA PRIVATE KEY-----\nabc".to_owned()),
        "[0-9 .()+@<>-]{0,24}",
        "\\PC{0,16}",
    ];
    prop::collection::vec(piece, 0..12).prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let text = String::from_utf8_lossy(&bytes);
        let mut t = tokenizer();
        let out = t.tokenize(&text, Scope::All).text.into_owned();
        let _ = t.restore(&out);
    }

    #[test]
    fn restoring_inverts_tokenizing(text in pieces()) {
        let mut t = tokenizer();
        let out = t.tokenize(&text, Scope::All).text.into_owned();
        // A literal token already in the text before tokenizing is not the
        // tokenizer's; only texts without one must round-trip.
        prop_assume!(!text.contains("<<"));
        prop_assert_eq!(t.restore(&out), text);
    }
}
