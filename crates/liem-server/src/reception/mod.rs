//! Citizen reception: recording sessions, the 01/TCD figures, and the check
//! that heads keep their statutory reception days.

pub mod api;
pub mod pages;
pub mod service;

use crate::web::routes::Routes;
use axum::routing::get;
use axum::routing::post;
use utoipa::OpenApi;

/// The reception routes.
pub fn router() -> Routes {
    Routes::new()
        .at(
            "/reception",
            &["GET", "POST"],
            get(pages::page).post(pages::record_form),
        )
        .at("/api/v1/reception/sessions", &["POST"], post(api::record))
        .at("/api/v1/reception/figures", &["GET"], get(api::figures_api))
        .at(
            "/api/v1/reception/compliance",
            &["GET"],
            get(api::compliance),
        )
        .at(
            "/api/v1/reception/schedules",
            &["GET", "PUT"],
            get(api::list_schedules).put(api::set_schedule),
        )
}

/// This feature's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(
        api::record,
        api::figures_api,
        api::compliance,
        api::set_schedule,
        api::list_schedules
    ),
    components(schemas(
        liem_domain::reception::SessionInput,
        liem_domain::reception::VisitInput,
        liem_domain::reception::ScheduleInput
    ))
)]
pub struct Doc;
