//! The register of cases and incidents: stages, transfers between agencies,
//! monitoring by a steering committee, parties, charges and assets; the
//! watch list, deadlines and figures.

pub mod api;
pub mod csv;
pub mod pages;
pub mod service;

use crate::web::routes::Routes;
use axum::routing::get;
use axum::routing::post;
use utoipa::OpenApi;

/// The case routes (API and pages).
pub fn router() -> Routes {
    Routes::new()
        .at(
            "/api/v1/cases",
            &["GET", "POST"],
            get(api::api_list).post(api::api_create),
        )
        .at("/api/v1/cases/{id}", &["GET"], get(api::api_get))
        .at("/api/v1/cases/{id}/stage", &["POST"], post(api::api_stage))
        .at(
            "/api/v1/cases/{id}/transfers",
            &["POST"],
            post(api::api_transfer),
        )
        .at(
            "/api/v1/case-transfers",
            &["GET"],
            get(api::api_pending_transfers),
        )
        .at(
            "/api/v1/case-transfers/{id}/acknowledge",
            &["POST"],
            post(api::api_acknowledge),
        )
        .at(
            "/api/v1/cases/{id}/monitoring",
            &["POST"],
            post(api::api_monitor),
        )
        .at(
            "/api/v1/monitorings/{id}/targets",
            &["POST"],
            post(api::api_add_target),
        )
        .at(
            "/api/v1/monitorings/{id}/removal",
            &["POST"],
            post(api::api_unmonitor),
        )
        .at(
            "/api/v1/cases/{id}/parties",
            &["POST"],
            post(api::api_add_party),
        )
        .at(
            "/api/v1/case-parties/{id}/charges",
            &["POST"],
            post(api::api_add_charge),
        )
        .at(
            "/api/v1/cases/{id}/assets",
            &["POST"],
            post(api::api_add_asset),
        )
        .at("/api/v1/cases/{id}/access", &["POST"], post(api::api_grant))
        .at("/api/v1/watchlist", &["GET"], get(api::api_watch_list))
        .at("/api/v1/case-deadlines", &["GET"], get(api::api_deadlines))
        .at("/api/v1/case-figures", &["GET"], get(api::api_figures))
        .at(
            "/cases",
            &["GET", "POST"],
            get(pages::list_page).post(pages::create_page),
        )
        .at("/cases/new", &["GET"], get(pages::new_page))
        .at("/cases/{id}", &["GET"], get(pages::case_page))
        .at("/cases/{id}/{form}", &["POST"], post(pages::case_form))
        .at(
            "/case-transfers/{id}/acknowledge",
            &["POST"],
            post(pages::ack_form),
        )
        .at("/watchlist", &["GET"], get(pages::watch_page))
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
        service::GrantInput,
        // Inside a monitoring's (id, target state) pairs, which the
        // schema collector does not follow.
        liem_domain::register::Target
    ))
)]
pub struct Doc;
