//! Statistics: the standard forms, the records behind each figure, issued
//! (frozen) reports, the summary in words and the dashboard — as JSON, CSV,
//! Excel and pages. Everything is computed from the stored facts by
//! `liem-report`; nothing here counts.

use crate::auth::Principal;
use crate::clock::today;
use crate::i18n::grouped;
use crate::i18n::Lang;
use crate::i18n::Tr;
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::error::AppResult;
use crate::web::write::Writer;
use liem_domain::assets::percent;
use liem_domain::assets::rate;
use liem_domain::role::Right;
use liem_domain::stats::Period;
use liem_domain::stats::PERIOD_SYNTAX;
use liem_domain::ValidationErrors;
use liem_report::Drill;
use liem_report::Report;
use liem_report::Request;
use liem_report::Tree;
use liem_report::TreeMode;
use liem_store::cases::Viewer;
use liem_store::stats as sstats;
use liem_store::stats::Issued;
use liem_store::stats::Record;
use serde::Deserialize;
use std::sync::Arc;

/// What a report is asked with.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct ReportQuery {
    /// The period (`2026`, `2026-Q1`, `2026-H1`, `2026-9M`, `2026-03`,
    /// `2026-RY`, `2025-12-15..2026-12-14`).
    pub period: Option<String>,
    /// The unit whose subtree the report covers (code); the caller's unit
    /// when absent.
    pub unit: Option<String>,
    /// `as_of` (the tree as it stood, default) or `current` (today's tree).
    pub tree: Option<String>,
    /// `json` (default), `csv` or `xlsx`.
    pub format: Option<String>,
    /// For a cell: the row's unit code, or `total`.
    pub row: Option<String>,
    /// Only a steering committee's monitored list (its code): the cases it
    /// monitored during the period, laid out by the unit that registered
    /// them (form 07-PCTN).
    pub committee: Option<String>,
}

pub(super) fn bad(field: &str, rule: &str, message: &str) -> AppError {
    AppError::Validation(ValidationErrors::single(field, rule, message))
}

/// Starts loading the statistics model in the background when it is not
/// loaded and no load was asked for yet (`liem serve` loads it at start; a
/// router without that task, or whose load failed, gets it this way). The
/// figures are counted by the database until it is loaded.
pub(crate) fn load_model_in_background(state: &AppState) {
    if !state.model.claim_load() {
        return;
    }
    let state = state.clone();
    tokio::spawn(async move {
        let loaded = match state.store.conn().await {
            Ok(mut c) => state.model.refresh(&mut c).await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        if let Err(e) = loaded {
            tracing::warn!(error = %e, "statistics model not loaded; a later request tries again");
            state.model.unclaim_load();
        }
    });
}

/// Resolves the period, scope and tree of a request, checking that the
/// scope is within what the caller may read.
pub(super) async fn resolve(
    state: &AppState,
    who: &Principal,
    q: &ReportQuery,
    default_period: bool,
) -> AppResult<(Arc<Tree>, Request)> {
    let read = who.grant(Right::ReadStatistics)?;
    load_model_in_background(state);
    let scope = read.scope();
    let mut e = ValidationErrors::new();
    let raw = q.period.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let period = match raw {
        None if default_period => Some(Period::parse(&today().year().to_string()).expect("a year")),
        None => {
            e.add("period", "required", PERIOD_SYNTAX);
            None
        }
        Some(p) => match Period::parse(p) {
            Ok(p) => Some(p),
            Err(msg) => {
                e.add("period", "format", &msg);
                None
            }
        },
    };
    let mode = match q.tree.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Some(TreeMode::AsOf),
        Some(t) => {
            let m = TreeMode::parse(t);
            if m.is_none() {
                e.add("tree", "one_of", "must be as_of or current");
            }
            m
        }
    };
    let mut c = state.store.conn().await?;
    let tree = state.model.tree(&mut c).await.map_err(report_error)?;
    let committee = match q
        .committee
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(code) => match tree.by_code(code) {
            Some(u) if scope.contains(&u.path) && u.kind.steers() => Some(u.id),
            _ => {
                e.add(
                    "committee",
                    "unknown_value",
                    "must be the code of a steering committee in your scope",
                );
                None
            }
        },
    };
    let asked = q.unit.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let unit = match (asked, committee.is_some() || q.committee.is_some()) {
        // A committee's list is laid out over the whole tree: its cases may
        // have been registered anywhere.
        (None, true) => tree.root().map(|r| r.id),
        (code, _) => match tree.by_code(code.unwrap_or(&who.user.unit_code)) {
            Some(u) if scope.contains(&u.path) => Some(u.id),
            _ => {
                e.add(
                    "unit",
                    "unknown_value",
                    "must be the code of a unit in your scope",
                );
                None
            }
        },
    };
    e.into_result(())?;
    Ok((
        tree,
        Request {
            period: period.expect("checked"),
            scope: unit.expect("checked"),
            mode: mode.expect("checked"),
            today: today(),
            committee,
        },
    ))
}

/// A committee's list applies to the anti-corruption form only.
fn check_committee_form(form: &liem_domain::stats::Form, q: &ReportQuery) -> AppResult<()> {
    if q.committee.as_deref().is_some_and(|c| !c.trim().is_empty())
        && !form.counts_monitored_lists()
    {
        return Err(bad(
            "committee",
            "form",
            "a committee's monitored list is counted on form 07-PCTN only",
        ));
    }
    Ok(())
}

pub(crate) fn report_error(e: liem_report::ReportError) -> AppError {
    use liem_report::ReportError as R;
    match e {
        R::Store(s) => s.into(),
        R::UnknownForm(_) => AppError::NotFound,
        R::UnknownColumn { .. } => AppError::NotFound,
        R::NotARow(_) => bad("row", "unknown_value", "must be a row of the report"),
        R::Snapshot(e) => AppError::Internal(e),
    }
}

/// Computes one form.
pub async fn report(
    state: &AppState,
    who: &Principal,
    form: &str,
    q: &ReportQuery,
    default_period: bool,
) -> AppResult<(Arc<Tree>, Request, Report)> {
    let f = liem_report::form(form).map_err(report_error)?;
    check_committee_form(f, q)?;
    let (tree, req) = resolve(state, who, q, default_period).await?;
    let mut c = state.store.conn().await?;
    // The chain's head the figures are computed under, signed: the footer
    // of every copy (page, Excel, JSON) carries it.
    let cp = liem_store::audit::checkpoint(&mut c, state.store.audit_keys()).await?;
    let mut r = liem_report::compute(&mut c, &state.model, &tree, &[f], &req)
        .await
        .map_err(report_error)?
        .pop()
        .expect("one form asked, one report");
    r.checkpoint = Some(cp.to_string());
    Ok((tree, req, r))
}

/// The records behind one figure, that the caller may see, and how many
/// the figure counts.
pub async fn cell(
    state: &AppState,
    who: &Principal,
    form: &str,
    column: &str,
    q: &ReportQuery,
    default_period: bool,
) -> AppResult<(Arc<Tree>, Request, Vec<Record>, i64)> {
    let f = liem_report::form(form).map_err(report_error)?;
    check_committee_form(f, q)?;
    let (tree, req) = resolve(state, who, q, default_period).await?;
    let viewer = Viewer {
        user: who.user.id,
        scope: who.grant(Right::ReadCases)?.scope().clone(),
    };
    who.grant(Right::ReadPetitions)?;
    let row = match q.row.as_deref().map(str::trim) {
        None | Some("") | Some("total") => None,
        Some(code) => match tree.by_code(code) {
            Some(u) => Some(u.id),
            None => return Err(bad("row", "unknown_value", "must be a row of the report")),
        },
    };
    let mut c = state.store.conn().await?;
    let (records, total) = liem_report::drill(
        &mut c,
        &tree,
        &Drill {
            form: f,
            column,
            req: &req,
            row,
            viewer: &viewer,
            limit: 500,
        },
    )
    .await
    .map_err(report_error)?;
    Ok((tree, req, records, total))
}

/// Issues (freezes) a report: refused while its arithmetic does not hold.
pub async fn issue(
    state: &AppState,
    who: &Writer,
    form: &str,
    q: &ReportQuery,
) -> AppResult<Issued> {
    who.grant(Right::IssueReports)?;
    if q.committee.is_some() {
        return Err(bad(
            "committee",
            "not_issued",
            "a committee's monitored list is read, not issued as a form",
        ));
    }
    let (tree, req, r) = report(state, who, form, q, false).await?;
    let unit_path = tree
        .get(req.scope)
        .map(|u| u.path.clone())
        .unwrap_or_default();
    let permit = who.permit(
        Right::IssueReports,
        &unit_path,
        "issuing a unit's report needs a leader of its tree",
    )?;
    if !r.failures.is_empty() {
        let cells: Vec<String> = r.failures.iter().map(|f| f.to_string()).collect();
        return Err(AppError::Conflict(format!(
            "the report does not add up and cannot be issued: {}",
            cells.join("; ")
        )));
    }
    let figures = serde_json::to_value(&r).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let mut tx = permit.begin(&state.store).await?;
    let issued = sstats::issue(
        &mut tx,
        permit.actor(),
        &sstats::ToIssue {
            form: &r.form,
            period: &r.period.label,
            span: req.period.span(),
            unit: req.scope,
            tree: req.mode.as_str(),
            data_version: r.data_version,
            figures: &figures,
        },
    )
    .await?;
    tx.commit().await?;
    // An issued report is a moment worth anchoring: the head, with the
    // issue's own record, goes to the checkpoint file.
    crate::checkpoints::write(state).await?;
    Ok(issued)
}

/// The issued versions of a report.
pub async fn issued(
    state: &AppState,
    who: &Principal,
    form: &str,
    q: &ReportQuery,
    default_period: bool,
) -> AppResult<Vec<Issued>> {
    let f = liem_report::form(form).map_err(report_error)?;
    let (_, req) = resolve(state, who, q, default_period).await?;
    issued_of(state, f.code, &req).await
}

/// The issued versions of a form for a resolved request.
pub(super) async fn issued_of(
    state: &AppState,
    form: &str,
    req: &Request,
) -> AppResult<Vec<Issued>> {
    let mut c = state.store.conn().await?;
    Ok(sstats::issued(
        &mut c,
        form,
        req.period.span(),
        req.scope,
        req.mode.as_str(),
    )
    .await?)
}

/// Billions of VND with one decimal, in the language's notation.
fn billions(vnd: i64, lang: Lang) -> String {
    let tenths = (vnd + 50_000_000) / 100_000_000;
    let point = if matches!(lang, Lang::Vi | Lang::Fr) {
        ","
    } else {
        "."
    };
    format!(
        "{}{point}{}",
        grouped(tenths / 10, lang),
        (tenths % 10).abs()
    )
}

pub(crate) fn localise_decimal(s: &str, lang: Lang) -> String {
    match lang {
        Lang::Vi | Lang::Fr => s.replace('.', ","),
        _ => s.to_owned(),
    }
}

fn pct(part: i64, whole: i64, lang: Lang) -> String {
    match rate(part, whole) {
        Some(bp) => localise_decimal(&percent(bp), lang),
        None => "—".to_owned(),
    }
}

/// The paragraph of a press release, in the reader's language, from the key
/// figures of the period and scope.
pub fn summary_text(tr: &Tr, unit_name: &str, key: &Report) -> String {
    let v = |c: &str| key.get(c).unwrap_or(0);
    let lang = tr.lang;
    let n = |c: &str| grouped(v(c), lang);
    let hectares =
        |m2: i64| localise_decimal(&format!("{}.{}", m2 / 10_000, (m2 % 10_000) / 1_000), lang);
    tr.t_args(
        "rp-summary",
        &[
            ("unit", unit_name.to_owned()),
            ("from", tr.date(key.period.from)),
            ("to", tr.date(key.period.to)),
            ("monitored_cases", n("monitored_cases")),
            ("monitored_incidents", n("monitored_incidents")),
            ("new_cases", n("new_cases")),
            ("new_defendants", n("new_defendants")),
            ("added_defendants", n("added_defendants")),
            ("added_cases", n("added_cases")),
            ("indicted", n("indicted_defendants")),
            ("tried", n("tried_defendants")),
            ("letters", n("letters_received")),
            ("eligible", n("letters_eligible")),
            (
                "eligible_pct",
                pct(v("letters_eligible"), v("letters_processed"), lang),
            ),
            ("competent", n("letters_competent")),
            ("resolved", n("matters_resolved")),
            ("recovered_bn", billions(v("recovered_vnd"), lang)),
            ("recovered_ha", hectares(v("recovered_m2"))),
            (
                "recovery_pct",
                pct(v("recovered_vnd"), v("to_recover_vnd"), lang),
            ),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_as_each_language_writes_them() {
        assert_eq!(grouped(1_234_567, Lang::Vi), "1.234.567");
        assert_eq!(grouped(1_234_567, Lang::En), "1,234,567");
        assert_eq!(grouped(1_234_567, Lang::Fr), "1\u{202F}234\u{202F}567");
        assert_eq!(grouped(999, Lang::Vi), "999");
        assert_eq!(grouped(-1_000, Lang::En), "−1,000");
        assert_eq!(billions(42_127_149_999_999, Lang::Vi), "42.127,1");
        assert_eq!(billions(42_127_150_000_000, Lang::En), "42,127.2");
        assert_eq!(billions(0, Lang::Fr), "0,0");
    }
}
