//! Administration: units and their timer policies, the calendar, the
//! deadline rules, and the audit trail's verification.

pub mod api;
pub mod pages;
pub mod service;

use crate::web::routes::Routes;
use axum::routing::get;
use axum::routing::put;
use utoipa::OpenApi;

/// The administration routes.
pub fn router() -> Routes {
    Routes::new()
        .at("/api/v1/units", &["GET"], get(api::list_units))
        .at(
            "/api/v1/units/{code}/policy",
            &["PUT"],
            put(api::set_policy),
        )
        .at("/api/v1/calendar/{year}", &["GET"], get(api::calendar_year))
        .at(
            "/api/v1/calendar/days/{date}",
            &["PUT", "DELETE"],
            put(api::set_day).delete(api::remove_day),
        )
        .at("/api/v1/rules", &["GET"], get(api::list_rules))
        .at("/api/v1/rules/{code}", &["PUT"], put(api::set_rule_unit))
        .at("/api/v1/audit/verify", &["GET"], get(api::audit_verify))
        .at("/calendar", &["GET"], get(pages::calendar))
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
