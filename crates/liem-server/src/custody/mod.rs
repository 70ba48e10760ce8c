//! Custody of sealed identities: unseal requests and decisions, the
//! requester's view, re-sealing after a transfer.

pub mod api;
pub mod pages;
pub mod service;

use crate::web::routes::Routes;
use axum::routing::get;
use axum::routing::post;
use utoipa::OpenApi;

/// The custody routes.
pub fn router() -> Routes {
    Routes::new()
        .at(
            "/api/v1/letters/{id}/unseal-requests",
            &["POST"],
            post(api::request_unseal),
        )
        .at(
            "/api/v1/letters/{id}/identity",
            &["POST"],
            post(api::view_identity),
        )
        .at(
            "/api/v1/unseal-requests",
            &["GET"],
            get(api::list_unseal_requests),
        )
        .at(
            "/api/v1/unseal-requests/{id}/decision",
            &["POST"],
            post(api::decide_unseal),
        )
        .at("/api/v1/reseals", &["GET"], get(api::list_reseals))
        .at("/api/v1/reseals/{id}", &["POST"], post(api::do_reseal))
        .at("/custody", &["GET"], get(pages::custody))
        .at("/custody/{id}", &["POST"], post(pages::decide))
        .at("/custody/reseal/{id}", &["POST"], post(pages::reseal))
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
