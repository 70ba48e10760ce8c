//! Text folding for search: lower case, diacritics removed, `đ` → `d`,
//! Arabic letter forms unified.
//!
//! `tham nhũng`, `THAM NHUNG` and `tham nhung` all fold to `tham nhung`, so a
//! search typed without diacritics finds text written with them; both
//! Vietnamese tone placements (`hoà`, `hòa`) fold alike; French accents
//! (`État` → `etat`) and Arabic hamza carriers, tā' marbūṭa, alif maqṣūra,
//! harakāt and tatweel (`أحمد`, `احمد`) fold alike; compatibility forms
//! (Arabic presentation forms, full-width letters, ligatures) fold to their
//! plain letters.
//!
//! [`words`] is the one definition: [`fold`] joins its words with a space,
//! and the search index's tokenizer uses its words with their byte offsets
//! in the original text (for highlighting).

use unicode_normalization::UnicodeNormalization;

/// Characters below this are folded from a table built once (Latin,
/// Vietnamese, Greek, Cyrillic, Arabic): the same answer as
/// [`fold_char_slow`], without decomposing each one again.
const TABLE_END: u32 = 0x2000;

/// How a tabled character folds.
#[derive(Clone, Copy)]
enum Folded {
    /// Not part of a word.
    Separator,
    /// Continues a word, adds nothing (a mark, a tatweel).
    Silent,
    /// Adds this one character.
    One(char),
    /// Adds more than one: folded the slow way.
    Many,
}

fn table() -> &'static [Folded] {
    static T: std::sync::OnceLock<Vec<Folded>> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        (0..TABLE_END)
            .map(|u| {
                let Some(c) = char::from_u32(u) else {
                    return Folded::Separator;
                };
                let mut s = String::new();
                let word = fold_char_slow(c, &mut s);
                let mut it = s.chars();
                match (word, it.next(), it.next()) {
                    (false, _, _) => Folded::Separator,
                    (true, None, _) => Folded::Silent,
                    (true, Some(x), None) => Folded::One(x),
                    (true, Some(_), Some(_)) => Folded::Many,
                }
            })
            .collect()
    })
}

/// Appends the folded form of one character to `out`; see
/// [`fold_char_slow`].
fn fold_char(c: char, out: &mut String) -> bool {
    if c.is_ascii() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
            return true;
        }
        return false;
    }
    if (c as u32) < TABLE_END {
        match table()[c as usize] {
            Folded::Separator => return false,
            Folded::Silent => return true,
            Folded::One(x) => {
                out.push(x);
                return true;
            }
            Folded::Many => {}
        }
    }
    fold_char_slow(c, out)
}

/// Appends the folded form of one character to `out`: compatibility
/// decomposition, combining marks dropped, lower case, and the letters the
/// decomposition does not reach mapped by hand. Returns whether the
/// character belongs to a word (it may fold to nothing: a combining mark
/// or a tatweel continues the word it is in).
fn fold_char_slow(c: char, out: &mut String) -> bool {
    // A mark continues the word it is in, unless the character is a
    // symbol carrying it (`⋠` is `≼` with a stroke): then, as its
    // decomposed form reads, the symbol parts words and the mark after it
    // starts none.
    let (mut emitted, mut marked, mut symbol) = (false, false, false);
    for d in std::iter::once(c).nfkd() {
        if unicode_normalization::char::is_combining_mark(d) {
            marked = true;
            continue;
        }
        for l in d.to_lowercase() {
            // Lower-casing may yield a combining mark again (`İ` → `i̇`):
            // decompose once more and drop it, so that folding is
            // idempotent.
            for e in std::iter::once(l).nfkd() {
                if unicode_normalization::char::is_combining_mark(e) {
                    marked = true;
                    continue;
                }
                let e = match e {
                    'đ' | 'ð' => 'd',
                    // Arabic: tatweel carries no meaning for matching.
                    '\u{0640}' => {
                        marked = true;
                        continue;
                    }
                    // tā' marbūṭa as hā', alif maqṣūra as yā'.
                    '\u{0629}' => '\u{0647}',
                    '\u{0649}' => '\u{064A}',
                    // Hamza carriers the decomposition leaves alone.
                    '\u{0671}' => '\u{0627}',
                    _ => e,
                };
                if e.is_alphanumeric() {
                    out.push(e);
                    emitted = true;
                } else {
                    symbol = true;
                }
            }
        }
    }
    emitted || (marked && !symbol)
}

/// The words of `input`, folded, each with the byte range it came from.
pub fn words(input: &str) -> Words<'_> {
    Words {
        input,
        chars: input.char_indices(),
        buf: String::new(),
    }
}

/// Iterator over folded words; see [`words`].
pub struct Words<'a> {
    input: &'a str,
    chars: std::str::CharIndices<'a>,
    buf: String,
}

impl Words<'_> {
    /// The next word: its folded text (borrowed until the next call) and
    /// its byte range in the input.
    pub fn next_word(&mut self) -> Option<(&str, std::ops::Range<usize>)> {
        self.buf.clear();
        let mut start = None;
        let mut end = 0;
        for (i, c) in self.chars.by_ref() {
            let before = self.buf.len();
            if fold_char(c, &mut self.buf) {
                if start.is_none() {
                    if self.buf.len() == before {
                        // A mark or tatweel before any letter starts no word.
                        continue;
                    }
                    start = Some(i);
                }
                end = i + c.len_utf8();
            } else if start.is_some() {
                break;
            }
        }
        let start = start?;
        debug_assert!(end <= self.input.len());
        Some((&self.buf, start..end))
    }
}

impl Iterator for Words<'_> {
    type Item = (String, std::ops::Range<usize>);
    fn next(&mut self) -> Option<Self::Item> {
        self.next_word().map(|(w, r)| (w.to_owned(), r))
    }
}

/// Folds text for matching: the folded words joined by one space.
pub fn fold(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut w = words(input);
    while let Some((word, _)) = w.next_word() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
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

    #[test]
    fn folds_arabic_letter_forms() {
        // Hamza on alif, harakat and tatweel; ta marbuta and alif maqsura.
        assert_eq!(fold("أَحْمَد"), fold("احمد"));
        assert_eq!(fold("إدارة"), fold("اداره"));
        assert_eq!(fold("مستشفى"), fold("مستشفي"));
        assert_eq!(fold("فـــساد"), fold("فساد"));
        // Presentation forms fold to the plain letters.
        assert_eq!(fold("\u{FEF7}"), fold("\u{0644}\u{0627}"));
    }

    #[test]
    fn words_carry_their_offsets_in_the_original() {
        let s = "Đơn tố cáo: THAM NHŨNG";
        let w: Vec<(String, std::ops::Range<usize>)> = words(s).collect();
        let texts: Vec<&str> = w.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(texts, ["don", "to", "cao", "tham", "nhung"]);
        assert_eq!(&s[w[0].1.clone()], "Đơn");
        assert_eq!(&s[w[4].1.clone()], "NHŨNG");
        // Decomposed input: the marks stay inside the word's range.
        let d: String = "nhũng".nfd().collect();
        let w: Vec<_> = words(&d).collect();
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].1, 0..d.len());
    }

    #[test]
    fn the_table_folds_as_the_slow_way_does() {
        for u in 0..TABLE_END {
            let Some(c) = char::from_u32(u) else { continue };
            let (mut a, mut b) = (String::new(), String::new());
            assert_eq!(fold_char(c, &mut a), fold_char_slow(c, &mut b), "{c:?}");
            assert_eq!(a, b, "{c:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn folding_is_idempotent(s in "\\PC{0,40}") {
            let once = fold(&s);
            proptest::prop_assert_eq!(fold(&once), once);
        }

        #[test]
        fn composed_and_decomposed_fold_alike(s in "\\PC{0,40}") {
            let nfc: String = s.nfc().collect();
            let nfd: String = s.nfd().collect();
            proptest::prop_assert_eq!(fold(&nfc), fold(&nfd));
        }

        #[test]
        fn vietnamese_with_and_without_marks_fold_alike(
            s in "[a-zàáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ ]{0,30}"
        ) {
            let plain: String = s.nfd().filter(|c| !unicode_normalization::char::is_combining_mark(*c))
                .map(|c| if c == 'đ' { 'd' } else { c }).collect();
            proptest::prop_assert_eq!(fold(&s), fold(&plain));
            let upper = s.to_uppercase();
            proptest::prop_assert_eq!(fold(&upper), fold(&s));
        }

        #[test]
        fn offsets_always_cut_the_input_on_char_boundaries(s in "\\PC{0,40}") {
            for (_, r) in words(&s) {
                proptest::prop_assert!(s.is_char_boundary(r.start) && s.is_char_boundary(r.end));
                proptest::prop_assert!(r.start < r.end);
            }
        }
    }
}
