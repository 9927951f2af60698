//! The `snapshot` module deals with [`FlowSnapshot`]: an owned copy of a flow's
//! state at one moment, the form in which flows leave the packet workers.
//!
//! Snapshots are cheap to copy (no heap unless the flow has tags) and lend a
//! borrowed [`FlowRecord`] to plugins without allocating.

use std::sync::Arc;

use weir_plugin_api::abi::ext::Extensions;
use weir_plugin_api::{
    EndReason, FlowExtV1_2, FlowHandle, FlowRecord, FlowTunnel, IpBytes, Timestamp, TunnelKind,
};

use super::id::FlowId;
use super::key::FlowKey;
use crate::decode::IpVersion;

/// Per-direction counters of a flow.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlowCounters {
    /// Bytes A to Z (whole frames, `frame.len`).
    pub az_bytes: u64,
    /// Bytes Z to A.
    pub za_bytes: u64,
    /// Packets A to Z.
    pub az_packets: u64,
    /// Packets Z to A.
    pub za_packets: u64,
    /// Frames A to Z (a reassembled datagram is one packet of several frames).
    pub az_frames: u64,
    /// Frames Z to A.
    pub za_frames: u64,
    /// Transport payload bytes A to Z.
    pub az_payload: u64,
    /// Transport payload bytes Z to A.
    pub za_payload: u64,
}

/// The outer IP header of an inner flow (one that came out of an IP
/// tunnel, [`FlowKey::is_inner`]), from its first packet, oriented like the
/// flow: `a` is the tunnel end on the A side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OuterEnds {
    /// IP version of the outer header.
    pub version: IpVersion,
    /// Outer address on the A side (IPv4 in the first 4 bytes).
    pub a: [u8; 16],
    /// Outer address on the Z side.
    pub z: [u8; 16],
}

/// A flow's state at one moment.
#[derive(Debug, Clone)]
pub struct FlowSnapshot {
    /// Unambiguous handle (worker, slot, generation).
    pub handle: FlowHandle,
    /// Canonical key.
    pub key: FlowKey,
    /// Trisul flow id.
    pub id: FlowId,
    /// Totals since the flow began.
    pub counters: FlowCounters,
    /// First packet time.
    pub first_ts: Timestamp,
    /// Last packet time.
    pub last_ts: Timestamp,
    /// Trisul state bits.
    pub state: u32,
    /// Why this snapshot was taken.
    pub end_reason: EndReason,
    /// Tags, `|`-separated; `None` when the flow has none.
    pub tags: Option<Arc<str>>,
    /// What plugin API 1.2 appends to the record: frames per direction and
    /// the tunnel (kind and id as in `key.encap`, the outer addresses of
    /// an inner flow's first packet). [`FlowSnapshot::record`] chains it.
    pub ext: FlowExtV1_2,
}

impl OuterEnds {
    fn ip(&self, bytes: [u8; 16]) -> IpBytes {
        let version = match self.version {
            IpVersion::V4 => 4,
            IpVersion::V6 => 6,
        };
        IpBytes { bytes, version }
    }
}

/// The API 1.2 block of a flow with these counters, key and outer ends.
pub fn record_ext(counters: &FlowCounters, key: &FlowKey, outer: Option<OuterEnds>) -> FlowExtV1_2 {
    let none = IpBytes::default();
    let (outer_a, outer_z) = outer.map_or((none, none), |o| (o.ip(o.a), o.ip(o.z)));
    FlowExtV1_2::new(
        counters.az_frames,
        counters.za_frames,
        FlowTunnel {
            kind: TunnelKind(key.encap.kind as u8),
            id: key.encap.id,
            outer_a,
            outer_z,
        },
    )
}

impl FlowSnapshot {
    /// A borrowed record for a plugin callback.
    pub fn record(&self) -> FlowRecord<'_> {
        let version = match self.key.ip_version {
            IpVersion::V4 => 4,
            IpVersion::V6 => 6,
        };
        FlowRecord {
            handle: self.handle,
            id: self.id.as_str().into(),
            proto: self.key.proto,
            a_ip: IpBytes {
                bytes: self.key.a_ip,
                version,
            },
            a_port: self.key.a_port,
            z_ip: IpBytes {
                bytes: self.key.z_ip,
                version,
            },
            z_port: self.key.z_port,
            vlan: self.key.vlan,
            vlan_count: self.key.vlan_count,
            az_bytes: self.counters.az_bytes,
            za_bytes: self.counters.za_bytes,
            az_packets: self.counters.az_packets,
            za_packets: self.counters.za_packets,
            az_payload: self.counters.az_payload,
            za_payload: self.counters.za_payload,
            first_ts: self.first_ts,
            last_ts: self.last_ts,
            state: self.state,
            end_reason: self.end_reason,
            tags: self.tags.as_deref().unwrap_or("").into(),
            ext: Extensions::single(&self.ext),
        }
    }
}
