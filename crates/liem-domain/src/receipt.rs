//! Receipt codes: what a reporter writes down to follow a report.
//!
//! 32 decimal digits in eight groups of four (106 bits), easy to copy and to
//! read aloud in any language. The first 7 digits are a locator, stored in
//! clear so that the report is found without scanning; the other 25 digits
//! (83 bits) are the secret, of which the server keeps only a slow hash.

/// Digits in the locator.
pub const LOCATOR_DIGITS: usize = 7;
/// Digits in the secret part.
pub const SECRET_DIGITS: usize = 25;
/// Digits in a whole code.
pub const CODE_DIGITS: usize = LOCATOR_DIGITS + SECRET_DIGITS;

/// A receipt code.
#[derive(Clone, PartialEq, Eq)]
pub struct ReceiptCode {
    digits: String,
}

impl std::fmt::Debug for ReceiptCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never printed whole: logs and panics must not carry a code.
        write!(f, "ReceiptCode({}…)", self.locator())
    }
}

impl ReceiptCode {
    /// A code from 32 random digits (`digit` must return 0–9 uniformly).
    pub fn generate(mut digit: impl FnMut() -> u8) -> ReceiptCode {
        let digits = (0..CODE_DIGITS)
            .map(|_| char::from(b'0' + digit() % 10))
            .collect();
        ReceiptCode { digits }
    }

    /// Parses what a reporter typed: digits, with any spaces, dots or dashes.
    pub fn parse(input: &str) -> Option<ReceiptCode> {
        let mut digits = String::with_capacity(CODE_DIGITS);
        for c in input.chars() {
            match c {
                '0'..='9' => digits.push(c),
                // Arabic-Indic and Eastern Arabic-Indic digits, as an Arabic keyboard types them.
                '\u{0660}'..='\u{0669}' => {
                    digits.push(char::from(b'0' + (c as u32 - 0x0660) as u8))
                }
                '\u{06F0}'..='\u{06F9}' => {
                    digits.push(char::from(b'0' + (c as u32 - 0x06F0) as u8))
                }
                ' ' | '-' | '.' | '\u{00A0}' | '\t' | '\n' | '\r' => {}
                _ => return None,
            }
            if digits.len() > CODE_DIGITS {
                return None;
            }
        }
        (digits.len() == CODE_DIGITS).then_some(ReceiptCode { digits })
    }

    /// The locator part.
    pub fn locator(&self) -> &str {
        &self.digits[..LOCATOR_DIGITS]
    }

    /// The secret part.
    pub fn secret(&self) -> &str {
        &self.digits[LOCATOR_DIGITS..]
    }

    /// The code in groups of four: `1234 5678 …`.
    pub fn grouped(&self) -> String {
        self.digits
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).expect("ASCII digits"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn codes_have_at_least_eighty_bits_in_the_secret_alone() {
        let bits = (SECRET_DIGITS as f64) * 10f64.log2();
        assert!(bits >= 80.0, "{bits}");
        assert!((CODE_DIGITS as f64) * 10f64.log2() >= 106.0);
    }

    #[test]
    fn grouped_codes_read_in_eight_groups_of_four() {
        let mut n = 0u8;
        let c = ReceiptCode::generate(|| {
            n = (n + 1) % 10;
            n
        });
        assert_eq!(c.grouped(), "1234 5678 9012 3456 7890 1234 5678 9012");
        assert_eq!(c.locator(), "1234567");
        assert_eq!(c.secret().len(), 25);
        assert_eq!(format!("{c:?}"), "ReceiptCode(1234567…)");
    }

    #[test]
    fn typing_variants_parse_and_garbage_does_not() {
        let c = ReceiptCode::parse("1234-5678 9012.3456 7890 1234 5678 9012").unwrap();
        assert_eq!(c.grouped(), "1234 5678 9012 3456 7890 1234 5678 9012");
        let arabic = "١٢٣٤ ٥٦٧٨ ٩٠١٢ ٣٤٥٦ ٧٨٩٠ ١٢٣٤ ٥٦٧٨ ٩٠١٢";
        assert_eq!(ReceiptCode::parse(arabic), Some(c));
        assert_eq!(ReceiptCode::parse("1234"), None);
        assert_eq!(
            ReceiptCode::parse("1234 5678 9012 3456 7890 1234 5678 901x"),
            None
        );
        assert_eq!(ReceiptCode::parse(&"1".repeat(33)), None);
    }

    proptest! {
        #[test]
        fn grouped_codes_parse_back(seed in prop::collection::vec(0u8..10, CODE_DIGITS)) {
            let mut it = seed.into_iter();
            let c = ReceiptCode::generate(|| it.next().unwrap());
            prop_assert_eq!(ReceiptCode::parse(&c.grouped()), Some(c));
        }
    }
}
