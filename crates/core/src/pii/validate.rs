//! Checksums and issuing rules that separate real identifiers from digit
//! runs that merely look like them.

/// The Luhn check every payment card number passes.
pub(crate) fn luhn(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(d - b'0');
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum.is_multiple_of(10)
}

/// Whether the number starts like a card an issuer hands out (Visa,
/// Mastercard, Amex, Diners, Discover, JCB, UnionPay, Maestro) at a length
/// that issuer uses. Keeps epoch timestamps and ISBNs out.
pub(crate) fn card_issuer(digits: &[u8]) -> bool {
    let len = digits.len();
    let prefix = |n: usize| -> u32 {
        digits[..n]
            .iter()
            .fold(0, |acc, d| acc * 10 + u32::from(d - b'0'))
    };
    if len < 13 {
        return false;
    }
    match digits[0] {
        b'4' => matches!(len, 13 | 16 | 19),
        b'2' => len == 16 && (2221..=2720).contains(&prefix(4)),
        b'5' => match prefix(2) {
            51..=55 => len == 16,
            50 | 56..=59 => (13..=19).contains(&len),
            _ => false,
        },
        b'3' => match prefix(2) {
            34 | 37 => len == 15,
            36 | 38 | 39 => (14..=19).contains(&len),
            30 => (14..=19).contains(&len),
            35 => (16..=19).contains(&len) && (3528..=3589).contains(&prefix(4)),
            _ => false,
        },
        b'6' => (13..=19).contains(&len),
        _ => false,
    }
}

/// US social security numbers never issued: area 000, 666 or 900-999,
/// group 00, serial 0000, and the numbers published in advertising.
pub(crate) fn ssn_issuable(area: u32, group: u32, serial: u32) -> bool {
    let advertised = matches!((area, group, serial), (78, 5, 1120) | (219, 9, 9999));
    area != 0 && area != 666 && area < 900 && group != 0 && serial != 0 && !advertised
}

/// IBAN lengths by country (ISO 13616 registry); a country missing here
/// is accepted at any length from 15 to 34 if mod-97 holds.
const IBAN_LENGTHS: &[(&[u8; 2], usize)] = &[
    (b"AD", 24),
    (b"AT", 20),
    (b"BE", 16),
    (b"BG", 22),
    (b"CH", 21),
    (b"CY", 28),
    (b"CZ", 24),
    (b"DE", 22),
    (b"DK", 18),
    (b"EE", 20),
    (b"ES", 24),
    (b"FI", 18),
    (b"FR", 27),
    (b"GB", 22),
    (b"GR", 27),
    (b"HR", 21),
    (b"HU", 28),
    (b"IE", 22),
    (b"IS", 26),
    (b"IT", 27),
    (b"LI", 21),
    (b"LT", 20),
    (b"LU", 20),
    (b"LV", 21),
    (b"MC", 27),
    (b"MT", 31),
    (b"NL", 18),
    (b"NO", 15),
    (b"PL", 28),
    (b"PT", 25),
    (b"RO", 24),
    (b"SE", 24),
    (b"SI", 19),
    (b"SK", 24),
    (b"SM", 27),
    (b"TR", 26),
];

/// `compact` is the IBAN without spaces, upper case.
pub(crate) fn iban(compact: &[u8]) -> bool {
    let len = compact.len();
    if !(15..=34).contains(&len) {
        return false;
    }
    let country = [compact[0], compact[1]];
    if let Some((_, expected)) = IBAN_LENGTHS.iter().find(|(c, _)| **c == country)
        && *expected != len
    {
        return false;
    }
    let mut rem = 0u32;
    for &b in compact[4..].iter().chain(&compact[..4]) {
        rem = match b {
            b'0'..=b'9' => (rem * 10 + u32::from(b - b'0')) % 97,
            b'A'..=b'Z' => (rem * 100 + u32::from(b - b'A' + 10)) % 97,
            _ => return false,
        };
    }
    rem == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_accept_real_numbers_and_refuse_near_misses() {
        assert!(luhn(b"4111111111111111"));
        assert!(!luhn(b"4111111111111112"));
        assert!(card_issuer(b"4111111111111111"));
        assert!(!card_issuer(b"1733050000000"));
        assert!(iban(b"DE89370400440532013000"));
        assert!(!iban(b"DE89370400440532013001"));
        assert!(iban(b"GB82WEST12345698765432"));
        assert!(!ssn_issuable(666, 12, 3456));
        assert!(!ssn_issuable(901, 12, 3456));
        assert!(ssn_issuable(123, 12, 3456));
    }
}
