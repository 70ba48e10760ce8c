//! Accounts: logging in and out, the caller, API tokens, the language.

pub mod api;
pub mod pages;
pub mod service;

use crate::web::routes::Routes;
use axum::routing::get;
use axum::routing::post;
use utoipa::OpenApi;

/// The account routes.
pub fn router() -> Routes {
    Routes::new()
        .at(
            "/api/v1/session",
            &["POST", "DELETE"],
            post(api::login).delete(api::logout),
        )
        .at("/api/v1/me", &["GET"], get(api::me))
        .at(
            "/api/v1/tokens",
            &["GET", "POST"],
            get(api::list_tokens).post(api::create_token),
        )
        .at(
            "/api/v1/tokens/{id}",
            &["DELETE"],
            axum::routing::delete(api::revoke_token),
        )
        .at(
            "/login",
            &["GET", "POST"],
            get(pages::login_form).post(pages::login),
        )
        .at("/logout", &["POST"], post(pages::logout))
        .at("/account", &["GET"], get(pages::account))
        .at("/account/password", &["POST"], post(pages::change_password))
        .at("/account/factor", &["POST"], post(pages::begin_factor))
        .at(
            "/account/factor/confirm",
            &["POST"],
            post(pages::confirm_factor),
        )
        .at(
            "/account/factor/remove",
            &["POST"],
            post(pages::remove_factor),
        )
        .at("/account/sessions/end", &["POST"], post(pages::end_session))
        .at("/language", &["POST"], post(pages::language))
}

/// This feature's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(
        api::login,
        api::logout,
        api::me,
        api::create_token,
        api::list_tokens,
        api::revoke_token
    ),
    components(schemas(api::LoginInput))
)]
pub struct Doc;
