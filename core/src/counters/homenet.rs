//! The `homenet` module deals with the home networks (`--home-net CIDR`):
//! which addresses are "inside", for the Internal/External Hosts groups, the
//! Aggregates direction keys and the home-network meters.

use std::net::IpAddr;

/// One network: address bytes (IPv4 in the first 4) and prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    /// 4 or 6.
    pub version: u8,
    /// The network address, IPv4 in the first 4 bytes.
    pub addr: [u8; 16],
    /// Prefix length in bits (0..=32 for IPv4, 0..=128 for IPv6).
    pub prefix: u8,
}

impl Cidr {
    /// Parses `10.0.0.0/8`, `fe80::/10` or a single address (a /32 or /128).
    pub fn parse(text: &str) -> Result<Cidr, String> {
        let (addr, prefix) = match text.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text.trim(), None),
        };
        let ip: IpAddr = addr
            .parse()
            .map_err(|_| format!("--home-net {text:?}: {addr:?} is not an IP address"))?;
        let (version, bytes, max) = match ip {
            IpAddr::V4(v4) => {
                let mut b = [0u8; 16];
                b[..4].copy_from_slice(&v4.octets());
                (4, b, 32)
            }
            IpAddr::V6(v6) => (6, v6.octets(), 128),
        };
        let prefix = match prefix {
            None => max,
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(|| {
                format!("--home-net {text:?}: the prefix length must be 0 to {max}")
            })?,
        };
        Ok(Cidr {
            version,
            addr: mask(bytes, prefix),
            prefix,
        })
    }

    /// Whether `addr` (of IP version `version`) is inside.
    pub fn contains(&self, version: u8, addr: &[u8; 16]) -> bool {
        version == self.version && mask(*addr, self.prefix) == self.addr
    }

    /// The network and its mask as 128-bit numbers, for a fast test.
    fn as_u128(&self) -> (u128, u128) {
        // IPv4 sits in the top 32 bits, so both versions mask from the top.
        let mask = match u32::from(self.prefix) {
            0 => 0,
            b => u128::MAX << (128 - b),
        };
        (u128::from_be_bytes(self.addr), mask)
    }
}

fn mask(mut bytes: [u8; 16], prefix: u8) -> [u8; 16] {
    let p = usize::from(prefix);
    for (i, b) in bytes.iter_mut().enumerate() {
        let keep = p.saturating_sub(i * 8).min(8);
        *b &= if keep == 0 { 0 } else { 0xFFu8 << (8 - keep) };
    }
    bytes
}

/// The home networks of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HomeNets {
    nets: Vec<Cidr>,
    /// (version, network, mask) per net, for [`HomeNets::contains`].
    fast: Vec<(u8, u128, u128)>,
}

impl HomeNets {
    /// The private and link-local ranges: 10.0.0.0/8, 172.16.0.0/12,
    /// 192.168.0.0/16, 169.254.0.0/16, fc00::/7, fe80::/10.
    pub const DEFAULT: [&'static str; 6] = [
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "169.254.0.0/16",
        "fc00::/7",
        "fe80::/10",
    ];

    /// These networks.
    pub fn new(nets: Vec<Cidr>) -> HomeNets {
        let fast = nets
            .iter()
            .map(|c| {
                let (net, mask) = c.as_u128();
                (c.version, net, mask)
            })
            .collect();
        HomeNets { nets, fast }
    }

    /// [`HomeNets::DEFAULT`].
    pub fn default_ranges() -> HomeNets {
        HomeNets::new(
            HomeNets::DEFAULT
                .iter()
                .filter_map(|c| Cidr::parse(c).ok())
                .collect(),
        )
    }

    /// Whether `addr` (IPv4 in the first 4 bytes) is in any home network.
    #[inline]
    pub fn contains(&self, version: u8, addr: &[u8; 16]) -> bool {
        let a = u128::from_be_bytes(*addr);
        self.fast
            .iter()
            .any(|&(v, net, mask)| v == version && a & mask == net)
    }

    /// The networks.
    pub fn nets(&self) -> &[Cidr] {
        &self.nets
    }
}

impl Default for HomeNets {
    fn default() -> Self {
        HomeNets::default_ranges()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(a: [u8; 4]) -> [u8; 16] {
        let mut b = [0; 16];
        b[..4].copy_from_slice(&a);
        b
    }

    #[test]
    fn membership() {
        let h = HomeNets::default_ranges();
        assert!(h.contains(4, &v4([10, 1, 2, 3])));
        assert!(h.contains(4, &v4([172, 31, 255, 1])));
        assert!(!h.contains(4, &v4([172, 32, 0, 1])));
        assert!(!h.contains(4, &v4([8, 8, 8, 8])));
        let ll: std::net::Ipv6Addr = "fe80::1".parse().unwrap();
        assert!(h.contains(6, &ll.octets()));
        let g: std::net::Ipv6Addr = "2001:db8::1".parse().unwrap();
        assert!(!h.contains(6, &g.octets()));
        // An IPv4 network never contains IPv6 bytes that happen to match.
        assert!(!h.contains(6, &v4([10, 0, 0, 1])));
        let one = Cidr::parse("203.0.113.7").unwrap();
        assert_eq!(one.prefix, 32);
        assert!(one.contains(4, &v4([203, 0, 113, 7])));
        assert!(!one.contains(4, &v4([203, 0, 113, 8])));
        let odd = Cidr::parse("192.168.1.77/26").unwrap();
        assert!(odd.contains(4, &v4([192, 168, 1, 65])));
        assert!(!odd.contains(4, &v4([192, 168, 1, 128])));
    }

    #[test]
    fn bad_cidrs_name_the_problem() {
        assert!(Cidr::parse("10.0.0.0/33").unwrap_err().contains("0 to 32"));
        assert!(Cidr::parse("ten/8")
            .unwrap_err()
            .contains("not an IP address"));
    }
}
