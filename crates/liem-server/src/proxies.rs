//! The proxies whose `X-Forwarded-For` the server believes: none, any peer
//! (one proxy of one's own in front), or a list of addresses and networks.

use std::net::IpAddr;

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Proxies {
    /// Believe whatever peer connects (one proxy of one's own in front,
    /// nothing else can reach the server): the right-most forwarded address.
    any_peer: bool,
    /// Addresses and networks (`address/prefix`) of trusted proxies.
    nets: Vec<(IpAddr, u8)>,
}

impl Proxies {
    /// Believe no proxy: the peer is the client.
    pub fn none() -> Proxies {
        Proxies::default()
    }

    /// Believe the peer, whoever it is (the `trust_forwarded_for` setting).
    pub fn trusting_any_peer() -> Proxies {
        Proxies {
            any_peer: true,
            nets: Vec::new(),
        }
    }

    /// Parses a comma-separated list of addresses and networks
    /// (`10.0.0.0/8, 192.0.2.1, fd00::/8`).
    pub fn parse(list: &str) -> Result<Proxies, String> {
        let mut nets = Vec::new();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (addr, len) = match item.split_once('/') {
                Some((a, l)) => (a, Some(l)),
                None => (item, None),
            };
            let ip: IpAddr = addr
                .parse()
                .map_err(|_| format!("`{item}` is not an address or network"))?;
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let len = match len {
                None => max,
                Some(l) => l
                    .parse::<u8>()
                    .ok()
                    .filter(|l| *l <= max)
                    .ok_or_else(|| format!("`{item}`: the prefix must be 0 to {max}"))?,
            };
            nets.push((ip, len));
        }
        Ok(Proxies {
            any_peer: false,
            nets,
        })
    }

    /// Whether the peer is believed whoever it is.
    pub fn any_peer(&self) -> bool {
        self.any_peer
    }

    /// Whether `ip` is one of the trusted proxies.
    pub fn listed(&self, ip: IpAddr) -> bool {
        self.nets.iter().any(|(net, len)| within(ip, *net, *len))
    }
}

fn within(ip: IpAddr, net: IpAddr, len: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}
