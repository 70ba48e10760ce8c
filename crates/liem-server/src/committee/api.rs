//! The API of a committee's own work.

use super::service::{self, MeetingView, StepInput, TaskLine, TaskQuery, TaskView};
use crate::auth::Principal;
use crate::state::AppState;
use crate::web::answer::{Created, Items};
use crate::web::error::{AppResult, Problem};
use crate::web::json::ApiJson;
use crate::web::write::Writer;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use liem_domain::committee::{ActivityFigures, ConclusionInput, MeetingInput};
use liem_store::committee::MeetingBrief;
use serde::Deserialize;
use utoipa::IntoParams;

#[utoipa::path(post, path = "/api/v1/committee/meetings", request_body = MeetingInput, tag = "committee",
    responses((status = 201, description = "The meeting recorded", body = Created), (status = 403, body = Problem), (status = 422, body = Problem)))]
/// Records a meeting of the caller's steering committee (its leaders).
pub async fn record_meeting(
    State(state): State<AppState>,
    who: Writer,
    ApiJson(input): ApiJson<MeetingInput>,
) -> AppResult<Response> {
    let id = service::record_meeting(&state, &who, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

/// A period.
#[derive(Debug, Deserialize, IntoParams)]
pub struct PeriodQuery {
    /// First day, `YYYY-MM-DD`.
    pub from: String,
    /// Last day, `YYYY-MM-DD`.
    pub to: String,
    /// A unit code; its subtree is counted (default: the caller's reach).
    pub unit: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/committee/meetings", params(PeriodQuery), tag = "committee",
    responses((status = 200, description = "The meetings held in the period, newest first", body = Items<MeetingBrief>), (status = 422, body = Problem)))]
/// The meetings of the committees in the caller's reach held in a period.
pub async fn meetings(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Response> {
    let (from, to) = liem_domain::validation::period(Some(&q.from), Some(&q.to))?;
    let items = service::meetings(&state, &who, from, to).await?;
    Ok(Json(Items { items }).into_response())
}

#[utoipa::path(get, path = "/api/v1/committee/meetings/{id}", tag = "committee",
    responses((status = 200, body = MeetingView), (status = 404, description = "Absent, or not visible to the caller", body = Problem)))]
/// A meeting with its agenda, its conclusions and the tasks they gave.
pub async fn meeting(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<uuid::Uuid>,
) -> AppResult<Response> {
    Ok(Json(service::meeting(&state, &who, id).await?).into_response())
}

#[utoipa::path(post, path = "/api/v1/committee/meetings/{id}/conclusions", request_body = ConclusionInput, tag = "committee",
    responses((status = 201, description = "The conclusion recorded with its tasks", body = Created), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, description = "The number is taken", body = Problem), (status = 422, body = Problem)))]
/// Adopts a conclusion of a meeting: its numbered directions and the tasks
/// they give to units under the committee.
pub async fn adopt(
    State(state): State<AppState>,
    who: Writer,
    Path(id): Path<uuid::Uuid>,
    ApiJson(input): ApiJson<ConclusionInput>,
) -> AppResult<Response> {
    let id = service::adopt_conclusion(&state, &who, id, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

#[utoipa::path(get, path = "/api/v1/committee/tasks", params(TaskQuery), tag = "committee",
    responses((status = 200, description = "The tasks, by due date", body = Items<TaskLine>), (status = 422, body = Problem)))]
/// The tasks the caller sees: those the committees in reach gave and those
/// the units in reach own.
pub async fn tasks(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<TaskQuery>,
) -> AppResult<Response> {
    let items = service::tasks(&state, &who, &q).await?;
    Ok(Json(Items { items }).into_response())
}

#[utoipa::path(get, path = "/api/v1/committee/tasks/{id}", tag = "committee",
    responses((status = 200, body = TaskView), (status = 404, description = "Absent, or not visible to the caller", body = Problem)))]
/// A task, its follow-up and what the caller may do to it.
pub async fn task(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<uuid::Uuid>,
) -> AppResult<Response> {
    Ok(Json(service::task(&state, &who, id).await?).into_response())
}

#[utoipa::path(post, path = "/api/v1/committee/tasks/{id}/steps", request_body = StepInput, tag = "committee",
    responses((status = 200, description = "The task after the step", body = TaskView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, description = "Not possible in the task's state", body = Problem), (status = 422, body = Problem)))]
/// A step in a task's follow-up: the owner reports progress or completion;
/// the committee accepts, sends back, extends or withdraws.
pub async fn step(
    State(state): State<AppState>,
    who: Writer,
    Path(id): Path<uuid::Uuid>,
    ApiJson(input): ApiJson<StepInput>,
) -> AppResult<Response> {
    Ok(Json(service::step(&state, &who, id, &input, None).await?).into_response())
}

#[utoipa::path(get, path = "/api/v1/committee/figures", params(PeriodQuery), tag = "committee",
    responses((status = 200, description = "The committees' activity figures", body = ActivityFigures), (status = 422, body = Problem)))]
/// The activity figures of the committees in reach (or a unit's subtree)
/// over a period.
pub async fn figures(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Response> {
    let (from, to) = liem_domain::validation::period(Some(&q.from), Some(&q.to))?;
    Ok(Json(service::figures(&state, &who, q.unit.as_deref(), from, to).await?).into_response())
}

/// Whose meetings.
#[derive(Debug, Deserialize, IntoParams)]
pub struct FeedQuery {
    /// The committee's unit code.
    pub unit: String,
}

#[utoipa::path(get, path = "/api/v1/meetings.ics", params(FeedQuery), tag = "committee",
    responses((status = 200, description = "The unit's meetings as iCalendar", content_type = "text/calendar", body = String), (status = 422, body = Problem)))]
/// A committee's meetings as an iCalendar feed (bearer token or session).
pub async fn feed(
    State(state): State<AppState>,
    who: Principal,
    asked: crate::web::lang::Asked,
    Query(q): Query<FeedQuery>,
) -> AppResult<Response> {
    let (unit, rows) = service::meetings_of_unit(&state, &who, &q.unit).await?;
    let tr = crate::i18n::Tr::new(state.i18n.clone(), asked.staff(who.user.locale.as_deref()));
    let body = super::ics::feed(
        &unit.name,
        &rows,
        |m| format!("{} — {}", tr.code("meeting", m.kind.as_str()), unit.code),
        "liem",
        jiff::Timestamp::now(),
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response())
}

#[utoipa::path(post, path = "/api/v1/committee/inspections", request_body = liem_domain::committee::InspectionInput, tag = "committee",
    responses((status = 201, description = "The inspection planned", body = Created), (status = 403, body = Problem), (status = 422, body = Problem)))]
/// Plans an inspection or supervision by the caller's committee.
pub async fn plan_inspection(
    State(state): State<AppState>,
    who: Writer,
    ApiJson(input): ApiJson<liem_domain::committee::InspectionInput>,
) -> AppResult<Response> {
    let id = service::plan_inspection(&state, &who, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

#[utoipa::path(get, path = "/api/v1/committee/inspections", tag = "committee",
    responses((status = 200, description = "The inspections and supervisions, latest first", body = Items<liem_store::committee::InspectionRecord>)))]
/// The inspections and supervisions of the committees in the caller's reach.
pub async fn inspections(State(state): State<AppState>, who: Principal) -> AppResult<Response> {
    let items = service::inspections(&state, &who).await?;
    Ok(Json(Items { items }).into_response())
}

#[utoipa::path(get, path = "/api/v1/committee/inspections/{id}", tag = "committee",
    responses((status = 200, body = service::InspectionView), (status = 404, description = "Absent, or not visible to the caller", body = Problem)))]
/// An inspection with its recommendations' tasks.
pub async fn inspection(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<uuid::Uuid>,
) -> AppResult<Response> {
    Ok(Json(service::inspection(&state, &who, id).await?).into_response())
}

#[utoipa::path(post, path = "/api/v1/committee/inspections/{id}/findings", request_body = service::FindingsInput, tag = "committee",
    responses((status = 200, description = "The inspection with its findings", body = service::InspectionView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, description = "Already concluded", body = Problem), (status = 422, body = Problem)))]
/// Records an inspection's findings.
pub async fn findings(
    State(state): State<AppState>,
    who: Writer,
    Path(id): Path<uuid::Uuid>,
    ApiJson(input): ApiJson<service::FindingsInput>,
) -> AppResult<Response> {
    Ok(Json(service::report_findings(&state, &who, id, &input).await?).into_response())
}

/// The committees' figures, one row each, and their total.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct RolledUp {
    /// One row per committee in reach.
    pub rows: Vec<service::CommitteeRow>,
    /// Their total.
    pub total: ActivityFigures,
}

#[utoipa::path(get, path = "/api/v1/committee/figures/by-committee", params(PeriodQuery), tag = "committee",
    responses((status = 200, description = "Each committee's figures and their total", body = RolledUp), (status = 422, body = Problem)))]
/// The activity figures of every committee in reach, rolled up.
pub async fn by_committee(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Response> {
    let (from, to) = liem_domain::validation::period(Some(&q.from), Some(&q.to))?;
    let (rows, total) = service::figures_by_committee(&state, &who, from, to).await?;
    Ok(Json(RolledUp { rows, total }).into_response())
}
