//! Arbitrary bytes through the Suricata EVE reader: as one line to
//! `parse_line` (an alert's weir fields must be well formed), and as a file
//! read by `EveReader` whole and in reads cut at points seeded by the first
//! byte, with a small line cap. Nothing may panic; as a differential check,
//! the alerts and the counters must not depend on the split, and every line
//! must be counted exactly once.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::io::Read;
use weir_core::ids::{map_priority, parse_line, EveAlert, EveEvent, EveReader, EveStats};

/// Serves `data` in pieces of the given sizes, with a 0-byte read (end of
/// file, as a growing file gives) after each piece.
struct Pieces {
    data: Vec<u8>,
    cuts: Vec<usize>,
    at: usize,
    eof_next: bool,
}

impl Read for Pieces {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if std::mem::take(&mut self.eof_next) {
            return Ok(0);
        }
        let cut = self.cuts.pop().unwrap_or(usize::MAX);
        let n = cut.min(buf.len()).min(self.data.len() - self.at);
        buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
        self.at += n;
        self.eof_next = true;
        Ok(n)
    }
}

fn read(data: &[u8], cuts: Vec<usize>) -> (Vec<EveAlert>, EveStats) {
    let mut r = EveReader::new(Pieces {
        data: data.to_vec(),
        cuts,
        at: 0,
        eof_next: false,
    })
    .with_max_line(256);
    let mut out = Vec::new();
    loop {
        let before = r.stats().bytes;
        r.poll(&mut out).unwrap();
        assert!(r.pending() <= 256);
        if r.stats().bytes == before && before == data.len() as u64 {
            break;
        }
    }
    r.finish(&mut out);
    let st = r.stats().clone();
    let others: u64 = st.other_events.values().sum();
    assert_eq!(st.lines, st.blank + st.alerts + others + st.malformed);
    assert_eq!(st.alerts, out.len() as u64);
    (out, st)
}

fuzz_target!(|data: &[u8]| {
    let Some((&seed, rest)) = data.split_first() else {
        return;
    };
    match parse_line(rest) {
        Ok(EveEvent::Alert(a)) => {
            let w = a.weir_fields();
            assert!((1..=3).contains(&w.priority));
            assert_eq!(w.priority, map_priority(a.severity));
            assert!(w.sigid.split(':').count() == 3);
            assert!(w.extra_message.starts_with("action="));
        }
        Ok(EveEvent::Other(_)) => {}
        Err(e) => assert!(!e.to_string().is_empty()),
    }
    let whole = read(rest, Vec::new());
    let mut x = u32::from(seed) | 1;
    let cuts: Vec<usize> = std::iter::from_fn(|| {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        Some((x % 300) as usize + 1)
    })
    .take(64)
    .collect();
    assert_eq!(whole, read(rest, cuts));
});
