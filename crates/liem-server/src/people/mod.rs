//! People and organisations, the links between them, sanctions on the three
//! tracks, a person's dossier, and the FollowTheMoney interchange.

pub mod api;
pub mod pages;
pub mod service;

use crate::state::AppState;
use axum::routing::get;
use axum::routing::post;
use axum::Router;
use utoipa::OpenApi;

/// The routes of people and organisations.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/sanctions", post(api::api_add_sanction))
        .route(
            "/api/v1/persons",
            get(api::api_find_persons).post(api::api_create_person),
        )
        .route("/api/v1/persons/{id}", get(api::api_person))
        .route(
            "/api/v1/organisations",
            get(api::api_find_organisations).post(api::api_create_organisation),
        )
        .route("/api/v1/links", post(api::api_create_link))
        .route("/api/v1/export/ftm", get(api::api_export_ftm))
        .route("/persons/{id}", get(pages::person_page))
}

/// This feature's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(
        api::api_add_sanction,
        api::api_find_persons,
        api::api_create_person,
        api::api_person,
        api::api_find_organisations,
        api::api_create_organisation,
        api::api_create_link,
        api::api_export_ftm
    ),
    components(schemas(
        liem_domain::people::PersonInput,
        liem_domain::people::OrganisationInput,
        liem_domain::people::SanctionInput,
        service::SanctionRequest,
        service::LinkInput
    ))
)]
pub struct Doc;
