//! The hot-spot page: the alerts of the reader's reach, with the letters
//! behind each, a scan on demand, and the acknowledgement of an alert.

use super::api::{list, AlertQuery};
use super::service;
use crate::i18n::Tr;
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::page::{render, Page};
use crate::web::write::PostedForm;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use liem_domain::role::Right;
use liem_store::hotspots::AlertRecord;
use liem_store::users::UserRecord;
use serde::Deserialize;

/// An alert as the pages show it.
pub struct HotRow {
    /// Its id.
    pub id: uuid::Uuid,
    /// Its unit's code.
    pub unit: String,
    /// Its unit's name.
    pub unit_name: String,
    /// Its field, in the reader's language.
    pub field: String,
    /// The raised window, as dates.
    pub window: String,
    /// Letters and delegations in the window.
    pub observed: i64,
    /// What they were, in words.
    pub breakdown: String,
    /// What the cell's history expects, to a tenth.
    pub expected: String,
    /// How many times the expected.
    pub ratio: String,
    /// The p-value.
    pub p_value: String,
    /// The day it opened.
    pub opened: String,
    /// The day it ended, if it did.
    pub ended: Option<String>,
    /// Who acknowledged it and when (a sentence), and the note.
    pub ack: Option<(String, String)>,
    /// The letters behind it.
    pub href: String,
}

/// A tenth, or a hundredth below one (a quiet cell's usual level is often
/// a fraction of a letter).
fn tenths(x: f64, tr: &Tr) -> String {
    let text = if x < 1.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.1}")
    };
    crate::reports::service::localise_decimal(&text, tr.lang)
}

/// Presents an alert; `fields` maps field codes to their names.
pub fn row(a: &AlertRecord, tr: &Tr, fields: &[(String, String)]) -> HotRow {
    let field = if a.field.is_empty() {
        tr.t("hs-no-field")
    } else {
        fields
            .iter()
            .find(|f| f.0 == a.field)
            .map(|f| f.1.clone())
            .unwrap_or_else(|| a.field.clone())
    };
    HotRow {
        id: a.id,
        unit: a.unit.clone(),
        unit_name: a.unit_name.clone(),
        field,
        window: format!("{} – {}", tr.date(a.window_from), tr.date(a.window_to)),
        observed: a.observed,
        breakdown: tr.t_args(
            "hs-breakdown",
            &[
                ("letters", a.letters.to_string()),
                ("collective", a.collective.to_string()),
                ("delegations", a.delegations.to_string()),
            ],
        ),
        expected: tenths(a.expected, tr),
        ratio: format!("× {}", tenths(a.ratio, tr)),
        p_value: crate::reports::service::localise_decimal(&format!("{:.3}", a.p_value), tr.lang),
        opened: tr.date(a.opened_on),
        ended: a.ended_on.map(|d| tr.date(d)),
        ack: a.acknowledged_at.map(|at| {
            (
                tr.t_args(
                    "hs-acked",
                    &[
                        ("who", a.acknowledged_by.clone().unwrap_or_default()),
                        ("when", tr.instant(at)),
                    ],
                ),
                a.note.clone().unwrap_or_default(),
            )
        }),
        href: service::drill_down(a),
    }
}

#[derive(Template)]
#[template(path = "hotspots.html")]
struct HotTpl {
    tr: Tr,
    user: Option<UserRecord>,
    csrf: String,
    rows: Vec<HotRow>,
    last_run: Option<String>,
    units: Vec<(String, String)>,
    unit: String,
    show_ended: bool,
    can_watch: bool,
    scanned: Option<String>,
}

/// The page's query.
#[derive(Debug, Default, Deserialize)]
pub(super) struct PageQuery {
    unit: Option<String>,
    ended: Option<String>,
    opened: Option<u32>,
    continued: Option<u32>,
    closed: Option<u32>,
}

pub(super) async fn page(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<PageQuery>,
) -> Response {
    let who = match page.who() {
        Ok(w) => w,
        Err(r) => return r.into_response(),
    };
    let tr = page.tr().clone();
    let show_ended = q.ended.as_deref().is_some_and(|v| !v.is_empty());
    let r = async {
        let l = list(
            &state,
            who,
            &AlertQuery {
                unit: q.unit.clone(),
                open: Some(!show_ended),
            },
        )
        .await?;
        let fields = crate::petitions::present::field_names(&state, &tr).await?;
        let mut c = state.store.conn().await?;
        let tree = state
            .model
            .tree(&mut c)
            .await
            .map_err(crate::reports::service::report_error)?;
        Ok::<_, AppError>((l, fields, crate::reports::pages::pick_list(&tree, who)))
    }
    .await;
    let (l, fields, units) = match r {
        Ok(v) => v,
        Err(e) => return page.error(e),
    };
    let last_run = l.last_run.map(|r| {
        tr.t_args(
            "hs-last-run",
            &[
                ("when", tr.instant(r.finished_at)),
                ("cells", crate::i18n::grouped(r.cells, tr.lang)),
                ("counted", crate::i18n::grouped(r.counted, tr.lang)),
                ("alerts", r.alerts.to_string()),
            ],
        )
    });
    let scanned = q.opened.map(|o| {
        tr.t_args(
            "hs-scanned",
            &[
                ("opened", o.to_string()),
                ("continued", q.continued.unwrap_or(0).to_string()),
                ("closed", q.closed.unwrap_or(0).to_string()),
            ],
        )
    });
    let t = HotTpl {
        rows: l
            .items
            .iter()
            .map(|v| row(&v.alert, &tr, &fields))
            .collect(),
        tr,
        user: Some(who.user.clone()),
        csrf: who.csrf.clone().unwrap_or_default(),
        last_run,
        units,
        unit: q.unit.clone().unwrap_or_default(),
        show_ended,
        can_watch: who.can(Right::WatchHotSpots),
        scanned,
    };
    render(&t)
}

/// Scans now, then shows what the scan did.
pub(super) async fn scan(
    State(state): State<AppState>,
    PostedForm { page, who, .. }: PostedForm<serde::de::IgnoredAny>,
) -> Response {
    match service::run_now(&state, &who).await {
        Ok(o) => Redirect::to(&format!(
            "/hotspots?opened={}&continued={}&closed={}",
            o.opened, o.continued, o.ended
        ))
        .into_response(),
        Err(e) => page.error(e),
    }
}

#[derive(Deserialize)]
pub(super) struct AckForm {
    #[serde(default)]
    note: String,
}

/// Acknowledges an alert, then shows the list.
pub(super) async fn acknowledge(
    State(state): State<AppState>,
    Path(id): Path<uuid::Uuid>,
    PostedForm { page, who, form }: PostedForm<AckForm>,
) -> Response {
    match service::acknowledge(&state, &who, id, &form.note).await {
        Ok(a) => Redirect::to(&format!(
            "/hotspots?unit={}#hs-{}",
            crate::web::page::urlencode(&a.unit),
            a.id
        ))
        .into_response(),
        Err(e) => page.error(e),
    }
}
