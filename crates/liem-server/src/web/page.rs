//! What every staff page shares: the signed-in user, the language, the CSRF
//! token, rendering, and errors rendered as pages.

use crate::auth;
use crate::auth::Principal;
use crate::auth::Via;
use crate::i18n::Tr;
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::lang::Asked;
use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::Html;
use axum::response::IntoResponse;
use axum::response::Redirect;
use axum::response::Response;
use liem_store::users::UserRecord;

/// What every page needs: the language, the user, the CSRF token.
pub struct Page {
    /// The translator, in the negotiated language.
    pub tr: Tr,
    /// The signed-in user, for the page's header.
    pub user: Option<UserRecord>,
    /// The session's CSRF token, for the page's forms.
    pub csrf: String,
    principal: Option<Principal>,
    /// The page asked for (path and query), so that a login sends the
    /// reader back to it.
    asked: String,
    /// Signed in, but must set up a second factor first.
    enrol_first: bool,
}

/// Where a login may send the reader back to: a path of this site only
/// (`/…`, not `//host` nor `/\host`), else the register.
pub fn local_path(next: &str) -> &str {
    let safe = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.contains(['\r', '\n'])
        && !next.starts_with("/login");
    if safe {
        next
    } else {
        "/petitions"
    }
}

/// The login page, remembering the page asked for.
fn to_login(asked: &str) -> Redirect {
    if matches!(asked, "" | "/" | "/petitions") {
        return Redirect::to("/login");
    }
    Redirect::to(&format!("/login?next={}", urlencode(local_path(asked))))
}

impl FromRequestParts<AppState> for Page {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let found = auth::authenticate(parts, state).await;
        let enrol_first = matches!(found, Err(AppError::SecondFactorRequired));
        let principal = found.ok().flatten().filter(|p| p.via == Via::Session);
        let lang =
            Asked::of(parts).staff(principal.as_ref().and_then(|p| p.user.locale.as_deref()));
        Ok(Page {
            tr: Tr::new(state.i18n.clone(), lang),
            user: principal.as_ref().map(|p| p.user.clone()),
            csrf: principal
                .as_ref()
                .and_then(|p| p.csrf.clone())
                .unwrap_or_default(),
            principal,
            asked: parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default(),
            enrol_first,
        })
    }
}

impl Page {
    /// The signed-in user, if any.
    pub fn principal(&self) -> Option<&Principal> {
        self.principal.as_ref()
    }

    /// The translator of this page.
    pub fn tr(&self) -> &Tr {
        &self.tr
    }

    /// The signed-in user, or a redirect to the login page.
    pub fn who(&self) -> Result<&Principal, Redirect> {
        if self.enrol_first {
            return Err(Redirect::to("/account?enrol=1"));
        }
        self.principal.as_ref().ok_or_else(|| to_login(&self.asked))
    }

    /// Renders an error as a page (unauthenticated: to the login page).
    pub fn error(&self, e: AppError) -> Response {
        let status = e.status();
        let message = match &e {
            AppError::Unauthenticated => return to_login(&self.asked).into_response(),
            AppError::SecondFactorRequired => {
                return Redirect::to("/account?enrol=1").into_response()
            }
            AppError::NotFound => self.tr.t("err-not-found"),
            AppError::Forbidden(_) => self.tr.t("err-forbidden"),
            AppError::Csrf => self.tr.t("err-csrf"),
            AppError::TooManyRequests => self.tr.t("pub-follow-slow"),
            AppError::Internal(cause) => {
                tracing::error!(error = %cause, "internal error on a page");
                self.tr.t("err-generic")
            }
            // Each field's error in the reader's language, named by its label.
            AppError::Validation(v) => self.tr.t1("err-invalid", "detail", self.tr.field_errors(v)),
            other => self.tr.t1("err-conflict", "detail", other.to_string()),
        };
        let t = ErrorTpl {
            tr: self.tr.clone(),
            user: self.user.clone(),
            csrf: self.csrf.clone(),
            message,
        };
        (status, render(&t)).into_response()
    }
}

pub(crate) fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTpl {
    tr: Tr,
    user: Option<UserRecord>,
    csrf: String,
    message: String,
}

/// Percent-encodes a query value.
pub(crate) fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The ARIA attributes of a form control refused for the last post:
/// `aria-invalid` and `aria-describedby` naming its message's element
/// (`ID-error`); nothing for a control without an error. `id` is the
/// template's own constant, never input.
pub(crate) fn aria_invalid(invalid: bool, id: &str) -> String {
    if invalid {
        format!(r#"aria-invalid="true" aria-describedby="{id}-error""#)
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn a_login_sends_back_only_to_a_path_of_this_site() {
        assert_eq!(local_path("/petitions/abc?x=1"), "/petitions/abc?x=1");
        for bad in [
            "//evil.example/x",
            "/\\evil.example",
            "https://evil.example",
            "evil",
            "/login?next=/x",
            "/a\r\nSet-Cookie: x",
        ] {
            assert_eq!(local_path(bad), "/petitions", "{bad}");
        }
    }
}
