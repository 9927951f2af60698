//! The `checksum` module deals with the Internet checksum (RFC 1071) of IPv4
//! headers and of TCP and UDP segments.
//!
//! Synthetic frames must carry correct checksums: weir's decoder and the
//! tools used to cross-check it (tshark) flag bad ones.

use std::net::IpAddr;

/// One's-complement sum of `data` as big-endian 16-bit words, added to
/// `acc`; an odd trailing byte is padded with a zero, as RFC 1071 says.
///
/// Accumulated in 64 bits so that no realistic input overflows before
/// folding.
fn add(mut acc: u64, data: &[u8]) -> u64 {
    let mut words = data.chunks_exact(2);
    for w in &mut words {
        acc += u64::from(u16::from_be_bytes([w[0], w[1]]));
    }
    if let [last] = words.remainder() {
        acc += u64::from(*last) << 8;
    }
    acc
}

/// Folds the carries back into 16 bits and complements.
fn finish(mut acc: u64) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    !(acc as u16)
}

/// The Internet checksum of `data`. Computed over an IPv4 header whose
/// checksum field is zero, it is that field's value; computed over a header
/// with the right checksum in place, it is 0.
pub fn internet_checksum(data: &[u8]) -> u16 {
    finish(add(0, data))
}

/// The TCP or UDP checksum of `segment` (its checksum field zeroed) sent
/// from `src` to `dst` with IP protocol number `protocol`, pseudo-header
/// included.
///
/// Both addresses must be of the same family; an IPv4 address paired with
/// an IPv6 one is taken as IPv4-mapped IPv6, as the frame builders do.
/// A UDP checksum of 0 must go on the wire as 0xffff (0 means "none"); that
/// is the caller's business, TCP has no such rule.
pub fn transport_checksum(src: IpAddr, dst: IpAddr, protocol: u8, segment: &[u8]) -> u16 {
    let mut acc = 0;
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            acc = add(acc, &s.octets());
            acc = add(acc, &d.octets());
            acc = add(acc, &[0, protocol]);
            // Segments built here fit in 16 bits; the wrap only avoids a panic.
            acc = add(acc, &(segment.len() as u16).to_be_bytes());
        }
        (s, d) => {
            acc = add(acc, &to_v6(s).octets());
            acc = add(acc, &to_v6(d).octets());
            acc = add(acc, &(segment.len() as u32).to_be_bytes());
            acc = add(acc, &[0, 0, 0, protocol]);
        }
    }
    finish(add(acc, segment))
}

/// `ip` as an IPv6 address, IPv4 addresses as IPv4-mapped.
pub(crate) fn to_v6(ip: IpAddr) -> std::net::Ipv6Addr {
    match ip {
        IpAddr::V4(v4) => v4.to_ipv6_mapped(),
        IpAddr::V6(v6) => v6,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The IPv4 header worked through on Wikipedia's "Internet checksum"
    /// page (192.168.0.1 -> 192.168.0.199, UDP), checksum 0xb861.
    const HEADER: [u8; 20] = [
        0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8, 0x00,
        0x01, 0xc0, 0xa8, 0x00, 0xc7,
    ];

    #[test]
    fn ipv4_header_known_vector() {
        assert_eq!(internet_checksum(&HEADER), 0xb861);
        let mut filled = HEADER;
        filled[10..12].copy_from_slice(&0xb861u16.to_be_bytes());
        assert_eq!(internet_checksum(&filled), 0);
    }

    #[test]
    fn rfc1071_example_and_odd_length() {
        // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2.
        assert_eq!(
            internet_checksum(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]),
            !0xddf2
        );
        assert_eq!(internet_checksum(&[0x12]), !0x1200);
        assert_eq!(internet_checksum(&[]), 0xffff);
    }

    #[test]
    fn transport_checksum_verifies_to_zero() {
        // 10.0.0.2:53000 -> 10.0.0.1:53, 8-byte payload.
        let src: IpAddr = "10.0.0.2".parse().unwrap();
        let dst: IpAddr = "10.0.0.1".parse().unwrap();
        let mut udp = vec![0xcf, 0x08, 0x00, 0x35, 0x00, 0x10, 0x00, 0x00];
        udp.extend_from_slice(b"abcdefgh");
        let sum = transport_checksum(src, dst, 17, &udp);
        udp[6..8].copy_from_slice(&sum.to_be_bytes());
        // With the checksum in place, the whole pseudo-header sum verifies.
        assert_eq!(transport_checksum(src, dst, 17, &udp), 0);
    }
}
