//! Where a request comes from: the peer's address, or — behind a proxy the
//! configuration trusts — the address that proxy forwarded. One rule for the
//! audit trail's source, every rate limiter and the staff login.

use crate::proxies::Proxies;
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
    /// The client of a request. A peer that is not a trusted proxy is the
    /// client. Behind trusted proxies, the `X-Forwarded-For` chain is read
    /// from the right: the first address that is not a trusted proxy is the
    /// client (entries further left are whatever the client claimed); with
    /// `any_peer`, the right-most address, which the one proxy appended.
    pub fn of(parts: &Parts, proxies: &Proxies) -> Client {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let trusted_peer = proxies.any_peer() || peer.is_some_and(|p| proxies.listed(p));
        if !trusted_peer {
            return Client { ip: peer };
        }
        let chain = forwarded_chain(&parts.headers);
        let ip = if proxies.any_peer() {
            chain.first().copied()
        } else {
            chain
                .iter()
                .copied()
                .find(|a| !proxies.listed(*a))
                .or_else(|| chain.last().copied())
        };
        Client { ip: ip.or(peer) }
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

/// The addresses of the `X-Forwarded-For` headers, right-most first, up to
/// the first entry that is not an address.
fn forwarded_chain(headers: &HeaderMap) -> Vec<IpAddr> {
    headers
        .get_all("x-forwarded-for")
        .iter()
        .rev()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.rsplit(','))
        .map(|a| a.trim().parse::<IpAddr>())
        .take_while(Result::is_ok)
        .filter_map(Result::ok)
        .take(32)
        .collect()
}

impl FromRequestParts<AppState> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Client::of(parts, &state.settings.proxies))
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
        assert_eq!(Client::of(&p, &Proxies::none()).key(), "10.0.0.1");
        assert_eq!(
            Client::of(&p, &Proxies::trusting_any_peer()).key(),
            "198.51.100.7"
        );
        assert_eq!(
            Client::of(&p, &Proxies::trusting_any_peer()).source(),
            "http 198.51.100.7"
        );
        // A peer not on the list is believed in nothing.
        let other = Proxies::parse("10.9.0.0/16").unwrap();
        assert_eq!(Client::of(&p, &other).key(), "10.0.0.1");
    }

    #[test]
    fn behind_a_proxy_the_right_most_address_counts_not_what_the_client_claims() {
        let any = Proxies::trusting_any_peer();
        let p = parts(&["203.0.113.9, 198.51.100.7"]);
        assert_eq!(Client::of(&p, &any).key(), "198.51.100.7");
        let p = parts(&["203.0.113.9", "198.51.100.8"]);
        assert_eq!(Client::of(&p, &any).key(), "198.51.100.8");
        let p = parts(&["not an address"]);
        assert_eq!(Client::of(&p, &any).key(), "10.0.0.1");
    }

    #[test]
    fn behind_a_chain_of_trusted_proxies_the_first_untrusted_address_from_the_right_counts() {
        let list = Proxies::parse("10.0.0.0/8, 192.0.2.10, fd00::/8").unwrap();
        // client claims 203.0.113.9; the real client 198.51.100.7; then
        // two of our proxies (192.0.2.10, 10.2.3.4); the peer is 10.0.0.1.
        let p = parts(&["203.0.113.9, 198.51.100.7, 192.0.2.10", "10.2.3.4"]);
        assert_eq!(Client::of(&p, &list).key(), "198.51.100.7");
        // Only our proxies: the left-most of them.
        let p = parts(&["10.5.5.5, 10.2.3.4"]);
        assert_eq!(Client::of(&p, &list).key(), "10.5.5.5");
        assert!(Proxies::parse("10.0.0.0/33").is_err());
        assert!(Proxies::parse("nowhere").is_err());
        let v6 = Proxies::parse("fd00::/8").unwrap();
        assert!(v6.listed("fd12::1".parse().unwrap()));
        assert!(!v6.listed("fe12::1".parse().unwrap()));
        assert!(Proxies::parse("0.0.0.0/0")
            .unwrap()
            .listed("1.2.3.4".parse().unwrap()));
    }

    proptest! {
        #[test]
        fn arbitrary_forwarded_headers_never_panic(raw in proptest::collection::vec(any::<u8>(), 0..200)) {
            let mut p = parts(&[]);
            if let Ok(v) = axum::http::HeaderValue::from_bytes(&raw) {
                p.headers.append("x-forwarded-for", v);
            }
            let _ = Client::of(&p, &Proxies::trusting_any_peer()).key();
            let _ = Client::of(&p, &Proxies::parse("10.0.0.0/8").unwrap()).key();
        }
    }
}
