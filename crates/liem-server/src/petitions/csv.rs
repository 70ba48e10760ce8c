//! The register as a CSV file: every letter the filter finds (not a page
//! of it), with the headings and codes in the reader's language, dates as
//! the language writes them, and never a sealed identity or sealed content.

use crate::i18n::Tr;
use crate::petitions::present::{first_limit, sender_label};
use crate::web::csv::csv_response;
use axum::response::Response;
use jiff::civil::Date;
use liem_store::petitions::LetterRecord;

/// The most letters one file holds; a larger register is narrowed with the
/// filters (the date range first).
pub const MAX_ROWS: usize = 100_000;

/// The letters as a CSV download, `fields` naming each field code.
pub fn letters(
    tr: &Tr,
    items: &[LetterRecord],
    fields: &[(String, String)],
    today: Date,
) -> Response {
    let headings = [
        tr.t("col-reference"),
        tr.t("col-received"),
        tr.t("col-kinds"),
        tr.t("f-channel"),
        tr.t("f-field"),
        tr.t("d-unit"),
        tr.t("col-sender"),
        tr.t("col-summary"),
        tr.t("col-state"),
        tr.t("col-due"),
        tr.t("col-late"),
    ];
    let rows = items
        .iter()
        .map(|l| {
            let (due, late) = first_limit(tr, l, today);
            let field = fields
                .iter()
                .find(|f| f.0 == l.field_code)
                .map_or(l.field_code.clone(), |f| f.1.clone());
            vec![
                l.reference.clone(),
                tr.date(l.received_on),
                l.kinds
                    .iter()
                    .map(|k| tr.code("kind", k))
                    .collect::<Vec<_>>()
                    .join(", "),
                tr.code("channel", l.channel),
                field,
                l.unit_code.clone(),
                sender_label(tr, l.sealed, l.sender_kind, l.sender_name.as_deref()),
                if l.content_sealed {
                    tr.t("d-content-sealed")
                } else {
                    l.summary.clone()
                },
                l.matters
                    .iter()
                    .map(|m| tr.code("state", m.state))
                    .collect::<Vec<_>>()
                    .join(", "),
                tr.date_opt(due),
                late,
            ]
        })
        .collect();
    let headings: Vec<&str> = headings.iter().map(String::as_str).collect();
    csv_response("so-don-thu.csv", &headings, rows)
}
