use crate::auth::Principal;
use crate::i18n::grouped;
use crate::i18n::Tr;
use crate::reports::service::cell;
use crate::reports::service::issue;
use crate::reports::service::issued_of;
use crate::reports::service::report;
use crate::reports::service::report_error;
use crate::reports::service::ReportQuery;
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::write::PostedForm;
use axum::extract::Path;
use axum::extract::Query;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::response::Redirect;
use axum::response::Response;
use liem_domain::forms::all_forms;
use liem_domain::role::Right;
use liem_report::export;
use liem_report::Request;
use liem_report::Tree;
use liem_report::TreeMode;
use liem_store::stats::Issued;
use liem_store::stats::Record;
use serde::Deserialize;

/// The period, unit and tree of a request, as a query string for links.
pub(super) fn query_string(req: &Request, tree: &Tree) -> String {
    let unit = tree
        .get(req.scope)
        .map(|u| u.code.clone())
        .unwrap_or_default();
    let mut qs = format!(
        "period={}&unit={}&tree={}",
        crate::web::page::urlencode(&req.period.label),
        crate::web::page::urlencode(&unit),
        req.mode.as_str()
    );
    if let Some(c) = req.committee.and_then(|c| tree.get(c)) {
        qs.push_str(&format!(
            "&committee={}",
            crate::web::page::urlencode(&c.code)
        ));
    }
    qs
}

/// A cell of the report page.
pub(super) struct CellView {
    text: String,
    href: String,
}

pub(super) struct RowView {
    code: String,
    name: String,
    own: bool,
    cells: Vec<CellView>,
}

#[derive(askama::Template)]
#[template(path = "report.html")]
pub(super) struct ReportTpl {
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
    checkpoint: String,
    issued: Vec<Issued>,
    can_issue: bool,
    forms: Vec<(String, String)>,
    units: Vec<(String, String)>,
}

pub(crate) fn pick_list(tree: &Tree, who: &Principal) -> Vec<(String, String)> {
    let Ok(read) = who.grant(Right::ReadStatistics) else {
        return Vec::new();
    };
    let scope = read.scope();
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

/// The reports' index: the first form, with the query kept (the language,
/// the period).
pub(super) async fn forms_page(
    page: crate::web::page::Page,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Response {
    match page.principal().map(|p| p.grant(Right::ReadStatistics)) {
        None => Redirect::to("/login").into_response(),
        Some(Err(e)) => page.error(e),
        Some(Ok(_)) => match query.filter(|q| !q.is_empty()) {
            Some(q) => Redirect::to(&format!("/reports/02-XLD-KN?{q}")).into_response(),
            None => Redirect::to("/reports/02-XLD-KN").into_response(),
        },
    }
}

pub(super) async fn report_page(
    State(state): State<AppState>,
    page: crate::web::page::Page,
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
                crate::web::page::urlencode(row)
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
            basis: tr.citation(&r.basis),
            unit_code: r.unit.code.clone(),
            unit_name: r.unit.name.clone(),
            period_label: r.period.label.clone(),
            period_from: tr.date(r.period.from),
            period_to: tr.date(r.period.to),
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
            checkpoint: r.checkpoint.clone().unwrap_or_default(),
            issued,
            can_issue: who.can(Right::IssueReports),
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
        Ok(t) => crate::web::page::render(&t),
        Err(e) => page.error(e),
    }
}

pub(super) struct RecordView {
    entity: String,
    reference: String,
    date: String,
    unit: String,
    href: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "report_cell.html")]
pub(super) struct CellTpl {
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

pub(super) fn record_views(tree: &Tree, records: &[Record], tr: &Tr) -> Vec<RecordView> {
    records
        .iter()
        .map(|r| RecordView {
            entity: tr.t(&format!("rp-e-{}", r.entity)),
            reference: r.reference.clone(),
            date: tr.date_opt(r.date),
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

pub(super) async fn cell_page(
    State(state): State<AppState>,
    page: crate::web::page::Page,
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
        Ok(t) => crate::web::page::render(&t),
        Err(e) => page.error(e),
    }
}

/// The issue form.
#[derive(Debug, Deserialize)]
pub(super) struct IssueForm {
    period: String,
    unit: String,
    tree: String,
}

pub(super) async fn issue_page(
    State(state): State<AppState>,
    Path(form): Path<String>,
    PostedForm { page, who, form: f }: PostedForm<IssueForm>,
) -> Response {
    let who = &who;
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
            crate::web::page::urlencode(&f.period),
            crate::web::page::urlencode(&f.unit),
            crate::web::page::urlencode(&f.tree)
        ))
        .into_response(),
        Err(e) => page.error(e),
    }
}
