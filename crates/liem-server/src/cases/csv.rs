//! The register, the watch list as CSV: machine headings and codes by
//! default (integrations read them); with a language asked for (`lang`),
//! headings, kinds, stages and dates in that language.

use crate::cases::service::WatchRow;
use crate::i18n::Tr;
use crate::web::csv::csv_response;
use axum::response::Response;
use liem_store::cases::CaseRow;

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// A heading: the machine's, or the language's label.
fn heading(tr: Option<&Tr>, code: &str, key: &str) -> String {
    tr.map_or_else(|| code.to_owned(), |t| t.t(key))
}

/// A code: as is, or its label (`prefix-code`) in the language.
fn coded(tr: Option<&Tr>, prefix: &str, code: impl std::fmt::Display) -> String {
    match tr {
        Some(t) => t.code(prefix, code),
        None => code.to_string(),
    }
}

/// A date: ISO, or as the language writes it.
fn day(tr: Option<&Tr>, d: Option<jiff::civil::Date>) -> String {
    match tr {
        Some(t) => t.date_opt(d),
        None => opt(d),
    }
}

pub(super) fn case_csv(items: &[CaseRow], tr: Option<&Tr>) -> Response {
    let headings = [
        heading(tr, "reference", "cs-reference"),
        heading(tr, "incident_reference", "cs-csv-incident"),
        heading(tr, "kind", "cs-kind"),
        heading(tr, "title", "cs-title-col"),
        heading(tr, "source", "cs-source"),
        heading(tr, "field", "f-field"),
        heading(tr, "stage", "cs-stage"),
        heading(tr, "holder", "cs-holder"),
        heading(tr, "stage_due", "cs-col-due"),
        heading(tr, "opened_on", "cs-opened-on"),
        heading(tr, "prosecuted_on", "cs-prosecuted-on"),
        heading(tr, "closed_on", "cs-closed-on"),
        heading(tr, "monitored_by", "cs-monitored"),
    ];
    let headings: Vec<&str> = headings.iter().map(String::as_str).collect();
    csv_response(
        "cases.csv",
        &headings,
        items
            .iter()
            .map(|c| {
                vec![
                    c.reference.clone(),
                    c.incident_reference.clone().unwrap_or_default(),
                    coded(tr, "cs-kind", c.kind),
                    c.title.clone(),
                    coded(tr, "cs-source", c.source),
                    c.field.clone(),
                    coded(tr, "cs-stage", c.facts.stage),
                    c.holder_code.clone(),
                    day(tr, c.stage_due),
                    day(tr, Some(c.opened_on)),
                    day(tr, c.prosecuted_on),
                    day(tr, c.closed_on),
                    c.monitored_by.join(" "),
                ]
            })
            .collect(),
    )
}

pub(super) fn watch_csv(rows: &[WatchRow], tr: Option<&Tr>) -> Response {
    let headings = [
        heading(tr, "reference", "cs-reference"),
        heading(tr, "title", "cs-title-col"),
        heading(tr, "stage", "cs-stage"),
        heading(tr, "holder", "cs-holder"),
        heading(tr, "session", "wl-session"),
        heading(tr, "added_on", "cs-decided-on"),
        heading(tr, "next_target", "wl-next"),
        heading(tr, "target_due", "cs-due-on"),
        heading(tr, "days_left", "wl-days"),
    ];
    let headings: Vec<&str> = headings.iter().map(String::as_str).collect();
    csv_response(
        "watchlist.csv",
        &headings,
        rows.iter()
            .map(|r| {
                let n = r.monitoring.next_target.as_ref();
                vec![
                    r.case.reference.clone(),
                    r.case.title.clone(),
                    coded(tr, "cs-stage", r.case.facts.stage),
                    r.case.holder_code.clone(),
                    r.monitoring.monitoring.session.clone(),
                    day(tr, Some(r.monitoring.monitoring.added_on)),
                    n.map(|n| coded(tr, "cs-ms", n.milestone))
                        .unwrap_or_default(),
                    day(tr, n.map(|n| n.due_on)),
                    opt(n.map(|n| n.days_left)),
                ]
            })
            .collect(),
    )
}
