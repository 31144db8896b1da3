//! The client's network address, for everything counted or recorded per
//! address (sign-in throttling, pending logins, device-code guesses,
//! sessions, audit). It is the TCP peer's, unless the peer is one of the
//! operator's reverse proxies (`server.trusted_proxies`): then the nearest
//! address in `X-Forwarded-For` that is not one of them, read from the
//! right, since every proxy appends the address it received the request
//! from and only the entries our own proxies added can be believed (what
//! a client sends itself is further left). Nothing is trusted by default.

use std::net::IpAddr;

use ipnet::IpNet;

/// The proxies whose `X-Forwarded-For` entries are believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Addresses or CIDR networks (`10.0.0.0/8`, `127.0.0.1`, `fd00::/8`).
    pub fn parse(list: &[String]) -> Result<TrustedProxies, String> {
        list.iter()
            .map(|item| {
                let item = item.trim();
                item.parse::<IpNet>()
                    .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("{item:?} is neither an IP address nor a CIDR network"))
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client's address: `peer`, or, while the address at hand is a
    /// trusted proxy, the entry before it in `forwarded_for` (the values of
    /// every `X-Forwarded-For` line, in order). An entry that is not an
    /// address ends the walk at the proxy that added it.
    pub fn client(&self, peer: IpAddr, forwarded_for: &[&str]) -> IpAddr {
        let mut client = canonical(peer);
        let mut entries = forwarded_for.iter().flat_map(|line| line.split(',')).rev();
        while self.trusts(client) {
            match entries.next().and_then(parse_entry) {
                Some(ip) => client = canonical(ip),
                None => break,
            }
        }
        client
    }
}

/// An IPv4 address seen through an IPv6 socket is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// One `X-Forwarded-For` entry: an address, possibly with a port
/// (`192.0.2.1:1234`, `[2001:db8::1]:1234`).
fn parse_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    if let Ok(ip) = entry.parse() {
        return Some(ip);
    }
    entry.parse::<std::net::SocketAddr>().ok().map(|s| s.ip())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn proxies(list: &[&str]) -> TrustedProxies {
        TrustedProxies::parse(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client_whatever_it_claims() {
        let none = TrustedProxies::default();
        assert_eq!(none.client(ip("198.51.100.7"), &["203.0.113.9"]), ip("198.51.100.7"));
    }

    #[test]
    fn the_nearest_untrusted_entry_is_the_client() {
        let ours = proxies(&["10.0.0.0/8", "127.0.0.1"]);
        // client → spoofed entry → CDN-less: proxy 10.1.1.1 → proxy 127.0.0.1 → us
        let xff = ["6.6.6.6, 203.0.113.9", "10.1.1.1"];
        assert_eq!(ours.client(ip("127.0.0.1"), &xff), ip("203.0.113.9"));
        assert_eq!(ours.client(ip("::ffff:127.0.0.1"), &xff), ip("203.0.113.9"), "v4-mapped peer");
        // An untrusted peer's header is ignored.
        assert_eq!(ours.client(ip("198.51.100.7"), &xff), ip("198.51.100.7"));
        // Only proxies all the way: the leftmost address.
        assert_eq!(ours.client(ip("127.0.0.1"), &["10.0.0.2"]), ip("10.0.0.2"));
        // No header, or garbage in it: the last proxy is all we know.
        assert_eq!(ours.client(ip("127.0.0.1"), &[]), ip("127.0.0.1"));
        assert_eq!(ours.client(ip("127.0.0.1"), &["unknown"]), ip("127.0.0.1"));
        assert_eq!(ours.client(ip("127.0.0.1"), &["[2001:db8::5]:443"]), ip("2001:db8::5"));
    }

    #[test]
    fn entries_must_be_addresses_or_networks() {
        assert_eq!(proxies(&["10.0.0.0/8", "::1", " fd00::/8 "]).0.len(), 3);
        let err = TrustedProxies::parse(&["10.0.0.0/33".into()]).unwrap_err();
        assert!(err.contains("10.0.0.0/33"), "{err}");
        assert!(TrustedProxies::parse(&["proxy.example".into()]).is_err());
    }
}
