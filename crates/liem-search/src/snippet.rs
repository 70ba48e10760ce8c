//! Highlighted snippets: the passage of a record's text where the query's
//! words are densest, cut into plain and highlighted parts (the page escapes
//! each part; nothing here is HTML).

use serde::Serialize;

/// One part of a snippet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Part {
    /// The text.
    pub text: String,
    /// Whether it matched a query word.
    pub hit: bool,
}

/// The passage of `text` of at most about `max_chars` characters holding the
/// most matches of `phrases` (each the folded words of one part of the
/// query, in order, `true` for a prefix), as parts; `None` when nothing
/// matches. A phrase is highlighted where its words stand together, as one
/// part, not each of its words wherever it stands.
pub fn snippet(text: &str, phrases: &[Vec<(String, bool)>], max_chars: usize) -> Option<Vec<Part>> {
    if phrases.iter().all(Vec::is_empty) {
        return None;
    }
    let words: Vec<(String, std::ops::Range<usize>)> = liem_domain::text::words(text).collect();
    let matches = |w: &str, (t, prefix): &(String, bool)| {
        if *prefix {
            w.starts_with(t.as_str())
        } else {
            w == t
        }
    };
    let mut hits: Vec<std::ops::Range<usize>> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let longest = phrases
            .iter()
            .filter(|p| !p.is_empty() && i + p.len() <= words.len())
            .filter(|p| p.iter().zip(&words[i..]).all(|(t, (w, _))| matches(w, t)))
            .map(Vec::len)
            .max();
        match longest {
            Some(n) => {
                hits.push(words[i].1.start..words[i + n - 1].1.end);
                i += n;
            }
            None => i += 1,
        }
    }
    if hits.is_empty() {
        return None;
    }
    // The window (in bytes, about `max_chars` characters of Vietnamese)
    // starting a little before a hit that covers the most hits.
    let span = max_chars * 2;
    let lead = max_chars / 5;
    let mut best = (0usize, 0usize);
    for (i, h) in hits.iter().enumerate() {
        let start = h.start.saturating_sub(lead);
        let n = hits[i..]
            .iter()
            .take_while(|g| g.end <= start + span)
            .count();
        if n > best.1 {
            best = (i, n);
        }
    }
    let first = &hits[best.0];
    let mut start = first.start.saturating_sub(lead);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    // Start on a word boundary when one is near.
    if start > 0 {
        if let Some(p) = text[start..first.start].find(char::is_whitespace) {
            start += p + 1;
        }
    }
    let mut end = (start + span).min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let inside: Vec<&std::ops::Range<usize>> = hits
        .iter()
        .filter(|h| h.start >= start && h.end <= end)
        .collect();
    if let Some(last) = inside.last() {
        if end < text.len() {
            // End on a word boundary after the last hit when one is near.
            if let Some(p) = text[last.end..end].rfind(char::is_whitespace) {
                end = last.end + p;
            }
        }
    }
    let mut parts = Vec::new();
    let mut at = start;
    let ellipsis = |s: &mut String, before: bool| {
        if before {
            s.insert(0, '…');
        } else {
            s.push('…');
        }
    };
    for h in inside {
        if h.start > at {
            parts.push(Part {
                text: text[at..h.start].to_owned(),
                hit: false,
            });
        }
        parts.push(Part {
            text: text[h.start..h.end].to_owned(),
            hit: true,
        });
        at = h.end;
    }
    if at < end {
        parts.push(Part {
            text: text[at..end].to_owned(),
            hit: false,
        });
    }
    if start > 0 {
        match parts.first_mut() {
            Some(p) if !p.hit => ellipsis(&mut p.text, true),
            _ => parts.insert(
                0,
                Part {
                    text: "…".into(),
                    hit: false,
                },
            ),
        }
    }
    if end < text.len() {
        match parts.last_mut() {
            Some(p) if !p.hit => ellipsis(&mut p.text, false),
            _ => parts.push(Part {
                text: "…".into(),
                hit: false,
            }),
        }
    }
    Some(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(parts: &[Part]) -> String {
        parts
            .iter()
            .map(|p| {
                if p.hit {
                    format!("[{}]", p.text)
                } else {
                    p.text.clone()
                }
            })
            .collect()
    }

    #[test]
    fn highlights_accented_words_for_an_unaccented_query() {
        let t = "Ông A có dấu hiệu tham nhũng khi giao đất đai cho doanh nghiệp";
        let terms = vec![
            vec![("tham".to_owned(), false)],
            vec![("nhung".to_owned(), false)],
            vec![("dat".to_owned(), false)],
        ];
        let s = render(&snippet(t, &terms, 200).unwrap());
        assert_eq!(
            s,
            "Ông A có dấu hiệu [tham] [nhũng] khi giao [đất] đai cho doanh nghiệp"
        );
    }

    #[test]
    fn a_prefix_highlights_whole_words_and_no_match_gives_none() {
        let terms = vec![vec![("nhu".to_owned(), true)]];
        let s = render(&snippet("tham nhũng, nhũng nhiễu", &terms, 200).unwrap());
        assert_eq!(s, "tham [nhũng], [nhũng] nhiễu");
        let word = |w: &str| vec![vec![(w.to_owned(), false)]];
        assert!(snippet("không có gì", &word("dat"), 200).is_none());
        // "hung" is not inside "nhũng": whole words only.
        assert!(snippet("tham nhũng", &word("hung"), 200).is_none());
    }

    #[test]
    fn a_long_text_is_cut_around_the_densest_passage_on_char_boundaries() {
        let filler = "văn bản hành chính ".repeat(40);
        let t = format!("{filler}việc tham nhũng đất đai ở xã {filler}");
        let terms = vec![
            vec![("tham".to_owned(), false)],
            vec![("nhung".to_owned(), false)],
        ];
        let parts = snippet(&t, &terms, 60).unwrap();
        let s = render(&parts);
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("[tham] [nhũng]"), "{s}");
        assert!(s.chars().count() < 160, "{s}");
    }

    #[test]
    fn a_phrase_is_highlighted_where_its_words_stand_together() {
        let t = "Tại xã A, cán bộ tham ô tài sản công; tài liệu và sản phẩm tại kho";
        let phrase = |ws: &[&str], prefix: bool| -> Vec<(String, bool)> {
            ws.iter()
                .enumerate()
                .map(|(i, w)| ((*w).to_owned(), prefix && i + 1 == ws.len()))
                .collect()
        };
        let s = render(&snippet(t, &[phrase(&["tai", "san"], false)], 200).unwrap());
        assert_eq!(
            s,
            "Tại xã A, cán bộ tham ô [tài sản] công; tài liệu và sản phẩm tại kho"
        );
        // The longer of two phrases that start on the same word; a prefix.
        let s = render(
            &snippet(
                t,
                &[
                    phrase(&["tham", "o"], false),
                    phrase(&["tham", "o", "tai", "sa"], true),
                ],
                200,
            )
            .unwrap(),
        );
        assert!(s.contains("[tham ô tài sản] công"), "{s}");
        assert!(snippet(t, &[phrase(&["san", "tai"], false)], 200).is_none());
    }
}
