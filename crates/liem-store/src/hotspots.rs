//! Hot spots as stored: the counts a scan reads, each scan's run, and the
//! alerts it raised (one episode of a cell while consecutive scans find
//! it raised), with their acknowledgement.
//!
//! The scoring is `liem_domain::hotspot`'s; this module counts and keeps.

use crate::db::{path_scope, query, AsExec, Row};
use crate::{audit, now, Result, Tx};
use jiff::civil::Date;
use liem_domain::ids::{UnitId, UserId};
use liem_domain::role::Scope;
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

/// What happened in one cell on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayCount {
    /// The unit the letters were received at (the registering unit, even
    /// when a letter has since been transferred), or that held the
    /// reception session.
    pub unit: UnitId,
    /// The field, or `""` for a delegation that raised no letter.
    pub field: String,
    /// The day received or held.
    pub day: Date,
    /// Letters received.
    pub letters: u32,
    /// Of them, collective petitions.
    pub collective: u32,
    /// Reception delegations (groups of citizens received together).
    pub delegations: u32,
}

fn count(r: &Row, col: &str) -> Result<u32> {
    Ok(u32::try_from(r.i64(col)?.max(0)).unwrap_or(u32::MAX))
}

/// The letters and reception delegations of every unit and field, by day,
/// from `from` to `to` (both included).
pub async fn day_counts(ex: &mut impl AsExec, from: Date, to: Date) -> Result<Vec<DayCount>> {
    let mut out = Vec::new();
    let letters = query(
        "SELECT COALESCE(d.unit_id, l.unit_id) AS unit_id, l.field_code, l.received_on, \
                COUNT(*) AS n, SUM(CASE WHEN l.collective THEN 1 ELSE 0 END) AS c \
         FROM letters l LEFT JOIN letter_departures d ON d.letter_id = l.id AND d.seq = 1 \
         WHERE l.received_on >= $1 AND l.received_on <= $2 \
         GROUP BY COALESCE(d.unit_id, l.unit_id), l.field_code, l.received_on",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&mut *ex)
    .await?;
    for r in &letters {
        out.push(DayCount {
            unit: UnitId(r.uuid("unit_id")?),
            field: r.text("field_code")?,
            day: r.date("received_on")?,
            letters: count(r, "n")?,
            collective: count(r, "c")?,
            delegations: 0,
        });
    }
    let delegations = query(
        "SELECT s.unit_id, COALESCE(l.field_code, '') AS field_code, s.held_on, COUNT(*) AS n \
         FROM reception_visits v JOIN reception_sessions s ON s.id = v.session_id \
         LEFT JOIN letters l ON l.id = v.letter_id \
         WHERE v.delegation AND s.held_on >= $1 AND s.held_on <= $2 \
         GROUP BY s.unit_id, COALESCE(l.field_code, ''), s.held_on",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&mut *ex)
    .await?;
    for r in &delegations {
        out.push(DayCount {
            unit: UnitId(r.uuid("unit_id")?),
            field: r.text("field_code")?,
            day: r.date("held_on")?,
            letters: 0,
            collective: 0,
            delegations: count(r, "n")?,
        });
    }
    Ok(out)
}

/// How a scan ran.
#[derive(Debug, Clone, PartialEq)]
pub struct RunFacts {
    /// The last day of the last week scanned.
    pub as_of: Date,
    /// The nightly scan (one a day across every node) or one asked for.
    pub nightly: bool,
    /// Weeks read (history and window).
    pub weeks: u32,
    /// The longest window, in weeks.
    pub max_window: u32,
    /// Monte Carlo replicas.
    pub replicas: u32,
    /// Cells scanned.
    pub cells: u64,
    /// Letters and delegations counted.
    pub counted: u64,
    /// How long the scan took.
    pub millis: u64,
    /// Who asked for it (none for the nightly scan).
    pub requested_by: Option<UserId>,
}

/// A raised cell, as a scan found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Its unit.
    pub unit: UnitId,
    /// Its field (`""`: delegations without a letter).
    pub field: String,
    /// The window's first day.
    pub window_from: Date,
    /// The window's last day.
    pub window_to: Date,
    /// Letters and delegations in the window.
    pub observed: u32,
    /// Of them, letters.
    pub letters: u32,
    /// Of the letters, collective petitions.
    pub collective: u32,
    /// Of them, delegations.
    pub delegations: u32,
    /// Expected in the window, in thousandths.
    pub expected_milli: i64,
    /// The log-likelihood ratio, in thousandths.
    pub llr_milli: i64,
    /// The p-value, in millionths.
    pub p_micro: i64,
}

/// Binds a raised cell's window and figures, in the order both the
/// statements of [`record_run`] name them.
fn figures(q: crate::db::Query, f: &Found) -> crate::db::Query {
    q.bind(f.window_from)
        .bind(f.window_to)
        .bind(i64::from(f.observed))
        .bind(i64::from(f.letters))
        .bind(i64::from(f.collective))
        .bind(i64::from(f.delegations))
        .bind(f.expected_milli)
        .bind(f.llr_milli)
        .bind(f.p_micro)
}

/// What a recorded scan did to the alerts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RunOutcome {
    /// The run.
    pub run: Uuid,
    /// Alerts opened.
    pub opened: u32,
    /// Open alerts the scan found raised again.
    pub continued: u32,
    /// Open alerts the scan no longer found: ended.
    pub ended: u32,
}

/// Records a scan and its alerts: a raised cell with an open alert
/// continues it (its figures now this scan's), another opens one, and an
/// open alert the scan did not find ends on `as_of`. `None` when the
/// nightly scan of that day is already recorded (by this node or another).
pub async fn record_run(
    tx: &mut Tx,
    actor: &audit::Actor,
    facts: &RunFacts,
    found: &[Found],
) -> Result<Option<RunOutcome>> {
    if facts.nightly {
        let done = query("SELECT COUNT(*) AS n FROM hotspot_runs WHERE nightly AND as_of = $1")
            .bind(facts.as_of)
            .fetch_one(&mut *tx)
            .await?
            .i64("n")?;
        if done > 0 {
            return Ok(None);
        }
    }
    let run = Uuid::now_v7();
    query(
        "INSERT INTO hotspot_runs (id, as_of, nightly, weeks, max_window, replicas, cells, counted, alerts, millis, requested_by, finished_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(run)
    .bind(facts.as_of)
    .bind(facts.nightly)
    .bind(i64::from(facts.weeks))
    .bind(i64::from(facts.max_window))
    .bind(i64::from(facts.replicas))
    .bind(i64::try_from(facts.cells).unwrap_or(i64::MAX))
    .bind(i64::try_from(facts.counted).unwrap_or(i64::MAX))
    .bind(found.len() as i64)
    .bind(i64::try_from(facts.millis).unwrap_or(i64::MAX))
    .bind(facts.requested_by.map(|u| u.0))
    .bind(now())
    .execute(&mut *tx)
    .await?;
    let open: HashMap<(Uuid, String), Uuid> =
        query("SELECT id, unit_id, field_code FROM hotspot_alerts WHERE ended_on IS NULL")
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| Ok(((r.uuid("unit_id")?, r.text("field_code")?), r.uuid("id")?)))
            .collect::<Result<_>>()?;
    let mut seen = std::collections::HashSet::new();
    let mut out = RunOutcome {
        run,
        opened: 0,
        continued: 0,
        ended: 0,
    };
    for f in found {
        let key = (f.unit.0, f.field.clone());
        if !seen.insert(key.clone()) {
            continue;
        }
        let id = match open.get(&key) {
            Some(id) => {
                out.continued += 1;
                let q = query(
                    "UPDATE hotspot_alerts SET last_run_id = $2, window_from = $3, window_to = $4, observed = $5, \
                     letters = $6, collective = $7, delegations = $8, expected_milli = $9, llr_milli = $10, p_micro = $11 \
                     WHERE id = $1",
                )
                .bind(*id)
                .bind(run);
                figures(q, f).execute(&mut *tx).await?;
                *id
            }
            None => {
                out.opened += 1;
                let id = Uuid::now_v7();
                let q = query(
                    "INSERT INTO hotspot_alerts (id, unit_id, field_code, first_run_id, last_run_id, opened_on, window_from, window_to, \
                     observed, letters, collective, delegations, expected_milli, llr_milli, p_micro) \
                     VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                )
                .bind(id)
                .bind(f.unit.0)
                .bind(f.field.as_str())
                .bind(run)
                .bind(facts.as_of);
                figures(q, f).execute(&mut *tx).await?;
                id
            }
        };
        audit::touch(tx, "hotspot_alert", &id.to_string());
    }
    for (key, id) in &open {
        if seen.contains(key) {
            continue;
        }
        out.ended += 1;
        query("UPDATE hotspot_alerts SET ended_on = $2, last_run_id = $3 WHERE id = $1")
            .bind(*id)
            .bind(facts.as_of)
            .bind(run)
            .execute(&mut *tx)
            .await?;
        audit::touch(tx, "hotspot_alert", &id.to_string());
    }
    audit::record_change(
        tx,
        actor,
        "hotspot.scan",
        "hotspot_run",
        &run.to_string(),
        serde_json::json!({
            "as_of": facts.as_of.to_string(), "nightly": facts.nightly, "cells": facts.cells,
            "counted": facts.counted, "replicas": facts.replicas, "alerts": found.len(),
            "opened": out.opened, "continued": out.continued, "ended": out.ended,
        }),
    )
    .await?;
    Ok(Some(out))
}

/// A scan as recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RunRecord {
    /// Its id.
    pub id: Uuid,
    /// The last day of the last week scanned.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub as_of: Date,
    /// Whether it was the nightly scan.
    pub nightly: bool,
    /// Cells scanned.
    pub cells: i64,
    /// Letters and delegations counted.
    pub counted: i64,
    /// Monte Carlo replicas.
    pub replicas: i64,
    /// Alerts raised (across the whole map).
    pub alerts: i64,
    /// How long it took.
    pub millis: i64,
    /// When it finished.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub finished_at: jiff::Timestamp,
}

/// The latest scan, if any.
pub async fn last_run(ex: &mut impl AsExec) -> Result<Option<RunRecord>> {
    let r = query(
        "SELECT id, as_of, nightly, cells, counted, replicas, alerts, millis, finished_at \
         FROM hotspot_runs ORDER BY finished_at DESC, id DESC LIMIT 1",
    )
    .fetch_optional(ex)
    .await?;
    r.map(|r| {
        Ok(RunRecord {
            id: r.uuid("id")?,
            as_of: r.date("as_of")?,
            nightly: r.bool("nightly")?,
            cells: r.i64("cells")?,
            counted: r.i64("counted")?,
            replicas: r.i64("replicas")?,
            alerts: r.i64("alerts")?,
            millis: r.i64("millis")?,
            finished_at: r.timestamp("finished_at")?,
        })
    })
    .transpose()
}

/// An alert as the reader sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertRecord {
    /// Its id.
    pub id: Uuid,
    /// Its unit's code.
    pub unit: String,
    /// Its unit's name.
    pub unit_name: String,
    /// Its unit's path in the tree.
    #[serde(skip)]
    pub unit_path: String,
    /// Its field code (`""`: delegations that raised no letter).
    pub field: String,
    /// The day the first scan that found it ran to.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub opened_on: Date,
    /// The day of the scan that no longer found it; none while open.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub ended_on: Option<Date>,
    /// The raised window's first day (latest scan).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub window_from: Date,
    /// The raised window's last day.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub window_to: Date,
    /// Letters and delegations in the window.
    pub observed: i64,
    /// Of them, letters.
    pub letters: i64,
    /// Of the letters, collective petitions.
    pub collective: i64,
    /// Of them, reception delegations.
    pub delegations: i64,
    /// What the cell's own history expects in the window.
    pub expected: f64,
    /// Observed over expected.
    pub ratio: f64,
    /// The scan's log-likelihood ratio.
    pub llr: f64,
    /// The Monte Carlo p-value.
    pub p_value: f64,
    /// Who acknowledged it.
    pub acknowledged_by: Option<String>,
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub acknowledged_at: Option<jiff::Timestamp>,
    /// With what note.
    pub note: Option<String>,
}

const ALERT_COLS: &str = "a.id, un.code AS unit_code, un.name AS unit_name, un.path AS unit_path, a.field_code, \
     a.opened_on, a.ended_on, a.window_from, a.window_to, a.observed, a.letters, a.collective, a.delegations, \
     a.expected_milli, a.llr_milli, a.p_micro, us.display_name AS ack_name, a.acknowledged_at, a.note";

fn alert_record(r: &Row) -> Result<AlertRecord> {
    let expected = r.i64("expected_milli")? as f64 / 1000.0;
    let observed = r.i64("observed")?;
    Ok(AlertRecord {
        id: r.uuid("id")?,
        unit: r.text("unit_code")?,
        unit_name: r.text("unit_name")?,
        unit_path: r.text("unit_path")?,
        field: r.text("field_code")?,
        opened_on: r.date("opened_on")?,
        ended_on: r.opt_date("ended_on")?,
        window_from: r.date("window_from")?,
        window_to: r.date("window_to")?,
        observed,
        letters: r.i64("letters")?,
        collective: r.i64("collective")?,
        delegations: r.i64("delegations")?,
        expected,
        ratio: if expected > 0.0 {
            observed as f64 / expected
        } else {
            0.0
        },
        llr: r.i64("llr_milli")? as f64 / 1000.0,
        p_value: r.i64("p_micro")? as f64 / 1_000_000.0,
        acknowledged_by: r.opt_text("ack_name")?,
        acknowledged_at: r.opt_timestamp("acknowledged_at")?,
        note: r.opt_text("note")?,
    })
}

/// Which alerts to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertFilter {
    /// Only open ones.
    pub open_only: bool,
    /// Only those open on or after this day (ended ones too).
    pub since: Option<Date>,
    /// Only those of units under this path (the unit and its descendants).
    pub within: Option<String>,
}

/// The alerts of the units in `scope`, open first, then by score.
pub async fn alerts(
    ex: &mut impl AsExec,
    scope: &Scope,
    filter: &AlertFilter,
    limit: i64,
) -> Result<Vec<AlertRecord>> {
    let Some((cond, path)) = path_scope(scope, "un.path", 1) else {
        return Ok(Vec::new());
    };
    let mut f = crate::db::Filter::default();
    f.and(
        &cond.replace("$1", "?"),
        path.into_iter().map(Into::into).collect(),
    );
    if filter.open_only {
        f.and("a.ended_on IS NULL", Vec::new());
    }
    if let Some(d) = filter.since {
        f.and("(a.ended_on IS NULL OR a.ended_on >= ?)", vec![d.into()]);
    }
    if let Some(p) = &filter.within {
        f.and("un.path LIKE ?", vec![format!("{p}%").into()]);
    }
    f.query(format!(
        "SELECT {ALERT_COLS} FROM hotspot_alerts a JOIN units un ON un.id = a.unit_id \
         LEFT JOIN users us ON us.id = a.acknowledged_by{} \
         ORDER BY CASE WHEN a.ended_on IS NULL THEN 0 ELSE 1 END, a.llr_milli DESC, a.id LIMIT {limit}",
        f.where_clause()
    ))
    .fetch_all(ex)
    .await?
    .iter()
    .map(alert_record)
    .collect()
}

/// One alert if its unit is in `scope`; `None` otherwise, as if it did not
/// exist.
pub async fn alert(ex: &mut impl AsExec, scope: &Scope, id: Uuid) -> Result<Option<AlertRecord>> {
    let Some((cond, path)) = path_scope(scope, "un.path", 2) else {
        return Ok(None);
    };
    query(format!(
        "SELECT {ALERT_COLS} FROM hotspot_alerts a JOIN units un ON un.id = a.unit_id \
         LEFT JOIN users us ON us.id = a.acknowledged_by WHERE a.id = $1 AND {cond}"
    ))
    .bind(id)
    .bind_some(path)
    .fetch_optional(ex)
    .await?
    .as_ref()
    .map(alert_record)
    .transpose()
}

/// Acknowledges an alert with a note; `false` when it already was.
pub async fn acknowledge(tx: &mut Tx, actor: &audit::Actor, id: Uuid, note: &str) -> Result<bool> {
    let done = query(
        "UPDATE hotspot_alerts SET acknowledged_by = $2, acknowledged_at = $3, note = $4 \
         WHERE id = $1 AND acknowledged_at IS NULL",
    )
    .bind(id)
    .bind(actor.user.map(|u| u.0))
    .bind(now())
    .bind(note)
    .execute(&mut *tx)
    .await?;
    if done == 0 {
        return Ok(false);
    }
    audit::record_change(
        tx,
        actor,
        "hotspot.acknowledge",
        "hotspot_alert",
        &id.to_string(),
        serde_json::json!({ "note_chars": note.chars().count() }),
    )
    .await?;
    Ok(true)
}
