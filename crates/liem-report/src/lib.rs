//! Liêm's reports: the standard forms computed from the stored facts for a
//! period and a scope, rolled up the unit tree, checked against their own
//! arithmetic; exported to Excel and CSV; charts as SVG.
//!
//! The counting rules live in the domain crate ([`liem_domain::forms`]);
//! the database aggregates them per unit ([`liem_store::stats`]); this crate
//! groups the units into the rows of a report — the children of the scope,
//! each with its whole subtree, and the scope's own facts — on the tree as it
//! stood or on today's tree.

pub mod chart;
mod column;
pub mod export;
pub mod model;
pub mod snapshot;
pub mod tree;

use jiff::civil::Date;
use liem_domain::case::{count, CaseRecord};
use liem_domain::forms::all_forms;
use liem_domain::ids::UnitId;
use liem_domain::stats::{CheckFailure, Form, Period, Rule, Source, Span, Val};
use liem_store::cases::Viewer;
use liem_store::db::AsExec;
use liem_store::stats::{self, Record};
pub use model::{Model, ModelStats, Restored};
use serde::Serialize;
use std::collections::HashMap;
pub use tree::{Tree, TreeMode};

/// A failure to produce a report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The storage failed.
    #[error(transparent)]
    Store(#[from] liem_store::StoreError),
    /// A snapshot of the model could not be read or written.
    #[error("the statistics model's snapshot: {0}")]
    Snapshot(String),
    /// No such form.
    #[error("form {0:?} does not exist; `liem report --list` names the forms")]
    UnknownForm(String),
    /// No such column.
    #[error("form {form} has no column {column:?}")]
    UnknownColumn {
        /// Form.
        form: String,
        /// Column asked for.
        column: String,
    },
    /// The unit is not in the report.
    #[error("unit {0:?} is not a row of this report")]
    NotARow(String),
}

/// A unit as a report names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitRef {
    /// Id.
    pub id: UnitId,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
}

/// One row: a unit with its subtree, or the scope's own facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportRow {
    /// The unit.
    pub unit: UnitRef,
    /// Whether this row holds the scope unit's own facts only.
    pub own: bool,
    /// One value per column.
    pub cells: Vec<i64>,
}

/// A computed report.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Report {
    /// Form code.
    pub form: String,
    /// Its legal basis.
    pub basis: String,
    /// Period.
    pub period: Period,
    /// Tree mode.
    pub tree: TreeMode,
    /// The unit the report covers.
    pub unit: UnitRef,
    /// Column codes.
    pub columns: Vec<String>,
    /// Rows: the scope's own facts first, then each child with its subtree.
    pub rows: Vec<ReportRow>,
    /// The total row.
    pub total: Vec<i64>,
    /// Broken arithmetic, naming the cell (empty when the report holds).
    pub failures: Vec<CheckFailure>,
    /// The change-feed position the figures were computed at.
    pub data_version: i64,
    /// The signed checkpoint of the audit chain the figures were computed
    /// under (set by whoever issues the report; printed in its footer, so
    /// that a paper copy anchors the chain).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<String>,
}

impl Report {
    /// A total by column code.
    pub fn get(&self, column: &str) -> Option<i64> {
        let i = self.columns.iter().position(|c| c == column)?;
        self.total.get(i).copied()
    }
}

/// A form by code, or the error naming the forms.
pub fn form(code: &str) -> Result<&'static Form, ReportError> {
    liem_domain::forms::form(code).ok_or_else(|| ReportError::UnknownForm(code.to_owned()))
}

fn unit_ref(tree: &Tree, id: UnitId) -> UnitRef {
    match tree.get(id) {
        Some(u) => UnitRef {
            id,
            code: u.code.clone(),
            name: u.name.clone(),
        },
        None => UnitRef {
            id,
            code: id.to_string(),
            name: String::new(),
        },
    }
}

/// Lays per-unit values out as a report on `scope`: one row for the
/// scope's own facts, one per child (with its subtree) that existed in the
/// tree mode or has facts, and the total; then checks every row.
#[allow(clippy::too_many_arguments)]
pub fn assemble(
    form: &Form,
    tree: &Tree,
    mode: TreeMode,
    scope: UnitId,
    period: &Period,
    today: Date,
    per_unit: &HashMap<UnitId, Vec<i64>>,
    data_version: i64,
) -> Report {
    let n = form.columns.len();
    let mut order = vec![scope];
    order.extend(tree.children(scope, mode, period.from, period.to, today));
    let mut sums: HashMap<UnitId, Vec<i64>> = order.iter().map(|u| (*u, vec![0; n])).collect();
    let mut units: Vec<(&UnitId, &Vec<i64>)> = per_unit.iter().collect();
    units.sort_by_key(|(u, _)| **u);
    for (unit, cells) in units {
        let Some(row) = tree.row_of(*unit, scope, mode) else {
            continue;
        };
        if !sums.contains_key(&row) && cells.iter().all(|v| *v == 0) {
            // A unit outside the tree of the period with nothing to count
            // gets no row.
            continue;
        }
        let acc = sums.entry(row).or_insert_with(|| {
            order.push(row);
            vec![0; n]
        });
        for (a, v) in acc.iter_mut().zip(cells) {
            *a += v;
        }
    }
    let mut total = vec![0; n];
    let rows: Vec<ReportRow> = order
        .iter()
        .map(|u| {
            let cells = sums.remove(u).unwrap_or_else(|| vec![0; n]);
            for (t, v) in total.iter_mut().zip(&cells) {
                *t += v;
            }
            ReportRow {
                unit: unit_ref(tree, *u),
                own: *u == scope,
                cells,
            }
        })
        .collect();
    let mut failures = Vec::new();
    for r in &rows {
        let label = if r.own {
            format!("{} (own)", r.unit.code)
        } else {
            r.unit.code.clone()
        };
        failures.extend(form.check_row(&label, &r.cells));
    }
    failures.extend(form.check_row("total", &total));
    Report {
        form: form.code.to_owned(),
        basis: form.basis.to_owned(),
        period: period.clone(),
        tree: mode,
        unit: unit_ref(tree, scope),
        columns: form.columns.iter().map(|c| c.code.to_owned()).collect(),
        rows,
        total,
        failures,
        data_version,
        checkpoint: None,
    }
}

/// Per-unit values of a form's case columns.
fn case_cells<'a>(
    form: &Form,
    cases: impl IntoIterator<Item = &'a (UnitId, CaseRecord)>,
    span: Span,
    out: &mut HashMap<UnitId, Vec<i64>>,
) {
    if !form.needs_cases() {
        return;
    }
    let mut by_unit: HashMap<UnitId, Vec<&CaseRecord>> = HashMap::new();
    for (u, c) in cases {
        by_unit.entry(*u).or_default().push(c);
    }
    let n = form.columns.len();
    for (u, list) in by_unit {
        let figures = count(&list, span.from, span.to);
        let cells = out.entry(u).or_insert_with(|| vec![0; n]);
        for (i, c) in form.columns.iter().enumerate() {
            if let Rule::Case(cell) = c.rule {
                cells[i] = cell.of(&figures);
            }
        }
    }
}

/// Per-unit values of a form computed here, in Rust, from fact rows — the
/// same rules the database evaluates. The property tests and the store's
/// conformance test use it to check the SQL.
pub fn per_unit_from_rows(
    form: &Form,
    facts: &[(Source, UnitId, Vec<Val>)],
    cases: &[(UnitId, CaseRecord)],
    span: Span,
) -> HashMap<UnitId, Vec<i64>> {
    let n = form.columns.len();
    let mut out: HashMap<UnitId, Vec<i64>> = HashMap::new();
    for (source, unit, row) in facts {
        for (i, c) in form.columns.iter().enumerate() {
            let v = c.rule.value_of(*source, row, span);
            if v != 0 {
                out.entry(*unit).or_insert_with(|| vec![0; n])[i] += v;
            }
        }
    }
    case_cells(form, cases, span, &mut out);
    out
}

/// Loads the unit tree and its merger map.
pub async fn load_tree(ex: &mut impl AsExec) -> Result<Tree, ReportError> {
    let units = liem_store::units::list(&mut *ex).await?;
    let mergers = stats::mergers(ex).await?;
    Ok(Tree::new(units, &mergers))
}

/// The columns of `forms` counted over `source`: (form, column, rule).
fn columns_over<'a>(forms: &[&'a Form], source: Source) -> Vec<(usize, usize, &'a Rule)> {
    let mut wanted = Vec::new();
    for (fi, f) in forms.iter().enumerate() {
        for (ci, c) in f.columns.iter().enumerate() {
            if matches!(&c.rule, Rule::Facts { source: s, .. } if *s == source) {
                wanted.push((fi, ci, &c.rule));
            }
        }
    }
    wanted
}

/// Per-unit values of several forms at once, computed by the database: one
/// aggregate query per fact source for all their columns, and the cases
/// loaded once. The reports use the in-memory [`Model`]; this path is the
/// reference the model is checked against.
pub async fn per_unit_sql(
    ex: &mut impl AsExec,
    forms: &[&Form],
    span: Span,
    units: Option<&[UnitId]>,
    list: Option<&stats::Monitored>,
) -> Result<Vec<HashMap<UnitId, Vec<i64>>>, ReportError> {
    let mut out: Vec<HashMap<UnitId, Vec<i64>>> = vec![HashMap::new(); forms.len()];
    for source in Source::ALL {
        // (form index, column index, rule) of every column over this source.
        let wanted = columns_over(forms, *source);
        if wanted.is_empty() {
            continue;
        }
        let rules: Vec<&Rule> = wanted.iter().map(|w| w.2).collect();
        let values = stats::aggregate(&mut *ex, *source, &rules, span, units, list).await?;
        for (unit, vals) in values {
            for ((fi, ci, _), v) in wanted.iter().zip(vals) {
                let n = forms[*fi].columns.len();
                out[*fi].entry(unit).or_insert_with(|| vec![0; n])[*ci] = v;
            }
        }
    }
    if forms.iter().any(|f| f.needs_cases()) {
        let cases = stats::cases_by_unit(&mut *ex, units, list).await?;
        for (fi, f) in forms.iter().enumerate() {
            case_cells(f, &cases, span, &mut out[fi]);
        }
    }
    Ok(out)
}

/// Per-unit values of several forms at once, from the in-memory model
/// (refreshed first): each source's rows read once for all their columns.
/// While the model is being loaded the database counts them
/// ([`per_unit_sql`]: the same figures), so that no request waits for the
/// load.
pub async fn per_unit(
    ex: &mut impl AsExec,
    model: &Model,
    forms: &[&Form],
    span: Span,
    units: Option<&[UnitId]>,
) -> Result<(Vec<HashMap<UnitId, Vec<i64>>>, i64), ReportError> {
    let viewed = model
        .try_view(&mut *ex, |view| forms_of(view, forms, span, units))
        .await?;
    match viewed {
        Some(v) => Ok(v),
        None => {
            let version = stats::data_version(&mut *ex).await?;
            Ok((per_unit_sql(ex, forms, span, units, None).await?, version))
        }
    }
}

/// Per-unit values of several forms from a view of the model.
fn forms_of(
    view: &model::View<'_>,
    forms: &[&Form],
    span: Span,
    units: Option<&[UnitId]>,
) -> Vec<HashMap<UnitId, Vec<i64>>> {
    let mut out: Vec<HashMap<UnitId, Vec<i64>>> = vec![HashMap::new(); forms.len()];
    for source in Source::ALL {
        let wanted = columns_over(forms, *source);
        if wanted.is_empty() {
            continue;
        }
        let rules: Vec<(&Rule, Span)> = wanted.iter().map(|w| (w.2, span)).collect();
        for (unit, vals) in view.aggregate(*source, &rules, units) {
            for ((fi, ci, _), v) in wanted.iter().zip(vals) {
                let n = forms[*fi].columns.len();
                out[*fi].entry(unit).or_insert_with(|| vec![0; n])[*ci] = v;
            }
        }
    }
    if forms.iter().any(|f| f.needs_cases()) {
        let cases = view.cases(units);
        for (fi, f) in forms.iter().enumerate() {
            case_cells(f, cases.iter().copied(), span, &mut out[fi]);
        }
    }
    out
}

/// The model's figures of fact rows given here rather than read from a
/// database (no cases): what the property tests hold against
/// [`per_unit_from_rows`] on many rows. Not for the server.
#[doc(hidden)]
pub fn per_unit_of_facts(
    forms: &[&Form],
    facts: &[(Source, UnitId, Vec<Val>)],
    span: Span,
    units: Option<&[UnitId]>,
) -> Vec<HashMap<UnitId, Vec<i64>>> {
    let state = model::State::of_facts(facts);
    forms_of(&model::View::of(&state), forms, span, units)
}

/// Per-unit values of rules over sources, each rule over its own period
/// (a trend by month): `(source, rules)` in, one map per pair out, from
/// one consistent view of the model, or counted by the database while the
/// model is being loaded.
pub async fn per_unit_spans(
    ex: &mut impl AsExec,
    model: &Model,
    asked: &[(Source, &[(&Rule, Span)])],
    units: Option<&[UnitId]>,
) -> Result<Vec<model::PerUnit>, ReportError> {
    let viewed = model
        .try_view(&mut *ex, |view| {
            asked
                .iter()
                .map(|(source, rules)| view.aggregate(*source, rules, units))
                .collect::<Vec<_>>()
        })
        .await?;
    if let Some((out, _)) = viewed {
        return Ok(out);
    }
    spans_sql(ex, asked, units).await
}

/// [`per_unit_spans`]'s figures counted by the database (while the model
/// is being loaded).
async fn spans_sql(
    ex: &mut impl AsExec,
    asked: &[(Source, &[(&Rule, Span)])],
    units: Option<&[UnitId]>,
) -> Result<Vec<model::PerUnit>, ReportError> {
    let mut out = Vec::with_capacity(asked.len());
    for (source, rules) in asked {
        out.push(stats::aggregate_spans(&mut *ex, *source, rules, units, None).await?);
    }
    Ok(out)
}

/// What a report is asked for.
#[derive(Debug, Clone)]
pub struct Request {
    /// The period.
    pub period: Period,
    /// The unit it covers (its subtree).
    pub scope: UnitId,
    /// Which tree.
    pub mode: TreeMode,
    /// Today (for today's tree).
    pub today: Date,
    /// Only a steering committee's monitored list (cases it monitored during
    /// the period); the rows are then laid out from `scope` as usual.
    pub committee: Option<UnitId>,
}

impl Request {
    fn list(&self) -> Option<stats::Monitored> {
        self.committee.map(|committee| stats::Monitored {
            committee,
            span: self.period.span(),
        })
    }
}

/// Computes forms for one period and scope.
pub async fn compute(
    ex: &mut impl AsExec,
    model: &Model,
    tree: &Tree,
    forms: &[&Form],
    req: &Request,
) -> Result<Vec<Report>, ReportError> {
    let units = tree.units_in(req.scope, req.mode);
    let (values, data_version) = match req.list() {
        // A committee's list is small: the database filters and counts it.
        Some(list) => {
            let version = stats::data_version(&mut *ex).await?;
            let v =
                per_unit_sql(ex, forms, req.period.span(), units.as_deref(), Some(&list)).await?;
            (v, version)
        }
        None => per_unit(ex, model, forms, req.period.span(), units.as_deref()).await?,
    };
    Ok(forms
        .iter()
        .zip(values)
        .map(|(f, v)| assemble_for(f, tree, req, &v, data_version))
        .collect())
}

/// One form for several periods of one scope, and figures of rules over
/// their own spans (a dashboard's key figures now and a year before, and
/// its monthly trends), all from one view of the model: each source's rows
/// are gathered once and counted for everything asked in as few passes as
/// the rules' leaves allow, where [`compute`] and [`per_unit_spans`] called
/// one after the other gathered and counted them for each call. While the
/// model is being loaded the database counts them (the same figures).
///
/// Every request must have the same scope and tree and no committee list
/// (a committee's list is counted by the database: use [`compute`]).
pub async fn compute_periods(
    ex: &mut impl AsExec,
    model: &Model,
    tree: &Tree,
    form: &Form,
    reqs: &[Request],
    asked: &[(Source, &[(&Rule, Span)])],
) -> Result<(Vec<Report>, Vec<model::PerUnit>), ReportError> {
    let Some(first) = reqs.first() else {
        return Ok((Vec::new(), per_unit_spans(ex, model, asked, None).await?));
    };
    assert!(
        reqs.iter()
            .all(|r| r.scope == first.scope && r.mode == first.mode && r.committee.is_none()),
        "compute_periods: one scope and tree, no committee list"
    );
    let units = tree.units_in(first.scope, first.mode);
    let spans: Vec<Span> = reqs.iter().map(|r| r.period.span()).collect();
    let viewed = model
        .try_view(&mut *ex, |view| {
            periods_of(view, form, &spans, asked, units.as_deref())
        })
        .await?;
    let ((values, extra), version) = match viewed {
        Some(v) => v,
        None => {
            let version = stats::data_version(&mut *ex).await?;
            let mut values = Vec::with_capacity(spans.len());
            for span in &spans {
                let mut v = per_unit_sql(&mut *ex, &[form], *span, units.as_deref(), None).await?;
                values.push(v.pop().unwrap_or_default());
            }
            let extra = spans_sql(ex, asked, units.as_deref()).await?;
            ((values, extra), version)
        }
    };
    let reports = reqs
        .iter()
        .zip(values)
        .map(|(req, v)| assemble_for(form, tree, req, &v, version))
        .collect();
    Ok((reports, extra))
}

/// Per-unit values of one form over each span, and of each asked list of
/// rules, from a view: one aggregate per source for all of them.
fn periods_of(
    view: &model::View<'_>,
    form: &Form,
    spans: &[Span],
    asked: &[(Source, &[(&Rule, Span)])],
    units: Option<&[UnitId]>,
) -> (Vec<HashMap<UnitId, Vec<i64>>>, Vec<model::PerUnit>) {
    let width = form.columns.len();
    let mut out: Vec<HashMap<UnitId, Vec<i64>>> = vec![HashMap::new(); spans.len()];
    let mut extra: Vec<model::PerUnit> = vec![model::PerUnit::new(); asked.len()];
    for source in Source::ALL {
        let wanted = columns_over(&[form], *source);
        let mut rules: Vec<(&Rule, Span)> = Vec::new();
        for span in spans {
            rules.extend(wanted.iter().map(|w| (w.2, *span)));
        }
        let own = rules.len();
        let mine: Vec<usize> = (0..asked.len())
            .filter(|i| asked[*i].0 == *source)
            .collect();
        for i in &mine {
            rules.extend(asked[*i].1.iter().copied());
        }
        if rules.is_empty() {
            continue;
        }
        for (unit, vals) in view.aggregate(*source, &rules, units) {
            if !wanted.is_empty() {
                for (si, part) in vals[..own].chunks(wanted.len()).enumerate() {
                    let row = out[si].entry(unit).or_insert_with(|| vec![0; width]);
                    for ((_, ci, _), v) in wanted.iter().zip(part) {
                        row[*ci] = *v;
                    }
                }
            }
            let mut at = own;
            for i in &mine {
                let k = asked[*i].1.len();
                extra[*i].insert(unit, vals[at..at + k].to_vec());
                at += k;
            }
        }
    }
    if form.needs_cases() {
        let cases = view.cases(units);
        for (si, span) in spans.iter().enumerate() {
            case_cells(form, cases.iter().copied(), *span, &mut out[si]);
        }
    }
    (out, extra)
}

/// [`compute_periods`]'s figures of fact rows given here (no cases), and
/// the same figures asked one call at a time: what a test holds equal.
/// Not for the server.
#[doc(hidden)]
#[allow(clippy::type_complexity)]
pub fn periods_of_facts(
    form: &Form,
    facts: &[(Source, UnitId, Vec<Val>)],
    spans: &[Span],
    asked: &[(Source, &[(&Rule, Span)])],
    units: Option<&[UnitId]>,
) -> (
    (Vec<HashMap<UnitId, Vec<i64>>>, Vec<model::PerUnit>),
    (Vec<HashMap<UnitId, Vec<i64>>>, Vec<model::PerUnit>),
) {
    let state = model::State::of_facts(facts);
    let view = model::View::of(&state);
    let together = periods_of(&view, form, spans, asked, units);
    let apart = (
        spans
            .iter()
            .map(|s| {
                forms_of(&view, &[form], *s, units)
                    .pop()
                    .unwrap_or_default()
            })
            .collect(),
        asked
            .iter()
            .map(|(source, rules)| view.aggregate(*source, rules, units))
            .collect(),
    );
    (together, apart)
}

/// A form's report for a request, from its per-unit values.
fn assemble_for(
    form: &Form,
    tree: &Tree,
    req: &Request,
    values: &HashMap<UnitId, Vec<i64>>,
    data_version: i64,
) -> Report {
    assemble(
        form,
        tree,
        req.mode,
        req.scope,
        &req.period,
        req.today,
        values,
        data_version,
    )
}

/// Every standard form for one period and scope.
pub async fn compute_all(
    ex: &mut impl AsExec,
    model: &Model,
    tree: &Tree,
    req: &Request,
) -> Result<Vec<Report>, ReportError> {
    let forms: Vec<&Form> = all_forms().iter().collect();
    compute(ex, model, tree, &forms, req).await
}

/// The records behind one figure: the cell of `column` in the row of
/// `row_unit` (the scope itself means its own facts; `None` means the total).
pub struct Drill<'a> {
    /// The form.
    pub form: &'a Form,
    /// The column code.
    pub column: &'a str,
    /// The request the report was made with.
    pub req: &'a Request,
    /// The row's unit, or `None` for the total row.
    pub row: Option<UnitId>,
    /// Who asks (lists follow visibility).
    pub viewer: &'a Viewer,
    /// At most this many records.
    pub limit: u32,
}

/// The records behind a figure, and how many the figure counts in all
/// (some may be restricted cases the viewer does not see).
pub async fn drill(
    ex: &mut impl AsExec,
    tree: &Tree,
    d: &Drill<'_>,
) -> Result<(Vec<Record>, i64), ReportError> {
    let col = d
        .form
        .columns
        .iter()
        .find(|c| c.code == d.column)
        .ok_or_else(|| ReportError::UnknownColumn {
            form: d.form.code.to_owned(),
            column: d.column.to_owned(),
        })?;
    let scope = d.req.scope;
    let mode = d.req.mode;
    let units: Option<Vec<UnitId>> = match d.row {
        None => tree.units_in(scope, mode),
        Some(r) if r == scope => Some(
            tree.units_in(scope, mode)
                .unwrap_or_else(|| all_units(tree))
                .into_iter()
                .filter(|u| tree.attribute(*u, mode) == scope)
                .collect(),
        ),
        Some(r) => {
            let rows_of = tree
                .units_in(scope, mode)
                .unwrap_or_else(|| all_units(tree));
            let picked: Vec<UnitId> = rows_of
                .into_iter()
                .filter(|u| tree.row_of(*u, scope, mode) == Some(r))
                .collect();
            if picked.is_empty() && tree.get(r).is_none() {
                return Err(ReportError::NotARow(r.to_string()));
            }
            Some(picked)
        }
    };
    let span = d.req.period.span();
    match &col.rule {
        Rule::Facts { source, cond, .. } => Ok(stats::records(
            ex,
            *source,
            cond,
            span,
            units.as_deref(),
            d.viewer,
            d.limit,
            d.req.list().as_ref(),
        )
        .await?),
        Rule::Case(cell) => {
            let list = d.req.list();
            let all = stats::cases_by_unit(&mut *ex, units.as_deref(), list.as_ref()).await?;
            let counted =
                |c: &CaseRecord| cell.of(&count(std::slice::from_ref(c), span.from, span.to));
            let total: i64 = all.iter().filter(|(_, c)| counted(c) > 0).count() as i64;
            let refs =
                stats::visible_case_refs(ex, d.viewer, units.as_deref(), list.as_ref()).await?;
            let mut out: Vec<Record> = all
                .iter()
                .filter(|(_, c)| counted(c) > 0)
                .filter_map(|(u, c)| {
                    refs.get(&c.id).map(|reference| Record {
                        entity: "case",
                        id: c.id,
                        reference: reference.clone(),
                        date: c.prosecuted_on,
                        unit_id: *u,
                        case_id: Some(c.id),
                        link_id: Some(c.id),
                    })
                })
                .collect();
            out.sort_by(|a, b| b.date.cmp(&a.date).then(a.reference.cmp(&b.reference)));
            out.truncate(d.limit as usize);
            Ok((out, total))
        }
    }
}

fn all_units(tree: &Tree) -> Vec<UnitId> {
    tree.all_ids()
}
