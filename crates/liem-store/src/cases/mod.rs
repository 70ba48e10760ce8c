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

mod assets;
mod people;
mod register;

use crate::audit;
use crate::db::query;
use crate::db::AsExec;
use crate::db::Filter;
use crate::db::Row;
use crate::now;
use crate::outbox;
use crate::petitions;
use crate::petitions::Page;
use crate::units::UnitRecord;
use crate::Result;
use crate::StoreError;
use crate::Tx;
pub use assets::*;
use jiff::civil::Date;
use liem_domain::assets::AssetEvent;
use liem_domain::case::CaseFacts;
use liem_domain::case::CaseRecord;
use liem_domain::case::DefendantFacts;
use liem_domain::case::Stage;
use liem_domain::case::StageAction;
use liem_domain::ids::LetterId;
use liem_domain::ids::UnitId;
use liem_domain::ids::UserId;
use liem_domain::people::PartyRole;
use liem_domain::reference::Register;
use liem_domain::register::CaseKind;
use liem_domain::register::CaseSource;
use liem_domain::register::NewCase;
use liem_domain::role::Scope;
pub use people::*;
pub use register::*;
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
        Some(u) => (
            format!(
                "((c.restricted = ? AND (c.unit_id IN ({units}) OR c.holder_id IN ({units}) \
                 OR EXISTS (SELECT 1 FROM case_transfers t WHERE t.case_id = c.id AND (t.from_unit_id IN ({units}) OR t.to_unit_id IN ({units}))) \
                 OR EXISTS (SELECT 1 FROM monitorings mo WHERE mo.case_id = c.id AND mo.committee_id IN ({units})))) OR {access})",
                units = u.sql
            ),
            [false.into()]
                .into_iter()
                .chain(u.values(5))
                .chain([v.user.0.into()])
                .collect(),
        ),
    }
}

/// A register entry as stored.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// Only these entries: the ones the search index found for the words
    /// typed (reference, title, summary, place, parties' names). Words
    /// themselves are never matched here, by a scan of every row.
    pub ids: Option<Vec<uuid::Uuid>>,
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
    if let Some(ids) = &cf.ids {
        f.and_in("c.id", ids.iter().map(|i| (*i).into()).collect());
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    let met = register::meet_targets(tx, case.id, r.action, r.on).await?;
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

/// Every case of the given units (all when `None`), or of a committee's
/// monitored list, with its stage events and defendants, and the asset
/// events of those cases: the facts the case figures are counted from.
///
/// These are official statistics, counted exactly as the standard forms
/// count them (form 07-PCTN): the selection is [`crate::stats::cases_by_unit`]'s,
/// restricted cases included (a figure names no one), each case attributed to
/// the unit that registered it (`liem_domain::case::count`).
pub async fn counting_facts(
    ex: &mut impl AsExec,
    units: Option<&[UnitId]>,
    list: Option<&crate::stats::Monitored>,
) -> Result<(Vec<CaseRecord>, Vec<AssetEvent>)> {
    let f = crate::stats::statistics_filter(units, list);
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

/// How many entries of each kind a committee monitors now (removed ones
/// not counted), restricted ones included: a figure of the committee's
/// list, like [`counting_facts`].
pub async fn monitored_now(ex: &mut impl AsExec, committee: UnitId) -> Result<(i64, i64)> {
    let r = query(
        "SELECT COALESCE(SUM(CASE WHEN c.kind = $1 THEN 1 ELSE 0 END), 0) AS cases, \
         COALESCE(SUM(CASE WHEN c.kind = $2 THEN 1 ELSE 0 END), 0) AS incidents FROM cases c \
         WHERE c.id IN (SELECT mo.case_id FROM monitorings mo WHERE mo.committee_id = $3 AND mo.removed_on IS NULL)",
    )
    .bind(CaseKind::Case.as_str())
    .bind(CaseKind::Incident.as_str())
    .bind(committee.0)
    .fetch_one(ex)
    .await?;
    Ok((r.i64("cases")?, r.i64("incidents")?))
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
