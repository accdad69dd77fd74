//! The client's address: the socket peer, or, when the peer is a trusted
//! proxy, the right-most `X-Forwarded-For` hop that is not one (the hops to
//! its left were written by the client and prove nothing).

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use ipnet::IpNet;

/// The reverse proxies whose forwarding headers are believed (`server.trust_proxy`).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses addresses (`10.0.0.1`, `::1`) and CIDR blocks (`10.0.0.0/8`).
    pub fn parse(list: &[String]) -> Result<Self, String> {
        let net = |s: &String| {
            let s = s.trim();
            s.parse::<IpNet>()
                .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("「{s}」不是 IP 地址或 CIDR 网段（如 10.0.0.1、10.0.0.0/8、::1）"))
        };
        list.iter().map(net).collect::<Result<_, _>>().map(TrustedProxies)
    }

    /// Whether `ip` is one of the proxies.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(&ip))
    }

    /// The client behind `peer` given the request's headers.
    pub fn resolve(&self, peer: IpAddr, headers: &HeaderMap) -> ClientAddr {
        if !self.contains(peer) {
            return ClientAddr { ip: peer, via_proxy: false };
        }
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            match hop.parse::<IpAddr>() {
                Ok(ip) if self.contains(ip) => client = ip,
                Ok(ip) => return ClientAddr { ip, via_proxy: true },
                // A hop that is not an address was not written by a proxy we trust.
                Err(_) => break,
            }
        }
        ClientAddr { ip: client, via_proxy: true }
    }
}

/// True without an `Origin` (not a browser) or when its host is the request's
/// `Host`: a page of another site cannot make the browser act on ours.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin.to_str().ok().and_then(|o| o.split_once("://")).map(|(_, rest)| rest);
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

/// The client's address as resolved by the server for this request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr {
    /// The address.
    pub ip: IpAddr,
    /// Whether the request came through a trusted proxy (so its
    /// `X-Forwarded-Proto` may be believed too).
    pub via_proxy: bool,
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = Infallible;

    /// The address the server's middleware resolved, else the socket peer
    /// (requests handed to the router directly in tests have neither).
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        if let Some(addr) = parts.extensions.get::<ClientAddr>() {
            return Ok(*addr);
        }
        let ip =
            parts.extensions.get::<ConnectInfo<SocketAddr>>().map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
        Ok(ClientAddr { ip, via_proxy: false })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append("x-forwarded-for", v.parse().expect("header"));
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let p = TrustedProxies::parse(&["10.0.0.0/8".into()]).expect("valid");
        assert_eq!(p.resolve(ip("203.0.113.9"), &headers(&["1.2.3.4"])).ip, ip("203.0.113.9"));
    }

    #[test]
    fn the_right_most_untrusted_hop_is_the_client() {
        let p = TrustedProxies::parse(&["10.0.0.0/8".into(), "192.0.2.7".into()]).expect("valid");
        let h = headers(&["6.6.6.6, 198.51.100.3", "192.0.2.7"]);
        assert_eq!(p.resolve(ip("10.1.2.3"), &h), ClientAddr { ip: ip("198.51.100.3"), via_proxy: true });
        assert_eq!(p.resolve(ip("10.1.2.3"), &headers(&[])).ip, ip("10.1.2.3"));
        assert_eq!(p.resolve(ip("10.1.2.3"), &headers(&["junk, 10.0.0.5"])).ip, ip("10.0.0.5"));
    }

    #[test]
    fn bad_proxy_entries_are_named() {
        let err = TrustedProxies::parse(&["10.0.0.0/33".into()]).expect_err("invalid");
        assert!(err.contains("10.0.0.0/33"), "{err}");
    }
}
