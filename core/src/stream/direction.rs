//! The `direction` module deals with one direction of one TCP connection:
//! where its stream starts, what was delivered, what is held out of order,
//! and the classification of every byte a segment brings (new, repeated,
//! held, refused, past the end).

use std::cmp::{max, min};
use std::collections::BTreeMap;

use super::{Chunk, MemoryBudget, StreamConfig, StreamStats, MAX_DISTANCE, SEGMENT_OVERHEAD};
use crate::decode::tcp_flags::{FIN, RST, SYN};

/// Where a direction is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// No SYN and no data seen yet: there is no offset 0.
    Idle,
    /// The stream has an offset 0 (`base`) and takes segments.
    Open,
    /// FIN reached, RST, or finished: nothing more is delivered.
    Closed,
}

/// `fin_at` when no FIN was seen.
const NO_FIN: u64 = u64::MAX;

/// One direction of a TCP connection being reassembled.
///
/// Idle, it is 64 bytes and owns no heap memory (the held-segment tree does
/// not allocate while empty), so every TCP flow entry can carry two. Held
/// segments cost their payload plus [`SEGMENT_OVERHEAD`] each, bounded by
/// [`StreamConfig::max_held_per_direction`] and the [`MemoryBudget`].
///
/// Invariants, between calls: every held segment starts after
/// [`Direction::delivered`] (else it would have been delivered), held
/// segments do not overlap, none reaches past the FIN or the depth, and the
/// memory they are charged is reserved in the budget. A direction must be
/// [`Direction::finish`]ed before it is dropped, or its held memory stays
/// reserved in the budget (it has no handle on the budget to give it back).
///
/// It is deliberately not `Clone`: a copy would hold memory the budget does
/// not know about.
#[derive(Debug)]
pub struct Direction {
    /// Held out-of-order segments by stream offset.
    held: BTreeMap<u64, Box<[u8]>>,
    /// Stream offset of the next byte to deliver (data and gaps so far).
    delivered: u64,
    /// Stream offset of the FIN ([`NO_FIN`] until one is seen).
    fin_at: u64,
    /// Memory charged for `held`: payload + overhead per segment.
    held_charge: usize,
    /// Sequence number of stream offset 0 (meaningful once open).
    base: u32,
    state: State,
    /// The depth was reached: nothing more is delivered or held.
    depth_reached: bool,
    /// While idle: the furthest sequence number the peer acknowledged.
    /// A midstream pickup starts there, not at its first segment, so that
    /// the bytes before it that the capture missed are a gap, not nothing
    /// (a parser then knows it came in mid-message).
    idle_ack: Option<u32>,
}

impl Default for Direction {
    fn default() -> Self {
        Direction::new()
    }
}

impl Direction {
    /// A direction that has seen nothing.
    pub fn new() -> Direction {
        Direction {
            held: BTreeMap::new(),
            delivered: 0,
            fin_at: NO_FIN,
            held_charge: 0,
            base: 0,
            state: State::Idle,
            depth_reached: false,
            idle_ack: None,
        }
    }

    /// Memory charged for held out-of-order segments, bytes: their payload
    /// plus [`SEGMENT_OVERHEAD`] each. Never more than
    /// [`StreamConfig::max_held_per_direction`].
    pub fn held_bytes(&self) -> usize {
        self.held_charge
    }

    /// Stream offset reached: bytes delivered so far, data and gaps.
    pub fn delivered(&self) -> u64 {
        self.delivered
    }

    /// Whether the direction is closed (FIN reached, RST, or finished):
    /// it delivers nothing more.
    pub fn is_closed(&self) -> bool {
        self.state == State::Closed
    }

    /// The sequence number of the next byte to deliver.
    fn next_seq(&self) -> u32 {
        // Offsets are taken modulo 2^32 on purpose: sequence numbers wrap.
        self.base.wrapping_add(self.delivered as u32)
    }

    /// One segment of this direction: `seq` is its TCP sequence number,
    /// `flags` its TCP flags byte, `payload` its payload bytes (as captured).
    ///
    /// Delivers to `sink`, in stream order and exactly once, every byte that
    /// becomes in order: the in-order part of `payload` straight from the
    /// slice (no copy), then any held segments it joins up with. Bytes after
    /// a hole are copied and held, within the caps. A RST ends the direction
    /// as [`Direction::finish`] does. Never panics.
    #[allow(clippy::too_many_arguments)]
    pub fn segment(
        &mut self,
        seq: u32,
        flags: u8,
        payload: &[u8],
        cfg: &StreamConfig,
        budget: &MemoryBudget,
        stats: &mut StreamStats,
        sink: &mut dyn FnMut(Chunk<'_>),
    ) {
        stats.segments += 1;
        let len = payload.len() as u64;
        stats.payload_bytes += len;
        if flags & RST != 0 {
            // A RST's payload is a diagnostic, not stream data (RFC 9293
            // 3.5.3); the receiver's stream ends here.
            stats.rst_payload_bytes += len;
            if self.state != State::Closed {
                stats.rst_closes += 1;
            }
            self.flush(cfg, budget, stats, sink);
            return;
        }
        if self.depth_reached {
            // Sequence numbers are not followed past the depth: a long
            // transfer would drift out of the comparable range.
            stats.depth_exceeded_bytes += len;
            return;
        }
        let syn = flags & SYN != 0;
        let fin = flags & FIN != 0;
        // The SYN takes one sequence number: data (TFO) starts after it.
        let data_seq = if syn { seq.wrapping_add(1) } else { seq };
        if self.state == State::Idle {
            if syn {
                stats.syn_starts += 1;
            } else if !payload.is_empty() {
                stats.midstream_starts += 1;
                // The peer already acknowledged bytes up to `a`: everything
                // from there to this segment was sent and not captured.
                if let Some(a) = self.idle_ack {
                    let behind = data_seq.wrapping_sub(a) as i32;
                    if behind > 0 && behind.unsigned_abs() <= MAX_DISTANCE {
                        stats.midstream_gap_starts += 1;
                        self.base = a;
                        self.state = State::Open;
                    }
                }
            } else {
                // A pure ACK or a lone FIN: nothing to anchor offset 0 to.
                return;
            }
            if self.state == State::Idle {
                self.base = data_seq;
                self.state = State::Open;
            }
        }
        if payload.is_empty() && !fin {
            return;
        }
        let rel = data_seq.wrapping_sub(self.next_seq()) as i32;
        if rel.unsigned_abs() > MAX_DISTANCE {
            stats.bogus_segments += 1;
            stats.bogus_bytes += len;
            return;
        }
        let start = self.delivered as i64 + i64::from(rel);
        let mut end = start + len as i64;
        if fin && self.state == State::Open && self.fin_at == NO_FIN && end >= self.delivered as i64
        {
            // The first FIN wins, like the first copy of data.
            self.fin_at = end as u64;
            stats.after_close_bytes += self.drop_held_from(self.fin_at, budget);
        }

        let mut cursor = start;
        let delivered = self.delivered as i64;
        if cursor < delivered {
            let old = min(delivered, end) - cursor;
            stats.retransmitted_bytes += old as u64;
            if end <= delivered && len > 0 {
                stats.retransmitted_segments += 1;
            }
            cursor = delivered;
        }
        if cursor < end && self.state == State::Closed {
            stats.after_close_bytes += (end - cursor) as u64;
            return;
        }
        if self.fin_at != NO_FIN && end > self.fin_at as i64 {
            let cut = max(cursor, self.fin_at as i64);
            stats.after_close_bytes += (end - cut) as u64;
            end = cut;
        }
        // A depth past i64::MAX is as good as unlimited.
        let depth = i64::try_from(cfg.depth).unwrap_or(i64::MAX);
        if cfg.depth != 0 && end > depth {
            let cut = max(cursor, depth);
            stats.depth_exceeded_bytes += (end - cut) as u64;
            end = cut;
        }

        // `cursor..end` are new bytes at or after `delivered`; the payload
        // index of offset `o` is `o - start`.
        let at = |o: i64| (o - start) as usize;
        while cursor < end && self.state == State::Open && !self.depth_reached {
            if cursor > self.delivered as i64 {
                self.hold(
                    &payload[at(cursor)..at(end)],
                    cursor as u64,
                    cfg,
                    budget,
                    stats,
                );
                cursor = end;
                break;
            }
            let before = cursor;
            // In order: the payload up to the next held segment, from the
            // slice itself.
            let next_held = self.held.keys().next().map(|&k| k as i64);
            let limit = next_held.map_or(end, |h| min(h, end));
            if limit > cursor {
                self.emit(
                    Chunk::Data(&payload[at(cursor)..at(limit)]),
                    cfg,
                    budget,
                    stats,
                    sink,
                );
                cursor = limit;
            }
            // Held segments that now join up: the held copy wins over the
            // payload bytes that repeat it.
            while let Some((hs, data)) = self.pop_held_at_delivered(budget) {
                let he = hs + data.len() as i64;
                let (lo, hi) = (max(hs, cursor), min(he, end));
                if lo < hi {
                    count_overlap(
                        &data[(lo - hs) as usize..(hi - hs) as usize],
                        &payload[at(lo)..at(hi)],
                        stats,
                    );
                }
                self.emit(Chunk::Data(&data), cfg, budget, stats, sink);
                cursor = max(cursor, he);
            }
            if cursor == before {
                // Defensive: every pass advances (the invariant says no held
                // segment starts at `delivered`); never spin if that breaks.
                break;
            }
        }
        if cursor < end {
            // Cut short by the depth (or, defensively, a close) in the loop.
            let rest = (end - cursor) as u64;
            if self.depth_reached {
                stats.depth_exceeded_bytes += rest;
            } else {
                stats.after_close_bytes += rest;
            }
        }
        self.close_at_fin(budget, stats);
    }

    /// The other direction acknowledged up to `ack` (its ACK field, taken
    /// only from segments with the ACK flag). The receiver has every byte
    /// below `ack`, so the capture's holes below it are lost for good: each
    /// is delivered as a [`Chunk::Gap`] of its length, then the held data
    /// after it, as far as it joins up. An ACK at or behind the delivered
    /// offset does nothing; one more than [`super::MAX_DISTANCE`] ahead is
    /// ignored and counted (`bogus_acks`).
    pub fn acked(
        &mut self,
        ack: u32,
        cfg: &StreamConfig,
        budget: &MemoryBudget,
        stats: &mut StreamStats,
        sink: &mut dyn FnMut(Chunk<'_>),
    ) {
        if self.state == State::Idle {
            let further = self
                .idle_ack
                .is_none_or(|a| (ack.wrapping_sub(a) as i32) > 0);
            if further {
                self.idle_ack = Some(ack);
            }
            return;
        }
        if self.state != State::Open || self.depth_reached {
            return;
        }
        let rel = ack.wrapping_sub(self.next_seq()) as i32;
        if rel <= 0 {
            return;
        }
        if rel.unsigned_abs() > MAX_DISTANCE {
            stats.bogus_acks += 1;
            return;
        }
        // The FIN's own sequence number is acknowledged too: not a hole.
        let target = min(self.delivered + u64::from(rel.unsigned_abs()), self.fin_at);
        while self.delivered < target && self.state == State::Open && !self.depth_reached {
            let first = self.held.keys().next().copied();
            match first {
                Some(hs) if hs == self.delivered => {
                    if let Some((_, data)) = self.pop_held_at_delivered(budget) {
                        self.emit(Chunk::Data(&data), cfg, budget, stats, sink);
                    }
                }
                _ => {
                    let stop = first.map_or(target, |hs| min(hs, target));
                    self.emit(Chunk::Gap(stop - self.delivered), cfg, budget, stats, sink);
                }
            }
        }
        while let Some((_, data)) = self.pop_held_at_delivered(budget) {
            self.emit(Chunk::Data(&data), cfg, budget, stats, sink);
        }
        self.close_at_fin(budget, stats);
    }

    /// The flow ends, or the direction is abandoned: the held data is
    /// delivered with a [`Chunk::Gap`] for each hole before it (and one up
    /// to the FIN when the FIN was seen past the last byte), the memory is
    /// released, and the direction is closed. Later segments only count.
    pub fn finish(
        &mut self,
        cfg: &StreamConfig,
        budget: &MemoryBudget,
        stats: &mut StreamStats,
        sink: &mut dyn FnMut(Chunk<'_>),
    ) {
        self.flush(cfg, budget, stats, sink);
    }

    /// What [`Direction::finish`] and a RST do.
    fn flush(
        &mut self,
        cfg: &StreamConfig,
        budget: &MemoryBudget,
        stats: &mut StreamStats,
        sink: &mut dyn FnMut(Chunk<'_>),
    ) {
        if self.state == State::Open {
            while let Some((hs, data)) = self.held.pop_first() {
                self.unhold(data.len(), budget);
                if hs > self.delivered {
                    self.emit(Chunk::Gap(hs - self.delivered), cfg, budget, stats, sink);
                }
                self.emit(Chunk::Data(&data), cfg, budget, stats, sink);
            }
            if self.fin_at != NO_FIN && self.fin_at > self.delivered {
                self.emit(
                    Chunk::Gap(self.fin_at - self.delivered),
                    cfg,
                    budget,
                    stats,
                    sink,
                );
            }
        }
        // Nothing is held in any other state; this only keeps the budget
        // right if that ever changes.
        stats.after_close_bytes += self.drop_held_from(0, budget);
        self.state = State::Closed;
    }

    /// Delivers `chunk` at `delivered`, cut at the depth. Reaching the
    /// depth drops everything held.
    fn emit(
        &mut self,
        chunk: Chunk<'_>,
        cfg: &StreamConfig,
        budget: &MemoryBudget,
        stats: &mut StreamStats,
        sink: &mut dyn FnMut(Chunk<'_>),
    ) {
        let len = match chunk {
            Chunk::Data(d) => d.len() as u64,
            Chunk::Gap(n) => n,
        };
        let room = match cfg.depth {
            0 => u64::MAX,
            depth => depth.saturating_sub(self.delivered),
        };
        let take = min(len, room);
        match chunk {
            Chunk::Data(d) => {
                stats.depth_exceeded_bytes += len - take;
                if take > 0 {
                    sink(Chunk::Data(&d[..take as usize]));
                    stats.delivered_bytes += take;
                }
            }
            Chunk::Gap(_) => {
                if take > 0 {
                    sink(Chunk::Gap(take));
                    stats.gaps += 1;
                    stats.gap_bytes += take;
                }
            }
        }
        self.delivered += take;
        if cfg.depth != 0 && self.delivered >= cfg.depth && !self.depth_reached {
            self.depth_reached = true;
            stats.depth_exceeded_bytes += self.drop_held_from(0, budget);
        }
    }

    /// Copies the new parts of `data` (stream offset `at`, after
    /// `delivered`) into the hold, within the caps.
    fn hold(
        &mut self,
        data: &[u8],
        at: u64,
        cfg: &StreamConfig,
        budget: &MemoryBudget,
        stats: &mut StreamStats,
    ) {
        let end = at + data.len() as u64;
        // The held segment that starts before `at` may reach into it.
        let from = self
            .held
            .range(..at)
            .next_back()
            .filter(|(&k, v)| k + v.len() as u64 > at)
            .map_or(at, |(&k, _)| k);
        let mut holes = Vec::new();
        let mut pos = at;
        for (&hs, held) in self.held.range(from..end) {
            let he = hs + held.len() as u64;
            if hs > pos {
                holes.push((pos, hs));
            }
            let (lo, hi) = (max(hs, at), min(he, end));
            if lo < hi {
                count_overlap(
                    &held[(lo - hs) as usize..(hi - hs) as usize],
                    &data[(lo - at) as usize..(hi - at) as usize],
                    stats,
                );
            }
            pos = max(pos, he);
        }
        if pos < end {
            holes.push((pos, end));
        }
        let (mut held_any, mut over_limit, mut over_budget) = (false, false, false);
        for (s, e) in holes {
            let n = (e - s) as usize;
            let charge = n + SEGMENT_OVERHEAD;
            if self.held_charge.saturating_add(charge) > cfg.max_held_per_direction {
                stats.held_limit_bytes += n as u64;
                over_limit = true;
            } else if !budget.try_reserve(charge) {
                stats.memory_bytes += n as u64;
                over_budget = true;
            } else {
                let piece = &data[(s - at) as usize..(e - at) as usize];
                self.held.insert(s, piece.into());
                self.held_charge += charge;
                held_any = true;
            }
        }
        stats.held_segments += u64::from(held_any);
        stats.held_limit_segments += u64::from(over_limit);
        stats.memory_segments += u64::from(over_budget);
    }

    /// Takes the held segment that starts at `delivered`, if any, releasing
    /// its memory; its offset comes back as an `i64` for the caller's
    /// arithmetic.
    fn pop_held_at_delivered(&mut self, budget: &MemoryBudget) -> Option<(i64, Box<[u8]>)> {
        let entry = self.held.first_entry()?;
        if *entry.key() != self.delivered {
            return None;
        }
        let data = entry.remove();
        self.unhold(data.len(), budget);
        Some((self.delivered as i64, data))
    }

    /// Releases the charge of a held segment of `len` payload bytes.
    fn unhold(&mut self, len: usize, budget: &MemoryBudget) {
        let charge = len + SEGMENT_OVERHEAD;
        self.held_charge = self.held_charge.saturating_sub(charge);
        budget.release(charge);
    }

    /// Drops held bytes at or past stream offset `from`, cutting a segment
    /// that straddles it; how many were dropped, for the caller to count.
    fn drop_held_from(&mut self, from: u64, budget: &MemoryBudget) -> u64 {
        let mut dropped = 0;
        for (_, data) in self.held.split_off(&from) {
            dropped += data.len() as u64;
            self.unhold(data.len(), budget);
        }
        let Some(mut last) = self.held.last_entry() else {
            return dropped;
        };
        let hs = *last.key();
        let keep = (from - hs) as usize;
        let len = last.get().len();
        if len > keep {
            let cut = len - keep;
            let kept: Box<[u8]> = last.get()[..keep].into();
            *last.get_mut() = kept;
            dropped += cut as u64;
            self.held_charge = self.held_charge.saturating_sub(cut);
            budget.release(cut);
        }
        dropped
    }

    /// Closes the direction once everything up to its FIN was delivered.
    fn close_at_fin(&mut self, budget: &MemoryBudget, stats: &mut StreamStats) {
        if self.state == State::Open && self.fin_at != NO_FIN && self.delivered >= self.fin_at {
            self.state = State::Closed;
            stats.fin_closes += 1;
            stats.after_close_bytes += self.drop_held_from(0, budget);
        }
    }
}

/// Counts `new` bytes that repeat `kept` ones: all as overlap, those that
/// differ as conflicts.
fn count_overlap(kept: &[u8], new: &[u8], stats: &mut StreamStats) {
    stats.overlap_bytes += new.len() as u64;
    let differ = kept.iter().zip(new).filter(|(a, b)| a != b).count();
    stats.overlap_conflict_bytes += differ as u64;
}
