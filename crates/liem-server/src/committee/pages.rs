//! The committee's pages: its meetings and figures, a meeting with its
//! conclusions and the tasks they gave, the task list, and a task's
//! follow-up.

use super::service::{self, MeetingView, StepInput, TaskLine, TaskQuery, TaskView};
use crate::clock::today;
use crate::state::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::page::{render, Page};
use crate::web::write::{PostedForm, PostedMultipart};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::Date;
use liem_domain::committee::{
    ActivityFigures, AgendaInput, ConclusionInput, DirectionInput, MeetingInput, MeetingKind,
    Standing, TaskAction, TaskInput,
};
use liem_domain::role::Right;
use liem_domain::FieldError;
use liem_store::committee::MeetingBrief;
use liem_store::users::UserRecord;

type Pairs = Vec<(String, String)>;

fn get(p: &Pairs, k: &str) -> Option<String> {
    p.iter()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.clone())
        .filter(|v| !v.trim().is_empty())
}

fn lines(v: Option<String>) -> Vec<String> {
    v.unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

#[derive(Template)]
#[template(path = "committee.html")]
struct IndexTpl {
    tr: crate::i18n::Tr,
    user: Option<UserRecord>,
    csrf: String,
    from: String,
    to: String,
    today: String,
    figures: ActivityFigures,
    summary: String,
    by_committee: Vec<service::CommitteeRow>,
    meetings: Vec<MeetingBrief>,
    can_record: bool,
    kinds: Vec<&'static str>,
    errors: Vec<FieldError>,
}

/// The period shown: `from`/`to`, default the year so far.
#[derive(Debug, Default, serde::Deserialize)]
pub struct PeriodQuery {
    from: Option<String>,
    to: Option<String>,
}

async fn index_page(
    state: &AppState,
    page: &Page,
    q: &PeriodQuery,
    errors: Vec<FieldError>,
) -> AppResult<Response> {
    let who = page.principal().ok_or(AppError::Unauthenticated)?;
    let today = today();
    let parse = |s: &Option<String>| s.as_deref().and_then(|d| d.parse::<Date>().ok());
    let from = parse(&q.from).unwrap_or_else(|| today.first_of_year());
    let to = parse(&q.to).unwrap_or(today).max(from);
    let figures = service::figures(state, who, None, from, to).await?;
    let meetings = service::meetings(state, who, from, to).await?;
    let (by_committee, _) = service::figures_by_committee(state, who, from, to).await?;
    let t = IndexTpl {
        tr: page.tr().clone(),
        user: Some(who.user.clone()),
        csrf: who.csrf.clone().unwrap_or_default(),
        from: from.to_string(),
        to: to.to_string(),
        today: today.to_string(),
        summary: service::summary(page.tr(), &figures),
        by_committee,
        figures,
        meetings,
        can_record: who.can(Right::RunCommittee),
        kinds: MeetingKind::ALL.iter().map(|k| k.as_str()).collect(),
        errors,
    };
    Ok(render(&t))
}

pub(super) async fn index(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<PeriodQuery>,
) -> Response {
    if let Err(r) = page.who() {
        return r.into_response();
    }
    index_page(&state, &page, &q, Vec::new())
        .await
        .unwrap_or_else(|e| page.error(e))
}

pub(super) async fn record_meeting(
    State(state): State<AppState>,
    PostedForm { page, who, form }: PostedForm<Pairs>,
) -> Response {
    let agenda = lines(get(&form, "agenda"))
        .into_iter()
        .map(|title| AgendaInput {
            title: Some(title),
            case: None,
        })
        .collect();
    let input = MeetingInput {
        kind: get(&form, "kind"),
        held_on: get(&form, "held_on"),
        place: get(&form, "place"),
        chair: get(&form, "chair"),
        // Not a number: out of range, so the error names the field.
        members_total: get(&form, "members_total").map(|v| v.trim().parse().unwrap_or(0)),
        present: lines(get(&form, "present")),
        excused: lines(get(&form, "excused")),
        quorum: Some(get(&form, "quorum").as_deref() == Some("true")),
        agenda,
        minutes: get(&form, "minutes"),
    };
    match service::record_meeting(&state, &who, &input).await {
        Ok(id) => Redirect::to(&format!("/committee/meetings/{id}")).into_response(),
        Err(AppError::Validation(e)) => {
            index_page(&state, &page, &PeriodQuery::default(), e.errors)
                .await
                .map(|r| (StatusCode::UNPROCESSABLE_ENTITY, r).into_response())
                .unwrap_or_else(|e| page.error(e))
        }
        Err(e) => page.error(e),
    }
}

#[derive(Template)]
#[template(path = "committee_meeting.html")]
struct MeetingTpl {
    tr: crate::i18n::Tr,
    user: Option<UserRecord>,
    csrf: String,
    today: String,
    v: MeetingView,
    can_adopt: bool,
    units: Vec<(String, String)>,
    open_inspections: Vec<(uuid::Uuid, String)>,
    item_kinds: Vec<&'static str>,
    slots: Vec<usize>,
    errors: Vec<FieldError>,
}

async fn meeting_page(
    state: &AppState,
    page: &Page,
    id: uuid::Uuid,
    errors: Vec<FieldError>,
) -> AppResult<Response> {
    let who = page.principal().ok_or(AppError::Unauthenticated)?;
    let v = service::meeting(state, who, id).await?;
    let can_adopt = who.can(Right::RunCommittee) && who.user.unit_id == v.meeting.unit_id;
    let units = if can_adopt {
        service::directed_units(state, &v.meeting.unit_path).await?
    } else {
        Vec::new()
    };
    let open_inspections = if can_adopt {
        service::inspections(state, who)
            .await?
            .into_iter()
            .filter(|i| {
                i.unit_id == v.meeting.unit_id && i.findings.is_some() && i.conclusion_id.is_none()
            })
            .map(|i| (i.id, i.title))
            .collect()
    } else {
        Vec::new()
    };
    let t = MeetingTpl {
        tr: page.tr().clone(),
        user: Some(who.user.clone()),
        csrf: who.csrf.clone().unwrap_or_default(),
        today: today().to_string(),
        v,
        can_adopt,
        units,
        open_inspections,
        item_kinds: liem_domain::committee::ItemKind::ALL
            .iter()
            .map(|k| k.as_str())
            .collect(),
        slots: (0..3).collect(),
        errors,
    };
    Ok(render(&t))
}

pub(super) async fn meeting(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<uuid::Uuid>,
) -> Response {
    if let Err(r) = page.who() {
        return r.into_response();
    }
    meeting_page(&state, &page, id, Vec::new())
        .await
        .unwrap_or_else(|e| page.error(e))
}

/// The conclusion form: up to three directions, each with up to two
/// tasks (`text_{i}`, `owner_{i}_{j}`, `due_{i}_{j}`, `days_{i}_{j}`).
fn conclusion_input(form: &Pairs) -> ConclusionInput {
    let mut directions = Vec::new();
    for i in 0..3 {
        let Some(text) = get(form, &format!("text_{i}")) else {
            continue;
        };
        let mut tasks = Vec::new();
        for j in 0..2 {
            let owner = get(form, &format!("owner_{i}_{j}"));
            let due_on = get(form, &format!("due_{i}_{j}"));
            let days = get(form, &format!("days_{i}_{j}"));
            let period = get(form, &format!("period_{i}_{j}"));
            if owner.is_none() && due_on.is_none() && days.is_none() && period.is_none() {
                continue;
            }
            tasks.push(TaskInput {
                owner,
                coordinating: Vec::new(),
                title: get(form, &format!("title_{i}_{j}")),
                due_on,
                // Not a number: out of range, so the error names the field.
                due_working_days: days.map(|d| d.trim().parse().unwrap_or(0)),
                due_period: period,
                kind: get(form, &format!("kind_{i}_{j}")),
                case: get(form, &format!("case_{i}_{j}")),
            });
        }
        directions.push(DirectionInput {
            text: Some(text),
            tasks,
        });
    }
    ConclusionInput {
        kind: get(form, "kind"),
        number: get(form, "number"),
        issued_on: get(form, "issued_on"),
        summary: get(form, "summary"),
        directions,
        inspection: get(form, "inspection"),
    }
}

pub(super) async fn adopt(
    State(state): State<AppState>,
    Path(id): Path<uuid::Uuid>,
    PostedForm { page, who, form }: PostedForm<Pairs>,
) -> Response {
    let input = conclusion_input(&form);
    match service::adopt_conclusion(&state, &who, id, &input).await {
        Ok(_) => Redirect::to(&format!("/committee/meetings/{id}#conclusions")).into_response(),
        Err(AppError::Validation(e)) => meeting_page(&state, &page, id, e.errors)
            .await
            .map(|r| (StatusCode::UNPROCESSABLE_ENTITY, r).into_response())
            .unwrap_or_else(|e| page.error(e)),
        Err(e) => page.error(e),
    }
}

#[derive(Template)]
#[template(path = "committee_tasks.html")]
struct TasksTpl {
    tr: crate::i18n::Tr,
    user: Option<UserRecord>,
    csrf: String,
    show: String,
    mine: bool,
    rows: Vec<TaskLine>,
    owners: Vec<service::OwnerLoad>,
}

pub(super) async fn tasks(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<TaskQuery>,
) -> Response {
    let who = match page.who() {
        Ok(w) => w,
        Err(r) => return r.into_response(),
    };
    let show = q.show.clone().unwrap_or_else(|| "open".into());
    let open = TaskQuery {
        show: Some("open".into()),
        mine: q.mine,
    };
    let all_open = match service::tasks(&state, who, &open).await {
        Ok(all) => all,
        Err(e) => return page.error(e),
    };
    let owners = service::by_owner(&all_open);
    // The open list is the owners' table's: read once.
    let rows = if show == "open" {
        Ok(all_open)
    } else {
        service::tasks(&state, who, &q).await
    };
    match rows {
        Ok(rows) => render(&TasksTpl {
            owners,
            tr: page.tr().clone(),
            user: Some(who.user.clone()),
            csrf: who.csrf.clone().unwrap_or_default(),
            show,
            mine: q.mine.unwrap_or(false),
            rows,
        }),
        Err(e) => page.error(e),
    }
}

#[derive(Template)]
#[template(path = "committee_task.html")]
struct TaskTpl {
    tr: crate::i18n::Tr,
    user: Option<UserRecord>,
    csrf: String,
    today: String,
    v: TaskView,
    owner_acts: Vec<&'static str>,
    committee_acts: Vec<&'static str>,
    errors: Vec<FieldError>,
    notice: Option<String>,
}

async fn task_page(
    state: &AppState,
    page: &Page,
    id: uuid::Uuid,
    errors: Vec<FieldError>,
    notice: Option<String>,
) -> AppResult<Response> {
    let who = page.principal().ok_or(AppError::Unauthenticated)?;
    let v = service::task(state, who, id).await?;
    let acts = |owner: bool| {
        v.allowed
            .iter()
            .filter(|a| a.by_owner() == owner)
            .map(|a| a.as_str())
            .collect::<Vec<_>>()
    };
    let t = TaskTpl {
        tr: page.tr().clone(),
        user: Some(who.user.clone()),
        csrf: who.csrf.clone().unwrap_or_default(),
        today: today().to_string(),
        owner_acts: acts(true),
        committee_acts: acts(false),
        v,
        errors,
        notice,
    };
    Ok(render(&t))
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct TaskPageQuery {
    done: Option<String>,
}

pub(super) async fn task(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<uuid::Uuid>,
    Query(q): Query<TaskPageQuery>,
) -> Response {
    if let Err(r) = page.who() {
        return r.into_response();
    }
    let notice = q
        .done
        .filter(|a| a.parse::<TaskAction>().is_ok())
        .map(|a| page.tr().code("task-done", a));
    task_page(&state, &page, id, Vec::new(), notice)
        .await
        .unwrap_or_else(|e| page.error(e))
}

pub(super) async fn step(
    State(state): State<AppState>,
    Path(id): Path<uuid::Uuid>,
    PostedMultipart {
        page,
        who,
        fields,
        mut uploads,
    }: PostedMultipart,
) -> Response {
    let input = StepInput {
        action: get(&fields, "action"),
        on: get(&fields, "on"),
        note: get(&fields, "note"),
        due_on: get(&fields, "due_on"),
    };
    let document = uploads.drain(..).find(|u| !u.bytes.is_empty());
    match service::step(&state, &who, id, &input, document).await {
        Ok(_) => Redirect::to(&format!(
            "/committee/tasks/{id}?done={}",
            input.action.unwrap_or_default()
        ))
        .into_response(),
        Err(AppError::Validation(e)) => task_page(&state, &page, id, e.errors, None)
            .await
            .map(|r| (StatusCode::UNPROCESSABLE_ENTITY, r).into_response())
            .unwrap_or_else(|e| page.error(e)),
        Err(e) => page.error(e),
    }
}

pub(super) async fn document(
    State(state): State<AppState>,
    page: Page,
    Path((id, sha)): Path<(uuid::Uuid, String)>,
) -> Response {
    let who = match page.who() {
        Ok(w) => w,
        Err(r) => return r.into_response(),
    };
    match service::document(&state, who, id, &sha).await {
        Ok((d, bytes)) => (
            [
                (header::CONTENT_TYPE, d.media_type.clone()),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"{}.{}\"",
                        &d.sha256[..16.min(d.sha256.len())],
                        crate::files::extension(&d.media_type)
                    ),
                ),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => page.error(e),
    }
}

/// The month or quarter a task is due within, as the reader writes it.
pub(crate) fn period_label(tr: &crate::i18n::Tr, p: &str) -> String {
    match liem_domain::committee::Due::period(p) {
        Some(liem_domain::committee::Due::Quarter { year, quarter }) => tr.quarter(year, quarter),
        Some(liem_domain::committee::Due::Month { year, month }) => format!("{month:02}/{year}"),
        _ => p.to_owned(),
    }
}

/// The label of a task's standing, in the reader's language.
pub(crate) fn standing_label(tr: &crate::i18n::Tr, s: &Standing) -> String {
    match s {
        Standing::Overdue { days } => tr.t1("standing-overdue-days", "n", days),
        other => tr.code("standing", other.code()),
    }
}

#[derive(Template)]
#[template(path = "committee_inspections.html")]
struct InspectionsTpl {
    tr: crate::i18n::Tr,
    user: Option<UserRecord>,
    csrf: String,
    rows: Vec<liem_store::committee::InspectionRecord>,
    can_plan: bool,
    units: Vec<(String, String)>,
    kinds: Vec<&'static str>,
    errors: Vec<FieldError>,
}

async fn inspections_page(
    state: &AppState,
    page: &Page,
    errors: Vec<FieldError>,
) -> AppResult<Response> {
    let who = page.principal().ok_or(AppError::Unauthenticated)?;
    let rows = service::inspections(state, who).await?;
    let can_plan = who.can(Right::RunCommittee);
    let units = if can_plan {
        service::directed_units(state, &who.user.unit_path).await?
    } else {
        Vec::new()
    };
    Ok(render(&InspectionsTpl {
        tr: page.tr().clone(),
        user: Some(who.user.clone()),
        csrf: who.csrf.clone().unwrap_or_default(),
        rows,
        can_plan,
        units,
        kinds: liem_domain::committee::InspectionKind::ALL
            .iter()
            .map(|k| k.as_str())
            .collect(),
        errors,
    }))
}

pub(super) async fn inspections(State(state): State<AppState>, page: Page) -> Response {
    if let Err(r) = page.who() {
        return r.into_response();
    }
    inspections_page(&state, &page, Vec::new())
        .await
        .unwrap_or_else(|e| page.error(e))
}

pub(super) async fn plan_inspection(
    State(state): State<AppState>,
    PostedForm { page, who, form }: PostedForm<Pairs>,
) -> Response {
    let all = |k: &str| {
        form.iter()
            .filter(|(n, v)| n == k && !v.trim().is_empty())
            .map(|(_, v)| v.clone())
            .collect::<Vec<_>>()
    };
    let input = liem_domain::committee::InspectionInput {
        kind: get(&form, "kind"),
        title: get(&form, "title"),
        subjects: all("subjects"),
        team: lines(get(&form, "team")),
        from: get(&form, "from"),
        to: get(&form, "to"),
    };
    match service::plan_inspection(&state, &who, &input).await {
        Ok(id) => Redirect::to(&format!("/committee/inspections/{id}")).into_response(),
        Err(AppError::Validation(e)) => inspections_page(&state, &page, e.errors)
            .await
            .map(|r| (StatusCode::UNPROCESSABLE_ENTITY, r).into_response())
            .unwrap_or_else(|e| page.error(e)),
        Err(e) => page.error(e),
    }
}

#[derive(Template)]
#[template(path = "committee_inspection.html")]
struct InspectionTpl {
    tr: crate::i18n::Tr,
    user: Option<UserRecord>,
    csrf: String,
    today: String,
    v: service::InspectionView,
    can_report: bool,
    errors: Vec<FieldError>,
}

async fn inspection_page(
    state: &AppState,
    page: &Page,
    id: uuid::Uuid,
    errors: Vec<FieldError>,
) -> AppResult<Response> {
    let who = page.principal().ok_or(AppError::Unauthenticated)?;
    let v = service::inspection(state, who, id).await?;
    let can_report = who.can(Right::RunCommittee)
        && who.user.unit_id == v.inspection.unit_id
        && v.inspection.conclusion_id.is_none();
    Ok(render(&InspectionTpl {
        tr: page.tr().clone(),
        user: Some(who.user.clone()),
        csrf: who.csrf.clone().unwrap_or_default(),
        today: today().to_string(),
        v,
        can_report,
        errors,
    }))
}

pub(super) async fn inspection(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<uuid::Uuid>,
) -> Response {
    if let Err(r) = page.who() {
        return r.into_response();
    }
    inspection_page(&state, &page, id, Vec::new())
        .await
        .unwrap_or_else(|e| page.error(e))
}

pub(super) async fn findings(
    State(state): State<AppState>,
    Path(id): Path<uuid::Uuid>,
    PostedForm { page, who, form }: PostedForm<Pairs>,
) -> Response {
    let input = service::FindingsInput {
        findings: get(&form, "findings"),
        on: get(&form, "on"),
    };
    match service::report_findings(&state, &who, id, &input).await {
        Ok(_) => Redirect::to(&format!("/committee/inspections/{id}")).into_response(),
        Err(AppError::Validation(e)) => inspection_page(&state, &page, id, e.errors)
            .await
            .map(|r| (StatusCode::UNPROCESSABLE_ENTITY, r).into_response())
            .unwrap_or_else(|e| page.error(e)),
        Err(e) => page.error(e),
    }
}

/// The committees' figures as an Excel workbook: a row per committee in
/// reach, their total, headings in the reader's language.
pub(super) async fn figures_xlsx(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let who = match page.who() {
        Ok(w) => w,
        Err(r) => return r.into_response(),
    };
    let today = today();
    let parse = |s: &Option<String>| s.as_deref().and_then(|d| d.parse::<Date>().ok());
    let from = parse(&q.from).unwrap_or_else(|| today.first_of_year());
    let to = parse(&q.to).unwrap_or(today).max(from);
    let (rows, total) = match service::figures_by_committee(&state, who, from, to).await {
        Ok(r) => r,
        Err(e) => return page.error(e),
    };
    match figures_workbook(page.tr(), from, to, &rows, &total) {
        Ok(bytes) => (
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"ban-chi-dao-{from}-{to}.xlsx\""),
                ),
                (header::CACHE_CONTROL, "no-store".to_owned()),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => page.error(AppError::Internal(format!("writing the workbook: {e}"))),
    }
}

/// The figures' columns: heading key and value.
fn columns(f: &ActivityFigures) -> [(&'static str, u32); 12] {
    [
        ("cm-f-sessions", f.sessions),
        ("cm-f-meetings", f.meetings),
        ("cm-f-conclusions", f.conclusions),
        ("cm-f-assigned", f.tasks_assigned),
        ("cm-f-due", f.tasks_due),
        ("cm-f-on-time", f.done_on_time),
        ("cm-f-late", f.done_late),
        ("cm-f-overdue", f.overdue),
        ("cm-f-awaiting", f.awaiting_review),
        ("cm-f-inspections", f.inspections),
        ("cm-f-supervisions", f.supervisions),
        ("cm-f-recommendations", f.recommendations),
    ]
}

fn figures_workbook(
    tr: &crate::i18n::Tr,
    from: Date,
    to: Date,
    rows: &[service::CommitteeRow],
    total: &ActivityFigures,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    if tr.lang == crate::i18n::Lang::Ar {
        ws.set_right_to_left(true);
    }
    let title = Format::new().set_bold().set_font_size(14);
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_border(FormatBorder::Thin);
    let cell = Format::new().set_border(FormatBorder::Thin);
    let bold = Format::new().set_bold().set_border(FormatBorder::Thin);
    ws.write_string_with_format(0, 0, tr.t("cm-figures"), &title)?;
    ws.write_string(1, 0, format!("{} – {}", tr.date(from), tr.date(to)))?;
    ws.write_string_with_format(3, 0, tr.t("cm-unit"), &head)?;
    for (i, (key, _)) in columns(total).iter().enumerate() {
        ws.write_string_with_format(3, i as u16 + 1, tr.t(key), &head)?;
    }
    let mut r = 4;
    for row in rows {
        ws.write_string_with_format(r, 0, &row.name, &cell)?;
        for (i, (_, v)) in columns(&row.figures).iter().enumerate() {
            ws.write_number_with_format(r, i as u16 + 1, f64::from(*v), &cell)?;
        }
        r += 1;
    }
    ws.write_string_with_format(r, 0, tr.t("cm-total"), &bold)?;
    for (i, (_, v)) in columns(total).iter().enumerate() {
        ws.write_number_with_format(r, i as u16 + 1, f64::from(*v), &bold)?;
    }
    ws.set_column_width(0, 40)?;
    for i in 1..=12 {
        ws.set_column_width(i, 14)?;
    }
    ws.set_landscape();
    ws.set_paper_size(9);
    wb.save_to_buffer()
}

pub(super) async fn add_documents(
    State(state): State<AppState>,
    Path(id): Path<uuid::Uuid>,
    PostedMultipart {
        page,
        who,
        fields,
        uploads,
    }: PostedMultipart,
) -> Response {
    let secret = get(&fields, "secret").as_deref() == Some("true");
    match service::add_documents(&state, &who, id, &uploads, secret).await {
        Ok(_) => Redirect::to(&format!("/committee/meetings/{id}#documents")).into_response(),
        Err(AppError::Validation(e)) => meeting_page(&state, &page, id, e.errors)
            .await
            .map(|r| (StatusCode::UNPROCESSABLE_ENTITY, r).into_response())
            .unwrap_or_else(|e| page.error(e)),
        Err(e) => page.error(e),
    }
}

pub(super) async fn meeting_document(
    State(state): State<AppState>,
    page: Page,
    Path((id, doc)): Path<(uuid::Uuid, uuid::Uuid)>,
) -> Response {
    let who = match page.who() {
        Ok(w) => w,
        Err(r) => return r.into_response(),
    };
    match service::meeting_document(&state, who, id, doc).await {
        Ok((d, bytes)) => (
            [
                (header::CONTENT_TYPE, d.media_type.clone()),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"{}.{}\"",
                        d.id,
                        crate::files::extension(&d.media_type)
                    ),
                ),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
                (header::CACHE_CONTROL, "no-store".to_owned()),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => page.error(e),
    }
}
