//! The API of people, organisations, links and sanctions.

use crate::auth::Principal;
use crate::people::service::add_sanction;
use crate::people::service::create_link;
use crate::people::service::create_organisation;
use crate::people::service::create_person;
use crate::people::service::person_dossier;
use crate::people::service::LinkInput;
use crate::people::service::SanctionRequest;
use crate::state::AppState;
use crate::web::answer::{Created, Items};
use crate::web::error::AppResult;
use crate::web::error::Problem;
use crate::web::json::created;
use crate::web::json::ApiJson;
use crate::web::write::Writer;
use axum::extract::Path;
use axum::extract::Query;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::response::Response;
use axum::Json;
use liem_domain::people::OrganisationInput;
use liem_domain::people::PersonInput;
use serde::Deserialize;
use utoipa::IntoParams;

#[utoipa::path(post, path = "/api/v1/sanctions", request_body = SanctionRequest, tag = "cases",
    responses((status = 201, description = "The sanction recorded", body = Created), (status = 422, body = Problem)))]
/// Records a Party, administrative or criminal sanction.
pub async fn api_add_sanction(
    State(state): State<AppState>,
    who: Writer,
    ApiJson(input): ApiJson<SanctionRequest>,
) -> AppResult<Response> {
    let s = add_sanction(&state, &who, &input).await?;
    Ok(created(s, "/api/v1/sanctions".into()))
}

/// A search.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct FindQuery {
    /// Words of the name, identity number or tax code.
    pub q: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/persons", params(FindQuery), tag = "people", responses((status = 200, description = "The people found", body = Items<liem_store::cases::PersonRow>)))]
/// People by name or identity number (names only; the dossier needs the screening right).
pub async fn api_find_persons(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<FindQuery>,
) -> AppResult<Response> {
    let items = super::service::find_persons(&state, &who, q.q.as_deref().unwrap_or("")).await?;
    Ok(Json(Items { items }).into_response())
}

#[utoipa::path(post, path = "/api/v1/persons", request_body = PersonInput, tag = "people", responses((status = 201, description = "The person recorded", body = Created), (status = 422, body = Problem)))]
/// Records a person.
pub async fn api_create_person(
    State(state): State<AppState>,
    who: Writer,
    ApiJson(input): ApiJson<PersonInput>,
) -> AppResult<Response> {
    let id = create_person(&state, &who, &input).await?;
    Ok(created(id, format!("/api/v1/persons/{id}")))
}

#[utoipa::path(get, path = "/api/v1/persons/{id}", tag = "people",
    responses((status = 200, description = "The dossier (the reading is audited)", body = liem_store::cases::Dossier), (status = 403, description = "The caller's roles do not grant the screening right", body = Problem)))]
/// A person's dossier: links, roles in cases, sanctions, petitions (audited).
pub async fn api_person(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<uuid::Uuid>,
) -> AppResult<Response> {
    Ok(Json(person_dossier(&state, &who, id).await?).into_response())
}

#[utoipa::path(get, path = "/api/v1/organisations", params(FindQuery), tag = "people", responses((status = 200, description = "The organisations found", body = Items<liem_store::cases::OrganisationRow>)))]
/// Organisations by name or tax code.
pub async fn api_find_organisations(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<FindQuery>,
) -> AppResult<Response> {
    let items =
        super::service::find_organisations(&state, &who, q.q.as_deref().unwrap_or("")).await?;
    Ok(Json(Items { items }).into_response())
}

#[utoipa::path(post, path = "/api/v1/organisations", request_body = OrganisationInput, tag = "people", responses((status = 201, description = "The organisation recorded", body = Created), (status = 422, body = Problem)))]
/// Records an organisation.
pub async fn api_create_organisation(
    State(state): State<AppState>,
    who: Writer,
    ApiJson(input): ApiJson<OrganisationInput>,
) -> AppResult<Response> {
    let id = create_organisation(&state, &who, &input).await?;
    Ok(created(id, format!("/api/v1/organisations/{id}")))
}

#[utoipa::path(post, path = "/api/v1/links", request_body = LinkInput, tag = "people", responses((status = 201, description = "The link recorded", body = Created), (status = 422, body = Problem)))]
/// Records a link (director of, shareholder of, employed by, related to).
pub async fn api_create_link(
    State(state): State<AppState>,
    who: Writer,
    ApiJson(input): ApiJson<LinkInput>,
) -> AppResult<Response> {
    let id = create_link(&state, &who, &input).await?;
    Ok(created(id, "/api/v1/links".into()))
}

#[utoipa::path(get, path = "/api/v1/export/ftm", tag = "people",
    responses((status = 200, description = "FollowTheMoney entities, one JSON object per line", content_type = "application/x-ndjson"), (status = 403, body = Problem)))]
/// People, organisations and links as FollowTheMoney JSON lines (screening
/// right; the export is audited).
pub async fn api_export_ftm(State(state): State<AppState>, who: Principal) -> AppResult<Response> {
    let body = super::service::export_ftm_for(&state, &who).await?;
    Ok(([(header::CONTENT_TYPE, "application/x-ndjson")], body).into_response())
}
