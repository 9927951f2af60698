//! The `stats` module deals with what TCP reassembly did, counted by kind:
//! every byte a segment carries ends up delivered or in exactly one drop
//! counter, so a summary can say where the stream data went.

use serde::Serialize;

/// Counters of one worker's TCP reassembly (all directions together), or of
/// the engine once merged with [`StreamStats::add`]. The field names are the
/// keys of `summary.json`. Bytes are TCP payload bytes; a segment is one
/// call of [`super::Direction::segment`].
///
/// Accounting invariant: every payload byte of a segment is counted exactly
/// once among `delivered_bytes` (when delivered from the segment itself or,
/// later, from its held copy), `overlap_bytes`, `retransmitted_bytes`,
/// `held_limit_bytes`, `memory_bytes`, `bogus_bytes`, `depth_exceeded_bytes`,
/// `after_close_bytes` and `rst_payload_bytes` — held bytes are counted when
/// they leave the hold (delivered, or dropped for depth or a FIN before
/// them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StreamStats {
    /// Segments seen, with or without payload.
    pub segments: u64,
    /// Payload bytes seen.
    pub payload_bytes: u64,
    /// Payload bytes of segments that came after their flow was given up
    /// (no parser recognised it, or its parser was done, as a TLS
    /// handshake gone encrypted): never reassembled, not in
    /// `payload_bytes`.
    pub given_up_bytes: u64,
    /// Directions whose stream started at a SYN (offset 0 = SYN seq + 1).
    pub syn_starts: u64,
    /// Directions picked up midstream: no SYN seen, the stream starts at
    /// the first segment carrying data.
    pub midstream_starts: u64,
    /// Of those, directions that start where the peer's ACK said, before
    /// their first captured segment: the missed bytes are a gap.
    pub midstream_gap_starts: u64,
    /// Data bytes delivered to the sink.
    pub delivered_bytes: u64,
    /// Gaps delivered (holes declared lost by an ACK past them, a flush, or
    /// a FIN after them).
    pub gaps: u64,
    /// Bytes in those gaps (never captured; not payload bytes seen).
    pub gap_bytes: u64,
    /// Segments that carried only bytes already delivered (or from before
    /// a midstream pickup): retransmissions.
    pub retransmitted_segments: u64,
    /// Bytes already delivered that came again, from whole or partial
    /// retransmissions. Not compared: delivered bytes are not kept.
    pub retransmitted_bytes: u64,
    /// Bytes already held (out of order) that came again: the held copy is
    /// kept (first copy wins).
    pub overlap_bytes: u64,
    /// Of `overlap_bytes`, those that differ from the held copy. Different
    /// bytes for the same sequence numbers are how IDS evasion works
    /// (Ptacek & Newsham, 1998): the receiver may have kept either copy.
    pub overlap_conflict_bytes: u64,
    /// Segments (or new parts of segments) held out of order.
    pub held_segments: u64,
    /// Segments with bytes refused because the direction already held
    /// [`super::StreamConfig::max_held_per_direction`].
    pub held_limit_segments: u64,
    /// Bytes refused for that reason (lost: a gap once the hole before them
    /// is declared).
    pub held_limit_bytes: u64,
    /// Segments with bytes refused because the engine-wide
    /// [`super::MemoryBudget`] was spent.
    pub memory_segments: u64,
    /// Bytes refused for that reason.
    pub memory_bytes: u64,
    /// Segments dropped for a sequence number more than
    /// [`super::MAX_DISTANCE`] from the expected one: forged, or another
    /// connection's.
    pub bogus_segments: u64,
    /// Bytes of those segments.
    pub bogus_bytes: u64,
    /// ACK numbers ignored for acknowledging more than [`super::MAX_DISTANCE`]
    /// past the expected sequence number.
    pub bogus_acks: u64,
    /// Bytes past [`super::StreamConfig::depth`], not delivered (including
    /// held bytes dropped when the depth was reached).
    pub depth_exceeded_bytes: u64,
    /// Bytes at or past the FIN's sequence number, or arriving after the
    /// direction was closed by RST or [`super::Direction::finish`].
    pub after_close_bytes: u64,
    /// Bytes carried by RST segments (a diagnostic text, not stream data).
    pub rst_payload_bytes: u64,
    /// Directions closed by their FIN being reached in order.
    pub fin_closes: u64,
    /// Directions closed by a RST.
    pub rst_closes: u64,
}

impl StreamStats {
    /// Adds `other`'s counters to these (merging workers).
    pub fn add(&mut self, other: &StreamStats) {
        let StreamStats {
            segments,
            payload_bytes,
            given_up_bytes,
            syn_starts,
            midstream_starts,
            midstream_gap_starts,
            delivered_bytes,
            gaps,
            gap_bytes,
            retransmitted_segments,
            retransmitted_bytes,
            overlap_bytes,
            overlap_conflict_bytes,
            held_segments,
            held_limit_segments,
            held_limit_bytes,
            memory_segments,
            memory_bytes,
            bogus_segments,
            bogus_bytes,
            bogus_acks,
            depth_exceeded_bytes,
            after_close_bytes,
            rst_payload_bytes,
            fin_closes,
            rst_closes,
        } = other;
        // Destructured so that a new field cannot be forgotten here.
        self.segments += segments;
        self.payload_bytes += payload_bytes;
        self.given_up_bytes += given_up_bytes;
        self.syn_starts += syn_starts;
        self.midstream_starts += midstream_starts;
        self.midstream_gap_starts += midstream_gap_starts;
        self.delivered_bytes += delivered_bytes;
        self.gaps += gaps;
        self.gap_bytes += gap_bytes;
        self.retransmitted_segments += retransmitted_segments;
        self.retransmitted_bytes += retransmitted_bytes;
        self.overlap_bytes += overlap_bytes;
        self.overlap_conflict_bytes += overlap_conflict_bytes;
        self.held_segments += held_segments;
        self.held_limit_segments += held_limit_segments;
        self.held_limit_bytes += held_limit_bytes;
        self.memory_segments += memory_segments;
        self.memory_bytes += memory_bytes;
        self.bogus_segments += bogus_segments;
        self.bogus_bytes += bogus_bytes;
        self.bogus_acks += bogus_acks;
        self.depth_exceeded_bytes += depth_exceeded_bytes;
        self.after_close_bytes += after_close_bytes;
        self.rst_payload_bytes += rst_payload_bytes;
        self.fin_closes += fin_closes;
        self.rst_closes += rst_closes;
    }

    /// Payload bytes accounted for: delivered or dropped for some reason.
    /// Equals `payload_bytes` once every direction is finished (held bytes
    /// are counted when they leave the hold).
    pub fn accounted_bytes(&self) -> u64 {
        self.delivered_bytes
            + self.overlap_bytes
            + self.retransmitted_bytes
            + self.held_limit_bytes
            + self.memory_bytes
            + self.bogus_bytes
            + self.depth_exceeded_bytes
            + self.after_close_bytes
            + self.rst_payload_bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_and_serialize() {
        let mut a = StreamStats {
            segments: 1,
            overlap_conflict_bytes: 2,
            ..StreamStats::default()
        };
        let b = StreamStats {
            segments: 3,
            rst_closes: 1,
            ..StreamStats::default()
        };
        a.add(&b);
        assert_eq!(
            (a.segments, a.overlap_conflict_bytes, a.rst_closes),
            (4, 2, 1)
        );
        let json = serde_json::to_value(a).unwrap();
        assert_eq!(json["overlap_conflict_bytes"], 2);
        assert_eq!(json["segments"], 4);
        assert_eq!(json.as_object().unwrap().len(), 26);
    }
}
