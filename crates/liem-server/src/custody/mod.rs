//! Custody of sealed identities: unseal requests and decisions, the
//! requester's view, re-sealing after a transfer.

pub mod api;
pub mod pages;
pub mod service;

use crate::state::AppState;
use axum::routing::get;
use axum::routing::post;
use axum::Router;
use utoipa::OpenApi;

/// The custody routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/letters/{id}/unseal-requests",
            post(api::request_unseal),
        )
        .route("/api/v1/letters/{id}/identity", post(api::view_identity))
        .route("/api/v1/unseal-requests", get(api::list_unseal_requests))
        .route(
            "/api/v1/unseal-requests/{id}/decision",
            post(api::decide_unseal),
        )
        .route("/api/v1/reseals", get(api::list_reseals))
        .route("/api/v1/reseals/{id}", post(api::do_reseal))
        .route("/custody", get(pages::custody))
        .route("/custody/{id}", post(pages::decide))
        .route("/custody/reseal/{id}", post(pages::reseal))
}

/// This feature's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(
        api::request_unseal,
        api::view_identity,
        api::list_unseal_requests,
        api::decide_unseal,
        api::list_reseals,
        api::do_reseal
    ),
    components(schemas(api::UnsealInput, api::PasswordInput, api::DecisionInput))
)]
pub struct Doc;
