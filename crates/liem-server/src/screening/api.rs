//! The API of candidate screening.

use super::service::{self, AnswerInput, NewRoundInput, RoundView};
use crate::auth::Principal;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::web::answer::{Created, Items};
use crate::web::error::{AppResult, Problem};
use crate::web::json::ApiJson;
use crate::web::write::Writer;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use liem_domain::ids::LetterId;
use liem_store::screening::RoundBrief;
use serde::Deserialize;
use utoipa::ToSchema;

#[utoipa::path(post, path = "/api/v1/screening/rounds", request_body = NewRoundInput, tag = "screening",
    responses((status = 201, description = "The round opened", body = Created), (status = 403, body = Problem), (status = 422, body = Problem)))]
/// Opens a screening round in the caller's unit, with its candidates.
pub async fn open(
    State(state): State<AppState>,
    who: Writer,
    ApiJson(input): ApiJson<NewRoundInput>,
) -> AppResult<Response> {
    let id = service::open_round(&state, &who, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

#[utoipa::path(get, path = "/api/v1/screening/rounds", tag = "screening",
    responses((status = 200, description = "The rounds in the caller's reach", body = Items<RoundBrief>)))]
/// The screening rounds of the units in the caller's reach.
pub async fn list(State(state): State<AppState>, who: Principal) -> AppResult<Response> {
    let items = service::rounds(&state, &who).await?;
    Ok(Json(Items { items }).into_response())
}

#[utoipa::path(get, path = "/api/v1/screening/rounds/{id}", tag = "screening",
    responses((status = 200, body = RoundView), (status = 404, description = "Absent, or not visible to the caller", body = Problem)))]
/// A round with every candidate's findings and draft answer (the view is audited).
pub async fn get(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<uuid::Uuid>,
) -> AppResult<Response> {
    Ok(Json(service::round(&state, &who, id).await?).into_response())
}

#[utoipa::path(post, path = "/api/v1/screening/rounds/{id}/candidates/{candidate}/answer", request_body = AnswerInput, tag = "screening",
    responses((status = 200, description = "The round after the answer", body = RoundView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
/// Confirms a candidate's draft answer (no `answer`), or records an amended
/// one with its reason. The draft confirmed is the Vietnamese one.
pub async fn answer(
    State(state): State<AppState>,
    who: Writer,
    Path((id, candidate)): Path<(uuid::Uuid, uuid::Uuid)>,
    ApiJson(input): ApiJson<AnswerInput>,
) -> AppResult<Response> {
    let tr = Tr::new(state.i18n.clone(), Lang::Vi);
    let v = service::answer(&state, &who, id, candidate, &input, |d| {
        super::present::text(&tr, d)
    })
    .await?;
    Ok(Json(v).into_response())
}

/// The person a letter's subject is.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SubjectInput {
    /// The person's id.
    pub person: String,
}

#[utoipa::path(post, path = "/api/v1/letters/{id}/subjects", request_body = SubjectInput, tag = "screening",
    responses((status = 204, description = "Linked"), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
/// Links a letter to the person its subject is — what screening reads,
/// instead of matching names.
pub async fn link_subject(
    State(state): State<AppState>,
    who: Writer,
    Path(id): Path<LetterId>,
    ApiJson(input): ApiJson<SubjectInput>,
) -> AppResult<Response> {
    service::link_subject(&state, &who, id, &input.person).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// How many candidates a file added.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct Added {
    /// Candidates added.
    pub added: usize,
}

#[utoipa::path(post, path = "/api/v1/screening/rounds/{id}/candidates", tag = "screening",
    request_body(content_type = "multipart/form-data", description = "`file`: an Excel workbook or a CSV file with a column of full names"),
    responses((status = 200, description = "The candidates added", body = Added), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
/// Adds the candidates of an Excel or CSV list to a round.
pub async fn import(
    State(state): State<AppState>,
    who: Writer,
    Path(id): Path<uuid::Uuid>,
    multipart: axum::extract::Multipart,
) -> AppResult<Response> {
    let uploads =
        crate::web::multipart::read_uploads(multipart, state.settings.max_upload_bytes).await?;
    let Some(file) = uploads.into_iter().find(|u| !u.bytes.is_empty()) else {
        return Err(crate::web::error::AppError::Validation(
            liem_domain::ValidationErrors::single("file", "required", "must contain a file"),
        ));
    };
    let added = service::import_candidates(&state, &who, id, &file).await?;
    Ok(Json(Added { added }).into_response())
}
