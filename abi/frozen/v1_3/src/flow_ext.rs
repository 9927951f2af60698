//! The `flow_ext` module deals with the fields plugin API 1.2 appends to
//! [`FlowRecord`]: the tunnel an inner flow came through ([`FlowTunnel`])
//! and the frames that carried the flow's packets, in one extension block
//! ([`FlowExtV1_2`]) on the record's `ext` chain.
//!
//! Read them with [`FlowRecord::tunnel`] and [`FlowRecord::frames`]; both
//! are `None` from a weir older than 1.2 (which hands records without the
//! block), so a 1.2 plugin runs on a 1.0 or 1.1 weir too.

use abi_stable::StableAbi;

use crate::abi::ext::{ExtHeader, Extension};
use crate::records::{FlowRecord, IpBytes};

/// Extension kind of [`FlowExtV1_2`] (`"FX12"`); never reused.
pub const FLOW_EXT_V1_2_KIND: u32 = 0x4658_3132;

/// The kind of tunnel a flow's packets came through, as a number (values
/// added later are data to an older reader: [`TunnelKind::as_str`] gives
/// `"unknown"`).
#[repr(transparent)]
#[derive(StableAbi, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct TunnelKind(pub u8);

#[allow(non_upper_case_globals)]
impl TunnelKind {
    /// Not tunnelled.
    pub const None: TunnelKind = TunnelKind(0);
    /// GRE (RFC 2784/2890); the id is the key (0 without one).
    pub const Gre: TunnelKind = TunnelKind(1);
    /// VXLAN; the id is the VNI.
    pub const Vxlan: TunnelKind = TunnelKind(2);
    /// Geneve; the id is the VNI.
    pub const Geneve: TunnelKind = TunnelKind(3);
    /// MPLS (a link-layer shim: no outer IP header); the id is the
    /// bottom-of-stack label.
    pub const Mpls: TunnelKind = TunnelKind(4);
    /// PPPoE (a link-layer shim); the id is the session id.
    pub const Pppoe: TunnelKind = TunnelKind(5);
    /// IPv4 or IPv6 directly in IP (protocols 4, 41); id 0.
    pub const IpInIp: TunnelKind = TunnelKind(6);
    /// PPTP's enhanced GRE (version 1); the id is the call id.
    pub const Pptp: TunnelKind = TunnelKind(7);

    /// The name used in weir's outputs (`"gre"`, `"vxlan"`, ...; `""` for
    /// none, `"unknown"` for a kind this API does not know).
    pub fn as_str(self) -> &'static str {
        match self.0 {
            0 => "",
            1 => "gre",
            2 => "vxlan",
            3 => "geneve",
            4 => "mpls",
            5 => "pppoe",
            6 => "ipip",
            7 => "pptp",
            _ => "unknown",
        }
    }
}

/// The tunnel a flow's packets came through, from its first packet.
#[repr(C)]
#[derive(StableAbi, Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct FlowTunnel {
    /// The tunnel ([`TunnelKind::None`] for plain traffic).
    pub kind: TunnelKind,
    /// Its GRE key, VNI, MPLS label, PPPoE session or PPTP call id (see
    /// [`TunnelKind`]); 0 when none.
    pub id: u32,
    /// The outer IP address on the flow's A side; `version` 0 when the
    /// tunnel has no outer IP header (MPLS, PPPoE).
    pub outer_a: IpBytes,
    /// The outer IP address on the flow's Z side (`version` 0: none).
    pub outer_z: IpBytes,
}

impl FlowTunnel {
    /// The outer addresses (A side, Z side), when the tunnel has an outer
    /// IP header.
    pub fn outer(&self) -> Option<(IpBytes, IpBytes)> {
        (self.outer_a.version != 0).then_some((self.outer_a, self.outer_z))
    }
}

/// What API 1.2 appends to [`FlowRecord`]. Frozen once published; later
/// fields go into a new block.
#[repr(C)]
#[derive(StableAbi, Clone, Copy, Debug)]
pub struct FlowExtV1_2 {
    /// `kind` [`FLOW_EXT_V1_2_KIND`], `size` of this block.
    pub header: ExtHeader,
    /// Frames from A to Z that carried the flow's packets (equal to the
    /// packets, but for reassembled IP datagrams: one packet, several frames).
    pub az_frames: u64,
    /// Frames from Z to A.
    pub za_frames: u64,
    /// The tunnel ([`TunnelKind::None`] for plain traffic).
    pub tunnel: FlowTunnel,
}

// SAFETY: repr(C), its first field is an ExtHeader, frozen once published.
unsafe impl Extension for FlowExtV1_2 {
    const KIND: u32 = FLOW_EXT_V1_2_KIND;
}

// SAFETY: the block is plain data but for `header.next`, which links only
// immutable blocks that live at least as long as the block (the contract of
// `Extensions::from_raw`); sharing or moving it across threads gives no
// mutable access to anything.
unsafe impl Send for FlowExtV1_2 {}
// SAFETY: as above.
unsafe impl Sync for FlowExtV1_2 {}

impl FlowExtV1_2 {
    /// A block with no successor on the chain.
    pub fn new(az_frames: u64, za_frames: u64, tunnel: FlowTunnel) -> FlowExtV1_2 {
        FlowExtV1_2 {
            header: ExtHeader {
                kind: FLOW_EXT_V1_2_KIND,
                size: std::mem::size_of::<FlowExtV1_2>() as u32,
                next: std::ptr::null(),
            },
            az_frames,
            za_frames,
            tunnel,
        }
    }
}

impl FlowRecord<'_> {
    /// The API 1.2 block of this record, when the host sent one (weir 1.2
    /// and later always does).
    pub fn ext_v1_2(&self) -> Option<&FlowExtV1_2> {
        self.ext.get::<FlowExtV1_2>()
    }

    /// The tunnel this flow's packets came through: `None` for plain
    /// traffic, and from a weir older than API 1.2.
    pub fn tunnel(&self) -> Option<FlowTunnel> {
        self.ext_v1_2()
            .map(|e| e.tunnel)
            .filter(|t| t.kind != TunnelKind::None)
    }

    /// Frames (A to Z, Z to A) that carried the flow's packets; `None` from
    /// a weir older than API 1.2.
    pub fn frames(&self) -> Option<(u64, u64)> {
        self.ext_v1_2().map(|e| (e.az_frames, e.za_frames))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::ext::Extensions;

    #[test]
    fn accessors_read_the_block_and_are_none_without_it() {
        let v4 = |a: u8| IpBytes {
            bytes: [192, 0, 2, a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            version: 4,
        };
        let block = FlowExtV1_2::new(
            3,
            4,
            FlowTunnel {
                kind: TunnelKind::Vxlan,
                id: 5000,
                outer_a: v4(1),
                outer_z: v4(2),
            },
        );
        let mut r = crate::testing::flow_record("id", 17, ("10.0.0.1", 4000), ("10.0.0.2", 53));
        assert_eq!((r.tunnel(), r.frames()), (None, None));
        r.ext = Extensions::single(&block);
        let t = r.tunnel().unwrap();
        assert_eq!(
            (t.kind.as_str(), t.id, t.outer()),
            ("vxlan", 5000, Some((v4(1), v4(2))))
        );
        assert_eq!(r.frames(), Some((3, 4)));
        let plain = FlowExtV1_2::new(1, 0, FlowTunnel::default());
        r.ext = Extensions::single(&plain);
        assert_eq!((r.tunnel(), r.frames()), (None, Some((1, 0))));
        assert_eq!(TunnelKind(200).as_str(), "unknown");
    }
}
