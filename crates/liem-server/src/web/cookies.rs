//! Cookies, read and written with the `cookie` crate.

use axum::http::header;
use axum::http::HeaderMap;
use cookie::Cookie;
use cookie::SameSite;

/// The value of a cookie sent with the request.
pub fn get(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

/// A `Set-Cookie` value: path `/`, `SameSite=Lax`, `HttpOnly` when
/// `http_only`, `Secure` when `secure`; `max_age` seconds (0 clears it).
pub fn set(name: &str, value: &str, max_age: i64, http_only: bool, secure: bool) -> String {
    Cookie::build((name.to_owned(), value.to_owned()))
        .path("/")
        .http_only(http_only)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(cookie::time::Duration::seconds(max_age))
        .build()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_cookie_is_found_among_several_headers_and_pairs() {
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, "a=1; liem_session=abc".parse().unwrap());
        h.append(header::COOKIE, "liem_lang=vi".parse().unwrap());
        assert_eq!(get(&h, "liem_session").as_deref(), Some("abc"));
        assert_eq!(get(&h, "liem_lang").as_deref(), Some("vi"));
        assert_eq!(get(&h, "missing"), None);
    }

    #[test]
    fn set_cookie_values_carry_their_attributes() {
        let c = set("liem_session", "t", 3600, true, true);
        for part in [
            "liem_session=t",
            "HttpOnly",
            "SameSite=Lax",
            "Secure",
            "Path=/",
            "Max-Age=3600",
        ] {
            assert!(c.contains(part), "{c} lacks {part}");
        }
        assert!(!set("liem_lang", "vi", 60, false, false).contains("HttpOnly"));
    }

    proptest! {
        /// Whatever bytes a client sends as cookies, reading them never panics.
        #[test]
        fn arbitrary_cookie_headers_never_panic(raw in proptest::collection::vec(any::<u8>(), 0..300)) {
            let mut h = HeaderMap::new();
            if let Ok(v) = axum::http::HeaderValue::from_bytes(&raw) {
                h.append(header::COOKIE, v);
            }
            let _ = get(&h, "liem_session");
        }
    }
}
