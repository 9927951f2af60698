//! The `records` module deals with the values that cross the plugin boundary:
//! timestamps, GUIDs, addresses and the borrowed [`FlowRecord`] view.
//!
//! Every type here is `#[repr(C)]`, derives `StableAbi` and is frozen: its
//! layout is checked when a plugin is loaded, and fields added by later
//! minors arrive through the record's `ext` chain ([`crate::abi::ext`]).
//! Records are borrowed for the duration of one callback: the engine builds
//! them on its own side without allocating, and a plugin that wants to keep
//! data copies what it needs.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use abi_stable::std_types::RStr;
use abi_stable::StableAbi;

use crate::abi::ext::Extensions;

/// Stream time: seconds and microseconds since the Unix epoch (UTC).
///
/// For capture files this is the packets' own time; it never moves backwards
/// within a run.
#[repr(C)]
#[derive(StableAbi, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp {
    /// Whole seconds since 1970-01-01T00:00:00Z.
    pub secs: u64,
    /// Microseconds within the second (`0..1_000_000`).
    pub usecs: u32,
}

impl Timestamp {
    /// A timestamp from whole seconds.
    pub const fn from_secs(secs: u64) -> Timestamp {
        Timestamp { secs, usecs: 0 }
    }

    /// Seconds as a float with microsecond precision (as written in the NDJSON outputs).
    pub fn as_f64(&self) -> f64 {
        self.secs as f64 + f64::from(self.usecs) / 1e6
    }

    /// Total microseconds since the epoch.
    pub const fn as_micros(&self) -> u64 {
        self.secs * 1_000_000 + self.usecs as u64
    }

    /// The timestamp `micros` microseconds after the epoch.
    pub const fn from_micros(micros: u64) -> Timestamp {
        Timestamp {
            secs: micros / 1_000_000,
            usecs: (micros % 1_000_000) as u32,
        }
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:06}", self.secs, self.usecs)
    }
}

/// A 128-bit GUID naming a group (counter, alert, resource, FTS or session
/// group), written `{8-4-4-4-12}` in hex with braces, matched without regard
/// to case (Trisul's convention).
#[repr(C)]
#[derive(StableAbi, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Guid(pub [u8; 16]);

impl Guid {
    /// The GUID whose 32 hex digits, read as one big-endian number, are `value`.
    ///
    /// `Guid::from_u128(0x99A78737_4B41_4387_8F31_8077DB917336)` is `{99A78737-4B41-4387-8F31-8077DB917336}`.
    pub const fn from_u128(value: u128) -> Guid {
        Guid(value.to_be_bytes())
    }

    /// Parses `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}` (braces optional, any case).
    pub fn parse(text: &str) -> Option<Guid> {
        let t = text.trim();
        let t = t
            .strip_prefix('{')
            .map_or(t, |s| s.strip_suffix('}').unwrap_or(""));
        let groups: Vec<&str> = t.split('-').collect();
        let lens = [8, 4, 4, 4, 12];
        if groups.len() != 5 || groups.iter().zip(lens).any(|(g, l)| g.len() != l) {
            return None;
        }
        let hex: String = groups.concat();
        u128::from_str_radix(&hex, 16)
            .ok()
            .filter(|_| hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(Guid::from_u128)
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = &self.0;
        write!(
            f,
            "{{{:02X}{:02X}{:02X}{:02X}-{:02X}{:02X}-{:02X}{:02X}-{:02X}{:02X}-{:02X}{:02X}{:02X}{:02X}{:02X}{:02X}}}",
            b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]
        )
    }
}

impl fmt::Debug for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// An IPv4 or IPv6 address as plain bytes (IPv4 in the first 4 bytes, the rest zero).
#[repr(C)]
#[derive(StableAbi, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct IpBytes {
    /// The address bytes in network order.
    pub bytes: [u8; 16],
    /// 4 or 6.
    pub version: u8,
}

impl IpBytes {
    /// The standard-library form of the address.
    pub fn to_ip_addr(&self) -> IpAddr {
        if self.version == 4 {
            IpAddr::V4(Ipv4Addr::new(
                self.bytes[0],
                self.bytes[1],
                self.bytes[2],
                self.bytes[3],
            ))
        } else {
            IpAddr::V6(Ipv6Addr::from(self.bytes))
        }
    }

    /// From a standard-library address.
    pub fn from_ip_addr(addr: IpAddr) -> IpBytes {
        match addr {
            IpAddr::V4(v4) => {
                let mut bytes = [0u8; 16];
                bytes[..4].copy_from_slice(&v4.octets());
                IpBytes { bytes, version: 4 }
            }
            IpAddr::V6(v6) => IpBytes {
                bytes: v6.octets(),
                version: 6,
            },
        }
    }
}

impl fmt::Display for IpBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.to_ip_addr().fmt(f)
    }
}

impl fmt::Debug for IpBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.to_ip_addr().fmt(f)
    }
}

/// An opaque, unambiguous reference to one flow of this run, for feedback
/// calls such as [`crate::HostHandle::tag_flow`].
///
/// Unlike the Trisul flow id string it distinguishes flows that differ only by
/// VLAN, and a later flow that reuses the same 5-tuple.
#[repr(C)]
#[derive(StableAbi, Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct FlowHandle(pub u64);

/// Why a flow record was produced. `Open` while the flow is alive
/// (`on_new_flow`, `on_update`).
///
/// A number, not a Rust enum: a newer weir may add reasons, which an older
/// plugin then sees as a value it does not know (`as_str` is `"unknown"`),
/// never as undefined behaviour. Compare with the constants
/// (`flow.end_reason == EndReason::Fin`) or match with a `_` arm.
#[repr(transparent)]
#[derive(StableAbi, Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct EndReason(pub u8);

#[allow(non_upper_case_globals)]
impl EndReason {
    /// The flow is still alive (new-flow and update callbacks).
    pub const Open: EndReason = EndReason(0);
    /// Interim record of a long-lived flow (active flush); the flow goes on.
    pub const Active: EndReason = EndReason(1);
    /// TCP closed with FIN from both ends.
    pub const Fin: EndReason = EndReason(2);
    /// TCP reset.
    pub const Rst: EndReason = EndReason(3);
    /// No packet for the idle timeout.
    pub const Timeout: EndReason = EndReason(4);
    /// The input ended while the flow was alive.
    pub const Eof: EndReason = EndReason(5);
    /// Pushed out of a full flow table (least recently active first).
    pub const Evicted: EndReason = EndReason(6);

    /// The name used in `flows.ndjson` (`"fin"`, `"rst"`, `"timeout"`, `"eof"`,
    /// `"evicted"`, `"active"`; `"open"`), or `"unknown"` for a reason this
    /// crate does not know.
    pub fn as_str(&self) -> &'static str {
        match *self {
            EndReason::Open => "open",
            EndReason::Active => "active",
            EndReason::Fin => "fin",
            EndReason::Rst => "rst",
            EndReason::Timeout => "timeout",
            EndReason::Eof => "eof",
            EndReason::Evicted => "evicted",
            _ => "unknown",
        }
    }
}

/// Trisul session-state bits carried in [`FlowRecord::state`].
pub mod state {
    /// Always set.
    pub const INIT: u32 = 0x0001;
    /// A SYN was seen.
    pub const SEEN_SYN: u32 = 0x0002;
    /// A SYN+ACK was seen.
    pub const SEEN_SYN_ACK: u32 = 0x0004;
    /// The ACK completing the handshake was seen.
    pub const SEEN_SYN_ACK_ACK: u32 = 0x0008;
    /// The A end is the server (the SYN came from Z).
    pub const A_END_SERVER: u32 = 0x0010;
    /// The Z end is the server (the SYN came from A: the normal case).
    pub const Z_END_SERVER: u32 = 0x0020;
    /// A FIN was seen.
    pub const SEEN_FIN: u32 = 0x0040;
    /// A RST was seen.
    pub const SEEN_RST: u32 = 0x0080;
    /// The flow timed out (idle).
    pub const TIMEDOUT: u32 = 0x0100;
    /// Error state.
    pub const ERROR: u32 = 0x0200;
    /// Incomplete.
    pub const INCOMPLETE: u32 = 0x0400;
    /// The flow was terminated (FIN both ways, RST, end of input, eviction).
    pub const TERMINATED: u32 = 0x0800;
    /// Mask of the bits that say a flow has ended (`TERMINATED|TIMEDOUT|FIN|RST`).
    pub const FLOWEND: u32 = 0x09C0;
}

/// A flow, borrowed for the duration of one callback.
///
/// The A and Z ends follow Trisul: the end with the lower port is Z (normally
/// the server); with equal ports (including port-less protocols such as ICMP,
/// whose ports are 0) the end with the lower address (compared as bytes, IPv4
/// before IPv6) is Z. Byte counts are whole frames as on the wire (tshark's
/// `frame.len`), totals since the flow began.
#[repr(C)]
#[derive(StableAbi, Clone, Copy, Debug)]
pub struct FlowRecord<'a> {
    /// Opaque handle for feedback calls.
    pub handle: FlowHandle,
    /// Trisul flow id, e.g. `06A:C0.A8.01.02:p-0B94_D1.D8.F9.3A:p-0016` (no VLAN: see `vlan`).
    pub id: RStr<'a>,
    /// IP protocol number (6 TCP, 17 UDP, 1 ICMP, ...).
    pub proto: u8,
    /// Address of the A end.
    pub a_ip: IpBytes,
    /// Port of the A end (0 when the protocol has none).
    pub a_port: u16,
    /// Address of the Z end.
    pub z_ip: IpBytes,
    /// Port of the Z end (0 when the protocol has none).
    pub z_port: u16,
    /// VLAN ids, outermost first; only `vlan[..vlan_count]` is meaningful.
    pub vlan: [u16; 2],
    /// Number of VLAN tags (0..=2).
    pub vlan_count: u8,
    /// Bytes from A to Z (whole frames).
    pub az_bytes: u64,
    /// Bytes from Z to A (whole frames).
    pub za_bytes: u64,
    /// Packets from A to Z.
    pub az_packets: u64,
    /// Packets from Z to A.
    pub za_packets: u64,
    /// Transport payload bytes from A to Z.
    #[cfg(not(feature = "abi-layout-skew-fixture"))]
    pub az_payload: u64,
    /// Test fixture only (layout skew: a `u64` made `u32`), see the crate's features.
    #[cfg(feature = "abi-layout-skew-fixture")]
    pub az_payload: u32,
    /// Transport payload bytes from Z to A.
    pub za_payload: u64,
    /// Time of the first packet.
    pub first_ts: Timestamp,
    /// Time of the last packet.
    pub last_ts: Timestamp,
    /// Trisul state bits, see [`state`].
    pub state: u32,
    /// Why this record was produced.
    pub end_reason: EndReason,
    /// Tags, `|`-separated (empty when none).
    pub tags: RStr<'a>,
    /// Fields added after API 1.0, as extension blocks (none in 1.0): read
    /// them through the accessors of later minors, which return `Option`.
    pub ext: Extensions<'a>,
}

impl FlowRecord<'_> {
    /// The flow id as a `&str`.
    pub fn id(&self) -> &str {
        self.id.as_str()
    }

    /// `az_bytes + za_bytes`.
    pub fn total_bytes(&self) -> u64 {
        self.az_bytes + self.za_bytes
    }

    /// `az_packets + za_packets`.
    pub fn total_packets(&self) -> u64 {
        self.az_packets + self.za_packets
    }

    /// The VLAN ids, outermost first.
    pub fn vlans(&self) -> &[u16] {
        &self.vlan[..usize::from(self.vlan_count.min(2))]
    }

    /// The tags as an iterator of `&str`.
    pub fn tags(&self) -> impl Iterator<Item = &str> {
        self.tags.as_str().split('|').filter(|t| !t.is_empty())
    }

    /// Whether the flow has ended (any of [`state::FLOWEND`]).
    pub fn has_ended(&self) -> bool {
        self.state & state::FLOWEND != 0
    }

    /// Seconds from the first to the last packet (whole seconds, rounded down).
    pub fn duration_secs(&self) -> u64 {
        self.last_ts.secs.saturating_sub(self.first_ts.secs)
    }

    /// A table-friendly line like Trisul's `to_s()`: protocol, A ip, A port, Z ip, Z port.
    pub fn to_s(&self) -> String {
        format!(
            "{:<5} {:<15} {:<6} {:<15} {:<6}",
            protocol_name(self.proto),
            self.a_ip,
            self.a_port,
            self.z_ip,
            self.z_port
        )
    }
}

/// Short upper-case name of an IP protocol (`TCP`, `UDP`, `ICMP`, ...), or its number.
pub fn protocol_name(proto: u8) -> String {
    match proto {
        1 => "ICMP".into(),
        6 => "TCP".into(),
        17 => "UDP".into(),
        47 => "GRE".into(),
        50 => "ESP".into(),
        58 => "ICMP6".into(),
        132 => "SCTP".into(),
        other => other.to_string(),
    }
}

/// A flush-filter vote: an item is dropped when at least one plugin votes
/// `Drop` and none votes `Keep`.
///
/// A number, not a Rust enum, like [`EndReason`]: a host counts a value it
/// does not know as `Abstain`.
#[repr(transparent)]
#[derive(StableAbi, Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct Vote(pub u8);

#[allow(non_upper_case_globals)]
impl Vote {
    /// No opinion (the default).
    pub const Abstain: Vote = Vote(0);
    /// Keep the item, whatever others vote.
    pub const Keep: Vote = Vote(1);
    /// Drop the item unless another plugin votes `Keep`.
    pub const Drop: Vote = Vote(2);

    /// The vote as this crate understands it: unknown values are `Abstain`.
    pub fn known(self) -> Vote {
        match self {
            Vote::Keep | Vote::Drop => self,
            _ => Vote::Abstain,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guid_round_trip_any_case() {
        let g = Guid::parse("{5e97c3a3-41DB-4e34-92C3-87C904FAB83E}").unwrap();
        assert_eq!(g, Guid::from_u128(0x5E97C3A3_41DB_4E34_92C3_87C904FAB83E));
        assert_eq!(g.to_string(), "{5E97C3A3-41DB-4E34-92C3-87C904FAB83E}");
        assert_eq!(Guid::parse("5E97C3A3-41DB-4E34-92C3-87C904FAB83E"), Some(g));
        assert_eq!(Guid::parse("{5E97C3A3-41DB-4E34-92C3-87C904FAB83}"), None);
        assert_eq!(Guid::parse("{5E97C3A3-41DB-4E34-92C3-87C904FAB8+E}"), None);
    }

    #[test]
    fn timestamp_micros() {
        let t = Timestamp {
            secs: 12,
            usecs: 345,
        };
        assert_eq!(Timestamp::from_micros(t.as_micros()), t);
        assert_eq!(t.to_string(), "12.000345");
    }
}
