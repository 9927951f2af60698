//! Arbitrary operations on one TCP reassembly direction: the input is read
//! as a sequence of 8-byte operations (kind, sequence number, flags, payload
//! length and fill), with small caps and a small depth picked from the first
//! bytes. It must never panic, never hold more than the caps, deliver
//! exactly `delivered()` bytes of data and gaps, and, once finished, have
//! released every byte of the budget and accounted for every payload byte.
#![no_main]

use libfuzzer_sys::fuzz_target;
use weir_core::stream::{Chunk, Direction, MemoryBudget, StreamConfig, StreamStats};

fuzz_target!(|data: &[u8]| {
    let Some((head, mut rest)) = data.split_first_chunk::<4>() else {
        return;
    };
    let cfg = StreamConfig {
        depth: u64::from(u16::from_be_bytes([head[0], head[1]]) % 8192),
        max_held_per_direction: usize::from(head[2]) * 32,
    };
    let budget = MemoryBudget::new(usize::from(head[3]) * 64);
    let base = u32::from_be_bytes(*head).wrapping_mul(2_654_435_761);
    let mut d = Direction::new();
    let mut stats = StreamStats::default();
    let mut out = 0u64;
    let filler: Vec<u8> = (0..=255u8).cycle().take(2048).collect();
    let mut sink = |c: Chunk<'_>| match c {
        Chunk::Data(x) => {
            assert!(!x.is_empty());
            out += x.len() as u64;
        }
        Chunk::Gap(n) => {
            assert!(n > 0);
            out += n;
        }
    };
    while let Some((op, tail)) = rest.split_first_chunk::<8>() {
        rest = tail;
        let n = u32::from_be_bytes([op[1], op[2], op[3], op[4]]);
        // Mostly near `base`, so that segments interact; sometimes anywhere.
        let seq = if op[0] & 0x80 != 0 {
            n
        } else {
            base.wrapping_add(n % 65_536)
        };
        let len = usize::from(u16::from_be_bytes([op[6], op[7]])) % 2048;
        let start = usize::from(op[7]);
        let payload = &filler[start % 256..start % 256 + len.min(2048 - 256)];
        match op[0] & 0x0f {
            0 | 1 => d.acked(seq, &cfg, &budget, &mut stats, &mut sink),
            2 => d.finish(&cfg, &budget, &mut stats, &mut sink),
            _ => d.segment(seq, op[5], payload, &cfg, &budget, &mut stats, &mut sink),
        }
        assert!(d.held_bytes() <= cfg.max_held_per_direction);
        assert!(budget.used() <= budget.limit());
        assert_eq!(budget.used(), d.held_bytes());
    }
    d.finish(&cfg, &budget, &mut stats, &mut sink);
    assert_eq!(out, d.delivered());
    assert_eq!(d.held_bytes(), 0);
    assert_eq!(budget.used(), 0);
    assert_eq!(stats.accounted_bytes(), stats.payload_bytes);
    if cfg.depth != 0 {
        assert!(d.delivered() <= cfg.depth);
    }
});
