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
    expired: bool,
    username: String,
}

/// The cookie that carries the login form's CSRF token (double submit: the
/// form and the cookie must agree, which another site cannot arrange).
const LOGIN_CSRF_COOKIE: &str = "liem_login_csrf";

/// The login page with a fresh CSRF token, set in its cookie too.
fn login_page(
    state: &AppState,
    tr: Tr,
    status: StatusCode,
    failed: bool,
    expired: bool,
    username: String,
) -> Response {
    let token = crate::crypto::random_token();
    let cookie = cookies::set(
        LOGIN_CSRF_COOKIE,
        &token,
        3600,
        true,
        state.settings.secure_cookies,
    );
    (
        status,
        [(header::SET_COOKIE, cookie)],
        render(&LoginTpl {
            tr,
            user: None,
            csrf: token,
            failed,
            expired,
            username,
        }),
    )
        .into_response()
}

pub(super) async fn login_form(State(state): State<AppState>, page: Page) -> Response {
    if page.principal().is_some() {
        return Redirect::to("/petitions").into_response();
    }
    login_page(&state, page.tr, StatusCode::OK, false, false, String::new())
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    csrf: String,
}

pub(super) async fn login(
    State(state): State<AppState>,
    page: Page,
    client: Client,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    // The form's token must be the one its page set: a login posted from
    // another site (to sign the victim into the attacker's account) is
    // refused before any password is checked.
    let expected = cookies::get(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    let same = !expected.is_empty()
        && crate::guard::constant_time_eq(expected.as_bytes(), f.csrf.as_bytes());
    if !same {
        return login_page(
            &state,
            page.tr,
            StatusCode::FORBIDDEN,
            false,
            true,
            f.username,
        );
    }
    match service::login(&state, &f.username, &f.password, &client).await {
        Ok(s) => ([(header::SET_COOKIE, s.cookie)], Redirect::to("/petitions")).into_response(),
        Err(AppError::Unauthenticated) => login_page(
            &state,
            page.tr,
            StatusCode::UNAUTHORIZED,
            true,
            false,
            f.username,
        ),
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
