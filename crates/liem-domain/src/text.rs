//! Text folding for search: lower case, Vietnamese diacritics removed, `đ` → `d`.
//!
//! `tham nhũng`, `THAM NHUNG` and `tham nhung` all fold to `tham nhung`, so a
//! search typed without diacritics finds text written with them.

use unicode_normalization::UnicodeNormalization;

/// Folds text for matching: NFD, combining marks dropped, `đ`/`Đ` → `d`,
/// lower case, runs of non-alphanumeric characters collapsed to one space.
pub fn fold(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut pending_space = false;
    for c in input.nfd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        let c = match c {
            'đ' | 'Đ' => 'd',
            // Arabic tatweel carries no meaning for matching.
            '\u{0640}' => continue,
            _ => c,
        };
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.extend(c.to_lowercase());
        } else {
            pending_space = true;
        }
    }
    out
}

/// At most this many words are matched in one search.
pub const MAX_TERMS: usize = 12;
/// A word longer than this is matched on its first this-many characters.
pub const MAX_TERM_CHARS: usize = 64;

/// The folded words of a query, for matching each one against folded text:
/// at most [`MAX_TERMS`], each at most [`MAX_TERM_CHARS`] long, so that no
/// query builds an unbounded statement (the API refuses longer ones first,
/// see `validation::search`). Folding leaves letters and digits only, so a
/// term never holds a `LIKE` wildcard.
pub fn query_terms(query: &str) -> Vec<String> {
    fold(query)
        .split(' ')
        .filter(|t| !t.is_empty())
        .take(MAX_TERMS)
        .map(|t| t.chars().take(MAX_TERM_CHARS).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese_diacritics_and_d_stroke() {
        assert_eq!(fold("Tham nhũng đất đai"), "tham nhung dat dai");
        assert_eq!(fold("ĐỖ THỊ HƯƠNG"), "do thi huong");
        assert_eq!(fold("Nguyễn Văn Ánh"), "nguyen van anh");
    }

    #[test]
    fn collapses_punctuation_and_spaces() {
        assert_eq!(
            fold("  HNI-2026-000123, (khiếu nại)  "),
            "hni 2026 000123 khieu nai"
        );
    }

    #[test]
    fn folds_french_accents() {
        assert_eq!(fold("Détournement à l'État"), "detournement a l etat");
    }

    #[test]
    fn query_terms_split_on_folded_words() {
        assert_eq!(query_terms("Tham  NHŨNG"), vec!["tham", "nhung"]);
        assert!(query_terms("  ,; ").is_empty());
        // Wildcards and NUL are not letters: they never reach a pattern.
        assert_eq!(query_terms("50%_off\0x"), vec!["50", "off", "x"]);
        assert_eq!(query_terms(&"từ ".repeat(1000)).len(), MAX_TERMS);
        assert_eq!(query_terms(&"a".repeat(60_000))[0].len(), MAX_TERM_CHARS);
    }
}
