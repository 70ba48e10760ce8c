//! A steering committee's own work: its meetings, the conclusions they
//! issue, and the tasks those conclusions give, followed up until the
//! standing body accepts them.
//!
//! Who may do what: the leaders of a steering committee's unit (central or
//! provincial) record its meetings and conclusions and decide on its tasks
//! (accept, send back, extend, withdraw); the handlers and leaders of the
//! unit that owns a task report on it; whoever reads committee work sees
//! the meetings and tasks of the committees in their scope and the tasks
//! their units own. Anything else is not found.

use crate::admin::service::rules;
use crate::auth::Principal;
use crate::clock::today;
use crate::files::Upload;
use crate::state::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::write::Writer;
use jiff::civil::Date;
use liem_domain::calendar::Calendar;
use liem_domain::committee::{
    activity, ActivityFigures, ConclusionInput, MeetingInput, Standing, TaskAction, TaskMove,
};
use liem_domain::role::{Right, Scope};
use liem_domain::ValidationErrors;
use liem_store::committee::{
    self as store, ConclusionRecord, MeetingBrief, MeetingRecord, TaskDocument, TaskEvent,
    TaskFilter, TaskRecord, TaskToWrite,
};
use liem_store::units::{self, UnitRecord};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

fn bad(field: &str, rule: &str, message: &str) -> AppError {
    AppError::Validation(ValidationErrors::single(field, rule, message))
}

/// The caller's own unit, when it is a steering committee and the caller
/// runs its work.
async fn own_committee(state: &AppState, who: &Writer) -> AppResult<UnitRecord> {
    who.grant(Right::RunCommittee)?;
    let mut c = state.store.conn().await?;
    let unit = units::get(&mut c, who.user.unit_id).await?;
    if !unit.kind.steers() {
        return Err(AppError::Forbidden(
            "meetings and conclusions are recorded by a steering committee's leaders".into(),
        ));
    }
    Ok(unit)
}

/// Records a meeting of the caller's committee.
pub async fn record_meeting(
    state: &AppState,
    who: &Writer,
    input: &MeetingInput,
) -> AppResult<Uuid> {
    let unit = own_committee(state, who).await?;
    let m = input.parse(today())?;
    let mut cases = Vec::with_capacity(m.agenda.len());
    let mut errs = ValidationErrors::new();
    for (i, a) in m.agenda.iter().enumerate() {
        cases.push(
            case_of(
                state,
                who,
                a.case.as_deref(),
                &format!("agenda[{i}].case"),
                &mut errs,
            )
            .await?,
        );
    }
    errs.into_result(())?;
    let permit = who.permit_member(
        Right::RunCommittee,
        unit.id,
        "meetings are recorded by the committee's own leaders",
    )?;
    let mut tx = permit.begin(&state.store).await?;
    let id = store::insert_meeting(&mut tx, permit.actor(), unit.id, &m, &cases).await?;
    tx.commit().await?;
    Ok(id)
}

/// The case a reference names, when the caller can see it; an error on
/// `field` otherwise (a case the caller cannot see is not named).
async fn case_of(
    state: &AppState,
    who: &Principal,
    reference: Option<&str>,
    field: &str,
    errs: &mut ValidationErrors,
) -> AppResult<Option<Uuid>> {
    let Some(r) = reference else { return Ok(None) };
    match crate::cases::service::visible_case_id(state, who, r).await? {
        Some(id) => Ok(Some(id)),
        None => {
            errs.add(
                field,
                "unknown_value",
                "must be the reference of a case or incident you can see",
            );
            Ok(None)
        }
    }
}

/// The meetings of the committees in the caller's scope held in a period,
/// newest first.
pub async fn meetings(
    state: &AppState,
    who: &Principal,
    from: Date,
    to: Date,
) -> AppResult<Vec<MeetingBrief>> {
    let read = who.grant(Right::ReadCommitteeWork)?;
    let mut c = state.store.conn().await?;
    Ok(store::meetings(&mut c, read.scope(), from, to, 500).await?)
}

/// A meeting, its conclusions and the tasks they gave.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingView {
    /// The meeting.
    pub meeting: MeetingRecord,
    /// Its documents (a secret one's name only for the committee's leaders).
    pub documents: Vec<liem_store::committee::MeetingDocument>,
    /// The conclusions it issued.
    pub conclusions: Vec<ConclusionRecord>,
    /// The tasks they gave, each with how it stands today.
    pub tasks: Vec<TaskLine>,
}

/// A task with how it stands today.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskLine {
    /// The task.
    #[serde(flatten)]
    pub task: TaskRecord,
    /// How it stands today.
    pub standing: Standing,
}

fn line(task: TaskRecord, cal: &Calendar, today: Date) -> TaskLine {
    TaskLine {
        standing: task.facts.standing(cal, today),
        task,
    }
}

/// The unit `code` names when the committee at `committee_path` directs it
/// (`liem_domain::unit::directs`); `None` when it does not, or there is no
/// such unit.
async fn directed_unit(
    c: &mut liem_store::Conn,
    committee_path: &str,
    code: &str,
) -> AppResult<Option<UnitRecord>> {
    match units::by_code(c, code).await {
        Ok(u) if liem_domain::unit::directs(committee_path, &u.path) => Ok(Some(u)),
        Ok(_) | Err(liem_store::StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The unit `code` names, when it lies in the grant's reach; an error on
/// `unit` otherwise (the same whether it exists or not).
async fn unit_in_reach(
    state: &AppState,
    read: &crate::auth::gate::Grant<'_>,
    code: &str,
) -> AppResult<UnitRecord> {
    let mut c = state.store.conn().await?;
    match units::by_code(&mut c, code.trim()).await {
        Ok(u) if read.covers(&u.path) => Ok(u),
        Ok(_) | Err(liem_store::StoreError::NotFound) => Err(bad(
            "unit",
            "unknown_value",
            "must be a unit code in your scope",
        )),
        Err(e) => Err(e.into()),
    }
}

/// The activity figures of the committees in `scope` over a period.
async fn figures_in(
    c: &mut liem_store::Conn,
    scope: &Scope,
    from: Date,
    to: Date,
) -> AppResult<ActivityFigures> {
    let (m, k, t) = store::activity_facts(&mut *c, scope, from, to).await?;
    let mut f = activity(&m, &k, &t, from, to);
    let facts = store::inspection_facts(&mut *c, scope, from, to).await?;
    (f.inspections, f.supervisions, f.recommendations) =
        liem_domain::committee::inspection_counts(&facts, from, to);
    Ok(f)
}

/// A meeting of a committee in the caller's scope; not found otherwise.
pub async fn meeting(state: &AppState, who: &Principal, id: Uuid) -> AppResult<MeetingView> {
    let read = who.grant(Right::ReadCommitteeWork)?;
    let mut c = state.store.conn().await?;
    let meeting = store::meeting(&mut c, id).await?;
    read.reach(&meeting.unit_path)?;
    let conclusions = store::conclusions_of(&mut c, id).await?;
    let mut tasks = Vec::new();
    for k in &conclusions {
        let f = TaskFilter {
            conclusion: Some(k.id),
            ..Default::default()
        };
        tasks.extend(store::tasks(&mut c, read.scope(), &f, 1_000).await?);
    }
    // In the order the conclusions and their directions give them.
    tasks.sort_by_key(|t| (t.conclusion_id, t.direction, t.id));
    let opens_secrets = who.can(Right::RunCommittee) && who.user.unit_id == meeting.unit_id;
    let documents = store::documents_of(&mut c, id)
        .await?
        .into_iter()
        .map(|mut d| {
            if d.secret && !opens_secrets {
                d.filename = String::new();
            }
            d
        })
        .collect();
    drop(c);
    let (cal, _) = rules(state).await?;
    let today = today();
    Ok(MeetingView {
        meeting,
        documents,
        conclusions,
        tasks: tasks.into_iter().map(|t| line(t, &cal, today)).collect(),
    })
}

/// Records a conclusion issued by a meeting of the caller's committee, its
/// directions and the tasks they give (due dates on the working-day
/// calendar). Every owner and co-ordinating unit must be one the committee
/// directs: its own unit's subtree.
pub async fn adopt_conclusion(
    state: &AppState,
    who: &Writer,
    meeting_id: Uuid,
    input: &ConclusionInput,
) -> AppResult<Uuid> {
    let read = who.grant(Right::ReadCommitteeWork)?;
    let mut c = state.store.conn().await?;
    let meeting = store::meeting(&mut c, meeting_id).await?;
    read.reach(&meeting.unit_path)?;
    let permit = who.permit_member(
        Right::RunCommittee,
        meeting.unit_id,
        "conclusions are adopted by the committee's own leaders",
    )?;
    let conclusion = input.parse(meeting.brief.held_on, today())?;
    if conclusion.kind == liem_domain::committee::ConclusionKind::Programme
        && meeting.brief.kind != liem_domain::committee::MeetingKind::Session
    {
        return Err(bad(
            "kind",
            "programme_at_session",
            "a key work programme is adopted by a session of the committee",
        ));
    }
    let (cal, _) = rules(state).await?;
    let mut errs = ValidationErrors::new();
    let mut tasks = Vec::new();
    for (i, d) in conclusion.directions.iter().enumerate() {
        for (j, t) in d.tasks.iter().enumerate() {
            let field = |name: &str| format!("directions[{i}].tasks[{j}].{name}");
            let owner = directed_unit(&mut c, &meeting.unit_path, t.owner.as_str()).await?;
            if owner.is_none() {
                errs.add(
                    &field("owner"),
                    "directed_unit",
                    "must be the code of a unit under the committee",
                );
            }
            for (k, code) in t.coordinating.iter().enumerate() {
                if directed_unit(&mut c, &meeting.unit_path, code.as_str())
                    .await?
                    .is_none()
                {
                    errs.add(
                        &format!("{}[{k}]", field("coordinating")),
                        "directed_unit",
                        "must be the code of a unit under the committee",
                    );
                }
            }
            let case_id = case_of(state, who, t.case.as_deref(), &field("case"), &mut errs).await?;
            if let Some(owner) = owner {
                tasks.push(TaskToWrite {
                    direction: i as i64 + 1,
                    owner: owner.id,
                    coordinating: t
                        .coordinating
                        .iter()
                        .map(|u| u.as_str().to_owned())
                        .collect(),
                    title: t.title.clone(),
                    case_id,
                    due_on: t.due.date(&cal, conclusion.issued_on),
                    kind: t.kind.map(|k| k.as_str().to_owned()),
                    due_period: t.due.label(),
                });
            }
        }
    }
    if let Some(i) = conclusion.inspection {
        match store::inspection_by_id(&mut c, i).await {
            Ok(r) if r.unit_id == meeting.unit_id => {
                if r.findings.is_none() || r.conclusion_id.is_some() {
                    errs.add(
                        "inspection",
                        "inspection_open",
                        "must be an inspection of the committee with findings and no conclusion yet",
                    );
                }
            }
            Ok(_) | Err(liem_store::StoreError::NotFound) => errs.add(
                "inspection",
                "unknown_value",
                "must be an inspection of the committee",
            ),
            Err(e) => return Err(e.into()),
        }
    }
    drop(c);
    errs.into_result(())?;
    let mut tx = permit.begin(&state.store).await?;
    let (id, _) = store::insert_conclusion(
        &mut tx,
        permit.actor(),
        meeting.unit_id,
        meeting_id,
        &conclusion,
        &tasks,
    )
    .await?;
    if let Some(i) = conclusion.inspection {
        store::conclude_inspection(&mut tx, permit.actor(), i, id).await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// Which tasks a list shows.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct TaskQuery {
    /// `open` (default), `overdue`, `due_soon` or `all`.
    pub show: Option<String>,
    /// Only those of the caller's own unit.
    pub mine: Option<bool>,
}

/// The tasks the caller sees — those of the committees in scope and those
/// the units in scope own — by due date, each with how it stands today.
pub async fn tasks(state: &AppState, who: &Principal, q: &TaskQuery) -> AppResult<Vec<TaskLine>> {
    let read = who.grant(Right::ReadCommitteeWork)?;
    let show = q.show.as_deref().unwrap_or("open");
    if !["open", "overdue", "due_soon", "all"].contains(&show) {
        return Err(bad(
            "show",
            "unknown_value",
            "must be one of: open, overdue, due_soon, all",
        ));
    }
    let filter = TaskFilter {
        open_only: show != "all",
        owner: q.mine.unwrap_or(false).then_some(who.user.unit_id),
        ..Default::default()
    };
    let mut c = state.store.conn().await?;
    let rows = store::tasks(&mut c, read.scope(), &filter, 2_000).await?;
    drop(c);
    let (cal, _) = rules(state).await?;
    let today = today();
    Ok(rows
        .into_iter()
        .map(|t| line(t, &cal, today))
        .filter(|l| match show {
            "overdue" => matches!(l.standing, Standing::Overdue { .. }),
            "due_soon" => l.standing == Standing::DueSoon,
            _ => true,
        })
        .collect())
}

/// A task, its steps, and what the caller may do to it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskView {
    /// The task and how it stands.
    #[serde(flatten)]
    pub line: TaskLine,
    /// Its follow-up so far.
    pub steps: Vec<TaskEvent>,
    /// What the caller may do to it now.
    pub allowed: Vec<TaskAction>,
    /// The reference of the case it concerns, when the caller can see it.
    pub case_reference: Option<String>,
    /// That case's next target under this committee's monitoring, when it
    /// is monitored: the task and the target should not drift apart.
    pub case_target: Option<liem_domain::register::NextTarget>,
    /// Whether the task's due date and that target's differ.
    pub drifts: bool,
}

async fn visible_task(state: &AppState, who: &Principal, id: Uuid) -> AppResult<TaskRecord> {
    let read = who.grant(Right::ReadCommitteeWork)?;
    let mut c = state.store.conn().await?;
    let t = store::task_by_id(&mut c, id).await?;
    if read.covers(&t.committee_path) || read.covers(&t.owner_path) {
        Ok(t)
    } else {
        Err(AppError::NotFound)
    }
}

fn may(who: &Principal, t: &TaskRecord, action: TaskAction) -> bool {
    if action.by_owner() {
        who.can(Right::ReportTask) && who.user.unit_id == t.owner_id
    } else {
        who.can(Right::RunCommittee) && who.user.unit_id == t.committee_id
    }
}

/// A task the caller sees; not found otherwise.
pub async fn task(state: &AppState, who: &Principal, id: Uuid) -> AppResult<TaskView> {
    let t = visible_task(state, who, id).await?;
    let mut c = state.store.conn().await?;
    let steps = store::steps(&mut c, id).await?;
    drop(c);
    let (cal, _) = rules(state).await?;
    let today = today();
    let allowed = TaskAction::ALL
        .iter()
        .copied()
        .filter(|a| may(who, &t, *a))
        .filter(|a| {
            let m = match a {
                TaskAction::Extend => {
                    TaskMove::Extend(t.facts.due_on.tomorrow().unwrap_or(t.facts.due_on))
                }
                other => move_of(*other, None).unwrap_or(TaskMove::Progress),
            };
            t.facts.apply(&m, today.max(t.facts.last_on)).is_ok()
        })
        .collect();
    // The case it concerns, as the caller may see it, and the committee's
    // next target on it.
    let (case_reference, case_target) = match t.case_id {
        Some(cid) => {
            match crate::cases::service::reference_and_target(state, who, cid, t.committee_id)
                .await?
            {
                Some((r, target)) => (Some(r), target),
                None => (None, None),
            }
        }
        None => (None, None),
    };
    let drifts = t.facts.drifts_from(case_target.as_ref().map(|n| n.due_on));
    Ok(TaskView {
        line: line(t, &cal, today),
        steps,
        allowed,
        case_reference,
        case_target,
        drifts,
    })
}

/// A step in a task's follow-up, as a client sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct StepInput {
    /// `progress`, `report_done`, `accept`, `send_back`, `extend` or `cancel`.
    pub action: Option<String>,
    /// The day it was done, `YYYY-MM-DD` (default: today).
    pub on: Option<String>,
    /// What was done, or why (required for progress, sending back,
    /// extending and withdrawing).
    pub note: Option<String>,
    /// The new due date, for an extension.
    pub due_on: Option<String>,
}

fn move_of(action: TaskAction, due_on: Option<Date>) -> Option<TaskMove> {
    Some(match action {
        TaskAction::Progress => TaskMove::Progress,
        TaskAction::ReportDone => TaskMove::ReportDone,
        TaskAction::Accept => TaskMove::Accept,
        TaskAction::SendBack => TaskMove::SendBack,
        TaskAction::Extend => TaskMove::Extend(due_on?),
        TaskAction::Cancel => TaskMove::Cancel,
    })
}

/// Takes a step in a task's follow-up: the owner unit reports (with an
/// optional document as evidence), the committee decides. The task as it
/// stands after.
pub async fn step(
    state: &AppState,
    who: &Writer,
    id: Uuid,
    input: &StepInput,
    document: Option<Upload>,
) -> AppResult<TaskView> {
    let t = visible_task(state, who, id).await?;
    let today = today();
    let mut errs = ValidationErrors::new();
    let action = liem_domain::validation::required_code::<TaskAction>(
        &mut errs,
        "action",
        input.action.as_deref(),
    );
    let on = match input.on.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Some(today),
        Some(s) => match s.parse::<Date>() {
            Ok(d) if d > today => {
                errs.add("on", "not_in_future", "must not be after today");
                None
            }
            Ok(d) => Some(d),
            Err(_) => {
                errs.add("on", "date_format", "must be a date written YYYY-MM-DD");
                None
            }
        },
    };
    let note =
        liem_domain::validation::optional_text(&mut errs, "note", input.note.as_deref(), 10_000);
    if action.is_some_and(|a| a.needs_note()) && note.is_none() {
        errs.add("note", "required", "must say what was done, or why");
    }
    let due_on = match (
        action,
        input
            .due_on
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty()),
    ) {
        (Some(TaskAction::Extend), None) => {
            errs.add(
                "due_on",
                "required",
                "an extension must give the new due date",
            );
            None
        }
        (Some(TaskAction::Extend), Some(s)) => match s.parse::<Date>() {
            Ok(d) if d > liem_domain::committee::latest_due(today) => {
                errs.add("due_on", "range", "must be within 10 years from today");
                None
            }
            Ok(d) => Some(d),
            Err(_) => {
                errs.add("due_on", "date_format", "must be a date written YYYY-MM-DD");
                None
            }
        },
        _ => None,
    };
    if document.is_some() && !action.is_some_and(|a| a.by_owner()) {
        errs.add(
            "document",
            "owner_reports",
            "a document is given with the owner's report",
        );
    }
    let checked = match &document {
        Some(u) => match crate::files::check(u, state.settings.max_upload_bytes) {
            Ok(media) => Some((u, media)),
            Err(e) => {
                errs.add("document", e.rule(), format!("{} {e}", u.filename));
                None
            }
        },
        None => None,
    };
    errs.into_result(())?;
    let (Some(action), Some(on)) = (action, on) else {
        return Err(AppError::Internal("validated step without action".into()));
    };
    let permit = if action.by_owner() {
        who.permit_member(
            Right::ReportTask,
            t.owner_id,
            "the unit that owns the task reports on it",
        )?
    } else {
        who.permit_member(
            Right::RunCommittee,
            t.committee_id,
            "the committee's own leaders decide on its tasks",
        )?
    };
    let (cal, _) = rules(state).await?;
    let m = move_of(action, due_on.map(|d| cal.next_working_day_from(d))).ok_or_else(|| {
        bad(
            "due_on",
            "required",
            "an extension must give the new due date",
        )
    })?;
    let next = t
        .facts
        .apply(&m, on)
        .map_err(|e| AppError::Conflict(e.to_string()))?;
    let doc = match checked {
        Some((u, media)) => Some(TaskDocument {
            sha256: state
                .files
                .put(&u.bytes)
                .map_err(|e| AppError::Internal(format!("storing a file: {e}")))?,
            size: u.bytes.len() as i64,
            media_type: media.to_owned(),
            filename: u.filename.chars().take(200).collect(),
        }),
        None => None,
    };
    let mut tx = permit.begin(&state.store).await?;
    store::record_step(
        &mut tx,
        permit.actor(),
        &t,
        action,
        &next,
        note.as_deref(),
        doc.as_ref(),
    )
    .await?;
    tx.commit().await?;
    task(state, who, id).await
}

/// A document given with a step of a task the caller sees: its record and
/// bytes.
pub async fn document(
    state: &AppState,
    who: &Principal,
    id: Uuid,
    sha256: &str,
) -> AppResult<(TaskDocument, Vec<u8>)> {
    visible_task(state, who, id).await?;
    let mut c = state.store.conn().await?;
    let d = store::step_document(&mut c, id, sha256).await?;
    drop(c);
    let bytes = state
        .files
        .get(&d.sha256)
        .map_err(|e| AppError::Internal(format!("reading a file: {e}")))?;
    Ok((d, bytes))
}

/// What the activity figures count: the caller's reach, or a named unit's
/// subtree within it.
async fn counted(state: &AppState, who: &Principal, unit: Option<&str>) -> AppResult<Scope> {
    let read = who.grant(Right::ReadCommitteeWork)?;
    match unit.map(str::trim).filter(|u| !u.is_empty()) {
        None => Ok(read.scope().clone()),
        Some(code) => Ok(Scope::Subtree(
            unit_in_reach(state, &read, code).await?.path,
        )),
    }
}

/// The committees' activity figures over a period: those in the caller's
/// reach, or in a named unit's subtree.
pub async fn figures(
    state: &AppState,
    who: &Principal,
    unit: Option<&str>,
    from: Date,
    to: Date,
) -> AppResult<ActivityFigures> {
    let scope = counted(state, who, unit).await?;
    let mut c = state.store.conn().await?;
    figures_in(&mut c, &scope, from, to).await
}

/// The meetings of a unit's committee, for a calendar feed: the unit must
/// be in the caller's reach.
pub async fn meetings_of_unit(
    state: &AppState,
    who: &Principal,
    code: &str,
) -> AppResult<(UnitRecord, Vec<MeetingBrief>)> {
    let read = who.grant(Right::ReadCommitteeWork)?;
    let unit = unit_in_reach(state, &read, code).await?;
    let mut c = state.store.conn().await?;
    let rows = store::meetings(
        &mut c,
        &Scope::Unit(unit.path.clone()),
        jiff::civil::date(1900, 1, 1),
        jiff::civil::date(2200, 12, 31),
        5_000,
    )
    .await?;
    Ok((unit, rows))
}

/// The units a committee (by its unit's path) directs: its unit's subtree
/// without itself, as (code, name), by code.
pub async fn directed_units(
    state: &AppState,
    committee_path: &str,
) -> AppResult<Vec<(String, String)>> {
    let mut c = state.store.conn().await?;
    let mut out: Vec<(String, String)> = units::list(&mut c)
        .await?
        .into_iter()
        .filter(|u| liem_domain::unit::directs(committee_path, &u.path))
        .map(|u| (u.code, u.name))
        .collect();
    out.sort();
    Ok(out)
}

/// Plans an inspection or supervision by the caller's committee of units
/// it directs.
pub async fn plan_inspection(
    state: &AppState,
    who: &Writer,
    input: &liem_domain::committee::InspectionInput,
) -> AppResult<Uuid> {
    let unit = own_committee(state, who).await?;
    let plan = input.parse()?;
    let mut errs = ValidationErrors::new();
    let mut c = state.store.conn().await?;
    for (k, code) in plan.subjects.iter().enumerate() {
        if directed_unit(&mut c, &unit.path, code.as_str())
            .await?
            .is_none()
        {
            errs.add(
                &format!("subjects[{k}]"),
                "directed_unit",
                "must be the code of a unit under the committee",
            );
        }
    }
    drop(c);
    errs.into_result(())?;
    let permit = who.permit_member(
        Right::RunCommittee,
        unit.id,
        "inspections are planned by the committee's own leaders",
    )?;
    let mut tx = permit.begin(&state.store).await?;
    let id = store::insert_inspection(&mut tx, permit.actor(), unit.id, &plan).await?;
    tx.commit().await?;
    Ok(id)
}

/// The inspections and supervisions of the committees in the caller's reach.
pub async fn inspections(
    state: &AppState,
    who: &Principal,
) -> AppResult<Vec<liem_store::committee::InspectionRecord>> {
    let read = who.grant(Right::ReadCommitteeWork)?;
    let mut c = state.store.conn().await?;
    Ok(store::inspections(&mut c, read.scope()).await?)
}

/// An inspection and the recommendations of its conclusion, each a task.
#[derive(Debug, Serialize, ToSchema)]
pub struct InspectionView {
    /// The inspection.
    #[serde(flatten)]
    pub inspection: liem_store::committee::InspectionRecord,
    /// Its recommendations' tasks, with how each stands today.
    pub tasks: Vec<TaskLine>,
}

/// An inspection of a committee in the caller's reach; not found otherwise.
pub async fn inspection(state: &AppState, who: &Principal, id: Uuid) -> AppResult<InspectionView> {
    let read = who.grant(Right::ReadCommitteeWork)?;
    let mut c = state.store.conn().await?;
    let inspection = store::inspection_by_id(&mut c, id).await?;
    read.reach(&inspection.unit_path)?;
    let tasks = match inspection.conclusion_id {
        Some(k) => {
            let f = TaskFilter {
                conclusion: Some(k),
                ..Default::default()
            };
            store::tasks(&mut c, read.scope(), &f, 1_000).await?
        }
        None => Vec::new(),
    };
    drop(c);
    let (cal, _) = rules(state).await?;
    let today = today();
    let mut tasks: Vec<TaskLine> = tasks.into_iter().map(|t| line(t, &cal, today)).collect();
    tasks.sort_by_key(|t| (t.task.direction, t.task.id));
    Ok(InspectionView { inspection, tasks })
}

/// An inspection's findings, as a client sends them.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct FindingsInput {
    /// What it found.
    pub findings: Option<String>,
    /// The day they were reported, `YYYY-MM-DD` (default: today).
    pub on: Option<String>,
}

/// Records an inspection's findings (the committee's own leaders).
pub async fn report_findings(
    state: &AppState,
    who: &Writer,
    id: Uuid,
    input: &FindingsInput,
) -> AppResult<InspectionView> {
    let v = inspection(state, who, id).await?;
    let permit = who.permit_member(
        Right::RunCommittee,
        v.inspection.unit_id,
        "an inspection's findings are recorded by the committee's own leaders",
    )?;
    let today = today();
    let mut errs = ValidationErrors::new();
    let findings = liem_domain::validation::required_text(
        &mut errs,
        "findings",
        input.findings.as_deref().unwrap_or(""),
        50_000,
    );
    let on = match input.on.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Some(today),
        Some(s) => match s.parse::<Date>() {
            Ok(d) if d > today => {
                errs.add("on", "not_in_future", "must not be after today");
                None
            }
            Ok(d) if d < v.inspection.planned_from => {
                errs.add(
                    "on",
                    "after_start",
                    "must not be before the inspection began",
                );
                None
            }
            Ok(d) => Some(d),
            Err(_) => {
                errs.add("on", "date_format", "must be a date written YYYY-MM-DD");
                None
            }
        },
    };
    errs.into_result(())?;
    let on = on.unwrap_or(today);
    let mut tx = permit.begin(&state.store).await?;
    store::report_findings(&mut tx, permit.actor(), id, &findings, on).await?;
    tx.commit().await?;
    inspection(state, who, id).await
}

/// The committees' work in one sentence, as a report's summary writes it.
pub fn summary(tr: &crate::i18n::Tr, f: &ActivityFigures) -> String {
    let percent = match f.on_time_per_mille {
        Some(pm) => crate::i18n::per_mille(pm, tr.lang),
        None => "—".to_owned(),
    };
    tr.t_args(
        "cm-summary-sentence",
        &[
            ("sessions", f.sessions.to_string()),
            ("meetings", f.meetings.to_string()),
            ("conclusions", f.conclusions.to_string()),
            ("tasks", f.tasks_assigned.to_string()),
            ("percent", percent),
        ],
    )
}

/// One committee's figures in a roll-up.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommitteeRow {
    /// Its unit's code.
    pub unit: String,
    /// Its unit's name.
    pub name: String,
    /// Its figures (its own meetings, conclusions and tasks).
    pub figures: ActivityFigures,
}

/// The figures of every steering committee in the caller's reach, each of
/// its own work, and their total (the nation's, for the centre): the
/// committees' form, rolled up like the others.
pub async fn figures_by_committee(
    state: &AppState,
    who: &Principal,
    from: Date,
    to: Date,
) -> AppResult<(Vec<CommitteeRow>, ActivityFigures)> {
    let read = who.grant(Right::ReadCommitteeWork)?;
    let mut c = state.store.conn().await?;
    let mut committees: Vec<UnitRecord> = units::list(&mut c)
        .await?
        .into_iter()
        .filter(|u| u.kind.steers() && read.covers(&u.path))
        .filter(|u| u.valid_from <= to && u.valid_to.is_none_or(|v| v >= from))
        .collect();
    committees.sort_by(|a, b| a.path.cmp(&b.path));
    let mut rows = Vec::with_capacity(committees.len());
    let mut total = ActivityFigures::default();
    for u in committees {
        let f = figures_in(&mut c, &Scope::Unit(u.path.clone()), from, to).await?;
        total.add(&f);
        rows.push(CommitteeRow {
            unit: u.code,
            name: u.name,
            figures: f,
        });
    }
    Ok((rows, total))
}

/// Adds documents to a meeting of the caller's committee (its own
/// leaders), secret when `secret`.
pub async fn add_documents(
    state: &AppState,
    who: &Writer,
    meeting_id: Uuid,
    uploads: &[Upload],
    secret: bool,
) -> AppResult<usize> {
    let read = who.grant(Right::ReadCommitteeWork)?;
    let mut c = state.store.conn().await?;
    let meeting = store::meeting(&mut c, meeting_id).await?;
    drop(c);
    read.reach(&meeting.unit_path)?;
    let permit = who.permit_member(
        Right::RunCommittee,
        meeting.unit_id,
        "a meeting's documents are added by the committee's own leaders",
    )?;
    let mut errs = ValidationErrors::new();
    let files: Vec<&Upload> = uploads.iter().filter(|u| !u.bytes.is_empty()).collect();
    if files.is_empty() {
        errs.add("file", "required", "must contain at least one file");
    }
    let mut checked = Vec::new();
    for (i, u) in files.iter().enumerate() {
        match crate::files::check(u, state.settings.max_upload_bytes) {
            Ok(media) => checked.push((*u, media)),
            Err(e) => errs.add(
                &format!("file[{i}]"),
                e.rule(),
                format!("{} {e}", u.filename),
            ),
        }
    }
    errs.into_result(())?;
    let mut docs = Vec::new();
    for (u, media) in checked {
        docs.push(liem_store::committee::MeetingDocument {
            id: Uuid::now_v7(),
            sha256: state
                .files
                .put(&u.bytes)
                .map_err(|e| AppError::Internal(format!("storing a file: {e}")))?,
            size: u.bytes.len() as i64,
            media_type: media.to_owned(),
            filename: u.filename.chars().take(200).collect(),
            secret,
        });
    }
    let mut tx = permit.begin(&state.store).await?;
    for d in &docs {
        store::add_document(&mut tx, permit.actor(), meeting_id, d).await?;
    }
    tx.commit().await?;
    Ok(docs.len())
}

/// A meeting's document and its bytes: a secret one only for the
/// committee's own leaders, each opening audited; anyone else finds nothing.
pub async fn meeting_document(
    state: &AppState,
    who: &Principal,
    meeting_id: Uuid,
    doc: Uuid,
) -> AppResult<(liem_store::committee::MeetingDocument, Vec<u8>)> {
    let read = who.grant(Right::ReadCommitteeWork)?;
    let mut c = state.store.conn().await?;
    let meeting = store::meeting(&mut c, meeting_id).await?;
    read.reach(&meeting.unit_path)?;
    let d = store::documents_of(&mut c, meeting_id)
        .await?
        .into_iter()
        .find(|d| d.id == doc)
        .ok_or(AppError::NotFound)?;
    drop(c);
    if d.secret {
        if !(who.can(Right::RunCommittee) && who.user.unit_id == meeting.unit_id) {
            return Err(AppError::NotFound);
        }
        let permit = read.audited_read();
        let mut tx = permit.begin(&state.store).await?;
        liem_store::audit::append(
            &mut tx,
            permit.actor(),
            "committee.document.read",
            "committee_meeting",
            &meeting_id.to_string(),
            serde_json::json!({"document": doc}),
        )
        .await?;
        tx.commit().await?;
    }
    let bytes = state
        .files
        .get(&d.sha256)
        .map_err(|e| AppError::Internal(format!("reading a file: {e}")))?;
    Ok((d, bytes))
}

/// A unit's load of open tasks: how many, how many due soon, how many overdue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct OwnerLoad {
    /// The owner unit's code.
    pub owner: String,
    /// Its name.
    pub owner_name: String,
    /// Open tasks.
    pub open: u32,
    /// Of those, due within the next working days.
    pub due_soon: u32,
    /// Of those, past their due date.
    pub overdue: u32,
}

/// Open tasks grouped by owner unit, the most overdue first.
pub fn by_owner(lines: &[TaskLine]) -> Vec<OwnerLoad> {
    let mut out: Vec<OwnerLoad> = Vec::new();
    for l in lines.iter().filter(|l| l.task.facts.is_open()) {
        let i = match out.iter().position(|o| o.owner == l.task.owner) {
            Some(i) => i,
            None => {
                out.push(OwnerLoad {
                    owner: l.task.owner.clone(),
                    owner_name: l.task.owner_name.clone(),
                    open: 0,
                    due_soon: 0,
                    overdue: 0,
                });
                out.len() - 1
            }
        };
        let o = &mut out[i];
        o.open += 1;
        match l.standing {
            Standing::DueSoon => o.due_soon += 1,
            Standing::Overdue { .. } => o.overdue += 1,
            _ => {}
        }
    }
    out.sort_by(|a, b| {
        b.overdue
            .cmp(&a.overdue)
            .then(b.due_soon.cmp(&a.due_soon))
            .then(a.owner.cmp(&b.owner))
    });
    out
}

/// The open tasks of the committees in a unit's subtree (within the
/// caller's reach) as they stand today: (due soon, overdue).
pub async fn open_standing(state: &AppState, who: &Principal, unit: &str) -> AppResult<(u32, u32)> {
    let scope = counted(state, who, Some(unit)).await?;
    let mut c = state.store.conn().await?;
    let f = TaskFilter {
        open_only: true,
        ..Default::default()
    };
    let rows = store::tasks(&mut c, &scope, &f, 10_000).await?;
    drop(c);
    let (cal, _) = rules(state).await?;
    let today = today();
    let mut out = (0, 0);
    for t in rows {
        match t.facts.standing(&cal, today) {
            Standing::DueSoon => out.0 += 1,
            Standing::Overdue { .. } => out.1 += 1,
            _ => {}
        }
    }
    Ok(out)
}
