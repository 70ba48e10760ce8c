//! Who is calling: a session cookie (pages, with CSRF tokens) or a bearer
//! API token (integrations) becomes a [`Principal`]; the [`gate`] turns a
//! right checked in a scope into the permission values that service
//! functions need to read and write.

pub mod gate;

use crate::crypto::token_hash;
use crate::state::AppState;
use crate::web::client::Client;
use crate::web::cookies;
use crate::web::error::AppError;
use crate::web::error::AppResult;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use liem_domain::role::Right;
use liem_domain::role::Role;
use liem_domain::role::Scope;
use liem_store::audit::Actor;
use liem_store::users;
use liem_store::users::UserRecord;

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "liem_session";

/// How the caller authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// A browser session (cookie); mutations need the CSRF token.
    Session,
    /// A bearer API token.
    Token,
    /// The command line, acting as a user.
    Cli,
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The user, with unit and roles.
    pub user: UserRecord,
    /// The session's CSRF token (sessions only).
    pub csrf: Option<String>,
    /// How they authenticated.
    pub via: Via,
    /// Where from, for the audit trail.
    pub source: String,
}

impl Principal {
    /// A principal for the command line.
    pub fn cli(user: UserRecord) -> Principal {
        Principal {
            user,
            csrf: None,
            via: Via::Cli,
            source: "cli".into(),
        }
    }

    /// The part of the tree this caller reaches for a right (none when no
    /// role grants it). Decisions go through [`gate`]; this is what they
    /// are made from.
    pub fn scope(&self, right: Right) -> Scope {
        Scope::for_right(&self.user.roles, &self.user.unit_path, right)
    }

    /// Whether the caller holds the right anywhere.
    pub fn can(&self, right: Right) -> bool {
        self.user.roles.iter().any(|r| r.grants(right))
    }

    /// The audit context of this caller.
    pub fn actor(&self) -> Actor {
        Actor {
            user: Some(self.user.id),
            unit: Some(self.user.unit_id),
            source: self.source.clone(),
        }
    }

    /// Checks the CSRF token of a cookie-authenticated mutation (tokens and
    /// the command line need none).
    pub(crate) fn check_csrf(&self, provided: Option<&str>) -> AppResult<()> {
        match (&self.via, &self.csrf) {
            (Via::Session, Some(expected)) => {
                let ok = provided.is_some_and(|p| {
                    crate::guard::constant_time_eq(p.as_bytes(), expected.as_bytes())
                });
                if ok {
                    Ok(())
                } else {
                    Err(AppError::Csrf)
                }
            }
            (Via::Session, None) => Err(AppError::Csrf),
            _ => Ok(()),
        }
    }
}

/// The session token a request carries, if any.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    cookies::get(headers, SESSION_COOKIE)
}

/// Resolves the caller from a bearer token or a session cookie.
pub async fn authenticate(parts: &Parts, state: &AppState) -> AppResult<Option<Principal>> {
    let source = Client::of(parts, &state.settings.proxies).source();
    let mut conn = state.store.conn().await?;
    if let Some(auth) = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let Some(token) = auth.strip_prefix("Bearer ") else {
            return Err(AppError::Unauthenticated);
        };
        let user = users::token_user(&mut conn, &token_hash(token.trim()))
            .await?
            .ok_or(AppError::Unauthenticated)?;
        return Ok(Some(Principal {
            user,
            csrf: None,
            via: Via::Token,
            source,
        }));
    }
    if let Some(token) = session_token(&parts.headers) {
        if let Some((user, csrf)) = users::session_user(&mut conn, &token_hash(&token)).await? {
            // Where the configuration requires it, custodians and
            // administrators set up their second factor before anything
            // else (their account page, logging out, the language).
            if state.settings.require_second_factor
                && user
                    .roles
                    .iter()
                    .any(|r| matches!(r, Role::Custodian | Role::Administrator))
                && !enrolment_path(parts.uri.path())
                && !users::totp(&mut conn, user.id)
                    .await?
                    .is_some_and(|f| f.confirmed)
            {
                return Err(AppError::SecondFactorRequired);
            }
            return Ok(Some(Principal {
                user,
                csrf: Some(csrf),
                via: Via::Session,
                source,
            }));
        }
    }
    Ok(None)
}

/// The paths a person who must set up a second factor may still use.
fn enrolment_path(path: &str) -> bool {
    path == "/account"
        || path.starts_with("/account/")
        || matches!(path, "/logout" | "/language" | "/api/v1/me")
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        authenticate(parts, state)
            .await?
            .ok_or(AppError::Unauthenticated)
    }
}
