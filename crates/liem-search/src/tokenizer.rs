//! The index's tokenizer: the words of `liem_domain::text::words`, folded
//! (lower case, no diacritics, `đ` → `d`, Arabic letter forms unified), with
//! their offsets in the original text, so that what is indexed and what a
//! query is folded to are one function.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// The name the index knows the tokenizer by.
pub const NAME: &str = "liem_fold";

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
}
