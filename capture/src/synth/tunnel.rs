//! The `tunnel` module deals with wrapping frames in tunnels, so that tests
//! can turn any Ethernet capture into a tunnelled one: VXLAN and Geneve
//! (the whole frame inside UDP), GRE (the IP packet, with an optional key
//! and sequence number, or the whole frame for a non-IP one), IP in IP, an
//! MPLS label stack and a PPPoE session (both between the Ethernet header
//! and the IP packet).
//!
//! The outer IPv4 headers carry correct checksums (the UDP checksum too).
//! The outer direction follows the inner frame: a frame whose source MAC
//! sorts below its destination MAC goes from tunnel end `a` to `b`, the
//! others from `b` to `a`, so both directions of an inner conversation
//! travel both ways of the tunnel, as between two real tunnel end points.
//!
//! Only untagged Ethernet frames are wrapped where the wrapping needs the
//! IP packet (GRE with IP, IP in IP, MPLS, PPPoE); others are returned as
//! they are, as a real encapsulating router would pass them on untouched.

use std::net::{IpAddr, Ipv4Addr, SocketAddrV4};

use super::checksum::internet_checksum;
use super::frame::{mac_for, udp_v4, ETHERTYPE_IPV4, ETHERTYPE_IPV6};

/// UDP port of VXLAN (RFC 7348).
pub const VXLAN_PORT: u16 = 4789;
/// UDP port of Geneve (RFC 8926).
pub const GENEVE_PORT: u16 = 6081;
/// The source port of the outer UDP datagrams (VXLAN, Geneve).
pub const OUTER_UDP_SOURCE_PORT: u16 = 49_152;
/// EtherType of an MPLS unicast label stack.
pub const ETHERTYPE_MPLS: u16 = 0x8847;
/// EtherType of a PPPoE session frame.
pub const ETHERTYPE_PPPOE_SESSION: u16 = 0x8864;
/// GRE protocol type of transparent Ethernet bridging.
pub const GRE_ETHERNET: u16 = 0x6558;

/// The two end points of a tunnel (outer IPv4 addresses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TunnelEnds {
    /// One end.
    pub a: Ipv4Addr,
    /// The other end.
    pub b: Ipv4Addr,
}

impl TunnelEnds {
    /// (source, destination) of the outer header for `frame`.
    fn for_frame(&self, frame: &[u8]) -> (Ipv4Addr, Ipv4Addr) {
        if frame.get(6..12) < frame.get(0..6) {
            (self.a, self.b)
        } else {
            (self.b, self.a)
        }
    }
}

/// The EtherType of an untagged Ethernet frame carrying IP, and its IP
/// packet; `None` for anything else.
fn ip_packet(frame: &[u8]) -> Option<(u16, &[u8])> {
    let ethertype = u16::from_be_bytes([*frame.get(12)?, *frame.get(13)?]);
    matches!(ethertype, ETHERTYPE_IPV4 | ETHERTYPE_IPV6).then(|| (ethertype, &frame[14..]))
}

/// An Ethernet frame from `src` to `dst` (MACs from [`mac_for`]) carrying an
/// IPv4 packet of protocol `proto` around `payload`.
fn outer_ipv4(src: Ipv4Addr, dst: Ipv4Addr, proto: u8, payload: &[u8]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(34 + payload.len());
    frame.extend_from_slice(&mac_for(IpAddr::V4(dst)));
    frame.extend_from_slice(&mac_for(IpAddr::V4(src)));
    frame.extend_from_slice(&ETHERTYPE_IPV4.to_be_bytes());
    // Outer packets of a synthetic tunnel stay below 64 KiB.
    let total = (20 + payload.len()).min(usize::from(u16::MAX)) as u16;
    let mut ip = [0u8; 20];
    ip[0] = 0x45;
    ip[2..4].copy_from_slice(&total.to_be_bytes());
    ip[6] = 0x40; // don't fragment
    ip[8] = 64;
    ip[9] = proto;
    ip[12..16].copy_from_slice(&src.octets());
    ip[16..20].copy_from_slice(&dst.octets());
    let sum = internet_checksum(&ip);
    ip[10..12].copy_from_slice(&sum.to_be_bytes());
    frame.extend_from_slice(&ip);
    frame.extend_from_slice(payload);
    frame
}

/// `frame` inside VXLAN (I flag set, network `vni`, 24 bits) inside UDP to
/// port [`VXLAN_PORT`] between the tunnel `ends`.
pub fn vxlan(frame: &[u8], vni: u32, ends: TunnelEnds) -> Vec<u8> {
    let mut payload = vec![0x08, 0, 0, 0];
    payload.extend_from_slice(&((vni & 0x00FF_FFFF) << 8).to_be_bytes());
    payload.extend_from_slice(frame);
    let (src, dst) = ends.for_frame(frame);
    udp_v4(
        SocketAddrV4::new(src, OUTER_UDP_SOURCE_PORT),
        SocketAddrV4::new(dst, VXLAN_PORT),
        &payload,
    )
}

/// `frame` inside Geneve (network `vni`, protocol Ethernet, one 8-byte
/// option of class 0x0102 type 3) inside UDP to port [`GENEVE_PORT`].
pub fn geneve(frame: &[u8], vni: u32, ends: TunnelEnds) -> Vec<u8> {
    // Version 0, 2 words of options; no O or C bit.
    let mut payload = vec![0x02, 0x00];
    payload.extend_from_slice(&GRE_ETHERNET.to_be_bytes());
    payload.extend_from_slice(&((vni & 0x00FF_FFFF) << 8).to_be_bytes());
    // Option: class 0x0102, type 3, length 1 word, then that word.
    payload.extend_from_slice(&[0x01, 0x02, 0x03, 0x01, 0xde, 0xad, 0xbe, 0xef]);
    payload.extend_from_slice(frame);
    let (src, dst) = ends.for_frame(frame);
    udp_v4(
        SocketAddrV4::new(src, OUTER_UDP_SOURCE_PORT),
        SocketAddrV4::new(dst, GENEVE_PORT),
        &payload,
    )
}

/// `frame`'s IP packet inside GRE version 0 (RFC 2784/2890) with the given
/// key and sequence number when present, inside IPv4 (protocol 47). A
/// frame without IP is carried whole, as transparent Ethernet bridging.
pub fn gre(frame: &[u8], key: Option<u32>, sequence: Option<u32>, ends: TunnelEnds) -> Vec<u8> {
    let (protocol, inner) = ip_packet(frame).unwrap_or((GRE_ETHERNET, frame));
    let flags = u16::from(key.is_some()) << 13 | u16::from(sequence.is_some()) << 12;
    let mut payload = flags.to_be_bytes().to_vec();
    payload.extend_from_slice(&protocol.to_be_bytes());
    for field in [key, sequence].into_iter().flatten() {
        payload.extend_from_slice(&field.to_be_bytes());
    }
    payload.extend_from_slice(inner);
    let (src, dst) = ends.for_frame(frame);
    outer_ipv4(src, dst, 47, &payload)
}

/// `frame`'s IP packet directly inside IPv4 (protocol 4 for IPv4, 41 for
/// IPv6); a frame without IP is returned as it is.
pub fn ip_in_ip(frame: &[u8], ends: TunnelEnds) -> Vec<u8> {
    let Some((ethertype, inner)) = ip_packet(frame) else {
        return frame.to_vec();
    };
    let proto = if ethertype == ETHERTYPE_IPV4 { 4 } else { 41 };
    let (src, dst) = ends.for_frame(frame);
    outer_ipv4(src, dst, proto, inner)
}

/// `frame` with an MPLS label stack (`labels`, top first, TTL 64) between
/// its Ethernet header and its IP packet; a frame without IP is returned
/// as it is. An empty `labels` gives the frame unchanged.
pub fn mpls(frame: &[u8], labels: &[u32]) -> Vec<u8> {
    let Some((_, inner)) = ip_packet(frame).filter(|_| !labels.is_empty()) else {
        return frame.to_vec();
    };
    let mut out = frame[..12].to_vec();
    out.extend_from_slice(&ETHERTYPE_MPLS.to_be_bytes());
    for (i, label) in labels.iter().enumerate() {
        let bottom = u32::from(i + 1 == labels.len());
        out.extend_from_slice(&(((label & 0xF_FFFF) << 12) | bottom << 8 | 64).to_be_bytes());
    }
    out.extend_from_slice(inner);
    out
}

/// `frame`'s IP packet as PPP (protocol 0x0021 or 0x0057) in PPPoE session
/// `session`; a frame without IP is returned as it is.
pub fn pppoe(frame: &[u8], session: u16) -> Vec<u8> {
    let Some((ethertype, inner)) = ip_packet(frame) else {
        return frame.to_vec();
    };
    let protocol: u16 = if ethertype == ETHERTYPE_IPV4 {
        0x0021
    } else {
        0x0057
    };
    let mut out = frame[..12].to_vec();
    out.extend_from_slice(&ETHERTYPE_PPPOE_SESSION.to_be_bytes());
    out.extend_from_slice(&[0x11, 0x00]);
    out.extend_from_slice(&session.to_be_bytes());
    // PPP frames of a synthetic capture stay below 64 KiB.
    let len = (2 + inner.len()).min(usize::from(u16::MAX)) as u16;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&protocol.to_be_bytes());
    out.extend_from_slice(inner);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::tcp_v4;

    fn ends() -> TunnelEnds {
        TunnelEnds {
            a: Ipv4Addr::new(192, 0, 2, 1),
            b: Ipv4Addr::new(192, 0, 2, 2),
        }
    }

    fn inner() -> Vec<u8> {
        tcp_v4(
            "10.0.0.1:40000".parse().unwrap(),
            "10.0.0.2:80".parse().unwrap(),
            crate::synth::ACK,
            1,
            1,
            b"hi",
        )
    }

    #[test]
    fn overheads_and_headers() {
        let f = inner();
        assert_eq!(vxlan(&f, 7, ends()).len(), f.len() + 50);
        assert_eq!(geneve(&f, 7, ends()).len(), f.len() + 58);
        assert_eq!(gre(&f, Some(1), Some(2), ends()).len(), f.len() + 20 + 12);
        assert_eq!(gre(&f, None, None, ends()).len(), f.len() + 24);
        assert_eq!(ip_in_ip(&f, ends()).len(), f.len() + 20);
        assert_eq!(mpls(&f, &[16, 17]).len(), f.len() + 8);
        assert_eq!(pppoe(&f, 9).len(), f.len() + 8);
        // The outer IPv4 checksum verifies (sums to zero).
        let g = gre(&f, Some(1), None, ends());
        assert_eq!(internet_checksum(&g[14..34]), 0);
        // Non-IP frames pass unchanged where the IP packet is needed.
        let arp = [&f[..12], &[0x08, 0x06], &[0u8; 28][..]].concat();
        assert_eq!(mpls(&arp, &[16]), arp);
        assert_eq!(pppoe(&arp, 1), arp);
        assert_eq!(
            &gre(&arp, None, None, ends())[36..38],
            &GRE_ETHERNET.to_be_bytes()
        );
    }
}
