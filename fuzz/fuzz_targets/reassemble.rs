//! Arbitrary fragments through the IP reassembler: the input is split into
//! raw IPv4/IPv6 frames (two length bytes before each); every fragment that
//! decodes goes to a reassembler with small bounds. It must never panic, a
//! completed datagram's summary must stay inside the rebuilt packet, and no
//! fragment may be lost: every one pushed comes back exactly once, in a
//! completed datagram or handed back unreassembled.
#![no_main]

use libfuzzer_sys::fuzz_target;
use weir_core::decode::{decode, Fragment};
use weir_core::engine::reassembly::{Limits, Reassembler, Verdict};
use weir_core::source::{LinkType, Timestamp};

fuzz_target!(|data: &[u8]| {
    let mut r = Reassembler::new(Limits {
        max_bytes: 8192,
        timeout_secs: 2,
        max_fragments: 8,
    });
    let (mut pushed, mut returned) = (0u64, 0u64);
    let mut rest = data;
    let mut sec = 0u64;
    while rest.len() >= 2 {
        let len = usize::from(u16::from_be_bytes([rest[0], rest[1]])) % 2048;
        let frame = &rest[2..(2 + len).min(rest.len())];
        rest = &rest[(2 + len).min(rest.len())..];
        sec += u64::from(len as u8 & 1);
        let Ok(Some(d)) = decode(LinkType::RawIp, frame) else {
            continue;
        };
        if d.fragment == Fragment::None {
            continue;
        }
        pushed += 1;
        let ts = Timestamp { secs: sec, usecs: 0 };
        match r.push(frame, &d, frame.len() as u32, ts, sec) {
            Verdict::Held => {}
            Verdict::Complete(c) => {
                let end = c.decoded.payload_offset as usize + c.decoded.payload_len as usize;
                assert!(end <= r.datagram().len(), "payload past the rebuilt packet");
                assert_eq!(c.decoded.fragment, Fragment::None);
                returned += u64::from(c.frames);
            }
            Verdict::Replay(v) => returned += v.len() as u64,
        }
        returned += r.expire(sec).len() as u64;
    }
    returned += r.drain().len() as u64;
    assert_eq!(pushed, returned, "fragments lost or duplicated");
    assert_eq!(r.pending(), 0);
});
