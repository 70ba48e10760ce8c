//! The API of citizen reception.

use super::service;
use crate::auth::Principal;
use crate::state::AppState;
use crate::web::answer::Created;
use crate::web::error::{AppResult, Problem};
use crate::web::json::ApiJson;
use crate::web::write::Writer;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use jiff::civil::Date;
use liem_domain::reception::{ScheduleInput, SessionInput};
use serde::Deserialize;
use utoipa::IntoParams;

#[utoipa::path(post, path = "/api/v1/reception/sessions", request_body = SessionInput, tag = "reception",
    responses((status = 201, description = "The session recorded", body = Created), (status = 422, body = Problem)))]
/// Records a reception session with its visits and matters.
pub async fn record(
    State(state): State<AppState>,
    who: Writer,
    ApiJson(input): ApiJson<SessionInput>,
) -> AppResult<Response> {
    let id = service::record_session(&state, &who, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

/// A period and an optional unit.
#[derive(Debug, Deserialize, IntoParams)]
pub struct PeriodQuery {
    /// First day, `YYYY-MM-DD`.
    pub from: String,
    /// Last day, `YYYY-MM-DD`.
    pub to: String,
    /// A unit code; its subtree is counted (default: the caller's scope).
    pub unit: Option<String>,
}

impl PeriodQuery {
    fn dates(&self) -> AppResult<(Date, Date)> {
        Ok(liem_domain::validation::period(
            Some(&self.from),
            Some(&self.to),
        )?)
    }
}

#[utoipa::path(get, path = "/api/v1/reception/figures", params(PeriodQuery), tag = "reception",
    responses((status = 200, description = "The figures of form 01/TCD", body = liem_domain::reception::ReceptionFigures), (status = 422, body = Problem)))]
/// The reception figures (form 01/TCD) of a period, for a unit's subtree.
pub async fn figures_api(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Response> {
    let (from, to) = q.dates()?;
    let f = service::period_figures(&state, &who, q.unit.as_deref(), from, to).await?;
    Ok(Json(f).into_response())
}

#[utoipa::path(get, path = "/api/v1/reception/compliance", params(PeriodQuery), tag = "reception",
    responses((status = 200, description = "Weeks or months in which the head did not receive citizens in person", body = super::service::Compliance), (status = 422, body = Problem)))]
/// Whether the head of a unit kept the statutory reception days
/// (commune chair weekly; provincial chair and agency heads monthly).
pub async fn compliance(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Response> {
    let (from, to) = q.dates()?;
    let c = service::compliance(&state, &who, q.unit.as_deref(), from, to).await?;
    Ok(Json(c).into_response())
}

#[utoipa::path(put, path = "/api/v1/reception/schedules", request_body = liem_domain::reception::ScheduleInput, tag = "reception",
    responses((status = 204, description = "Set"), (status = 403, body = Problem), (status = 422, body = Problem)))]
/// Sets a head's reception schedule in the caller's unit (leaders and
/// administrators); it must meet the statutory minimum for the unit.
pub async fn set_schedule(
    State(state): State<AppState>,
    who: Writer,
    ApiJson(input): ApiJson<ScheduleInput>,
) -> AppResult<StatusCode> {
    service::set_schedule(&state, &who, &input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A unit.
#[derive(Debug, Deserialize, IntoParams)]
pub struct UnitQuery {
    /// The unit code (default: the caller's unit).
    pub unit: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/reception/schedules", params(UnitQuery), tag = "reception", responses((status = 200, body = [liem_domain::reception::Schedule], description = "The schedules of the units in scope")))]
/// The reception schedules of a unit.
pub async fn list_schedules(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<UnitQuery>,
) -> AppResult<Response> {
    Ok(Json(service::schedules(&state, &who, q.unit.as_deref()).await?).into_response())
}
