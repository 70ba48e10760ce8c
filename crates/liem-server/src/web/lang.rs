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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;
    use proptest::prelude::*;

    fn asked(uri: &str, cookie: Option<&str>, accept: Option<&str>) -> Asked {
        let mut b = Request::builder().uri(uri);
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        if let Some(a) = accept {
            b = b.header(header::ACCEPT_LANGUAGE, a);
        }
        Asked::of(&b.body(()).unwrap().into_parts().0)
    }

    #[test]
    fn the_query_wins_then_the_users_choice_then_the_cookie_then_the_browser() {
        let a = asked("/x?lang=fr", Some("liem_lang=ar"), Some("en"));
        assert_eq!(a.staff(Some("vi")), Lang::Fr);
        let a = asked("/x", Some("liem_lang=ar"), Some("en"));
        assert_eq!(a.staff(Some("vi")), Lang::Vi);
        assert_eq!(a.staff(None), Lang::Ar);
        let a = asked("/x", None, Some("en-GB,en;q=0.9"));
        assert_eq!(a.staff(None), Lang::En);
        // The public side reads no cookie and knows no user.
        let a = asked("/report", Some("liem_lang=ar"), Some("en"));
        assert_eq!(a.public(), Lang::En);
        assert_eq!(asked("/report?lang=vi&x=1", None, None).public(), Lang::Vi);
    }

    proptest! {
        #[test]
        fn arbitrary_queries_and_headers_never_panic(q in "[ -~é%]{0,80}", h in proptest::collection::vec(any::<u8>(), 0..80)) {
            let uri = format!("/x?{}", q.replace(' ', "+").replace('#', "%23"));
            let mut b = Request::builder().uri(uri.as_str());
            if let Ok(v) = axum::http::HeaderValue::from_bytes(&h) {
                b = b.header(header::ACCEPT_LANGUAGE, v);
            }
            if let Ok(r) = b.body(()) {
                let a = Asked::of(&r.into_parts().0);
                let _ = (a.staff(None), a.public());
            }
        }
    }
}
