//! Citizen reception: recording sessions, the 01/TCD figures, and the check
//! that heads keep their statutory reception days.

use crate::api::ApiJson;
use crate::auth::Principal;
use crate::error::{AppError, AppResult, Problem};
use crate::service::{self, rules, today};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jiff::civil::Date;
use liem_domain::deadline::{PeriodUnit, RuleCode};
use liem_domain::reception::{
    figures, schedule_gaps, statutory_frequency, SessionInput, VisitOutcome,
};
use liem_domain::role::{Right, Scope};
use liem_domain::ValidationErrors;
use liem_store::{reception, units};
use serde::Deserialize;
use utoipa::IntoParams;

/// The reception routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/reception/sessions", post(record))
        .route("/api/v1/reception/figures", get(figures_api))
        .route("/api/v1/reception/compliance", get(compliance))
}

/// Records a session held in the caller's unit.
pub async fn record_session(
    state: &AppState,
    who: &Principal,
    input: &SessionInput,
) -> AppResult<uuid::Uuid> {
    who.require(Right::RegisterLetter)?;
    let s = input.parse(today())?;
    let (cal, book) = rules(state).await?;
    let rule = book
        .rule(RuleCode::ReceptionReply, s.session.held_on)
        .ok_or_else(|| AppError::Internal("no reception-reply rule in force".into()))?;
    let due: Vec<Option<Date>> = s
        .session
        .visits
        .iter()
        .map(|v| {
            (v.outcome == VisitOutcome::ReplyDue).then(|| match rule.unit {
                PeriodUnit::WorkingDays => {
                    cal.add_working_days(s.session.held_on, rule.amount, |_| false)
                }
                PeriodUnit::Days => cal.add_days(s.session.held_on, rule.amount, |_| false),
                PeriodUnit::Months => cal.add_months(s.session.held_on, rule.amount, |_| false),
            })
        })
        .collect();
    let mut tx = state.store.begin().await?;
    let id =
        reception::insert_session(&mut tx, &who.actor(), who.user.unit_id, &s, &due, &[]).await?;
    tx.commit().await?;
    Ok(id)
}

#[utoipa::path(post, path = "/api/v1/reception/sessions", request_body = SessionInput, tag = "reception",
    responses((status = 201, body = Object), (status = 422, body = Problem)))]
/// Records a reception session with its visits and matters.
pub async fn record(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    ApiJson(input): ApiJson<SessionInput>,
) -> AppResult<Response> {
    who.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let id = record_session(&state, &who, &input).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
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
        let mut errs = ValidationErrors::new();
        let from = liem_domain::validation::required_date(&mut errs, "from", Some(&self.from));
        let to = liem_domain::validation::required_date(&mut errs, "to", Some(&self.to));
        if let (Some(f), Some(t)) = (from, to) {
            if f > t {
                errs.add("to", "after_from", "must not be before `from`");
            }
        }
        errs.into_result(())?;
        Ok((from.expect("checked"), to.expect("checked")))
    }
}

async fn scope_for(
    state: &AppState,
    who: &Principal,
    unit: Option<&str>,
) -> AppResult<(Scope, Option<units::UnitRecord>)> {
    let scope = who.require(Right::ReadPetitions)?;
    match unit.map(str::trim).filter(|u| !u.is_empty()) {
        None => Ok((scope, None)),
        Some(code) => {
            let u = service::unit_in_scope(state, who, code)
                .await
                .map_err(|e| match e {
                    AppError::NotFound => AppError::Validation(ValidationErrors::single(
                        "unit",
                        "unknown_value",
                        "must be a unit code in your scope",
                    )),
                    e => e,
                })?;
            Ok((Scope::Subtree(u.path.clone()), Some(u)))
        }
    }
}

#[utoipa::path(get, path = "/api/v1/reception/figures", params(PeriodQuery), tag = "reception",
    responses((status = 200, description = "The figures of form 01/TCD", body = Object), (status = 422, body = Problem)))]
/// The reception figures (form 01/TCD) of a period, for a unit's subtree.
pub async fn figures_api(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Response> {
    let (from, to) = q.dates()?;
    let (scope, _) = scope_for(&state, &who, q.unit.as_deref()).await?;
    let mut c = state.store.conn().await?;
    let sessions = reception::sessions(&mut c, &scope, from, to).await?;
    Ok(Json(figures(&sessions, from, to)).into_response())
}

#[utoipa::path(get, path = "/api/v1/reception/compliance", params(PeriodQuery), tag = "reception",
    responses((status = 200, description = "Weeks or months in which the head did not receive citizens in person", body = Object), (status = 422, body = Problem)))]
/// Whether the head of a unit kept the statutory reception days
/// (commune chair weekly; provincial chair and agency heads monthly).
pub async fn compliance(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Response> {
    let (from, to) = q.dates()?;
    let code = q.unit.clone().unwrap_or_else(|| who.user.unit_code.clone());
    let (_, unit) = scope_for(&state, &who, Some(&code)).await?;
    let unit = unit.expect("a unit was named");
    let mut c = state.store.conn().await?;
    let sessions = reception::sessions(&mut c, &Scope::Unit(unit.path.clone()), from, to).await?;
    drop(c);
    let (cal, _) = rules(&state).await?;
    let freq = statutory_frequency(unit.kind);
    let gaps = schedule_gaps(&sessions, freq, from, to, &cal);
    Ok(Json(serde_json::json!({ "unit": unit.code, "frequency": format!("{freq:?}").to_lowercase(), "missed": gaps })).into_response())
}
