//! The API of administration: units, their timer policies, the calendar,
//! the deadline rules and the audit trail's verification.

use super::service;
use crate::auth::Principal;
use crate::state::AppState;
use crate::web::error::{AppError, AppResult, Problem};
use crate::web::json::ApiJson;
use crate::web::write::Writer;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use liem_domain::calendar::{DayOverride, OverrideKind};
use liem_domain::deadline::{PeriodUnit, RuleCode};
use liem_domain::timers::ChannelPolicy;
use liem_domain::validation::{required_code, required_date, required_text};
use liem_domain::ValidationErrors;
use liem_store::units::UnitRecord;
use serde::Deserialize;
use utoipa::ToSchema;

/// The units the caller can read.
#[utoipa::path(get, path = "/api/v1/units", responses((status = 200, body = Object)))]
pub(super) async fn list_units(
    State(state): State<AppState>,
    who: Principal,
) -> AppResult<Json<Vec<UnitRecord>>> {
    Ok(Json(service::list_units(&state, &who).await?))
}

/// A unit's timer policy.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PolicyInput {
    /// `vn` (Vietnamese rules) or `eu` (EU Directive 2019/1937: acknowledge in 7 days, feedback in 3 months).
    pub policy: String,
}

/// Chooses the acknowledgement and feedback timers a unit follows (administrators of its tree).
#[utoipa::path(put, path = "/api/v1/units/{code}/policy", request_body = PolicyInput, responses((status = 204, description = "Set"), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub(super) async fn set_policy(
    State(state): State<AppState>,
    who: Writer,
    Path(code): Path<String>,
    ApiJson(input): ApiJson<PolicyInput>,
) -> AppResult<StatusCode> {
    let mut errs = ValidationErrors::new();
    let policy = required_code::<ChannelPolicy>(&mut errs, "policy", Some(&input.policy));
    let (Some(policy), ()) = (policy, errs.into_result(())?) else {
        return Err(AppError::BadRequest("policy".into()));
    };
    service::set_policy(&state, &who, &code, policy).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Days off of a year: holidays (computed, with the lunar New Year) and the
/// days administrators entered.
#[utoipa::path(get, path = "/api/v1/calendar/{year}", responses((status = 200, body = Object), (status = 422, body = Problem)))]
pub(super) async fn calendar_year(
    State(state): State<AppState>,
    who: Principal,
    Path(year): Path<i16>,
) -> AppResult<Response> {
    check_year(year)?;
    let cal = service::calendar(&state, &who).await?;
    Ok(Json(serde_json::json!({ "year": year, "days_off": cal.days_off(year), "entered": cal.overrides_in(year) })).into_response())
}

/// Checks a calendar year is in the supported range.
pub fn check_year(year: i16) -> AppResult<()> {
    if (1990..=2100).contains(&year) {
        Ok(())
    } else {
        Err(AppError::Validation(ValidationErrors::single(
            "year",
            "range",
            "must be between 1990 and 2100",
        )))
    }
}

/// A day an administrator enters.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DayInput {
    /// `day_off` or `working_day`.
    pub kind: String,
    /// The announcement's name for it.
    pub name: String,
}

/// Enters a day off or a swapped working day (central administrators); the
/// due dates of open matters are recomputed.
#[utoipa::path(put, path = "/api/v1/calendar/days/{date}", request_body = DayInput, responses((status = 204, description = "Entered"), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub(super) async fn set_day(
    State(state): State<AppState>,
    who: Writer,
    Path(date): Path<String>,
    ApiJson(input): ApiJson<DayInput>,
) -> AppResult<StatusCode> {
    let mut errs = ValidationErrors::new();
    let date = required_date(&mut errs, "date", Some(&date));
    let kind = required_code::<OverrideKind>(&mut errs, "kind", Some(&input.kind));
    let name = required_text(&mut errs, "name", &input.name, 200);
    let (Some(date), Some(kind), ()) = (date, kind, errs.into_result(())?) else {
        return Err(AppError::BadRequest("date, kind".into()));
    };
    service::set_day(&state, &who, &DayOverride { date, kind, name }).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes an entered day (central administrators).
#[utoipa::path(delete, path = "/api/v1/calendar/days/{date}", responses((status = 204, description = "Removed"), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub(super) async fn remove_day(
    State(state): State<AppState>,
    who: Writer,
    Path(date): Path<String>,
) -> AppResult<StatusCode> {
    let mut errs = ValidationErrors::new();
    let date = required_date(&mut errs, "date", Some(&date));
    let (Some(date), ()) = (date, errs.into_result(())?) else {
        return Err(AppError::BadRequest("date".into()));
    };
    service::remove_day(&state, &who, date).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The deadline rules with their citations.
#[utoipa::path(get, path = "/api/v1/rules", responses((status = 200, body = Object)))]
pub(super) async fn list_rules(
    State(state): State<AppState>,
    who: Principal,
) -> AppResult<Response> {
    Ok(Json(service::rule_list(&state, &who).await?).into_response())
}

/// The unit a rule is counted in.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RuleUnitInput {
    /// `working_days`, `days` or `months`.
    pub unit: String,
}

/// Changes the unit a rule is counted in (central administrators); the due
/// dates of open matters are recomputed.
#[utoipa::path(put, path = "/api/v1/rules/{code}", request_body = RuleUnitInput, responses((status = 204, description = "Changed"), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub(super) async fn set_rule_unit(
    State(state): State<AppState>,
    who: Writer,
    Path(code): Path<String>,
    ApiJson(input): ApiJson<RuleUnitInput>,
) -> AppResult<StatusCode> {
    let mut errs = ValidationErrors::new();
    let code = required_code::<RuleCode>(&mut errs, "code", Some(&code));
    let unit = required_code::<PeriodUnit>(&mut errs, "unit", Some(&input.unit));
    let (Some(code), Some(unit), ()) = (code, unit, errs.into_result(())?) else {
        return Err(AppError::BadRequest("code, unit".into()));
    };
    service::set_rule_unit(&state, &who, code, unit).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Verifies the audit chain (auditors).
#[utoipa::path(get, path = "/api/v1/audit/verify", responses((status = 200, body = Object), (status = 403, body = Problem)))]
pub(super) async fn audit_verify(
    State(state): State<AppState>,
    who: Principal,
) -> AppResult<Response> {
    Ok(Json(service::verify_audit(&state, &who).await?).into_response())
}
