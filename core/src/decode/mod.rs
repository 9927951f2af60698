//! The `decode` module deals with turning a captured frame into a compact,
//! copyable summary ([`Decoded`]) that the flow table can use.
//!
//! Layout follows smoltcp's `wire`: one file per protocol, each a zero-copy
//! view `Packet<T: AsRef<[u8]>>` over the frame bytes with a private `mod field`
//! of byte ranges, `new_checked` (which validates the length once) and accessors
//! that never panic after a successful check. Payloads borrow the capture buffer.
//!
//! **Contract.** [`decode`] never panics, whatever the bytes. A frame that is
//! not IP (ARP, LLDP, ...) gives `Ok(None)`; a frame that claims to be IP but is
//! cut short or inconsistent gives a [`DecodeError`] naming the layer and the
//! problem, which the engine counts by [`DecodeError::reason`] and skips. Only
//! the summary reaches `flow`; nothing downstream touches raw bytes.
//!
//! IP fragments are recognised here, not reassembled: the first fragment is
//! decoded as usual (it carries the transport header), every later fragment
//! is summarised with ports 0 and [`Fragment::Later`], and
//! [`Decoded::frag`] says which datagram each belongs to and where its data
//! is, for the reader's reassembler (`engine::reassembly`).

use crate::source::LinkType;

pub mod ethernet;
pub mod geneve;
pub mod gre;
pub mod icmp;
pub mod ipv4;
pub mod ipv6;
pub mod mpls;
pub mod null;
pub mod ppp;
pub mod pppoe;
pub mod sll;
pub mod sll2;
pub mod tcp;
pub mod tunnel;
pub mod udp;
pub mod vxlan;

pub use tunnel::{decode_carried, Encap, OuterIp, TunnelKind};

/// Byte-range types shared by the per-protocol `field` modules (smoltcp's
/// `wire::field`).
mod field {
    /// A fixed byte range of a header.
    pub type Field = ::core::ops::Range<usize>;
    /// Everything from a byte offset to the end of the buffer.
    pub type Rest = ::core::ops::RangeFrom<usize>;
}

/// Reads a big-endian `u16` from the first two bytes of `bytes`.
///
/// Callers pass `&data[field::X]` with a two-byte `field::X`, so the indexing
/// below is always in bounds.
#[inline(always)]
fn read_u16(bytes: &[u8]) -> u16 {
    u16::from_be_bytes([bytes[0], bytes[1]])
}

/// Reads a big-endian `u32` from the first four bytes of `bytes`.
///
/// Callers pass `&data[field::X]` with a four-byte `field::X`.
#[inline(always)]
fn read_u32(bytes: &[u8]) -> u32 {
    u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}

/// IP protocol numbers (IPv4 `protocol`, IPv6 `next header`) weir knows by name.
pub mod ip_proto {
    /// IPv6 hop-by-hop options extension header.
    pub const HOP_BY_HOP: u8 = 0;
    /// Internet Control Message Protocol (IPv4).
    pub const ICMP: u8 = 1;
    /// IPv4 in IP (RFC 2003).
    pub const IPV4_IN_IP: u8 = 4;
    /// Transmission Control Protocol.
    pub const TCP: u8 = 6;
    /// User Datagram Protocol.
    pub const UDP: u8 = 17;
    /// IPv6 in IP (RFC 4213).
    pub const IPV6_IN_IP: u8 = 41;
    /// IPv6 routing extension header.
    pub const ROUTING: u8 = 43;
    /// IPv6 fragment extension header.
    pub const FRAGMENT: u8 = 44;
    /// Generic Routing Encapsulation.
    pub const GRE: u8 = 47;
    /// Encapsulating Security Payload (a transport as far as weir is concerned).
    pub const ESP: u8 = 50;
    /// Authentication Header.
    pub const AH: u8 = 51;
    /// ICMP for IPv6.
    pub const ICMPV6: u8 = 58;
    /// IPv6 "no next header".
    pub const NO_NEXT_HEADER: u8 = 59;
    /// IPv6 destination options extension header.
    pub const DEST_OPTS: u8 = 60;
    /// IPv6 mobility extension header.
    pub const MOBILITY: u8 = 135;
}

/// IP version of a decoded packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IpVersion {
    /// IPv4: addresses use the first 4 bytes of the 16-byte arrays, the rest are zero.
    V4,
    /// IPv6: all 16 bytes.
    V6,
}

/// Whether a packet is part of a fragmented IP datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fragment {
    /// A whole datagram.
    None,
    /// The first fragment (offset 0, more fragments follow): the transport header is decoded.
    First,
    /// A fragment at a non-zero offset: no transport header, ports are 0.
    Later,
}

/// Which datagram a fragment belongs to and where its data sits, for
/// reassembly. Meaningful only when [`Decoded::fragment`] is not
/// [`Fragment::None`] (all zero otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FragmentPart {
    /// IPv4 identification, or the IPv6 fragment header's identification.
    pub id: u32,
    /// Offset of this fragment's data in the datagram's payload, bytes.
    pub offset: u16,
    /// More fragments follow (the MF / M flag).
    pub more: bool,
    /// Offset of the fragment's data in the frame (after the IPv4 header,
    /// or after the IPv6 fragment header).
    pub data_offset: u32,
    /// Bytes of data captured (bounded by the IP length and the capture).
    pub data_len: u32,
    /// Bytes of data according to the IP length field (more than
    /// `data_len` when a snap length cut the frame).
    pub data_wire_len: u32,
}

/// TCP flag bits as on the wire (`FIN` = 0x01 ... `CWR` = 0x80).
pub mod tcp_flags {
    /// No more data from sender.
    pub const FIN: u8 = 0x01;
    /// Synchronise sequence numbers.
    pub const SYN: u8 = 0x02;
    /// Reset the connection.
    pub const RST: u8 = 0x04;
    /// Push function.
    pub const PSH: u8 = 0x08;
    /// Acknowledgment field significant.
    pub const ACK: u8 = 0x10;
}

/// The summary of one frame that the flow table needs (smoltcp's "Repr" idea).
///
/// Invariants: `src_port`/`dst_port` are 0 for protocols without ports (ICMP,
/// ICMPv6, GRE, ESP, ...) and for [`Fragment::Later`]; `tcp_flags` is 0 unless
/// `proto == 6`; `vlan[..vlan_count]` holds the 802.1Q/802.1ad VLAN ids,
/// outermost first (at most 2 are kept; deeper tags are counted in `vlan_count`
/// up to 2 only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoded {
    /// IP version of the outermost IP header.
    pub ip_version: IpVersion,
    /// Source address (IPv4 in the first 4 bytes).
    pub src_ip: [u8; 16],
    /// Destination address (IPv4 in the first 4 bytes).
    pub dst_ip: [u8; 16],
    /// IP protocol number of the transport (after IPv6 extension headers).
    pub proto: u8,
    /// Transport source port, 0 when none.
    pub src_port: u16,
    /// Transport destination port, 0 when none.
    pub dst_port: u16,
    /// VLAN ids, outermost first; only `vlan[..vlan_count]` is meaningful.
    pub vlan: [u16; 2],
    /// Number of VLAN tags kept in `vlan` (0..=2).
    pub vlan_count: u8,
    /// TCP flags byte (0 for non-TCP).
    pub tcp_flags: u8,
    /// TCP sequence number (0 for non-TCP).
    pub tcp_seq: u32,
    /// TCP acknowledgement number (0 for non-TCP; meaningful with ACK).
    pub tcp_ack: u32,
    /// Transport payload length in bytes (TCP: after the TCP header; UDP: after
    /// the 8-byte header; others: the IP payload), bounded by the IP length so
    /// Ethernet padding is not counted.
    pub payload_len: u32,
    /// Offset of the transport payload within the frame (for later parsers).
    pub payload_offset: u32,
    /// Fragment status.
    pub fragment: Fragment,
    /// The fragment's datagram and data (zero for whole datagrams).
    pub frag: FragmentPart,
    /// ICMP/ICMPv6 type (0 otherwise).
    pub icmp_type: u8,
    /// ICMP/ICMPv6 code (0 otherwise).
    pub icmp_code: u8,
    /// The tunnel this IP header came through: an IP tunnel (set by
    /// [`decode_carried`]) or a link-layer shim (MPLS, PPPoE) read on the
    /// way to it. [`Encap::NONE`] for plain traffic.
    pub encap: Encap,
    /// The enclosing IP header's addresses, for a packet that came out of
    /// an IP tunnel ([`decode_carried`]); `None` otherwise.
    pub outer: Option<OuterIp>,
}

/// Why a frame could not be decoded. Each variant names the layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DecodeError {
    /// The link type is not one weir decodes.
    UnsupportedLinkType,
    /// Shorter than an Ethernet header.
    EthernetTruncated,
    /// An 802.1Q/802.1ad tag cut short.
    VlanTruncated,
    /// Shorter than a Linux cooked (SLL) header.
    SllTruncated,
    /// Shorter than a Linux cooked v2 (SLL2) header.
    Sll2Truncated,
    /// Shorter than a BSD loopback (NULL/LOOP) header.
    NullTruncated,
    /// A PPP frame without its protocol field.
    PppTruncated,
    /// Raw IP frame whose version nibble is neither 4 nor 6.
    BadIpVersion,
    /// IPv4 header cut short.
    Ipv4Truncated,
    /// IPv4 header length field below 5 words or total length below header length.
    Ipv4BadHeader,
    /// IPv6 fixed header cut short.
    Ipv6Truncated,
    /// An IPv6 extension header cut short.
    Ipv6ExtTruncated,
    /// TCP header cut short.
    TcpTruncated,
    /// TCP data offset below 5 words or past the end of the segment.
    TcpBadOffset,
    /// UDP header cut short.
    UdpTruncated,
    /// ICMP/ICMPv6 header cut short.
    IcmpTruncated,
    /// GRE header cut short (its optional fields included).
    GreTruncated,
    /// VXLAN header cut short.
    VxlanTruncated,
    /// Geneve header cut short (its options included).
    GeneveTruncated,
    /// MPLS label stack cut short, or without a bottom entry within 16.
    MplsTruncated,
    /// PPPoE session header cut short.
    PppoeTruncated,
    /// PPPoE session header not of version 1, type 1.
    PppoeBadHeader,
}

impl DecodeError {
    /// Stable short name used as the key in the run summary, e.g. `"ipv4.truncated"`.
    pub fn reason(&self) -> &'static str {
        match self {
            DecodeError::UnsupportedLinkType => "link.unsupported",
            DecodeError::EthernetTruncated => "ethernet.truncated",
            DecodeError::VlanTruncated => "vlan.truncated",
            DecodeError::SllTruncated => "sll.truncated",
            DecodeError::Sll2Truncated => "sll2.truncated",
            DecodeError::NullTruncated => "null.truncated",
            DecodeError::PppTruncated => "ppp.truncated",
            DecodeError::BadIpVersion => "ip.bad_version",
            DecodeError::Ipv4Truncated => "ipv4.truncated",
            DecodeError::Ipv4BadHeader => "ipv4.bad_header",
            DecodeError::Ipv6Truncated => "ipv6.truncated",
            DecodeError::Ipv6ExtTruncated => "ipv6.ext_truncated",
            DecodeError::TcpTruncated => "tcp.truncated",
            DecodeError::TcpBadOffset => "tcp.bad_offset",
            DecodeError::UdpTruncated => "udp.truncated",
            DecodeError::IcmpTruncated => "icmp.truncated",
            DecodeError::GreTruncated => "gre.truncated",
            DecodeError::VxlanTruncated => "vxlan.truncated",
            DecodeError::GeneveTruncated => "geneve.truncated",
            DecodeError::MplsTruncated => "mpls.truncated",
            DecodeError::PppoeTruncated => "pppoe.truncated",
            DecodeError::PppoeBadHeader => "pppoe.bad_header",
        }
    }
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.reason())
    }
}

/// Decodes one frame of the given link type.
///
/// Returns `Ok(None)` for frames that carry no IP (ARP, LLDP, STP, ...).
///
/// Lengths follow what was captured: the IP payload is bounded by the IP
/// length field (so Ethernet padding is excluded) *and* by the captured bytes,
/// so `frame[payload_offset..][..payload_len]` is always in bounds, also for a
/// frame cut short by a snap length (which still decodes as long as the
/// transport header is there). An IPv4/IPv6 header whose version nibble does
/// not match the link's protocol field gives [`DecodeError::BadIpVersion`].
pub fn decode(link: LinkType, frame: &[u8]) -> Result<Option<Decoded>, DecodeError> {
    decode_frame(link, frame).1
}

/// What the link layer of a frame says, for link-layer counters (MAC
/// addresses, EtherType). Filled for every frame that decodes, IP or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LinkFacts {
    /// The protocol after the link header and any VLAN tags: an EtherType
    /// (`0x0800` IPv4, `0x0806` ARP, ...); 0 for an 802.3 frame whose type
    /// field is a length (LLC). Raw IP links give `0x0800`/`0x86DD`.
    pub ethertype: u16,
    /// Source MAC address (Ethernet only).
    pub src_mac: Option<[u8; 6]>,
    /// Destination MAC address (Ethernet only).
    pub dst_mac: Option<[u8; 6]>,
}

/// Decodes one frame like [`decode`], and also returns its [`LinkFacts`]
/// (default when the link layer itself is malformed).
pub fn decode_frame(
    link: LinkType,
    frame: &[u8],
) -> (LinkFacts, Result<Option<Decoded>, DecodeError>) {
    let mut facts = LinkFacts::default();
    let result = decode_into(link, frame, &mut facts);
    (facts, result)
}

#[inline(always)]
fn decode_into(
    link: LinkType,
    frame: &[u8],
    facts: &mut LinkFacts,
) -> Result<Option<Decoded>, DecodeError> {
    decode_from(Start::Link(link), frame, facts)
}

/// Where a walk of [`decode_from`] starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Start {
    /// A frame of this link type.
    Link(LinkType),
    /// Bytes that hold what this EtherType announces (a tunnel payload).
    EtherType(u16),
}

/// The bytes after a link header, their offset in the frame and what they
/// hold, as an EtherType (raw IP links included).
#[inline(always)]
fn link_header<'a>(
    link: LinkType,
    frame: &'a [u8],
    facts: &mut LinkFacts,
) -> Result<(&'a [u8], usize, u16), DecodeError> {
    Ok(match link {
        LinkType::Ethernet => {
            let eth = ethernet::Packet::new_checked(frame)?;
            facts.src_mac = Some(eth.src_addr());
            facts.dst_mac = Some(eth.dst_addr());
            (eth.payload(), ethernet::HEADER_LEN, eth.ethertype())
        }
        LinkType::LinuxSll => {
            let sll = sll::Packet::new_checked(frame)?;
            (sll.payload(), sll::HEADER_LEN, sll.protocol())
        }
        LinkType::RawIp => match frame.first().map(|b| b >> 4) {
            Some(4) => (frame, 0, ethernet::ethertype::IPV4),
            Some(6) => (frame, 0, ethernet::ethertype::IPV6),
            _ => return Err(DecodeError::BadIpVersion),
        },
        LinkType::RawIpv4 => (frame, 0, ethernet::ethertype::IPV4),
        LinkType::RawIpv6 => (frame, 0, ethernet::ethertype::IPV6),
        LinkType::Null | LinkType::Loop => {
            let lo = if link == LinkType::Null {
                null::Packet::new_null(frame)?
            } else {
                null::Packet::new_loop(frame)?
            };
            let ethertype = match lo.family() {
                null::Family::Ipv4 => ethernet::ethertype::IPV4,
                null::Family::Ipv6 => ethernet::ethertype::IPV6,
                // Not IP (an unknown family): counted as non-IP.
                null::Family::Other(_) => 0,
            };
            (lo.payload(), null::HEADER_LEN, ethertype)
        }
        LinkType::LinuxSll2 => {
            let sll = sll2::Packet::new_checked(frame)?;
            (sll.payload(), sll2::HEADER_LEN, sll.protocol())
        }
        LinkType::Ppp => {
            let p = ppp::Packet::new_checked(frame)?;
            (p.payload(), p.header_len(), ppp_ethertype(p.protocol()))
        }
        LinkType::Other(_) => return Err(DecodeError::UnsupportedLinkType),
    })
}

/// The EtherType of what a PPP protocol number announces (0: not IP, e.g.
/// LCP or IPCP).
#[inline(always)]
fn ppp_ethertype(protocol: u16) -> u16 {
    match protocol {
        ppp::protocol::IPV4 => ethernet::ethertype::IPV4,
        ppp::protocol::IPV6 => ethernet::ethertype::IPV6,
        _ => 0,
    }
}

/// Walks from `start` through VLAN tags and link-layer shims (MPLS, PPPoE)
/// to the IP header, and decodes it and its transport.
///
/// `facts.ethertype` is the first EtherType after the link header and its
/// VLAN tags (0x8847 for an MPLS frame): what the link layer carries.
#[inline(always)]
pub(crate) fn decode_from(
    start: Start,
    frame: &[u8],
    facts: &mut LinkFacts,
) -> Result<Option<Decoded>, DecodeError> {
    let (mut data, mut base, mut ethertype) = match start {
        Start::Link(link) => link_header(link, frame, facts)?,
        Start::EtherType(ethertype) => (frame, 0, ethertype),
    };
    // Any number of VLAN tags; the first two ids are kept.
    let mut vlans = Vlans::NONE;
    while ethernet::ethertype::is_vlan(ethertype) {
        let tag = ethernet::VlanTag::new_checked(data)?;
        // Constant indices keep `vlans` in registers.
        match vlans.count {
            0 => vlans.ids[0] = tag.vlan_id(),
            1 => vlans.ids[1] = tag.vlan_id(),
            _ => {}
        }
        vlans.count = (vlans.count + 1).min(2);
        ethertype = tag.ethertype();
        data = tag.payload();
        base += ethernet::VLAN_TAG_LEN;
    }
    facts.ethertype = if ethertype < ethernet::ethertype::MIN_ETHERTYPE {
        0
    } else {
        ethertype
    };
    let mut encap = Encap::NONE;
    // Link-layer shims; each step consumes at least four bytes, so the
    // walk ends.
    loop {
        // One call site per IP version, inlined: the summary is written
        // once, straight into the result.
        match ethertype {
            ethernet::ethertype::IPV4 => return decode_ipv4(data, base, vlans, encap).map(Some),
            ethernet::ethertype::IPV6 => return decode_ipv6(data, base, vlans, encap).map(Some),
            ethernet::ethertype::MPLS_UNICAST | ethernet::ethertype::MPLS_MULTICAST => {
                let stack = mpls::Packet::new_checked(data)?;
                encap = Encap {
                    kind: TunnelKind::Mpls,
                    id: stack.bottom_label(),
                };
                let (what, rest) = stack.payload();
                base += data.len() - rest.len();
                data = rest;
                ethertype = match what {
                    mpls::Payload::Ipv4 => ethernet::ethertype::IPV4,
                    mpls::Payload::Ipv6 => ethernet::ethertype::IPV6,
                    mpls::Payload::EthernetPw => {
                        let eth = ethernet::Packet::new_checked(data)?;
                        data = eth.payload();
                        base += ethernet::HEADER_LEN;
                        eth.ethertype()
                    }
                    mpls::Payload::Other => return Ok(None),
                };
                // VLAN tags of a pseudowire's Ethernet frame.
                while ethernet::ethertype::is_vlan(ethertype) {
                    let tag = ethernet::VlanTag::new_checked(data)?;
                    ethertype = tag.ethertype();
                    data = tag.payload();
                    base += ethernet::VLAN_TAG_LEN;
                }
            }
            ethernet::ethertype::PPPOE_SESSION => {
                let session = pppoe::Packet::new_checked(data)?;
                encap = Encap {
                    kind: TunnelKind::Pppoe,
                    id: u32::from(session.session_id()),
                };
                let p = ppp::Packet::new_checked(session.payload())?;
                data = p.payload();
                base += pppoe::HEADER_LEN + p.header_len();
                ethertype = ppp_ethertype(p.protocol());
            }
            // ARP, LLDP, 802.3 length fields (LLC), ...: not IP.
            _ => return Ok(None),
        }
    }
}

/// VLAN ids collected while walking the link layer.
#[derive(Clone, Copy)]
struct Vlans {
    ids: [u16; 2],
    count: u8,
}

impl Vlans {
    const NONE: Vlans = Vlans {
        ids: [0; 2],
        count: 0,
    };
}

/// Saturating `usize` to `u32` conversion for lengths and offsets.
#[inline(always)]
fn len_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A summary with the IP layer filled in and no transport yet.
#[inline(always)]
fn ip_summary(
    ip_version: IpVersion,
    src_ip: [u8; 16],
    dst_ip: [u8; 16],
    proto: u8,
    vlans: Vlans,
    fragment: Fragment,
    encap: Encap,
) -> Decoded {
    Decoded {
        ip_version,
        src_ip,
        dst_ip,
        proto,
        src_port: 0,
        dst_port: 0,
        vlan: vlans.ids,
        vlan_count: vlans.count,
        tcp_flags: 0,
        tcp_seq: 0,
        tcp_ack: 0,
        payload_len: 0,
        payload_offset: 0,
        fragment,
        frag: FragmentPart::default(),
        icmp_type: 0,
        icmp_code: 0,
        encap,
        outer: None,
    }
}

/// Widens an IPv4 address to the 16-byte layout of [`Decoded`].
#[inline(always)]
fn v4_in_16(a: [u8; 4]) -> [u8; 16] {
    [a[0], a[1], a[2], a[3], 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
}

/// Decodes an IPv4 packet starting at offset `base` of the frame.
#[inline(always)]
fn decode_ipv4(
    data: &[u8],
    base: usize,
    vlans: Vlans,
    encap: Encap,
) -> Result<Decoded, DecodeError> {
    let ip = ipv4::Packet::new_checked(data)?;
    let fragment = if ip.frag_offset() != 0 {
        Fragment::Later
    } else if ip.more_frags() {
        Fragment::First
    } else {
        Fragment::None
    };
    let mut d = ip_summary(
        IpVersion::V4,
        v4_in_16(ip.src_addr()),
        v4_in_16(ip.dst_addr()),
        ip.protocol(),
        vlans,
        fragment,
        encap,
    );
    let header_len = ip.header_len();
    let payload = ip.payload();
    // `new_checked` guarantees total_len >= header_len.
    let wire_len = usize::from(ip.total_len()).saturating_sub(header_len);
    let offset = base + header_len;
    if fragment != Fragment::None {
        d.frag = FragmentPart {
            id: u32::from(ip.ident()),
            offset: ip.frag_offset(),
            more: ip.more_frags(),
            data_offset: len_u32(offset),
            data_len: len_u32(payload.len()),
            data_wire_len: len_u32(wire_len),
        };
    }
    if fragment == Fragment::Later {
        d.payload_len = len_u32(payload.len());
        d.payload_offset = len_u32(offset);
        return Ok(d);
    }
    decode_transport(&mut d, payload, wire_len, offset)?;
    Ok(d)
}

/// Decodes an IPv6 packet (with its extension header chain) starting at
/// offset `base` of the frame.
#[inline(always)]
fn decode_ipv6(
    data: &[u8],
    base: usize,
    vlans: Vlans,
    encap: Encap,
) -> Result<Decoded, DecodeError> {
    let ip = ipv6::Packet::new_checked(data)?;
    let payload = ip.payload();
    let wire_len = ip.payload_wire_len();
    let mut next_header = ip.next_header();
    let mut fragment = Fragment::None;
    let mut frag = FragmentPart::default();
    // Offset of the current header within `payload`.
    let mut at = 0usize;
    loop {
        let rest = payload.get(at..).unwrap_or(&[]);
        match next_header {
            ip_proto::HOP_BY_HOP | ip_proto::ROUTING | ip_proto::DEST_OPTS | ip_proto::MOBILITY => {
                let ext = ipv6::ExtHeader::new_checked(rest)?;
                next_header = ext.next_header();
                at += ext.header_len();
            }
            ip_proto::AH => {
                let ah = ipv6::AuthHeader::new_checked(rest)?;
                next_header = ah.next_header();
                at += ah.header_len();
            }
            ip_proto::FRAGMENT => {
                let header = ipv6::FragmentHeader::new_checked(rest)?;
                next_header = header.next_header();
                at += ipv6::FRAGMENT_HEADER_LEN;
                frag = FragmentPart {
                    id: header.ident(),
                    offset: header.frag_offset(),
                    more: header.more_frags(),
                    data_offset: len_u32(base + ipv6::HEADER_LEN + at),
                    data_len: len_u32(payload.len().saturating_sub(at)),
                    data_wire_len: len_u32(wire_len.saturating_sub(at)),
                };
                if header.frag_offset() != 0 {
                    fragment = Fragment::Later;
                    break;
                }
                if header.more_frags() {
                    fragment = Fragment::First;
                }
                // Offset 0 without M is an atomic fragment (RFC 6946): a whole datagram.
            }
            // Transport, ESP, no-next-header or anything unknown: stop.
            _ => break,
        }
    }
    let mut d = ip_summary(
        IpVersion::V6,
        ip.src_addr(),
        ip.dst_addr(),
        next_header,
        vlans,
        fragment,
        encap,
    );
    if fragment != Fragment::None {
        d.frag = frag;
    }
    let segment = payload.get(at..).unwrap_or(&[]);
    let offset = base + ipv6::HEADER_LEN + at;
    if fragment == Fragment::Later {
        d.payload_len = len_u32(segment.len());
        d.payload_offset = len_u32(offset);
        return Ok(d);
    }
    decode_transport(&mut d, segment, wire_len.saturating_sub(at), offset)?;
    Ok(d)
}

/// Fills in the transport part of `d` from `segment`, the IP payload as
/// captured (bounded by the IP length), which starts at frame offset `offset`.
/// `wire_len` is the length of the IP payload according to the IP header.
#[inline(always)]
fn decode_transport(
    d: &mut Decoded,
    segment: &[u8],
    wire_len: usize,
    offset: usize,
) -> Result<(), DecodeError> {
    match d.proto {
        ip_proto::TCP => {
            let tcp = tcp::Packet::new_checked_captured(segment, wire_len)?;
            let header_len = tcp.header_len();
            d.src_port = tcp.src_port();
            d.dst_port = tcp.dst_port();
            d.tcp_flags = tcp.flags();
            d.tcp_seq = tcp.seq_number();
            d.tcp_ack = tcp.ack_number();
            d.payload_len = len_u32(segment.len().saturating_sub(header_len));
            d.payload_offset = len_u32(offset + header_len);
        }
        ip_proto::UDP => {
            let udp = udp::Packet::new_checked(segment)?;
            d.src_port = udp.src_port();
            d.dst_port = udp.dst_port();
            d.payload_len = len_u32(segment.len().saturating_sub(udp::HEADER_LEN));
            d.payload_offset = len_u32(offset + udp::HEADER_LEN);
        }
        ip_proto::ICMP | ip_proto::ICMPV6 => {
            let icmp = icmp::Packet::new_checked(segment)?;
            d.icmp_type = icmp.msg_type();
            d.icmp_code = icmp.msg_code();
            d.payload_len = len_u32(segment.len());
            d.payload_offset = len_u32(offset);
        }
        _ => {
            d.payload_len = len_u32(segment.len());
            d.payload_offset = len_u32(offset);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod tunnel_tests;
