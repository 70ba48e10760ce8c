//! Where a request comes from: the peer's address, or — behind a proxy the
//! configuration trusts — the address that proxy forwarded. One rule for the
//! audit trail's source, every rate limiter and the staff login.

use crate::state::AppState;
use axum::extract::ConnectInfo;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use std::net::IpAddr;
use std::net::SocketAddr;

/// The client of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    /// Its address, when known.
    pub ip: Option<IpAddr>,
}

impl Client {
    /// The client of a request: with `trust_forwarded_for`, the right-most
    /// address of `X-Forwarded-For` (the one our proxy appended; entries to
    /// its left are whatever the client claimed), else the peer.
    pub fn of(parts: &Parts, trust_forwarded_for: bool) -> Client {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let forwarded = trust_forwarded_for
            .then(|| forwarded_for(&parts.headers))
            .flatten();
        Client {
            ip: forwarded.or(peer),
        }
    }

    /// The key rate limiters count this client by (never stored).
    pub fn key(&self) -> String {
        self.ip
            .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
    }

    /// The source recorded in the audit trail for staff requests.
    pub fn source(&self) -> String {
        self.ip
            .map_or_else(|| "http".to_owned(), |ip| format!("http {ip}"))
    }
}

/// The right-most parseable address of the `X-Forwarded-For` headers.
fn forwarded_for(headers: &HeaderMap) -> Option<IpAddr> {
    headers
        .get_all("x-forwarded-for")
        .iter()
        .rev()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.rsplit(','))
        .find_map(|a| a.trim().parse::<IpAddr>().ok())
}

impl FromRequestParts<AppState> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Client::of(parts, state.settings.trust_forwarded_for))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;
    use proptest::prelude::*;

    fn parts(xff: &[&str]) -> Parts {
        let mut b = Request::builder().uri("/");
        for v in xff {
            b = b.header("x-forwarded-for", *v);
        }
        let (mut p, _) = b.body(()).unwrap().into_parts();
        p.extensions
            .insert(ConnectInfo::<SocketAddr>("10.0.0.1:4000".parse().unwrap()));
        p
    }

    #[test]
    fn the_peer_is_the_client_unless_a_proxy_is_trusted() {
        let p = parts(&["198.51.100.7"]);
        assert_eq!(Client::of(&p, false).key(), "10.0.0.1");
        assert_eq!(Client::of(&p, true).key(), "198.51.100.7");
        assert_eq!(Client::of(&p, true).source(), "http 198.51.100.7");
    }

    #[test]
    fn behind_a_proxy_the_right_most_address_counts_not_what_the_client_claims() {
        let p = parts(&["203.0.113.9, 198.51.100.7"]);
        assert_eq!(Client::of(&p, true).key(), "198.51.100.7");
        let p = parts(&["203.0.113.9", "198.51.100.8"]);
        assert_eq!(Client::of(&p, true).key(), "198.51.100.8");
        let p = parts(&["not an address"]);
        assert_eq!(Client::of(&p, true).key(), "10.0.0.1");
    }

    proptest! {
        #[test]
        fn arbitrary_forwarded_headers_never_panic(raw in proptest::collection::vec(any::<u8>(), 0..200)) {
            let mut p = parts(&[]);
            if let Ok(v) = axum::http::HeaderValue::from_bytes(&raw) {
                p.headers.append("x-forwarded-for", v);
            }
            let _ = Client::of(&p, true).key();
        }
    }
}
