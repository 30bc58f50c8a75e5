//! Inventory rules: which assets count as public network assets for the IPv6 KPI.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Whether an asset whose import or form did not say is taken as reachable from the
/// Internet: exactly when its address is one public IP address (globally routable unicast).
/// A host name, a private, shared (CGNAT), loopback, link-local, documentation, benchmarking,
/// multicast or reserved address, or no address at all, is not. An address may be written
/// with brackets (`[2001:db8::1]`).
pub fn default_internet_facing(address: &str) -> bool {
    let a = address.trim();
    let a = a
        .strip_prefix('[')
        .and_then(|x| x.strip_suffix(']'))
        .unwrap_or(a);
    match a.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => public_v4(v4),
        Ok(IpAddr::V6(v6)) => public_v6(v6),
        Err(_) => false,
    }
}

fn public_v4(a: Ipv4Addr) -> bool {
    let [o0, o1, o2, _] = a.octets();
    let special = o0 == 0
        || o0 == 10
        || (o0 == 100 && (64..128).contains(&o1))
        || o0 == 127
        || (o0 == 169 && o1 == 254)
        || (o0 == 172 && (16..32).contains(&o1))
        || (o0 == 192 && o1 == 0 && (o2 == 0 || o2 == 2))
        || (o0 == 192 && o1 == 168)
        || (o0 == 198 && (o1 == 18 || o1 == 19))
        || (o0 == 198 && o1 == 51 && o2 == 100)
        || (o0 == 203 && o1 == 0 && o2 == 113)
        || o0 >= 224;
    !special
}

fn public_v6(a: Ipv6Addr) -> bool {
    if let Some(v4) = a.to_ipv4_mapped() {
        return public_v4(v4);
    }
    let s = a.segments();
    // Global unicast is 2000::/3; inside it, documentation (2001:db8::/32, 3fff::/20) and
    // benchmarking (2001:2::/48) are not reachable.
    (s[0] & 0xe000) == 0x2000
        && !(s[0] == 0x2001 && s[1] == 0x0db8)
        && !(s[0] == 0x2001 && s[1] == 0x0002 && s[2] == 0)
        && (s[0] & 0xfff0) != 0x3ff0
}

#[cfg(test)]
mod tests {
    use super::default_internet_facing;

    #[test]
    fn only_a_public_ip_address_is_internet_facing_by_default() {
        for (address, public) in [
            ("201.144.10.5", true),
            (" 8.8.8.8 ", true),
            ("10.1.2.3", false),
            ("172.16.0.1", false),
            ("172.32.0.1", true),
            ("192.168.1.1", false),
            ("100.64.0.1", false),
            ("100.128.0.1", true),
            ("127.0.0.1", false),
            ("169.254.1.1", false),
            ("192.0.2.10", false),
            ("198.18.0.1", false),
            ("198.51.100.7", false),
            ("203.0.113.9", false),
            ("224.0.0.1", false),
            ("255.255.255.255", false),
            ("0.0.0.0", false),
            ("2806:2f0::1", true),
            ("[2806:2f0::1]", true),
            ("2001:db8::1", false),
            ("3fff::1", false),
            ("2001:2::1", false),
            ("fd00::1", false),
            ("fe80::1", false),
            ("::1", false),
            ("::", false),
            ("ff02::1", false),
            ("::ffff:8.8.8.8", true),
            ("::ffff:10.0.0.1", false),
            ("portal.sat.gob.mx", false),
            ("10.0.0.0/8", false),
            ("", false),
        ] {
            assert_eq!(default_internet_facing(address), public, "{address:?}");
        }
    }
}
