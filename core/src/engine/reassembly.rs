//! The `reassembly` module deals with putting fragmented IPv4 and IPv6
//! datagrams back together on the reader thread, before they are sharded:
//! a datagram's fragments hash to different 5-tuples (only the first has
//! ports), so only the reader sees them all.
//!
//! **Bounded.** At most [`Limits::max_bytes`] of fragment data is held,
//! all datagrams together (the oldest datagrams give way first); a datagram
//! waits at most [`Limits::timeout_secs`] of stream time for its missing
//! fragments and takes at most [`Limits::max_fragments`] frames; nothing
//! beyond 65,535 bytes of payload (the IP length fields' limit) is built.
//!
//! **Policy.** Fragments may come in any order. A fragment that repeats
//! bytes already held, identically, is a duplicate: its frame counts, its
//! bytes are not written twice. A fragment whose bytes *differ* from bytes
//! already held is an overlap attack or corruption: the datagram is not
//! reassembled (RFC 5722 says so for IPv6; Linux does the same for IPv4),
//! as for the other failures below.
//!
//! **Nothing is lost.** A datagram that cannot be reassembled (overlap,
//! timeout, memory, too many fragments, too big, a fragment cut short by
//! the snap length, inconsistent lengths, incomplete at end of input) is
//! handed back fragment by fragment ([`Verdict::Replay`], [`Reassembler::expire`],
//! [`Reassembler::drain`]): each counts as it would without reassembly (the
//! first fragment in its 5-tuple flow, later ones in the port-less flow of
//! the IP pair), and the drop is counted by reason.
//!
//! A reassembled datagram is one packet of its flow, with every fragment's
//! frame bytes and frame count ([`Completed`]); its summary is decoded from
//! the rebuilt packet (a plain IPv4 or IPv6 header before the payload), so a
//! tunnel inside it opens as in any packet.

use std::collections::{BTreeMap, HashMap, VecDeque};

use weir_plugin_api::Timestamp;

use crate::decode::{self, ethernet, Decoded, Encap, Fragment, IpVersion, LinkFacts};

/// Bounds of the reassembler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Fragment data held, all datagrams together, bytes.
    pub max_bytes: usize,
    /// Stream seconds a datagram waits for its missing fragments.
    pub timeout_secs: u64,
    /// Frames one datagram may take (duplicates included).
    pub max_fragments: usize,
}

impl Default for Limits {
    /// 64 MiB, 30 s (Linux's `ipfrag_time`), 64 fragments.
    fn default() -> Self {
        Limits {
            max_bytes: 64 << 20,
            timeout_secs: 30,
            max_fragments: 64,
        }
    }
}

/// Why a datagram was not reassembled. The names are the keys of
/// `summary.json`'s `reassembly.dropped`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DropReason {
    /// Its missing fragments did not come within the timeout.
    Timeout,
    /// It gave way to newer datagrams when the memory cap was reached.
    Memory,
    /// A fragment's bytes differ from bytes already held.
    Overlap,
    /// More frames than [`Limits::max_fragments`].
    TooManyFragments,
    /// Its payload would exceed 65,535 bytes.
    TooBig,
    /// A fragment was cut short by the snap length.
    Truncated,
    /// Lengths that cannot be: two different ends, data past the end, a
    /// fragment that is not the last and not a multiple of 8 bytes.
    Inconsistent,
    /// Still incomplete at the end of input.
    Incomplete,
}

impl DropReason {
    /// The key used in the summary.
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::Timeout => "timeout",
            DropReason::Memory => "memory",
            DropReason::Overlap => "overlap",
            DropReason::TooManyFragments => "too_many_fragments",
            DropReason::TooBig => "too_big",
            DropReason::Truncated => "truncated",
            DropReason::Inconsistent => "inconsistent",
            DropReason::Incomplete => "incomplete",
        }
    }
}

/// One fragment frame as it reached the reader, kept to be handed back if
/// its datagram cannot be reassembled.
#[derive(Debug, Clone, Copy)]
pub struct HeldFragment {
    /// Its summary, as without reassembly.
    pub decoded: Decoded,
    /// Its frame's length on the wire.
    pub wire_len: u32,
    /// Its capture time.
    pub ts: Timestamp,
}

/// A reassembled datagram.
#[derive(Debug, Clone, Copy)]
pub struct Completed {
    /// The datagram's summary (ports, flags, payload of the whole datagram).
    pub decoded: Decoded,
    /// Frames that carried it (duplicates included).
    pub frames: u32,
    /// Their bytes on the wire.
    pub bytes: u64,
    /// The time of the frame that completed it.
    pub ts: Timestamp,
}

/// What became of a fragment.
#[derive(Debug)]
pub enum Verdict {
    /// Held: its datagram is not complete yet.
    Held,
    /// It completed its datagram; [`Reassembler::datagram`] holds the
    /// rebuilt packet until the next call.
    Complete(Completed),
    /// Its datagram will not be reassembled, or older datagrams gave way to
    /// it under the memory cap: these fragments count as they are (this one
    /// among them when it is its datagram that was dropped).
    Replay(Vec<HeldFragment>),
}

/// What the reassembler did, for the summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReassemblyStats {
    /// Datagrams reassembled.
    pub datagrams: u64,
    /// Fragment frames that went into them.
    pub fragments: u64,
    /// Datagrams not reassembled, by reason.
    pub dropped: BTreeMap<&'static str, u64>,
    /// Fragment frames handed back unreassembled.
    pub fragments_unreassembled: u64,
}

/// Which datagram a fragment belongs to (RFC 791: addresses, protocol,
/// identification; plus the VLANs and tunnel it came through).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct DatagramKey {
    version: IpVersion,
    src: [u8; 16],
    dst: [u8; 16],
    proto: u8,
    id: u32,
    vlan: [u16; 2],
    vlan_count: u8,
    encap: Encap,
}

impl DatagramKey {
    fn of(d: &Decoded) -> DatagramKey {
        DatagramKey {
            version: d.ip_version,
            src: d.src_ip,
            dst: d.dst_ip,
            proto: d.proto,
            id: d.frag.id,
            vlan: d.vlan,
            vlan_count: d.vlan_count,
            encap: d.encap,
        }
    }
}

#[derive(Debug)]
struct Datagram {
    generation: u64,
    /// Payload bytes, as far as fragments reached.
    data: Vec<u8>,
    /// Byte ranges of `data` filled, sorted, disjoint, not adjacent.
    filled: Vec<(usize, usize)>,
    /// The payload's length, once the last fragment came.
    total: Option<usize>,
    /// The offset-0 fragment's summary.
    first: Option<Decoded>,
    held: Vec<HeldFragment>,
    bytes: u64,
}

impl Datagram {
    fn is_complete(&self) -> bool {
        matches!((self.total, self.filled.as_slice()), (Some(t), [(0, end)]) if *end == t)
    }
}

/// The largest payload an IP length field can describe.
const MAX_PAYLOAD: usize = 65_535;

/// The reader's reassembler.
#[derive(Debug)]
pub struct Reassembler {
    limits: Limits,
    datagrams: HashMap<DatagramKey, Datagram, foldhash::fast::RandomState>,
    /// (stream second of the first fragment, key, generation), oldest first.
    order: VecDeque<(u64, DatagramKey, u64)>,
    next_generation: u64,
    held_bytes: usize,
    /// The last rebuilt packet (see [`Verdict::Complete`]).
    packet: Vec<u8>,
    stats: ReassemblyStats,
}

impl Reassembler {
    /// An empty reassembler.
    pub fn new(limits: Limits) -> Reassembler {
        Reassembler {
            limits,
            datagrams: HashMap::with_hasher(foldhash::fast::RandomState::default()),
            order: VecDeque::new(),
            next_generation: 0,
            held_bytes: 0,
            packet: Vec::new(),
            stats: ReassemblyStats::default(),
        }
    }

    /// What it did so far.
    pub fn stats(&self) -> &ReassemblyStats {
        &self.stats
    }

    /// The packet rebuilt by the last [`Verdict::Complete`]: an IPv4 or
    /// IPv6 header, then the payload; the completed summary's offsets are
    /// offsets in it.
    pub fn datagram(&self) -> &[u8] {
        &self.packet
    }

    /// Datagrams waiting for fragments.
    pub fn pending(&self) -> usize {
        self.datagrams.len()
    }

    /// Takes one fragment (`d.fragment` is not [`Fragment::None`]) of
    /// `frame`, at stream second `now_sec`.
    pub fn push(
        &mut self,
        frame: &[u8],
        d: &Decoded,
        wire_len: u32,
        ts: Timestamp,
        now_sec: u64,
    ) -> Verdict {
        let key = DatagramKey::of(d);
        let held = HeldFragment {
            decoded: *d,
            wire_len,
            ts,
        };
        let part = d.frag;
        let start = usize::from(part.offset);
        let len = part.data_len as usize;
        let end = start + len;
        let data = frame
            .get(part.data_offset as usize..part.data_offset as usize + len)
            .unwrap_or(&[]);
        if !self.datagrams.contains_key(&key) {
            let generation = self.next_generation;
            self.next_generation += 1;
            self.order.push_back((now_sec, key, generation));
            self.datagrams.insert(
                key,
                Datagram {
                    generation,
                    data: Vec::new(),
                    filled: Vec::new(),
                    total: None,
                    first: None,
                    held: Vec::new(),
                    bytes: 0,
                },
            );
        }
        let limits = self.limits;
        let Some(dg) = self.datagrams.get_mut(&key) else {
            return Verdict::Replay(vec![held]);
        };
        dg.held.push(held);
        dg.bytes += u64::from(wire_len);
        let problem = if part.data_len != part.data_wire_len || data.len() != len {
            Some(DropReason::Truncated)
        } else if dg.held.len() > limits.max_fragments {
            Some(DropReason::TooManyFragments)
        } else if end > MAX_PAYLOAD {
            Some(DropReason::TooBig)
        } else if inconsistent(part.more, len, end, dg) {
            Some(DropReason::Inconsistent)
        } else if overlaps_differently(dg, start, data) {
            Some(DropReason::Overlap)
        } else {
            None
        };
        if let Some(reason) = problem {
            return Verdict::Replay(self.remove(&key, reason));
        }
        // Write and merge the range.
        let grow = end.saturating_sub(dg.data.len());
        if dg.data.len() < end {
            dg.data.resize(end, 0);
        }
        dg.data[start..end].copy_from_slice(data);
        insert_range(&mut dg.filled, start, end);
        if !part.more {
            dg.total = Some(end);
        }
        if part.offset == 0 && dg.first.is_none() {
            dg.first = Some(*d);
        }
        self.held_bytes += grow;
        if dg.is_complete() {
            return self.complete(&key, ts);
        }
        // Older datagrams (or this one) give way when the cap is passed.
        let dropped = self.enforce_memory();
        if dropped.is_empty() {
            Verdict::Held
        } else {
            Verdict::Replay(dropped)
        }
    }

    /// Hands back every datagram that waited `timeout_secs` by stream second
    /// `now_sec`, fragment by fragment.
    pub fn expire(&mut self, now_sec: u64) -> Vec<HeldFragment> {
        let mut out = Vec::new();
        while let Some(&(since, key, generation)) = self.order.front() {
            if self
                .datagrams
                .get(&key)
                .is_some_and(|d| d.generation == generation)
            {
                if since.saturating_add(self.limits.timeout_secs) > now_sec {
                    break;
                }
                out.extend(self.remove(&key, DropReason::Timeout));
            }
            self.order.pop_front();
        }
        out
    }

    /// Hands back every datagram still incomplete (end of input).
    pub fn drain(&mut self) -> Vec<HeldFragment> {
        let mut out = Vec::new();
        while let Some((_, key, generation)) = self.order.pop_front() {
            if self
                .datagrams
                .get(&key)
                .is_some_and(|d| d.generation == generation)
            {
                out.extend(self.remove(&key, DropReason::Incomplete));
            }
        }
        out
    }

    /// Gives way, oldest datagram first, until the data held fits the cap;
    /// the fragments of the datagrams dropped.
    fn enforce_memory(&mut self) -> Vec<HeldFragment> {
        let mut out = Vec::new();
        while self.held_bytes > self.limits.max_bytes {
            let Some((_, key, generation)) = self.order.pop_front() else {
                break;
            };
            if self
                .datagrams
                .get(&key)
                .is_some_and(|d| d.generation == generation)
            {
                out.extend(self.remove(&key, DropReason::Memory));
            }
        }
        out
    }

    fn remove(&mut self, key: &DatagramKey, reason: DropReason) -> Vec<HeldFragment> {
        let Some(dg) = self.datagrams.remove(key) else {
            return Vec::new();
        };
        self.held_bytes -= dg.data.len().min(self.held_bytes);
        *self.stats.dropped.entry(reason.as_str()).or_insert(0) += 1;
        self.stats.fragments_unreassembled += dg.held.len() as u64;
        dg.held
    }

    fn complete(&mut self, key: &DatagramKey, ts: Timestamp) -> Verdict {
        let Some(dg) = self.datagrams.remove(key) else {
            return Verdict::Held;
        };
        self.held_bytes -= dg.data.len().min(self.held_bytes);
        let (Some(first), Some(total)) = (dg.first, dg.total) else {
            // `is_complete` implies both; keep the frames either way.
            return Verdict::Replay(dg.held);
        };
        self.packet.clear();
        let ethertype = match first.ip_version {
            IpVersion::V4 => {
                let total_len = (20 + total).min(usize::from(u16::MAX)) as u16;
                self.packet.extend_from_slice(&[0x45, 0]);
                self.packet.extend_from_slice(&total_len.to_be_bytes());
                self.packet
                    .extend_from_slice(&(first.frag.id as u16).to_be_bytes());
                self.packet
                    .extend_from_slice(&[0, 0, 64, first.proto, 0, 0]);
                self.packet.extend_from_slice(&first.src_ip[..4]);
                self.packet.extend_from_slice(&first.dst_ip[..4]);
                ethernet::ethertype::IPV4
            }
            IpVersion::V6 => {
                self.packet.extend_from_slice(&[0x60, 0, 0, 0]);
                self.packet.extend_from_slice(&(total as u16).to_be_bytes());
                self.packet.extend_from_slice(&[first.proto, 64]);
                self.packet.extend_from_slice(&first.src_ip);
                self.packet.extend_from_slice(&first.dst_ip);
                ethernet::ethertype::IPV6
            }
        };
        self.packet.extend_from_slice(&dg.data);
        let mut facts = LinkFacts::default();
        let decoded = decode::decode_from(
            decode::Start::EtherType(ethertype),
            &self.packet,
            &mut facts,
        );
        let Ok(Some(mut decoded)) = decoded else {
            // A whole datagram whose transport header is damaged: count its
            // frames as they came.
            *self
                .stats
                .dropped
                .entry(DropReason::Inconsistent.as_str())
                .or_insert(0) += 1;
            self.stats.fragments_unreassembled += dg.held.len() as u64;
            return Verdict::Replay(dg.held);
        };
        decoded.vlan = first.vlan;
        decoded.vlan_count = first.vlan_count;
        decoded.encap = first.encap;
        decoded.outer = first.outer;
        debug_assert_eq!(decoded.fragment, Fragment::None);
        self.stats.datagrams += 1;
        self.stats.fragments += dg.held.len() as u64;
        Verdict::Complete(Completed {
            decoded,
            frames: dg.held.len() as u32,
            bytes: dg.bytes,
            ts,
        })
    }
}

/// Whether a fragment of `len` bytes ending at `end` contradicts what `dg`
/// already knows: a fragment that is not the last must be a multiple of 8
/// bytes and end before the datagram's end; the last must end where an
/// earlier last one did, and after everything held.
fn inconsistent(more: bool, len: usize, end: usize, dg: &Datagram) -> bool {
    if more {
        !len.is_multiple_of(8) || dg.total.is_some_and(|t| end > t)
    } else {
        dg.total.is_some_and(|t| t != end) || dg.filled.last().is_some_and(|&(_, e)| e > end)
    }
}

/// Whether `data` at `start` differs from bytes of `dg` already filled.
fn overlaps_differently(dg: &Datagram, start: usize, data: &[u8]) -> bool {
    let end = start + data.len();
    dg.filled.iter().any(|&(s, e)| {
        let (lo, hi) = (s.max(start), e.min(end));
        lo < hi && dg.data[lo..hi] != data[lo - start..hi - start]
    })
}

/// Adds `[start, end)` to the sorted, disjoint, non-adjacent `ranges`.
fn insert_range(ranges: &mut Vec<(usize, usize)>, start: usize, end: usize) {
    if start >= end {
        return;
    }
    let (mut s, mut e) = (start, end);
    ranges.retain(|&(rs, re)| {
        if re < s || rs > e {
            true
        } else {
            s = s.min(rs);
            e = e.max(re);
            false
        }
    });
    let at = ranges.partition_point(|&(rs, _)| rs < s);
    ranges.insert(at, (s, e));
}

#[cfg(test)]
#[path = "reassembly_tests.rs"]
mod tests;
