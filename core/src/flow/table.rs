//! The `table` module deals with one packet worker's flow table: the flows it
//! owns, their counters and state, and when they end.
//!
//! A table is owned by exactly one worker thread (flows are sharded over
//! workers by a symmetric hash of the key), so it needs no lock. Flows live in
//! a slab indexed by a `hashbrown` map keyed on [`FlowKey`] with foldhash.
//!
//! **Expiry without scanning.** Every live flow has exactly one entry in the
//! idle wheel (per-second buckets in a `BTreeMap`), under its creation second
//! at first. Packets only update the flow's last-activity second; the packet
//! path never touches the wheel. Expiry pops the buckets older than the idle
//! timeout: a flow idle since then ends, a flow active since has its one entry
//! moved to its last-activity second. So the wheel holds one entry per flow
//! (memory does not grow with packet rates), each flow is revisited at most
//! once per idle period, and the table is never scanned. Active-flush deadlines
//! sit in a second map keyed by due second. Idle timeouts have one-second
//! resolution.
//!
//! **Ending.** A TCP flow ends at its RST or when both ends have sent FIN; it
//! stays in the index until the next interval flush so that the final ACKs
//! still count in it (as tshark counts them), unless a new SYN reuses the
//! 5-tuple first, which starts a new flow. An idle flow ends after the idle
//! timeout; when the table is full the least recently active flow is evicted.

use std::collections::BTreeMap;
use std::sync::Arc;

use hashbrown::HashMap;
use weir_plugin_api::{state, EndReason, FlowEvents, FlowHandle, Timestamp};

use super::id::FlowId;
use super::key::{Direction, FlowKey};
use super::snapshot::{FlowCounters, FlowSnapshot, OuterEnds};
use super::usage::FlowUse;
use crate::app::{FlowApp, FlowIdentity};
use crate::decode::{tcp_flags, Decoded};

/// Limits and timeouts of a flow table.
#[derive(Debug, Clone, Copy)]
pub struct FlowTableConfig {
    /// A flow with no packet for this many seconds of stream time ends (`timeout`). Default 120.
    pub idle_timeout_secs: u64,
    /// A flow alive this long since its start or its last interim record gets an
    /// interim (`active`) record at the next interval flush. Default 300.
    pub active_timeout_secs: u64,
    /// Most flows one table holds; beyond it the least recently active flow is
    /// evicted (bounds memory under a flood of new 5-tuples). Default 1,000,000.
    pub max_flows: usize,
    /// Index of the owning worker, recorded in every [`FlowHandle`].
    pub worker: u8,
    /// Which flow events to produce (the union of what plugins subscribed to).
    pub events: FlowEvents,
}

impl Default for FlowTableConfig {
    fn default() -> Self {
        FlowTableConfig {
            idle_timeout_secs: 120,
            active_timeout_secs: 300,
            max_flows: 1_000_000,
            worker: 0,
            events: FlowEvents::ALL,
        }
    }
}

/// An event about one flow, produced on the packet path and delivered to
/// plugins later by the dispatcher.
#[derive(Debug, Clone)]
pub enum FlowEvent {
    /// First packet of a flow.
    New(FlowSnapshot),
    /// More packets (at most once per second of stream time per flow).
    Update(FlowSnapshot),
    /// The flow ended; `end_reason` says how.
    Terminate(FlowSnapshot),
}

/// The facts about one packet that the table uses.
#[derive(Debug, Clone, Copy)]
pub struct PacketFacts<'a> {
    /// Decoded summary.
    pub decoded: &'a Decoded,
    /// Capture time of the packet.
    pub ts: Timestamp,
    /// Frame length on the wire (all fragments' for a reassembled datagram).
    pub wire_len: u32,
    /// Frames that carried the packet (1, or a reassembled datagram's
    /// fragments).
    pub frames: u32,
}

struct FlowEntry {
    key: FlowKey,
    id: FlowId,
    counters: FlowCounters,
    first_ts: Timestamp,
    last_ts: Timestamp,
    state: u32,
    fin_a: bool,
    fin_z: bool,
    /// Set when the flow has ended but stays indexed until the next flush.
    ended: Option<EndReason>,
    last_touch_sec: u64,
    last_update_sec: u64,
    tags: Option<Arc<str>>,
    /// Traffic not yet folded into the counter groups.
    usage: FlowUse,
    /// Whether the flow is in `FlowTable::touched` this interval.
    touched: bool,
    /// The tunnel's outer addresses (inner flows only), from the first packet.
    outer: Option<OuterEnds>,
    /// Application-layer state (TCP reassembly, parser), when the
    /// application layer is on; handed to the worker when the flow leaves.
    app: Option<Box<FlowApp>>,
}

/// Where [`FlowTable::observe`] accounted a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observed {
    /// The flow's slot (see [`FlowTable::app_state`]).
    pub slot: u32,
    /// Whether the packet went A to Z.
    pub forward: bool,
}

/// A flow's application state handed back when the flow leaves the table.
pub struct EndedApp {
    /// The state.
    pub app: Box<FlowApp>,
    /// The flow's last packet time.
    pub last_ts: Timestamp,
}

struct Slot {
    generation: u32,
    entry: Option<FlowEntry>,
}

/// Counters of a table's own activity.
#[derive(Debug, Clone, Copy, Default)]
pub struct TableStats {
    /// Flows created.
    pub flows_created: u64,
    /// Flows evicted because the table was full.
    pub evicted: u64,
    /// Flows that timed out.
    pub timed_out: u64,
}

/// One worker's flow table.
pub struct FlowTable {
    cfg: FlowTableConfig,
    index: HashMap<FlowKey, u32, foldhash::fast::RandomState>,
    slots: Vec<Slot>,
    free: Vec<u32>,
    next_generation: u32,
    /// Exactly one entry per live flow, under a second at or before its last
    /// activity; see the module docs.
    idle_wheel: BTreeMap<u64, Vec<(u32, u32)>>,
    active_due: BTreeMap<u64, Vec<(u32, u32)>>,
    /// Ended flows still in the index (FIN/RST), flushed at the next boundary.
    closing: Vec<(u32, u32)>,
    /// Ended flows already out of the index, waiting for the next flush.
    finished: Vec<FlowSnapshot>,
    /// Flows with packets this interval (each once), folded at the boundary.
    touched: Vec<(u32, u32)>,
    /// Folded usage waiting for the worker to meter it.
    folded: Vec<(FlowKey, FlowUse)>,
    /// Application states of flows that left, waiting for the worker.
    ended_apps: Vec<EndedApp>,
    stats: TableStats,
}

const MAX_TAGS_LEN: usize = 63;

impl FlowTable {
    /// An empty table.
    pub fn new(cfg: FlowTableConfig) -> FlowTable {
        FlowTable {
            cfg,
            index: HashMap::with_hasher(foldhash::fast::RandomState::default()),
            slots: Vec::new(),
            free: Vec::new(),
            next_generation: 1,
            idle_wheel: BTreeMap::new(),
            active_due: BTreeMap::new(),
            closing: Vec::new(),
            finished: Vec::new(),
            touched: Vec::new(),
            folded: Vec::new(),
            ended_apps: Vec::new(),
            stats: TableStats::default(),
        }
    }

    /// Flows currently indexed.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether no flow is indexed.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The table's counters.
    pub fn stats(&self) -> TableStats {
        self.stats
    }

    /// Accounts one packet. `now_sec` is the stream clock (never behind `pkt.ts`
    /// by design of the caller, but the packet's own time is used for the flow's
    /// first/last times).
    pub fn observe(
        &mut self,
        pkt: &PacketFacts<'_>,
        now_sec: u64,
        events: &mut Vec<FlowEvent>,
    ) -> Option<Observed> {
        let (key, dir) = FlowKey::from_decoded(pkt.decoded);
        let flags = pkt.decoded.tcp_flags;
        let is_tcp = key.proto == 6;
        let new_syn = is_tcp && flags & tcp_flags::SYN != 0 && flags & tcp_flags::ACK == 0;

        let (slot, created) = match self.index.get(&key).copied() {
            Some(slot) => {
                let ended = self.entry(slot).is_some_and(|e| e.ended.is_some());
                if ended && new_syn {
                    // Port reuse: the old connection is over; a new one starts.
                    self.unindex_closing(slot);
                    (self.create(key, dir, pkt, now_sec, events), true)
                } else {
                    (slot, false)
                }
            }
            None => (self.create(key, dir, pkt, now_sec, events), true),
        };

        let generation = self.slots[slot as usize].generation;
        let want_update = self.cfg.events.contains(FlowEvents::UPDATE);
        let e = self.slots[slot as usize].entry.as_mut()?;
        let len = u64::from(pkt.wire_len);
        let payload = u64::from(pkt.decoded.payload_len);
        let syn = u32::from(is_tcp && flags & tcp_flags::SYN != 0);
        let (syn_only, syn_ack) = if flags & tcp_flags::ACK == 0 {
            (syn, 0)
        } else {
            (0, syn)
        };
        match dir {
            Direction::AtoZ => {
                e.counters.az_bytes += len;
                e.counters.az_packets += 1;
                e.counters.az_frames += u64::from(pkt.frames);
                e.usage.az_frames += u64::from(pkt.frames);
                e.counters.az_payload += payload;
                e.usage.az_bytes += len;
                e.usage.az_packets += 1;
                e.usage.az_syn += syn_only;
                e.usage.az_synack += syn_ack;
            }
            Direction::ZtoA => {
                e.counters.za_bytes += len;
                e.counters.za_packets += 1;
                e.counters.za_frames += u64::from(pkt.frames);
                e.usage.za_frames += u64::from(pkt.frames);
                e.counters.za_payload += payload;
                e.usage.za_bytes += len;
                e.usage.za_packets += 1;
                e.usage.za_syn += syn_only;
                e.usage.za_synack += syn_ack;
            }
        }
        if !e.touched {
            e.touched = true;
            self.touched.push((slot, generation));
        }
        if pkt.ts < e.first_ts {
            e.first_ts = pkt.ts;
        }
        if pkt.ts > e.last_ts {
            e.last_ts = pkt.ts;
        }
        let mut just_ended = None;
        if is_tcp {
            just_ended = tcp_state(e, flags, dir);
            e.usage.closed |= just_ended.is_some();
        }
        // The idle wheel is not touched here: its entry for this flow is
        // moved forward lazily, when its bucket comes due.
        e.last_touch_sec = e.last_touch_sec.max(now_sec);
        let send_update =
            want_update && !created && now_sec > e.last_update_sec && just_ended.is_none();
        if send_update {
            e.last_update_sec = now_sec;
        }
        if created && self.cfg.events.contains(FlowEvents::NEW_FLOW) {
            // Sent after the first packet is accounted: the record shows it.
            events.push(FlowEvent::New(self.snapshot(slot, EndReason::Open)));
        }
        if send_update {
            let snap = self.snapshot(slot, EndReason::Open);
            events.push(FlowEvent::Update(snap));
        }
        if let Some(reason) = just_ended {
            self.closing.push((slot, generation));
            if self.cfg.events.contains(FlowEvents::TERMINATE) {
                events.push(FlowEvent::Terminate(self.snapshot(slot, reason)));
            }
        }
        Some(Observed {
            slot,
            forward: dir == Direction::AtoZ,
        })
    }

    /// The application state of the flow in `slot` (just observed), and
    /// who the flow is.
    pub fn app_state(
        &mut self,
        slot: u32,
    ) -> Option<(&mut Option<Box<FlowApp>>, FlowIdentity<'_>)> {
        let s = self.slots.get_mut(slot as usize)?;
        let handle = FlowHandle(
            u64::from(self.cfg.worker) << 56 | u64::from(slot) << 32 | u64::from(s.generation),
        );
        let e = s.entry.as_mut()?;
        let version = match e.key.ip_version {
            crate::decode::IpVersion::V4 => 4,
            crate::decode::IpVersion::V6 => 6,
        };
        let ip = |bytes| weir_plugin_api::IpBytes { bytes, version };
        let identity = FlowIdentity {
            id: e.id.as_str(),
            handle,
            a: (ip(e.key.a_ip), e.key.a_port),
            z: (ip(e.key.z_ip), e.key.z_port),
        };
        Some((&mut e.app, identity))
    }

    /// Application states of the flows that left the table since the last
    /// call, in the order they left.
    pub fn take_ended_apps(&mut self) -> Vec<EndedApp> {
        std::mem::take(&mut self.ended_apps)
    }

    /// Ends every flow idle for the idle timeout at stream second `now_sec`.
    pub fn expire_idle(&mut self, now_sec: u64, events: &mut Vec<FlowEvent>) {
        let idle = self.cfg.idle_timeout_secs;
        while let Some(entry) = self.idle_wheel.first_entry() {
            if entry.key().saturating_add(idle) > now_sec {
                break;
            }
            for (slot, generation) in entry.remove() {
                let touched = match self.live_entry(slot, generation) {
                    Some(e) if e.ended.is_none() => e.last_touch_sec,
                    // Gone, or ended and waiting for the flush: drop the entry.
                    _ => continue,
                };
                if touched.saturating_add(idle) <= now_sec {
                    self.stats.timed_out += 1;
                    self.end_now(slot, EndReason::Timeout, events);
                } else {
                    // Active since: its only entry moves to its last second.
                    self.push_idle(touched, slot, generation);
                }
            }
        }
    }

    /// Collects every flow to flush at the interval boundary `boundary_sec`:
    /// flows that ended since the last flush, and live flows due for an interim
    /// (`active`) record. Ended flows leave the table.
    pub fn collect_flush(&mut self, boundary_sec: u64, out: &mut Vec<FlowSnapshot>) {
        out.append(&mut self.finished);
        for (slot, generation) in std::mem::take(&mut self.closing) {
            if self.live_entry(slot, generation).is_some() {
                let snap = self.remove(slot);
                out.push(snap);
            }
        }
        let due: Vec<u64> = self
            .active_due
            .range(..=boundary_sec)
            .map(|(k, _)| *k)
            .collect();
        for due_sec in due {
            for (slot, generation) in self.active_due.remove(&due_sec).unwrap_or_default() {
                let alive = self
                    .live_entry(slot, generation)
                    .is_some_and(|e| e.ended.is_none());
                if alive {
                    out.push(self.snapshot(slot, EndReason::Active));
                    let next = boundary_sec
                        .max(due_sec)
                        .saturating_add(self.cfg.active_timeout_secs);
                    self.active_due
                        .entry(next)
                        .or_default()
                        .push((slot, generation));
                }
            }
        }
    }

    /// Ends every remaining flow (end of input): live flows end with `eof`,
    /// in the order they began (then by id), not in the index's hash order,
    /// so that `on_terminate` sees the same order on every run.
    pub fn end_all(&mut self, events: &mut Vec<FlowEvent>) {
        let mut slots: Vec<(Timestamp, &str, u32)> = self
            .index
            .values()
            .filter_map(|&slot| self.entry(slot).map(|e| (e.first_ts, e.id.as_str(), slot)))
            .collect();
        slots.sort_unstable();
        let slots: Vec<u32> = slots.into_iter().map(|(_, _, slot)| slot).collect();
        for slot in slots {
            let already = self.entry(slot).and_then(|e| e.ended);
            if already.is_none() {
                self.end_now(slot, EndReason::Eof, events);
            }
        }
    }

    /// Adds `tag` to the flow behind `handle` if it is still in this table.
    /// Tags beyond 63 bytes in total are dropped (Trisul's limit).
    pub fn tag(&mut self, handle: FlowHandle, tag: &str) -> bool {
        let slot = ((handle.0 >> 32) & 0x00FF_FFFF) as u32;
        let generation = handle.0 as u32;
        let Some(e) = self.live_entry_mut(slot, generation) else {
            return false;
        };
        let current = e.tags.as_deref().unwrap_or("");
        if current.split('|').any(|t| t == tag) {
            return true;
        }
        let joined = if current.is_empty() {
            tag.to_string()
        } else {
            format!("{current}|{tag}")
        };
        if joined.len() > MAX_TAGS_LEN {
            return false;
        }
        e.tags = Some(joined.into());
        true
    }

    fn create(
        &mut self,
        key: FlowKey,
        dir: Direction,
        pkt: &PacketFacts<'_>,
        now_sec: u64,
        events: &mut Vec<FlowEvent>,
    ) -> u32 {
        if self.index.len() >= self.cfg.max_flows.max(1) {
            self.evict_one(events);
        }
        let generation = self.next_generation;
        self.next_generation = self.next_generation.wrapping_add(1).max(1);
        let entry = FlowEntry {
            key,
            id: FlowId::of(&key),
            counters: FlowCounters::default(),
            first_ts: pkt.ts,
            last_ts: pkt.ts,
            state: state::INIT,
            fin_a: false,
            fin_z: false,
            ended: None,
            last_touch_sec: now_sec,
            last_update_sec: now_sec,
            tags: None,
            usage: FlowUse {
                opened: true,
                ..FlowUse::default()
            },
            touched: false,
            app: None,
            outer: pkt.decoded.outer.map(|o| {
                let (a, z) = match dir {
                    Direction::AtoZ => (o.src, o.dst),
                    Direction::ZtoA => (o.dst, o.src),
                };
                OuterEnds {
                    version: o.version,
                    a,
                    z,
                }
            }),
        };
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Slot {
                    generation,
                    entry: Some(entry),
                };
                slot
            }
            None => {
                self.slots.push(Slot {
                    generation,
                    entry: Some(entry),
                });
                (self.slots.len() - 1) as u32
            }
        };
        self.index.insert(key, slot);
        self.stats.flows_created += 1;
        self.push_idle(now_sec, slot, generation);
        let due = now_sec.saturating_add(self.cfg.active_timeout_secs);
        self.active_due
            .entry(due)
            .or_default()
            .push((slot, generation));
        slot
    }

    fn evict_one(&mut self, events: &mut Vec<FlowEvent>) {
        // The oldest bucket holds the least recently active flow once the
        // entries of flows touched since are moved to their real second.
        while let Some(mut entry) = self.idle_wheel.first_entry() {
            let sec = *entry.key();
            let Some((slot, generation)) = entry.get_mut().pop() else {
                entry.remove();
                continue;
            };
            if entry.get().is_empty() {
                entry.remove();
            }
            let touched = match self.live_entry(slot, generation) {
                Some(e) if e.ended.is_none() => e.last_touch_sec,
                _ => continue,
            };
            if touched <= sec {
                self.stats.evicted += 1;
                self.end_now(slot, EndReason::Evicted, events);
                return;
            }
            self.push_idle(touched, slot, generation);
        }
    }

    /// Ends a flow now and moves it out of the index into the pending flush list.
    fn end_now(&mut self, slot: u32, reason: EndReason, events: &mut Vec<FlowEvent>) {
        if let Some(e) = self.slots[slot as usize].entry.as_mut() {
            e.state |= match reason {
                EndReason::Timeout => state::TIMEDOUT,
                _ => state::TERMINATED,
            };
            e.ended = Some(reason);
            e.usage.closed = true;
        }
        if self.cfg.events.contains(FlowEvents::TERMINATE) {
            events.push(FlowEvent::Terminate(self.snapshot(slot, reason)));
        }
        let snap = self.remove(slot);
        self.finished.push(snap);
    }

    fn unindex_closing(&mut self, slot: u32) {
        let snap = self.remove(slot);
        self.finished.push(snap);
    }

    fn remove(&mut self, slot: u32) -> FlowSnapshot {
        let reason = self
            .entry(slot)
            .and_then(|e| e.ended)
            .unwrap_or(EndReason::Eof);
        let snap = self.snapshot(slot, reason);
        if let Some(e) = self.slots[slot as usize].entry.take() {
            self.index.remove(&e.key);
            self.free.push(slot);
            if !e.usage.is_empty() {
                self.folded.push((e.key, e.usage));
            }
            if let Some(app) = e.app {
                self.ended_apps.push(EndedApp {
                    app,
                    last_ts: e.last_ts,
                });
            }
        }
        snap
    }

    /// Folds the usage of every flow that had packets this interval (flows
    /// that left the table were folded as they left). Call at each boundary
    /// after expiry and the flush, then [`FlowTable::drain_folded`].
    pub fn fold_touched(&mut self) {
        for (slot, generation) in std::mem::take(&mut self.touched) {
            let s = &mut self.slots[slot as usize];
            if s.generation != generation {
                continue;
            }
            if let Some(e) = s.entry.as_mut() {
                e.touched = false;
                if !e.usage.is_empty() {
                    self.folded.push((e.key, std::mem::take(&mut e.usage)));
                }
            }
        }
    }

    /// The usage folded so far (flows that left the table, and
    /// [`FlowTable::fold_touched`]), each flow's traffic exactly once.
    pub fn drain_folded(&mut self) -> std::vec::Drain<'_, (FlowKey, FlowUse)> {
        self.folded.drain(..)
    }

    fn snapshot(&self, slot: u32, reason: EndReason) -> FlowSnapshot {
        let s = &self.slots[slot as usize];
        let e = s.entry.as_ref().expect("snapshot of an empty slot");
        FlowSnapshot {
            handle: FlowHandle(
                u64::from(self.cfg.worker) << 56 | u64::from(slot) << 32 | u64::from(s.generation),
            ),
            key: e.key,
            id: e.id,
            counters: e.counters,
            first_ts: e.first_ts,
            last_ts: e.last_ts,
            state: e.state,
            end_reason: reason,
            tags: e.tags.clone(),
            ext: super::snapshot::record_ext(&e.counters, &e.key, e.outer),
        }
    }

    fn push_idle(&mut self, sec: u64, slot: u32, generation: u32) {
        self.idle_wheel
            .entry(sec)
            .or_default()
            .push((slot, generation));
    }

    fn entry(&self, slot: u32) -> Option<&FlowEntry> {
        self.slots.get(slot as usize)?.entry.as_ref()
    }

    fn live_entry(&self, slot: u32, generation: u32) -> Option<&FlowEntry> {
        let s = self.slots.get(slot as usize)?;
        if s.generation != generation {
            return None;
        }
        s.entry.as_ref()
    }

    fn live_entry_mut(&mut self, slot: u32, generation: u32) -> Option<&mut FlowEntry> {
        let s = self.slots.get_mut(slot as usize)?;
        if s.generation != generation {
            return None;
        }
        s.entry.as_mut()
    }
}

/// Updates TCP state bits; returns the end reason when this packet ends the flow.
fn tcp_state(e: &mut FlowEntry, flags: u8, dir: Direction) -> Option<EndReason> {
    let syn = flags & tcp_flags::SYN != 0;
    let ack = flags & tcp_flags::ACK != 0;
    if syn && !ack {
        e.state |= state::SEEN_SYN;
        e.state |= match dir {
            Direction::AtoZ => state::Z_END_SERVER,
            Direction::ZtoA => state::A_END_SERVER,
        };
    } else if syn && ack {
        e.state |= state::SEEN_SYN_ACK;
    } else if ack && e.state & state::SEEN_SYN_ACK != 0 {
        e.state |= state::SEEN_SYN_ACK_ACK;
    }
    if e.ended.is_some() {
        return None;
    }
    if flags & tcp_flags::RST != 0 {
        e.state |= state::SEEN_RST | state::TERMINATED;
        e.ended = Some(EndReason::Rst);
        return Some(EndReason::Rst);
    }
    if flags & tcp_flags::FIN != 0 {
        e.state |= state::SEEN_FIN;
        match dir {
            Direction::AtoZ => e.fin_a = true,
            Direction::ZtoA => e.fin_z = true,
        }
        if e.fin_a && e.fin_z {
            e.state |= state::TERMINATED;
            e.ended = Some(EndReason::Fin);
            return Some(EndReason::Fin);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{Fragment, IpVersion};

    const CLIENT: [u8; 4] = [10, 0, 0, 1];
    const SERVER: [u8; 4] = [10, 0, 0, 2];

    fn tcp(from_client: bool, flags: u8, payload: u32) -> Decoded {
        let (mut c, mut s) = ([0u8; 16], [0u8; 16]);
        c[..4].copy_from_slice(&CLIENT);
        s[..4].copy_from_slice(&SERVER);
        let (src_ip, dst_ip, src_port, dst_port) = if from_client {
            (c, s, 40000, 80)
        } else {
            (s, c, 80, 40000)
        };
        Decoded {
            ip_version: IpVersion::V4,
            src_ip,
            dst_ip,
            proto: 6,
            src_port,
            dst_port,
            vlan: [0; 2],
            vlan_count: 0,
            tcp_flags: flags,
            tcp_seq: 0,
            tcp_ack: 0,
            payload_len: payload,
            payload_offset: 54,
            fragment: Fragment::None,
            frag: crate::decode::FragmentPart::default(),
            icmp_type: 0,
            icmp_code: 0,
            encap: crate::decode::Encap::NONE,
            outer: None,
        }
    }

    fn feed(t: &mut FlowTable, d: Decoded, secs: u64, events: &mut Vec<FlowEvent>) {
        let facts = PacketFacts {
            decoded: &d,
            ts: Timestamp { secs, usecs: 0 },
            wire_len: 60 + d.payload_len,
            frames: 1,
        };
        t.observe(&facts, secs, events);
    }

    fn kinds(events: &[FlowEvent]) -> Vec<&'static str> {
        events
            .iter()
            .map(|e| match e {
                FlowEvent::New(_) => "new",
                FlowEvent::Update(_) => "update",
                FlowEvent::Terminate(_) => "terminate",
            })
            .collect()
    }

    fn handshake_and_close(t: &mut FlowTable, start: u64, ev: &mut Vec<FlowEvent>) {
        use tcp_flags::*;
        feed(t, tcp(true, SYN, 0), start, ev);
        feed(t, tcp(false, SYN | ACK, 0), start, ev);
        feed(t, tcp(true, ACK, 0), start, ev);
        feed(t, tcp(true, ACK | PSH, 100), start + 1, ev);
        feed(t, tcp(false, ACK | PSH, 1000), start + 1, ev);
        feed(t, tcp(true, FIN | ACK, 0), start + 2, ev);
        feed(t, tcp(false, FIN | ACK, 0), start + 2, ev);
        feed(t, tcp(true, ACK, 0), start + 2, ev);
    }

    #[test]
    fn fin_both_ways_ends_the_flow_and_the_last_ack_still_counts() {
        let mut t = FlowTable::new(FlowTableConfig::default());
        let mut ev = Vec::new();
        handshake_and_close(&mut t, 100, &mut ev);
        assert_eq!(kinds(&ev), ["new", "update", "update", "terminate"]);
        let mut flush = Vec::new();
        t.collect_flush(120, &mut flush);
        assert_eq!(flush.len(), 1);
        let f = &flush[0];
        assert_eq!(f.end_reason, EndReason::Fin);
        assert_eq!(
            (f.counters.az_packets, f.counters.za_packets),
            (5, 3),
            "final ACK counted"
        );
        assert_eq!((f.counters.az_payload, f.counters.za_payload), (100, 1000));
        let want = state::INIT
            | state::SEEN_SYN
            | state::SEEN_SYN_ACK
            | state::SEEN_SYN_ACK_ACK
            | state::Z_END_SERVER
            | state::SEEN_FIN
            | state::TERMINATED;
        assert_eq!(f.state, want);
        assert!(t.is_empty());
    }

    #[test]
    fn rst_ends_and_a_new_syn_starts_a_new_flow() {
        use tcp_flags::*;
        let mut t = FlowTable::new(FlowTableConfig::default());
        let mut ev = Vec::new();
        feed(&mut t, tcp(true, SYN, 0), 10, &mut ev);
        feed(&mut t, tcp(false, RST | ACK, 0), 10, &mut ev);
        feed(&mut t, tcp(true, SYN, 0), 11, &mut ev);
        assert_eq!(kinds(&ev), ["new", "terminate", "new"]);
        let mut flush = Vec::new();
        t.collect_flush(60, &mut flush);
        assert_eq!(flush.len(), 1, "the second flow is alive");
        assert_eq!(flush[0].end_reason, EndReason::Rst);
        assert_ne!(flush[0].state & state::SEEN_RST, 0);
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn idle_flows_time_out_without_scanning() {
        let mut t = FlowTable::new(FlowTableConfig {
            idle_timeout_secs: 120,
            ..FlowTableConfig::default()
        });
        let mut ev = Vec::new();
        feed(&mut t, tcp(true, tcp_flags::ACK, 10), 1000, &mut ev);
        feed(&mut t, tcp(true, tcp_flags::ACK, 10), 1050, &mut ev);
        t.expire_idle(1169, &mut ev);
        assert_eq!(t.len(), 1, "touched at 1050: alive until 1170");
        t.expire_idle(1170, &mut ev);
        assert!(t.is_empty());
        assert!(
            matches!(ev.last(), Some(FlowEvent::Terminate(s)) if s.end_reason == EndReason::Timeout)
        );
        let mut flush = Vec::new();
        t.collect_flush(1200, &mut flush);
        assert_eq!(flush[0].counters.az_packets, 2);
        assert_ne!(flush[0].state & state::TIMEDOUT, 0);
        assert_eq!(t.stats().timed_out, 1);
    }

    #[test]
    fn long_flows_get_cumulative_interim_records() {
        let mut t = FlowTable::new(FlowTableConfig {
            active_timeout_secs: 300,
            ..FlowTableConfig::default()
        });
        let mut ev = Vec::new();
        let mut interim = Vec::new();
        for s in (0..700).step_by(10) {
            let now = 1000 + s;
            feed(&mut t, tcp(true, tcp_flags::ACK, 1), now, &mut ev);
            if now % 60 == 0 {
                let mut flush = Vec::new();
                t.collect_flush(now, &mut flush);
                interim.extend(flush.into_iter().map(|f| (now, f)));
            }
        }
        // Born at 1000: due at 1300, flushed at the 1320 boundary; next due 1620.
        let at: Vec<u64> = interim.iter().map(|(now, _)| *now).collect();
        assert_eq!(at, [1320, 1620]);
        assert!(interim
            .iter()
            .all(|(_, f)| f.end_reason == EndReason::Active));
        assert!(
            interim[1].1.counters.az_packets > interim[0].1.counters.az_packets,
            "cumulative"
        );
        assert_eq!(t.len(), 1, "an interim record does not end the flow");
    }

    #[test]
    fn a_full_table_evicts_the_least_recently_active_flow() {
        let mut t = FlowTable::new(FlowTableConfig {
            max_flows: 2,
            ..FlowTableConfig::default()
        });
        let mut ev = Vec::new();
        let mut d = tcp(true, tcp_flags::ACK, 0);
        for (i, port) in [1000u16, 1001, 1000, 1002].into_iter().enumerate() {
            d.src_port = port;
            feed(&mut t, d, 10 + i as u64, &mut ev);
        }
        assert_eq!(t.len(), 2);
        assert_eq!(t.stats().evicted, 1);
        let mut flush = Vec::new();
        t.collect_flush(60, &mut flush);
        assert_eq!(flush.len(), 1);
        assert_eq!(flush[0].end_reason, EndReason::Evicted);
        assert_eq!(
            flush[0].key.a_port, 1001,
            "port 1000 was touched again later"
        );
    }

    #[test]
    fn tags_reach_live_flows_only_and_are_bounded() {
        let mut t = FlowTable::new(FlowTableConfig::default());
        let mut ev = Vec::new();
        feed(&mut t, tcp(true, tcp_flags::SYN, 0), 5, &mut ev);
        let FlowEvent::New(snap) = &ev[0] else {
            panic!("no new-flow event")
        };
        let handle = snap.handle;
        assert!(t.tag(handle, "alpha"));
        assert!(t.tag(handle, "alpha"), "a repeated tag is kept once");
        assert!(t.tag(handle, "beta"));
        assert!(
            !t.tag(handle, &"x".repeat(60)),
            "tags beyond 63 bytes are dropped"
        );
        assert!(
            !t.tag(FlowHandle(handle.0 ^ 1), "gamma"),
            "a stale generation is refused"
        );
        t.end_all(&mut ev);
        let mut flush = Vec::new();
        t.collect_flush(60, &mut flush);
        assert_eq!(flush[0].tags.as_deref(), Some("alpha|beta"));
        assert_eq!(flush[0].end_reason, EndReason::Eof);
        assert!(!t.tag(handle, "late"));
    }

    #[test]
    fn unsubscribed_events_are_not_produced() {
        let mut t = FlowTable::new(FlowTableConfig {
            events: FlowEvents(0),
            ..FlowTableConfig::default()
        });
        let mut ev = Vec::new();
        handshake_and_close(&mut t, 100, &mut ev);
        assert!(ev.is_empty());
    }
}
