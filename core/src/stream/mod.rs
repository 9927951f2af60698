//! The `stream` module deals with TCP reassembly, one direction at a time:
//! it turns the segments of a flow direction, as captured (out of order,
//! repeated, overlapping, some missing), into the byte stream the receiver's
//! application read, for application parsers (HTTP first).
//!
//! A [`Direction`] lives in every TCP flow entry of a worker's flow table,
//! one per direction; the worker passes it each segment of that direction
//! ([`Direction::segment`]) and the ACK numbers of the other one
//! ([`Direction::acked`]), and [`Direction::finish`]es it when the flow
//! ends. Bytes come out through a sink, in stream order, exactly once, as
//! [`Chunk::Data`] (borrowed straight from the packet when it is in order:
//! no copy) or [`Chunk::Gap`] (bytes lost for good).
//!
//! **Policy.**
//! - Sequence numbers wrap: they are compared as RFC 1982 serial numbers,
//!   relative to the next expected one, and turned into 64-bit stream
//!   offsets (offset 0 is the first stream byte).
//! - The stream starts at SYN seq + 1 when the SYN is seen (data on the
//!   SYN, TCP Fast Open, is delivered), else at the first segment carrying
//!   data (a midstream pickup, counted). SYN and FIN take one sequence
//!   number each.
//! - The first copy wins: bytes already delivered or held are kept, only
//!   the new part of a repeated or overlapping segment is used. Repeated
//!   bytes that differ from the held copy are counted apart
//!   ([`StreamStats::overlap_conflict_bytes`]), a classic evasion signal.
//! - Out-of-order segments are copied and held until the hole before them
//!   fills, or is declared lost: by an ACK of the other direction past it
//!   (the receiver got bytes the capture missed), by the FIN, RST or
//!   [`Direction::finish`]. A lost hole is a [`Chunk::Gap`] of its exact
//!   length, and the stream carries on after it.
//! - RST ends the direction as finish does; bytes past the FIN are not
//!   stream data.
//!
//! **Bounds.** A direction delivers at most [`StreamConfig::depth`] bytes
//! of stream (data and gaps) and then holds nothing more; it holds at most
//! [`StreamConfig::max_held_per_direction`] bytes out of order; all
//! directions of the engine together hold at most a [`MemoryBudget`]. A
//! held segment costs its payload plus [`SEGMENT_OVERHEAD`], so tiny
//! segments cannot hold much more memory than the caps say. A segment whose
//! sequence number is more than [`MAX_DISTANCE`] away from the expected one
//! is dropped as bogus. Every byte not delivered is counted in
//! [`StreamStats`] by reason.
//!
//! **What it cannot know.** Delivered bytes are not kept, so a repeat of
//! them is counted as a retransmission without being compared (conflicts
//! are found among held bytes only). An ACK that the capture shows before
//! the data it acknowledges (capture points can reorder the two directions)
//! declares that data a gap, and the data, when it comes, is counted as a
//! retransmission. A midstream pickup that first sees a segment out of
//! order starts the stream there; earlier bytes count as retransmitted.
//! Past the depth, sequence numbers are no longer followed.

mod budget;
mod direction;
mod stats;

pub use budget::MemoryBudget;
pub use direction::Direction;
pub use stats::StreamStats;

/// How far from the next expected sequence number a segment (or an ACK) may
/// point, bytes: 1 GiB. No real window is that large (the window scale
/// option stops at 2^30, RFC 7323); anything farther is forged or belongs to
/// another connection, and holding it would pin memory for a hole that will
/// never fill.
pub const MAX_DISTANCE: u32 = 1 << 30;

/// Memory charged per held segment besides its payload, bytes: the tree
/// entry and the allocation header, so that a flood of 1-byte segments is
/// bounded by the caps like large ones.
pub const SEGMENT_OVERHEAD: usize = 48;

/// Bounds of one direction's reassembly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamConfig {
    /// Stream bytes (data and gaps) delivered per direction, at most; 0 is
    /// unlimited. Past it the direction delivers and holds nothing: parsers
    /// look at the start of a stream (headers, the first MiBs of a body), and
    /// a long download must not keep costing copies.
    pub depth: u64,
    /// Memory held out of order per direction, bytes (payload plus
    /// [`SEGMENT_OVERHEAD`] per segment); a segment that would pass it is
    /// refused and its bytes counted. It stops one flow from taking the
    /// engine's whole [`MemoryBudget`] by never filling a hole.
    pub max_held_per_direction: usize,
}

impl Default for StreamConfig {
    /// Depth 16 MiB (whole web pages and most downloads; bodies bigger than
    /// that are rarely parsed to the end), 1 MiB held per direction (a
    /// high-bandwidth window's worth of reordering).
    fn default() -> Self {
        StreamConfig {
            depth: 16 << 20,
            max_held_per_direction: 1 << 20,
        }
    }
}

/// A piece of a direction's byte stream, delivered in stream order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chunk<'a> {
    /// The next bytes of the stream (never empty).
    Data(&'a [u8]),
    /// The next this many bytes (never 0) were lost: never captured, or
    /// refused under a cap. The stream goes on after them.
    Gap(u64),
}

#[cfg(test)]
mod tests;
