//! The `frame` module deals with building single Ethernet frames carrying
//! IPv4 or IPv6 and TCP or UDP, checksums included.

use std::net::{IpAddr, SocketAddr, SocketAddrV4, SocketAddrV6};

use super::checksum::{internet_checksum, to_v6, transport_checksum};

/// TCP flag FIN.
pub const FIN: u8 = 0x01;
/// TCP flag SYN.
pub const SYN: u8 = 0x02;
/// TCP flag RST.
pub const RST: u8 = 0x04;
/// TCP flag PSH.
pub const PSH: u8 = 0x08;
/// TCP flag ACK.
pub const ACK: u8 = 0x10;
/// TCP flag URG.
pub const URG: u8 = 0x20;

/// EtherType of IPv4.
pub const ETHERTYPE_IPV4: u16 = 0x0800;
/// EtherType of IPv6.
pub const ETHERTYPE_IPV6: u16 = 0x86dd;
/// EtherType (TPID) of an 802.1Q VLAN tag.
pub const ETHERTYPE_VLAN: u16 = 0x8100;

/// IP protocol number of TCP.
pub const PROTO_TCP: u8 = 6;
/// IP protocol number of UDP.
pub const PROTO_UDP: u8 = 17;

const ETH_HEADER_LEN: usize = 14;
const IPV4_HEADER_LEN: usize = 20;
const IPV6_HEADER_LEN: usize = 40;
const TCP_HEADER_LEN: usize = 20;
const UDP_HEADER_LEN: usize = 8;

/// The transport header of a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// A TCP segment (20-byte header, no options).
    Tcp {
        /// Flag bits ([`SYN`], [`ACK`], ...).
        flags: u8,
        /// Sequence number.
        seq: u32,
        /// Acknowledgment number (sent as is; meaningful with [`ACK`]).
        ack: u32,
        /// Receive window.
        window: u16,
    },
    /// A UDP datagram.
    Udp,
}

/// Everything about a frame except its payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameSpec {
    /// Source MAC address.
    pub src_mac: [u8; 6],
    /// Destination MAC address.
    pub dst_mac: [u8; 6],
    /// 802.1Q VLAN ids, outermost first (empty: untagged).
    pub vlans: Vec<u16>,
    /// Source address and port. IPv4 if both ends are IPv4, else IPv6
    /// (an IPv4 end then becomes IPv4-mapped IPv6).
    pub src: SocketAddr,
    /// Destination address and port.
    pub dst: SocketAddr,
    /// IPv4 TTL or IPv6 hop limit.
    pub ttl: u8,
    /// IPv4 identification field (unused for IPv6).
    pub ip_id: u16,
    /// TCP or UDP.
    pub transport: Transport,
}

impl FrameSpec {
    /// A TCP segment from `src` to `dst`, MACs derived from the addresses
    /// ([`mac_for`]), TTL 64, window 65535.
    pub fn tcp(src: SocketAddr, dst: SocketAddr, flags: u8, seq: u32, ack: u32) -> FrameSpec {
        FrameSpec::new(
            src,
            dst,
            Transport::Tcp {
                flags,
                seq,
                ack,
                window: 65_535,
            },
        )
    }

    /// A UDP datagram from `src` to `dst`, MACs derived from the addresses
    /// ([`mac_for`]), TTL 64.
    pub fn udp(src: SocketAddr, dst: SocketAddr) -> FrameSpec {
        FrameSpec::new(src, dst, Transport::Udp)
    }

    fn new(src: SocketAddr, dst: SocketAddr, transport: Transport) -> FrameSpec {
        FrameSpec {
            src_mac: mac_for(src.ip()),
            dst_mac: mac_for(dst.ip()),
            vlans: Vec::new(),
            src,
            dst,
            ttl: 64,
            ip_id: 0,
            transport,
        }
    }

    /// The same frame with 802.1Q tags, outermost first.
    pub fn with_vlans(mut self, vlans: &[u16]) -> FrameSpec {
        self.vlans = vlans.to_vec();
        self
    }

    /// The largest payload that fits in one IP packet with this header.
    pub fn max_payload(&self) -> usize {
        let l4 = match self.transport {
            Transport::Tcp { .. } => TCP_HEADER_LEN,
            Transport::Udp => UDP_HEADER_LEN,
        };
        // IPv4's total length counts its own header, IPv6's payload length
        // does not.
        match (self.src.ip(), self.dst.ip()) {
            (IpAddr::V4(_), IpAddr::V4(_)) => 65_535 - IPV4_HEADER_LEN - l4,
            _ => 65_535 - l4,
        }
    }

    /// The complete frame: Ethernet header, VLAN tags, IP header, TCP or UDP
    /// header, `payload`, with the IPv4 header checksum and the TCP/UDP
    /// checksum (pseudo-header included) filled in.
    ///
    /// A payload longer than [`FrameSpec::max_payload`] is cut to it, since
    /// the IP length fields could not describe it.
    pub fn build(&self, payload: &[u8]) -> Vec<u8> {
        let payload = &payload[..payload.len().min(self.max_payload())];
        let segment = self.segment(payload);
        let mut frame = Vec::with_capacity(
            ETH_HEADER_LEN + 4 * self.vlans.len() + IPV6_HEADER_LEN + segment.len(),
        );
        frame.extend_from_slice(&self.dst_mac);
        frame.extend_from_slice(&self.src_mac);
        for &vlan in &self.vlans {
            frame.extend_from_slice(&vlan_tag(vlan));
        }
        let protocol = self.protocol();
        match (self.src.ip(), self.dst.ip()) {
            (IpAddr::V4(src), IpAddr::V4(dst)) => {
                frame.extend_from_slice(&ETHERTYPE_IPV4.to_be_bytes());
                let mut ip = [0u8; IPV4_HEADER_LEN];
                ip[0] = 0x45; // version 4, 5 words of header
                let total = (IPV4_HEADER_LEN + segment.len()) as u16;
                ip[2..4].copy_from_slice(&total.to_be_bytes());
                ip[4..6].copy_from_slice(&self.ip_id.to_be_bytes());
                ip[6] = 0x40; // don't fragment, as TCP/IP stacks send
                ip[8] = self.ttl;
                ip[9] = protocol;
                ip[12..16].copy_from_slice(&src.octets());
                ip[16..20].copy_from_slice(&dst.octets());
                let sum = internet_checksum(&ip);
                ip[10..12].copy_from_slice(&sum.to_be_bytes());
                frame.extend_from_slice(&ip);
            }
            (src, dst) => {
                frame.extend_from_slice(&ETHERTYPE_IPV6.to_be_bytes());
                frame.extend_from_slice(&[0x60, 0, 0, 0]); // version 6, no class or flow
                frame.extend_from_slice(&(segment.len() as u16).to_be_bytes());
                frame.push(protocol);
                frame.push(self.ttl);
                frame.extend_from_slice(&to_v6(src).octets());
                frame.extend_from_slice(&to_v6(dst).octets());
            }
        }
        frame.extend_from_slice(&segment);
        frame
    }

    fn protocol(&self) -> u8 {
        match self.transport {
            Transport::Tcp { .. } => PROTO_TCP,
            Transport::Udp => PROTO_UDP,
        }
    }

    /// The TCP or UDP header and payload, checksum filled in.
    fn segment(&self, payload: &[u8]) -> Vec<u8> {
        let mut seg = Vec::with_capacity(TCP_HEADER_LEN + payload.len());
        seg.extend_from_slice(&self.src.port().to_be_bytes());
        seg.extend_from_slice(&self.dst.port().to_be_bytes());
        let sum_at = match self.transport {
            Transport::Tcp {
                flags,
                seq,
                ack,
                window,
            } => {
                seg.extend_from_slice(&seq.to_be_bytes());
                seg.extend_from_slice(&ack.to_be_bytes());
                seg.push((TCP_HEADER_LEN as u8 / 4) << 4);
                seg.push(flags);
                seg.extend_from_slice(&window.to_be_bytes());
                seg.extend_from_slice(&[0, 0, 0, 0]); // checksum, urgent pointer
                16
            }
            Transport::Udp => {
                let len = (UDP_HEADER_LEN + payload.len()) as u16;
                seg.extend_from_slice(&len.to_be_bytes());
                seg.extend_from_slice(&[0, 0]);
                6
            }
        };
        seg.extend_from_slice(payload);
        let mut sum = transport_checksum(self.src.ip(), self.dst.ip(), self.protocol(), &seg);
        // In UDP a zero checksum means "not computed"; a computed zero is
        // sent as its other one's-complement form.
        if sum == 0 && self.transport == Transport::Udp {
            sum = 0xffff;
        }
        seg[sum_at..sum_at + 2].copy_from_slice(&sum.to_be_bytes());
        seg
    }
}

/// A locally administered unicast MAC address derived from `ip`
/// (02:00 followed by the last four bytes of the address), so that every
/// synthetic host has its own stable MAC.
pub fn mac_for(ip: IpAddr) -> [u8; 6] {
    let tail = match ip {
        IpAddr::V4(v4) => v4.octets(),
        IpAddr::V6(v6) => {
            let o = v6.octets();
            [o[12], o[13], o[14], o[15]]
        }
    };
    [0x02, 0x00, tail[0], tail[1], tail[2], tail[3]]
}

/// An Ethernet+IPv4+TCP frame.
pub fn tcp_v4(
    src: SocketAddrV4,
    dst: SocketAddrV4,
    flags: u8,
    seq: u32,
    ack: u32,
    payload: &[u8],
) -> Vec<u8> {
    FrameSpec::tcp(src.into(), dst.into(), flags, seq, ack).build(payload)
}

/// An Ethernet+IPv4+UDP frame.
pub fn udp_v4(src: SocketAddrV4, dst: SocketAddrV4, payload: &[u8]) -> Vec<u8> {
    FrameSpec::udp(src.into(), dst.into()).build(payload)
}

/// An Ethernet+IPv6+TCP frame.
pub fn tcp_v6(
    src: SocketAddrV6,
    dst: SocketAddrV6,
    flags: u8,
    seq: u32,
    ack: u32,
    payload: &[u8],
) -> Vec<u8> {
    FrameSpec::tcp(src.into(), dst.into(), flags, seq, ack).build(payload)
}

/// An Ethernet+IPv6+UDP frame.
pub fn udp_v6(src: SocketAddrV6, dst: SocketAddrV6, payload: &[u8]) -> Vec<u8> {
    FrameSpec::udp(src.into(), dst.into()).build(payload)
}

/// A copy of the Ethernet frame `frame` with 802.1Q tags inserted after the
/// MAC addresses, outermost first (several tags make a QinQ frame; all use
/// TPID 0x8100, as many real QinQ captures do).
///
/// No checksum covers the Ethernet header, so nothing else changes. A frame
/// too short to hold two MAC addresses is returned unchanged.
pub fn with_vlans(frame: &[u8], vlans: &[u16]) -> Vec<u8> {
    if frame.len() < 12 {
        return frame.to_vec();
    }
    let mut out = Vec::with_capacity(frame.len() + 4 * vlans.len());
    out.extend_from_slice(&frame[..12]);
    for &vlan in vlans {
        out.extend_from_slice(&vlan_tag(vlan));
    }
    out.extend_from_slice(&frame[12..]);
    out
}

/// TPID and TCI of one tag: priority 0, VLAN id in the low 12 bits.
fn vlan_tag(vlan: u16) -> [u8; 4] {
    let [t0, t1] = ETHERTYPE_VLAN.to_be_bytes();
    let [v0, v1] = (vlan & 0x0fff).to_be_bytes();
    [t0, t1, v0, v1]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(s: &str) -> SocketAddrV4 {
        s.parse().unwrap()
    }

    fn v6(s: &str) -> SocketAddrV6 {
        s.parse().unwrap()
    }

    #[test]
    fn tcp_v4_layout_and_checksums() {
        let f = tcp_v4(v4("10.0.0.1:40000"), v4("10.0.0.2:80"), SYN, 7, 0, b"");
        assert_eq!(f.len(), 14 + 20 + 20);
        assert_eq!(&f[0..6], &[2, 0, 10, 0, 0, 2]);
        assert_eq!(&f[6..12], &[2, 0, 10, 0, 0, 1]);
        assert_eq!(&f[12..14], &[0x08, 0x00]);
        let ip = &f[14..34];
        assert_eq!(ip[0], 0x45);
        assert_eq!(u16::from_be_bytes([ip[2], ip[3]]), 40);
        assert_eq!(ip[9], PROTO_TCP);
        assert_eq!(internet_checksum(ip), 0, "IPv4 header checksum");
        let tcp = &f[34..];
        assert_eq!(u16::from_be_bytes([tcp[0], tcp[1]]), 40000);
        assert_eq!(u32::from_be_bytes([tcp[4], tcp[5], tcp[6], tcp[7]]), 7);
        assert_eq!(tcp[12], 0x50);
        assert_eq!(tcp[13], SYN);
        let (src, dst) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        assert_eq!(transport_checksum(src, dst, PROTO_TCP, tcp), 0);
    }

    /// Frames whose checksums tshark reported as good
    /// (`-o ip.check_checksum:TRUE -o udp.check_checksum:TRUE ...`), kept
    /// byte for byte so that any change to the builders shows up here.
    #[test]
    fn known_frames_checked_by_tshark() {
        let udp = udp_v4(v4("10.0.0.1:5353"), v4("10.0.0.2:53"), b"q");
        #[rustfmt::skip]
        let expected: &[u8] = &[
            0x02, 0x00, 0x0a, 0x00, 0x00, 0x02, 0x02, 0x00, 0x0a, 0x00, 0x00, 0x01, 0x08, 0x00,
            0x45, 0x00, 0x00, 0x1d, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x26, 0xce,
            0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
            0x14, 0xe9, 0x00, 0x35, 0x00, 0x09, 0x65, 0xbb, 0x71,
        ];
        assert_eq!(udp, expected);

        let tcp = with_vlans(
            &tcp_v4(v4("10.0.0.1:1"), v4("10.0.0.2:2"), RST | ACK, 5, 6, b"abc"),
            &[42],
        );
        #[rustfmt::skip]
        let expected: &[u8] = &[
            0x02, 0x00, 0x0a, 0x00, 0x00, 0x02, 0x02, 0x00, 0x0a, 0x00, 0x00, 0x01,
            0x81, 0x00, 0x00, 0x2a, 0x08, 0x00,
            0x45, 0x00, 0x00, 0x2b, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0x26, 0xcb,
            0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
            0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x06,
            0x50, 0x14, 0xff, 0xff, 0xd7, 0x5a, 0x00, 0x00, 0x61, 0x62, 0x63,
        ];
        assert_eq!(tcp, expected);
    }

    #[test]
    fn udp_v6_layout_and_checksum() {
        let f = udp_v6(v6("[2001:db8::1]:5353"), v6("[2001:db8::2]:53"), b"hello");
        assert_eq!(f.len(), 14 + 40 + 8 + 5);
        assert_eq!(&f[12..14], &[0x86, 0xdd]);
        assert_eq!(f[14] >> 4, 6);
        assert_eq!(u16::from_be_bytes([f[18], f[19]]), 13);
        assert_eq!(f[20], PROTO_UDP);
        let udp = &f[54..];
        assert_eq!(u16::from_be_bytes([udp[4], udp[5]]), 13);
        assert_ne!(u16::from_be_bytes([udp[6], udp[7]]), 0);
        let (src, dst) = (
            "2001:db8::1".parse().unwrap(),
            "2001:db8::2".parse().unwrap(),
        );
        assert_eq!(transport_checksum(src, dst, PROTO_UDP, udp), 0);
        assert_eq!(&udp[8..], b"hello");
    }

    #[test]
    fn tcp_v6_and_udp_v4_checksums() {
        let f = tcp_v6(v6("[::1]:1"), v6("[::2]:2"), ACK | PSH, 1, 2, b"odd");
        let (s6, d6) = ("::1".parse().unwrap(), "::2".parse().unwrap());
        assert_eq!(transport_checksum(s6, d6, PROTO_TCP, &f[54..]), 0);
        let f = udp_v4(v4("192.0.2.1:1000"), v4("192.0.2.2:2000"), b"x");
        assert_eq!(internet_checksum(&f[14..34]), 0);
        let (s4, d4) = ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
        assert_eq!(transport_checksum(s4, d4, PROTO_UDP, &f[34..]), 0);
    }

    #[test]
    fn vlans_inserted_after_macs() {
        let plain = udp_v4(v4("10.0.0.1:1"), v4("10.0.0.2:2"), b"");
        let tagged = with_vlans(&plain, &[10, 20]);
        assert_eq!(tagged.len(), plain.len() + 8);
        assert_eq!(&tagged[..12], &plain[..12]);
        assert_eq!(&tagged[12..20], &[0x81, 0x00, 0, 10, 0x81, 0x00, 0, 20]);
        assert_eq!(&tagged[20..], &plain[12..]);
        let spec =
            FrameSpec::udp(v4("10.0.0.1:1").into(), v4("10.0.0.2:2").into()).with_vlans(&[10, 20]);
        assert_eq!(spec.build(b""), tagged);
        assert_eq!(with_vlans(&[1, 2, 3], &[5]), vec![1, 2, 3]);
    }

    #[test]
    fn mixed_families_become_ipv6() {
        let spec = FrameSpec::udp(v4("10.0.0.1:1").into(), v6("[::2]:2").into());
        let f = spec.build(b"");
        assert_eq!(&f[12..14], &[0x86, 0xdd]);
        assert_eq!(
            &f[22..38],
            &"::ffff:10.0.0.1"
                .parse::<std::net::Ipv6Addr>()
                .unwrap()
                .octets()
        );
    }

    #[test]
    fn oversized_payload_is_cut() {
        let spec = FrameSpec::udp(v4("10.0.0.1:1").into(), v4("10.0.0.2:2").into());
        let f = spec.build(&vec![0; 70_000]);
        assert_eq!(f.len(), 14 + 65_535);
        assert_eq!(internet_checksum(&f[14..34]), 0);
    }
}
