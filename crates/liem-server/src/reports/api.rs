use crate::auth::Principal;
use crate::i18n::Lang;
use crate::i18n::Tr;
use crate::reports::service::bad;
use crate::reports::service::cell;
use crate::reports::service::issue;
use crate::reports::service::issued;
use crate::reports::service::report;
use crate::reports::service::summary_text;
use crate::reports::service::ReportQuery;
use crate::state::AppState;
use crate::web::answer::Items;
use crate::web::error::AppError;
use crate::web::error::AppResult;
use crate::web::lang::Asked;
use crate::web::write::Writer;
use axum::extract::Path;
use axum::extract::Query;
use axum::extract::State;
use axum::http::header;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;
use axum::Json;
use liem_domain::forms::all_forms;
use liem_domain::role::Right;
use liem_domain::stats::PERIOD_SYNTAX;
use liem_report::export;
use liem_report::Report;
use serde::Deserialize;
use serde::Serialize;

/// The translator of an API request: the one negotiation (`?lang=`, the
/// user's choice, the cookie, `Accept-Language`).
pub(super) fn tr_of(state: &AppState, who: &Principal, asked: &Asked) -> Tr {
    Tr::new(state.i18n.clone(), asked.staff(who.user.locale.as_deref()))
}

/// A column of a form.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ColumnInfo {
    /// Its code (the cell address).
    code: &'static str,
    /// Its heading in the caller's language.
    label: String,
}

/// A form: its columns and the arithmetic its figures keep.
#[derive(Serialize, utoipa::ToSchema)]
pub struct FormInfo {
    /// Its code, e.g. `01-TCD`.
    code: &'static str,
    /// Its title in the caller's language.
    title: String,
    /// The text that prescribes it.
    basis: &'static str,
    /// Its columns.
    columns: Vec<ColumnInfo>,
    /// Its checks, `total = part + part`.
    checks: Vec<String>,
}

pub(super) fn form_infos(tr: &Tr) -> Vec<FormInfo> {
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

#[utoipa::path(get, path = "/api/v1/reports", tag = "reports", responses((status = 200, description = "The forms", body = Forms)))]
/// The forms, their columns and arithmetic, and the period syntax.
pub async fn api_forms(
    State(state): State<AppState>,
    who: Principal,
    asked: Asked,
) -> AppResult<Response> {
    who.grant(Right::ReadStatistics)?;
    let tr = tr_of(&state, &who, &asked);
    Ok(Json(Forms {
        forms: form_infos(&tr),
        period_syntax: PERIOD_SYNTAX,
    })
    .into_response())
}

pub(super) fn file_name(r: &Report, ext: &str) -> String {
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

pub(super) fn download(content_type: &'static str, name: &str, body: Vec<u8>) -> Response {
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
pub(super) fn formatted(r: &Report, format: Option<&str>, tr: &Tr) -> AppResult<Response> {
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
    responses((status = 200, description = "The report; CSV or Excel with `format=csv|xlsx`", body = Report), (status = 404), (status = 422, body = crate::web::error::Problem)))]
/// One form for a period and a scope: rows (the scope's own facts, then each
/// child with its subtree), the total, and any broken arithmetic.
pub async fn api_report(
    State(state): State<AppState>,
    who: Principal,
    asked: Asked,
    Path(form): Path<String>,
    Query(q): Query<ReportQuery>,
) -> AppResult<Response> {
    let (_, _, r) = report(&state, &who, &form, &q, false).await?;
    formatted(&r, q.format.as_deref(), &tr_of(&state, &who, &asked))
}

#[utoipa::path(get, path = "/api/v1/reports/{form}/cells/{column}", params(("form" = String, Path), ("column" = String, Path), ReportQuery), tag = "reports",
    responses((status = 200, description = "The records counted", body = Cell), (status = 404), (status = 422, body = crate::web::error::Problem)))]
/// The records behind one figure (`row` = a unit code or `total`).
pub async fn api_cell(
    State(state): State<AppState>,
    who: Principal,
    Path((form, column)): Path<(String, String)>,
    Query(q): Query<ReportQuery>,
) -> AppResult<Response> {
    let (_, _, records, total) = cell(&state, &who, &form, &column, &q, false).await?;
    Ok(Json(Cell {
        counted: total,
        shown: records.len(),
        items: records,
    })
    .into_response())
}

#[utoipa::path(post, path = "/api/v1/reports/{form}/issue", params(("form" = String, Path), ReportQuery), tag = "reports",
    responses((status = 201, description = "The version issued", body = liem_store::stats::Issued), (status = 409, body = crate::web::error::Problem), (status = 422, body = crate::web::error::Problem)))]
/// Issues (freezes) the report as its next version.
pub async fn api_issue(
    State(state): State<AppState>,
    who: Writer,
    Path(form): Path<String>,
    Query(q): Query<ReportQuery>,
) -> AppResult<Response> {
    let i = issue(&state, &who, &form, &q).await?;
    Ok((StatusCode::CREATED, Json(i)).into_response())
}

#[utoipa::path(get, path = "/api/v1/reports/{form}/issued", params(("form" = String, Path), ReportQuery), tag = "reports",
    responses((status = 200, description = "The issued versions", body = Items<liem_store::stats::Issued>)))]
/// The issued versions of a report, oldest first, with their frozen figures.
pub async fn api_issued(
    State(state): State<AppState>,
    who: Principal,
    Path(form): Path<String>,
    Query(q): Query<ReportQuery>,
) -> AppResult<Response> {
    let items = issued(&state, &who, &form, &q, false).await?;
    Ok(Json(Items { items }).into_response())
}

/// A language choice.
#[derive(Debug, Default, Deserialize)]
pub struct LangQuery {
    /// `vi`, `en`, `fr` or `ar`.
    pub lang: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/summary", params(ReportQuery), tag = "reports",
    responses((status = 200, description = "The summary", body = Summary), (status = 422, body = crate::web::error::Problem)))]
/// The summary paragraph of a press release, with the figures it states.
/// `lang` (vi, en, fr, ar) picks the language.
pub async fn api_summary(
    State(state): State<AppState>,
    who: Principal,
    asked: Asked,
    Query(q): Query<ReportQuery>,
    Query(l): Query<LangQuery>,
) -> AppResult<Response> {
    let (tree, req, key) = report(&state, &who, "00-KEY", &q, false).await?;
    let tr = match l.lang.as_deref().and_then(Lang::from_tag) {
        Some(lang) => Tr::new(state.i18n.clone(), lang),
        None => tr_of(&state, &who, &asked),
    };
    let name = tree
        .get(req.scope)
        .map(|u| u.name.clone())
        .unwrap_or_default();
    Ok(Json(Summary {
        lang: tr.tag().to_owned(),
        text: summary_text(&tr, &name, &key),
        figures: key,
    })
    .into_response())
}

/// The forms and the period syntax.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Forms {
    /// Every form.
    forms: Vec<FormInfo>,
    /// How a period is written (`2026`, `2026-Q1`, `2026-06`, …).
    period_syntax: &'static str,
}

/// The records behind one figure.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Cell {
    /// How many records the figure counts.
    counted: i64,
    /// How many are listed here (the first ones).
    shown: usize,
    /// The records listed.
    items: Vec<liem_store::stats::Record>,
}

/// A press release's summary paragraph.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Summary {
    /// Its language.
    lang: String,
    /// The paragraph.
    text: String,
    /// The figures it states (form 00-KEY).
    figures: Report,
}
