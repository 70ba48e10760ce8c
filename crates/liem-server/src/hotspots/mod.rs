//! Hot spots: where letters and delegations build up faster than a
//! place's own history says they should — the nightly and on-demand scan,
//! its alerts on the dashboards, the letters behind each, and their
//! acknowledgement.

pub mod api;
pub mod pages;
pub mod service;

use crate::web::routes::Routes;
use axum::routing::{get, post};
use utoipa::OpenApi;

/// The hot-spot routes (API and pages).
pub fn router() -> Routes {
    Routes::new()
        .at("/api/v1/hotspots", &["GET"], get(api::alerts))
        .at("/api/v1/hotspots/scan", &["POST"], post(api::scan))
        .at("/api/v1/hotspots/{id}", &["GET"], get(api::alert))
        .at(
            "/api/v1/hotspots/{id}/acknowledge",
            &["POST"],
            post(api::acknowledge),
        )
        .at("/hotspots", &["GET"], get(pages::page))
        .at("/hotspots/scan", &["POST"], post(pages::scan))
        .at(
            "/hotspots/{id}/acknowledge",
            &["POST"],
            post(pages::acknowledge),
        )
}

/// This feature's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(api::alerts, api::alert, api::scan, api::acknowledge))]
pub struct Doc;
