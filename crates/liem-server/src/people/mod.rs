//! People and organisations, the links between them, sanctions on the three
//! tracks, a person's dossier, and the FollowTheMoney interchange.

pub mod api;
pub mod pages;
pub mod service;

use crate::web::routes::Routes;
use axum::routing::get;
use axum::routing::post;
use utoipa::OpenApi;

/// The routes of people and organisations.
pub fn router() -> Routes {
    Routes::new()
        .at("/api/v1/sanctions", &["POST"], post(api::api_add_sanction))
        .at(
            "/api/v1/persons",
            &["GET", "POST"],
            get(api::api_find_persons).post(api::api_create_person),
        )
        .at("/api/v1/persons/{id}", &["GET"], get(api::api_person))
        .at(
            "/api/v1/organisations",
            &["GET", "POST"],
            get(api::api_find_organisations).post(api::api_create_organisation),
        )
        .at("/api/v1/links", &["POST"], post(api::api_create_link))
        .at("/api/v1/export/ftm", &["GET"], get(api::api_export_ftm))
        .at("/persons/{id}", &["GET"], get(pages::person_page))
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
