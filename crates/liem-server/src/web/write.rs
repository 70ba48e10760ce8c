//! Writes. Every handler that changes anything takes a [`Writer`] — a caller
//! authenticated by a bearer token, or by a session cookie together with the
//! session's CSRF token — and every writing service function asks for one,
//! so a write cannot be written that skips the check. The API reads the
//! token from the `X-CSRF-Token` header; page forms send it as the `csrf`
//! field ([`PostedForm`], [`PostedMultipart`]).

use crate::auth::Principal;
use crate::files::Upload;
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::error::AppResult;
use crate::web::multipart;
use crate::web::page::Page;
use axum::body::Bytes;
use axum::extract::FromRequest;
use axum::extract::FromRequestParts;
use axum::extract::Multipart;
use axum::extract::Request;
use axum::http::header;
use axum::http::request::Parts;
use axum::response::IntoResponse;
use axum::response::Redirect;
use axum::response::Response;
use liem_domain::ValidationErrors;
use liem_store::users::UserRecord;
use serde::de::DeserializeOwned;
use std::ops::Deref;

/// The header an API write sends its session's CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The form field a page form sends its CSRF token in.
pub const CSRF_FIELD: &str = "csrf";

/// A caller allowed to write: authenticated by a token, or by a session
/// whose CSRF token checked out. Only this module and the command line make
/// one.
#[derive(Debug, Clone)]
pub struct Writer(Principal);

impl Writer {
    /// The command line acting as a user.
    pub fn cli(user: UserRecord) -> Writer {
        Writer(Principal::cli(user))
    }

    fn checked(p: Principal, token: Option<&str>) -> AppResult<Writer> {
        p.check_csrf(token)?;
        Ok(Writer(p))
    }
}

impl Deref for Writer {
    type Target = Principal;
    fn deref(&self) -> &Principal {
        &self.0
    }
}

impl FromRequestParts<AppState> for Writer {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let p = Principal::from_request_parts(parts, state).await?;
        let token = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
        Writer::checked(p, token)
    }
}

fn content_type_is(req: &Request, expected: &str) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with(expected))
}

/// Reads an `application/x-www-form-urlencoded` body: the CSRF field and the
/// form. Repeated names (checkbox groups) become sequences.
async fn read_urlencoded<F: DeserializeOwned>(
    req: Request,
    state: &AppState,
) -> AppResult<(Option<String>, F)> {
    if !content_type_is(&req, "application/x-www-form-urlencoded") {
        return Err(AppError::BadRequest(
            "expected Content-Type: application/x-www-form-urlencoded".into(),
        ));
    }
    let bytes = Bytes::from_request(req, state)
        .await
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    decode_form(&bytes)
}

/// Decodes a form body: its CSRF field and the form (a field of the wrong
/// type is a 422 with rule `form_type`).
pub fn decode_form<F: DeserializeOwned>(bytes: &[u8]) -> AppResult<(Option<String>, F)> {
    let token = form_urlencoded::parse(bytes)
        .find(|(k, _)| k == CSRF_FIELD)
        .map(|(_, v)| v.into_owned());
    if let Some((k, _)) = form_urlencoded::parse(bytes).find(|(_, v)| v.contains('\0')) {
        return Err(AppError::Validation(ValidationErrors::single(
            &k.replace('\0', ""),
            "no_nul",
            "must not contain the NUL character",
        )));
    }
    let form = serde_html_form::from_bytes(bytes).map_err(|e| {
        AppError::Validation(ValidationErrors::single("form", "form_type", e.to_string()))
    })?;
    Ok((token, form))
}

/// The page context of a request from a signed-in user, or the redirect to
/// the login page.
async fn signed_in(parts: &mut Parts, state: &AppState) -> Result<(Page, Principal), Response> {
    let page = Page::from_request_parts(parts, state).await?;
    match page.principal().cloned() {
        Some(p) => Ok((page, p)),
        None => Err(Redirect::to("/login").into_response()),
    }
}

/// A posted page form of a signed-in user whose CSRF token checked out. A
/// visitor without a session is sent to the login page; any other refusal
/// is rendered as an error page in the user's language.
pub struct PostedForm<F> {
    /// The page context.
    pub page: Page,
    /// The writer.
    pub who: Writer,
    /// The form.
    pub form: F,
}

impl<F: DeserializeOwned + Send> FromRequest<AppState> for PostedForm<F> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let (page, principal) = signed_in(&mut parts, state).await?;
        let (token, form) = read_urlencoded(Request::from_parts(parts, body), state)
            .await
            .map_err(|e| page.error(e))?;
        let who = Writer::checked(principal, token.as_deref()).map_err(|e| page.error(e))?;
        Ok(PostedForm { page, who, form })
    }
}

/// A posted page form that a visitor may send too (the language choice):
/// with a session, its CSRF token must check out.
pub struct MaybePostedForm<F> {
    /// The page context.
    pub page: Page,
    /// The writer, when signed in.
    pub who: Option<Writer>,
    /// The form.
    pub form: F,
}

impl<F: DeserializeOwned + Send> FromRequest<AppState> for MaybePostedForm<F> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let page = Page::from_request_parts(&mut parts, state).await?;
        let (token, form) = read_urlencoded(Request::from_parts(parts, body), state)
            .await
            .map_err(|e| page.error(e))?;
        let who = match page.principal().cloned() {
            Some(p) => Some(Writer::checked(p, token.as_deref()).map_err(|e| page.error(e))?),
            None => None,
        };
        Ok(MaybePostedForm { page, who, form })
    }
}

/// A posted multipart page form (one with files) of a signed-in user whose
/// CSRF token checked out.
pub struct PostedMultipart {
    /// The page context.
    pub page: Page,
    /// The writer.
    pub who: Writer,
    /// The text fields, in order (repeated names kept).
    pub fields: Vec<(String, String)>,
    /// The files.
    pub uploads: Vec<Upload>,
}

impl FromRequest<AppState> for PostedMultipart {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let (page, principal) = signed_in(&mut parts, state).await?;
        let req = Request::from_parts(parts, body);
        let mp = Multipart::from_request(req, state)
            .await
            .map_err(|e| page.error(AppError::BadRequest(e.to_string())))?;
        // The CSRF token (the form's first field) is checked before any
        // file is read.
        let gate = |fields: Vec<(String, String)>| async move {
            let token = fields
                .iter()
                .find(|(k, _)| k == CSRF_FIELD)
                .map(|(_, v)| v.as_str());
            Writer::checked(principal, token)
        };
        let limits = multipart::Limits::with_files(state.settings.max_upload_bytes);
        let (fields, uploads, who) = match multipart::read_gated(mp, limits, gate).await {
            Ok(read) => read,
            Err(multipart::Refused::Gate(e, _)) | Err(multipart::Refused::Read(e)) => {
                return Err(page.error(e))
            }
        };
        Ok(PostedMultipart {
            page,
            who,
            fields,
            uploads,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Typed {
        action: String,
        round: Option<u8>,
        #[serde(default)]
        kinds: Vec<String>,
    }

    #[test]
    fn the_body_that_panicked_the_old_decoder_is_a_form_like_any_other() {
        // `%1é`: a percent sign before a multi-byte character.
        let (token, pairs) =
            decode_form::<Vec<(String, String)>>("csrf=%1é&a=b%".as_bytes()).unwrap();
        assert_eq!(token.as_deref(), Some("%1é"));
        assert_eq!(pairs[1], ("a".to_owned(), "b%".to_owned()));
        let (_, pairs) = decode_form::<Vec<(String, String)>>(b"first_0=a&first_0=b").unwrap();
        assert_eq!(pairs.len(), 2, "repeated names are kept");
    }

    proptest! {
        /// Whatever bytes a form body holds, decoding answers pairs, a typed
        /// form or a validation error — never a panic.
        #[test]
        fn arbitrary_form_bytes_never_panic(raw in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = decode_form::<Vec<(String, String)>>(&raw);
            let r = decode_form::<Typed>(&raw);
            prop_assert!(r.is_ok() || matches!(r, Err(AppError::Validation(_))));
        }

        /// Form-shaped input with percent escapes in every position.
        #[test]
        fn arbitrary_escapes_never_panic(text in "([a-z_%0-9é+]{0,6}=[a-zé%0-9+&]{0,10}&?){0,8}") {
            let _ = decode_form::<Vec<(String, String)>>(text.as_bytes());
            let _ = decode_form::<Typed>(text.as_bytes());
        }
    }
}
