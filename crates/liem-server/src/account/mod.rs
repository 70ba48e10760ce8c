//! Accounts: logging in and out, the caller, API tokens, the language.

pub mod api;
pub mod pages;
pub mod service;

use crate::state::AppState;
use axum::routing::get;
use axum::routing::post;
use axum::Router;
use utoipa::OpenApi;

/// The account routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/session", post(api::login).delete(api::logout))
        .route("/api/v1/me", get(api::me))
        .route("/api/v1/tokens", post(api::create_token))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/language", post(pages::language))
}

/// This feature's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(api::login, api::logout, api::me, api::create_token),
    components(schemas(api::LoginInput))
)]
pub struct Doc;
