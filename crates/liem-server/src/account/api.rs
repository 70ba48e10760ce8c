//! The API of sessions, the caller and their tokens.

use super::service;
use crate::auth::{self, Principal};
use crate::state::AppState;
use crate::web::client::Client;
use crate::web::error::{AppResult, Problem};
use crate::web::json::ApiJson;
use crate::web::write::Writer;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use liem_store::users::UserRecord;
use serde::Deserialize;
use utoipa::ToSchema;

/// Credentials.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginInput {
    /// Login name.
    pub username: String,
    /// Password.
    pub password: String,
}

/// Logs in: sets the session cookie; returns the CSRF token that cookie
/// requests must send as `X-CSRF-Token`.
#[utoipa::path(post, path = "/api/v1/session", request_body = LoginInput,
    responses((status = 200, description = "Logged in; session cookie set", body = Object), (status = 401, body = Problem)))]
pub(super) async fn login(
    State(state): State<AppState>,
    client: Client,
    ApiJson(input): ApiJson<LoginInput>,
) -> AppResult<Response> {
    let s = service::login(&state, &input.username, &input.password, &client).await?;
    Ok((
        [(header::SET_COOKIE, s.cookie)],
        Json(serde_json::json!({ "csrf_token": s.csrf })),
    )
        .into_response())
}

/// Logs out.
#[utoipa::path(delete, path = "/api/v1/session", responses((status = 204, description = "Logged out")))]
pub(super) async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    who: Writer,
) -> AppResult<Response> {
    let token = auth::session_token(&headers);
    let cookie = service::logout(&state, &who, token.as_deref()).await?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}

/// The caller.
#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = Object), (status = 401, body = Problem)))]
pub(super) async fn me(who: Principal) -> Json<UserRecord> {
    Json(who.user)
}

/// A new API token for the caller, shown once.
#[utoipa::path(post, path = "/api/v1/tokens", responses((status = 201, body = Object)))]
pub(super) async fn create_token(
    State(state): State<AppState>,
    who: Writer,
) -> AppResult<Response> {
    let (id, token) = service::create_token(&state, &who).await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "id": id, "token": token })),
    )
        .into_response())
}
