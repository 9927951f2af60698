//! Tests of TCP reassembly: one per rule, then property tests over random
//! streams cut, shuffled, repeated and thinned out.

use proptest::prelude::*;

use super::*;
use crate::decode::tcp_flags::{ACK, FIN, PSH, RST, SYN};

/// What a sink received, adjacent data merged.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Got {
    Data(Vec<u8>),
    Gap(u64),
}

fn push(out: &mut Vec<Got>, chunk: Chunk<'_>) {
    match chunk {
        Chunk::Data(d) => {
            assert!(!d.is_empty(), "empty data chunk");
            if let Some(Got::Data(last)) = out.last_mut() {
                last.extend_from_slice(d);
            } else {
                out.push(Got::Data(d.to_vec()));
            }
        }
        Chunk::Gap(n) => {
            assert!(n > 0, "empty gap");
            out.push(Got::Gap(n));
        }
    }
}

/// A direction with everything around it.
struct H {
    d: Direction,
    cfg: StreamConfig,
    budget: MemoryBudget,
    stats: StreamStats,
    out: Vec<Got>,
    /// The budget has other users: `finish` cannot expect it empty.
    shared: bool,
}

impl H {
    fn new() -> H {
        H::with(StreamConfig::default(), MemoryBudget::new(64 << 20))
    }

    fn with(cfg: StreamConfig, budget: MemoryBudget) -> H {
        H {
            d: Direction::new(),
            cfg,
            budget,
            stats: StreamStats::default(),
            out: Vec::new(),
            shared: false,
        }
    }

    fn seg(&mut self, seq: u32, flags: u8, payload: &[u8]) {
        let out = &mut self.out;
        self.d.segment(
            seq,
            flags,
            payload,
            &self.cfg,
            &self.budget,
            &mut self.stats,
            &mut |c| push(out, c),
        );
        self.check_caps();
    }

    fn ack(&mut self, ack: u32) {
        let out = &mut self.out;
        self.d
            .acked(ack, &self.cfg, &self.budget, &mut self.stats, &mut |c| {
                push(out, c)
            });
        self.check_caps();
    }

    fn finish(&mut self) {
        let out = &mut self.out;
        self.d
            .finish(&self.cfg, &self.budget, &mut self.stats, &mut |c| {
                push(out, c)
            });
        assert_eq!(self.d.held_bytes(), 0);
        if !self.shared {
            assert_eq!(self.budget.used(), 0, "memory released");
        }
        assert_eq!(
            self.stats.accounted_bytes(),
            self.stats.payload_bytes,
            "every byte accounted for: {:?}",
            self.stats
        );
    }

    fn check_caps(&self) {
        assert!(self.d.held_bytes() <= self.cfg.max_held_per_direction);
        assert!(self.budget.used() <= self.budget.limit());
        let delivered: u64 = self
            .out
            .iter()
            .map(|g| match g {
                Got::Data(d) => d.len() as u64,
                Got::Gap(n) => *n,
            })
            .sum();
        assert_eq!(delivered, self.d.delivered());
    }

    fn data(&self) -> Vec<u8> {
        match self.out.as_slice() {
            [] => Vec::new(),
            [Got::Data(d)] => d.clone(),
            other => panic!("not one data run: {other:?}"),
        }
    }
}

fn d(bytes: &[u8]) -> Got {
    Got::Data(bytes.to_vec())
}

#[test]
fn idle_direction_is_small() {
    assert!(std::mem::size_of::<Direction>() <= 64);
    assert_eq!(std::mem::size_of::<Direction>(), 64, "the doc says 64");
}

#[test]
fn in_order_from_syn_is_zero_copy() {
    let mut h = H::new();
    h.seg(1000, SYN, b"");
    h.seg(1001, ACK, b"");
    let payload = b"hello".to_vec();
    let mut seen = None;
    h.d.segment(
        1001,
        ACK | PSH,
        &payload,
        &h.cfg,
        &h.budget,
        &mut h.stats,
        &mut |c| {
            if let Chunk::Data(x) = c {
                seen = Some(x.as_ptr());
            }
        },
    );
    assert_eq!(seen, Some(payload.as_ptr()), "delivered from the slice");
    h.out.push(d(b"hello"));
    h.seg(1006, ACK, b" world");
    assert_eq!(h.data(), b"hello world");
    assert_eq!(h.stats.syn_starts, 1);
    assert_eq!(h.stats.midstream_starts, 0);
    assert_eq!(h.stats.delivered_bytes, 11);
    assert_eq!(h.d.delivered(), 11);
    h.finish();
}

#[test]
fn midstream_pickup_starts_at_first_data() {
    let mut h = H::new();
    h.seg(5000, ACK, b""); // a pure ACK anchors nothing
    h.seg(5000, ACK, b"abc");
    h.seg(4990, ACK, b"0123456789"); // before the pickup
    h.seg(5003, ACK, b"def");
    assert_eq!(h.data(), b"abcdef");
    assert_eq!(h.stats.midstream_starts, 1);
    assert_eq!(h.stats.retransmitted_segments, 1);
    assert_eq!(h.stats.retransmitted_bytes, 10);
    h.finish();
}

#[test]
fn midstream_pickup_after_the_peer_acked_more_starts_with_a_gap() {
    let mut h = H::new();
    // The peer acknowledged up to 1000 before any data of ours was seen:
    // bytes 1000..5000 were sent and not captured.
    h.ack(900);
    h.ack(1000);
    h.seg(5000, ACK, b"abc");
    assert!(h.out.is_empty(), "held until the hole is declared");
    h.ack(5003);
    assert_eq!(h.out, vec![Got::Gap(4000), d(b"abc")]);
    assert_eq!(h.stats.midstream_gap_starts, 1);
    h.finish();
    // An ACK at or past the first segment anchors nothing.
    let mut h = H::new();
    h.ack(6000);
    h.seg(5000, ACK, b"abc");
    assert_eq!(h.out, vec![d(b"abc")]);
    assert_eq!(h.stats.midstream_gap_starts, 0);
    h.finish();
}

#[test]
fn data_on_syn_is_delivered() {
    let mut h = H::new();
    h.seg(77, SYN, b"GET /");
    h.seg(83, ACK, b" HTTP/1.1");
    assert_eq!(h.data(), b"GET / HTTP/1.1");
    h.finish();
}

#[test]
fn sequence_numbers_wrap() {
    let mut h = H::new();
    let isn = u32::MAX - 3;
    h.seg(isn, SYN, b"");
    // Offsets 0..7 are seq MAX-2 ..= 3; send the second part first.
    h.seg(0, ACK, b"def");
    h.seg(isn.wrapping_add(1), ACK, b"abc");
    h.seg(3, FIN | ACK, b"g");
    assert_eq!(h.data(), b"abcdefg");
    assert!(h.d.is_closed());
    assert_eq!(h.stats.fin_closes, 1);
    h.finish();
}

#[test]
fn retransmissions_are_dropped_and_counted() {
    let mut h = H::new();
    h.seg(0, SYN, b"");
    h.seg(1, ACK, b"abcd");
    h.seg(1, ACK, b"abcd");
    h.seg(3, ACK, b"cdef"); // partial: "ef" is new
    h.seg(1, ACK, b"XXXX"); // different bytes already delivered: not compared
    assert_eq!(h.data(), b"abcdef");
    assert_eq!(h.stats.retransmitted_segments, 2);
    assert_eq!(h.stats.retransmitted_bytes, 4 + 2 + 4);
    assert_eq!(h.stats.overlap_conflict_bytes, 0);
    h.finish();
}

#[test]
fn out_of_order_is_held_then_delivered() {
    let mut h = H::new();
    h.seg(0, SYN, b"");
    h.seg(11, ACK, b"klmno");
    h.seg(6, ACK, b"fghij");
    assert!(h.out.is_empty());
    assert_eq!(h.d.held_bytes(), 10 + 2 * SEGMENT_OVERHEAD);
    assert_eq!(h.budget.used(), h.d.held_bytes());
    assert_eq!(h.stats.held_segments, 2);
    h.seg(1, ACK, b"abcde");
    assert_eq!(h.data(), b"abcdefghijklmno");
    assert_eq!(h.d.held_bytes(), 0);
    assert_eq!(h.budget.used(), 0);
    h.finish();
}

#[test]
fn first_copy_wins_over_overlaps() {
    let mut h = H::new();
    h.seg(0, SYN, b"");
    h.seg(6, ACK, b"FGHI"); // held: offsets 5..9
    h.seg(8, ACK, b"HIjkl"); // overlaps the held copy (same bytes), new "jkl"
    h.seg(7, ACK, b"gh"); // differs from the held "GH": conflict
    assert_eq!(h.stats.overlap_bytes, 2 + 2);
    assert_eq!(h.stats.overlap_conflict_bytes, 2);
    // An in-order segment covering the held bytes with other bytes.
    h.seg(1, ACK, b"abcdeXXXX");
    assert_eq!(h.data(), b"abcdeFGHIjkl");
    assert_eq!(h.stats.overlap_bytes, 4 + 4);
    assert_eq!(h.stats.overlap_conflict_bytes, 2 + 4);
    h.finish();
}

#[test]
fn in_order_segment_bridging_held_ones() {
    let mut h = H::new();
    h.seg(0, SYN, b"");
    h.seg(4, ACK, b"d");
    h.seg(7, ACK, b"g");
    // One segment covering both holes and both held bytes.
    h.seg(1, ACK, b"abcdefghij");
    assert_eq!(h.data(), b"abcdefghij");
    assert_eq!(h.stats.overlap_bytes, 2);
    assert_eq!(h.stats.overlap_conflict_bytes, 0);
    h.finish();
}

#[test]
fn ack_past_a_hole_declares_a_gap() {
    let mut h = H::new();
    h.seg(100, SYN, b"");
    h.seg(101, ACK, b"abcde");
    h.seg(111, ACK, b"klmno"); // offsets 5..10 never captured
    h.ack(106); // nothing missing below 106
    assert_eq!(h.out, vec![d(b"abcde")]);
    h.ack(116);
    assert_eq!(h.out, vec![d(b"abcde"), Got::Gap(5), d(b"klmno")]);
    h.ack(120); // past everything: the receiver got 4 more bytes
    assert_eq!(h.out.last(), Some(&Got::Gap(4)));
    h.seg(116, ACK, b"pqrs"); // they come late: already passed
    assert_eq!(h.stats.retransmitted_bytes, 4);
    h.seg(120, ACK, b"tu");
    assert_eq!(h.out.last(), Some(&d(b"tu")));
    assert_eq!(h.stats.gaps, 2);
    assert_eq!(h.stats.gap_bytes, 9);
    h.ack(100); // behind: nothing
    h.ack(120u32.wrapping_add(MAX_DISTANCE + 10));
    assert_eq!(h.stats.bogus_acks, 1);
    h.finish();
}

#[test]
fn ack_covering_the_fin_is_not_a_hole() {
    let mut h = H::new();
    h.seg(0, SYN, b"");
    h.seg(1, FIN | ACK, b"abc"); // FIN at offset 3 (seq 4)
    h.ack(5);
    assert_eq!(h.out, vec![d(b"abc")]);
    assert!(h.d.is_closed());
    h.seg(4, ACK, b"late"); // past the FIN
    assert_eq!(h.stats.after_close_bytes, 4);
    h.finish();
}

#[test]
fn fin_takes_one_sequence_number_and_ends_the_stream() {
    let mut h = H::new();
    h.seg(0, SYN, b"");
    h.seg(4, FIN | ACK, b"def"); // FIN first (data before it missing)
    h.seg(10, ACK, b"zz"); // past the FIN: not stream data
    assert_eq!(h.stats.after_close_bytes, 2);
    h.seg(1, ACK, b"abc");
    assert_eq!(h.data(), b"abcdef");
    assert!(h.d.is_closed());
    assert_eq!(h.stats.fin_closes, 1);
    h.seg(7, ACK, b"x"); // seq 7 is the FIN's own number
    assert_eq!(h.stats.after_close_bytes, 3);
    h.finish();
}

#[test]
fn held_limit_refuses_then_the_gap_lets_the_stream_go_on() {
    let cfg = StreamConfig {
        depth: 0,
        max_held_per_direction: 10 + SEGMENT_OVERHEAD,
    };
    let mut h = H::with(cfg, MemoryBudget::new(1 << 20));
    h.seg(0, SYN, b"");
    h.seg(11, ACK, b"klmnopqrst"); // held: exactly the cap
    h.seg(21, ACK, b"uvwxy"); // refused
    assert_eq!(h.stats.held_limit_segments, 1);
    assert_eq!(h.stats.held_limit_bytes, 5);
    assert_eq!(h.d.held_bytes(), cfg.max_held_per_direction);
    h.seg(1, ACK, b"abcdefghij");
    assert_eq!(h.data(), b"abcdefghijklmnopqrst");
    h.ack(26); // the receiver got the refused bytes
    h.seg(26, ACK, b"z");
    assert_eq!(
        h.out,
        vec![d(b"abcdefghijklmnopqrst"), Got::Gap(5), d(b"z")]
    );
    h.finish();
}

#[test]
fn engine_budget_refuses_and_is_shared() {
    let budget = MemoryBudget::new(2 * (4 + SEGMENT_OVERHEAD));
    let mut a = H::with(StreamConfig::default(), budget.clone());
    let mut b = H::with(StreamConfig::default(), budget.clone());
    a.shared = true;
    b.shared = true;
    a.seg(0, SYN, b"");
    b.seg(0, SYN, b"");
    a.seg(5, ACK, b"wxyz");
    b.seg(5, ACK, b"WXYZ");
    a.seg(9, ACK, b"more"); // the budget is spent, by both
    assert_eq!(a.stats.memory_segments, 1);
    assert_eq!(a.stats.memory_bytes, 4);
    b.finish();
    assert_eq!(budget.used(), 4 + SEGMENT_OVERHEAD);
    a.seg(9, ACK, b"more"); // room again
    a.seg(1, ACK, b"abcd");
    assert_eq!(a.data(), b"abcdwxyzmore");
    a.finish();
    assert_eq!(b.out, vec![Got::Gap(4), d(b"WXYZ")]);
}

#[test]
fn bogus_sequence_numbers_are_dropped() {
    // Unlimited depth: the segment just inside the distance must be held.
    let cfg = StreamConfig {
        depth: 0,
        ..StreamConfig::default()
    };
    let mut h = H::with(cfg, MemoryBudget::new(1 << 20));
    h.seg(0, SYN, b"");
    h.seg(1 + MAX_DISTANCE + 1, ACK, b"far");
    h.seg(1u32.wrapping_sub(MAX_DISTANCE + 1), ACK, b"behind");
    assert_eq!(h.stats.bogus_segments, 2);
    assert_eq!(h.stats.bogus_bytes, 9);
    assert_eq!(h.d.held_bytes(), 0);
    h.seg(1 + MAX_DISTANCE, ACK, b"e"); // just inside: held
    assert_eq!(h.stats.held_segments, 1);
    h.seg(1, ACK, b"ok");
    assert_eq!(h.data(), b"ok");
    h.finish();
}

#[test]
fn depth_cuts_the_stream_and_stops_holding() {
    let cfg = StreamConfig {
        depth: 10,
        max_held_per_direction: 1 << 20,
    };
    let mut h = H::with(cfg, MemoryBudget::new(1 << 20));
    h.seg(0, SYN, b"");
    h.seg(9, ACK, b"ijk"); // offsets 8..11: "k" is past the depth
    assert_eq!(h.stats.depth_exceeded_bytes, 1);
    h.seg(20, ACK, b"tuv"); // all past the depth: not held
    assert_eq!(h.stats.depth_exceeded_bytes, 4);
    assert_eq!(h.d.held_bytes(), 2 + SEGMENT_OVERHEAD);
    h.seg(1, ACK, b"abcdefghij");
    assert_eq!(h.data(), b"abcdefghij");
    assert_eq!(h.stats.overlap_bytes, 2);
    h.seg(11, ACK, b"klmnopqrs");
    h.seg(1, ACK, b"abc");
    assert_eq!(h.stats.depth_exceeded_bytes, 4 + 9 + 3);
    h.ack(100);
    assert_eq!(h.d.delivered(), 10);
    h.finish();
    assert_eq!(h.data(), b"abcdefghij");
}

#[test]
fn huge_depth_is_unlimited() {
    let cfg = StreamConfig {
        depth: u64::MAX,
        max_held_per_direction: 1 << 20,
    };
    let mut h = H::with(cfg, MemoryBudget::new(1 << 20));
    h.seg(0, SYN, b"");
    h.seg(4, ACK, b"def");
    h.seg(1, ACK, b"abc");
    assert_eq!(h.data(), b"abcdef");
    h.finish();
}

#[test]
fn depth_cuts_gaps_and_held_data_too() {
    let cfg = StreamConfig {
        depth: 6,
        max_held_per_direction: 1 << 20,
    };
    let mut h = H::with(cfg, MemoryBudget::new(1 << 20));
    h.seg(0, SYN, b"");
    h.seg(4, ACK, b"de"); // offsets 3..5, held
    h.ack(4); // gap 0..3, then the held "de"
    h.seg(6, ACK, b"fg"); // "g" is past the depth
    assert_eq!(h.out, vec![Got::Gap(3), d(b"def")]);
    assert_eq!(h.d.delivered(), 6);
    assert_eq!(h.stats.depth_exceeded_bytes, 1);
    h.finish();
}

#[test]
fn rst_flushes_and_closes() {
    let mut h = H::new();
    h.seg(0, SYN, b"");
    h.seg(1, ACK, b"ab");
    h.seg(6, ACK, b"fg");
    h.seg(9, RST, b"reset reason");
    assert_eq!(h.out, vec![d(b"ab"), Got::Gap(3), d(b"fg")]);
    assert!(h.d.is_closed());
    assert_eq!(h.stats.rst_closes, 1);
    assert_eq!(h.stats.rst_payload_bytes, 12);
    assert_eq!(h.budget.used(), 0);
    h.seg(7, ACK, b"late");
    assert_eq!(h.stats.after_close_bytes, 3);
    assert_eq!(h.stats.retransmitted_bytes, 1);
    h.finish();
}

#[test]
fn finish_delivers_held_with_gaps_up_to_the_fin() {
    let mut h = H::new();
    h.seg(0, SYN, b"");
    h.seg(3, ACK, b"cd");
    h.seg(8, ACK, b"hi");
    h.seg(12, FIN | ACK, b""); // FIN at offset 11: offsets 9..11 never came
    h.finish();
    assert_eq!(
        h.out,
        vec![Got::Gap(2), d(b"cd"), Got::Gap(3), d(b"hi"), Got::Gap(2)]
    );
    h.seg(1, ACK, b"ab");
    assert_eq!(h.stats.retransmitted_bytes, 2);
}

#[test]
fn idle_direction_ignores_acks_and_finishes_empty() {
    let mut h = H::new();
    h.ack(1234);
    h.seg(9, FIN | ACK, b"");
    h.finish();
    assert!(h.out.is_empty());
    assert!(h.d.is_closed());
}

// ---------------------------------------------------------------- properties

/// Cuts `len` bytes into segments of 1..=max bytes: (offset, length).
fn cut(len: usize, sizes: &[usize]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut pos = 0;
    let mut i = 0;
    while pos < len {
        let n = sizes[i % sizes.len()].min(len - pos);
        out.push((pos, n));
        pos += n;
        i += 1;
    }
    out
}

/// Reorders `items` with each moved at most `k` places: sorted by index
/// plus a random displacement.
fn displace<T: Clone>(items: &[T], shifts: &[usize], k: usize) -> Vec<T> {
    let mut keyed: Vec<(usize, usize, T)> = items
        .iter()
        .enumerate()
        .map(|(i, t)| (i + shifts[i % shifts.len()] % (k + 1), i, t.clone()))
        .collect();
    keyed.sort_by_key(|(key, i, _)| (*key, *i));
    keyed.into_iter().map(|(_, _, t)| t).collect()
}

fn run(h: &mut H, isn: u32, data: &[u8], sends: &[(usize, usize)]) {
    h.seg(isn, SYN, b"");
    for &(off, n) in sends {
        let seq = isn.wrapping_add(1).wrapping_add(off as u32);
        h.seg(seq, ACK | PSH, &data[off..off + n]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Shuffled, duplicated and partly overlapping copies of the same bytes
    /// give back exactly the stream.
    #[test]
    fn shuffled_repeated_overlapping_stream_comes_back(
        data in proptest::collection::vec(any::<u8>(), 1..3000),
        sizes in proptest::collection::vec(1usize..400, 1..20),
        shifts in proptest::collection::vec(0usize..100, 1..50),
        k in 0usize..8,
        dups in proptest::collection::vec((any::<usize>(), 1usize..600), 0..10),
        isn in any::<u32>(),
    ) {
        let segs = cut(data.len(), &sizes);
        let mut sends = segs.clone();
        for &(at, n) in &dups {
            // A re-send of the same bytes anywhere, across segment bounds.
            let off = at % data.len();
            sends.push((off, n.min(data.len() - off)));
        }
        let sends = displace(&sends, &shifts, k);
        let mut h = H::new();
        run(&mut h, isn, &data, &sends);
        prop_assert_eq!(h.data(), data.clone());
        prop_assert_eq!(h.d.held_bytes(), 0);
        prop_assert_eq!(h.stats.overlap_conflict_bytes, 0);
        h.finish();
        prop_assert_eq!(h.stats.gaps, 0);
    }

    /// Near the top of the sequence space the same holds across the wrap.
    #[test]
    fn stream_across_the_wrap(
        data in proptest::collection::vec(any::<u8>(), 1..3000),
        sizes in proptest::collection::vec(1usize..300, 1..10),
        shifts in proptest::collection::vec(0usize..100, 1..50),
        back in 0u32..3000,
    ) {
        let isn = u32::MAX - back;
        let sends = displace(&cut(data.len(), &sizes), &shifts, 4);
        let mut h = H::new();
        run(&mut h, isn, &data, &sends);
        prop_assert_eq!(h.data(), data.clone());
        h.finish();
    }

    /// With segments missing and an ACK past the end, the stream comes back
    /// with gaps of exactly the missing lengths where they were.
    #[test]
    fn missing_segments_become_exact_gaps(
        data in proptest::collection::vec(any::<u8>(), 1..3000),
        sizes in proptest::collection::vec(1usize..400, 1..20),
        shifts in proptest::collection::vec(0usize..100, 1..50),
        drop in proptest::collection::vec(any::<bool>(), 1..20),
        isn in any::<u32>(),
        k in 0usize..6,
    ) {
        let segs = cut(data.len(), &sizes);
        let mut expected: Vec<Got> = Vec::new();
        let mut kept = Vec::new();
        for (i, &(off, n)) in segs.iter().enumerate() {
            if drop[i % drop.len()] {
                match expected.last_mut() {
                    Some(Got::Gap(g)) => *g += n as u64,
                    _ => expected.push(Got::Gap(n as u64)),
                }
            } else {
                kept.push((off, n));
                push(&mut expected, Chunk::Data(&data[off..off + n]));
            }
        }
        let sends = displace(&kept, &shifts, k);
        let mut h = H::new();
        run(&mut h, isn, &data, &sends);
        h.ack(isn.wrapping_add(1).wrapping_add(data.len() as u32));
        prop_assert_eq!(&h.out, &expected);
        prop_assert_eq!(h.d.held_bytes(), 0);
        h.finish();
        prop_assert_eq!(&h.out, &expected);
    }

    /// Arbitrary segments, ACKs and flags never panic, never pass the caps,
    /// and account for every byte.
    #[test]
    fn arbitrary_operations_stay_bounded(
        ops in proptest::collection::vec(
            (0u8..8, any::<u32>(), any::<u8>(), 0usize..300, any::<u8>()), 0..200),
        base in any::<u32>(),
        depth in prop_oneof![Just(0u64), Just(u64::MAX), 1u64..2000],
        max_held in 0usize..2000,
        limit in 0usize..4000,
    ) {
        let cfg = StreamConfig { depth, max_held_per_direction: max_held };
        let mut h = H::with(cfg, MemoryBudget::new(limit));
        let bytes: Vec<u8> = (0..300u32).map(|i| i as u8).collect();
        for (op, n, flags, len, fill) in ops {
            // Mostly near `base`, so that segments interact; sometimes anywhere.
            let seq = if op == 7 { n } else { base.wrapping_add(n % 4000) };
            match op {
                0 => h.ack(seq),
                1 => h.finish(),
                _ => {
                    let mut payload = bytes[..len].to_vec();
                    if fill & 3 == 0 {
                        payload.iter_mut().for_each(|b| *b = fill);
                    }
                    h.seg(seq, flags, &payload);
                }
            }
        }
        h.finish();
    }
}
