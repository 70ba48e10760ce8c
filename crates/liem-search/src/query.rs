//! What a user types, read into clauses: words (every one must match),
//! `"phrases"`, `prefix*`, `-excluded` words and field queries
//! (`reference:`, `sender:`, `place:`, `subject:`). Every part is folded as
//! the index folds, so `đất đai` and `dat dai` are one query.

use liem_domain::text::{MAX_TERMS, MAX_TERM_CHARS};

/// The text field a clause is matched in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Everything searchable about the record.
    Body,
    /// Register references (the letter's and its matters').
    Reference,
    /// The sender's name and identity number (never a sealed one).
    Sender,
    /// The place of the matter.
    Place,
    /// Who the letter is about.
    Subject,
}

impl Target {
    fn parse(name: &str) -> Option<Target> {
        match name {
            "reference" | "ref" | "so" => Some(Target::Reference),
            "sender" | "nguoi" | "nguoigui" => Some(Target::Sender),
            "place" | "noi" | "diadiem" => Some(Target::Place),
            "subject" | "doituong" => Some(Target::Subject),
            _ => None,
        }
    }
}

/// One part of a query: its folded words, matched in order when more than
/// one, the last as a prefix when `prefix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    /// Where.
    pub target: Target,
    /// The folded words.
    pub words: Vec<String>,
    /// The last word is a prefix.
    pub prefix: bool,
    /// Records matching it are left out.
    pub negate: bool,
}

/// A prefix shorter than this is matched as a whole word (a one-letter
/// prefix would expand to half the dictionary).
pub const MIN_PREFIX_CHARS: usize = 2;

/// Reads a query. Quotes that are not closed run to the end; an unknown
/// `name:` is read as words; at most [`MAX_TERMS`] words are kept, each at
/// most [`MAX_TERM_CHARS`] characters long.
pub fn parse(input: &str) -> Vec<Clause> {
    let mut clauses = Vec::new();
    let mut budget = MAX_TERMS;
    let chars: Vec<char> = input.chars().collect();
    let mut i = 0;
    while i < chars.len() && budget > 0 {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let mut negate = false;
        if chars[i] == '-' && i + 1 < chars.len() && !chars[i + 1].is_whitespace() {
            negate = true;
            i += 1;
        }
        // A field name: letters up to a colon.
        let mut target = Target::Body;
        let start = i;
        let mut j = i;
        while j < chars.len() && chars[j].is_ascii_alphabetic() {
            j += 1;
        }
        if j < chars.len() && chars[j] == ':' && j > start {
            let name: String = chars[start..j].iter().collect::<String>().to_lowercase();
            if let Some(t) = Target::parse(&name) {
                target = t;
                i = j + 1;
            }
        }
        let (raw, quoted, next) = if i < chars.len() && chars[i] == '"' {
            let close = chars[i + 1..]
                .iter()
                .position(|c| *c == '"')
                .map(|p| i + 1 + p);
            match close {
                Some(c) => (chars[i + 1..c].iter().collect::<String>(), true, c + 1),
                None => (chars[i + 1..].iter().collect::<String>(), true, chars.len()),
            }
        } else {
            let end = chars[i..]
                .iter()
                .position(|c| c.is_whitespace())
                .map_or(chars.len(), |p| i + p);
            (chars[i..end].iter().collect::<String>(), false, end)
        };
        i = next;
        let prefix = !quoted && raw.ends_with('*');
        let mut words: Vec<String> = liem_domain::text::words(&raw)
            .map(|(w, _)| w.chars().take(MAX_TERM_CHARS).collect())
            .collect();
        if words.is_empty() {
            continue;
        }
        words.truncate(budget);
        budget -= words.len();
        let prefix = prefix
            && words
                .last()
                .is_some_and(|w| w.chars().count() >= MIN_PREFIX_CHARS);
        clauses.push(Clause {
            target,
            words,
            prefix,
            negate,
        });
    }
    clauses
}

/// The words a record must hold for the query (for highlighting): the
/// words of each clause that is not negated, in order (a phrase is matched
/// where they stand together), and whether each is a prefix.
pub fn highlight_terms(clauses: &[Clause]) -> Vec<Vec<(String, bool)>> {
    clauses
        .iter()
        .filter(|c| !c.negate)
        .map(|c| {
            c.words
                .iter()
                .enumerate()
                .map(|(i, w)| (w.clone(), c.prefix && i + 1 == c.words.len()))
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(c: &Clause) -> Vec<&str> {
        c.words.iter().map(String::as_str).collect()
    }

    #[test]
    fn plain_words_are_separate_clauses_folded() {
        let q = parse("Tham  NHŨNG đất");
        assert_eq!(q.len(), 3);
        assert_eq!(words(&q[1]), ["nhung"]);
        assert_eq!(words(&q[2]), ["dat"]);
        assert!(q.iter().all(|c| c.target == Target::Body && !c.negate));
    }

    #[test]
    fn phrases_prefixes_negations_and_fields() {
        let q = parse(
            r#""đất đai" tham* -xe sender:"Nguyễn Văn Hùng" reference:HNI-2026-000123 place:Ba"#,
        );
        assert_eq!(words(&q[0]), ["dat", "dai"]);
        assert!(!q[0].prefix);
        assert_eq!(words(&q[1]), ["tham"]);
        assert!(q[1].prefix);
        assert!(q[2].negate);
        assert_eq!(q[3].target, Target::Sender);
        assert_eq!(words(&q[3]), ["nguyen", "van", "hung"]);
        assert_eq!(q[4].target, Target::Reference);
        assert_eq!(words(&q[4]), ["hni", "2026", "000123"]);
        assert_eq!(q[5].target, Target::Place);
    }

    #[test]
    fn unknown_fields_unclosed_quotes_and_short_prefixes() {
        let q = parse("foo:bar \"tham nhung");
        assert_eq!(words(&q[0]), ["foo", "bar"]);
        assert_eq!(q[0].target, Target::Body);
        assert_eq!(words(&q[1]), ["tham", "nhung"]);
        let q = parse("t*");
        assert!(!q[0].prefix, "a one-letter prefix is a word");
        assert!(parse(" ,;: \"\" - ").is_empty());
    }

    #[test]
    fn the_word_budget_holds() {
        let q = parse(&"từ ".repeat(1000));
        let n: usize = q.iter().map(|c| c.words.len()).sum();
        assert_eq!(n, MAX_TERMS);
        let q = parse(&"a".repeat(60_000));
        assert_eq!(q[0].words[0].len(), MAX_TERM_CHARS);
    }
}
