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
/// most matches of `terms` (folded words; `true` for a prefix), as parts;
/// `None` when nothing matches.
pub fn snippet(text: &str, terms: &[(String, bool)], max_chars: usize) -> Option<Vec<Part>> {
    if terms.is_empty() {
        return None;
    }
    let mut hits: Vec<std::ops::Range<usize>> = Vec::new();
    let mut w = liem_domain::text::words(text);
    while let Some((word, range)) = w.next_word() {
        if terms.iter().any(|(t, prefix)| {
            if *prefix {
                word.starts_with(t.as_str())
            } else {
                word == t
            }
        }) {
            hits.push(range);
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
            ("tham".to_owned(), false),
            ("nhung".to_owned(), false),
            ("dat".to_owned(), false),
        ];
        let s = render(&snippet(t, &terms, 200).unwrap());
        assert_eq!(
            s,
            "Ông A có dấu hiệu [tham] [nhũng] khi giao [đất] đai cho doanh nghiệp"
        );
    }

    #[test]
    fn a_prefix_highlights_whole_words_and_no_match_gives_none() {
        let terms = vec![("nhu".to_owned(), true)];
        let s = render(&snippet("tham nhũng, nhũng nhiễu", &terms, 200).unwrap());
        assert_eq!(s, "tham [nhũng], [nhũng] nhiễu");
        assert!(snippet("không có gì", &[("dat".to_owned(), false)], 200).is_none());
        // "hung" is not inside "nhũng": whole words only.
        assert!(snippet("tham nhũng", &[("hung".to_owned(), false)], 200).is_none());
    }

    #[test]
    fn a_long_text_is_cut_around_the_densest_passage_on_char_boundaries() {
        let filler = "văn bản hành chính ".repeat(40);
        let t = format!("{filler}việc tham nhũng đất đai ở xã {filler}");
        let terms = vec![("tham".to_owned(), false), ("nhung".to_owned(), false)];
        let parts = snippet(&t, &terms, 60).unwrap();
        let s = render(&parts);
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("[tham] [nhũng]"), "{s}");
        assert!(s.chars().count() < 160, "{s}");
    }
}
