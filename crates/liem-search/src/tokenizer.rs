//! The index's tokenizer: the words of `liem_domain::text::words`, folded
//! (lower case, no diacritics, `đ` → `d`, Arabic letter forms unified), with
//! their offsets in the original text, so that what is indexed and what a
//! query is folded to are one function.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// The name the index knows the tokenizer by.
pub const NAME: &str = "liem_fold";

/// The name of the tokenizer of adjacent word pairs.
pub const PAIRS: &str = "liem_pairs";

/// The term of two adjacent folded words, as [`PairTokenizer`] indexes it
/// and a phrase query asks for it.
pub fn pair(first: &str, second: &str) -> String {
    let mut s = String::with_capacity(first.len() + 1 + second.len());
    s.push_str(first);
    s.push(' ');
    s.push_str(second);
    s
}

/// Folds and splits text into whole words.
#[derive(Clone, Default)]
pub struct FoldTokenizer;

/// The words of one text.
pub struct FoldStream<'a> {
    words: liem_domain::text::Words<'a>,
    token: Token,
}

impl Tokenizer for FoldTokenizer {
    type TokenStream<'a> = FoldStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> FoldStream<'a> {
        FoldStream::new(text)
    }
}

impl<'a> FoldStream<'a> {
    fn new(text: &'a str) -> FoldStream<'a> {
        FoldStream {
            words: liem_domain::text::words(text),
            token: Token::default(),
        }
    }
}

impl TokenStream for FoldStream<'_> {
    fn advance(&mut self) -> bool {
        match self.words.next_word() {
            Some((w, range)) => {
                self.token.text.clear();
                // A word longer than the index keeps is cut (on a char
                // boundary), as the query side cuts it.
                let cut = w
                    .char_indices()
                    .nth(liem_domain::text::MAX_TERM_CHARS)
                    .map_or(w.len(), |(i, _)| i);
                self.token.text.push_str(&w[..cut]);
                self.token.offset_from = range.start;
                self.token.offset_to = range.end;
                self.token.position = self.token.position.wrapping_add(1);
                self.token.position_length = 1;
                true
            }
            None => false,
        }
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// Folds and splits text as [`FoldTokenizer`] does, and indexes each pair of
/// adjacent words as one term at the first word's position: a phrase of
/// two words is then one term, and a longer one a phrase of pairs (every
/// second pair and the last), whose postings are far shorter than those of
/// its single words.
#[derive(Clone, Default)]
pub struct PairTokenizer;

/// The adjacent word pairs of one text.
pub struct PairStream<'a> {
    words: FoldStream<'a>,
    previous: Option<Token>,
    token: Token,
}

impl Tokenizer for PairTokenizer {
    type TokenStream<'a> = PairStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> PairStream<'a> {
        PairStream {
            words: FoldStream::new(text),
            previous: None,
            token: Token::default(),
        }
    }
}

impl TokenStream for PairStream<'_> {
    fn advance(&mut self) -> bool {
        loop {
            if !self.words.advance() {
                return false;
            }
            let current = self.words.token();
            if let Some(prev) = &mut self.previous {
                self.token.text.clear();
                self.token.text.push_str(&prev.text);
                self.token.text.push(' ');
                self.token.text.push_str(&current.text);
                self.token.offset_from = prev.offset_from;
                self.token.offset_to = current.offset_to;
                self.token.position = prev.position;
                self.token.position_length = 1;
                prev.clone_from(current);
                return true;
            }
            self.previous = Some(current.clone());
        }
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_folded_whole_words_with_positions() {
        let mut t = FoldTokenizer;
        let mut s = t.token_stream("Tố cáo THAM NHŨNG đất đai");
        let mut out = Vec::new();
        while s.advance() {
            let k = s.token();
            out.push((k.text.clone(), k.position));
        }
        let words: Vec<&str> = out.iter().map(|(w, _)| w.as_str()).collect();
        assert_eq!(words, ["to", "cao", "tham", "nhung", "dat", "dai"]);
        let positions: Vec<usize> = out.iter().map(|(_, p)| *p).collect();
        assert_eq!(positions, [0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn pairs_are_adjacent_folded_words_at_the_first_position() {
        let mut t = PairTokenizer;
        let text = "Tố cáo THAM NHŨNG, đất";
        let at = |w: &str| text.find(w).unwrap();
        let mut s = t.token_stream(text);
        let mut out = Vec::new();
        while s.advance() {
            let k = s.token();
            out.push((k.text.clone(), k.position, k.offset_from));
        }
        assert_eq!(
            out,
            [
                ("to cao".to_owned(), 0, 0),
                ("cao tham".to_owned(), 1, at("cáo")),
                ("tham nhung".to_owned(), 2, at("THAM")),
                ("nhung dat".to_owned(), 3, at("NHŨNG")),
            ]
        );
        assert_eq!(pair("tham", "nhung"), out[2].0);
        let mut one = t.token_stream("một");
        assert!(!one.advance(), "one word makes no pair");
    }
}
