//! The register of cases and incidents: entries, stage events, transfers
//! between agencies, monitoring by steering committees, parties, charges
//! and asset events.
//!
//! Visibility is decided in SQL, in one place ([`visible`]): an open entry
//! is seen by whoever's scope holds its registering unit, the agency that
//! holds it, an agency it passed through, or a committee monitoring it; a
//! restricted entry only by the people named on it. Lists, counts, search
//! and single reads all go through it, so a restricted entry never shows
//! up for anyone else — not even as a number.

use crate::db::{query, AsExec, Filter, Row, Value};
use crate::petitions::Page;
use crate::units::UnitRecord;
use crate::{audit, now, outbox, petitions, Result, StoreError, Tx};
use jiff::civil::Date;
use liem_domain::assets::AssetEvent;
use liem_domain::case::{CaseFacts, CaseRecord, DefendantFacts, Stage, StageAction};
use liem_domain::ids::{LetterId, UnitId, UserId};
use liem_domain::people::{Charge, LinkKind, Organisation, PartyRef, PartyRole, Person, Sanction};
use liem_domain::reference::Register;
use liem_domain::register::{
    CaseKind, CaseSource, Milestone, NewCase, Target, TargetState, TransferKind,
};
use liem_domain::role::Scope;
use serde::Serialize;
use std::collections::HashMap;

/// Who is looking: their id and their scope for reading cases.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// The user.
    pub user: UserId,
    /// Their scope for reading cases.
    pub scope: Scope,
}

/// Adds the visibility rule for `c` (the cases table's alias).
pub(crate) fn visible(f: &mut Filter, v: &Viewer) {
    let (sql, values) = visible_sql(v);
    f.and(&sql, values);
}

/// The visibility rule as SQL with `?` placeholders, and their values.
pub(crate) fn visible_sql(v: &Viewer) -> (String, Vec<crate::db::Value>) {
    let access = "EXISTS (SELECT 1 FROM case_access ca WHERE ca.case_id = c.id AND ca.user_id = ?)";
    match petitions::scope_units(&v.scope) {
        None => (access.to_owned(), vec![v.user.0.into()]),
        Some((units, p)) => (
            format!(
                "((c.restricted = ? AND (c.unit_id IN ({units}) OR c.holder_id IN ({units}) \
                 OR EXISTS (SELECT 1 FROM case_transfers t WHERE t.case_id = c.id AND (t.from_unit_id IN ({units}) OR t.to_unit_id IN ({units}))) \
                 OR EXISTS (SELECT 1 FROM monitorings mo WHERE mo.case_id = c.id AND mo.committee_id IN ({units})))) OR {access})"
            ),
            vec![
                false.into(),
                p.clone(),
                p.clone(),
                p.clone(),
                p.clone(),
                p,
                v.user.0.into(),
            ],
        ),
    }
}

/// Who sees a person (`table` = `persons`) or an organisation
/// (`organisations`) under the alias `alias`: they are seen through the
/// cases they stand in — a case the viewer may see, so that a restricted
/// case's parties stay as hidden as the case — or, when they stand in no
/// case, through the unit that recorded them.
pub(crate) fn party_visible_sql(v: &Viewer, table: &str, alias: &str) -> (String, Vec<Value>) {
    let column = if table == "persons" {
        "person_id"
    } else {
        "organisation_id"
    };
    let (cases, mut values) = visible_sql(v);
    match petitions::scope_units(&v.scope) {
        None => (
            format!(
                "EXISTS (SELECT 1 FROM case_parties cp JOIN cases c ON c.id = cp.case_id WHERE cp.{column} = {alias}.id AND {cases})"
            ),
            values,
        ),
        Some((units, p)) => {
            values.push(p);
            (
                format!(
                    "(EXISTS (SELECT 1 FROM case_parties cp JOIN cases c ON c.id = cp.case_id WHERE cp.{column} = {alias}.id AND {cases}) \
                     OR (NOT EXISTS (SELECT 1 FROM case_parties cq WHERE cq.{column} = {alias}.id) AND {alias}.unit_id IN ({units})))"
                ),
                values,
            )
        }
    }
}

/// A register entry as stored.
#[derive(Debug, Clone, Serialize)]
pub struct CaseRow {
    /// Id.
    pub id: uuid::Uuid,
    /// Registering unit.
    pub unit_id: UnitId,
    /// Its code.
    pub unit_code: String,
    /// Incident or case.
    pub kind: CaseKind,
    /// Reference in its register (the case register once it is a case).
    pub reference: String,
    /// Its incident reference, when it began as one.
    pub incident_reference: Option<String>,
    /// Title.
    pub title: String,
    /// Summary.
    pub summary: String,
    /// Source.
    pub source: CaseSource,
    /// Field code.
    pub field: String,
    /// Place.
    pub place: Option<String>,
    /// Restricted to named people.
    pub restricted: bool,
    /// Opened on.
    pub opened_on: Date,
    /// Prosecuted on.
    pub prosecuted_on: Option<Date>,
    /// Closed on.
    pub closed_on: Option<Date>,
    /// The agency holding it now.
    pub holder_id: UnitId,
    /// Its code.
    pub holder_code: String,
    /// Its name.
    pub holder_name: String,
    /// The stage facts.
    pub facts: CaseFacts,
    /// The last day of the current stage, if a limit runs.
    pub stage_due: Option<Date>,
    /// Committees monitoring it now (unit codes).
    pub monitored_by: Vec<String>,
}

const CASE_COLS: &str = "c.id, c.unit_id, un.code AS unit_code, c.kind, c.reference, c.incident_reference, c.title, c.summary, \
    c.source, c.field_code, c.place, c.restricted, c.opened_on, c.prosecuted_on, c.closed_on, c.holder_id, \
    h.code AS holder_code, h.name AS holder_name, c.facts, c.stage_due";
const CASE_FROM: &str =
    "FROM cases c JOIN units un ON un.id = c.unit_id JOIN units h ON h.id = c.holder_id";

fn case_from(r: &Row) -> Result<CaseRow> {
    let facts: CaseFacts = serde_json::from_str(&r.text("facts")?)
        .map_err(|e| StoreError::Corrupt(format!("case facts: {e}")))?;
    Ok(CaseRow {
        id: r.uuid("id")?,
        unit_id: UnitId(r.uuid("unit_id")?),
        unit_code: r.text("unit_code")?,
        kind: r.code("kind")?,
        reference: r.text("reference")?,
        incident_reference: r.opt_text("incident_reference")?,
        title: r.text("title")?,
        summary: r.text("summary")?,
        source: r.code("source")?,
        field: r.text("field_code")?,
        place: r.opt_text("place")?,
        restricted: r.bool("restricted")?,
        opened_on: r.date("opened_on")?,
        prosecuted_on: r.opt_date("prosecuted_on")?,
        closed_on: r.opt_date("closed_on")?,
        holder_id: UnitId(r.uuid("holder_id")?),
        holder_code: r.text("holder_code")?,
        holder_name: r.text("holder_name")?,
        facts,
        stage_due: r.opt_date("stage_due")?,
        monitored_by: Vec::new(),
    })
}

async fn fill_monitors(ex: &mut impl AsExec, rows: &mut [CaseRow]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let marks: Vec<String> = (1..=rows.len()).map(|i| format!("${i}")).collect();
    let mut q = query(format!(
        "SELECT mo.case_id, u.code FROM monitorings mo JOIN units u ON u.id = mo.committee_id \
         WHERE mo.case_id IN ({}) AND mo.removed_on IS NULL ORDER BY u.code",
        marks.join(", ")
    ));
    for c in rows.iter() {
        q = q.bind(c.id);
    }
    for r in q.fetch_all(ex).await? {
        let id = r.uuid("case_id")?;
        if let Some(c) = rows.iter_mut().find(|c| c.id == id) {
            c.monitored_by.push(r.text("code")?);
        }
    }
    Ok(())
}

fn search_text(n: &NewCase, reference: &str) -> String {
    liem_domain::text::fold(&format!(
        "{reference} {} {} {}",
        n.title,
        n.summary,
        n.place.as_deref().unwrap_or("")
    ))
}

/// What a new entry is stored with.
pub struct CaseOpening<'a> {
    /// Registering unit.
    pub unit: &'a UnitRecord,
    /// The validated entry.
    pub case: &'a NewCase,
    /// The agency holding it.
    pub holder: UnitId,
    /// Its starting facts.
    pub facts: &'a CaseFacts,
    /// The limit of its first stage.
    pub stage_due: Option<Date>,
    /// The letters that started it.
    pub letters: &'a [LetterId],
    /// Who registers it (named on it when restricted).
    pub creator: Option<UserId>,
}

/// Registers an entry; returns its id and reference.
pub async fn insert_case(
    tx: &mut Tx,
    actor: &audit::Actor,
    o: &CaseOpening<'_>,
) -> Result<(uuid::Uuid, String)> {
    let id = uuid::Uuid::now_v7();
    let register = match o.case.kind {
        CaseKind::Incident => Register::Incidents,
        CaseKind::Case => Register::Cases,
    };
    let reference = petitions::next_reference(tx, o.unit, register, o.case.opened_on.year())
        .await?
        .format();
    let facts = serde_json::to_string(o.facts).expect("facts serialise");
    let at = now();
    query(
        "INSERT INTO cases (id, unit_id, kind, reference, title, summary, source, field_code, place, restricted, opened_on, \
         prosecuted_on, holder_id, stage, facts, stage_due, search_text, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)",
    )
    .bind(id)
    .bind(o.unit.id.0)
    .bind(o.case.kind.as_str())
    .bind(reference.as_str())
    .bind(o.case.title.as_str())
    .bind(o.case.summary.as_str())
    .bind(o.case.source.as_str())
    .bind(o.case.field.as_str())
    .bind(o.case.place.as_deref())
    .bind(o.case.restricted)
    .bind(o.case.opened_on)
    .bind((o.facts.stage == Stage::Investigation).then_some(o.facts.stage_since))
    .bind(o.holder.0)
    .bind(o.facts.stage.as_str())
    .bind(facts)
    .bind(o.stage_due)
    .bind(search_text(o.case, &reference))
    .bind(o.creator.map(|u| u.0))
    .bind(at)
    .bind(at)
    .execute(tx)
    .await?;
    for l in o.letters {
        query("INSERT INTO case_letters (case_id, letter_id) VALUES ($1, $2)")
            .bind(id)
            .bind(l.0)
            .execute(tx)
            .await?;
    }
    if let (true, Some(u)) = (o.case.restricted, o.creator) {
        grant(tx, id, u, "assigned").await?;
    }
    let detail = serde_json::json!({
        "reference": reference, "kind": o.case.kind, "source": o.case.source,
        "restricted": o.case.restricted, "unit": o.unit.id, "holder": o.holder,
        "stage": o.facts.stage, "letters": o.letters.len(),
    });
    audit::append(
        tx,
        actor,
        "case.create",
        "case",
        &id.to_string(),
        detail.clone(),
    )
    .await?;
    outbox::append(tx, "case", &id.to_string(), "create", detail).await?;
    Ok((id, reference))
}

async fn grant(tx: &mut Tx, case: uuid::Uuid, user: UserId, role: &str) -> Result<()> {
    query(
        "INSERT INTO case_access (case_id, user_id, role, granted_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (case_id, user_id) DO UPDATE SET role = excluded.role",
    )
    .bind(case)
    .bind(user.0)
    .bind(role)
    .bind(now())
    .execute(tx)
    .await?;
    Ok(())
}

/// Names a person on an entry (`assigned` or `leader`): on a restricted
/// entry only they see it.
pub async fn grant_access(
    tx: &mut Tx,
    actor: &audit::Actor,
    case: uuid::Uuid,
    user: UserId,
    role: &str,
) -> Result<()> {
    grant(tx, case, user, role).await?;
    let detail = serde_json::json!({"user": user, "role": role});
    audit::append(
        tx,
        actor,
        "case.grant",
        "case",
        &case.to_string(),
        detail.clone(),
    )
    .await?;
    outbox::append(tx, "case", &case.to_string(), "grant", detail).await?;
    Ok(())
}

/// The people named on an entry: (login, display name, role).
pub async fn access_list(
    ex: &mut impl AsExec,
    case: uuid::Uuid,
) -> Result<Vec<(String, String, String)>> {
    query(
        "SELECT u.username, u.display_name, ca.role FROM case_access ca JOIN users u ON u.id = ca.user_id \
         WHERE ca.case_id = $1 ORDER BY u.username",
    )
    .bind(case)
    .fetch_all(ex)
    .await?
    .iter()
    .map(|r| Ok((r.text("username")?, r.text("display_name")?, r.text("role")?)))
    .collect()
}

/// One entry, if the viewer may see it (else [`StoreError::NotFound`]).
pub async fn get_case(ex: &mut impl AsExec, v: &Viewer, id: uuid::Uuid) -> Result<CaseRow> {
    let mut f = Filter::default();
    f.and("c.id = ?", vec![id.into()]);
    visible(&mut f, v);
    let sql = format!("SELECT {CASE_COLS} {CASE_FROM}{}", f.where_clause());
    let r = f
        .query(sql)
        .fetch_optional(ex)
        .await?
        .ok_or(StoreError::NotFound)?;
    let mut rows = vec![case_from(&r)?];
    fill_monitors(ex, &mut rows).await?;
    Ok(rows.remove(0))
}

/// One entry whoever looks: for system jobs (demo generation, imports)
/// that act on behalf of no user.
pub async fn get_case_unchecked(ex: &mut impl AsExec, id: uuid::Uuid) -> Result<CaseRow> {
    let sql = format!("SELECT {CASE_COLS} {CASE_FROM} WHERE c.id = $1");
    let r = query(sql).bind(id).fetch_one(ex).await?;
    let mut rows = vec![case_from(&r)?];
    fill_monitors(ex, &mut rows).await?;
    Ok(rows.remove(0))
}

/// Finds an entry's id by reference (current or incident), if visible.
pub async fn case_id_by_reference(
    ex: &mut impl AsExec,
    v: &Viewer,
    reference: &str,
) -> Result<uuid::Uuid> {
    let mut f = Filter::default();
    let r = reference.trim().to_ascii_uppercase();
    f.and(
        "(c.reference = ? OR c.incident_reference = ?)",
        vec![r.clone().into(), r.into()],
    );
    visible(&mut f, v);
    let sql = format!("SELECT c.id FROM cases c{}", f.where_clause());
    f.query(sql)
        .fetch_optional(ex)
        .await?
        .ok_or(StoreError::NotFound)?
        .uuid("id")
}

/// Filters for the register.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// Words to find (reference, title, summary, place, parties' names),
    /// matched without diacritics.
    pub text: Option<String>,
    /// Incident or case.
    pub kind: Option<CaseKind>,
    /// Stage.
    pub stage: Option<Stage>,
    /// Held by this agency.
    pub holder: Option<UnitId>,
    /// Monitored now by this committee.
    pub monitored_by: Option<UnitId>,
    /// Past the current stage's limit (as of `today`).
    pub overdue: bool,
    /// Stage limit within this many days of `today`.
    pub due_within: Option<u32>,
    /// The day overdue and due-within count from.
    pub today: Option<Date>,
}

fn case_filter(v: &Viewer, cf: &CaseFilter) -> Filter {
    let mut f = Filter::default();
    visible(&mut f, v);
    let today = cf
        .today
        .unwrap_or_else(|| liem_domain::calendar::civil_date(jiff::Timestamp::now()));
    if let Some(k) = cf.kind {
        f.and("c.kind = ?", vec![k.as_str().into()]);
    }
    if let Some(s) = cf.stage {
        f.and("c.stage = ?", vec![s.as_str().into()]);
    }
    if let Some(h) = cf.holder {
        f.and("c.holder_id = ?", vec![h.0.into()]);
    }
    if let Some(m) = cf.monitored_by {
        f.and(
            // Driven from the committee's monitorings (indexed), not by a
            // probe per case.
            "c.id IN (SELECT mo.case_id FROM monitorings mo WHERE mo.committee_id = ? AND mo.removed_on IS NULL)",
            vec![m.0.into()],
        );
    }
    if cf.overdue {
        f.and("c.stage_due < ?", vec![today.into()]);
    }
    if let Some(n) = cf.due_within {
        let end = today
            .checked_add(jiff::Span::new().days(i64::from(n)))
            .unwrap_or(today);
        f.and(
            "c.stage_due >= ? AND c.stage_due <= ?",
            vec![today.into(), end.into()],
        );
    }
    if let Some(t) = &cf.text {
        for term in liem_domain::text::query_terms(t) {
            let like = format!("%{term}%");
            f.and(
                "(c.search_text LIKE ? OR EXISTS (SELECT 1 FROM case_parties cp LEFT JOIN persons p ON p.id = cp.person_id \
                 LEFT JOIN organisations o ON o.id = cp.organisation_id WHERE cp.case_id = c.id \
                 AND (p.search_text LIKE ? OR o.search_text LIKE ?)))",
                vec![like.clone().into(), like.clone().into(), like.into()],
            );
        }
    }
    f
}

/// Entries the viewer sees matching the filter, newest first.
pub async fn list_cases(
    ex: &mut impl AsExec,
    v: &Viewer,
    cf: &CaseFilter,
    cursor: Option<uuid::Uuid>,
    limit: u32,
) -> Result<Page<CaseRow>> {
    let mut f = case_filter(v, cf);
    if let Some(c) = cursor {
        f.and("c.id < ?", vec![c.into()]);
    }
    let limit = limit.clamp(1, 5000);
    let n = f.next_placeholder();
    let sql = format!(
        "SELECT {CASE_COLS} {CASE_FROM}{} ORDER BY c.id DESC LIMIT ${n}",
        f.where_clause()
    );
    let rows = f
        .query(sql)
        .bind(i64::from(limit) + 1)
        .fetch_all(ex)
        .await?;
    let items = rows.iter().map(case_from).collect::<Result<Vec<_>>>()?;
    let mut page = Page::cut(items, limit, |c| c.id.to_string());
    fill_monitors(ex, &mut page.items).await?;
    Ok(page)
}

/// How many entries the viewer sees matching the filter.
pub async fn count_cases(ex: &mut impl AsExec, v: &Viewer, cf: &CaseFilter) -> Result<i64> {
    let f = case_filter(v, cf);
    let sql = format!("SELECT COUNT(*) AS n FROM cases c{}", f.where_clause());
    f.query(sql).fetch_one(ex).await?.i64("n")
}

/// Overdue and due-soon entries per holding agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageDeadlineCount {
    /// Agency code.
    pub unit_code: String,
    /// Agency name.
    pub unit_name: String,
    /// Entries past their stage limit.
    pub overdue: i64,
    /// Entries due within the window.
    pub due_soon: i64,
}

/// Counts of running stage limits per holding agency, among the entries
/// the viewer sees (optionally only those a committee monitors).
pub async fn stage_deadline_counts(
    ex: &mut impl AsExec,
    v: &Viewer,
    monitored_by: Option<UnitId>,
    today: Date,
    within_days: u32,
) -> Result<Vec<StageDeadlineCount>> {
    let cf = CaseFilter {
        monitored_by,
        ..Default::default()
    };
    let mut f = case_filter(v, &cf);
    f.and("c.stage_due IS NOT NULL", vec![]);
    let end = today
        .checked_add(jiff::Span::new().days(i64::from(within_days)))
        .unwrap_or(today);
    let n = f.next_placeholder();
    let sql = format!(
        "SELECT h.code, h.name, SUM(CASE WHEN c.stage_due < ${n} THEN 1 ELSE 0 END) AS overdue, \
         SUM(CASE WHEN c.stage_due >= ${n} AND c.stage_due <= ${} THEN 1 ELSE 0 END) AS due_soon \
         FROM cases c JOIN units h ON h.id = c.holder_id{} GROUP BY h.code, h.name ORDER BY h.code",
        n + 1,
        f.where_clause()
    );
    let rows = f.query(sql).bind(today).bind(end).fetch_all(ex).await?;
    rows.iter()
        .map(|r| {
            Ok(StageDeadlineCount {
                unit_code: r.text("code")?,
                unit_name: r.text("name")?,
                overdue: r.i64("overdue")?,
                due_soon: r.i64("due_soon")?,
            })
        })
        .filter(|c| c.as_ref().map_or(true, |c| c.overdue > 0 || c.due_soon > 0))
        .collect()
}

/// One recorded stage action.
#[derive(Debug, Clone, Serialize)]
pub struct CaseEvent {
    /// Day decided.
    pub on: Date,
    /// Action.
    pub action: StageAction,
    /// Stage before.
    pub from: Stage,
    /// Stage after.
    pub to: Stage,
    /// Holding agency after (code).
    pub holder_code: String,
    /// Note.
    pub note: Option<String>,
}

/// A stage action to record.
pub struct StageRecord<'a> {
    /// The action.
    pub action: StageAction,
    /// Its day.
    pub on: Date,
    /// Note.
    pub note: Option<&'a str>,
    /// The facts after it.
    pub next: &'a CaseFacts,
    /// The new stage's limit.
    pub stage_due: Option<Date>,
    /// The agency holding it after.
    pub holder: UnitId,
    /// The registering unit (numbers the case reference when an incident
    /// becomes a case).
    pub unit: &'a UnitRecord,
}

/// Records a stage action on an entry: the event, the new facts and
/// limit, the case reference when an incident becomes a case, the parties'
/// roles (bị cáo from indictment, convicted once final), the targets it
/// meets.
pub async fn record_stage(
    tx: &mut Tx,
    actor: &audit::Actor,
    case: &CaseRow,
    r: &StageRecord<'_>,
) -> Result<Option<String>> {
    let at = now();
    query(
        "INSERT INTO case_events (id, case_id, on_date, action, stage_from, stage_to, holder_id, note, actor_id, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(uuid::Uuid::now_v7())
    .bind(case.id)
    .bind(r.on)
    .bind(r.action.as_str())
    .bind(case.facts.stage.as_str())
    .bind(r.next.stage.as_str())
    .bind(r.holder.0)
    .bind(r.note)
    .bind(actor.user.map(|u| u.0))
    .bind(at)
    .execute(tx)
    .await?;
    let mut new_reference = None;
    if r.action == StageAction::Prosecute && case.kind == CaseKind::Incident {
        let reference = petitions::next_reference(tx, r.unit, Register::Cases, r.on.year())
            .await?
            .format();
        query(
            "UPDATE cases SET kind = $1, incident_reference = reference, reference = $2, \
             search_text = search_text || ' ' || $3 WHERE id = $4",
        )
        .bind(CaseKind::Case.as_str())
        .bind(reference.as_str())
        .bind(liem_domain::text::fold(&reference))
        .bind(case.id)
        .execute(tx)
        .await?;
        new_reference = Some(reference);
    }
    let prosecuted = (r.action == StageAction::Prosecute).then_some(r.on);
    let closed = (r.next.stage == Stage::Closed).then_some(r.on);
    query(
        "UPDATE cases SET stage = $1, facts = $2, stage_due = $3, holder_id = $4, \
         prosecuted_on = COALESCE(prosecuted_on, $5), closed_on = $6, updated_at = $7 WHERE id = $8",
    )
    .bind(r.next.stage.as_str())
    .bind(serde_json::to_string(r.next).expect("facts serialise"))
    .bind(r.stage_due)
    .bind(r.holder.0)
    .bind(prosecuted)
    .bind(closed)
    .bind(at)
    .bind(case.id)
    .execute(tx)
    .await?;
    let (from_role, to_role) = match r.action {
        StageAction::Indict => (Some(PartyRole::Accused), Some(PartyRole::Defendant)),
        StageAction::MakeFinal => (Some(PartyRole::Defendant), Some(PartyRole::Convicted)),
        _ => (None, None),
    };
    if let (Some(a), Some(b)) = (from_role, to_role) {
        query("UPDATE case_parties SET role = $1 WHERE case_id = $2 AND role = $3")
            .bind(b.as_str())
            .bind(case.id)
            .bind(a.as_str())
            .execute(tx)
            .await?;
    }
    let met = meet_targets(tx, case.id, r.action, r.on).await?;
    let detail = serde_json::json!({
        "action": r.action, "on": r.on.to_string(), "from": case.facts.stage, "to": r.next.stage,
        "holder": r.holder, "due": r.stage_due.map(|d| d.to_string()), "reference": new_reference,
        "targets_met": met,
    });
    audit::append(
        tx,
        actor,
        "case.stage",
        "case",
        &case.id.to_string(),
        detail.clone(),
    )
    .await?;
    outbox::append(tx, "case", &case.id.to_string(), "stage", detail).await?;
    Ok(new_reference)
}

async fn meet_targets(tx: &mut Tx, case: uuid::Uuid, action: StageAction, on: Date) -> Result<u64> {
    let milestones: Vec<Milestone> = Milestone::ALL
        .iter()
        .copied()
        .filter(|m| m.met_by() == Some(action))
        .collect();
    let mut n = 0;
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

/// An entry's stage events, oldest first.
pub async fn case_events(ex: &mut impl AsExec, case: uuid::Uuid) -> Result<Vec<CaseEvent>> {
    query(
        "SELECT e.on_date, e.action, e.stage_from, e.stage_to, u.code, e.note FROM case_events e \
         JOIN units u ON u.id = e.holder_id WHERE e.case_id = $1 ORDER BY e.on_date, e.id",
    )
    .bind(case)
    .fetch_all(ex)
    .await?
    .iter()
    .map(|r| {
        Ok(CaseEvent {
            on: r.date("on_date")?,
            action: r.code("action")?,
            from: r.code("stage_from")?,
            to: r.code("stage_to")?,
            holder_code: r.text("code")?,
            note: r.opt_text("note")?,
        })
    })
    .collect()
}

/// The references of the letters that started an entry.
pub async fn letters_of(ex: &mut impl AsExec, case: uuid::Uuid) -> Result<Vec<String>> {
    query(
        "SELECT l.reference FROM case_letters cl JOIN letters l ON l.id = cl.letter_id \
         WHERE cl.case_id = $1 ORDER BY l.reference",
    )
    .bind(case)
    .fetch_all(ex)
    .await?
    .iter()
    .map(|r| r.text("reference"))
    .collect()
}

/// Re-sets an entry's facts and limit (after a new charge changes its
/// class); audited as a reclassification.
pub async fn set_facts(
    tx: &mut Tx,
    actor: &audit::Actor,
    case: uuid::Uuid,
    facts: &CaseFacts,
    stage_due: Option<Date>,
) -> Result<()> {
    let text = serde_json::to_string(facts)
        .map_err(|e| crate::StoreError::Corrupt(format!("case facts: {e}")))?;
    query("UPDATE cases SET facts = $1, stage_due = $2, updated_at = $3 WHERE id = $4")
        .bind(text)
        .bind(stage_due)
        .bind(now())
        .bind(case)
        .execute(&mut *tx)
        .await?;
    let detail = serde_json::json!({ "class": facts.class, "stage_due": stage_due });
    audit::append(
        tx,
        actor,
        "case.reclassify",
        "case",
        &case.to_string(),
        detail.clone(),
    )
    .await?;
    outbox::append(tx, "case", &case.to_string(), "reclassify", detail).await
}

/// A file sent from one agency to another.
#[derive(Debug, Clone, Serialize)]
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

/// Records the receiver's acknowledgement; a second one is a conflict.
pub async fn acknowledge_transfer(
    tx: &mut Tx,
    actor: &audit::Actor,
    id: uuid::Uuid,
    on: Date,
    by: Option<UserId>,
) -> Result<()> {
    let n = query(
        "UPDATE case_transfers SET acknowledged_on = $1, acknowledged_by = $2 WHERE id = $3 AND acknowledged_on IS NULL",
    )
    .bind(on)
    .bind(by.map(|u| u.0))
    .bind(id)
    .execute(tx)
    .await?;
    if n == 0 {
        return Err(StoreError::Conflict("transfer already acknowledged".into()));
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
    Ok(())
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
    if let Some((units, p)) = petitions::scope_units(&v.scope) {
        f.and(
            &format!("(t.from_unit_id IN ({units}) OR t.to_unit_id IN ({units}))"),
            vec![p.clone(), p],
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

/// A person as stored.
#[derive(Debug, Clone, Serialize)]
pub struct PersonRow {
    /// Id.
    pub id: uuid::Uuid,
    /// The person.
    #[serde(flatten)]
    pub person: Person,
    /// FtM id when imported.
    pub ftm_id: Option<String>,
}

/// An organisation as stored.
#[derive(Debug, Clone, Serialize)]
pub struct OrganisationRow {
    /// Id.
    pub id: uuid::Uuid,
    /// The organisation.
    #[serde(flatten)]
    pub organisation: Organisation,
    /// FtM id when imported.
    pub ftm_id: Option<String>,
}

fn person_search(p: &Person) -> String {
    liem_domain::text::fold(&format!(
        "{} {} {}",
        p.full_name,
        p.id_number.as_deref().unwrap_or(""),
        p.position.as_deref().unwrap_or("")
    ))
}

/// Records a person; `ftm_id` when imported.
pub async fn insert_person(
    tx: &mut Tx,
    actor: &audit::Actor,
    unit: UnitId,
    p: &Person,
    ftm_id: Option<&str>,
) -> Result<uuid::Uuid> {
    let id = uuid::Uuid::now_v7();
    query(
        "INSERT INTO persons (id, unit_id, full_name, birth_year, id_number, position, workplace, managed_level, \
         party_member, ftm_id, search_text, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(id)
    .bind(unit.0)
    .bind(p.full_name.as_str())
    .bind(p.birth_year.map(i64::from))
    .bind(p.id_number.as_deref())
    .bind(p.position.as_deref())
    .bind(p.workplace.as_deref())
    .bind(p.managed_level.as_str())
    .bind(p.party_member)
    .bind(ftm_id)
    .bind(person_search(p))
    .bind(now())
    .execute(tx)
    .await?;
    // Names stay out of the audit detail and the change feed.
    let detail = serde_json::json!({"unit": unit, "ftm_id": ftm_id});
    audit::append(
        tx,
        actor,
        "person.create",
        "person",
        &id.to_string(),
        detail.clone(),
    )
    .await?;
    outbox::append(tx, "person", &id.to_string(), "create", detail).await?;
    Ok(id)
}

/// Records an organisation; `ftm_id` when imported.
pub async fn insert_organisation(
    tx: &mut Tx,
    actor: &audit::Actor,
    unit: UnitId,
    o: &Organisation,
    ftm_id: Option<&str>,
) -> Result<uuid::Uuid> {
    let id = uuid::Uuid::now_v7();
    query(
        "INSERT INTO organisations (id, unit_id, name, kind, tax_code, address, ftm_id, search_text, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id)
    .bind(unit.0)
    .bind(o.name.as_str())
    .bind(o.kind.as_str())
    .bind(o.tax_code.as_deref())
    .bind(o.address.as_deref())
    .bind(ftm_id)
    .bind(liem_domain::text::fold(&format!(
        "{} {}",
        o.name,
        o.tax_code.as_deref().unwrap_or("")
    )))
    .bind(now())
    .execute(tx)
    .await?;
    let detail = serde_json::json!({"unit": unit, "kind": o.kind, "ftm_id": ftm_id});
    audit::append(
        tx,
        actor,
        "organisation.create",
        "organisation",
        &id.to_string(),
        detail.clone(),
    )
    .await?;
    outbox::append(tx, "organisation", &id.to_string(), "create", detail).await?;
    Ok(id)
}

const PERSON_COLS: &str = "id, full_name, birth_year, id_number, position, workplace, managed_level, party_member, ftm_id";
const PERSON_COLS_PE: &str = "pe.id, pe.full_name, pe.birth_year, pe.id_number, pe.position, pe.workplace, pe.managed_level, pe.party_member, pe.ftm_id";

fn person_from(r: &Row) -> Result<PersonRow> {
    Ok(PersonRow {
        id: r.uuid("id")?,
        person: Person {
            full_name: r.text("full_name")?,
            birth_year: r.get::<Option<i64>>("birth_year")?.map(|y| y as i32),
            id_number: r.opt_text("id_number")?,
            position: r.opt_text("position")?,
            workplace: r.opt_text("workplace")?,
            managed_level: r.code("managed_level")?,
            party_member: r.bool("party_member")?,
        },
        ftm_id: r.opt_text("ftm_id")?,
    })
}

fn organisation_from(r: &Row) -> Result<OrganisationRow> {
    Ok(OrganisationRow {
        id: r.uuid("id")?,
        organisation: Organisation {
            name: r.text("name")?,
            kind: r.code("kind")?,
            tax_code: r.opt_text("tax_code")?,
            address: r.opt_text("address")?,
        },
        ftm_id: r.opt_text("ftm_id")?,
    })
}

/// One person.
pub async fn get_person(ex: &mut impl AsExec, id: uuid::Uuid) -> Result<PersonRow> {
    person_from(
        &query(format!("SELECT {PERSON_COLS} FROM persons WHERE id = $1"))
            .bind(id)
            .fetch_one(ex)
            .await?,
    )
}

/// One person, if the viewer sees them (see [`party_visible_sql`]).
pub async fn visible_person(ex: &mut impl AsExec, v: &Viewer, id: uuid::Uuid) -> Result<PersonRow> {
    let (rule, values) = party_visible_sql(v, "persons", "pe");
    let mut f = Filter::default();
    f.and("pe.id = ?", vec![id.into()]);
    f.and(&rule, values);
    let sql = format!(
        "SELECT {} FROM persons pe{}",
        PERSON_COLS_PE,
        f.where_clause()
    );
    person_from(&f.query(sql).fetch_one(ex).await?)
}

/// One organisation, if the viewer sees it (see [`party_visible_sql`]).
pub async fn visible_organisation(
    ex: &mut impl AsExec,
    v: &Viewer,
    id: uuid::Uuid,
) -> Result<OrganisationRow> {
    let (rule, values) = party_visible_sql(v, "organisations", "o");
    let mut f = Filter::default();
    f.and("o.id = ?", vec![id.into()]);
    f.and(&rule, values);
    let sql = format!(
        "SELECT o.id, o.name, o.kind, o.tax_code, o.address, o.ftm_id FROM organisations o{}",
        f.where_clause()
    );
    organisation_from(&f.query(sql).fetch_one(ex).await?)
}

/// One organisation.
pub async fn get_organisation(ex: &mut impl AsExec, id: uuid::Uuid) -> Result<OrganisationRow> {
    organisation_from(
        &query("SELECT id, name, kind, tax_code, address, ftm_id FROM organisations WHERE id = $1")
            .bind(id)
            .fetch_one(ex)
            .await?,
    )
}

/// People whose name, identity number or position matches, by name.
pub async fn find_persons(
    ex: &mut impl AsExec,
    v: &Viewer,
    text: &str,
    limit: u32,
) -> Result<Vec<PersonRow>> {
    let mut f = Filter::default();
    for term in liem_domain::text::query_terms(text) {
        f.and("pe.search_text LIKE ?", vec![format!("%{term}%").into()]);
    }
    let (rule, values) = party_visible_sql(v, "persons", "pe");
    f.and(&rule, values);
    let n = f.next_placeholder();
    let sql = format!(
        "SELECT {PERSON_COLS_PE} FROM persons pe{} ORDER BY pe.full_name, pe.id LIMIT ${n}",
        f.where_clause()
    );
    f.query(sql)
        .bind(i64::from(limit.clamp(1, 500)))
        .fetch_all(ex)
        .await?
        .iter()
        .map(person_from)
        .collect()
}

/// Organisations whose name or tax code matches.
pub async fn find_organisations(
    ex: &mut impl AsExec,
    v: &Viewer,
    text: &str,
    limit: u32,
) -> Result<Vec<OrganisationRow>> {
    let mut f = Filter::default();
    for term in liem_domain::text::query_terms(text) {
        f.and("o.search_text LIKE ?", vec![format!("%{term}%").into()]);
    }
    let (rule, values) = party_visible_sql(v, "organisations", "o");
    f.and(&rule, values);
    let n = f.next_placeholder();
    let sql = format!(
        "SELECT o.id, o.name, o.kind, o.tax_code, o.address, o.ftm_id FROM organisations o{} ORDER BY o.name, o.id LIMIT ${n}",
        f.where_clause()
    );
    f.query(sql)
        .bind(i64::from(limit.clamp(1, 500)))
        .fetch_all(ex)
        .await?
        .iter()
        .map(organisation_from)
        .collect()
}

/// A person or organisation's id for an FtM id, if imported or exported before.
pub async fn party_by_ftm_id(ex: &mut impl AsExec, ftm_id: &str) -> Result<Option<PartyRef>> {
    if let Some(r) = query("SELECT id FROM persons WHERE ftm_id = $1")
        .bind(ftm_id)
        .fetch_optional(ex)
        .await?
    {
        return Ok(Some(PartyRef::Person(r.uuid("id")?)));
    }
    Ok(query("SELECT id FROM organisations WHERE ftm_id = $1")
        .bind(ftm_id)
        .fetch_optional(ex)
        .await?
        .map(|r| r.uuid("id"))
        .transpose()?
        .map(PartyRef::Organisation))
}

/// A link between two parties.
#[derive(Debug, Clone, Serialize)]
pub struct LinkRow {
    /// Id.
    pub id: uuid::Uuid,
    /// Kind.
    pub kind: LinkKind,
    /// Subject.
    pub subject: PartyRef,
    /// Subject's name.
    pub subject_name: String,
    /// Object.
    pub object: PartyRef,
    /// Object's name.
    pub object_name: String,
    /// From.
    pub start: Option<Date>,
    /// Until.
    pub end: Option<Date>,
    /// Role wording.
    pub role: Option<String>,
    /// FtM id when imported.
    pub ftm_id: Option<String>,
}

fn split(p: PartyRef) -> (Option<uuid::Uuid>, Option<uuid::Uuid>) {
    match p {
        PartyRef::Person(u) => (Some(u), None),
        PartyRef::Organisation(u) => (None, Some(u)),
    }
}

/// A link to record.
pub struct NewLink<'a> {
    /// Kind.
    pub kind: LinkKind,
    /// Subject.
    pub subject: PartyRef,
    /// Object.
    pub object: PartyRef,
    /// From.
    pub start: Option<Date>,
    /// Until.
    pub end: Option<Date>,
    /// Role wording.
    pub role: Option<&'a str>,
    /// FtM id when imported.
    pub ftm_id: Option<&'a str>,
}

/// Records a link.
pub async fn insert_link(tx: &mut Tx, actor: &audit::Actor, l: &NewLink<'_>) -> Result<uuid::Uuid> {
    let id = uuid::Uuid::now_v7();
    let (sp, so) = split(l.subject);
    let (op, oo) = split(l.object);
    query(
        "INSERT INTO party_links (id, kind, subject_person_id, subject_org_id, object_person_id, object_org_id, \
         start_date, end_date, role, ftm_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(id)
    .bind(l.kind.as_str())
    .bind(sp)
    .bind(so)
    .bind(op)
    .bind(oo)
    .bind(l.start)
    .bind(l.end)
    .bind(l.role)
    .bind(l.ftm_id)
    .bind(now())
    .execute(tx)
    .await?;
    let detail = serde_json::json!({"kind": l.kind, "subject": l.subject, "object": l.object});
    audit::append(
        tx,
        actor,
        "link.create",
        "party_link",
        &id.to_string(),
        detail.clone(),
    )
    .await?;
    outbox::append(tx, "party_link", &id.to_string(), "create", detail).await?;
    Ok(id)
}

const LINK_SELECT: &str = "SELECT l.id, l.kind, l.subject_person_id, l.subject_org_id, l.object_person_id, l.object_org_id, \
    COALESCE(sp.full_name, so.name) AS subject_name, COALESCE(op.full_name, oo.name) AS object_name, \
    l.start_date, l.end_date, l.role, l.ftm_id FROM party_links l \
    LEFT JOIN persons sp ON sp.id = l.subject_person_id LEFT JOIN organisations so ON so.id = l.subject_org_id \
    LEFT JOIN persons op ON op.id = l.object_person_id LEFT JOIN organisations oo ON oo.id = l.object_org_id";

fn party_of(r: &Row, person: &str, org: &str) -> Result<PartyRef> {
    match (r.opt_uuid(person)?, r.opt_uuid(org)?) {
        (Some(p), _) => Ok(PartyRef::Person(p)),
        (None, Some(o)) => Ok(PartyRef::Organisation(o)),
        _ => Err(StoreError::Corrupt(
            "a link end is neither person nor organisation".into(),
        )),
    }
}

fn link_from(r: &Row) -> Result<LinkRow> {
    Ok(LinkRow {
        id: r.uuid("id")?,
        kind: r.code("kind")?,
        subject: party_of(r, "subject_person_id", "subject_org_id")?,
        subject_name: r.text("subject_name")?,
        object: party_of(r, "object_person_id", "object_org_id")?,
        object_name: r.text("object_name")?,
        start: r.opt_date("start_date")?,
        end: r.opt_date("end_date")?,
        role: r.opt_text("role")?,
        ftm_id: r.opt_text("ftm_id")?,
    })
}

/// The links of a party (as subject or object).
pub async fn links_of(ex: &mut impl AsExec, p: PartyRef) -> Result<Vec<LinkRow>> {
    let (cols, id) = match p {
        PartyRef::Person(u) => (("l.subject_person_id", "l.object_person_id"), u),
        PartyRef::Organisation(u) => (("l.subject_org_id", "l.object_org_id"), u),
    };
    query(format!(
        "{LINK_SELECT} WHERE {} = $1 OR {} = $1 ORDER BY l.start_date, l.id",
        cols.0, cols.1
    ))
    .bind(id)
    .fetch_all(ex)
    .await?
    .iter()
    .map(link_from)
    .collect()
}

/// A party in an entry.
#[derive(Debug, Clone, Serialize)]
pub struct PartyRow {
    /// Id.
    pub id: uuid::Uuid,
    /// The entry.
    pub case_id: uuid::Uuid,
    /// Who.
    pub party: PartyRef,
    /// Their name.
    pub name: String,
    /// Role.
    pub role: PartyRole,
    /// Prosecuted (khởi tố bị can) on.
    pub prosecuted_on: Option<Date>,
    /// Added to a case already prosecuted.
    pub added: bool,
    /// Charges.
    pub charges: Vec<Charge>,
}

/// Adds a party to an entry.
pub async fn add_party(
    tx: &mut Tx,
    actor: &audit::Actor,
    case: uuid::Uuid,
    party: PartyRef,
    role: PartyRole,
    prosecuted_on: Option<Date>,
    added: bool,
) -> Result<uuid::Uuid> {
    let dup = match party {
        PartyRef::Person(u) => {
            query("SELECT 1 AS one FROM case_parties WHERE case_id = $1 AND person_id = $2")
                .bind(case)
                .bind(u)
        }
        PartyRef::Organisation(u) => {
            query("SELECT 1 AS one FROM case_parties WHERE case_id = $1 AND organisation_id = $2")
                .bind(case)
                .bind(u)
        }
    }
    .fetch_optional(tx)
    .await?;
    if dup.is_some() {
        return Err(StoreError::Conflict("already a party to this case".into()));
    }
    let id = uuid::Uuid::now_v7();
    let (p, o) = split(party);
    query(
        "INSERT INTO case_parties (id, case_id, person_id, organisation_id, role, prosecuted_on, added, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(case)
    .bind(p)
    .bind(o)
    .bind(role.as_str())
    .bind(prosecuted_on)
    .bind(added)
    .bind(now())
    .execute(tx)
    .await?;
    let detail = serde_json::json!({
        "party": party, "role": role, "prosecuted_on": prosecuted_on.map(|d| d.to_string()), "added": added,
    });
    audit::append(
        tx,
        actor,
        "case.party",
        "case",
        &case.to_string(),
        detail.clone(),
    )
    .await?;
    outbox::append(tx, "case", &case.to_string(), "party", detail).await?;
    Ok(id)
}

/// Records a charge against a party.
pub async fn add_charge(
    tx: &mut Tx,
    actor: &audit::Actor,
    case: uuid::Uuid,
    party: uuid::Uuid,
    c: &Charge,
) -> Result<uuid::Uuid> {
    let id = uuid::Uuid::now_v7();
    query("INSERT INTO charges (id, party_id, article, clause, class, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(id)
        .bind(party)
        .bind(i64::from(c.article))
        .bind(i64::from(c.clause))
        .bind(c.class.as_str())
        .bind(now())
        .execute(tx)
        .await?;
    let detail = serde_json::json!({"party": party, "charge": c});
    audit::append(
        tx,
        actor,
        "case.charge",
        "case",
        &case.to_string(),
        detail.clone(),
    )
    .await?;
    outbox::append(tx, "case", &case.to_string(), "charge", detail).await?;
    Ok(id)
}

const PARTY_SELECT: &str = "SELECT cp.id, cp.case_id, cp.person_id, cp.organisation_id, COALESCE(p.full_name, o.name) AS name, \
    cp.role, cp.prosecuted_on, cp.added FROM case_parties cp LEFT JOIN persons p ON p.id = cp.person_id \
    LEFT JOIN organisations o ON o.id = cp.organisation_id";

async fn parties_from(ex: &mut impl AsExec, rows: Vec<Row>) -> Result<Vec<PartyRow>> {
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let id = r.uuid("id")?;
        let charges = query("SELECT article, clause, class FROM charges WHERE party_id = $1 ORDER BY article, clause")
            .bind(id)
            .fetch_all(ex)
            .await?
            .iter()
            .map(|c| {
                Ok(Charge {
                    article: c.i64("article")? as u32,
                    clause: c.i64("clause")? as u32,
                    class: c.code("class")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        out.push(PartyRow {
            id,
            case_id: r.uuid("case_id")?,
            party: party_of(&r, "person_id", "organisation_id")?,
            name: r.text("name")?,
            role: r.code("role")?,
            prosecuted_on: r.opt_date("prosecuted_on")?,
            added: r.bool("added")?,
            charges,
        });
    }
    Ok(out)
}

/// An entry's parties with their charges.
pub async fn parties_of(ex: &mut impl AsExec, case: uuid::Uuid) -> Result<Vec<PartyRow>> {
    let rows = query(format!(
        "{PARTY_SELECT} WHERE cp.case_id = $1 ORDER BY cp.created_at, cp.id"
    ))
    .bind(case)
    .fetch_all(ex)
    .await?;
    parties_from(ex, rows).await
}

/// One party row.
pub async fn party(ex: &mut impl AsExec, id: uuid::Uuid) -> Result<PartyRow> {
    let rows = query(format!("{PARTY_SELECT} WHERE cp.id = $1"))
        .bind(id)
        .fetch_all(ex)
        .await?;
    parties_from(ex, rows)
        .await?
        .pop()
        .ok_or(StoreError::NotFound)
}

/// A sanction as stored.
#[derive(Debug, Clone, Serialize)]
pub struct SanctionRow {
    /// Id.
    pub id: uuid::Uuid,
    /// On whom.
    pub subject: PartyRef,
    /// In which entry, if any.
    pub case_id: Option<uuid::Uuid>,
    /// The sanction.
    #[serde(flatten)]
    pub sanction: Sanction,
}

/// Records a sanction on a person or organisation.
pub async fn add_sanction(
    tx: &mut Tx,
    actor: &audit::Actor,
    subject: PartyRef,
    case: Option<uuid::Uuid>,
    s: &Sanction,
) -> Result<uuid::Uuid> {
    let id = uuid::Uuid::now_v7();
    let (p, o) = split(subject);
    query(
        "INSERT INTO sanctions (id, person_id, organisation_id, case_id, track, measure, decided_on, authority, months, fine_vnd, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(id)
    .bind(p)
    .bind(o)
    .bind(case)
    .bind(s.track.as_str())
    .bind(s.measure.as_str())
    .bind(s.decided_on)
    .bind(s.authority.as_str())
    .bind(s.months.map(i64::from))
    .bind(s.fine_vnd)
    .bind(now())
    .execute(tx)
    .await?;
    let detail = serde_json::json!({"subject": subject, "case": case, "track": s.track, "measure": s.measure});
    audit::append(
        tx,
        actor,
        "sanction.create",
        "sanction",
        &id.to_string(),
        detail.clone(),
    )
    .await?;
    outbox::append(tx, "sanction", &id.to_string(), "create", detail).await?;
    Ok(id)
}

fn sanction_from(r: &Row) -> Result<SanctionRow> {
    Ok(SanctionRow {
        id: r.uuid("id")?,
        subject: party_of(r, "person_id", "organisation_id")?,
        case_id: r.opt_uuid("case_id")?,
        sanction: Sanction {
            track: r.code("track")?,
            measure: r.code("measure")?,
            decided_on: r.date("decided_on")?,
            authority: r.text("authority")?,
            months: r.get::<Option<i64>>("months")?.map(|m| m as u32),
            fine_vnd: r.get::<Option<i64>>("fine_vnd")?,
        },
    })
}

const SANCTION_SELECT: &str = "SELECT id, person_id, organisation_id, case_id, track, measure, decided_on, authority, months, fine_vnd FROM sanctions";

/// The sanctions of a person or organisation.
pub async fn sanctions_of(ex: &mut impl AsExec, p: PartyRef) -> Result<Vec<SanctionRow>> {
    let col = match p {
        PartyRef::Person(_) => "person_id",
        PartyRef::Organisation(_) => "organisation_id",
    };
    query(format!(
        "{SANCTION_SELECT} WHERE {col} = $1 ORDER BY decided_on, id"
    ))
    .bind(p.id())
    .fetch_all(ex)
    .await?
    .iter()
    .map(sanction_from)
    .collect()
}

/// The sanctions decided in an entry.
pub async fn sanctions_in_case(ex: &mut impl AsExec, case: uuid::Uuid) -> Result<Vec<SanctionRow>> {
    query(format!(
        "{SANCTION_SELECT} WHERE case_id = $1 ORDER BY decided_on, id"
    ))
    .bind(case)
    .fetch_all(ex)
    .await?
    .iter()
    .map(sanction_from)
    .collect()
}

/// Records an asset event.
pub async fn add_asset(
    tx: &mut Tx,
    actor: &audit::Actor,
    case: uuid::Uuid,
    a: &AssetEvent,
) -> Result<uuid::Uuid> {
    let id = uuid::Uuid::now_v7();
    query(
        "INSERT INTO asset_events (id, case_id, kind, route, on_date, amount_vnd, land_m2, item, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id)
    .bind(case)
    .bind(a.kind.as_str())
    .bind(a.route.as_str())
    .bind(a.on)
    .bind(a.amount_vnd)
    .bind(a.land_m2)
    .bind(a.item.as_deref())
    .bind(now())
    .execute(tx)
    .await?;
    let detail = serde_json::json!({"event": a});
    audit::append(
        tx,
        actor,
        "case.asset",
        "case",
        &case.to_string(),
        detail.clone(),
    )
    .await?;
    outbox::append(tx, "case", &case.to_string(), "asset", detail).await?;
    Ok(id)
}

const ASSET_COLS: &str = "kind, route, on_date, amount_vnd, land_m2, item";

fn asset_from(r: &Row) -> Result<AssetEvent> {
    Ok(AssetEvent {
        kind: r.code("kind")?,
        route: r.code("route")?,
        on: r.date("on_date")?,
        amount_vnd: r.i64("amount_vnd")?,
        land_m2: r.i64("land_m2")?,
        item: r.opt_text("item")?,
    })
}

/// An entry's asset events, by date.
pub async fn assets_of(ex: &mut impl AsExec, case: uuid::Uuid) -> Result<Vec<AssetEvent>> {
    query(format!(
        "SELECT {ASSET_COLS} FROM asset_events WHERE case_id = $1 ORDER BY on_date, id"
    ))
    .bind(case)
    .fetch_all(ex)
    .await?
    .iter()
    .map(asset_from)
    .collect()
}

/// The set of entries a figure is computed over.
#[derive(Debug, Clone)]
pub enum CaseScope {
    /// Entries registered by or held in a unit and its descendants.
    Subtree(String),
    /// Entries a committee monitored at some time within the period.
    Committee(UnitId),
}

/// The facts counting needs — every visible entry of the scope with its
/// stage events and defendants — and their asset events.
pub async fn counting_facts(
    ex: &mut impl AsExec,
    v: &Viewer,
    scope: &CaseScope,
    from: Date,
    to: Date,
) -> Result<(Vec<CaseRecord>, Vec<AssetEvent>)> {
    let mut f = Filter::default();
    visible(&mut f, v);
    match scope {
        CaseScope::Subtree(p) => f.and(
            "(c.unit_id IN (SELECT id FROM units WHERE path LIKE ?) OR c.holder_id IN (SELECT id FROM units WHERE path LIKE ?))",
            vec![format!("{p}%").into(), format!("{p}%").into()],
        ),
        CaseScope::Committee(u) => f.and(
            "EXISTS (SELECT 1 FROM monitorings mo WHERE mo.case_id = c.id AND mo.committee_id = ? AND mo.added_on <= ? \
             AND (mo.removed_on IS NULL OR mo.removed_on >= ?))",
            vec![u.0.into(), to.into(), from.into()],
        ),
    }
    let cases = case_records(ex, &f)
        .await?
        .into_iter()
        .map(|c| c.1)
        .collect();
    let of_scope = format!("SELECT c.id FROM cases c{}", f.where_clause());
    let sql = format!(
        "SELECT {ASSET_COLS} FROM asset_events WHERE case_id IN ({of_scope}) ORDER BY on_date, id"
    );
    let assets = f
        .query(sql)
        .fetch_all(ex)
        .await?
        .iter()
        .map(asset_from)
        .collect::<Result<Vec<_>>>()?;
    Ok((cases, assets))
}

/// The cases the filter `f` (on the alias `c`) selects, as counting needs
/// them, each with its registering unit: one query each for the cases, their
/// events and their defendants.
pub(crate) async fn case_records(
    ex: &mut impl AsExec,
    f: &Filter,
) -> Result<Vec<(UnitId, CaseRecord)>> {
    let sql = format!(
        "SELECT c.id, c.unit_id, c.prosecuted_on, c.closed_on FROM cases c{} ORDER BY c.id",
        f.where_clause()
    );
    let rows = f.query(sql).fetch_all(ex).await?;
    let of_scope = format!("SELECT c.id FROM cases c{}", f.where_clause());
    let mut events: HashMap<uuid::Uuid, Vec<(Date, StageAction)>> = HashMap::new();
    let sql = format!(
        "SELECT case_id, on_date, action FROM case_events WHERE case_id IN ({of_scope}) ORDER BY on_date, id"
    );
    for e in f.query(sql).fetch_all(ex).await? {
        events
            .entry(e.uuid("case_id")?)
            .or_default()
            .push((e.date("on_date")?, e.code::<StageAction>("action")?));
    }
    // Defendants: the parties in a charged role (the domain's rule).
    let charged: Vec<&str> = PartyRole::ALL
        .iter()
        .filter(|r| r.charged())
        .map(|r| r.as_str())
        .collect();
    let first = f.next_placeholder();
    let marks: Vec<String> = (first..first + charged.len())
        .map(|i| format!("${i}"))
        .collect();
    let sql = format!(
        "SELECT case_id, id, prosecuted_on, added FROM case_parties WHERE case_id IN ({of_scope}) \
         AND prosecuted_on IS NOT NULL AND role IN ({}) ORDER BY id",
        marks.join(", ")
    );
    let mut q = f.query(sql);
    for r in charged {
        q = q.bind(r);
    }
    let mut defendants: HashMap<uuid::Uuid, Vec<DefendantFacts>> = HashMap::new();
    for d in q.fetch_all(ex).await? {
        defendants
            .entry(d.uuid("case_id")?)
            .or_default()
            .push(DefendantFacts {
                id: d.uuid("id")?,
                prosecuted_on: d.date("prosecuted_on")?,
                added: d.bool("added")?,
            });
    }
    rows.iter()
        .map(|r| {
            let id = r.uuid("id")?;
            Ok((
                UnitId(r.uuid("unit_id")?),
                CaseRecord {
                    id,
                    prosecuted_on: r.opt_date("prosecuted_on")?,
                    closed_on: r.opt_date("closed_on")?,
                    defendants: defendants.remove(&id).unwrap_or_default(),
                    events: events.remove(&id).unwrap_or_default(),
                },
            ))
        })
        .collect()
}

/// What a person's page shows: everything linked to them that the viewer
/// may see.
#[derive(Debug, Clone, Serialize)]
pub struct Dossier {
    /// The person.
    pub person: PersonRow,
    /// Their links.
    pub links: Vec<LinkRow>,
    /// Their roles in visible entries: (entry, party row).
    pub cases: Vec<(CaseRow, PartyRow)>,
    /// Their sanctions on all three tracks.
    pub sanctions: Vec<SanctionRow>,
    /// Letters in the viewer's petition scope naming them as the subject,
    /// or linked to their cases: (reference, received on, summary).
    pub letters: Vec<(String, Date, String)>,
}

/// A person's dossier as the viewer may see it.
pub async fn dossier(
    ex: &mut impl AsExec,
    v: &Viewer,
    petition_scope: &Scope,
    person: uuid::Uuid,
) -> Result<Dossier> {
    let p = visible_person(ex, v, person).await?;
    let links = links_of(ex, PartyRef::Person(person)).await?;
    let party_rows = query(format!(
        "{PARTY_SELECT} WHERE cp.person_id = $1 ORDER BY cp.created_at"
    ))
    .bind(person)
    .fetch_all(ex)
    .await?;
    let mut cases = Vec::new();
    for pr in parties_from(ex, party_rows).await? {
        match get_case(ex, v, pr.case_id).await {
            Ok(c) => cases.push((c, pr)),
            Err(StoreError::NotFound) => {}
            Err(e) => return Err(e),
        }
    }
    let sanctions = sanctions_of(ex, PartyRef::Person(person)).await?;
    let mut f = Filter::default();
    petitions::scope_condition(&mut f, petition_scope, "l.unit_id");
    let case_ids: Vec<Value> = cases.iter().map(|(c, _)| c.id.into()).collect();
    let in_cases = if case_ids.is_empty() {
        "1 = 0".to_owned()
    } else {
        format!(
            "l.id IN (SELECT letter_id FROM case_letters WHERE case_id IN ({}))",
            vec!["?"; case_ids.len()].join(", ")
        )
    };
    let mut values = vec![format!("%{}%", liem_domain::text::fold(&p.person.full_name)).into()];
    values.extend(case_ids);
    f.and(
        &format!("(l.search_text LIKE ? AND l.subject IS NOT NULL OR {in_cases})"),
        values,
    );
    let sql = format!(
        "SELECT l.reference, l.received_on, l.summary FROM letters l{} ORDER BY l.received_on DESC LIMIT 200",
        f.where_clause()
    );
    let letters = f
        .query(sql)
        .fetch_all(ex)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.text("reference")?,
                r.date("received_on")?,
                r.text("summary")?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Dossier {
        person: p,
        links,
        cases,
        sanctions,
        letters,
    })
}

/// The people, organisations and links for an FtM export (in id order):
/// everything for the instance's operator (`None`), else what the viewer
/// sees — a link only when they see both of its ends.
pub async fn all_for_export(
    ex: &mut impl AsExec,
    v: Option<&Viewer>,
) -> Result<(Vec<PersonRow>, Vec<OrganisationRow>, Vec<LinkRow>)> {
    let rule = |table: &str, alias: &str| {
        let mut f = Filter::default();
        if let Some(v) = v {
            let (rule, values) = party_visible_sql(v, table, alias);
            f.and(&rule, values);
        }
        f
    };
    let f = rule("persons", "pe");
    let persons = f
        .query(format!(
            "SELECT {PERSON_COLS_PE} FROM persons pe{} ORDER BY pe.id",
            f.where_clause()
        ))
        .fetch_all(&mut *ex)
        .await?
        .iter()
        .map(person_from)
        .collect::<Result<Vec<_>>>()?;
    let f = rule("organisations", "o");
    let orgs = f
        .query(format!(
            "SELECT o.id, o.name, o.kind, o.tax_code, o.address, o.ftm_id FROM organisations o{} ORDER BY o.id",
            f.where_clause()
        ))
        .fetch_all(&mut *ex)
        .await?
        .iter()
        .map(organisation_from)
        .collect::<Result<Vec<_>>>()?;
    let seen: std::collections::HashSet<uuid::Uuid> = persons
        .iter()
        .map(|p| p.id)
        .chain(orgs.iter().map(|o| o.id))
        .collect();
    let links = query(format!("{LINK_SELECT} ORDER BY l.id"))
        .fetch_all(ex)
        .await?
        .iter()
        .map(link_from)
        .filter(|l| {
            l.as_ref().map_or(true, |l| {
                seen.contains(&l.subject.id()) && seen.contains(&l.object.id())
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((persons, orgs, links))
}
