//! A letter in the reader's words, for every place that shows one (the
//! register's page, its CSV file, the letter's page): the sender as the
//! reader may see it, the names of the fields, the first limit running.
//! It imports neither the pages nor the API, which both use it.

use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::web::error::AppError;
use jiff::civil::Date;
use liem_domain::deadline::overdue;
use liem_domain::petition::SenderKind;
use liem_store::petitions;
use liem_store::petitions::LetterRecord;

/// The sender as the reader may see them: never a sealed identity.
pub fn sender_label(tr: &Tr, sealed: bool, kind: SenderKind, name: Option<&str>) -> String {
    if sealed {
        tr.t("sender-sealed")
    } else if kind == SenderKind::Anonymous {
        tr.t("sender-anonymous-label")
    } else {
        name.unwrap_or_default().to_owned()
    }
}

/// The fields of the reference list, each with its name in the reader's
/// language.
pub async fn field_names(state: &AppState, tr: &Tr) -> Result<Vec<(String, String)>, AppError> {
    let mut c = state.store.conn().await?;
    Ok(petitions::fields(&mut c)
        .await?
        .into_iter()
        .map(|(code, vi, en)| {
            let fallback = if tr.lang == Lang::Vi { vi } else { en };
            let label = tr.t_or(&format!("field-{code}"), &fallback);
            (code, label)
        })
        .collect())
}

/// A letter's earliest running limit, and, once it has passed, which rule
/// it was and by how many days (`""` while it runs). A duty owed beside the
/// running deadline (a notice not sent) is a limit too.
pub fn first_limit(tr: &Tr, l: &LetterRecord, today: Date) -> (Option<Date>, String) {
    let first = l
        .matters
        .iter()
        .flat_map(|m| {
            let running = m
                .due_on
                .map(|d| (d, m.due_rule.as_deref().map(|r| tr.code("rule", r))));
            let duty = m
                .duty_on
                .map(|d| (d, m.duty_rule.as_deref().map(|r| tr.code("limit", r))));
            running.into_iter().chain(duty)
        })
        .min_by_key(|(d, _)| *d);
    let due = first.as_ref().map(|(d, _)| *d);
    let late = match first {
        Some((d, rule)) if overdue(d, today) => {
            let days = tr.t1("d-overdue", "days", (today - d).get_days());
            match rule {
                Some(r) => format!("{r} · {days}"),
                None => days,
            }
        }
        _ => String::new(),
    };
    (due, late)
}
