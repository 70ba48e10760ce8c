//! Who is calling: a session cookie (pages, with CSRF tokens) or a bearer
//! API token (integrations). Rights and scope come from the domain's role
//! rules; every service function asks the [`Principal`] before it reads or
//! writes.

use crate::crypto::token_hash;
use crate::error::{AppError, AppResult};
use crate::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use liem_domain::role::{Right, Scope};
use liem_store::audit::Actor;
use liem_store::users::{self, UserRecord};
use std::net::SocketAddr;

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

    /// The part of the tree this caller reaches for a right.
    pub fn scope(&self, right: Right) -> Scope {
        Scope::for_right(&self.user.roles, &self.user.unit_path, right)
    }

    /// Whether the caller holds the right anywhere.
    pub fn can(&self, right: Right) -> bool {
        self.user.roles.iter().any(|r| r.grants(right))
    }

    /// The scope for a right, or 403 when the caller has no role granting it.
    pub fn require(&self, right: Right) -> AppResult<Scope> {
        match self.scope(right) {
            Scope::None => Err(AppError::Forbidden(format!(
                "your roles do not grant {right:?}"
            ))),
            s => Ok(s),
        }
    }

    /// The audit context of this caller.
    pub fn actor(&self) -> Actor {
        Actor {
            user: Some(self.user.id),
            unit: Some(self.user.unit_id),
            source: self.source.clone(),
        }
    }

    /// Checks the CSRF token of a cookie-authenticated mutation.
    pub fn check_csrf(&self, provided: Option<&str>) -> AppResult<()> {
        match (&self.via, &self.csrf) {
            (Via::Session, Some(expected)) => {
                let ok =
                    provided.is_some_and(|p| constant_time_eq(p.as_bytes(), expected.as_bytes()));
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

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The value of a cookie in the request.
pub fn cookie(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// Where the request came from, for the audit trail (staff routes only).
pub fn source(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "http".to_owned(), |c| format!("http {}", c.0.ip()))
}

/// Resolves the caller from a bearer token or a session cookie.
pub async fn authenticate(parts: &Parts, state: &AppState) -> AppResult<Option<Principal>> {
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
            source: source(parts),
        }));
    }
    if let Some(token) = cookie(parts, SESSION_COOKIE) {
        if let Some((user, csrf)) = users::session_user(&mut conn, &token_hash(&token)).await? {
            return Ok(Some(Principal {
                user,
                csrf: Some(csrf),
                via: Via::Session,
                source: source(parts),
            }));
        }
    }
    Ok(None)
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

/// Where a request came from (its peer address), for the audit trail and
/// login limits of staff routes.
pub struct ClientSource(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientSource {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientSource(source(parts)))
    }
}
