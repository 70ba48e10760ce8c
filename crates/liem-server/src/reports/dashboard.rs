use crate::auth::Principal;
use crate::clock::today;
use crate::i18n::grouped;
use crate::i18n::Tr;
use crate::reports::pages::pick_list;
use crate::reports::pages::query_string;
use crate::reports::service::localise_decimal;
use crate::reports::service::report_error;
use crate::reports::service::resolve;
use crate::reports::service::summary_text;
use crate::reports::service::ReportQuery;
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::error::AppResult;
use axum::extract::Query;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::response::Redirect;
use axum::response::Response;
use liem_domain::ids::UnitId;
use liem_domain::role::Right;
use liem_domain::stats::Rule;
use liem_domain::stats::Source;
use liem_report::chart;
use liem_report::Request;
use liem_store::cases::Viewer;

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
pub(super) struct DashTpl {
    tr: Tr,
    user: Option<liem_store::users::UserRecord>,
    csrf: String,
    unit_code: String,
    unit_name: String,
    /// The period as typed (the form's value and the links').
    period_label: String,
    /// The period as the reader names it (the figures' column).
    period_title: String,
    period_from: String,
    period_to: String,
    before_label: String,
    figures: Vec<KeyFigure>,
    summary: String,
    charts: Vec<ChartView>,
    tiles: Option<String>,
    children: Vec<(String, String, i64, i64, String)>,
    targets: Vec<(uuid::Uuid, String, String, String, i64)>,
    stages_overdue: i64,
    /// The committees' activity in the period so far, with its sentence,
    /// for readers of committee work.
    committee: Option<(liem_domain::committee::ActivityFigures, String, u32)>,
    units: Vec<(String, String)>,
    qs: String,
    /// The open hot spots in the unit's tree, most significant first.
    hotspots: Vec<crate::hotspots::pages::HotRow>,
}

/// A chart as the page shows it: the drawing, and its figures as a table
/// (the text alternative a screen reader reads, and anyone can copy).
pub(super) struct ChartView {
    id: String,
    svg: String,
    /// The table's caption (the chart's title).
    caption: String,
    /// The column headings.
    head: Vec<String>,
    /// Each row: its label and its figures, written as the language writes
    /// numbers.
    rows: Vec<(String, Vec<String>)>,
}

pub(super) async fn dashboard_page(
    State(state): State<AppState>,
    page: crate::web::page::Page,
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
            crate::web::page::render(&t)
        }
        Err(e) => page.error(e),
    }
}

pub(super) async fn dashboard(
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
    // Trends by month and the breakdown by field. Months still to come are
    // not drawn.
    let mut months = req.period.months();
    months.retain(|m| m.from <= today());
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
    // The key figures now and a year before, and the trends: one view of
    // the model, each source's rows gathered once.
    let mut c = state.store.conn().await?;
    let (reports, counted) = liem_report::compute_periods(
        &mut c,
        &state.model,
        &tree,
        key,
        &[req.clone(), before_req.clone()],
        &[
            (Source::Letter, &letter_rules),
            (Source::Matter, &matter_rules),
        ],
    )
    .await
    .map_err(report_error)?;
    let mut reports = reports.into_iter();
    let (now, before) = (
        reports.next().expect("now"),
        reports.next().expect("a year before"),
    );
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
    let totals = |map: std::collections::HashMap<UnitId, Vec<i64>>, n: usize| {
        let mut t = vec![0i64; n];
        for v in map.values() {
            for (a, x) in t.iter_mut().zip(v) {
                *a += x;
            }
        }
        t
    };
    let mut counted = counted.into_iter();
    let lv = totals(counted.next().unwrap_or_default(), letter_rules.len());
    let mv = totals(counted.next().unwrap_or_default(), matter_rules.len());
    let k = months.len();
    let labels: Vec<String> = months.iter().map(|m| m.label.clone()).collect();
    let this_year = req.period.to.year().to_string();
    let last_year = before_req.period.to.year().to_string();
    let chart_err = |e: chart::ChartError| AppError::BadRequest(e.to_string());
    // This year against the last, month by month.
    let trend = |id: &str, title: &str, y: &str, v: &[i64]| -> AppResult<ChartView> {
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
        Ok(ChartView {
            id: id.to_owned(),
            svg,
            caption: tr.t(title),
            head: vec![tr.t("db-axis-month"), this_year.clone(), last_year.clone()],
            rows: labels
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    (
                        l.clone(),
                        vec![
                            crate::i18n::grouped(v[i], tr.lang),
                            crate::i18n::grouped(v[k + i], tr.lang),
                        ],
                    )
                })
                .collect(),
        })
    };
    let bars_view =
        |id: &str, title: &str, x: &str, y: &str, bars: &[(String, i64)]| -> AppResult<ChartView> {
            let svg = chart::bars(
                &chart::Texts {
                    title: &tr.t(title),
                    x: &tr.t(x),
                    y: &tr.t(y),
                },
                bars,
            )
            .map_err(chart_err)?;
            Ok(ChartView {
                id: id.to_owned(),
                svg,
                caption: tr.t(title),
                head: vec![tr.t(x), tr.t(y)],
                rows: bars
                    .iter()
                    .map(|(l, v)| (l.clone(), vec![crate::i18n::grouped(*v, tr.lang)]))
                    .collect(),
            })
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
    charts.push(bars_view(
        "chart-fields",
        "db-chart-fields",
        "db-axis-field",
        "db-axis-letters",
        &by_field,
    )?);
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
                    crate::web::page::urlencode(&r.unit.code)
                ),
            )
        })
        .collect();
    if !children.is_empty() {
        let bars: Vec<(String, i64)> = children.iter().map(|c| (c.0.clone(), c.2)).collect();
        charts.push(bars_view(
            "chart-units",
            "db-chart-units",
            "db-axis-unit",
            "db-axis-letters",
            &bars,
        )?);
    }
    // The open hot spots under the unit, for the list and the tile map.
    let scope_path = tree.get(req.scope).map(|u| u.path.clone());
    let open_alerts = match who.grant(Right::ReadStatistics) {
        Ok(g) => {
            liem_store::hotspots::alerts(
                &mut c,
                g.scope(),
                &liem_store::hotspots::AlertFilter {
                    open_only: true,
                    since: None,
                    within: scope_path,
                },
                200,
            )
            .await?
        }
        Err(_) => Vec::new(),
    };
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
                let path = tree
                    .by_code(&c.0)
                    .map(|u| u.path.clone())
                    .unwrap_or_default();
                chart::Tile {
                    code: c.0.clone(),
                    col,
                    row,
                    value: c.2,
                    alert: !path.is_empty()
                        && open_alerts.iter().any(|a| a.unit_path.starts_with(&path)),
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
    if who.grant(Right::ReadCases).is_ok() {
        if let Some(u) = scope_unit.as_ref().filter(|u| u.kind.steers()) {
            if let Ok((_, rows)) =
                crate::cases::service::watch_list(state, who, Some(&u.code)).await
            {
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
    let stages_overdue = match who.grant(Right::ReadCases) {
        Ok(g) => {
            let v = Viewer {
                user: who.user.id,
                scope: g.scope().clone(),
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
    let fields = if open_alerts.is_empty() {
        Vec::new()
    } else {
        drop(c);
        let f = crate::petitions::present::field_names(state, tr).await?;
        c = state.store.conn().await?;
        f
    };
    let hotspots = open_alerts
        .iter()
        .take(10)
        .map(|a| crate::hotspots::pages::row(a, tr, &fields))
        .collect();
    drop(c);
    // The committees' work in the period so far (a task due later in the
    // period is not overdue yet).
    let committee = if who.can(Right::ReadCommitteeWork) {
        let to = req.period.to.min(today());
        let f = crate::committee::service::figures(
            state,
            who,
            Some(&unit.code),
            req.period.from,
            to.max(req.period.from),
        )
        .await?;
        let sentence = crate::committee::service::summary(tr, &f);
        let (due_soon, _) =
            crate::committee::service::open_standing(state, who, &unit.code).await?;
        Some((f, sentence, due_soon))
    } else {
        None
    };
    Ok(DashTpl {
        tr: tr.clone(),
        user: None,
        csrf: String::new(),
        unit_code: unit.code.clone(),
        unit_name: unit.name.clone(),
        period_label: req.period.label.clone(),
        period_title: tr.period(&req.period),
        period_from: tr.date(req.period.from),
        period_to: tr.date(req.period.to),
        before_label: tr.period(&before_req.period),
        figures,
        summary: summary_text(tr, &unit.name, &now),
        charts,
        tiles,
        children,
        targets,
        stages_overdue,
        committee,
        units: pick_list(&tree, who),
        qs,
        hotspots,
    })
}
