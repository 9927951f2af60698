//! The `key` module deals with the flow key: a compact, canonical binary key
//! in which both directions of a conversation are the same value.
//!
//! **A/Z rule (Trisul's).** The end with the lower port is Z (normally the
//! server). With equal ports, which includes every port-less protocol (ICMP,
//! ICMPv6, GRE, ESP, non-first IP fragments: their ports are 0), the end with
//! the higher address, compared byte by byte, is Z: multicast and broadcast
//! destinations land at Z, as in Trisul's own example
//! `11B:FE80…5E33:p-14E9_FF02…00FB:p-14E9`. A packet whose source and
//! destination are identical travels A to Z.

use crate::decode::{Decoded, Encap, IpVersion};

/// The canonical key of a flow: protocol, the two ends in A/Z order, VLAN
/// tags, and the tunnel the packets came through (so the same 5-tuple in two
/// VXLAN networks, or inside and outside a tunnel, is two flows).
///
/// Invariant: `z_port < a_port`, or `z_port == a_port` and `z_ip >= a_ip`, so both directions of a conversation map to the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FlowKey {
    /// Address of the A end (IPv4 in the first 4 bytes).
    pub a_ip: [u8; 16],
    /// Address of the Z end.
    pub z_ip: [u8; 16],
    /// Port of the A end (0 when none).
    pub a_port: u16,
    /// Port of the Z end (0 when none).
    pub z_port: u16,
    /// VLAN ids, outermost first (`vlan[..vlan_count]`), unused slots zero.
    pub vlan: [u16; 2],
    /// IP protocol number.
    pub proto: u8,
    /// IP version.
    pub ip_version: IpVersion,
    /// Number of VLAN tags.
    pub vlan_count: u8,
    /// The tunnel and its key, VNI, label or session id ([`Encap::NONE`]
    /// for plain traffic).
    pub encap: Encap,
}

/// Direction of a packet within its flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From the A end to the Z end.
    AtoZ,
    /// From the Z end to the A end.
    ZtoA,
}

impl FlowKey {
    /// The key of a decoded packet and the packet's direction within it.
    pub fn from_decoded(d: &Decoded) -> (FlowKey, Direction) {
        // The source is Z when its port is lower, or ports equal and its address higher.
        let src_is_z = d.src_port < d.dst_port || (d.src_port == d.dst_port && d.src_ip > d.dst_ip);
        let (a_ip, a_port, z_ip, z_port, dir) = if src_is_z {
            (d.dst_ip, d.dst_port, d.src_ip, d.src_port, Direction::ZtoA)
        } else {
            (d.src_ip, d.src_port, d.dst_ip, d.dst_port, Direction::AtoZ)
        };
        let mut vlan = [0u16; 2];
        let n = usize::from(d.vlan_count.min(2));
        vlan[..n].copy_from_slice(&d.vlan[..n]);
        let key = FlowKey {
            a_ip,
            z_ip,
            a_port,
            z_port,
            vlan,
            proto: d.proto,
            ip_version: d.ip_version,
            vlan_count: n as u8,
            encap: d.encap,
        };
        (key, dir)
    }

    /// A hash that is the same for both directions (the key is canonical), used
    /// to shard flows over packet workers.
    pub fn shard_hash(&self) -> u64 {
        use std::hash::BuildHasher;
        foldhash::fast::FixedState::with_seed(0x5745_4952).hash_one(self)
    }

    /// Whether the flow's packets came out of an IP tunnel (GRE, VXLAN,
    /// Geneve, IP in IP, PPTP): an inner flow, whose frames also count in
    /// the outer flow. MPLS and PPPoE are link-layer shims: their flows are
    /// the only IP layer of their frames.
    pub fn is_inner(&self) -> bool {
        self.encap.kind.is_ip_tunnel()
    }

    /// Bytes of an address as used by the key (4 for IPv4, 16 for IPv6).
    pub fn addr_len(&self) -> usize {
        match self.ip_version {
            IpVersion::V4 => 4,
            IpVersion::V6 => 16,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::Fragment;

    fn pkt(src: [u8; 4], sport: u16, dst: [u8; 4], dport: u16) -> Decoded {
        let mut s = [0u8; 16];
        let mut d = [0u8; 16];
        s[..4].copy_from_slice(&src);
        d[..4].copy_from_slice(&dst);
        Decoded {
            ip_version: IpVersion::V4,
            src_ip: s,
            dst_ip: d,
            proto: 6,
            src_port: sport,
            dst_port: dport,
            vlan: [0, 0],
            vlan_count: 0,
            tcp_flags: 0,
            tcp_seq: 0,
            tcp_ack: 0,
            payload_len: 0,
            payload_offset: 0,
            fragment: Fragment::None,
            frag: crate::decode::FragmentPart::default(),
            icmp_type: 0,
            icmp_code: 0,
            encap: crate::decode::Encap::NONE,
            outer: None,
        }
    }

    #[test]
    fn both_directions_same_key_lower_port_at_z() {
        let (k1, d1) = FlowKey::from_decoded(&pkt([192, 168, 1, 2], 2964, [209, 216, 249, 58], 22));
        let (k2, d2) = FlowKey::from_decoded(&pkt([209, 216, 249, 58], 22, [192, 168, 1, 2], 2964));
        assert_eq!(k1, k2);
        assert_eq!((d1, d2), (Direction::AtoZ, Direction::ZtoA));
        assert_eq!(k1.z_port, 22);
        assert_eq!(k1.shard_hash(), k2.shard_hash());
    }

    #[test]
    fn equal_ports_higher_address_at_z() {
        let (k, d) = FlowKey::from_decoded(&pkt([10, 0, 0, 1], 0, [255, 255, 255, 255], 0));
        assert_eq!(&k.z_ip[..4], &[255, 255, 255, 255]);
        assert_eq!(d, Direction::AtoZ);
        let (k2, d2) = FlowKey::from_decoded(&pkt([255, 255, 255, 255], 0, [10, 0, 0, 1], 0));
        assert_eq!(k, k2);
        assert_eq!(d2, Direction::ZtoA);
    }
}
