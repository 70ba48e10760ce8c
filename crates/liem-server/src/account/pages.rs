//! The login page, logging out, the language choice, and the caller's own
//! account: password, second factor, sessions.

use super::service;
use crate::auth;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::web::client::Client;
use crate::web::cookies;
use crate::web::error::AppError;
use crate::web::lang::LANG_COOKIE;
use crate::web::page::{local_path, render, Page};
use crate::web::write::{MaybePostedForm, PostedForm};
use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use liem_domain::validation::FieldError;
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
    /// The second factor's code was missing or wrong.
    code_error: Option<String>,
    /// Where to go once logged in.
    next: String,
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
    next: &str,
) -> Response {
    login_page_with(state, tr, status, (failed, expired), username, None, next)
}

fn login_page_with(
    state: &AppState,
    tr: Tr,
    status: StatusCode,
    (failed, expired): (bool, bool),
    username: String,
    code_error: Option<String>,
    next: &str,
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
            code_error,
            next: local_path(next).to_owned(),
        }),
    )
        .into_response()
}

#[derive(Deserialize)]
pub(super) struct NextQuery {
    next: Option<String>,
}

pub(super) async fn login_form(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<NextQuery>,
) -> Response {
    let next = q.next.unwrap_or_default();
    if page.principal().is_some() {
        return Redirect::to(local_path(&next)).into_response();
    }
    login_page(
        &state,
        page.tr,
        StatusCode::OK,
        false,
        false,
        String::new(),
        &next,
    )
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    username: String,
    password: String,
    /// The second factor's code, for a person who has one.
    #[serde(default)]
    code: String,
    #[serde(default)]
    csrf: String,
    /// The page to go back to.
    #[serde(default)]
    next: String,
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
            &f.next,
        );
    }
    let code = Some(f.code.trim()).filter(|c| !c.is_empty());
    match service::login(&state, &f.username, &f.password, code, &client).await {
        Ok(s) => (
            [(header::SET_COOKIE, s.cookie)],
            Redirect::to(local_path(&f.next)),
        )
            .into_response(),
        Err(AppError::Validation(v)) => {
            let message = v.errors.first().map(|e| page.tr.error_message(e));
            login_page_with(
                &state,
                page.tr,
                StatusCode::UNPROCESSABLE_ENTITY,
                (false, false),
                f.username,
                message,
                &f.next,
            )
        }
        Err(AppError::Unauthenticated) => login_page(
            &state,
            page.tr,
            StatusCode::UNAUTHORIZED,
            true,
            false,
            f.username,
            &f.next,
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

/// A session as the account page lists it.
struct SessionLine {
    id: String,
    started: String,
    expires: String,
    /// The session this page is seen through.
    this: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountTpl {
    tr: Tr,
    user: Option<UserRecord>,
    csrf: String,
    notice: Option<String>,
    problem: Option<String>,
    errors: Vec<FieldError>,
    /// `off`, `pending` or `on`.
    factor: &'static str,
    /// A secret just given (shown once), and its address.
    secret: Option<String>,
    uri: Option<String>,
    sessions: Vec<SessionLine>,
}

impl AccountTpl {
    fn err(&self, id: &str) -> Option<String> {
        self.tr.error_for(&self.errors, id)
    }

    fn aria(&self, id: &str) -> String {
        crate::web::page::aria_invalid(self.err(id).is_some(), id)
    }
}

/// What the account page shows besides its state.
#[derive(Default)]
struct Shown {
    notice: Option<String>,
    problem: Option<String>,
    errors: Vec<FieldError>,
    secret: Option<(String, String)>,
}

async fn account_page(
    state: &AppState,
    page: &Page,
    headers: &HeaderMap,
    status: StatusCode,
    shown: Shown,
) -> Response {
    let who = match page.who() {
        Ok(w) => w,
        Err(r) => return r.into_response(),
    };
    let result = async {
        let factor = service::factor_state(state, who).await?;
        let sessions = service::own_sessions(state, who).await?;
        Ok::<_, AppError>((factor, sessions))
    }
    .await;
    let (factor, sessions) = match result {
        Ok(v) => v,
        Err(e) => return page.error(e),
    };
    let this = auth::session_token(headers).map(|t| hex::encode(crate::crypto::token_hash(&t)));
    let tr = &page.tr;
    let (secret, uri) = match shown.secret {
        Some((s, u)) => (Some(s), Some(u)),
        None => (None, None),
    };
    let t = AccountTpl {
        tr: page.tr.clone(),
        user: page.user.clone(),
        csrf: page.csrf.clone(),
        notice: shown.notice,
        problem: shown.problem,
        errors: shown.errors,
        factor: match factor {
            service::FactorState::Off => "off",
            service::FactorState::Pending => "pending",
            service::FactorState::On => "on",
        },
        secret,
        uri,
        sessions: sessions
            .into_iter()
            .map(|s| SessionLine {
                this: this.as_deref() == Some(s.id.as_str()),
                started: tr.instant(s.created_at),
                expires: tr.instant(s.expires_at),
                id: s.id,
            })
            .collect(),
    };
    (status, render(&t)).into_response()
}

#[derive(Deserialize)]
pub(super) struct AccountQuery {
    done: Option<String>,
    /// Sent here because a second factor is required first.
    enrol: Option<String>,
}

/// The caller's own account: password, second factor, sessions.
pub(super) async fn account(
    State(state): State<AppState>,
    page: Page,
    headers: HeaderMap,
    Query(q): Query<AccountQuery>,
) -> Response {
    let notice = q
        .done
        .as_deref()
        .filter(|d| ["password", "factor-on", "factor-off", "session-ended"].contains(d))
        .map(|d| page.tr.t(&format!("acc-done-{d}")));
    account_page(
        &state,
        &page,
        &headers,
        StatusCode::OK,
        Shown {
            notice,
            problem: q.enrol.map(|_| page.tr.t("acc-enrol-first")),
            ..Shown::default()
        },
    )
    .await
}

/// An account form's refusal, shown on the account page.
async fn refused(state: &AppState, page: &Page, headers: &HeaderMap, e: AppError) -> Response {
    let status = e.status();
    let shown = match e {
        AppError::Validation(v) => Shown {
            errors: v.errors,
            ..Shown::default()
        },
        e @ (AppError::Conflict(_) | AppError::Forbidden(_)) => Shown {
            problem: Some(e.to_string()),
            ..Shown::default()
        },
        other => return page.error(other),
    };
    account_page(state, page, headers, status, shown).await
}

#[derive(Deserialize)]
pub(super) struct PasswordForm {
    current_password: String,
    new_password: String,
    repeat_password: String,
}

/// Changes the caller's password; their other sessions end.
pub(super) async fn change_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    PostedForm { page, who, form: f }: PostedForm<PasswordForm>,
) -> Response {
    let keep = auth::session_token(&headers).map(|t| crate::crypto::token_hash(&t));
    let change = service::PasswordChange {
        current: &f.current_password,
        new: &f.new_password,
        repeat: &f.repeat_password,
    };
    match service::change_password(&state, &who, &change, keep.as_deref()).await {
        Ok(()) => Redirect::to("/account?done=password").into_response(),
        Err(e) => refused(&state, &page, &headers, e).await,
    }
}

/// Gives the caller a new second-factor secret, shown once.
pub(super) async fn begin_factor(
    State(state): State<AppState>,
    headers: HeaderMap,
    PostedForm { page, who, .. }: PostedForm<serde::de::IgnoredAny>,
) -> Response {
    match service::begin_factor(&state, &who).await {
        Ok(secret) => {
            account_page(
                &state,
                &page,
                &headers,
                StatusCode::OK,
                Shown {
                    secret: Some(secret),
                    ..Shown::default()
                },
            )
            .await
        }
        Err(e) => refused(&state, &page, &headers, e).await,
    }
}

#[derive(Deserialize)]
pub(super) struct CodeForm {
    code: String,
}

/// Turns the caller's second factor on with its first code.
pub(super) async fn confirm_factor(
    State(state): State<AppState>,
    headers: HeaderMap,
    PostedForm { page, who, form: f }: PostedForm<CodeForm>,
) -> Response {
    match service::confirm_factor(&state, &who, &f.code).await {
        Ok(()) => Redirect::to("/account?done=factor-on").into_response(),
        Err(e) => refused(&state, &page, &headers, e).await,
    }
}

/// Removes the caller's second factor, given a current code.
pub(super) async fn remove_factor(
    State(state): State<AppState>,
    headers: HeaderMap,
    PostedForm { page, who, form: f }: PostedForm<CodeForm>,
) -> Response {
    match service::remove_factor(&state, &who, &f.code).await {
        Ok(()) => Redirect::to("/account?done=factor-off").into_response(),
        Err(e) => refused(&state, &page, &headers, e).await,
    }
}

#[derive(Deserialize)]
pub(super) struct EndForm {
    /// The session's id, from the list.
    session: String,
}

/// Ends one of the caller's sessions.
pub(super) async fn end_session(
    State(state): State<AppState>,
    headers: HeaderMap,
    PostedForm { page, who, form: f }: PostedForm<EndForm>,
) -> Response {
    match service::end_own_session(&state, &who, &f.session).await {
        Ok(1..) => Redirect::to("/account?done=session-ended").into_response(),
        Ok(0) => Redirect::to("/account").into_response(),
        Err(e) => refused(&state, &page, &headers, e).await,
    }
}
