//! The register, the watch list as CSV.

use crate::cases::service::WatchRow;
use crate::web::csv::csv_response;
use axum::response::Response;
use liem_store::cases::CaseRow;

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

pub(super) fn case_csv(items: &[CaseRow]) -> Response {
    csv_response(
        "cases.csv",
        &[
            "reference",
            "incident_reference",
            "kind",
            "title",
            "source",
            "field",
            "stage",
            "holder",
            "stage_due",
            "opened_on",
            "prosecuted_on",
            "closed_on",
            "monitored_by",
        ],
        items
            .iter()
            .map(|c| {
                vec![
                    c.reference.clone(),
                    c.incident_reference.clone().unwrap_or_default(),
                    c.kind.to_string(),
                    c.title.clone(),
                    c.source.to_string(),
                    c.field.clone(),
                    c.facts.stage.to_string(),
                    c.holder_code.clone(),
                    opt(c.stage_due),
                    c.opened_on.to_string(),
                    opt(c.prosecuted_on),
                    opt(c.closed_on),
                    c.monitored_by.join(" "),
                ]
            })
            .collect(),
    )
}

pub(super) fn watch_csv(rows: &[WatchRow]) -> Response {
    csv_response(
        "watchlist.csv",
        &[
            "reference",
            "title",
            "stage",
            "holder",
            "session",
            "added_on",
            "next_target",
            "target_due",
            "days_left",
        ],
        rows.iter()
            .map(|r| {
                let n = r.monitoring.next_target.as_ref();
                vec![
                    r.case.reference.clone(),
                    r.case.title.clone(),
                    r.case.facts.stage.to_string(),
                    r.case.holder_code.clone(),
                    r.monitoring.monitoring.session.clone(),
                    r.monitoring.monitoring.added_on.to_string(),
                    opt(n.map(|n| n.milestone)),
                    opt(n.map(|n| n.due_on)),
                    opt(n.map(|n| n.days_left)),
                ]
            })
            .collect(),
    )
}
