//! Administration: units and their timer policies, the calendar, the
//! deadline rules, and the audit trail's verification.

pub mod api;
pub mod pages;
pub mod service;

use crate::state::AppState;
use axum::routing::get;
use axum::routing::put;
use axum::Router;
use utoipa::OpenApi;

/// The administration routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/units", get(api::list_units))
        .route("/api/v1/units/{code}/policy", put(api::set_policy))
        .route("/api/v1/calendar/{year}", get(api::calendar_year))
        .route(
            "/api/v1/calendar/days/{date}",
            put(api::set_day).delete(api::remove_day),
        )
        .route("/api/v1/rules", get(api::list_rules))
        .route("/api/v1/rules/{code}", put(api::set_rule_unit))
        .route("/api/v1/audit/verify", get(api::audit_verify))
        .route("/calendar", get(pages::calendar))
}

/// This feature's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(
        api::list_units,
        api::set_policy,
        api::calendar_year,
        api::set_day,
        api::remove_day,
        api::list_rules,
        api::set_rule_unit,
        api::audit_verify
    ),
    components(schemas(api::PolicyInput, api::DayInput, api::RuleUnitInput))
)]
pub struct Doc;
