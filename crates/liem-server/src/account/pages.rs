//! The login page, logging out, and the language choice.

use super::service;
use crate::auth;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::web::client::Client;
use crate::web::cookies;
use crate::web::error::AppError;
use crate::web::lang::LANG_COOKIE;
use crate::web::page::{render, Page};
use crate::web::write::{MaybePostedForm, PostedForm};
use askama::Template;
use axum::extract::{Form, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use liem_store::users::UserRecord;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginTpl {
    tr: Tr,
    user: Option<UserRecord>,
    csrf: String,
    failed: bool,
    username: String,
}

pub(super) async fn login_form(page: Page) -> Response {
    if page.principal().is_some() {
        return Redirect::to("/petitions").into_response();
    }
    render(&LoginTpl {
        tr: page.tr,
        user: None,
        csrf: String::new(),
        failed: false,
        username: String::new(),
    })
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    username: String,
    password: String,
}

pub(super) async fn login(
    State(state): State<AppState>,
    page: Page,
    client: Client,
    Form(f): Form<LoginForm>,
) -> Response {
    match service::login(&state, &f.username, &f.password, &client).await {
        Ok(s) => ([(header::SET_COOKIE, s.cookie)], Redirect::to("/petitions")).into_response(),
        Err(AppError::Unauthenticated) => (
            StatusCode::UNAUTHORIZED,
            render(&LoginTpl {
                tr: page.tr,
                user: None,
                csrf: String::new(),
                failed: true,
                username: f.username,
            }),
        )
            .into_response(),
        Err(e) => page.error(e),
    }
}

pub(super) async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    PostedForm { page, who, .. }: PostedForm<serde::de::IgnoredAny>,
) -> Response {
    let token = auth::session_token(&headers);
    match service::logout(&state, &who, token.as_deref()).await {
        Ok(cookie) => ([(header::SET_COOKIE, cookie)], Redirect::to("/login")).into_response(),
        Err(e) => page.error(e),
    }
}

#[derive(Deserialize)]
pub(super) struct LangForm {
    lang: String,
}

/// Chooses the language: kept in a cookie, and for a signed-in user in
/// their account.
pub(super) async fn language(
    State(state): State<AppState>,
    MaybePostedForm { page, who, form: f }: MaybePostedForm<LangForm>,
) -> Response {
    let Some(lang) = Lang::from_tag(&f.lang) else {
        return page.error(AppError::BadRequest("unknown language".into()));
    };
    let cookie = cookies::set(
        LANG_COOKIE,
        lang.tag(),
        31_536_000,
        false,
        state.settings.secure_cookies,
    );
    let Some(who) = who else {
        return ([(header::SET_COOKIE, cookie)], Redirect::to("/login")).into_response();
    };
    if let Err(e) = service::set_language(&state, &who, lang).await {
        return page.error(e);
    }
    ([(header::SET_COOKIE, cookie)], Redirect::to("/petitions")).into_response()
}
