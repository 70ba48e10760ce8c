//! Translations through Fluent: every text on a page comes from
//! `locales/*.ftl`, Vietnamese first.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::sync::Arc;

/// A language Liêm speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Vietnamese (the default).
    Vi,
    /// English.
    En,
    /// French.
    Fr,
    /// Arabic (written right to left).
    Ar,
}

impl Lang {
    /// Every language, the default first.
    pub const ALL: [Lang; 4] = [Lang::Vi, Lang::En, Lang::Fr, Lang::Ar];

    /// The BCP 47 tag.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
            Lang::Fr => "fr",
            Lang::Ar => "ar",
        }
    }

    /// The writing direction, for the `dir` attribute.
    pub fn dir(self) -> &'static str {
        match self {
            Lang::Ar => "rtl",
            _ => "ltr",
        }
    }

    /// Parses a tag such as `vi`, `en-GB`.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            "fr" => Some(Lang::Fr),
            "ar" => Some(Lang::Ar),
            _ => None,
        }
    }

    /// Picks from an `Accept-Language` header by quality; Vietnamese if none fits.
    pub fn negotiate(accept_language: Option<&str>) -> Lang {
        let Some(h) = accept_language else {
            return Lang::Vi;
        };
        let mut best: Option<(f32, Lang)> = None;
        for part in h.split(',') {
            let mut it = part.split(';');
            let tag = it.next().unwrap_or("");
            let q = it
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if let Some(l) = Lang::from_tag(tag) {
                if best.is_none_or(|(bq, _)| q > bq) {
                    best = Some((q, l));
                }
            }
        }
        best.map_or(Lang::Vi, |(_, l)| l)
    }
}

/// The translation files, embedded in the binary.
const SOURCES: [(Lang, &str); 4] = [
    (Lang::Vi, include_str!("../locales/vi.ftl")),
    (Lang::En, include_str!("../locales/en.ftl")),
    (Lang::Fr, include_str!("../locales/fr.ftl")),
    (Lang::Ar, include_str!("../locales/ar.ftl")),
];

/// The loaded translation bundles, in the order of [`Lang::ALL`].
pub struct I18n {
    bundles: Vec<FluentBundle<FluentResource>>,
}

fn bundle(lang: &str, source: &str) -> FluentBundle<FluentResource> {
    let res = FluentResource::try_new(source.to_owned()).expect("translation file parses");
    let mut b = FluentBundle::new_concurrent(vec![lang.parse().expect("valid language tag")]);
    // Pages set `dir` and `lang` themselves; isolation marks would only
    // clutter attribute values.
    b.set_use_isolating(false);
    b.add_resource(res).expect("no duplicate message ids");
    b
}

impl I18n {
    /// Loads the embedded translation files.
    pub fn load() -> I18n {
        I18n {
            bundles: SOURCES
                .iter()
                .map(|(l, src)| bundle(l.tag(), src))
                .collect(),
        }
    }

    fn bundle(&self, lang: Lang) -> &FluentBundle<FluentResource> {
        let i = Lang::ALL
            .iter()
            .position(|l| *l == lang)
            .expect("every language is loaded");
        &self.bundles[i]
    }

    /// A message with arguments; the key itself when it is missing.
    pub fn format(&self, lang: Lang, key: &str, args: Option<&FluentArgs>) -> String {
        let b = self.bundle(lang);
        let Some(pattern) = b.get_message(key).and_then(|m| m.value()) else {
            tracing::warn!(key, lang = lang.tag(), "missing translation");
            return key.to_owned();
        };
        let mut errors = Vec::new();
        b.format_pattern(pattern, args, &mut errors).into_owned()
    }

    /// Whether a message exists.
    pub fn has(&self, lang: Lang, key: &str) -> bool {
        self.bundle(lang).get_message(key).is_some()
    }

    /// Whether every message exists in every language (checked by a test).
    pub fn missing_keys(&self) -> Vec<String> {
        let keys = |src: &str| -> Vec<String> {
            src.lines()
                .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim().to_owned()))
                .filter(|k| !k.starts_with('#') && !k.is_empty())
                .collect()
        };
        let mut missing = Vec::new();
        for k in keys(include_str!("../locales/vi.ftl"))
            .into_iter()
            .chain(keys(include_str!("../locales/en.ftl")))
        {
            for l in Lang::ALL {
                if self.bundle(l).get_message(&k).is_none() {
                    missing.push(format!("{}:{k}", l.tag()));
                }
            }
        }
        missing
    }
}

/// A field path without its list indices (`kinds[0]` → `kinds`).
fn error_path(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut depth = 0;
    for c in field.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// A translator bound to one language, for templates.
#[derive(Clone)]
pub struct Tr {
    /// The language.
    pub lang: Lang,
    i18n: Arc<I18n>,
}

impl Tr {
    /// Binds a language.
    pub fn new(i18n: Arc<I18n>, lang: Lang) -> Tr {
        Tr { lang, i18n }
    }

    /// A message.
    pub fn t(&self, key: &str) -> String {
        self.i18n.format(self.lang, key, None)
    }

    /// A message with one argument.
    pub fn t1(&self, key: &str, name: &str, value: impl std::fmt::Display) -> String {
        let mut args = FluentArgs::new();
        args.set(name.to_owned(), FluentValue::from(value.to_string()));
        self.i18n.format(self.lang, key, Some(&args))
    }

    /// A message with several arguments.
    pub fn t_args(&self, key: &str, values: &[(&str, String)]) -> String {
        let mut args = FluentArgs::new();
        for (name, value) in values {
            args.set((*name).to_owned(), FluentValue::from(value.clone()));
        }
        self.i18n.format(self.lang, key, Some(&args))
    }

    /// A message if it exists, else `fallback`.
    pub fn t_or(&self, key: &str, fallback: &str) -> String {
        if self.i18n.has(self.lang, key) {
            self.t(key)
        } else {
            fallback.to_owned()
        }
    }

    /// A field error in the reader's language: the field's label
    /// (`field-<path>`, indices dropped, dots as dashes) and the rule's
    /// message (`rule-<code>`, given the numbers the English message
    /// names as `$n` and `$m`); each falls back to the field's path and the
    /// English message where no translation exists.
    pub fn field_error(&self, e: &liem_domain::validation::FieldError) -> String {
        let path = error_path(&e.field);
        let label = self.t_or(&format!("field-{}", path.replace('.', "-")), &e.field);
        format!("{label}: {}", self.rule_message(e))
    }

    /// Every field error of a refused request, each by its field's label in
    /// the reader's language, joined.
    pub fn field_errors(&self, v: &liem_domain::ValidationErrors) -> String {
        v.errors
            .iter()
            .map(|e| self.field_error(e))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The errors about one form control (its id, as `field_anchor` gives
    /// it), each in the reader's language without the field's label (it
    /// stands next to the control, whose label already says it), joined.
    pub fn error_for(
        &self,
        errors: &[liem_domain::validation::FieldError],
        anchor: &str,
    ) -> Option<String> {
        let messages: Vec<String> = errors
            .iter()
            .filter(|e| self.field_anchor(e) == anchor)
            .map(|e| self.rule_message(e))
            .collect();
        (!messages.is_empty()).then(|| messages.join(" "))
    }

    /// A field error's message alone, in the reader's language.
    pub fn error_message(&self, e: &liem_domain::validation::FieldError) -> String {
        self.rule_message(e)
    }

    /// A rule's message in the reader's language (`rule-<code>`), else the
    /// English one.
    fn rule_message(&self, e: &liem_domain::validation::FieldError) -> String {
        // A message for the rule on this field (a rule that means
        // different things on different fields), else for the rule.
        let key = [
            format!("rule-{}-{}", e.rule, e.field),
            format!("rule-{}", e.rule),
        ]
        .into_iter()
        .find(|k| self.i18n.has(self.lang, k));
        let Some(key) = key else {
            return e.message.clone();
        };
        // A refused file's message opens with the file's name, whose
        // digits are not the rule's numbers.
        let (name, said) = match e.message.rsplit_once(" is ") {
            Some((name, rest)) if e.rule.starts_with("file_") => (name.to_owned(), rest),
            _ => (String::new(), e.message.as_str()),
        };
        let numbers: Vec<String> = said
            .split(|c: char| !c.is_ascii_digit())
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect();
        let n = numbers.first().cloned().unwrap_or_default();
        let m = numbers.get(1).cloned().unwrap_or_default();
        let k = numbers.get(2).cloned().unwrap_or_default();
        // The values a field takes, as the English message lists them
        // ("must be json, csv or xlsx"): codes, the same in every language.
        let list = e
            .message
            .strip_prefix("must be ")
            .map(|l| l.replace(" or ", ", "))
            .unwrap_or_default();
        // Dates the English message names (ISO) as the language writes
        // them, and the citation it closes with, as the language cites.
        let dates: Vec<String> = iso_dates(&e.message)
            .into_iter()
            .map(|d| self.date(d))
            .collect();
        let d1 = dates.first().cloned().unwrap_or_default();
        let d2 = dates.get(1).cloned().unwrap_or_default();
        let c = last_parenthesis(&e.message)
            .map(|c| self.citation(c))
            .unwrap_or_default();
        // Codes the English message names (a crime class, a measure, a
        // track of discipline), by their names in the language.
        let mut args = vec![
            ("n", n),
            ("m", m),
            ("k", k),
            ("list", list),
            ("name", name),
            ("d1", d1),
            ("d2", d2),
            ("c", c),
        ];
        for (arg, prefix) in [
            ("class", "cs-class-"),
            ("measure", "cs-measure-"),
            ("track", "cs-track-"),
        ] {
            let named = e
                .message
                .split(|c: char| !(c.is_ascii_lowercase() || c == '_'))
                .map(|w| format!("{prefix}{w}"))
                .find(|k| k.len() > prefix.len() && self.i18n.has(self.lang, k));
            args.push((arg, named.map(|k| self.t(&k)).unwrap_or_default()));
        }
        self.t_args(&key, &args)
    }

    /// A civil date as the language writes it: `06/12/2026` in Vietnamese,
    /// French and Arabic, `6 Dec 2026` in English.
    pub fn date(&self, d: impl Day) -> String {
        civil_date(d.day(), self.lang)
    }

    /// A quarter of a year as the language writes it (`Quý 3/2025`).
    pub fn quarter(&self, year: impl ToString, quarter: impl ToString) -> String {
        self.t_args(
            "cm-quarter",
            &[("q", quarter.to_string()), ("y", year.to_string())],
        )
    }

    /// A reporting period as the reader names it: a calendar year as the
    /// year, a quarter and a month as the language writes them, any other
    /// span by its first and last days (`01/01/2025 – 30/06/2025`).
    pub fn period(&self, p: &liem_domain::stats::Period) -> String {
        let (from, to) = (p.from, p.to);
        if from.day() == 1 && to == to.last_of_month() && from.year() == to.year() {
            let (a, b) = (from.month(), to.month());
            if a == 1 && b == 12 {
                return from.year().to_string();
            }
            if a == b {
                return match self.lang {
                    Lang::En => format!("{} {}", month_abbreviation(a), from.year()),
                    _ => format!("{a:02}/{}", from.year()),
                };
            }
            if (a - 1) % 3 == 0 && b == a + 2 {
                return self.quarter(from.year(), (a - 1) / 3 + 1);
            }
        }
        format!("{} – {}", self.date(from), self.date(to))
    }

    /// An instant as the unit's clock showed it (the legal time zone): its
    /// date as the language writes it and the time, `06/12/2026 14:05`.
    pub fn instant(&self, at: impl When) -> String {
        let z = at.when().to_zoned(liem_domain::calendar::legal_zone());
        format!("{} {:02}:{:02}", self.date(z.date()), z.hour(), z.minute())
    }

    /// An optional date (`""` for none).
    pub fn date_opt(&self, d: Option<impl Day>) -> String {
        d.map(|d| self.date(d)).unwrap_or_default()
    }

    /// A legal citation, as the domain writes it in English ("Law on
    /// Complaints 2011, art. 33(1)"), in the reader's language ("khoản 1
    /// Điều 33 Luật Khiếu nại 2011"): the laws' and documents' names from
    /// the translation files (`law-…`), the article and clause as the
    /// language cites them. A part it does not know stays as written.
    pub fn citation(&self, text: &str) -> String {
        if self.lang == Lang::En {
            return text.to_owned();
        }
        text.split("; ")
            .map(|part| self.citation_part(part))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn citation_part(&self, part: &str) -> String {
        // "<document>[, art. N(a), (b)][, form(s) X]" or "<document> (note)".
        let mut pieces = part.split(", ");
        let document = pieces.next().unwrap_or_default();
        let mut out_doc = self.document_name(document);
        let mut articles: Option<String> = None;
        let mut rest: Vec<String> = Vec::new();
        let mut pending: Vec<&str> = Vec::new();
        for p in pieces {
            if let Some(a) = p.strip_prefix("art. ") {
                pending.push(a);
            } else if !pending.is_empty()
                && (p.starts_with('(') || p.chars().all(|c| c.is_ascii_digit()))
            {
                pending.push(p);
            } else if let Some(f) = p.strip_prefix("forms ").or_else(|| p.strip_prefix("form ")) {
                rest.push(format!("{} {f}", self.t("law-form")));
            } else {
                rest.push(p.to_owned());
            }
        }
        if !pending.is_empty() {
            articles = Some(self.articles(&pending));
        }
        if let Some(a) = articles {
            out_doc = match self.lang {
                // Vietnamese cites the clause, then the article, then the law.
                Lang::Vi => format!("{a} {out_doc}"),
                _ => format!("{out_doc}, {a}"),
            };
        }
        std::iter::once(out_doc)
            .chain(rest)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// "Law on Complaints 2011 (02/2011/QH13)" → its name in the language;
    /// a number or note in brackets kept (a note translated when known).
    fn document_name(&self, document: &str) -> String {
        let (name, bracket) = match document.find(" (") {
            Some(i) => (&document[..i], Some(&document[i + 1..])),
            None => (document, None),
        };
        // "Circular 05/2021/TT-TTCP": the kind of document, then its number.
        let translated = if let Some(number) = name.strip_prefix("Circular ") {
            format!("{} {number}", self.t("law-circular"))
        } else if let Some(number) = name.strip_prefix("Decree ") {
            format!("{} {number}", self.t("law-decree"))
        } else if let Some(number) = name.strip_prefix("Law ").filter(|n| n.contains('/')) {
            format!("{} {number}", self.t("law-law"))
        } else {
            let (title, year) = match name.rsplit_once(' ') {
                Some((t, y)) if y.len() == 4 && y.chars().all(|c| c.is_ascii_digit()) => {
                    (t, Some(y))
                }
                _ => (name, None),
            };
            let key = format!("law-{}", crate::i18n::slug(title));
            let title = self.t_or(&key, title);
            match year {
                Some(y) => format!("{title} {y}"),
                None => title,
            }
        };
        match bracket {
            Some(b) => {
                let inner = b.trim_start_matches('(').trim_end_matches(')');
                let key = format!("law-note-{}", crate::i18n::slug(inner));
                format!("{translated} ({})", self.t_or(&key, inner))
            }
            None => translated,
        }
    }

    /// "172(1)", "(2)", "(3)" → "khoản 1, 2, 3 Điều 172" (Vietnamese), or
    /// the language's "art." abbreviation before the same numbers.
    fn articles(&self, pieces: &[&str]) -> String {
        let mut article = String::new();
        let mut clauses: Vec<String> = Vec::new();
        let mut more_articles: Vec<String> = Vec::new();
        for (i, p) in pieces.iter().enumerate() {
            let (num, clause) = match p.find('(') {
                Some(j) => (&p[..j], Some(p[j + 1..].trim_end_matches(')'))),
                None => (*p, None),
            };
            if i == 0 {
                article = num.to_owned();
            } else if !num.is_empty() {
                more_articles.push(num.to_owned());
            }
            if let Some(c) = clause {
                clauses.push(c.to_owned());
            }
        }
        let mut articles = article;
        for a in more_articles {
            articles.push_str(&format!(", {a}"));
        }
        match (self.lang, clauses.is_empty()) {
            (Lang::Vi, true) => format!("{} {articles}", self.t("law-article")),
            (Lang::Vi, false) => format!(
                "{} {} {} {articles}",
                self.t("law-clause"),
                clauses.join(", "),
                self.t("law-article")
            ),
            (_, true) => format!("{} {articles}", self.t("law-article")),
            (_, false) => format!(
                "{} {articles}, {} {}",
                self.t("law-article"),
                self.t("law-clause"),
                clauses.join(", ")
            ),
        }
    }

    /// The id of the form control a field error is about (`sender.name` →
    /// `sender_name`), for a link from the summary to the field.
    pub fn field_anchor(&self, e: &liem_domain::validation::FieldError) -> String {
        error_path(&e.field).replace('.', "_")
    }

    /// The label of a code: `prefix-code`, e.g. `state-accepted`.
    pub fn code(&self, prefix: &str, code: impl std::fmt::Display) -> String {
        self.t(&format!("{prefix}-{code}"))
    }

    /// The message `prefix-code-suffix`, e.g. `pub-kind-complaint-desc`.
    pub fn code_with(&self, prefix: &str, code: &str, suffix: &str) -> String {
        self.t(&format!("{prefix}-{code}-{suffix}"))
    }

    /// The language tag.
    pub fn tag(&self) -> &'static str {
        self.lang.tag()
    }

    /// The writing direction.
    pub fn dir(&self) -> &'static str {
        self.lang.dir()
    }
}

/// A title as a translation key's tail: lower case, words joined by `-`
/// ("Law on Complaints" → `law-on-complaints`).
pub fn slug(title: &str) -> String {
    title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join("-")
}

/// A civil date, however a template holds it (by value or behind
/// references).
pub trait Day {
    /// The date.
    fn day(&self) -> jiff::civil::Date;
}

impl Day for jiff::civil::Date {
    fn day(&self) -> jiff::civil::Date {
        *self
    }
}

impl<T: Day + ?Sized> Day for &T {
    fn day(&self) -> jiff::civil::Date {
        (**self).day()
    }
}

/// An instant, however a template holds it.
pub trait When {
    /// The instant.
    fn when(&self) -> jiff::Timestamp;
}

impl When for jiff::Timestamp {
    fn when(&self) -> jiff::Timestamp {
        *self
    }
}

impl<T: When + ?Sized> When for &T {
    fn when(&self) -> jiff::Timestamp {
        (**self).when()
    }
}

/// A civil date as `lang` writes it (day first but in English, where the
/// month's short name avoids the day/month ambiguity).
/// A month's English abbreviation (`Dec`).
fn month_abbreviation(month: i8) -> &'static str {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    MONTHS[usize::from(month.unsigned_abs()).saturating_sub(1) % 12]
}

pub fn civil_date(d: jiff::civil::Date, lang: Lang) -> String {
    match lang {
        Lang::En => format!("{} {} {}", d.day(), month_abbreviation(d.month()), d.year()),
        _ => format!("{:02}/{:02}/{:04}", d.day(), d.month(), d.year()),
    }
}

/// The digits of `n` in groups of three, joined by `sep` (`1234567` with
/// "." is `1.234.567`).
pub fn group_digits(n: u64, sep: &str) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * sep.len());
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push_str(sep);
        }
        out.push(ch);
    }
    out
}

/// Formats whole VND with dots between thousands, as Vietnamese documents do.
pub fn vnd(n: impl std::borrow::Borrow<i64>) -> String {
    let n = *n.borrow();
    let out = group_digits(n.unsigned_abs(), ".");
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// A share in per mille as a percentage with one decimal, as the language
/// writes it (`33,3 %` in Vietnamese and French, `33.3 %` otherwise).
pub fn per_mille(pm: u32, lang: Lang) -> String {
    let sep = match lang {
        Lang::Vi | Lang::Fr => ',',
        _ => '.',
    };
    format!("{}{sep}{} %", pm / 10, pm % 10)
}

/// An integer with its thousands grouped as the language writes them.
pub fn grouped(n: i64, lang: Lang) -> String {
    let sep = match lang {
        Lang::Vi => ".",
        Lang::Fr => "\u{202F}",
        _ => ",",
    };
    let out = group_digits(n.unsigned_abs(), sep);
    if n < 0 {
        format!("−{out}")
    } else {
        out
    }
}

/// The ISO dates (`2026-01-05`) a message names, in order.
fn iso_dates(message: &str) -> Vec<jiff::civil::Date> {
    let b = message.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 10 <= b.len() {
        let w = &b[i..i + 10];
        let shape = w.iter().enumerate().all(|(k, c)| match k {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        });
        let alone = (i == 0 || !b[i - 1].is_ascii_digit())
            && b.get(i + 10).is_none_or(|c| !c.is_ascii_digit());
        if shape && alone {
            if let Ok(d) = message[i..i + 10].parse::<jiff::civil::Date>() {
                out.push(d);
                i += 10;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// What the message's last parenthesis holds (its outermost pair: `(Law
/// on Complaints 2011, art. 9(1))` gives the whole citation).
fn last_parenthesis(message: &str) -> Option<&str> {
    let end = message.rfind(')')?;
    let body = &message[..end];
    let mut depth = 0usize;
    for (i, c) in body.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' if depth == 0 => return Some(&body[i + 1..]),
            '(' => depth -= 1,
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_key_exists_in_every_language() {
        assert_eq!(I18n::load().missing_keys(), Vec::<String>::new());
    }

    /// The rule codes the sources name where they refuse a field
    /// (`errs.add(field, rule, message)`, `ValidationErrors::single(…)`,
    /// `bad(…)`): the string literal that is a call's second argument.
    fn rule_codes_named_in(src: &str) -> Vec<String> {
        let b = src.as_bytes();
        let mut out = Vec::new();
        for opener in [".add(", "::single(", "bad("] {
            for (at, _) in src.match_indices(opener) {
                if opener == "bad("
                    && at > 0
                    && (b[at - 1].is_ascii_alphanumeric() || b[at - 1] == b'_')
                {
                    continue;
                }
                // Past the first argument, at its top level.
                let mut i = at + opener.len();
                let (mut depth, mut comma) = (0i32, false);
                while i < b.len() {
                    match b[i] {
                        b'"' => {
                            i += 1;
                            while i < b.len() && b[i] != b'"' {
                                i += if b[i] == b'\\' { 2 } else { 1 };
                            }
                        }
                        b'(' | b'[' | b'{' => depth += 1,
                        b')' | b']' | b'}' if depth == 0 => break,
                        b')' | b']' | b'}' => depth -= 1,
                        b',' if depth == 0 => {
                            comma = true;
                            break;
                        }
                        _ => {}
                    }
                    i += 1;
                }
                if !comma {
                    continue;
                }
                let rest = src[i + 1..].trim_start();
                let Some(lit) = rest.strip_prefix('"') else {
                    continue;
                };
                let Some((code, after)) = lit.split_once('"') else {
                    continue;
                };
                let is_code = !code.is_empty()
                    && code
                        .bytes()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_');
                if is_code && after.trim_start().starts_with(',') {
                    out.push(code.to_owned());
                }
            }
        }
        out
    }

    fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("a source directory") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn every_rule_the_sources_name_reads_in_every_language() {
        let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        for entry in std::fs::read_dir(&crates).expect("the crates") {
            let src = entry.expect("a crate").path().join("src");
            if src.is_dir() {
                sources(&src, &mut files);
            }
        }
        let mut codes = BTreeSet::new();
        for f in &files {
            let text = std::fs::read_to_string(f).expect("a source file");
            codes.extend(rule_codes_named_in(&text));
        }
        // The scan finds what it should: rules of the domain and of the
        // server, and those refused uploads name through `FileRefusal::rule`.
        for known in ["required", "max_length", "json_trailing", "one_of"] {
            assert!(codes.contains(known), "the scan missed {known}");
        }
        codes.extend(["file_too_large", "file_type", "file_empty"].map(String::from));
        let i18n = I18n::load();
        let mut missing = Vec::new();
        for lang in Lang::ALL {
            for code in &codes {
                let plain = format!("rule-{code}");
                let for_field = format!("rule-{code}-");
                let text = SOURCES
                    .iter()
                    .find(|(l, _)| *l == lang)
                    .map_or("", |(_, t)| t);
                let found =
                    i18n.has(lang, &plain) || text.lines().any(|l| l.starts_with(&for_field));
                if !found {
                    missing.push(format!("{lang:?}: {code}"));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "rules with no message (add rule-<code> to the .ftl files): {missing:?}"
        );
        assert!(codes.len() > 60, "{} rules found", codes.len());
    }

    #[test]
    fn accept_language_picks_the_best_supported() {
        assert_eq!(Lang::negotiate(Some("fr-FR, en;q=0.8, vi;q=0.5")), Lang::Fr);
        assert_eq!(Lang::negotiate(Some("de, en;q=0.8, vi;q=0.5")), Lang::En);
        assert_eq!(Lang::negotiate(Some("ar-EG")), Lang::Ar);
        assert_eq!(Lang::negotiate(Some("vi-VN,vi;q=0.9")), Lang::Vi);
        assert_eq!(Lang::negotiate(Some("de")), Lang::Vi);
        assert_eq!(Lang::negotiate(None), Lang::Vi);
    }

    #[test]
    fn arguments_are_substituted() {
        let tr = Tr::new(Arc::new(I18n::load()), Lang::En);
        assert_eq!(tr.t1("list-total", "count", 20000), "20000 letters");
        assert_eq!(tr.code("state", "accepted"), "Accepted");
        let vi = Tr::new(Arc::new(I18n::load()), Lang::Vi);
        assert_eq!(vi.code("kind", "denunciation"), "Tố cáo");
        let ar = Tr::new(Arc::new(I18n::load()), Lang::Ar);
        assert_eq!(ar.dir(), "rtl");
        assert_eq!(ar.code("kind", "denunciation"), "بلاغ");
    }

    #[test]
    fn dates_are_written_day_first_or_with_the_month_named() {
        let d = jiff::civil::date(2026, 12, 6);
        assert_eq!(civil_date(d, Lang::Vi), "06/12/2026");
        assert_eq!(civil_date(d, Lang::Fr), "06/12/2026");
        assert_eq!(civil_date(d, Lang::Ar), "06/12/2026");
        assert_eq!(civil_date(d, Lang::En), "6 Dec 2026");
        assert_eq!(
            civil_date(jiff::civil::date(2027, 1, 31), Lang::En),
            "31 Jan 2027"
        );
    }

    #[test]
    fn periods_are_named_as_the_reader_names_them() {
        use liem_domain::stats::Period;
        let vi = Tr::new(Arc::new(I18n::load()), Lang::Vi);
        let en = Tr::new(Arc::new(I18n::load()), Lang::En);
        let p = |s: &str| Period::parse(s).expect("period");
        assert_eq!(vi.period(&p("2025")), "2025");
        // The year before a year, whose label is a span of days.
        assert_eq!(p("2025").year_before().label, "2024-01-01..2024-12-31");
        assert_eq!(vi.period(&p("2025").year_before()), "2024");
        assert_eq!(vi.period(&p("2025-Q3")), "Quý 3/2025");
        assert_eq!(en.period(&p("2025-Q3")), "Q3 2025");
        assert_eq!(vi.period(&p("2025-02")), "02/2025");
        assert_eq!(en.period(&p("2025-02")), "Feb 2025");
        assert_eq!(vi.period(&p("2025-H1")), "01/01/2025 – 30/06/2025");
        assert_eq!(vi.period(&p("2025-RY")), "15/12/2024 – 14/12/2025");
        assert_eq!(
            en.period(&p("2025-03-02..2025-03-31")),
            "2 Mar 2025 – 31 Mar 2025"
        );
    }

    #[test]
    fn a_field_error_stands_next_to_its_control_in_the_readers_language() {
        use liem_domain::validation::FieldError;
        let vi = Tr::new(Arc::new(I18n::load()), Lang::Vi);
        let errors = vec![
            FieldError {
                field: "sender.name".into(),
                rule: "required".into(),
                message: "must not be empty".into(),
            },
            FieldError {
                field: "summary".into(),
                rule: "required".into(),
                message: "must not be empty".into(),
            },
        ];
        let m = vi
            .error_for(&errors, "sender_name")
            .expect("an error for the name");
        assert_eq!(m, vi.t("rule-required"));
        assert!(!m.contains("must not"), "{m}");
        assert!(vi.error_for(&errors, "content").is_none());
    }

    #[test]
    fn a_rule_message_with_dates_and_a_citation_reads_in_the_language() {
        use liem_domain::validation::FieldError;
        let i = Arc::new(I18n::load());
        let e = FieldError {
            field: "classification.eligible".into(),
            rule: "limitation_expired".into(),
            message: "must be false: the complaint was received on 2026-05-04, after its \
                      limitation ended on 2026-04-30 (Law on Complaints 2011, art. 9(1)); \
                      record the days lost to an objective obstacle if there were any"
                .into(),
        };
        let vi = Tr::new(i.clone(), Lang::Vi).error_message(&e);
        assert!(
            vi.contains("04/05/2026") && vi.contains("30/04/2026"),
            "{vi}"
        );
        assert!(vi.contains("khoản 1 Điều 9 Luật Khiếu nại 2011"), "{vi}");
        assert!(!vi.contains("2026-05-04") && !vi.contains("must"), "{vi}");
        let en = Tr::new(i.clone(), Lang::En).error_message(&e);
        assert!(
            en.contains("4 May 2026") && en.contains("art. 9(1)"),
            "{en}"
        );
        let receipt = FieldError {
            field: "on".into(),
            rule: "before_receipt".into(),
            message: "must not be before the unit received the letter (2026-03-02)".into(),
        };
        let fr = Tr::new(i, Lang::Fr).error_message(&receipt);
        assert!(fr.contains("02/03/2026") && !fr.contains("must"), "{fr}");
        assert_eq!(
            last_parenthesis("x (a, art. 9(1), (2)); y"),
            Some("a, art. 9(1), (2)")
        );
        assert_eq!(
            iso_dates("on 2026-13-01 and 12026-01-01, 2025-12-31."),
            [jiff::civil::date(2025, 12, 31)]
        );
    }

    #[test]
    fn rule_messages_name_codes_and_differ_by_field_in_the_language() {
        use liem_domain::validation::FieldError;
        let i = Arc::new(I18n::load());
        let vi = Tr::new(i.clone(), Lang::Vi);
        let en = Tr::new(i, Lang::En);
        let e = |field: &str, rule: &str, message: &str| FieldError {
            field: field.into(),
            rule: rule.into(),
            message: message.into(),
        };
        let class = e(
            "class",
            "contradicts_clause",
            "must be very_serious (Penal Code art. 9, by the highest penalty of the clause)",
        );
        let got = vi.error_message(&class);
        assert!(got.starts_with("phải là «Rất nghiêm trọng»"), "{got}");
        assert!(got.contains("Điều 9 Bộ luật Hình sự"), "{got}");
        let measure = e(
            "measure",
            "measure_of_track",
            "fine is not a party measure for a person",
        );
        assert_eq!(
            vi.error_message(&measure),
            "«Phạt tiền» không phải là hình thức xử lý thuộc «Kỷ luật Đảng» đối với đối tượng này"
        );
        assert_eq!(
            en.error_message(&measure),
            "“Fine” is not a measure of “Party discipline” for this party"
        );
        assert_eq!(
            vi.error_message(&e(
                "clause",
                "not_a_penalty_clause",
                "must be a clause of art. 356 that sets a penalty"
            )),
            "phải là một khoản của Điều 356 có quy định hình phạt"
        );
        assert_eq!(
            vi.error_message(&e(
                "reason",
                "length",
                "must explain the need in 10 to 500 characters"
            )),
            "phải từ 10 đến 500 ký tự"
        );
        // One rule, two fields, two meanings.
        let period = vi.error_message(&e("period", "format", "period \"x\" is not understood"));
        assert!(period.starts_with("không đúng mẫu; ghi theo"), "{period}");
        assert_eq!(
            vi.error_message(&e("matter_id", "format", "must be a matter's id")),
            "phải là mã định danh của một vụ việc"
        );
        // A rule with no message in the language keeps the English one.
        assert_eq!(
            vi.error_message(&e("tree", "no_such_rule", "must be as_of or current")),
            "must be as_of or current"
        );
        assert_eq!(
            vi.error_message(&e(
                "attachments[0]",
                "file_too_large",
                "bien-ban-2024.pdf is larger than 10485760 bytes"
            )),
            "tệp «bien-ban-2024.pdf» lớn hơn 10485760 byte cho phép"
        );
        // Named by the control's label, whichever file of the list it was.
        assert_eq!(
            vi.field_error(&e(
                "attachments[1]",
                "file_type",
                "chuong-trinh.exe is not a PDF, PNG, JPEG or UTF-8 text file"
            )),
            "Tệp đính kèm: tệp «chuong-trinh.exe» không phải là tệp PDF, PNG, JPEG hoặc văn bản UTF-8"
        );
        // The values a field takes, listed as the language lists them.
        assert_eq!(
            vi.error_message(&e("format", "one_of", "must be json, csv or xlsx")),
            "phải là một trong các giá trị: json, csv, xlsx"
        );
        assert_eq!(
            vi.error_message(&e(
                "visits[0].representatives",
                "delegation_representatives",
                "a delegation of 12 must choose 1 to 5 representatives"
            )),
            "đoàn 12 người phải cử từ 1 đến 5 người đại diện"
        );
    }

    #[test]
    fn citations_read_as_the_language_cites_the_law() {
        let i = Arc::new(I18n::load());
        let vi = Tr::new(i.clone(), Lang::Vi);
        assert_eq!(
            vi.citation("Law on Complaints 2011, art. 33(1)"),
            "khoản 1 Điều 33 Luật Khiếu nại 2011"
        );
        assert_eq!(
            vi.citation("Criminal Procedure Code 2015, art. 172(1), (2), (3)"),
            "khoản 1, 2, 3 Điều 172 Bộ luật Tố tụng hình sự 2015"
        );
        assert_eq!(
            vi.citation("Law on Complaints 2011, art. 32, 41"),
            "Điều 32, 41 Luật Khiếu nại 2011"
        );
        assert_eq!(
            vi.citation("Circular 05/2021/TT-TTCP (letter handling)"),
            "Thông tư 05/2021/TT-TTCP (xử lý đơn)"
        );
        assert_eq!(
            vi.citation("Law on Denunciations 2018; Circular 01/2024/TT-TTCP, form 06/GQTC"),
            "Luật Tố cáo 2018; Thông tư 01/2024/TT-TTCP, biểu 06/GQTC"
        );
        assert_eq!(
            vi.citation("Law on Complaints 2011 (02/2011/QH13), art. 27"),
            "Điều 27 Luật Khiếu nại 2011 (02/2011/QH13)"
        );
        let en = Tr::new(i.clone(), Lang::En);
        assert_eq!(
            en.citation("Law on Complaints 2011, art. 33(1)"),
            "Law on Complaints 2011, art. 33(1)"
        );
        let fr = Tr::new(i, Lang::Fr);
        assert_eq!(
            fr.citation("Anti-Corruption Law 2018, art. 66(2)"),
            "Loi anticorruption 2018, art. 66, al. 2"
        );
    }

    #[test]
    fn vnd_groups_thousands_with_dots() {
        assert_eq!(vnd(1_234_567_000), "1.234.567.000");
        assert_eq!(vnd(0), "0");
        assert_eq!(vnd(-5_000), "-5.000");
    }
}
