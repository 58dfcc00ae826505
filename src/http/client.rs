//! The client address of a request, for rate limits and logs: the peer's
//! address, or, when the peer is a trusted proxy (`server.trusted_proxies`),
//! the address it names in `Forwarded` (`for=`) or `X-Forwarded-For`.
//! Anyone else's forwarding headers are ignored, so a client cannot choose
//! the address it is counted under.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::http::HeaderMap;
use ipnet::IpNet;

/// Where a request comes from, after trusted proxies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// The proxies whose forwarding headers are believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Arc<Vec<IpNet>>);

impl TrustedProxies {
    /// Entries are CIDRs or plain addresses (validated with the configuration).
    pub fn new(entries: &[String]) -> Self {
        let nets = entries
            .iter()
            .filter_map(|e| {
                e.parse::<IpNet>()
                    .ok()
                    .or_else(|| e.parse::<IpAddr>().ok().map(IpNet::from))
            })
            .collect();
        Self(Arc::new(nets))
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client of a request that arrived from `peer`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if self.0.is_empty() || !self.trusts(peer) {
            return peer;
        }
        // Nearest hop last: walk back past our own proxies to the first other address.
        let hops = forwarded_for(headers);
        hops.into_iter()
            .rev()
            .find(|ip| !self.trusts(*ip))
            .unwrap_or(peer)
    }
}

/// The addresses a request passed through, from `Forwarded` (RFC 7239), else
/// `X-Forwarded-For`; unparsable entries (`unknown`, obfuscated names) are skipped.
fn forwarded_for(headers: &HeaderMap) -> Vec<IpAddr> {
    let joined = |name: &str| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(",")
    };
    let forwarded = joined("forwarded");
    if !forwarded.is_empty() {
        return forwarded
            .split(',')
            .filter_map(|element| {
                element.split(';').find_map(|pair| {
                    let (key, value) = pair.trim().split_once('=')?;
                    key.eq_ignore_ascii_case("for").then(|| parse_node(value))?
                })
            })
            .collect();
    }
    joined("x-forwarded-for")
        .split(',')
        .filter_map(parse_node)
        .collect()
}

/// `192.0.2.1`, `"[2001:db8::1]:4711"`, `192.0.2.1:80`.
fn parse_node(value: &str) -> Option<IpAddr> {
    let value = value.trim().trim_matches('"');
    if let Ok(ip) = value.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(addr) = value.parse::<SocketAddr>() {
        return Some(addr.ip());
    }
    value
        .strip_prefix('[')
        .and_then(|v| v.split(']').next())
        .and_then(|v| v.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_trusted_peers_may_name_the_client() {
        let proxies = TrustedProxies::new(&["10.0.0.0/8".into(), "192.0.2.7".into()]);
        let xff = headers(&[("x-forwarded-for", "203.0.113.9, 10.1.1.1")]);
        assert_eq!(proxies.client(ip("10.0.0.2"), &xff), ip("203.0.113.9"));
        assert_eq!(proxies.client(ip("192.0.2.7"), &xff), ip("203.0.113.9"));
        assert_eq!(
            proxies.client(ip("198.51.100.1"), &xff),
            ip("198.51.100.1"),
            "an untrusted peer's header is ignored"
        );
        let spoofed = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.9")]);
        assert_eq!(
            proxies.client(ip("10.0.0.2"), &spoofed),
            ip("203.0.113.9"),
            "the address our proxy saw, not one the client wrote"
        );
        let forwarded = headers(&[(
            "forwarded",
            "for=198.51.100.17;proto=https, for=\"[2001:db8::1]:4711\"",
        )]);
        assert_eq!(
            proxies.client(ip("10.0.0.2"), &forwarded),
            ip("2001:db8::1")
        );
        assert_eq!(
            TrustedProxies::default().client(ip("10.0.0.2"), &xff),
            ip("10.0.0.2")
        );
    }
}
