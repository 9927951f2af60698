//! The `metering` module deals with turning traffic into counter updates
//! inside a packet worker: what each packet and each flow adds to which key
//! of which built-in group ([`Meters`]).
//!
//! **Per flow, not per packet.** Everything an IP packet adds to a host, an
//! app, a protocol, a VLAN or a direction key is the same for every packet of
//! a flow in one interval, so the flow table sums it in the flow entry
//! ([`FlowUse`]) and the worker folds it in once per flow per interval (and
//! when a flow leaves the table). That is ~7 hash updates per flow-interval
//! instead of per packet, and the home-network test runs once per fold.
//! Only what differs per packet is metered per packet: the link layer
//! (EtherType, MAC addresses, L2 broadcast/multicast, fragments), and frames
//! without IP, which have no flow. One-entry caches keep the common case
//! (the same gateway MAC and EtherType packet after packet) to one compare.

use std::sync::Arc;

use super::builtin::{aggregate, app, host, layer, Builtin};
use super::homenet::HomeNets;
use super::keys::BinKey;
use super::shard::{CounterShard, ShardTable};
use super::GroupDef;
use crate::decode::{IpVersion, LinkFacts};
use crate::flow::{FlowKey, FlowUse};

/// A one-entry cache of the last key's row in one table.
#[derive(Clone, Copy)]
struct Last {
    key: BinKey,
    slot: u32,
    valid: bool,
}

impl Last {
    const EMPTY: Last = Last {
        key: BinKey::byte(0),
        slot: 0,
        valid: false,
    };

    #[inline]
    fn row<'t>(&mut self, table: &'t mut ShardTable, key: BinKey) -> &'t mut [i64] {
        if !(self.valid && self.key == key) {
            *self = Last {
                key,
                slot: table.slot(key),
                valid: true,
            };
        }
        table.row_at(self.slot)
    }
}

/// The last few MAC addresses' rows: both ends of the busiest link (a host
/// and its gateway) alternate as source and destination, which a one-entry
/// cache per direction would miss on every packet.
struct MacCache {
    entries: [Last; 4],
    next: usize,
}

impl MacCache {
    const EMPTY: MacCache = MacCache {
        entries: [Last::EMPTY; 4],
        next: 0,
    };

    #[inline]
    fn slot(&mut self, table: &mut ShardTable, key: BinKey) -> u32 {
        if let Some(e) = self.entries.iter().find(|e| e.valid && e.key == key) {
            return e.slot;
        }
        let slot = table.slot(key);
        self.entries[self.next] = Last {
            key,
            slot,
            valid: true,
        };
        self.next = (self.next + 1) % self.entries.len();
        slot
    }
}

/// One worker's metering state: its counter shard for the current interval.
pub struct Meters {
    shard: CounterShard,
    home: Arc<HomeNets>,
    macs: MacCache,
    last_ethertype: Last,
    last_total: Last,
}

impl Meters {
    /// Meters for the built-in groups `defs` (indexed like [`Builtin::ALL`]).
    pub fn new(defs: &[GroupDef], home: Arc<HomeNets>) -> Meters {
        Meters {
            shard: CounterShard::new(defs),
            home,
            macs: MacCache::EMPTY,
            last_ethertype: Last::EMPTY,
            last_total: Last::EMPTY,
        }
    }

    fn table(&mut self, g: Builtin) -> &mut ShardTable {
        &mut self.shard.tables[g.index()]
    }

    /// Meters what one frame adds on its own: every frame (IP or not, not
    /// malformed) counts in Aggregates `TOTALBW`, LinkLayerStats and Mac.
    #[inline]
    pub fn packet(&mut self, link: &LinkFacts, wire_len: u32, fragment: bool) {
        let len = i64::from(wire_len);
        let total = &mut self.shard.tables[Builtin::Aggregates.index()];
        let row = self
            .last_total
            .row(total, BinKey::byte(aggregate::KEY_TOTAL));
        row[aggregate::BYTES] += len;
        row[aggregate::PACKETS] += 1;
        row[aggregate::FRAGMENTS] += i64::from(fragment);
        if let Some(dst) = link.dst_mac {
            let class = if dst == [0xFF; 6] {
                aggregate::L2_BROADCAST
            } else if dst[0] & 1 != 0 {
                aggregate::L2_MULTICAST
            } else {
                aggregate::L2_UNICAST
            };
            row[class] += len;
        }
        let lt = &mut self.shard.tables[Builtin::LinkLayer.index()];
        let row = self.last_ethertype.row(lt, BinKey::u16(link.ethertype));
        row[layer::BYTES] += len;
        row[layer::PACKETS] += 1;
        if let (Some(src), Some(dst)) = (link.src_mac, link.dst_mac) {
            let mac = &mut self.shard.tables[Builtin::Mac.index()];
            let s = self.macs.slot(mac, BinKey::fixed(src));
            mac.row_at(s)[layer::BYTES] += len;
            let d = self.macs.slot(mac, BinKey::fixed(dst));
            mac.row_at(d)[layer::MAC_RECEIVED] += len;
        }
    }

    /// Meters what a flow carried since its last fold.
    pub fn flow(&mut self, key: &FlowKey, u: &FlowUse) {
        let (version, host_group) = match key.ip_version {
            IpVersion::V4 => (4, Builtin::Hosts),
            IpVersion::V6 => (6, Builtin::HostsIpv6),
        };
        let host_key = |ip: &[u8; 16]| match key.ip_version {
            IpVersion::V4 => BinKey::fixed([ip[0], ip[1], ip[2], ip[3]]),
            IpVersion::V6 => BinKey::fixed(*ip),
        };
        let home_a = self.home.contains(version, &key.a_ip);
        let home_z = self.home.contains(version, &key.z_ip);
        let opened = i64::from(u.opened);
        let open_delta = opened - i64::from(u.closed);
        let (az_b, za_b) = (to_i64(u.az_bytes), to_i64(u.za_bytes));
        let bytes = az_b + za_b;
        // Hosts and protocols count frames, as tshark's endpoint and IP
        // tables do (every fragment of a reassembled datagram).
        let frames = to_i64(u.az_frames + u.za_frames);

        let a = HostSide {
            key: host_key(&key.a_ip),
            sent: az_b,
            received: za_b,
            syn_sent: i64::from(u.az_syn),
            syn_received: i64::from(u.za_syn),
            synack_sent: i64::from(u.az_synack),
            peer_home: home_z,
        };
        let z = HostSide {
            key: host_key(&key.z_ip),
            sent: za_b,
            received: az_b,
            syn_sent: i64::from(u.za_syn),
            syn_received: i64::from(u.az_syn),
            synack_sent: i64::from(u.za_synack),
            peer_home: home_a,
        };
        for (side, home) in [(&a, home_a), (&z, home_z)] {
            let split = if home {
                Builtin::InternalHosts
            } else {
                Builtin::ExternalHosts
            };
            for g in [host_group, split] {
                side.meter(self.table(g).row(side.key), frames, opened, open_delta);
            }
        }

        // Apps: TCP/UDP/SCTP flows by their server (Z, lower) port.
        if matches!(key.proto, 6 | 17 | 132) && (key.a_port | key.z_port) != 0 {
            let row = self.table(Builtin::Apps).row(BinKey::u16(key.z_port));
            row[app::TOTAL] += bytes;
            row[app::CONNECTIONS] += opened;
            row[app::ACTIVE_CONNS] += open_delta;
            for (from_home, to_home, b) in [(home_a, home_z, az_b), (home_z, home_a, za_b)] {
                let m = match (from_home, to_home) {
                    (false, true) => app::INTO_HOME,
                    (true, false) => app::OUT_OF_HOME,
                    (true, true) => app::INTERNAL,
                    (false, false) => app::TRANSIT,
                };
                row[m] += b;
            }
        }

        let row = self
            .table(Builtin::NetworkLayer)
            .row(BinKey::byte(key.proto));
        row[layer::BYTES] += bytes;
        row[layer::PACKETS] += frames;
        row[layer::ACTIVE_FLOWS] += open_delta;
        row[layer::NEW_FLOWS] += opened;

        // An inner flow's frames are already in its outer flow: what
        // counts frames (VLANs, the Aggregates meters of bytes) counts them
        // there, once. Hosts, apps and protocols count every layer, as
        // tshark's endpoint and protocol tables do.
        let inner = key.is_inner();
        if !inner {
            for &vlan in &key.vlan[..usize::from(key.vlan_count.min(2))] {
                self.table(Builtin::Vlan).row(BinKey::u16(vlan))[layer::BYTES] += bytes;
            }
        }

        let agg = self.table(Builtin::Aggregates);
        {
            let total = agg.row(BinKey::byte(aggregate::KEY_TOTAL));
            total[aggregate::ACTIVE_SESSIONS] += open_delta;
            if inner {
                return;
            }
            for (dst, b) in [(&key.z_ip, az_b), (&key.a_ip, za_b)] {
                total[l3_class(version, dst)] += b;
            }
        }
        let dirs = [
            (home_a, home_z, az_b, u.az_frames),
            (home_z, home_a, za_b, u.za_frames),
        ];
        for (from_home, to_home, b, p) in dirs {
            if b == 0 && p == 0 {
                continue;
            }
            let k = match (from_home, to_home) {
                (false, true) => aggregate::KEY_INTO_HOME,
                (true, false) => aggregate::KEY_OUT_OF_HOME,
                (true, true) => aggregate::KEY_WITHIN_HOME,
                (false, false) => aggregate::KEY_TRANSIT,
            };
            let row = agg.row(BinKey::byte(k));
            row[aggregate::BYTES] += b;
            row[aggregate::PACKETS] += to_i64(p);
        }
    }

    /// Takes the interval's shard, leaving empty tables.
    pub fn take(&mut self) -> CounterShard {
        self.macs = MacCache::EMPTY;
        self.last_ethertype = Last::EMPTY;
        self.last_total = Last::EMPTY;
        self.shard.take()
    }
}

/// What one end of a flow adds to its host key.
struct HostSide {
    key: BinKey,
    sent: i64,
    received: i64,
    syn_sent: i64,
    syn_received: i64,
    synack_sent: i64,
    peer_home: bool,
}

impl HostSide {
    #[inline]
    fn meter(&self, row: &mut [i64], packets: i64, opened: i64, open_delta: i64) {
        let total = self.sent + self.received;
        row[host::TOTAL] += total;
        row[host::RECEIVED] += self.received;
        row[host::TRANSMIT] += self.sent;
        row[host::PACKETS] += packets;
        row[host::ACTIVE_CONNS] += open_delta;
        row[if self.peer_home {
            host::HOMENET
        } else {
            host::EXTERNAL
        }] += total;
        row[host::SYN_SENT] += self.syn_sent;
        row[host::SYN_RECEIVED] += self.syn_received;
        row[host::SYNACK_SENT] += self.synack_sent;
        row[host::NEW_CONNS] += opened;
    }
}

/// The Aggregates L3 meter of traffic to `dst`.
fn l3_class(version: u8, dst: &[u8; 16]) -> usize {
    let multicast = match version {
        4 => dst[0] & 0xF0 == 0xE0,
        _ => dst[0] == 0xFF,
    };
    if version == 4 && dst[..4] == [0xFF; 4] {
        aggregate::L3_BROADCAST
    } else if multicast {
        aggregate::L3_MULTICAST
    } else {
        aggregate::L3_UNICAST
    }
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}
