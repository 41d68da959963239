//! Who the client is behind reverse proxies. Only proxies the operator trusts
//! (`TRUSTED_PROXIES`) may name the client, so a visitor cannot pick the address its throttles,
//! sessions and audit entries are recorded under by sending its own `X-Forwarded-For`.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;
use ipnet::IpNet;

/// The client's address: the TCP peer, unless the peer is a trusted proxy; then the right-most
/// `X-Forwarded-For` address that is not itself a trusted proxy. Each proxy appends the address
/// it received the request from, so everything left of the first untrusted hop (from the right)
/// was written by the client and is ignored. A malformed entry stops the walk at the last trusted
/// hop, which is then the best address known.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let peer = canonical(peer);
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    // Several X-Forwarded-For headers form one list, in order.
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Some(ip) = parse_hop(hop).map(canonical) else {
            break;
        };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client
}

/// An address as proxies write it: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:80`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|addr| addr.ip()))
}

/// IPv4 peers of a dual-stack listener arrive as `::ffff:a.b.c.d`; compare and record them as
/// IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(peer: &str, forwarded: &[&str], trusted: &[&str]) -> String {
        let mut headers = HeaderMap::new();
        for value in forwarded {
            headers.append("x-forwarded-for", value.parse().unwrap());
        }
        let trusted: Vec<IpNet> = trusted.iter().map(|t| t.parse().unwrap()).collect();
        client_ip(peer.parse().unwrap(), &headers, &trusted).to_string()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        assert_eq!(resolve("192.0.2.1", &["203.0.113.7"], &[]), "192.0.2.1");
        assert_eq!(
            resolve("192.0.2.1", &["203.0.113.7"], &["10.0.0.0/8"]),
            "192.0.2.1"
        );
    }

    #[test]
    fn behind_trusted_proxies_the_right_most_untrusted_hop_is_the_client() {
        let trusted = ["10.0.0.0/8", "127.0.0.1/32"];
        let chain = ["198.51.100.66, 203.0.113.7, 10.1.2.3"];
        assert_eq!(resolve("127.0.0.1", &chain, &trusted), "203.0.113.7");
        // Split over several headers, with ports and IPv6.
        let split = ["198.51.100.66", "[2001:db8::7]:4711, 10.1.2.3:80"];
        assert_eq!(resolve("10.0.0.1", &split, &trusted), "2001:db8::7");
    }

    #[test]
    fn a_trusted_peer_without_a_usable_header_is_the_client() {
        let trusted = ["10.0.0.0/8"];
        assert_eq!(resolve("10.0.0.1", &[], &trusted), "10.0.0.1");
        assert_eq!(
            resolve("10.0.0.1", &["not an address"], &trusted),
            "10.0.0.1"
        );
        // Garbage left of a trusted hop: that hop is the best address known.
        assert_eq!(
            resolve("10.0.0.1", &["junk, 10.9.9.9"], &trusted),
            "10.9.9.9"
        );
        // Every hop trusted: the left-most one.
        assert_eq!(
            resolve("10.0.0.1", &["10.2.2.2, 10.3.3.3"], &trusted),
            "10.2.2.2"
        );
    }

    #[test]
    fn ipv4_mapped_peers_match_ipv4_ranges() {
        let trusted = ["127.0.0.1/32"];
        assert_eq!(
            resolve("::ffff:127.0.0.1", &["203.0.113.7"], &trusted),
            "203.0.113.7"
        );
        assert_eq!(resolve("::ffff:192.0.2.1", &[], &trusted), "192.0.2.1");
    }
}
