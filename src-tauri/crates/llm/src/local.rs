//! Whether a provider runs on this machine or the local network, decided from its base URL
//! alone (no provider kind says "local" today): such a server reads a long prompt on the
//! user's own CPU or GPU, so it gets a generous wait for its first token
//! ([`crate::StreamOptions::local_first_token_timeout`]).
//!
//! The rule: the host is `localhost` or a name under `.localhost`, `.local` (mDNS), `.lan`,
//! `.internal` (`host.docker.internal`) or `.home.arpa`; or an IP address that is loopback
//! (127.0.0.0/8, `::1`), private (10/8, 172.16/12, 192.168/16, IPv6 `fc00::/7`), link-local
//! (169.254/16, `fe80::/10`), or unspecified (`0.0.0.0`, `::`). Anything else — a public
//! name or address — is remote.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Whether `base_url` names a server on this machine or the local network (see the module).
/// A URL that does not parse is not local.
pub fn is_local_url(base_url: &str) -> bool {
    let Ok(url) = url::Url::parse(base_url.trim()) else { return false };
    match url.host() {
        Some(url::Host::Domain(name)) => is_local_name(name),
        Some(url::Host::Ipv4(ip)) => is_local_ip(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => is_local_ip(IpAddr::V6(ip)),
        None => false,
    }
}

fn is_local_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost"
        || [".localhost", ".local", ".lan", ".internal", ".home.arpa"].iter().any(|suffix| name.ends_with(suffix))
}

fn is_local_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_local_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_local_v4(v4),
            None => is_local_v6(v6),
        },
    }
}

fn is_local_v4(ip: Ipv4Addr) -> bool {
    ip.is_loopback() || ip.is_private() || ip.is_link_local() || ip.is_unspecified()
}

fn is_local_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_loopback() || ip.is_unspecified() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_lan_and_local_names_are_local_and_the_rest_is_not() {
        for local in [
            "http://localhost:8080/v1",
            "http://LOCALHOST.:11434/v1",
            "http://ollama.localhost/v1",
            "http://127.0.0.1:1234/v1",
            "http://127.3.2.1",
            "http://[::1]:8080",
            "http://[::ffff:192.168.1.20]:8080",
            "http://10.0.0.5:8000/v1",
            "http://172.20.1.1/v1",
            "http://192.168.1.20:8080/v1",
            "http://169.254.10.10",
            "http://[fd12:3456::1]:8080",
            "http://[fe80::1]:8080",
            "http://0.0.0.0:8080",
            "http://gpu-box.local:8080/v1",
            "http://nas.lan/v1",
            "http://host.docker.internal:11434/v1",
            "http://studio.home.arpa:1234/v1",
        ] {
            assert!(is_local_url(local), "{local}");
        }
        for remote in [
            "https://api.anthropic.com",
            "https://api.openai.com/v1",
            "https://openrouter.ai/api/v1",
            "http://8.8.8.8/v1",
            "http://172.32.0.1/v1",
            "http://[2001:db8::1]/v1",
            "http://localhost.example.com/v1",
            "not a url",
            "",
        ] {
            assert!(!is_local_url(remote), "{remote}");
        }
    }
}
