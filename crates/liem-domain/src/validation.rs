//! Validation errors that name the field and the rule it broke.

use serde::Serialize;

/// One broken rule on one input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The field path as the client sent it, e.g. `sender.name`.
    pub field: String,
    /// A stable rule code, e.g. `required`, `max_length`, `unknown_value`.
    pub rule: String,
    /// A human-readable explanation in English (clients translate by `rule`).
    pub message: String,
}

/// A non-empty list of field errors, returned when input is rejected.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ValidationErrors {
    /// The errors, in the order they were found.
    pub errors: Vec<FieldError>,
}

impl ValidationErrors {
    /// Starts an empty collection.
    pub fn new() -> Self {
        Self::default()
    }

    /// One error on one field.
    pub fn single(field: &str, rule: &str, message: impl Into<String>) -> Self {
        let mut e = Self::new();
        e.add(field, rule, message);
        e
    }

    /// Records one broken rule.
    pub fn add(&mut self, field: &str, rule: &str, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.to_owned(),
            rule: rule.to_owned(),
            message: message.into(),
        });
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// `Ok(value)` when no error was recorded, else the errors.
    pub fn into_result<T>(self, value: T) -> Result<T, Self> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    /// Appends the errors of another check.
    pub fn merge(&mut self, other: ValidationErrors) {
        self.errors.extend(other.errors);
    }

    /// Appends the errors of a nested value under a prefix (`sender.` + field).
    pub fn merge_prefixed(&mut self, prefix: &str, other: ValidationErrors) {
        for mut e in other.errors {
            e.field = format!("{prefix}.{}", e.field);
            self.errors.push(e);
        }
    }
}

impl std::fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .errors
            .iter()
            .map(|e| format!("{}: {} ({})", e.field, e.message, e.rule))
            .collect();
        f.write_str(&parts.join("; "))
    }
}

impl std::error::Error for ValidationErrors {}

/// Trims a required text field and checks its length in characters.
pub fn required_text(
    errs: &mut ValidationErrors,
    field: &str,
    value: &str,
    max_chars: usize,
) -> String {
    let v = value.trim();
    if v.is_empty() {
        errs.add(field, "required", "must not be empty");
    } else if v.chars().count() > max_chars {
        errs.add(
            field,
            "max_length",
            format!("must be at most {max_chars} characters"),
        );
    }
    v.to_owned()
}

/// Trims an optional text field; empty becomes `None`; checks the length.
pub fn optional_text(
    errs: &mut ValidationErrors,
    field: &str,
    value: Option<&str>,
    max_chars: usize,
) -> Option<String> {
    let v = value.map(str::trim).filter(|v| !v.is_empty())?;
    if v.chars().count() > max_chars {
        errs.add(
            field,
            "max_length",
            format!("must be at most {max_chars} characters"),
        );
    }
    Some(v.to_owned())
}

/// A code that is not one of an enum's allowed values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCode {
    /// What was given.
    pub value: String,
    /// What is allowed.
    pub allowed: &'static [&'static str],
}

impl std::fmt::Display for UnknownCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "must be one of: {}", self.allowed.join(", "))
    }
}

impl std::error::Error for UnknownCode {}

/// Parses a required code field into an enum, recording an error if absent
/// or unknown.
pub fn required_code<T: std::str::FromStr<Err = UnknownCode>>(
    errs: &mut ValidationErrors,
    field: &str,
    value: Option<&str>,
) -> Option<T> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => {
            errs.add(field, "required", "must not be empty");
            None
        }
        Some(v) => match v.parse::<T>() {
            Ok(t) => Some(t),
            Err(e) => {
                errs.add(field, "unknown_value", e.to_string());
                None
            }
        },
    }
}

/// Parses an optional code field; absent is `None`, unknown is an error.
pub fn optional_code<T: std::str::FromStr<Err = UnknownCode>>(
    errs: &mut ValidationErrors,
    field: &str,
    value: Option<&str>,
) -> Option<T> {
    let v = value.map(str::trim).filter(|v| !v.is_empty())?;
    match v.parse::<T>() {
        Ok(t) => Some(t),
        Err(e) => {
            errs.add(field, "unknown_value", e.to_string());
            None
        }
    }
}

/// A search text: trimmed, `None` when empty; at most 500 characters and
/// [`crate::text::MAX_TERMS`] words of at most
/// [`crate::text::MAX_TERM_CHARS`] characters each, else the field is
/// refused naming the rule.
pub fn search(errs: &mut ValidationErrors, field: &str, value: Option<&str>) -> Option<String> {
    use crate::text::{fold, MAX_TERMS, MAX_TERM_CHARS};
    let v = value.map(str::trim).filter(|v| !v.is_empty())?;
    if v.chars().count() > 500 {
        errs.add(field, "max_length", "must be at most 500 characters");
        return None;
    }
    let folded = fold(v);
    let words: Vec<&str> = folded.split(' ').filter(|t| !t.is_empty()).collect();
    if words.len() > MAX_TERMS {
        errs.add(
            field,
            "max_terms",
            format!("must be at most {MAX_TERMS} words"),
        );
        return None;
    }
    if words.iter().any(|w| w.chars().count() > MAX_TERM_CHARS) {
        errs.add(
            field,
            "term_length",
            format!("each word must be at most {MAX_TERM_CHARS} characters"),
        );
        return None;
    }
    Some(v.to_owned())
}

/// Parses a required ISO date (`YYYY-MM-DD`).
pub fn required_date(
    errs: &mut ValidationErrors,
    field: &str,
    value: Option<&str>,
) -> Option<jiff::civil::Date> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => {
            errs.add(field, "required", "must not be empty");
            None
        }
        Some(v) => match v.parse::<jiff::civil::Date>() {
            Ok(d) => Some(d),
            Err(_) => {
                errs.add(field, "date_format", "must be a date written YYYY-MM-DD");
                None
            }
        },
    }
}

/// Parses a required period `from..=to`, both ISO dates, `to` not before `from`.
/// A period `from..=to` given as two `YYYY-MM-DD` texts, or every rule
/// they break (`from`, `to`: required, date format, `to` not before `from`).
pub fn period(
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(jiff::civil::Date, jiff::civil::Date), ValidationErrors> {
    let mut errs = ValidationErrors::new();
    match required_period(&mut errs, from, to) {
        Some(p) if errs.errors.is_empty() => Ok(p),
        _ => Err(errs),
    }
}

/// Checks a period `from..=to`, recording each broken rule in `errs`.
pub fn required_period(
    errs: &mut ValidationErrors,
    from: Option<&str>,
    to: Option<&str>,
) -> Option<(jiff::civil::Date, jiff::civil::Date)> {
    let f = required_date(errs, "from", from);
    let t = required_date(errs, "to", to);
    match (f, t) {
        (Some(f), Some(t)) if f > t => {
            errs.add("to", "after_from", "must not be before `from`");
            None
        }
        (Some(f), Some(t)) => Some((f, t)),
        _ => None,
    }
}
