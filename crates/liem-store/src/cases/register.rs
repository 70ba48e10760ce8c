//! The register's movements: files sent between agencies and their
//! acknowledgement, monitoring by a steering committee and its milestone
//! targets, the watch list.

use super::*;
use crate::audit;
use crate::db::query;
use crate::db::AsExec;
use crate::db::Filter;
use crate::db::Row;
use crate::now;
use crate::outbox;
use crate::petitions;
use crate::Result;
use crate::StoreError;
use crate::Tx;
use jiff::civil::Date;
use liem_domain::case::StageAction;
use liem_domain::ids::UnitId;
use liem_domain::ids::UserId;
use liem_domain::register::Milestone;
use liem_domain::register::Target;
use liem_domain::register::TargetState;
use liem_domain::register::TransferKind;
use serde::Serialize;

/// A file sent from one agency to another.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseTransfer {
    /// Id.
    pub id: uuid::Uuid,
    /// The entry.
    pub case_id: uuid::Uuid,
    /// Its reference.
    pub case_reference: String,
    /// Forward or return.
    pub kind: TransferKind,
    /// Sender (code).
    pub from_code: String,
    /// Sender id.
    pub from_id: UnitId,
    /// Receiver (code).
    pub to_code: String,
    /// Receiver id.
    pub to_id: UnitId,
    /// Sent.
    pub sent_on: Date,
    /// Last day to acknowledge.
    pub ack_due: Date,
    /// Acknowledged on.
    pub acknowledged_on: Option<Date>,
    /// Note.
    pub note: Option<String>,
}

const TRANSFER_SELECT: &str = "SELECT t.id, t.case_id, c.reference, t.kind, f.code AS from_code, t.from_unit_id, \
    o.code AS to_code, t.to_unit_id, t.sent_on, t.ack_due, t.acknowledged_on, t.note FROM case_transfers t \
    JOIN cases c ON c.id = t.case_id JOIN units f ON f.id = t.from_unit_id JOIN units o ON o.id = t.to_unit_id";

fn transfer_from(r: &Row) -> Result<CaseTransfer> {
    Ok(CaseTransfer {
        id: r.uuid("id")?,
        case_id: r.uuid("case_id")?,
        case_reference: r.text("reference")?,
        kind: r.code("kind")?,
        from_code: r.text("from_code")?,
        from_id: UnitId(r.uuid("from_unit_id")?),
        to_code: r.text("to_code")?,
        to_id: UnitId(r.uuid("to_unit_id")?),
        sent_on: r.date("sent_on")?,
        ack_due: r.date("ack_due")?,
        acknowledged_on: r.opt_date("acknowledged_on")?,
        note: r.opt_text("note")?,
    })
}

/// A file to send.
pub struct TransferSend<'a> {
    /// Forward or return.
    pub kind: TransferKind,
    /// From.
    pub from: UnitId,
    /// To.
    pub to: UnitId,
    /// Sent on.
    pub sent_on: Date,
    /// Acknowledge by.
    pub ack_due: Date,
    /// Note.
    pub note: Option<&'a str>,
}

/// Sends an entry's file to another agency, which holds it from now on.
pub async fn send_transfer(
    tx: &mut Tx,
    actor: &audit::Actor,
    case: uuid::Uuid,
    s: &TransferSend<'_>,
) -> Result<uuid::Uuid> {
    let id = uuid::Uuid::now_v7();
    query(
        "INSERT INTO case_transfers (id, case_id, kind, from_unit_id, to_unit_id, sent_on, ack_due, note) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(case)
    .bind(s.kind.as_str())
    .bind(s.from.0)
    .bind(s.to.0)
    .bind(s.sent_on)
    .bind(s.ack_due)
    .bind(s.note)
    .execute(tx)
    .await?;
    audit::touch(tx, "case", &case.to_string());
    query("UPDATE cases SET holder_id = $1, updated_at = $2 WHERE id = $3")
        .bind(s.to.0)
        .bind(now())
        .bind(case)
        .execute(tx)
        .await?;
    let detail = serde_json::json!({
        "case": case, "kind": s.kind, "from": s.from, "to": s.to,
        "sent_on": s.sent_on.to_string(), "ack_due": s.ack_due.to_string(),
    });
    audit::append(
        tx,
        actor,
        "case.transfer",
        "case_transfer",
        &id.to_string(),
        detail.clone(),
    )
    .await?;
    outbox::append(tx, "case_transfer", &id.to_string(), "create", detail).await?;
    Ok(id)
}

/// One transfer.
pub async fn transfer(ex: &mut impl AsExec, id: uuid::Uuid) -> Result<CaseTransfer> {
    let sql = format!("{TRANSFER_SELECT} WHERE t.id = $1");
    transfer_from(&query(sql).bind(id).fetch_one(ex).await?)
}

/// Records the receiver's acknowledgement. A repeated one changes nothing
/// and records nothing (a double click, a retried request): returns whether
/// this one was the first.
pub async fn acknowledge_transfer(
    tx: &mut Tx,
    actor: &audit::Actor,
    id: uuid::Uuid,
    on: Date,
    by: Option<UserId>,
) -> Result<bool> {
    let n = query(
        "UPDATE case_transfers SET acknowledged_on = $1, acknowledged_by = $2 WHERE id = $3 AND acknowledged_on IS NULL",
    )
    .bind(on)
    .bind(by.map(|u| u.0))
    .bind(id)
    .execute(tx)
    .await?;
    if n == 0 {
        // Already acknowledged, or not there at all.
        transfer(&mut *tx, id).await?;
        return Ok(false);
    }
    let detail = serde_json::json!({"on": on.to_string()});
    audit::append(
        tx,
        actor,
        "case.transfer.acknowledge",
        "case_transfer",
        &id.to_string(),
        detail.clone(),
    )
    .await?;
    outbox::append(tx, "case_transfer", &id.to_string(), "acknowledge", detail).await?;
    Ok(true)
}

/// An entry's transfers, oldest first.
pub async fn transfers_of(ex: &mut impl AsExec, case: uuid::Uuid) -> Result<Vec<CaseTransfer>> {
    let sql = format!("{TRANSFER_SELECT} WHERE t.case_id = $1 ORDER BY t.sent_on, t.id");
    query(sql)
        .bind(case)
        .fetch_all(ex)
        .await?
        .iter()
        .map(transfer_from)
        .collect()
}

/// Unacknowledged transfers of entries the viewer sees, sent by or to a
/// unit in the viewer's scope; `overdue_only` keeps those past their day.
pub async fn pending_transfers(
    ex: &mut impl AsExec,
    v: &Viewer,
    today: Date,
    overdue_only: bool,
) -> Result<Vec<CaseTransfer>> {
    let mut f = Filter::default();
    visible(&mut f, v);
    f.and("t.acknowledged_on IS NULL", vec![]);
    if let Some(u) = petitions::scope_units(&v.scope) {
        let units = &u.sql;
        f.and(
            &format!("(t.from_unit_id IN ({units}) OR t.to_unit_id IN ({units}))"),
            u.values(2),
        );
    }
    if overdue_only {
        f.and("t.ack_due < ?", vec![today.into()]);
    }
    let sql = format!(
        "{TRANSFER_SELECT}{} ORDER BY t.ack_due, t.id",
        f.where_clause()
    );
    f.query(sql)
        .fetch_all(ex)
        .await?
        .iter()
        .map(transfer_from)
        .collect()
}

/// A committee's monitoring of an entry.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonitoringRow {
    /// Id.
    pub id: uuid::Uuid,
    /// The entry.
    pub case_id: uuid::Uuid,
    /// The committee (code).
    pub committee_code: String,
    /// The committee's id.
    pub committee_id: UnitId,
    /// The deciding session.
    pub session: String,
    /// Added on.
    pub added_on: Date,
    /// Removed on.
    pub removed_on: Option<Date>,
    /// The session that removed it.
    pub removal_session: Option<String>,
    /// Targets, with ids.
    pub targets: Vec<(uuid::Uuid, TargetState)>,
}

/// Places an entry under a committee's monitoring; a second active one by
/// the same committee is a conflict.
pub async fn place_monitoring(
    tx: &mut Tx,
    actor: &audit::Actor,
    case: uuid::Uuid,
    committee: UnitId,
    session: &str,
    added_on: Date,
    targets: &[Target],
) -> Result<uuid::Uuid> {
    let existing = query(
        "SELECT 1 AS one FROM monitorings WHERE case_id = $1 AND committee_id = $2 AND removed_on IS NULL",
    )
    .bind(case)
    .bind(committee.0)
    .fetch_optional(tx)
    .await?;
    if existing.is_some() {
        return Err(StoreError::Conflict(
            "already monitored by this committee".into(),
        ));
    }
    let id = uuid::Uuid::now_v7();
    query("INSERT INTO monitorings (id, case_id, committee_id, session, added_on) VALUES ($1, $2, $3, $4, $5)")
        .bind(id)
        .bind(case)
        .bind(committee.0)
        .bind(session)
        .bind(added_on)
        .execute(tx)
        .await?;
    for t in targets {
        insert_target(tx, case, id, t).await?;
    }
    let detail = serde_json::json!({
        "case": case, "committee": committee, "session": session,
        "added_on": added_on.to_string(), "targets": targets,
    });
    audit::append(
        tx,
        actor,
        "monitoring.create",
        "monitoring",
        &id.to_string(),
        detail.clone(),
    )
    .await?;
    outbox::append(tx, "monitoring", &id.to_string(), "create", detail).await?;
    Ok(id)
}

/// Stores a target; one whose milestone the case has already reached (its
/// stage action is in the history) is met on the day of that action.
async fn insert_target(
    tx: &mut Tx,
    case: uuid::Uuid,
    monitoring: uuid::Uuid,
    t: &Target,
) -> Result<uuid::Uuid> {
    let met_on = match t.milestone.met_by() {
        Some(action) => query(
            "SELECT on_date FROM case_events WHERE case_id = $1 AND action = $2 ORDER BY on_date DESC LIMIT 1",
        )
        .bind(case)
        .bind(action.as_str())
        .fetch_optional(tx)
        .await?
        .map(|r| r.date("on_date"))
        .transpose()?,
        None => None,
    };
    let id = uuid::Uuid::now_v7();
    query("INSERT INTO monitoring_targets (id, monitoring_id, milestone, due_on, note, met_on) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(id)
        .bind(monitoring)
        .bind(t.milestone.as_str())
        .bind(t.due_on)
        .bind(t.note.as_deref())
        .bind(met_on)
        .execute(tx)
        .await?;
    Ok(id)
}

/// Adds a target to an active monitoring.
pub async fn add_target(
    tx: &mut Tx,
    actor: &audit::Actor,
    monitoring: uuid::Uuid,
    t: &Target,
) -> Result<uuid::Uuid> {
    let case = query("SELECT case_id FROM monitorings WHERE id = $1")
        .bind(monitoring)
        .fetch_one(tx)
        .await?
        .uuid("case_id")?;
    let id = insert_target(tx, case, monitoring, t).await?;
    let detail = serde_json::json!({"target": t});
    audit::append(
        tx,
        actor,
        "monitoring.target",
        "monitoring",
        &monitoring.to_string(),
        detail.clone(),
    )
    .await?;
    outbox::append(tx, "monitoring", &monitoring.to_string(), "target", detail).await?;
    Ok(id)
}

/// Marks a target met by hand (milestones no stage action meets).
pub async fn meet_target(
    tx: &mut Tx,
    actor: &audit::Actor,
    target: uuid::Uuid,
    on: Date,
) -> Result<()> {
    let n = query("UPDATE monitoring_targets SET met_on = $1 WHERE id = $2 AND met_on IS NULL")
        .bind(on)
        .bind(target)
        .execute(tx)
        .await?;
    if n == 0 {
        return Err(StoreError::Conflict("target already met".into()));
    }
    let monitoring = query("SELECT monitoring_id FROM monitoring_targets WHERE id = $1")
        .bind(target)
        .fetch_one(&mut *tx)
        .await?
        .uuid("monitoring_id")?;
    audit::touch(tx, "monitoring", &monitoring.to_string());
    let detail = serde_json::json!({"on": on.to_string()});
    audit::record_change(
        tx,
        actor,
        "monitoring.target_met",
        "monitoring_target",
        &target.to_string(),
        detail,
    )
    .await?;
    Ok(())
}

pub(super) async fn meet_targets(
    tx: &mut Tx,
    case: uuid::Uuid,
    action: StageAction,
    on: Date,
) -> Result<u64> {
    let milestones: Vec<Milestone> = Milestone::ALL
        .iter()
        .copied()
        .filter(|m| m.met_by() == Some(action))
        .collect();
    let mut n = 0;
    for r in query("SELECT id FROM monitorings WHERE case_id = $1 AND removed_on IS NULL")
        .bind(case)
        .fetch_all(&mut *tx)
        .await?
    {
        audit::touch(tx, "monitoring", &r.uuid("id")?.to_string());
    }
    for m in milestones {
        n += query(
            "UPDATE monitoring_targets SET met_on = $1 WHERE met_on IS NULL AND milestone = $2 \
             AND monitoring_id IN (SELECT id FROM monitorings WHERE case_id = $3 AND removed_on IS NULL)",
        )
        .bind(on)
        .bind(m.as_str())
        .bind(case)
        .execute(tx)
        .await?;
    }
    Ok(n)
}

/// Removes an entry from a committee's monitoring by a later decision.
pub async fn remove_monitoring(
    tx: &mut Tx,
    actor: &audit::Actor,
    monitoring: uuid::Uuid,
    on: Date,
    session: &str,
) -> Result<()> {
    let n = query(
        "UPDATE monitorings SET removed_on = $1, removal_session = $2 WHERE id = $3 AND removed_on IS NULL AND added_on <= $1",
    )
    .bind(on)
    .bind(session)
    .bind(monitoring)
    .execute(tx)
    .await?;
    if n == 0 {
        return Err(StoreError::Conflict(
            "monitoring already removed, or removal before the decision that placed it".into(),
        ));
    }
    let detail = serde_json::json!({"on": on.to_string(), "session": session});
    audit::append(
        tx,
        actor,
        "monitoring.remove",
        "monitoring",
        &monitoring.to_string(),
        detail.clone(),
    )
    .await?;
    outbox::append(tx, "monitoring", &monitoring.to_string(), "remove", detail).await?;
    Ok(())
}

async fn targets_of(
    ex: &mut impl AsExec,
    monitoring: uuid::Uuid,
) -> Result<Vec<(uuid::Uuid, TargetState)>> {
    query("SELECT id, milestone, due_on, note, met_on FROM monitoring_targets WHERE monitoring_id = $1 ORDER BY due_on, id")
        .bind(monitoring)
        .fetch_all(ex)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.uuid("id")?,
                TargetState {
                    target: Target {
                        milestone: r.code("milestone")?,
                        due_on: r.date("due_on")?,
                        note: r.opt_text("note")?,
                    },
                    met_on: r.opt_date("met_on")?,
                },
            ))
        })
        .collect()
}

const MONITORING_SELECT: &str =
    "SELECT mo.id, mo.case_id, u.code, mo.committee_id, mo.session, mo.added_on, mo.removed_on, \
    mo.removal_session FROM monitorings mo JOIN units u ON u.id = mo.committee_id";

async fn monitorings_from(ex: &mut impl AsExec, rows: Vec<Row>) -> Result<Vec<MonitoringRow>> {
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let id = r.uuid("id")?;
        out.push(MonitoringRow {
            id,
            case_id: r.uuid("case_id")?,
            committee_code: r.text("code")?,
            committee_id: UnitId(r.uuid("committee_id")?),
            session: r.text("session")?,
            added_on: r.date("added_on")?,
            removed_on: r.opt_date("removed_on")?,
            removal_session: r.opt_text("removal_session")?,
            targets: targets_of(ex, id).await?,
        });
    }
    Ok(out)
}

/// An entry's monitorings, past and present.
pub async fn monitorings_of(ex: &mut impl AsExec, case: uuid::Uuid) -> Result<Vec<MonitoringRow>> {
    let rows = query(format!(
        "{MONITORING_SELECT} WHERE mo.case_id = $1 ORDER BY mo.added_on, mo.id"
    ))
    .bind(case)
    .fetch_all(ex)
    .await?;
    monitorings_from(ex, rows).await
}

/// One monitoring.
pub async fn monitoring(ex: &mut impl AsExec, id: uuid::Uuid) -> Result<MonitoringRow> {
    let rows = query(format!("{MONITORING_SELECT} WHERE mo.id = $1"))
        .bind(id)
        .fetch_all(ex)
        .await?;
    monitorings_from(ex, rows)
        .await?
        .pop()
        .ok_or(StoreError::NotFound)
}

/// The watch list: every entry a committee monitors now that the viewer
/// sees, with its monitoring and targets.
pub async fn watch_list(
    ex: &mut impl AsExec,
    v: &Viewer,
    committee: UnitId,
) -> Result<Vec<(CaseRow, MonitoringRow)>> {
    let cf = CaseFilter {
        monitored_by: Some(committee),
        ..Default::default()
    };
    let page = list_cases(ex, v, &cf, None, 5000).await?;
    let mut out = Vec::with_capacity(page.items.len());
    for c in page.items {
        let rows = query(format!(
            "{MONITORING_SELECT} WHERE mo.case_id = $1 AND mo.committee_id = $2 AND mo.removed_on IS NULL"
        ))
        .bind(c.id)
        .bind(committee.0)
        .fetch_all(ex)
        .await?;
        if let Some(m) = monitorings_from(ex, rows).await?.pop() {
            out.push((c, m));
        }
    }
    Ok(out)
}
