//! The register of cases and incidents: stages, transfers between agencies,
//! monitoring by a steering committee, parties, charges and assets; the
//! watch list, deadlines and figures.

pub mod api;
pub mod csv;
pub mod pages;
pub mod service;

use crate::state::AppState;
use axum::routing::get;
use axum::routing::post;
use axum::Router;
use utoipa::OpenApi;

/// The case routes (API and pages).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/cases", get(api::api_list).post(api::api_create))
        .route("/api/v1/cases/{id}", get(api::api_get))
        .route("/api/v1/cases/{id}/stage", post(api::api_stage))
        .route("/api/v1/cases/{id}/transfers", post(api::api_transfer))
        .route("/api/v1/case-transfers", get(api::api_pending_transfers))
        .route(
            "/api/v1/case-transfers/{id}/acknowledge",
            post(api::api_acknowledge),
        )
        .route("/api/v1/cases/{id}/monitoring", post(api::api_monitor))
        .route(
            "/api/v1/monitorings/{id}/targets",
            post(api::api_add_target),
        )
        .route("/api/v1/monitorings/{id}/removal", post(api::api_unmonitor))
        .route("/api/v1/cases/{id}/parties", post(api::api_add_party))
        .route(
            "/api/v1/case-parties/{id}/charges",
            post(api::api_add_charge),
        )
        .route("/api/v1/cases/{id}/assets", post(api::api_add_asset))
        .route("/api/v1/cases/{id}/access", post(api::api_grant))
        .route("/api/v1/watchlist", get(api::api_watch_list))
        .route("/api/v1/case-deadlines", get(api::api_deadlines))
        .route("/api/v1/case-figures", get(api::api_figures))
        .route("/cases", get(pages::list_page).post(pages::create_page))
        .route("/cases/new", get(pages::new_page))
        .route("/cases/{id}", get(pages::case_page))
        .route("/cases/{id}/{form}", post(pages::case_form))
        .route("/case-transfers/{id}/acknowledge", post(pages::ack_form))
        .route("/watchlist", get(pages::watch_page))
}

/// This feature's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(
        api::api_list,
        api::api_create,
        api::api_get,
        api::api_stage,
        api::api_transfer,
        api::api_pending_transfers,
        api::api_acknowledge,
        api::api_monitor,
        api::api_add_target,
        api::api_unmonitor,
        api::api_add_party,
        api::api_add_charge,
        api::api_add_asset,
        api::api_grant,
        api::api_watch_list,
        api::api_deadlines,
        api::api_figures
    ),
    components(schemas(
        liem_domain::register::CaseInput,
        liem_domain::register::StageInput,
        liem_domain::register::MonitoringInput,
        liem_domain::register::TargetInput,
        liem_domain::people::ChargeInput,
        liem_domain::assets::AssetInput,
        service::CaseTransferInput,
        service::RemovalInput,
        service::PartyInput,
        service::GrantInput
    ))
)]
pub struct Doc;
