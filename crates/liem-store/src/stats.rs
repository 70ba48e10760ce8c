//! Statistics: the fact sources of the domain's counting rules as SQL, the
//! per-unit aggregation the forms are built from, the records behind a
//! figure, the merger map, and issued (frozen) reports.
//!
//! The database does the counting: one `GROUP BY unit` query per fact
//! source, with one `SUM(CASE WHEN … )` column per rule, the condition
//! rendered from the domain's [`Cond`]. Rows come back per unit; the report
//! crate rolls them up the tree.

use crate::cases::{case_records, Viewer};
use crate::db::{query, AsExec, Filter, Row, Value};
use crate::{audit, now, outbox, Result, StoreError, Tx};
use jiff::civil::Date;
use liem_domain::case::CaseRecord;
use liem_domain::ids::{UnitId, UserId};
use liem_domain::stats::{Col, Cond, Measure, Rule, Source, Span, Ty, Val};
use serde::Serialize;
use std::collections::HashMap;

/// How a fact source reads in SQL: its FROM clause, the unit each row is
/// attributed to, and each column's expression. Sources about cases join
/// the cases table as `c`, so that the visibility rule applies to them.
struct SourceSql {
    from: &'static str,
    unit: &'static str,
    /// The expression of the fact row's own id (a letter or matter counts
    /// once at each unit that held it: one row per stay).
    row: &'static str,
    /// The expression of the row's id and of its human reference.
    id: &'static str,
    reference: &'static str,
    /// The date shown in lists.
    date: &'static str,
    /// The id of the page that shows it (a letter, a case).
    link: &'static str,
    /// The case it belongs to, for the visibility rule.
    case: bool,
}

fn source_sql(s: Source) -> SourceSql {
    match s {
        Source::Letter => SourceSql {
            from: LETTER_STAYS,
            unit: "t.unit_id",
            row: "t.row_id",
            id: "t.id",
            reference: "t.reference",
            date: "t.received_on",
            link: "t.id",
            case: false,
        },
        Source::Matter => SourceSql {
            from: MATTER_STAYS,
            unit: "t.unit_id",
            row: "t.row_id",
            id: "t.id",
            reference: "t.reference",
            date: "t.received_on",
            link: "(SELECT lm.letter_id FROM letter_matters lm WHERE lm.matter_id = t.id ORDER BY lm.letter_id LIMIT 1)",
            case: false,
        },
        Source::Session => SourceSql {
            from: "reception_sessions t",
            unit: "t.unit_id",
            row: "t.id",
            id: "t.id",
            reference: "t.host_name",
            date: "t.held_on",
            link: "NULL",
            case: false,
        },
        Source::Visit => SourceSql {
            from: "reception_visits v JOIN reception_sessions t ON t.id = v.session_id",
            unit: "t.unit_id",
            row: "v.id",
            id: "v.id",
            reference: "t.host_name",
            date: "t.held_on",
            link: "NULL",
            case: false,
        },
        Source::Asset => SourceSql {
            from: "asset_events t JOIN cases c ON c.id = t.case_id",
            unit: "c.unit_id",
            row: "t.id",
            id: "t.id",
            reference: "c.reference",
            date: "t.on_date",
            link: "c.id",
            case: true,
        },
        Source::Monitoring => SourceSql {
            from: "monitorings t JOIN cases c ON c.id = t.case_id",
            unit: "t.committee_id",
            row: "t.id",
            id: "t.id",
            reference: "c.reference",
            date: "t.added_on",
            link: "c.id",
            case: true,
        },
        Source::Target => SourceSql {
            from: "monitoring_targets t JOIN monitorings mo ON mo.id = t.monitoring_id JOIN cases c ON c.id = mo.case_id",
            unit: "mo.committee_id",
            row: "t.id",
            id: "t.id",
            reference: "c.reference",
            date: "t.due_on",
            link: "c.id",
            case: true,
        },
        Source::Sanction => SourceSql {
            from: "sanctions t LEFT JOIN cases c ON c.id = t.case_id \
                   LEFT JOIN persons pe ON pe.id = t.person_id \
                   LEFT JOIN organisations o ON o.id = t.organisation_id",
            unit: "COALESCE(c.unit_id, pe.unit_id, o.unit_id)",
            row: "t.id",
            id: "t.id",
            reference: "COALESCE(c.reference, pe.full_name, o.name)",
            date: "t.decided_on",
            link: "c.id",
            case: true,
        },
    }
}

/// Letters, one row per stay at a unit. The unit holding a letter counts it
/// from the day it arrived (its receipt, or its last transfer: then as
/// forwarded), processed when it classified it there; each unit it left
/// counts it as its departure recorded it (received when it arrived there,
/// processed at the latest when it left). A stay's row id is the letter's
/// for the unit holding it, the transfer's for a unit it left.
const LETTER_STAYS: &str = "(SELECT l.id AS id, l.id AS row_id, l.unit_id AS unit_id, l.reference AS reference, \
       COALESCE(a.arrived_on, l.received_on) AS received_on, l.kinds AS kinds, \
       CASE WHEN a.arrived_on IS NULL THEN l.channel ELSE 'forwarded' END AS channel, l.field_code AS field_code, \
       l.sender_kind AS sender_kind, l.collective AS collective, \
       CASE WHEN a.arrived_on IS NULL OR l.processed_on >= a.arrived_on THEN l.processed_on END AS processed_on, \
       CASE WHEN a.arrived_on IS NULL OR l.processed_on >= a.arrived_on THEN l.eligible END AS eligible, \
       CASE WHEN a.arrived_on IS NULL OR l.processed_on >= a.arrived_on THEN l.competent END AS competent \
     FROM letters l LEFT JOIN (SELECT letter_id, MAX(on_date) AS arrived_on FROM letter_departures GROUP BY letter_id) a \
       ON a.letter_id = l.id \
     UNION ALL \
     SELECT l.id, d.transfer_id, d.unit_id, l.reference, d.arrived_on, l.kinds, \
       CASE WHEN d.seq = 1 THEN l.channel ELSE 'forwarded' END, l.field_code, l.sender_kind, l.collective, \
       d.processed_on, d.eligible, d.competent \
     FROM letter_departures d JOIN letters l ON l.id = d.letter_id) t";

/// Matters, one row per stay at a unit, as [`LETTER_STAYS`]: the unit
/// holding a matter counts what it did since it arrived (a matter accepted
/// before is in its resolution from the day it arrived); a unit it left
/// counts it as it stood when it left, closed there on that day.
const MATTER_STAYS: &str = "(SELECT m.id AS id, m.id AS row_id, m.unit_id AS unit_id, m.reference AS reference, \
       m.kind AS kind, m.field_code AS field_code, m.state AS state, \
       COALESCE(a.arrived_on, m.received_on) AS received_on, \
       CASE WHEN a.arrived_on IS NULL OR m.classified_on >= a.arrived_on THEN m.classified_on END AS classified_on, \
       CASE WHEN a.arrived_on IS NULL OR m.classified_on >= a.arrived_on THEN m.eligible END AS eligible, \
       CASE WHEN a.arrived_on IS NULL OR m.classified_on >= a.arrived_on THEN m.competent END AS competent, \
       CASE WHEN a.arrived_on IS NULL OR m.classified_on >= a.arrived_on THEN m.round END AS round, \
       CASE WHEN a.arrived_on IS NULL OR m.accepted_on >= a.arrived_on THEN m.accepted_on \
            WHEN m.accepted_on IS NOT NULL THEN a.arrived_on END AS accepted_on, \
       CASE WHEN a.arrived_on IS NULL OR m.concluded_on >= a.arrived_on THEN m.concluded_on END AS concluded_on, \
       CASE WHEN a.arrived_on IS NULL OR m.concluded_on >= a.arrived_on THEN m.outcome END AS outcome, \
       CASE WHEN a.arrived_on IS NULL OR m.concluded_on >= a.arrived_on THEN m.late END AS late, \
       CASE WHEN a.arrived_on IS NULL OR m.closed_on >= a.arrived_on THEN m.closed_on END AS closed_on, \
       m.due_on AS due_on \
     FROM matters m LEFT JOIN (SELECT matter_id, MAX(on_date) AS arrived_on FROM matter_departures GROUP BY matter_id) a \
       ON a.matter_id = m.id \
     UNION ALL \
     SELECT m.id, d.id, d.unit_id, m.reference, m.kind, m.field_code, d.state, d.arrived_on, d.classified_on, \
       d.eligible, d.competent, d.round, d.accepted_on, d.concluded_on, d.outcome, d.late, d.closed_on, d.due_on \
     FROM matter_departures d JOIN matters m ON m.id = d.matter_id) t";

/// A column's SQL expression.
fn col_sql(c: Col) -> String {
    use Col::*;
    match c {
        LetterAnonymous => "(t.sender_kind = 'anonymous')".into(),
        VisitPeople => "v.people".into(),
        VisitDelegation => "v.delegation".into(),
        VisitHeld => "t.held_on".into(),
        VisitSessionKind => "t.kind".into(),
        VisitHost => "t.host".into(),
        VisitFirst => "(SELECT COUNT(*) FROM reception_matters rm WHERE rm.visit_id = v.id AND rm.repeat = FALSE)".into(),
        VisitRepeat => "(SELECT COUNT(*) FROM reception_matters rm WHERE rm.visit_id = v.id AND rm.repeat = TRUE)".into(),
        VisitMatters => "(SELECT COUNT(*) FROM reception_matters rm WHERE rm.visit_id = v.id)".into(),
        VisitComplaints => kind_count("complaint"),
        VisitDenunciations => kind_count("denunciation"),
        VisitRecommendations => kind_count("recommendation"),
        VisitReflections => kind_count("reflection"),
        MonitoringCaseKind => "c.kind".into(),
        TargetRemoved => "mo.removed_on".into(),
        other => format!("t.{}", other.name()),
    }
}

fn kind_count(kind: &str) -> String {
    format!("(SELECT COUNT(*) FROM reception_matters rm WHERE rm.visit_id = v.id AND rm.kind = '{kind}')")
}

/// A steering committee's monitored list over a period: the cases it
/// monitored at some time during the period. As a scope of the figures it
/// keeps the rows of those cases (their assets and sanctions), the
/// committee's own monitorings and targets, and nothing of the petitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Monitored {
    /// The committee.
    pub committee: UnitId,
    /// The period.
    pub span: Span,
}

const LISTED: &str = "c.id IN (SELECT ml.case_id FROM monitorings ml WHERE ml.committee_id = ? \
     AND ml.added_on <= ? AND (ml.removed_on IS NULL OR ml.removed_on >= ?))";

fn listed(f: &mut Filter, m: &Monitored) {
    f.and(
        LISTED,
        vec![m.committee.0.into(), m.span.to.into(), m.span.from.into()],
    );
}

/// Restricts a source's rows to a committee's monitored list.
fn list_filter(f: &mut Filter, source: Source, m: &Monitored) {
    match source {
        Source::Letter | Source::Matter | Source::Session | Source::Visit => f.and("1 = 0", vec![]),
        Source::Monitoring => f.and("t.committee_id = ?", vec![m.committee.0.into()]),
        Source::Target => f.and("mo.committee_id = ?", vec![m.committee.0.into()]),
        Source::Asset | Source::Sanction => listed(f, m),
    }
}

/// Restricts rows to the given units (all units when `None`).
fn unit_filter(f: &mut Filter, unit_expr: &str, units: Option<&[UnitId]>) {
    if let Some(units) = units {
        if units.is_empty() {
            f.and("1 = 0", vec![]);
            return;
        }
        let marks = vec!["?"; units.len()].join(", ");
        f.and(
            &format!("{unit_expr} IN ({marks})"),
            units.iter().map(|u| Value::from(u.0)).collect(),
        );
    }
}

/// Per-unit values of `rules` (all over `source`) for the period: one
/// aggregate query. Units without rows are absent.
pub async fn aggregate(
    ex: &mut impl AsExec,
    source: Source,
    rules: &[&Rule],
    span: Span,
    units: Option<&[UnitId]>,
    list: Option<&Monitored>,
) -> Result<HashMap<UnitId, Vec<i64>>> {
    let with_span: Vec<(&Rule, Span)> = rules.iter().map(|r| (*r, span)).collect();
    aggregate_spans(ex, source, &with_span, units, list).await
}

/// Like [`aggregate`], each rule over its own period (a trend by month is
/// one query).
pub async fn aggregate_spans(
    ex: &mut impl AsExec,
    source: Source,
    rules: &[(&Rule, Span)],
    units: Option<&[UnitId]>,
    list: Option<&Monitored>,
) -> Result<HashMap<UnitId, Vec<i64>>> {
    let ss = source_sql(source);
    let mut cols = Vec::with_capacity(rules.len());
    for (i, (r, span)) in rules.iter().enumerate() {
        let span = *span;
        let Rule::Facts {
            source: s,
            measure,
            cond,
        } = r
        else {
            return Err(StoreError::Corrupt("a case rule is not a fact rule".into()));
        };
        if *s != source {
            return Err(StoreError::Corrupt(format!(
                "rule over {s:?} asked of {source:?}"
            )));
        }
        let value = match measure {
            Measure::Count => "1".to_owned(),
            Measure::Sum(c) => format!("COALESCE({}, 0)", col_sql(*c)),
        };
        cols.push(format!(
            "CAST(COALESCE(SUM(CASE WHEN {} THEN {value} ELSE 0 END), 0) AS BIGINT) AS c{i}",
            cond.to_sql(span, &col_sql)
        ));
    }
    if cols.is_empty() {
        return Ok(HashMap::new());
    }
    let mut f = Filter::default();
    unit_filter(&mut f, ss.unit, units);
    if let Some(m) = list {
        list_filter(&mut f, source, m);
    }
    let sql = format!(
        "SELECT {unit} AS unit_id, {cols} FROM {from}{w} GROUP BY {unit}",
        unit = ss.unit,
        cols = cols.join(", "),
        from = ss.from,
        w = f.where_clause()
    );
    let mut out = HashMap::new();
    for row in f.query(sql).fetch_all(ex).await? {
        let Some(unit) = row.opt_uuid("unit_id")? else {
            continue;
        };
        let mut v = Vec::with_capacity(rules.len());
        for i in 0..rules.len() {
            v.push(row.i64(&format!("c{i}"))?);
        }
        out.insert(UnitId(unit), v);
    }
    Ok(out)
}

fn val(row: &Row, name: &str, ty: Ty) -> Result<Val> {
    Ok(match ty {
        Ty::Date => row.opt_date(name)?.map_or(Val::Null, Val::Date),
        Ty::Text | Ty::List => row.opt_text(name)?.map_or(Val::Null, Val::Text),
        Ty::Bool => row.get::<Option<bool>>(name)?.map_or(Val::Null, Val::Bool),
        Ty::Int => row.get::<Option<i64>>(name)?.map_or(Val::Null, Val::Int),
    })
}

/// Every row of a source with its unit, in the column order of
/// [`Source::columns`]: what the conformance suite evaluates the domain's
/// rules on, to check that the SQL aggregation agrees with them.
pub async fn fact_rows(ex: &mut impl AsExec, source: Source) -> Result<Vec<(UnitId, Vec<Val>)>> {
    Ok(fact_rows_keyed(ex, source, None)
        .await?
        .into_iter()
        .map(|(_, u, v)| (u, v))
        .collect())
}

/// Which rows of a source to read (again).
#[derive(Debug, Clone, Copy)]
pub enum Only<'a> {
    /// These rows.
    Ids(&'a [uuid::Uuid]),
    /// The letters grouped into these matters.
    LettersOfMatters(&'a [uuid::Uuid]),
    /// The matters of these letters.
    MattersOfLetters(&'a [uuid::Uuid]),
    /// The visits of these sessions.
    VisitsOfSessions(&'a [uuid::Uuid]),
}

/// How many rows [`fact_stream`] hands over at a time.
const CHUNK: usize = 20_000;

/// Every row of a source, handed to `each` a chunk at a time as the
/// database sends them, in one statement: loading a million rows keeps the
/// driver's memory small, and the union behind letters and matters (a row
/// per stay) is evaluated once, not once per page as a keyset page of it
/// would be (a second a page at a million letters on PostgreSQL).
pub async fn fact_stream(
    ex: &mut impl AsExec,
    source: Source,
    mut each: impl FnMut(Vec<(uuid::Uuid, UnitId, Vec<Val>)>) + Send,
) -> Result<()> {
    query(fact_select(source))
        .fetch_chunks(ex, CHUNK, |rows| {
            each(fact_values(source, &rows)?);
            Ok(())
        })
        .await
}

/// The id, unit and column values of fact rows read by [`fact_select`];
/// a row without a unit is left out.
fn fact_values(source: Source, rows: &[Row]) -> Result<Vec<(uuid::Uuid, UnitId, Vec<Val>)>> {
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(unit) = row.opt_uuid("unit_id")? else {
            continue;
        };
        let mut v = Vec::with_capacity(source.columns().len());
        for (i, c) in source.columns().iter().enumerate() {
            v.push(val(row, &format!("f{i}"), c.ty())?);
        }
        out.push((row.uuid("row_id")?, UnitId(unit), v));
    }
    Ok(out)
}

fn fact_select(source: Source) -> String {
    let ss = source_sql(source);
    let cols: Vec<String> = source
        .columns()
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let e = col_sql(*c);
            // SQLite types a computed boolean as an integer.
            if c.ty() == Ty::Bool {
                format!("CASE WHEN {e} IS NULL THEN NULL WHEN {e} THEN TRUE ELSE FALSE END AS f{i}")
            } else if c.ty() == Ty::Int {
                format!("CAST({e} AS BIGINT) AS f{i}")
            } else {
                format!("{e} AS f{i}")
            }
        })
        .collect();
    format!(
        "SELECT {} AS row_id, {} AS unit_id, {} FROM {}",
        ss.row,
        ss.unit,
        cols.join(", "),
        ss.from
    )
}

/// Rows of a source with their id and unit (all, or `only` some): what the
/// in-memory statistics model loads and refreshes from.
pub async fn fact_rows_keyed(
    ex: &mut impl AsExec,
    source: Source,
    only: Option<Only<'_>>,
) -> Result<Vec<(uuid::Uuid, UnitId, Vec<Val>)>> {
    let ss = source_sql(source);
    let select = fact_select(source);
    let (filter, ids): (&str, &[uuid::Uuid]) = match only {
        None => ("", &[]),
        Some(Only::Ids(ids)) => (ss.id, ids),
        Some(Only::LettersOfMatters(ids)) => (
            "t.id IN (SELECT letter_id FROM letter_matters WHERE matter_id",
            ids,
        ),
        Some(Only::MattersOfLetters(ids)) => (
            "t.id IN (SELECT matter_id FROM letter_matters WHERE letter_id",
            ids,
        ),
        Some(Only::VisitsOfSessions(ids)) => ("v.session_id", ids),
    };
    let mut out = Vec::new();
    if only.is_none() {
        fact_stream(ex, source, |rows| out.extend(rows)).await?;
        return Ok(out);
    }
    let chunks: Vec<&[uuid::Uuid]> = ids.chunks(500).collect();
    for chunk in chunks {
        let sql = {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let close = if filter.ends_with("matter_id") || filter.ends_with("letter_id") {
                ")"
            } else {
                ""
            };
            format!("{select} WHERE {filter} IN ({}){close}", marks.join(", "))
        };
        let mut q = query(sql);
        for id in chunk {
            q = q.bind(*id);
        }
        out.extend(fact_values(source, &q.fetch_all(&mut *ex).await?)?);
    }
    Ok(out)
}

/// The change feed after `after`, up to `upto`: (sequence, entity, id).
pub async fn changes(
    ex: &mut impl AsExec,
    after: i64,
    upto: i64,
) -> Result<Vec<(i64, String, String)>> {
    query("SELECT seq, entity, entity_id FROM outbox WHERE seq > $1 AND seq <= $2 ORDER BY seq")
        .bind(after)
        .bind(upto)
        .fetch_all(ex)
        .await?
        .iter()
        .map(|r| Ok((r.i64("seq")?, r.text("entity")?, r.text("entity_id")?)))
        .collect()
}

/// Which of these sequence numbers are in the change feed now (a
/// PostgreSQL transaction may commit after a later one: its entries appear
/// behind the position already read).
pub async fn changes_at(ex: &mut impl AsExec, seqs: &[i64]) -> Result<Vec<(i64, String, String)>> {
    let mut out = Vec::new();
    for chunk in seqs.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let mut q = query(format!(
            "SELECT seq, entity, entity_id FROM outbox WHERE seq IN ({}) ORDER BY seq",
            marks.join(", ")
        ));
        for s in chunk {
            q = q.bind(*s);
        }
        for r in q.fetch_all(&mut *ex).await? {
            out.push((r.i64("seq")?, r.text("entity")?, r.text("entity_id")?));
        }
    }
    Ok(out)
}

/// The cases of the given units (all when `None`), with their registering
/// unit, for the case figures. Official statistics count every case,
/// restricted ones included; lists of records apply visibility.
pub async fn cases_by_unit(
    ex: &mut impl AsExec,
    units: Option<&[UnitId]>,
    list: Option<&Monitored>,
) -> Result<Vec<(UnitId, CaseRecord)>> {
    case_records(ex, &statistics_filter(units, list)).await
}

/// The cases official statistics count (alias `c`): every case registered
/// by one of `units` (all when `None`), or on a committee's list during its
/// period; visibility is not applied, since a figure names no one.
pub(crate) fn statistics_filter(units: Option<&[UnitId]>, list: Option<&Monitored>) -> Filter {
    let mut f = Filter::default();
    unit_filter(&mut f, "c.unit_id", units);
    if let Some(m) = list {
        listed(&mut f, m);
    }
    f
}

/// The references of the cases of the given units (all when `None`) that
/// the viewer may see: the cases behind a case figure are found by counting
/// each case alone, and listed if visible.
pub async fn visible_case_refs(
    ex: &mut impl AsExec,
    viewer: &Viewer,
    units: Option<&[UnitId]>,
    list: Option<&Monitored>,
) -> Result<HashMap<uuid::Uuid, String>> {
    let mut f = Filter::default();
    unit_filter(&mut f, "c.unit_id", units);
    if let Some(m) = list {
        listed(&mut f, m);
    }
    crate::cases::visible(&mut f, viewer);
    let sql = format!("SELECT c.id, c.reference FROM cases c{}", f.where_clause());
    let mut refs = HashMap::new();
    for r in f.query(sql).fetch_all(ex).await? {
        refs.insert(r.uuid("id")?, r.text("reference")?);
    }
    Ok(refs)
}

/// One record behind a figure.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Record {
    /// What it is: `letter`, `matter`, `session`, `visit`, `asset`,
    /// `monitoring`, `target`, `sanction`, `case`.
    pub entity: &'static str,
    /// Its id.
    pub id: uuid::Uuid,
    /// Its reference (or the case's, for what belongs to a case).
    pub reference: String,
    /// Its date.
    pub date: Option<Date>,
    /// The unit it is attributed to.
    pub unit_id: UnitId,
    /// The case it belongs to, if any.
    pub case_id: Option<uuid::Uuid>,
    /// The id of the page that shows it: the letter (of a matter), the case.
    pub link_id: Option<uuid::Uuid>,
}

/// The records a fact rule counts, for the units given, that the viewer may
/// see (case-linked rows follow the case visibility rule), newest first,
/// at most `limit`; and how many match in all (visible or not).
// The figure's rule, its period and scope, the reader and a limit: all needed.
#[allow(clippy::too_many_arguments)]
pub async fn records(
    ex: &mut impl AsExec,
    source: Source,
    cond: &Cond,
    span: Span,
    units: Option<&[UnitId]>,
    viewer: &Viewer,
    limit: u32,
    list: Option<&Monitored>,
) -> Result<(Vec<Record>, i64)> {
    let ss = source_sql(source);
    let mut f = Filter::default();
    unit_filter(&mut f, ss.unit, units);
    if let Some(m) = list {
        list_filter(&mut f, source, m);
    }
    let cond_sql = cond.to_sql(span, &col_sql);
    f.and(&cond_sql, vec![]);
    let total = f
        .query(format!(
            "SELECT COUNT(*) AS n FROM {}{}",
            ss.from,
            f.where_clause()
        ))
        .fetch_one(&mut *ex)
        .await?
        .i64("n")?;
    if ss.case {
        // A sanction without a case is visible as its person is: to leaders.
        if source == Source::Sanction {
            let (vis, values) = crate::cases::visible_sql(viewer);
            f.and(&format!("(c.id IS NULL OR {vis})"), values);
        } else {
            crate::cases::visible(&mut f, viewer);
        }
    }
    let case_col = if ss.case { "c.id" } else { "NULL" };
    let sql = format!(
        "SELECT {id} AS id, {unit} AS unit_id, {reference} AS reference, {date} AS day, {case_col} AS case_id, \
         {link} AS link_id FROM {from}{w} ORDER BY {date} DESC, {id} LIMIT {limit}",
        link = ss.link,
        id = ss.id,
        unit = ss.unit,
        reference = ss.reference,
        date = ss.date,
        from = ss.from,
        w = f.where_clause(),
        limit = limit.min(10_000),
    );
    let entity = match source {
        Source::Letter => "letter",
        Source::Matter => "matter",
        Source::Session => "session",
        Source::Visit => "visit",
        Source::Asset => "asset",
        Source::Monitoring => "monitoring",
        Source::Target => "target",
        Source::Sanction => "sanction",
    };
    let mut out = Vec::new();
    for r in f.query(sql).fetch_all(ex).await? {
        out.push(Record {
            entity,
            id: r.uuid("id")?,
            reference: r.opt_text("reference")?.unwrap_or_default(),
            date: r.opt_date("day")?,
            unit_id: UnitId(r.opt_uuid("unit_id")?.unwrap_or_default()),
            case_id: r.opt_uuid("case_id")?,
            link_id: r.opt_uuid("link_id")?,
        });
    }
    Ok((out, total))
}

/// A merger: `from` ceased and its facts belong to `to` from `on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Merger {
    /// The unit that ceased.
    pub from: UnitId,
    /// The unit it was merged into.
    pub to: UnitId,
    /// The first day of the new unit's responsibility.
    pub on: Date,
}

/// Every merger.
pub async fn mergers(ex: &mut impl AsExec) -> Result<Vec<Merger>> {
    query("SELECT from_unit_id, to_unit_id, on_date FROM unit_mergers ORDER BY on_date")
        .fetch_all(ex)
        .await?
        .iter()
        .map(|r| {
            Ok(Merger {
                from: UnitId(r.uuid("from_unit_id")?),
                to: UnitId(r.uuid("to_unit_id")?),
                on: r.date("on_date")?,
            })
        })
        .collect()
}

/// Merges `from` into `to` on `on`: `from` ends the day before, and the
/// merger map sends its history to `to`.
pub async fn merge(
    tx: &mut Tx,
    actor: &audit::Actor,
    from: UnitId,
    to: UnitId,
    on: Date,
) -> Result<()> {
    if from == to {
        return Err(StoreError::Conflict(
            "a unit cannot merge into itself".into(),
        ));
    }
    let last = on
        .yesterday()
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let n = query("UPDATE units SET valid_to = $1 WHERE id = $2 AND valid_to IS NULL")
        .bind(last)
        .bind(from.0)
        .execute(&mut *tx)
        .await?;
    if n == 0 {
        return Err(StoreError::Conflict(
            "the unit has already ceased or does not exist".into(),
        ));
    }
    query("INSERT INTO unit_mergers (from_unit_id, to_unit_id, on_date) VALUES ($1, $2, $3)")
        .bind(from.0)
        .bind(to.0)
        .bind(on)
        .execute(&mut *tx)
        .await?;
    let detail = serde_json::json!({"from": from, "to": to, "on": on.to_string()});
    audit::append(
        tx,
        actor,
        "unit.merge",
        "unit",
        &from.to_string(),
        detail.clone(),
    )
    .await?;
    outbox::append(tx, "unit", &from.to_string(), "merge", detail).await
}

/// The data version: the change feed's last sequence number. A report
/// issued at version N was computed from every change up to N.
pub async fn data_version(ex: &mut impl AsExec) -> Result<i64> {
    query("SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) AS v FROM outbox")
        .fetch_one(ex)
        .await?
        .i64("v")
}

/// An issued report.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Issued {
    /// Id.
    pub id: uuid::Uuid,
    /// Form code.
    pub form: String,
    /// The period as written.
    pub period: String,
    /// First day.
    pub from: Date,
    /// Last day.
    pub to: Date,
    /// The unit it covers.
    pub unit_id: UnitId,
    /// `as_of` or `current`.
    pub tree: String,
    /// 1 for the first issue, then 2, 3 … for corrections.
    pub version: i64,
    /// The change-feed position its figures were computed at.
    pub data_version: i64,
    /// The figures, as JSON.
    pub figures: serde_json::Value,
    /// Who issued it.
    pub issued_by: Option<UserId>,
    /// When.
    pub issued_at: jiff::Timestamp,
}

/// What to issue.
pub struct ToIssue<'a> {
    /// Form code.
    pub form: &'a str,
    /// Period label.
    pub period: &'a str,
    /// Its days.
    pub span: Span,
    /// Unit.
    pub unit: UnitId,
    /// Tree mode.
    pub tree: &'a str,
    /// Data version the figures were computed at.
    pub data_version: i64,
    /// The figures.
    pub figures: &'a serde_json::Value,
}

const ISSUED_COLS: &str = "id, form, period, period_from, period_to, unit_id, tree, version, data_version, figures, issued_by, issued_at";

fn issued_from(r: &Row) -> Result<Issued> {
    Ok(Issued {
        id: r.uuid("id")?,
        form: r.text("form")?,
        period: r.text("period")?,
        from: r.date("period_from")?,
        to: r.date("period_to")?,
        unit_id: UnitId(r.uuid("unit_id")?),
        tree: r.text("tree")?,
        version: r.i64("version")?,
        data_version: r.i64("data_version")?,
        figures: serde_json::from_str(&r.text("figures")?)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        issued_by: r.opt_uuid("issued_by")?.map(UserId),
        issued_at: r.timestamp("issued_at")?,
    })
}

/// Freezes a report as the next version of its (form, period, unit, tree).
pub async fn issue(tx: &mut Tx, actor: &audit::Actor, t: &ToIssue<'_>) -> Result<Issued> {
    let version = query(
        "SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) AS v FROM issued_reports \
         WHERE form = $1 AND period_from = $2 AND period_to = $3 AND unit_id = $4 AND tree = $5",
    )
    .bind(t.form)
    .bind(t.span.from)
    .bind(t.span.to)
    .bind(t.unit.0)
    .bind(t.tree)
    .fetch_one(&mut *tx)
    .await?
    .i64("v")?
        + 1;
    let id = uuid::Uuid::now_v7();
    let at = now();
    query(
        "INSERT INTO issued_reports (id, form, period, period_from, period_to, unit_id, tree, version, data_version, figures, issued_by, issued_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(id)
    .bind(t.form)
    .bind(t.period)
    .bind(t.span.from)
    .bind(t.span.to)
    .bind(t.unit.0)
    .bind(t.tree)
    .bind(version)
    .bind(t.data_version)
    .bind(t.figures.to_string())
    .bind(actor.user.map(|u| u.0))
    .bind(at)
    .execute(&mut *tx)
    .await?;
    let detail = serde_json::json!({
        "form": t.form, "period": t.period, "unit": t.unit, "tree": t.tree,
        "version": version, "data_version": t.data_version,
    });
    audit::append(
        tx,
        actor,
        "report.issue",
        "report",
        &id.to_string(),
        detail.clone(),
    )
    .await?;
    outbox::append(tx, "report", &id.to_string(), "issue", detail).await?;
    let r = query(format!(
        "SELECT {ISSUED_COLS} FROM issued_reports WHERE id = $1"
    ))
    .bind(id)
    .fetch_one(tx)
    .await?;
    issued_from(&r)
}

/// The issued versions of a report, oldest first.
pub async fn issued(
    ex: &mut impl AsExec,
    form: &str,
    span: Span,
    unit: UnitId,
    tree: &str,
) -> Result<Vec<Issued>> {
    query(format!(
        "SELECT {ISSUED_COLS} FROM issued_reports \
         WHERE form = $1 AND period_from = $2 AND period_to = $3 AND unit_id = $4 AND tree = $5 ORDER BY version"
    ))
    .bind(form)
    .bind(span.from)
    .bind(span.to)
    .bind(unit.0)
    .bind(tree)
    .fetch_all(ex)
    .await?
    .iter()
    .map(issued_from)
    .collect()
}
