//! The API of sessions, the caller and their tokens.

use super::service;
use crate::auth::{self, Principal};
use crate::state::AppState;
use crate::web::answer::Items;
use crate::web::client::Client;
use crate::web::error::{AppResult, Problem};
use crate::web::json::ApiJson;
use crate::web::write::Writer;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use liem_store::users::{TokenRecord, UserRecord};
use serde::Deserialize;
use utoipa::ToSchema;

/// Credentials.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginInput {
    /// Login name.
    pub username: String,
    /// Password.
    pub password: String,
    /// The current six-digit code of the person's second factor, for a
    /// person who has one.
    #[serde(default)]
    pub code: Option<String>,
}

/// Logs in: sets the session cookie; returns the CSRF token that cookie
/// requests must send as `X-CSRF-Token`.
#[utoipa::path(post, path = "/api/v1/session", request_body = LoginInput,
    responses((status = 200, description = "Logged in; session cookie set", body = LoginAnswer), (status = 401, body = Problem), (status = 422, description = "The second factor's code is missing or wrong", body = Problem)))]
pub(super) async fn login(
    State(state): State<AppState>,
    client: Client,
    ApiJson(input): ApiJson<LoginInput>,
) -> AppResult<Response> {
    let s = service::login(
        &state,
        &input.username,
        &input.password,
        input.code.as_deref(),
        &client,
    )
    .await?;
    Ok((
        [(header::SET_COOKIE, s.cookie)],
        Json(LoginAnswer { csrf_token: s.csrf }),
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
#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, description = "The caller's account", body = UserRecord), (status = 401, body = Problem)))]
pub(super) async fn me(who: Principal) -> Json<UserRecord> {
    Json(who.user)
}

/// How long a new token lives.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct TokenQuery {
    /// Days, 1 to 366 (default 90).
    pub days: Option<i64>,
}

/// A new API token for the caller, shown once, with its expiry.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "account", params(TokenQuery), responses((status = 201, description = "The token, shown once", body = NewToken), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub(super) async fn create_token(
    State(state): State<AppState>,
    who: Writer,
    axum::extract::Query(q): axum::extract::Query<TokenQuery>,
) -> AppResult<Response> {
    let days = q.days.unwrap_or(liem_store::users::TOKEN_DAYS);
    let (id, token, expires_at) = service::create_token(&state, &who, days).await?;
    Ok((
        StatusCode::CREATED,
        Json(NewToken {
            id,
            token,
            expires_at,
        }),
    )
        .into_response())
}

/// The caller's own API tokens: when made, when they expire, whether revoked.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "account", responses((status = 200, description = "The caller's tokens", body = Items<TokenRecord>), (status = 401, body = Problem)))]
pub(super) async fn list_tokens(
    State(state): State<AppState>,
    who: Principal,
) -> AppResult<Response> {
    let items = service::own_tokens(&state, &who).await?;
    Ok(Json(Items { items }).into_response())
}

/// Revokes one of the caller's tokens (another's is not found).
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "account", params(("id" = uuid::Uuid, Path, description = "The token's id")), responses((status = 204, description = "Revoked"), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub(super) async fn revoke_token(
    State(state): State<AppState>,
    who: Writer,
    axum::extract::Path(id): axum::extract::Path<uuid::Uuid>,
) -> AppResult<StatusCode> {
    service::revoke_own_token(&state, &who, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A session opened.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct LoginAnswer {
    /// Send it as `X-CSRF-Token` with every write made with the session cookie.
    pub csrf_token: String,
}

/// A new API token, shown once.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct NewToken {
    /// The token's id (to revoke it).
    pub id: uuid::Uuid,
    /// The bearer token itself; only its hash is kept.
    pub token: String,
    /// When it stops working.
    pub expires_at: jiff::Timestamp,
}
