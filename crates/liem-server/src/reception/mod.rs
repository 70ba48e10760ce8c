//! Citizen reception: recording sessions, the 01/TCD figures, and the check
//! that heads keep their statutory reception days.

pub mod api;
pub mod pages;
pub mod service;

use crate::state::AppState;
use axum::routing::get;
use axum::routing::post;
use axum::Router;
use utoipa::OpenApi;

/// The reception routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reception", get(pages::page).post(pages::record_form))
        .route("/api/v1/reception/sessions", post(api::record))
        .route("/api/v1/reception/figures", get(api::figures_api))
        .route("/api/v1/reception/compliance", get(api::compliance))
        .route(
            "/api/v1/reception/schedules",
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
