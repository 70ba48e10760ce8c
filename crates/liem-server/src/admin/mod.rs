//! Administration: units and their timer policies, the calendar, the
//! deadline rules, and the audit trail's verification.

pub mod api;
pub mod pages;
pub mod service;

use crate::web::routes::Routes;
use axum::routing::get;
use axum::routing::{post, put};
use utoipa::OpenApi;

/// The administration routes.
pub fn router() -> Routes {
    Routes::new()
        .at(
            "/api/v1/units",
            &["GET", "POST"],
            get(api::list_units).post(api::create_unit),
        )
        .at(
            "/api/v1/users",
            &["GET", "POST"],
            get(api::list_users).post(api::create_user),
        )
        .at(
            "/api/v1/users/{username}/active",
            &["PUT"],
            put(api::set_user_active),
        )
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
        .at(
            "/api/v1/rules/{code}/versions",
            &["POST"],
            post(api::add_rule_version),
        )
        .at("/api/v1/audit/verify", &["GET"], get(api::audit_verify))
        .at(
            "/api/v1/audit/checkpoint",
            &["GET"],
            get(api::audit_checkpoint),
        )
        .at(
            "/api/v1/users/{username}/password-reset",
            &["POST"],
            post(api::reset_password),
        )
        .at("/calendar", &["GET"], get(pages::calendar))
        .at("/calendar/days", &["POST"], post(pages::set_day))
        .at("/admin/rules", &["GET"], get(pages::rules))
        .at(
            "/admin/units",
            &["GET", "POST"],
            get(pages::units).post(pages::add_unit),
        )
        .at(
            "/admin/units/{code}/policy",
            &["POST"],
            post(pages::set_policy),
        )
        .at("/admin/rules/{code}", &["POST"], post(pages::set_rule_unit))
        .at(
            "/calendar/days/{date}/remove",
            &["POST"],
            post(pages::remove_day),
        )
        .at(
            "/admin/users",
            &["GET", "POST"],
            get(pages::users).post(pages::add_user),
        )
        .at(
            "/admin/users/{username}/active",
            &["POST"],
            post(pages::set_active),
        )
        .at(
            "/admin/users/{username}/reset",
            &["POST"],
            post(pages::reset),
        )
}

/// This feature's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(
        api::list_units,
        api::create_unit,
        api::list_users,
        api::create_user,
        api::set_user_active,
        api::reset_password,
        api::set_policy,
        api::calendar_year,
        api::set_day,
        api::remove_day,
        api::list_rules,
        api::set_rule_unit,
        api::add_rule_version,
        api::audit_verify,
        api::audit_checkpoint
    ),
    components(schemas(
        api::PolicyInput,
        api::DayInput,
        api::RuleUnitInput,
        api::RuleVersionInput,
        api::NewUserInput,
        api::UserView,
        api::ActiveInput,
        api::NewUnitInput
    ))
)]
pub struct Doc;
