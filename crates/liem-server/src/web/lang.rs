//! The one language negotiation: what a request asks for (`?lang=`, the
//! language cookie, `Accept-Language`), and the order in which staff and
//! public requests weigh it against a signed-in user's own choice.

use crate::i18n::Lang;
use crate::web::cookies;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

/// The cookie that keeps the language chosen on the login page.
pub const LANG_COOKIE: &str = "liem_lang";

/// What a request asks for, before it is known who asks.
#[derive(Debug, Clone, Copy)]
pub struct Asked {
    query: Option<Lang>,
    cookie: Option<Lang>,
    header: Lang,
}

impl Asked {
    /// Reads the query's `lang`, the language cookie and `Accept-Language`.
    pub fn of(parts: &Parts) -> Asked {
        let query = parts
            .uri
            .query()
            .and_then(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .find(|(k, _)| k == "lang")
                    .map(|(_, v)| v.into_owned())
            })
            .and_then(|v| Lang::from_tag(&v));
        let cookie = cookies::get(&parts.headers, LANG_COOKIE).and_then(|c| Lang::from_tag(&c));
        let header = Lang::negotiate(
            parts
                .headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        );
        Asked {
            query,
            cookie,
            header,
        }
    }

    /// A staff request: the query, then the user's saved choice, then the
    /// cookie, then the browser's.
    pub fn staff(&self, user_locale: Option<&str>) -> Lang {
        self.query
            .or_else(|| user_locale.and_then(Lang::from_tag))
            .or(self.cookie)
            .unwrap_or(self.header)
    }

    /// A public request (no cookies are read or set): the query, then the
    /// browser's.
    pub fn public(&self) -> Lang {
        self.query.unwrap_or(self.header)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Asked {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Asked::of(parts))
    }
}
