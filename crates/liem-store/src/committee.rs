//! A steering committee's meetings, conclusions, directions and tasks, and
//! every step of a task's follow-up.

use crate::db::{query, AsExec, Row};
use crate::{audit, now, Result, StoreError, Tx};
use jiff::civil::Date;
use liem_domain::committee::{
    ConclusionFact, ConclusionKind, MeetingFact, MeetingKind, NewConclusion, NewMeeting,
    TaskAction, TaskFacts, TaskState,
};
use liem_domain::ids::UnitId;
use liem_domain::role::Scope;
use serde::Serialize;
use uuid::Uuid;

use crate::db::path_scope as scope_cond;

fn json_list(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

fn read_list(r: &Row, col: &str) -> Result<Vec<String>> {
    serde_json::from_str(&r.text(col)?).map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))
}

/// Records a meeting of the committee of `unit`; `agenda_cases[i]` is the
/// case agenda item `i` concerns.
pub async fn insert_meeting(
    tx: &mut Tx,
    actor: &audit::Actor,
    unit: UnitId,
    m: &NewMeeting,
    agenda_cases: &[Option<Uuid>],
) -> Result<Uuid> {
    let id = Uuid::now_v7();
    query("INSERT INTO committee_meetings (id, unit_id, kind, held_on, place, chair, members_total, present, excused, quorum, minutes, created_by, created_at) \
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)")
        .bind(id)
        .bind(unit.0)
        .bind(m.kind.as_str())
        .bind(m.held_on)
        .bind(m.place.as_str())
        .bind(m.chair.as_str())
        .bind(i64::from(m.members_total))
        .bind(json_list(&m.present))
        .bind(json_list(&m.excused))
        .bind(m.quorum)
        .bind(m.minutes.clone())
        .bind(actor.user.map(|u| u.0))
        .bind(now())
        .execute(&mut *tx)
        .await?;
    for (i, a) in m.agenda.iter().enumerate() {
        query("INSERT INTO committee_agenda (meeting_id, position, title, case_id) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(i as i64 + 1)
            .bind(a.title.as_str())
            .bind(agenda_cases.get(i).copied().flatten())
            .execute(&mut *tx)
            .await?;
    }
    let detail = serde_json::json!({
        "unit": unit, "kind": m.kind, "held_on": m.held_on.to_string(),
        "present": m.present.len(), "excused": m.excused.len(), "agenda": m.agenda.len(),
    });
    audit::record_change(
        tx,
        actor,
        "committee.meeting.create",
        "committee_meeting",
        &id.to_string(),
        detail,
    )
    .await?;
    Ok(id)
}

/// A meeting in a list.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeetingBrief {
    /// Its id.
    pub id: Uuid,
    /// The committee's unit code.
    pub unit: String,
    /// Its kind.
    pub kind: MeetingKind,
    /// The day it was held.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub held_on: Date,
    /// Where.
    pub place: String,
    /// Who chaired it.
    pub chair: String,
    /// Members present.
    pub present: u32,
    /// The body's members.
    pub members_total: u32,
    /// Whether the quorum was met.
    pub quorum: bool,
    /// Conclusions it issued.
    pub conclusions: u32,
}

/// An agenda item as stored.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgendaRecord {
    /// Its number, from 1.
    pub position: i64,
    /// What was discussed.
    pub title: String,
    /// The case it concerns.
    pub case_id: Option<Uuid>,
}

/// A meeting with its agenda and minutes.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeetingRecord {
    /// What a list shows of it.
    #[serde(flatten)]
    pub brief: MeetingBrief,
    /// The committee's unit.
    pub unit_id: UnitId,
    /// Its unit's path (for the gate).
    #[serde(skip)]
    pub unit_path: String,
    /// The members present, by name.
    pub present_names: Vec<String>,
    /// The members excused, by name.
    pub excused_names: Vec<String>,
    /// The agenda.
    pub agenda: Vec<AgendaRecord>,
    /// The minutes.
    pub minutes: Option<String>,
}

const MEETING_COLS: &str = "m.id, un.code AS unit_code, un.path AS unit_path, m.unit_id, m.kind, m.held_on, m.place, m.chair, \
     m.members_total, m.present, m.excused, m.quorum, m.minutes, \
     (SELECT COUNT(*) FROM committee_conclusions c WHERE c.meeting_id = m.id) AS conclusions";

fn meeting_brief(r: &Row) -> Result<MeetingBrief> {
    Ok(MeetingBrief {
        id: r.uuid("id")?,
        unit: r.text("unit_code")?,
        kind: r.code("kind")?,
        held_on: r.date("held_on")?,
        place: r.text("place")?,
        chair: r.text("chair")?,
        present: read_list(r, "present")?.len() as u32,
        members_total: u32::try_from(r.i64("members_total")?)
            .map_err(|_| StoreError::Corrupt("members_total".into()))?,
        quorum: r.bool("quorum")?,
        conclusions: r.i64("conclusions")? as u32,
    })
}

/// The meetings of the committees in `scope` held between two days, newest
/// first, at most `limit`.
pub async fn meetings(
    ex: &mut impl AsExec,
    scope: &Scope,
    from: Date,
    to: Date,
    limit: i64,
) -> Result<Vec<MeetingBrief>> {
    let Some((cond, path)) = scope_cond(scope, "un.path", 3) else {
        return Ok(Vec::new());
    };
    query(format!(
        "SELECT {MEETING_COLS} FROM committee_meetings m JOIN units un ON un.id = m.unit_id \
         WHERE m.held_on >= $1 AND m.held_on <= $2 AND {cond} ORDER BY m.held_on DESC, m.id DESC LIMIT {limit}"
    ))
    .bind(from)
    .bind(to)
    .bind_some(path)
    .fetch_all(ex)
    .await?
    .iter()
    .map(meeting_brief)
    .collect()
}

/// A meeting, or `NotFound`.
pub async fn meeting(ex: &mut impl AsExec, id: Uuid) -> Result<MeetingRecord> {
    let r = query(format!(
        "SELECT {MEETING_COLS} FROM committee_meetings m JOIN units un ON un.id = m.unit_id WHERE m.id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *ex)
    .await?
    .ok_or(StoreError::NotFound)?;
    let agenda = query(
        "SELECT position, title, case_id FROM committee_agenda WHERE meeting_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(&mut *ex)
    .await?
    .iter()
    .map(|a| {
        Ok(AgendaRecord {
            position: a.i64("position")?,
            title: a.text("title")?,
            case_id: a.opt_uuid("case_id")?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    Ok(MeetingRecord {
        brief: meeting_brief(&r)?,
        unit_id: UnitId(r.uuid("unit_id")?),
        unit_path: r.text("unit_path")?,
        present_names: read_list(&r, "present")?,
        excused_names: read_list(&r, "excused")?,
        agenda,
        minutes: r.opt_text("minutes")?,
    })
}

/// A task to write with a conclusion: its direction (from 1), its units
/// looked up, its due date computed.
#[derive(Debug, Clone)]
pub struct TaskToWrite {
    /// The direction it comes from, numbered from 1.
    pub direction: i64,
    /// The owner unit.
    pub owner: UnitId,
    /// The co-ordinating units' codes.
    pub coordinating: Vec<String>,
    /// What is to be done.
    pub title: String,
    /// The case it concerns.
    pub case_id: Option<Uuid>,
    /// Its due date.
    pub due_on: Date,
    /// What it is (`project`, `report`…), when said.
    pub kind: Option<String>,
    /// The month or quarter it is due within, when given so (`2026-Q2`).
    pub due_period: Option<String>,
}

/// Records a conclusion issued by a meeting of the committee of `unit`,
/// its directions and the tasks they give; the conclusion's id and its
/// tasks' ids, in order. A number the committee already used is a conflict.
pub async fn insert_conclusion(
    tx: &mut Tx,
    actor: &audit::Actor,
    unit: UnitId,
    meeting: Uuid,
    c: &NewConclusion,
    tasks: &[TaskToWrite],
) -> Result<(Uuid, Vec<Uuid>)> {
    let taken = query("SELECT id FROM committee_conclusions WHERE unit_id = $1 AND number = $2")
        .bind(unit.0)
        .bind(c.number.as_str())
        .fetch_optional(&mut *tx)
        .await?;
    if taken.is_some() {
        return Err(StoreError::Conflict(
            "number: the committee has already issued a conclusion with this number".into(),
        ));
    }
    let id = Uuid::now_v7();
    query("INSERT INTO committee_conclusions (id, unit_id, meeting_id, kind, number, issued_on, summary, created_by, created_at) \
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .bind(id)
        .bind(unit.0)
        .bind(meeting)
        .bind(c.kind.as_str())
        .bind(c.number.as_str())
        .bind(c.issued_on)
        .bind(c.summary.as_str())
        .bind(actor.user.map(|u| u.0))
        .bind(now())
        .execute(&mut *tx)
        .await?;
    for (i, d) in c.directions.iter().enumerate() {
        query(
            "INSERT INTO committee_directions (conclusion_id, position, text) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(i as i64 + 1)
        .bind(d.text.as_str())
        .execute(&mut *tx)
        .await?;
    }
    audit::record_change(
        tx,
        actor,
        "committee.conclusion.create",
        "committee_conclusion",
        &id.to_string(),
        serde_json::json!({
            "unit": unit, "meeting": meeting, "kind": c.kind, "issued_on": c.issued_on.to_string(),
            "directions": c.directions.len(), "tasks": tasks.len(),
        }),
    )
    .await?;
    let mut ids = Vec::with_capacity(tasks.len());
    for t in tasks {
        ids.push(insert_task(tx, actor, unit, id, c.issued_on, t).await?);
    }
    Ok((id, ids))
}

/// One task of a conclusion being recorded, with its own audit record.
async fn insert_task(
    tx: &mut Tx,
    actor: &audit::Actor,
    unit: UnitId,
    conclusion: Uuid,
    issued_on: Date,
    t: &TaskToWrite,
) -> Result<Uuid> {
    let tid = Uuid::now_v7();
    query("INSERT INTO committee_tasks (id, unit_id, conclusion_id, direction, owner_unit_id, coordinating, title, case_id, \
           assigned_on, due_on, state, reported_on, closed_on, last_on, created_at) \
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, NULL, $12, $13)")
        .bind(tid)
        .bind(unit.0)
        .bind(conclusion)
        .bind(t.direction)
        .bind(t.owner.0)
        .bind(json_list(&t.coordinating))
        .bind(t.title.as_str())
        .bind(t.case_id)
        .bind(issued_on)
        .bind(t.due_on)
        .bind(TaskState::Assigned.as_str())
        .bind(issued_on)
        .bind(now())
        .execute(&mut *tx)
        .await?;
    if t.kind.is_some() || t.due_period.is_some() {
        query("INSERT INTO committee_task_items (task_id, kind, due_period) VALUES ($1, $2, $3)")
            .bind(tid)
            .bind(t.kind.clone())
            .bind(t.due_period.clone())
            .execute(&mut *tx)
            .await?;
    }
    audit::record_change(
        tx,
        actor,
        "committee.task.create",
        "committee_task",
        &tid.to_string(),
        serde_json::json!({
            "committee": unit, "conclusion": conclusion, "direction": t.direction, "owner": t.owner,
            "due_on": t.due_on.to_string(),
        }),
    )
    .await?;
    Ok(tid)
}

/// A conclusion with its directions.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConclusionRecord {
    /// Its id.
    pub id: Uuid,
    /// The committee's unit code.
    pub unit: String,
    /// Its unit's path (for the gate).
    #[serde(skip)]
    pub unit_path: String,
    /// The meeting that issued it.
    pub meeting_id: Uuid,
    /// Its kind.
    pub kind: ConclusionKind,
    /// Its number.
    pub number: String,
    /// The day it was issued.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub issued_on: Date,
    /// Its summary.
    pub summary: String,
    /// Its directions, numbered from 1.
    pub directions: Vec<String>,
}

/// The conclusions a meeting issued, each with its directions.
pub async fn conclusions_of(ex: &mut impl AsExec, meeting: Uuid) -> Result<Vec<ConclusionRecord>> {
    let rows = query(
        "SELECT c.id, un.code AS unit_code, un.path AS unit_path, c.meeting_id, c.kind, c.number, c.issued_on, c.summary \
         FROM committee_conclusions c JOIN units un ON un.id = c.unit_id WHERE c.meeting_id = $1 ORDER BY c.issued_on, c.id",
    )
    .bind(meeting)
    .fetch_all(&mut *ex)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let id = r.uuid("id")?;
        let directions = query(
            "SELECT text FROM committee_directions WHERE conclusion_id = $1 ORDER BY position",
        )
        .bind(id)
        .fetch_all(&mut *ex)
        .await?
        .iter()
        .map(|d| d.text("text"))
        .collect::<Result<Vec<_>>>()?;
        out.push(ConclusionRecord {
            id,
            unit: r.text("unit_code")?,
            unit_path: r.text("unit_path")?,
            meeting_id: r.uuid("meeting_id")?,
            kind: r.code("kind")?,
            number: r.text("number")?,
            issued_on: r.date("issued_on")?,
            summary: r.text("summary")?,
            directions,
        });
    }
    Ok(out)
}

/// A task as stored, with its committee, its owner and its conclusion.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskRecord {
    /// Its id.
    pub id: Uuid,
    /// The committee's unit code.
    pub committee: String,
    /// The committee's unit path (for the gate).
    #[serde(skip)]
    pub committee_path: String,
    /// The committee's unit.
    #[serde(skip)]
    pub committee_id: UnitId,
    /// The conclusion it comes from.
    pub conclusion_id: Uuid,
    /// That conclusion's number.
    pub conclusion_number: String,
    /// The meeting that issued the conclusion.
    pub meeting_id: Uuid,
    /// The direction it comes from, numbered from 1.
    pub direction: i64,
    /// The owner unit's code.
    pub owner: String,
    /// The owner unit's name.
    pub owner_name: String,
    /// The owner unit.
    #[serde(skip)]
    pub owner_id: UnitId,
    /// The owner unit's path (for the gate).
    #[serde(skip)]
    pub owner_path: String,
    /// The co-ordinating units' codes.
    pub coordinating: Vec<String>,
    /// What is to be done.
    pub title: String,
    /// The case it concerns.
    pub case_id: Option<Uuid>,
    /// What it is (`project`, `report`…), when said.
    pub kind: Option<String>,
    /// The month or quarter it is due within, when given so (`2026-Q2`).
    pub due_period: Option<String>,
    /// Its follow-up.
    pub facts: TaskFacts,
}

const TASK_COLS: &str = "t.id, cu.code AS committee, cu.path AS committee_path, t.unit_id, t.conclusion_id, c.number, c.meeting_id, \
     t.direction, ou.code AS owner, ou.name AS owner_name, t.owner_unit_id, ou.path AS owner_path, t.coordinating, t.title, t.case_id, \
     t.state, t.assigned_on, t.due_on, t.reported_on, t.closed_on, t.last_on, ti.kind AS item_kind, ti.due_period";

const TASK_FROM: &str = "committee_tasks t JOIN units cu ON cu.id = t.unit_id JOIN units ou ON ou.id = t.owner_unit_id \
     JOIN committee_conclusions c ON c.id = t.conclusion_id LEFT JOIN committee_task_items ti ON ti.task_id = t.id";

fn task(r: &Row) -> Result<TaskRecord> {
    Ok(TaskRecord {
        id: r.uuid("id")?,
        committee: r.text("committee")?,
        committee_path: r.text("committee_path")?,
        committee_id: UnitId(r.uuid("unit_id")?),
        conclusion_id: r.uuid("conclusion_id")?,
        conclusion_number: r.text("number")?,
        meeting_id: r.uuid("meeting_id")?,
        direction: r.i64("direction")?,
        owner: r.text("owner")?,
        owner_name: r.text("owner_name")?,
        owner_id: UnitId(r.uuid("owner_unit_id")?),
        owner_path: r.text("owner_path")?,
        coordinating: read_list(r, "coordinating")?,
        title: r.text("title")?,
        case_id: r.opt_uuid("case_id")?,
        kind: r.opt_text("item_kind")?,
        due_period: r.opt_text("due_period")?,
        facts: TaskFacts {
            state: r.code("state")?,
            assigned_on: r.date("assigned_on")?,
            due_on: r.date("due_on")?,
            reported_on: r.opt_date("reported_on")?,
            closed_on: r.opt_date("closed_on")?,
            last_on: r.date("last_on")?,
        },
    })
}

/// A task, or `NotFound`.
pub async fn task_by_id(ex: &mut impl AsExec, id: Uuid) -> Result<TaskRecord> {
    query(format!(
        "SELECT {TASK_COLS} FROM {TASK_FROM} WHERE t.id = $1"
    ))
    .bind(id)
    .fetch_optional(ex)
    .await?
    .ok_or(StoreError::NotFound)
    .and_then(|r| task(&r))
}

/// Which tasks a list holds.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    /// Only open tasks (not done, not withdrawn).
    pub open_only: bool,
    /// Only tasks owned by this unit.
    pub owner: Option<UnitId>,
    /// Only tasks of this conclusion.
    pub conclusion: Option<Uuid>,
    /// Only tasks due on or before this day.
    pub due_by: Option<Date>,
}

/// The tasks that a reader with `scope` sees — those its committees gave
/// and those its units own —, by due date, at most `limit`.
pub async fn tasks(
    ex: &mut impl AsExec,
    scope: &Scope,
    filter: &TaskFilter,
    limit: i64,
) -> Result<Vec<TaskRecord>> {
    let Some((c1, path)) = scope_cond(scope, "cu.path", 1) else {
        return Ok(Vec::new());
    };
    let (c2, _) = scope_cond(scope, "ou.path", 1).expect("same scope");
    let mut conds = vec![format!("({c1} OR {c2})")];
    let mut q_binds: Vec<crate::db::Value> = path.into_iter().map(Into::into).collect();
    if filter.open_only {
        conds.push(format!(
            "t.state NOT IN ('{}', '{}')",
            TaskState::Done.as_str(),
            TaskState::Cancelled.as_str()
        ));
    }
    if let Some(o) = filter.owner {
        q_binds.push(o.0.into());
        conds.push(format!("t.owner_unit_id = ${}", q_binds.len()));
    }
    if let Some(c) = filter.conclusion {
        q_binds.push(c.into());
        conds.push(format!("t.conclusion_id = ${}", q_binds.len()));
    }
    if let Some(d) = filter.due_by {
        q_binds.push(d.into());
        conds.push(format!("t.due_on <= ${}", q_binds.len()));
    }
    q_binds.push(limit.into());
    let sql = format!(
        "SELECT {TASK_COLS} FROM {TASK_FROM} WHERE {} ORDER BY t.due_on, t.id LIMIT ${}",
        conds.join(" AND "),
        q_binds.len()
    );
    query(sql)
        .bind_all(q_binds)
        .fetch_all(ex)
        .await?
        .iter()
        .map(task)
        .collect()
}

/// A document given as evidence with a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskDocument {
    /// Its storage address.
    pub sha256: String,
    /// Its size in bytes.
    pub size: i64,
    /// Its checked media type.
    pub media_type: String,
    /// The name it came with.
    pub filename: String,
}

/// A step of a task's follow-up.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskEvent {
    /// Its id.
    pub id: Uuid,
    /// What was done.
    pub action: TaskAction,
    /// The day it was done.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub on_date: Date,
    /// What was reported, or why.
    pub note: Option<String>,
    /// The new due date (an extension).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub due_on: Option<Date>,
    /// The evidence given.
    pub document: Option<TaskDocument>,
    /// Who recorded it.
    pub actor: Option<String>,
    /// When it was recorded.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub at: jiff::Timestamp,
}

/// The document a step's row carries, if any.
fn step_document_of(r: &Row) -> Result<Option<TaskDocument>> {
    match r.opt_text("doc_sha256")? {
        Some(sha256) => Ok(Some(TaskDocument {
            sha256,
            size: r.i64("doc_size")?,
            media_type: r.text("doc_media_type")?,
            filename: r.text("doc_filename")?,
        })),
        None => Ok(None),
    }
}

/// Records a step of a task's follow-up and its new facts.
#[allow(clippy::too_many_arguments)]
pub async fn record_step(
    tx: &mut Tx,
    actor: &audit::Actor,
    task: &TaskRecord,
    action: TaskAction,
    next: &TaskFacts,
    note: Option<&str>,
    document: Option<&TaskDocument>,
) -> Result<Uuid> {
    let id = Uuid::now_v7();
    let due_on = (action == TaskAction::Extend).then_some(next.due_on);
    query("INSERT INTO committee_task_events (id, task_id, action, on_date, note, due_on, doc_sha256, doc_size, doc_media_type, doc_filename, actor_id, at) \
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")
        .bind(id)
        .bind(task.id)
        .bind(action.as_str())
        .bind(next.last_on)
        .bind(note)
        .bind(due_on)
        .bind(document.map(|d| d.sha256.clone()))
        .bind(document.map(|d| d.size))
        .bind(document.map(|d| d.media_type.clone()))
        .bind(document.map(|d| d.filename.clone()))
        .bind(actor.user.map(|u| u.0))
        .bind(now())
        .execute(&mut *tx)
        .await?;
    let n = query("UPDATE committee_tasks SET state = $1, due_on = $2, reported_on = $3, closed_on = $4, last_on = $5 WHERE id = $6 AND state = $7")
        .bind(next.state.as_str())
        .bind(next.due_on)
        .bind(next.reported_on)
        .bind(next.closed_on)
        .bind(next.last_on)
        .bind(task.id)
        .bind(task.facts.state.as_str())
        .execute(&mut *tx)
        .await?;
    if n != 1 {
        return Err(StoreError::Conflict(
            "state: the task changed meanwhile; read it again".into(),
        ));
    }
    audit::record_change(
        tx,
        actor,
        &format!("committee.task.{}", action.as_str()),
        "committee_task",
        &task.id.to_string(),
        serde_json::json!({
            "from": task.facts.state, "to": next.state, "on": next.last_on.to_string(),
            "due_on": next.due_on.to_string(), "document": document.map(|d| &d.sha256),
        }),
    )
    .await?;
    Ok(id)
}

/// The steps of a task's follow-up, in order.
pub async fn steps(ex: &mut impl AsExec, task: Uuid) -> Result<Vec<TaskEvent>> {
    query(
        "SELECT e.id, e.action, e.on_date, e.note, e.due_on, e.doc_sha256, e.doc_size, e.doc_media_type, e.doc_filename, \
         u.display_name, e.at FROM committee_task_events e LEFT JOIN users u ON u.id = e.actor_id \
         WHERE e.task_id = $1 ORDER BY e.at, e.id",
    )
    .bind(task)
    .fetch_all(ex)
    .await?
    .iter()
    .map(|r| {
        let document = step_document_of(r)?;
        Ok(TaskEvent {
            id: r.uuid("id")?,
            action: r.code("action")?,
            on_date: r.date("on_date")?,
            note: r.opt_text("note")?,
            due_on: r.opt_date("due_on")?,
            document,
            actor: r.opt_text("display_name")?,
            at: r
                .opt_timestamp("at")?
                .ok_or_else(|| StoreError::Corrupt("event without time".into()))?,
        })
    })
    .collect()
}

/// The document of a task's step, by its storage address (for download,
/// after the gate has passed the task).
pub async fn step_document(ex: &mut impl AsExec, task: Uuid, sha256: &str) -> Result<TaskDocument> {
    query("SELECT doc_sha256, doc_size, doc_media_type, doc_filename FROM committee_task_events WHERE task_id = $1 AND doc_sha256 = $2")
        .bind(task)
        .bind(sha256)
        .fetch_optional(ex)
        .await?
        .ok_or(StoreError::NotFound)
        .and_then(|r| step_document_of(&r)?.ok_or(StoreError::NotFound))
}

/// What the activity figures of the committees in `scope` count over a
/// period: meetings held in it, conclusions issued in it (of every kind; the
/// domain says which count), and every task given by the period's end
/// that was not closed before it began.
pub async fn activity_facts(
    ex: &mut impl AsExec,
    scope: &Scope,
    from: Date,
    to: Date,
) -> Result<(Vec<MeetingFact>, Vec<ConclusionFact>, Vec<TaskFacts>)> {
    let Some((cond, path)) = scope_cond(scope, "un.path", 3) else {
        return Ok(Default::default());
    };
    let meetings = query(format!(
        "SELECT m.kind, m.held_on FROM committee_meetings m JOIN units un ON un.id = m.unit_id \
         WHERE m.held_on >= $1 AND m.held_on <= $2 AND {cond}"
    ))
    .bind(from)
    .bind(to)
    .bind_some(path.clone())
    .fetch_all(&mut *ex)
    .await?
    .iter()
    .map(|r| {
        Ok(MeetingFact {
            kind: r.code("kind")?,
            held_on: r.date("held_on")?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    let conclusions = query(format!(
        "SELECT c.kind, c.issued_on FROM committee_conclusions c JOIN units un ON un.id = c.unit_id \
         WHERE c.issued_on >= $1 AND c.issued_on <= $2 AND {cond}"
    ))
    .bind(from)
    .bind(to)
    .bind_some(path.clone())
    .fetch_all(&mut *ex)
    .await?
    .iter()
    .map(|r| {
        Ok(ConclusionFact {
            kind: r.code("kind")?,
            issued_on: r.date("issued_on")?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    let tasks = query(format!(
        "SELECT t.state, t.assigned_on, t.due_on, t.reported_on, t.closed_on, t.last_on \
         FROM committee_tasks t JOIN units un ON un.id = t.unit_id \
         WHERE t.assigned_on <= $2 AND (t.closed_on IS NULL OR t.closed_on >= $1 OR t.due_on >= $1) AND {cond}"
    ))
    .bind(from)
    .bind(to)
    .bind_some(path)
    .fetch_all(&mut *ex)
    .await?
    .iter()
    .map(|r| {
        Ok(TaskFacts {
            state: r.code("state")?,
            assigned_on: r.date("assigned_on")?,
            due_on: r.date("due_on")?,
            reported_on: r.opt_date("reported_on")?,
            closed_on: r.opt_date("closed_on")?,
            last_on: r.date("last_on")?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    Ok((meetings, conclusions, tasks))
}

/// Plans an inspection or supervision of the committee of `unit`.
pub async fn insert_inspection(
    tx: &mut Tx,
    actor: &audit::Actor,
    unit: UnitId,
    i: &liem_domain::committee::NewInspection,
) -> Result<Uuid> {
    let id = Uuid::now_v7();
    let subjects: Vec<String> = i.subjects.iter().map(|s| s.as_str().to_owned()).collect();
    query("INSERT INTO committee_inspections (id, unit_id, kind, title, subjects, team, planned_from, planned_to, created_by, created_at) \
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
        .bind(id)
        .bind(unit.0)
        .bind(i.kind.as_str())
        .bind(i.title.as_str())
        .bind(json_list(&subjects))
        .bind(json_list(&i.team))
        .bind(i.from)
        .bind(i.to)
        .bind(actor.user.map(|u| u.0))
        .bind(now())
        .execute(&mut *tx)
        .await?;
    audit::record_change(
        tx,
        actor,
        "committee.inspection.create",
        "committee_inspection",
        &id.to_string(),
        serde_json::json!({"unit": unit, "kind": i.kind, "from": i.from.to_string(), "subjects": subjects}),
    )
    .await?;
    Ok(id)
}

/// An inspection or supervision as stored.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InspectionRecord {
    /// Its id.
    pub id: Uuid,
    /// The committee's unit code.
    pub unit: String,
    /// The committee's unit.
    #[serde(skip)]
    pub unit_id: UnitId,
    /// Its unit's path (for the gate).
    #[serde(skip)]
    pub unit_path: String,
    /// Its kind.
    pub kind: liem_domain::committee::InspectionKind,
    /// What it looks at.
    pub title: String,
    /// The units inspected (codes).
    pub subjects: Vec<String>,
    /// The team.
    pub team: Vec<String>,
    /// First day.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub planned_from: Date,
    /// Last day.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub planned_to: Date,
    /// What it found.
    pub findings: Option<String>,
    /// The day the findings were reported.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub reported_on: Option<Date>,
    /// The conclusion issued on it.
    pub conclusion_id: Option<Uuid>,
    /// That conclusion's number.
    pub conclusion_number: Option<String>,
    /// The meeting that issued it.
    pub meeting_id: Option<Uuid>,
}

const INSPECTION_SELECT: &str = "SELECT i.id, un.code AS unit_code, un.path AS unit_path, i.unit_id, i.kind, i.title, i.subjects, i.team, \
     i.planned_from, i.planned_to, i.findings, i.reported_on, i.conclusion_id, c.number, c.meeting_id \
     FROM committee_inspections i JOIN units un ON un.id = i.unit_id \
     LEFT JOIN committee_conclusions c ON c.id = i.conclusion_id";

fn inspection(r: &Row) -> Result<InspectionRecord> {
    Ok(InspectionRecord {
        id: r.uuid("id")?,
        unit: r.text("unit_code")?,
        unit_id: UnitId(r.uuid("unit_id")?),
        unit_path: r.text("unit_path")?,
        kind: r.code("kind")?,
        title: r.text("title")?,
        subjects: read_list(r, "subjects")?,
        team: read_list(r, "team")?,
        planned_from: r.date("planned_from")?,
        planned_to: r.date("planned_to")?,
        findings: r.opt_text("findings")?,
        reported_on: r.opt_date("reported_on")?,
        conclusion_id: r.opt_uuid("conclusion_id")?,
        conclusion_number: r.opt_text("number")?,
        meeting_id: r.opt_uuid("meeting_id")?,
    })
}

/// An inspection, or `NotFound`.
pub async fn inspection_by_id(ex: &mut impl AsExec, id: Uuid) -> Result<InspectionRecord> {
    query(format!("{INSPECTION_SELECT} WHERE i.id = $1"))
        .bind(id)
        .fetch_optional(ex)
        .await?
        .ok_or(StoreError::NotFound)
        .and_then(|r| inspection(&r))
}

/// The inspections of the committees in `scope`, latest first.
pub async fn inspections(ex: &mut impl AsExec, scope: &Scope) -> Result<Vec<InspectionRecord>> {
    let Some((cond, path)) = scope_cond(scope, "un.path", 1) else {
        return Ok(Vec::new());
    };
    query(format!(
        "{INSPECTION_SELECT} WHERE {cond} ORDER BY i.planned_from DESC, i.id DESC LIMIT 500"
    ))
    .bind_some(path)
    .fetch_all(ex)
    .await?
    .iter()
    .map(inspection)
    .collect()
}

/// Records an inspection's findings.
pub async fn report_findings(
    tx: &mut Tx,
    actor: &audit::Actor,
    id: Uuid,
    findings: &str,
    on: Date,
) -> Result<()> {
    let n = query("UPDATE committee_inspections SET findings = $1, reported_on = $2 WHERE id = $3 AND conclusion_id IS NULL")
        .bind(findings)
        .bind(on)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if n != 1 {
        return Err(StoreError::Conflict(
            "state: the inspection is already concluded".into(),
        ));
    }
    audit::record_change(
        tx,
        actor,
        "committee.inspection.findings",
        "committee_inspection",
        &id.to_string(),
        serde_json::json!({"on": on.to_string()}),
    )
    .await
}

/// Links an inspection to the conclusion issued on it (once).
pub async fn conclude_inspection(
    tx: &mut Tx,
    actor: &audit::Actor,
    id: Uuid,
    conclusion: Uuid,
) -> Result<()> {
    let n = query("UPDATE committee_inspections SET conclusion_id = $1 WHERE id = $2 AND conclusion_id IS NULL AND findings IS NOT NULL")
        .bind(conclusion)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if n != 1 {
        return Err(StoreError::Conflict(
            "inspection: it has no findings yet, or is already concluded".into(),
        ));
    }
    audit::record_change(
        tx,
        actor,
        "committee.inspection.conclude",
        "committee_inspection",
        &id.to_string(),
        serde_json::json!({"conclusion": conclusion}),
    )
    .await
}

/// The inspections of the committees in `scope` the figures of a period
/// count: begun in it, or concluded in it.
pub async fn inspection_facts(
    ex: &mut impl AsExec,
    scope: &Scope,
    from: Date,
    to: Date,
) -> Result<Vec<liem_domain::committee::InspectionFact>> {
    let Some((cond, path)) = scope_cond(scope, "un.path", 3) else {
        return Ok(Vec::new());
    };
    query(format!(
        "SELECT i.kind, i.planned_from, c.issued_on, \
         (SELECT COUNT(*) FROM committee_directions d WHERE d.conclusion_id = c.id) AS recommendations \
         FROM committee_inspections i JOIN units un ON un.id = i.unit_id \
         LEFT JOIN committee_conclusions c ON c.id = i.conclusion_id \
         WHERE ((i.planned_from >= $1 AND i.planned_from <= $2) OR (c.issued_on >= $1 AND c.issued_on <= $2)) AND {cond}"
    ))
    .bind(from)
    .bind(to)
    .bind_some(path)
    .fetch_all(ex)
    .await?
    .iter()
    .map(|r| {
        Ok(liem_domain::committee::InspectionFact {
            kind: r.code("kind")?,
            from: r.date("planned_from")?,
            recommendations: match r.opt_date("issued_on")? {
                Some(d) => Some((r.i64("recommendations")? as u32, d)),
                None => None,
            },
        })
    })
    .collect()
}

/// A document of a meeting.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeetingDocument {
    /// Its id.
    pub id: Uuid,
    /// Its storage address.
    #[serde(skip)]
    pub sha256: String,
    /// Its size in bytes.
    pub size: i64,
    /// Its checked media type.
    pub media_type: String,
    /// The name it came with (empty for a reader who may not open a secret one).
    pub filename: String,
    /// Whether it is secret: opened only by the committee's own leaders.
    pub secret: bool,
}

/// Adds a document to a meeting.
pub async fn add_document(
    tx: &mut Tx,
    actor: &audit::Actor,
    meeting: Uuid,
    d: &MeetingDocument,
) -> Result<()> {
    query("INSERT INTO committee_meeting_documents (id, meeting_id, sha256, size, media_type, filename, secret, created_by, created_at) \
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .bind(d.id)
        .bind(meeting)
        .bind(d.sha256.as_str())
        .bind(d.size)
        .bind(d.media_type.as_str())
        .bind(d.filename.as_str())
        .bind(d.secret)
        .bind(actor.user.map(|u| u.0))
        .bind(now())
        .execute(&mut *tx)
        .await?;
    audit::record_change(
        tx,
        actor,
        "committee.meeting.document",
        "committee_meeting",
        &meeting.to_string(),
        serde_json::json!({"document": d.id, "secret": d.secret, "sha256": d.sha256}),
    )
    .await
}

/// A meeting's documents, in the order they were added.
pub async fn documents_of(ex: &mut impl AsExec, meeting: Uuid) -> Result<Vec<MeetingDocument>> {
    query("SELECT id, sha256, size, media_type, filename, secret FROM committee_meeting_documents WHERE meeting_id = $1 ORDER BY created_at, id")
        .bind(meeting)
        .fetch_all(ex)
        .await?
        .iter()
        .map(|r| {
            Ok(MeetingDocument {
                id: r.uuid("id")?,
                sha256: r.text("sha256")?,
                size: r.i64("size")?,
                media_type: r.text("media_type")?,
                filename: r.text("filename")?,
                secret: r.bool("secret")?,
            })
        })
        .collect()
}
