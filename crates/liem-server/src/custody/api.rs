//! The API of custody.

use crate::auth::Principal;
use crate::state::AppState;
use crate::web::error::AppResult;
use crate::web::error::Problem;
use crate::web::json::ApiJson;
use crate::web::write::Writer;
use axum::extract::Path;
use axum::extract::Query;
use axum::extract::State;
use axum::http::header;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;
use axum::Json;
use liem_domain::ids::LetterId;
use liem_store::keys::UnsealRequest;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa::ToSchema;

/// Why an identity must be unsealed.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UnsealInput {
    /// The reason (10–500 characters), kept in the audit trail.
    pub reason: String,
}

/// Asks a custodian of the handling unit to unseal the sender's identity.
#[utoipa::path(post, path = "/api/v1/letters/{id}/unseal-requests", request_body = UnsealInput, tag = "custody",
    responses((status = 201, description = "The request, pending", body = UnsealRequest), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub(super) async fn request_unseal(
    State(state): State<AppState>,
    who: Writer,
    Path(id): Path<LetterId>,
    ApiJson(input): ApiJson<UnsealInput>,
) -> AppResult<Response> {
    let r = crate::custody::service::request_unseal(&state, &who, id, &input.reason).await?;
    Ok((StatusCode::CREATED, Json(r)).into_response())
}

/// A password that opens the caller's key.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordInput {
    /// The caller's password.
    pub password: String,
}

/// Shows the identity to its approved requester, who gives their password.
#[utoipa::path(post, path = "/api/v1/letters/{id}/identity", request_body = PasswordInput, tag = "custody",
    responses((status = 200, description = "The identity (the reading is audited)", body = liem_domain::petition::SealedPayload), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub(super) async fn view_identity(
    State(state): State<AppState>,
    who: Writer,
    Path(id): Path<LetterId>,
    ApiJson(input): ApiJson<PasswordInput>,
) -> AppResult<Response> {
    let identity =
        crate::custody::service::view_identity(&state, &who, id, &input.password).await?;
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(identity)).into_response())
}

/// Filter of unseal requests.
#[derive(Debug, Deserialize, IntoParams)]
pub struct RequestQuery {
    /// `pending`, `approved` or `refused`.
    pub status: Option<String>,
}

/// The unseal requests of the custodian's unit.
#[utoipa::path(get, path = "/api/v1/unseal-requests", params(RequestQuery), tag = "custody", responses((status = 200, description = "The requests", body = [UnsealRequest]), (status = 403, body = Problem)))]
pub(super) async fn list_unseal_requests(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<RequestQuery>,
) -> AppResult<Response> {
    Ok(Json(
        crate::custody::service::requests_for_custodian(&state, &who, q.status.as_deref()).await?,
    )
    .into_response())
}

/// A custodian's decision.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DecisionInput {
    /// Approve (true) or refuse (false).
    pub approve: bool,
    /// The custodian's password (needed to approve).
    #[serde(default)]
    pub password: String,
    /// A note, e.g. why refused.
    pub note: Option<String>,
}

/// Approves (re-wrapping the identity's key for the requester) or refuses.
#[utoipa::path(post, path = "/api/v1/unseal-requests/{id}/decision", request_body = DecisionInput, tag = "custody",
    responses((status = 200, description = "The request, decided", body = UnsealRequest), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub(super) async fn decide_unseal(
    State(state): State<AppState>,
    who: Writer,
    Path(id): Path<uuid::Uuid>,
    ApiJson(input): ApiJson<DecisionInput>,
) -> AppResult<Response> {
    let r = crate::custody::service::decide_unseal(
        &state,
        &who,
        id,
        input.approve,
        &input.password,
        input.note.as_deref(),
    )
    .await?;
    Ok(Json(r).into_response())
}

/// Sealed letters the custodian's unit transferred and must re-seal.
#[utoipa::path(get, path = "/api/v1/reseals", tag = "custody", responses((status = 200, description = "Transfers waiting for a re-seal", body = [liem_store::petitions::TransferRecord]), (status = 403, body = Problem)))]
pub(super) async fn list_reseals(
    State(state): State<AppState>,
    who: Principal,
) -> AppResult<Response> {
    Ok(Json(crate::custody::service::pending_reseals(&state, &who).await?).into_response())
}

/// Re-seals a transferred identity for the receiving unit (custodian, with password).
#[utoipa::path(post, path = "/api/v1/reseals/{id}", request_body = PasswordInput, tag = "custody",
    responses((status = 204, description = "Re-sealed"), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub(super) async fn do_reseal(
    State(state): State<AppState>,
    who: Writer,
    Path(id): Path<uuid::Uuid>,
    ApiJson(input): ApiJson<PasswordInput>,
) -> AppResult<StatusCode> {
    crate::custody::service::reseal(&state, &who, id, &input.password).await?;
    Ok(StatusCode::NO_CONTENT)
}
