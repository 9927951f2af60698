//! The `tunnel` module deals with what one IP packet carries inside it:
//! which tunnel ([`TunnelKind`], with its key or network id: [`Encap`]),
//! where the carried packet starts ([`Carried`]), and decoding that packet
//! ([`decode_carried`]).
//!
//! **Shape.** [`super::decode`] stops at the first IP header and its
//! transport, as for any packet. The engine then asks for the next layer
//! with [`decode_carried`], once per layer, so plain traffic pays one compare
//! and each layer becomes a flow of its own (the outer GRE or UDP flow, and
//! the inner flows), as in tshark's conversation tables.
//!
//! **Link-layer shims.** MPLS and PPPoE sit between the link header and the
//! IP header: there is no outer IP flow, so they are not layers here; the
//! link walk in [`super`] reads through them and records them in
//! [`Decoded::encap`] like an IP tunnel.
//!
//! Tunnels weir opens: GRE (version 0, carrying IPv4, IPv6, Ethernet or
//! MPLS; version 1 of PPTP, carrying PPP), IP in IP (protocols 4 and 41, in
//! IPv4 or IPv6), VXLAN (UDP port 4789) and Geneve (UDP port 6081), both by
//! destination port. Fragmented outer packets are not opened (their inner
//! packet is incomplete).

use super::{ethernet, geneve, gre, ip_proto, vxlan, DecodeError, Decoded, Fragment, IpVersion};
use crate::source::LinkType;

/// Most tunnel layers opened in one frame; deeper nesting is not opened
/// (its packets still count in the layers above).
pub const MAX_DEPTH: usize = 4;

/// The kinds of encapsulation weir recognises. The numbers are stable
/// (they appear in outputs and in the plugin API's flow records).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[repr(u8)]
pub enum TunnelKind {
    /// Not tunnelled.
    #[default]
    None = 0,
    /// GRE (RFC 2784/2890); the id is the key (0 without one).
    Gre = 1,
    /// VXLAN; the id is the VNI.
    Vxlan = 2,
    /// Geneve; the id is the VNI.
    Geneve = 3,
    /// MPLS; the id is the bottom-of-stack label.
    Mpls = 4,
    /// PPPoE; the id is the session id.
    Pppoe = 5,
    /// IPv4 or IPv6 directly in IPv4 or IPv6 (protocols 4, 41); id 0.
    IpInIp = 6,
    /// PPTP's enhanced GRE (version 1); the id is the call id.
    Pptp = 7,
}

impl TunnelKind {
    /// Whether this kind is an IP tunnel (an outer IP header carries the
    /// packet), not a link-layer shim (MPLS, PPPoE) or none.
    pub fn is_ip_tunnel(self) -> bool {
        !matches!(
            self,
            TunnelKind::None | TunnelKind::Mpls | TunnelKind::Pppoe
        )
    }

    /// The name used in outputs (`"gre"`, `"vxlan"`, ...; `""` for none).
    pub fn as_str(self) -> &'static str {
        match self {
            TunnelKind::None => "",
            TunnelKind::Gre => "gre",
            TunnelKind::Vxlan => "vxlan",
            TunnelKind::Geneve => "geneve",
            TunnelKind::Mpls => "mpls",
            TunnelKind::Pppoe => "pppoe",
            TunnelKind::IpInIp => "ipip",
            TunnelKind::Pptp => "pptp",
        }
    }
}

/// How a packet's IP header reached weir: through which tunnel, with which
/// key or network id. Part of the flow key, so two tenants' identical
/// 5-tuples in different VXLAN networks are different flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Encap {
    /// The tunnel.
    pub kind: TunnelKind,
    /// Its key, VNI, label or session id (see [`TunnelKind`]); 0 when none.
    pub id: u32,
}

impl Encap {
    /// Not tunnelled.
    pub const NONE: Encap = Encap {
        kind: TunnelKind::None,
        id: 0,
    };
}

/// What starts where a tunnel's payload starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InnerStart {
    /// An Ethernet frame (VXLAN, Geneve, GRE bridging).
    Ethernet,
    /// An IPv4 packet.
    Ipv4,
    /// An IPv6 packet.
    Ipv6,
    /// An MPLS label stack (GRE carrying MPLS).
    Mpls,
    /// A PPP frame (PPTP).
    Ppp,
}

/// A tunnel payload inside a decoded packet: what it is and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Carried {
    /// The tunnel and its id.
    pub encap: Encap,
    /// What the payload starts with.
    pub start: InnerStart,
    /// Offset of the payload within the frame.
    pub offset: u32,
}

/// The outer IP header of a tunnelled packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OuterIp {
    /// Its version.
    pub version: IpVersion,
    /// Its source.
    pub src: [u8; 16],
    /// Its destination.
    pub dst: [u8; 16],
}

/// The tunnel payload `d` (a layer of `frame`) carries, if weir opens it:
/// `None` for plain traffic, the error of a damaged tunnel header
/// otherwise.
///
/// Only whole datagrams are opened (a fragment's payload is incomplete). A
/// UDP datagram to a tunnel port that is not that tunnel (no VXLAN I flag,
/// a Geneve version other than 0, a Geneve control packet) is the plain
/// transport it is. Plain traffic pays one compare of the protocol (and
/// for UDP one of the port).
#[inline]
pub fn carried(frame: &[u8], d: &Decoded) -> Option<Result<Carried, DecodeError>> {
    let maybe = match d.proto {
        ip_proto::GRE | ip_proto::IPV4_IN_IP | ip_proto::IPV6_IN_IP => true,
        ip_proto::UDP => d.dst_port == vxlan::UDP_PORT || d.dst_port == geneve::UDP_PORT,
        _ => false,
    };
    if !maybe || d.fragment != Fragment::None {
        return None;
    }
    carried_slow(frame, d)
}

#[cold]
fn carried_slow(frame: &[u8], d: &Decoded) -> Option<Result<Carried, DecodeError>> {
    // `payload_offset..+payload_len` is in bounds by `decode`'s contract;
    // `get` keeps that a non-panicking assumption.
    let offset = d.payload_offset as usize;
    let segment = frame.get(offset..offset.checked_add(d.payload_len as usize)?)?;
    let at = |start, encap, skip: usize| Carried {
        encap,
        start,
        offset: super::len_u32(offset + skip),
    };
    match d.proto {
        ip_proto::GRE => {
            gre_carried(segment).map(|r| r.map(|(start, encap, skip)| at(start, encap, skip)))
        }
        ip_proto::IPV4_IN_IP => Some(Ok(at(InnerStart::Ipv4, encap(TunnelKind::IpInIp, 0), 0))),
        ip_proto::IPV6_IN_IP => Some(Ok(at(InnerStart::Ipv6, encap(TunnelKind::IpInIp, 0), 0))),
        _ if d.dst_port == vxlan::UDP_PORT => match vxlan::Packet::new_checked(segment) {
            Err(e) => Some(Err(e)),
            Ok(v) if v.vni_valid() => Some(Ok(at(
                InnerStart::Ethernet,
                encap(TunnelKind::Vxlan, v.vni()),
                vxlan::HEADER_LEN,
            ))),
            Ok(_) => None,
        },
        _ => match geneve::Packet::new_checked(segment) {
            Err(e) => Some(Err(e)),
            Ok(g) if g.version() == 0 && !g.is_control() => {
                let start = start_of(g.protocol())?;
                Some(Ok(at(
                    start,
                    encap(TunnelKind::Geneve, g.vni()),
                    g.header_len(),
                )))
            }
            Ok(_) => None,
        },
    }
}

fn encap(kind: TunnelKind, id: u32) -> Encap {
    Encap { kind, id }
}

/// What an EtherType-valued protocol field announces, if weir opens it.
fn start_of(protocol: u16) -> Option<InnerStart> {
    match protocol {
        ethernet::ethertype::IPV4 => Some(InnerStart::Ipv4),
        ethernet::ethertype::IPV6 => Some(InnerStart::Ipv6),
        gre::protocol::ETHERNET => Some(InnerStart::Ethernet),
        ethernet::ethertype::MPLS_UNICAST | ethernet::ethertype::MPLS_MULTICAST => {
            Some(InnerStart::Mpls)
        }
        _ => None,
    }
}

/// The payload of a GRE packet: what it is, the tunnel, and the header
/// length to skip; `None` for a GRE packet weir does not open (routing
/// present, an unknown version or payload protocol).
fn gre_carried(segment: &[u8]) -> Option<Result<(InnerStart, Encap, usize), DecodeError>> {
    let g = match gre::Packet::new_checked(segment) {
        Ok(g) => g,
        Err(e) => return Some(Err(e)),
    };
    if !g.is_open() {
        return None;
    }
    match g.version() {
        0 => Some(Ok((
            start_of(g.protocol())?,
            encap(TunnelKind::Gre, g.key().unwrap_or(0)),
            g.header_len(),
        ))),
        _ if g.protocol() == gre::protocol::PPP => Some(Ok((
            InnerStart::Ppp,
            encap(TunnelKind::Pptp, u32::from(g.call_id().unwrap_or(0))),
            g.header_len(),
        ))),
        _ => None,
    }
}

/// Decodes the packet that `outer` (a layer of `frame`) carries (see
/// [`carried`]).
///
/// Returns `None` when `outer` carries nothing weir opens, `Some(Ok(None))`
/// when it carries a frame without IP (ARP inside VXLAN, say), and the
/// error of a damaged tunnel header or inner packet otherwise. The inner
/// packet's [`Decoded::encap`] names the tunnel and its
/// [`Decoded::outer`] the outer addresses; its offsets are frame offsets.
/// A PPTP tunnel's PPP control frames (LCP, ...) give `Some(Ok(None))`.
pub fn decode_carried(
    frame: &[u8],
    outer: &Decoded,
) -> Option<Result<Option<Decoded>, DecodeError>> {
    let carried = match carried(frame, outer)? {
        Ok(c) => c,
        Err(e) => return Some(Err(e)),
    };
    let base = carried.offset as usize;
    let bytes = frame.get(base..).unwrap_or(&[]);
    let mut facts = super::LinkFacts::default();
    let start = match carried.start {
        InnerStart::Ethernet => super::Start::Link(LinkType::Ethernet),
        InnerStart::Ppp => super::Start::Link(LinkType::Ppp),
        InnerStart::Ipv4 => super::Start::EtherType(ethernet::ethertype::IPV4),
        InnerStart::Ipv6 => super::Start::EtherType(ethernet::ethertype::IPV6),
        InnerStart::Mpls => super::Start::EtherType(ethernet::ethertype::MPLS_UNICAST),
    };
    let result = super::decode_from(start, bytes, &mut facts).map(|inner| {
        inner.map(|mut d| {
            let shift = super::len_u32(base);
            d.payload_offset = d.payload_offset.saturating_add(shift);
            // The IP tunnel names the inner flow, also when an MPLS stack
            // sits inside it (its label is the GRE tunnel's business).
            d.encap = carried.encap;
            d.outer = Some(OuterIp {
                version: outer.ip_version,
                src: outer.src_ip,
                dst: outer.dst_ip,
            });
            d
        })
    });
    Some(result)
}
