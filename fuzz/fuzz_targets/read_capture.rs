//! Arbitrary bytes as a capture file (pcap or pcapng by magic): reading must
//! never panic, every packet handed out lies inside the file, and reading
//! the bytes in small windows (as the streaming reader does when records
//! straddle its buffer) gives exactly the same packets and warnings as
//! reading them all at once.
#![no_main]

use libfuzzer_sys::fuzz_target;
use weir_capture::{PacketRef, Reader, Record, Records, Step};

/// Every step, the reader given windows just as large as it asks for.
fn in_windows(data: &[u8]) -> Vec<Step> {
    let Ok(mut reader) = Reader::new(data) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut have = 0usize;
    for _ in 0..200_000 {
        let at = usize::try_from(reader.offset()).unwrap_or(usize::MAX).min(data.len());
        let end = at.saturating_add(have).min(data.len());
        match reader.step(&data[at..end], end == data.len()) {
            Step::End => break,
            Step::Need(n) => {
                let now = usize::try_from(reader.offset()).unwrap_or(usize::MAX);
                assert!(n > end.saturating_sub(now), "Need({n}) with enough bytes");
                have = n;
            }
            step => {
                out.push(step);
                have = 0;
            }
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Ok(records) = Records::new(data) else {
        return;
    };
    let mut whole = Vec::new();
    for record in records.take(100_000) {
        if let Record::Packet(p) = &record {
            assert!(p.data.len() <= data.len());
        }
        whole.push(record);
    }
    let windows = in_windows(data);
    for (a, b) in whole.iter().zip(&windows) {
        match (a, b) {
            (Record::Packet(p), Step::Packet(r)) => {
                let r: &PacketRef = r;
                assert_eq!(p.data, r.data(data));
                assert_eq!((p.ts, p.wire_len), (r.ts, r.wire_len));
            }
            (Record::Warning(w), Step::Warning(v)) => assert_eq!(w, v),
            (a, b) => panic!("whole {a:?}, windows {b:?}"),
        }
    }
    if whole.len() < 100_000 {
        assert_eq!(whole.len(), windows.len());
    }
});
