//! Statistics: the standard forms, the records behind each figure, issued
//! (frozen) reports, the summary in words and the dashboard — as JSON, CSV,
//! Excel and pages. Everything is computed from the stored facts by
//! `liem-report`; nothing here counts.

use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, Tr};
use crate::service::today;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use liem_domain::assets::{percent, rate};
use liem_domain::forms::all_forms;
use liem_domain::ids::UnitId;
use liem_domain::role::Right;
use liem_domain::stats::{Period, Rule, Source, PERIOD_SYNTAX};
use liem_domain::ValidationErrors;
use liem_report::{chart, export, Drill, Report, Request, Tree, TreeMode};
use liem_store::cases::Viewer;
use liem_store::stats::{self as sstats, Issued, Record};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The report routes (API and pages).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/reports", get(api_forms))
        .route("/api/v1/reports/{form}", get(api_report))
        .route("/api/v1/reports/{form}/cells/{column}", get(api_cell))
        .route("/api/v1/reports/{form}/issue", post(api_issue))
        .route("/api/v1/reports/{form}/issued", get(api_issued))
        .route("/api/v1/summary", get(api_summary))
        .route("/reports", get(forms_page))
        .route("/reports/{form}", get(report_page))
        .route("/reports/{form}/cells/{column}", get(cell_page))
        .route("/reports/{form}/issue", post(issue_page))
        .route("/dashboard", get(dashboard_page))
}

// ---------------------------------------------------------------- service

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

fn bad(field: &str, rule: &str, message: &str) -> AppError {
    AppError::Validation(ValidationErrors::single(field, rule, message))
}

/// Resolves the period, scope and tree of a request, checking that the
/// scope is within what the caller may read.
async fn resolve(
    state: &AppState,
    who: &Principal,
    q: &ReportQuery,
    default_period: bool,
) -> AppResult<(Arc<Tree>, Request)> {
    let scope = who.require(Right::ReadStatistics)?;
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

fn report_error(e: liem_report::ReportError) -> AppError {
    use liem_report::ReportError as R;
    match e {
        R::Store(s) => s.into(),
        R::UnknownForm(_) => AppError::NotFound,
        R::UnknownColumn { .. } => AppError::NotFound,
        R::NotARow(_) => bad("row", "unknown_value", "must be a row of the report"),
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
    let r = liem_report::compute(&mut c, &state.model, &tree, &[f], &req)
        .await
        .map_err(report_error)?
        .pop()
        .expect("one form asked, one report");
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
        scope: who.require(Right::ReadCases)?,
    };
    who.require(Right::ReadPetitions)?;
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
    who: &Principal,
    form: &str,
    q: &ReportQuery,
) -> AppResult<Issued> {
    who.require(Right::IssueReports)?;
    if q.committee.is_some() {
        return Err(bad(
            "committee",
            "not_issued",
            "a committee's monitored list is read, not issued as a form",
        ));
    }
    let (_, req, r) = report(state, who, form, q, false).await?;
    if !r.failures.is_empty() {
        let cells: Vec<String> = r.failures.iter().map(|f| f.to_string()).collect();
        return Err(AppError::Conflict(format!(
            "the report does not add up and cannot be issued: {}",
            cells.join("; ")
        )));
    }
    let figures = serde_json::to_value(&r).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let mut tx = state.store.begin().await?;
    let issued = sstats::issue(
        &mut tx,
        &who.actor(),
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
async fn issued_of(state: &AppState, form: &str, req: &Request) -> AppResult<Vec<Issued>> {
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

/// An integer with its thousands grouped as the language writes them.
pub fn grouped(n: i64, lang: Lang) -> String {
    let sep = match lang {
        Lang::Vi => ".",
        Lang::Fr => "\u{202F}",
        _ => ",",
    };
    let out = crate::i18n::group_digits(n.unsigned_abs(), sep);
    if n < 0 {
        format!("−{out}")
    } else {
        out
    }
}

fn localise_decimal(s: &str, lang: Lang) -> String {
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
            ("from", key.period.from.to_string()),
            ("to", key.period.to.to_string()),
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

fn tr_of(state: &AppState, who: &Principal, headers: &HeaderMap) -> Tr {
    let lang = who
        .user
        .locale
        .as_deref()
        .and_then(Lang::from_tag)
        .unwrap_or_else(|| {
            Lang::negotiate(
                headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok()),
            )
        });
    Tr::new(state.i18n.clone(), lang)
}

// -------------------------------------------------------------------- API

#[derive(Serialize)]
struct FormInfo {
    code: &'static str,
    title: String,
    basis: &'static str,
    columns: Vec<ColumnInfo>,
    checks: Vec<String>,
}

#[derive(Serialize)]
struct ColumnInfo {
    code: &'static str,
    label: String,
}

fn form_infos(tr: &Tr) -> Vec<FormInfo> {
    all_forms()
        .iter()
        .map(|f| FormInfo {
            code: f.code,
            title: tr.t(&format!("rp-f-{}", f.code)),
            basis: f.basis,
            columns: f
                .columns
                .iter()
                .map(|c| ColumnInfo {
                    code: c.code,
                    label: tr.t(&format!("rp-c-{}", c.code)),
                })
                .collect(),
            checks: f
                .checks
                .iter()
                .map(|c| format!("{} = {}", c.total, c.parts.join(" + ")))
                .collect(),
        })
        .collect()
}

#[utoipa::path(get, path = "/api/v1/reports", tag = "reports", responses((status = 200, body = Object)))]
/// The forms, their columns and arithmetic, and the period syntax.
pub async fn api_forms(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
) -> AppResult<Response> {
    who.require(Right::ReadStatistics)?;
    let tr = tr_of(&state, &who, &headers);
    Ok(Json(serde_json::json!({
        "forms": form_infos(&tr),
        "period_syntax": PERIOD_SYNTAX,
    }))
    .into_response())
}

fn file_name(r: &Report, ext: &str) -> String {
    let p: String = r
        .period
        .label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{}_{}_{}.{ext}", r.form, r.unit.code, p)
}

fn download(content_type: &'static str, name: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// The report in the asked format.
fn formatted(r: &Report, format: Option<&str>, tr: &Tr) -> AppResult<Response> {
    match format.unwrap_or("json") {
        "json" => Ok(Json(r).into_response()),
        "csv" => Ok(download(
            "text/csv; charset=utf-8",
            &file_name(r, "csv"),
            export::csv(r).into_bytes(),
        )),
        "xlsx" => {
            let label = |k: &str| tr.t(k);
            let bytes = export::xlsx(
                r,
                &export::Words {
                    label: &label,
                    rtl: tr.dir() == "rtl",
                },
            )
            .map_err(|e| AppError::BadRequest(e.to_string()))?;
            Ok(download(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                &file_name(r, "xlsx"),
                bytes,
            ))
        }
        _ => Err(bad("format", "one_of", "must be json, csv or xlsx")),
    }
}

#[utoipa::path(get, path = "/api/v1/reports/{form}", params(("form" = String, Path, description = "form code, e.g. 01-TCD"), ReportQuery), tag = "reports",
    responses((status = 200, body = Object), (status = 404), (status = 422, body = crate::error::Problem)))]
/// One form for a period and a scope: rows (the scope's own facts, then each
/// child with its subtree), the total, and any broken arithmetic.
pub async fn api_report(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    Path(form): Path<String>,
    Query(q): Query<ReportQuery>,
) -> AppResult<Response> {
    let (_, _, r) = report(&state, &who, &form, &q, false).await?;
    formatted(&r, q.format.as_deref(), &tr_of(&state, &who, &headers))
}

#[utoipa::path(get, path = "/api/v1/reports/{form}/cells/{column}", params(("form" = String, Path), ("column" = String, Path), ReportQuery), tag = "reports",
    responses((status = 200, body = Object), (status = 404), (status = 422, body = crate::error::Problem)))]
/// The records behind one figure (`row` = a unit code or `total`).
pub async fn api_cell(
    State(state): State<AppState>,
    who: Principal,
    Path((form, column)): Path<(String, String)>,
    Query(q): Query<ReportQuery>,
) -> AppResult<Response> {
    let (_, _, records, total) = cell(&state, &who, &form, &column, &q, false).await?;
    Ok(Json(serde_json::json!({
        "counted": total,
        "shown": records.len(),
        "items": records,
    }))
    .into_response())
}

#[utoipa::path(post, path = "/api/v1/reports/{form}/issue", params(("form" = String, Path), ReportQuery), tag = "reports",
    responses((status = 201, body = Object), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
/// Issues (freezes) the report as its next version.
pub async fn api_issue(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    Path(form): Path<String>,
    Query(q): Query<ReportQuery>,
) -> AppResult<Response> {
    who.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let i = issue(&state, &who, &form, &q).await?;
    Ok((StatusCode::CREATED, Json(i)).into_response())
}

#[utoipa::path(get, path = "/api/v1/reports/{form}/issued", params(("form" = String, Path), ReportQuery), tag = "reports",
    responses((status = 200, body = Object)))]
/// The issued versions of a report, oldest first, with their frozen figures.
pub async fn api_issued(
    State(state): State<AppState>,
    who: Principal,
    Path(form): Path<String>,
    Query(q): Query<ReportQuery>,
) -> AppResult<Response> {
    let items = issued(&state, &who, &form, &q, false).await?;
    Ok(Json(serde_json::json!({ "items": items })).into_response())
}

#[utoipa::path(get, path = "/api/v1/summary", params(ReportQuery), tag = "reports",
    responses((status = 200, body = Object), (status = 422, body = crate::error::Problem)))]
/// The summary paragraph of a press release, with the figures it states.
/// `lang` (vi, en, fr, ar) picks the language.
pub async fn api_summary(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    Query(q): Query<ReportQuery>,
    Query(l): Query<LangQuery>,
) -> AppResult<Response> {
    let (tree, req, key) = report(&state, &who, "00-KEY", &q, false).await?;
    let tr = match l.lang.as_deref().and_then(Lang::from_tag) {
        Some(lang) => Tr::new(state.i18n.clone(), lang),
        None => tr_of(&state, &who, &headers),
    };
    let name = tree
        .get(req.scope)
        .map(|u| u.name.clone())
        .unwrap_or_default();
    Ok(Json(serde_json::json!({
        "lang": tr.tag(),
        "text": summary_text(&tr, &name, &key),
        "figures": key,
    }))
    .into_response())
}

/// A language choice.
#[derive(Debug, Default, Deserialize)]
pub struct LangQuery {
    /// `vi`, `en`, `fr` or `ar`.
    pub lang: Option<String>,
}

// ------------------------------------------------------------------ pages

/// The period, unit and tree of a request, as a query string for links.
fn query_string(req: &Request, tree: &Tree) -> String {
    let unit = tree
        .get(req.scope)
        .map(|u| u.code.clone())
        .unwrap_or_default();
    let mut qs = format!(
        "period={}&unit={}&tree={}",
        crate::pages::urlencode(&req.period.label),
        crate::pages::urlencode(&unit),
        req.mode.as_str()
    );
    if let Some(c) = req.committee.and_then(|c| tree.get(c)) {
        qs.push_str(&format!("&committee={}", crate::pages::urlencode(&c.code)));
    }
    qs
}

/// A cell of the report page.
struct CellView {
    text: String,
    href: String,
}

struct RowView {
    code: String,
    name: String,
    own: bool,
    cells: Vec<CellView>,
}

#[derive(askama::Template)]
#[template(path = "report.html")]
struct ReportTpl {
    tr: Tr,
    user: Option<liem_store::users::UserRecord>,
    csrf: String,
    title: String,
    form_code: String,
    basis: String,
    unit_code: String,
    unit_name: String,
    period_label: String,
    period_from: String,
    period_to: String,
    tree_current: bool,
    committee: Option<(String, String)>,
    columns: Vec<(String, String)>,
    rows: Vec<RowView>,
    total: Vec<CellView>,
    failures: Vec<String>,
    qs: String,
    data_version: i64,
    issued: Vec<Issued>,
    can_issue: bool,
    forms: Vec<(String, String)>,
    units: Vec<(String, String)>,
}

fn pick_list(tree: &Tree, who: &Principal) -> Vec<(String, String)> {
    let Ok(scope) = who.require(Right::ReadStatistics) else {
        return Vec::new();
    };
    tree.all_ids()
        .into_iter()
        .filter_map(|id| tree.get(id))
        .filter(|u| scope.contains(&u.path) && u.valid_to.is_none())
        .filter(|u| {
            use liem_domain::unit::UnitKind as K;
            matches!(u.kind, K::CentralCommittee | K::Province | K::Commune)
        })
        .map(|u| (u.code.clone(), u.name.clone()))
        .collect()
}

async fn forms_page(page: crate::pages::Page) -> Response {
    match page.principal() {
        None => Redirect::to("/login").into_response(),
        Some(_) => Redirect::to("/reports/02-XLD-KN").into_response(),
    }
}

async fn report_page(
    State(state): State<AppState>,
    page: crate::pages::Page,
    Path(form): Path<String>,
    Query(q): Query<ReportQuery>,
) -> Response {
    let Some(who) = page.principal() else {
        return Redirect::to("/login").into_response();
    };
    let r = async {
        let (tree, req, r) = report(&state, who, &form, &q, true).await?;
        let tr = page.tr().clone();
        if matches!(q.format.as_deref(), Some("csv" | "xlsx")) {
            return Err(AppError::BadRequest("use the API for downloads".into()));
        }
        let qs = query_string(&req, &tree);
        let href = |col: &str, row: &str| {
            format!(
                "/reports/{}/cells/{}?{qs}&row={}",
                r.form,
                col,
                crate::pages::urlencode(row)
            )
        };
        let rows = r
            .rows
            .iter()
            .map(|row| RowView {
                code: row.unit.code.clone(),
                name: row.unit.name.clone(),
                own: row.own,
                cells: row
                    .cells
                    .iter()
                    .zip(&r.columns)
                    .map(|(v, c)| CellView {
                        text: grouped(*v, tr.lang),
                        href: href(c, &row.unit.code),
                    })
                    .collect(),
            })
            .collect();
        let total = r
            .total
            .iter()
            .zip(&r.columns)
            .map(|(v, c)| CellView {
                text: grouped(*v, tr.lang),
                href: href(c, "total"),
            })
            .collect();
        let form_def = liem_report::form(&r.form).map_err(report_error)?;
        let columns = r
            .columns
            .iter()
            .zip(export::column_formulas(form_def))
            .map(|(c, f)| (tr.t(&format!("rp-c-{c}")), f))
            .collect();
        let issued = issued_of(&state, &r.form, &req).await?;
        Ok::<_, AppError>(ReportTpl {
            user: Some(who.user.clone()),
            csrf: who.csrf.clone().unwrap_or_default(),
            title: tr.t(&format!("rp-f-{}", r.form)),
            form_code: r.form.clone(),
            basis: r.basis.clone(),
            unit_code: r.unit.code.clone(),
            unit_name: r.unit.name.clone(),
            period_label: r.period.label.clone(),
            period_from: r.period.from.to_string(),
            period_to: r.period.to.to_string(),
            tree_current: r.tree == TreeMode::Current,
            committee: req
                .committee
                .and_then(|c| tree.get(c))
                .map(|u| (u.code.clone(), u.name.clone())),
            columns,
            rows,
            total,
            failures: r.failures.iter().map(|f| f.to_string()).collect(),
            qs,
            data_version: r.data_version,
            issued,
            can_issue: who.require(Right::IssueReports).is_ok(),
            forms: all_forms()
                .iter()
                .map(|f| (f.code.to_owned(), tr.t(&format!("rp-f-{}", f.code))))
                .collect(),
            units: pick_list(&tree, who),
            tr,
        })
    }
    .await;
    match r {
        Ok(t) => crate::pages::render(&t),
        Err(e) => page.error_page(e),
    }
}

struct RecordView {
    entity: String,
    reference: String,
    date: String,
    unit: String,
    href: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "report_cell.html")]
struct CellTpl {
    tr: Tr,
    user: Option<liem_store::users::UserRecord>,
    csrf: String,
    form_code: String,
    column_label: String,
    row_label: String,
    period_label: String,
    counted: i64,
    hidden: i64,
    records: Vec<RecordView>,
    back: String,
}

fn record_views(tree: &Tree, records: &[Record], tr: &Tr) -> Vec<RecordView> {
    records
        .iter()
        .map(|r| RecordView {
            entity: tr.t(&format!("rp-e-{}", r.entity)),
            reference: r.reference.clone(),
            date: r.date.map(|d| d.to_string()).unwrap_or_default(),
            unit: tree
                .get(r.unit_id)
                .map(|u| u.code.clone())
                .unwrap_or_default(),
            href: r.link_id.map(|id| match r.entity {
                "letter" | "matter" => format!("/petitions/{id}"),
                _ => format!("/cases/{id}"),
            }),
        })
        .collect()
}

async fn cell_page(
    State(state): State<AppState>,
    page: crate::pages::Page,
    Path((form, column)): Path<(String, String)>,
    Query(q): Query<ReportQuery>,
) -> Response {
    let Some(who) = page.principal() else {
        return Redirect::to("/login").into_response();
    };
    let r = async {
        let (tree, req, records, counted) = cell(&state, who, &form, &column, &q, true).await?;
        let tr = page.tr().clone();
        let row_label = match q.row.as_deref() {
            None | Some("total") | Some("") => tr.t("rp-x-total"),
            Some(code) => tree
                .by_code(code)
                .map(|u| format!("{} ({})", u.name, u.code))
                .unwrap_or_default(),
        };
        let form_code = liem_report::form(&form).map_err(report_error)?.code;
        Ok::<_, AppError>(CellTpl {
            user: Some(who.user.clone()),
            csrf: who.csrf.clone().unwrap_or_default(),
            form_code: form_code.to_owned(),
            column_label: tr.t(&format!("rp-c-{column}")),
            row_label,
            period_label: req.period.label.clone(),
            counted,
            hidden: (counted - records.len() as i64).max(0),
            records: record_views(&tree, &records, &tr),
            back: format!("/reports/{form_code}?{}", query_string(&req, &tree)),
            tr,
        })
    }
    .await;
    match r {
        Ok(t) => crate::pages::render(&t),
        Err(e) => page.error_page(e),
    }
}

/// The issue form.
#[derive(Debug, Deserialize)]
struct IssueForm {
    csrf: String,
    period: String,
    unit: String,
    tree: String,
}

async fn issue_page(
    State(state): State<AppState>,
    page: crate::pages::Page,
    Path(form): Path<String>,
    Form(f): Form<IssueForm>,
) -> Response {
    let who = match page.posted(&f.csrf) {
        Ok(w) => w,
        Err(r) => return *r,
    };
    let q = ReportQuery {
        period: Some(f.period.clone()),
        unit: Some(f.unit.clone()),
        tree: Some(f.tree.clone()),
        ..Default::default()
    };
    match issue(&state, who, &form, &q).await {
        Ok(i) => Redirect::to(&format!(
            "/reports/{}?period={}&unit={}&tree={}",
            i.form,
            crate::pages::urlencode(&f.period),
            crate::pages::urlencode(&f.unit),
            crate::pages::urlencode(&f.tree)
        ))
        .into_response(),
        Err(e) => page.error_page(e),
    }
}

// -------------------------------------------------------------- dashboard

/// A key figure of the dashboard against the same period a year before.
pub struct KeyFigure {
    /// Column code.
    pub code: &'static str,
    /// Label.
    pub label: String,
    /// This period.
    pub now: i64,
    /// The same period a year before.
    pub before: i64,
    /// `now`, written as the language writes numbers.
    pub now_text: String,
    /// `before`, likewise.
    pub before_text: String,
    /// The change, as `+12.5 %`, when there was something before.
    pub change: String,
    /// The records behind `now`.
    pub href: String,
}

const DASH_FIGURES: &[&str] = &[
    "letters_received",
    "letters_processed",
    "letters_eligible",
    "matters_resolved",
    "matters_resolved_late",
    "matters_overdue",
    "reception_people",
    "new_cases",
    "new_defendants",
    "monitored_cases",
    "targets_overdue",
    "recovered_vnd",
];

/// Grid positions of the provinces on the tile map (column, row), north to
/// south; units without one are laid out below.
const TILE_GRID: &[(&str, u32, u32)] = &[
    ("LCU", 0, 0),
    ("LCI", 1, 0),
    ("TQG", 2, 0),
    ("CBG", 3, 0),
    ("DBN", 0, 1),
    ("SLA", 1, 1),
    ("PTO", 2, 1),
    ("TNN", 3, 1),
    ("LSN", 4, 1),
    ("HNI", 2, 2),
    ("BNH", 3, 2),
    ("QNH", 4, 2),
    ("NBH", 2, 3),
    ("HYN", 3, 3),
    ("HPG", 4, 3),
    ("THA", 1, 4),
    ("NAN", 1, 5),
    ("HTH", 2, 5),
    ("QTI", 2, 6),
    ("HUE", 3, 6),
    ("DNG", 4, 6),
    ("QNI", 3, 7),
    ("GLI", 2, 8),
    ("KHA", 4, 8),
    ("DLK", 2, 9),
    ("LDG", 3, 9),
    ("DNI", 4, 10),
    ("TNH", 2, 10),
    ("HCM", 3, 10),
    ("DTP", 1, 11),
    ("VLG", 2, 11),
    ("AGG", 0, 11),
    ("CTO", 1, 12),
    ("CMU", 1, 13),
];

#[derive(askama::Template)]
#[template(path = "dashboard.html")]
struct DashTpl {
    tr: Tr,
    user: Option<liem_store::users::UserRecord>,
    csrf: String,
    unit_code: String,
    unit_name: String,
    period_label: String,
    period_from: String,
    period_to: String,
    before_label: String,
    figures: Vec<KeyFigure>,
    summary: String,
    charts: Vec<(String, String)>,
    tiles: Option<String>,
    children: Vec<(String, String, i64, i64, String)>,
    targets: Vec<(uuid::Uuid, String, String, String, i64)>,
    stages_overdue: i64,
    units: Vec<(String, String)>,
    qs: String,
}

async fn dashboard_page(
    State(state): State<AppState>,
    page: crate::pages::Page,
    Query(q): Query<ReportQuery>,
) -> Response {
    let Some(who) = page.principal() else {
        return Redirect::to("/login").into_response();
    };
    let tr = page.tr().clone();
    match dashboard(&state, who, &q, &tr).await {
        Ok(mut t) => {
            t.user = Some(who.user.clone());
            t.csrf = who.csrf.clone().unwrap_or_default();
            crate::pages::render(&t)
        }
        Err(e) => page.error_page(e),
    }
}

async fn dashboard(
    state: &AppState,
    who: &Principal,
    q: &ReportQuery,
    tr: &Tr,
) -> AppResult<DashTpl> {
    // The dashboard is a unit's; a committee's list is read on form 07-PCTN.
    let q = &ReportQuery {
        committee: None,
        ..q.clone()
    };
    let key = liem_report::form("00-KEY").map_err(report_error)?;
    let (tree, req) = resolve(state, who, q, true).await?;
    let before_req = Request {
        period: req.period.year_before(),
        ..req.clone()
    };
    let mut c = state.store.conn().await?;
    let now = liem_report::compute(&mut c, &state.model, &tree, &[key], &req)
        .await
        .map_err(report_error)?
        .pop()
        .expect("one");
    let before = liem_report::compute(&mut c, &state.model, &tree, &[key], &before_req)
        .await
        .map_err(report_error)?
        .pop()
        .expect("one");
    let qs = query_string(&req, &tree);
    let lang = tr.lang;
    let figures = DASH_FIGURES
        .iter()
        .map(|code| {
            let n = now.get(code).unwrap_or(0);
            let b = before.get(code).unwrap_or(0);
            let change = if b > 0 {
                let tenths = ((n - b) * 1000 + b / 2) / b;
                let sign = if tenths > 0 {
                    "+"
                } else if tenths < 0 {
                    "−"
                } else {
                    ""
                };
                let t = tenths.abs();
                localise_decimal(&format!("{sign}{}.{} %", t / 10, t % 10), lang)
            } else {
                "—".to_owned()
            };
            KeyFigure {
                code,
                label: tr.t(&format!("rp-c-{code}")),
                now: n,
                before: b,
                now_text: grouped(n, lang),
                before_text: grouped(b, lang),
                change,
                href: format!("/reports/00-KEY/cells/{code}?{qs}&row=total"),
            }
        })
        .collect();
    // Trends by month and the breakdown by field: two queries.
    // Months still to come are not drawn.
    let mut months = req.period.months();
    months.retain(|m| m.from <= today());
    let units = tree.units_in(req.scope, req.mode);
    let rule = |code: &str| {
        liem_domain::forms::key_rule(code)
            .ok_or_else(|| AppError::BadRequest(format!("no key figure {code}")))
    };
    // Each month of the period, then the same month a year before.
    let by_month = |r: &'static Rule| -> Vec<(&'static Rule, liem_domain::stats::Span)> {
        months
            .iter()
            .map(|m| (r, m.span()))
            .chain(months.iter().map(|m| (r, m.year_before().span())))
            .collect()
    };
    let mut letter_rules = by_month(rule("letters_received")?);
    letter_rules.extend(
        liem_domain::forms::letters_by_field()
            .iter()
            .map(|(_, r)| (r, req.period.span())),
    );
    let matter_rules = by_month(rule("matters_resolved")?);
    let totals = |map: std::collections::HashMap<UnitId, Vec<i64>>, n: usize| {
        let mut t = vec![0i64; n];
        for v in map.values() {
            for (a, x) in t.iter_mut().zip(v) {
                *a += x;
            }
        }
        t
    };
    let ((lv, mv), _) = state
        .model
        .view(&mut c, |view| {
            (
                totals(
                    view.aggregate(Source::Letter, &letter_rules, units.as_deref()),
                    letter_rules.len(),
                ),
                totals(
                    view.aggregate(Source::Matter, &matter_rules, units.as_deref()),
                    matter_rules.len(),
                ),
            )
        })
        .await
        .map_err(report_error)?;
    let k = months.len();
    let labels: Vec<String> = months.iter().map(|m| m.label.clone()).collect();
    let this_year = req.period.to.year().to_string();
    let last_year = before_req.period.to.year().to_string();
    let chart_err = |e: chart::ChartError| AppError::BadRequest(e.to_string());
    // This year against the last, month by month.
    let trend = |id: &str, title: &str, y: &str, v: &[i64]| -> AppResult<(String, String)> {
        let svg = chart::trend(
            &chart::Texts {
                title: &tr.t(title),
                x: &tr.t("db-axis-month"),
                y: &tr.t(y),
            },
            &labels,
            &[
                chart::Series {
                    name: &this_year,
                    values: &v[..k],
                },
                chart::Series {
                    name: &last_year,
                    values: &v[k..2 * k],
                },
            ],
        )
        .map_err(chart_err)?;
        Ok((id.to_owned(), svg))
    };
    let mut charts = vec![
        trend("chart-letters", "db-chart-letters", "db-axis-letters", &lv)?,
        trend(
            "chart-resolved",
            "db-chart-resolved",
            "db-axis-matters",
            &mv,
        )?,
    ];
    let by_field: Vec<(String, i64)> = liem_domain::forms::letters_by_field()
        .iter()
        .zip(&lv[2 * k..])
        .map(|((code, _), v)| (tr.t(&format!("field-{code}")), *v))
        .collect();
    charts.push((
        "chart-fields".to_owned(),
        chart::bars(
            &chart::Texts {
                title: &tr.t("db-chart-fields"),
                x: &tr.t("db-axis-field"),
                y: &tr.t("db-axis-letters"),
            },
            &by_field,
        )
        .map_err(chart_err)?,
    ));
    // By child unit (provinces for the nation).
    let idx = now
        .columns
        .iter()
        .position(|c| c == "letters_received")
        .expect("a key figure");
    let cases_idx = now
        .columns
        .iter()
        .position(|c| c == "new_cases")
        .expect("a key figure");
    let child_rows: Vec<&liem_report::ReportRow> = now.rows.iter().filter(|r| !r.own).collect();
    let children: Vec<(String, String, i64, i64, String)> = child_rows
        .iter()
        .map(|r| {
            (
                r.unit.code.clone(),
                r.unit.name.clone(),
                r.cells[idx],
                r.cells[cases_idx],
                format!(
                    "/reports/00-KEY/cells/letters_received?{qs}&row={}",
                    crate::pages::urlencode(&r.unit.code)
                ),
            )
        })
        .collect();
    if !children.is_empty() {
        let bars: Vec<(String, i64)> = children.iter().map(|c| (c.0.clone(), c.2)).collect();
        charts.push((
            "chart-units".to_owned(),
            chart::bars(
                &chart::Texts {
                    title: &tr.t("db-chart-units"),
                    x: &tr.t("db-axis-unit"),
                    y: &tr.t("db-axis-letters"),
                },
                &bars,
            )
            .map_err(chart_err)?,
        ));
    }
    // The tile map shows provinces only (not the agencies beside them).
    let provinces: Vec<&(String, String, i64, i64, String)> = children
        .iter()
        .filter(|c| {
            tree.by_code(&c.0)
                .is_some_and(|u| u.kind == liem_domain::unit::UnitKind::Province)
        })
        .collect();
    let on_grid = provinces
        .iter()
        .filter(|c| TILE_GRID.iter().any(|g| g.0 == c.0))
        .count();
    let tiles = if on_grid >= 5 {
        let mut extra = 0u32;
        let tiles: Vec<chart::Tile> = provinces
            .iter()
            .map(|c| {
                let (col, row) = match TILE_GRID.iter().find(|g| g.0 == c.0) {
                    Some(g) => (g.1, g.2),
                    None => {
                        extra += 1;
                        (5 + (extra - 1) % 3, (extra - 1) / 3)
                    }
                };
                chart::Tile {
                    code: c.0.clone(),
                    col,
                    row,
                    value: c.2,
                }
            })
            .collect();
        Some(chart::tiles(&tr.t("db-tiles"), &tiles).map_err(chart_err)?)
    } else {
        None
    };
    // The watch list's next targets, soonest first, for committees in scope.
    let mut targets = Vec::new();
    let scope_unit = tree.get(req.scope).cloned();
    if who.require(Right::ReadCases).is_ok() {
        if let Some(u) = scope_unit.as_ref().filter(|u| u.kind.steers()) {
            if let Ok((_, rows)) = crate::cases::watch_list(state, who, Some(&u.code)).await {
                for r in rows {
                    if let Some(n) = &r.monitoring.next_target {
                        targets.push((
                            r.case.id,
                            r.case.reference.clone(),
                            tr.code("cs-ms", n.milestone),
                            n.due_on.to_string(),
                            i64::from(n.days_left),
                        ));
                    }
                }
            }
        }
    }
    targets.sort_by_key(|t| t.4);
    targets.truncate(8);
    // Stages past their legal limit, in the cases the reader may see.
    let stages_overdue = match who.require(Right::ReadCases) {
        Ok(scope) => {
            let v = Viewer {
                user: who.user.id,
                scope,
            };
            liem_store::cases::stage_deadline_counts(&mut c, &v, None, today(), 0)
                .await?
                .iter()
                .map(|r| r.overdue)
                .sum::<i64>()
        }
        Err(_) => 0,
    };
    let unit = scope_unit.expect("resolved");
    Ok(DashTpl {
        tr: tr.clone(),
        user: None,
        csrf: String::new(),
        unit_code: unit.code.clone(),
        unit_name: unit.name.clone(),
        period_label: req.period.label.clone(),
        period_from: req.period.from.to_string(),
        period_to: req.period.to.to_string(),
        before_label: before_req.period.label.clone(),
        figures,
        summary: summary_text(tr, &unit.name, &now),
        charts,
        tiles,
        children,
        targets,
        stages_overdue,
        units: pick_list(&tree, who),
        qs,
    })
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
