//! Arbitrary bytes as a capture file (pcap or pcapng by magic): reading must
//! never panic, and every packet handed out lies inside the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use weir_capture::{Record, Records};

fuzz_target!(|data: &[u8]| {
    let Ok(records) = Records::new(data) else {
        return;
    };
    for record in records.take(100_000) {
        if let Record::Packet(p) = record {
            assert!(p.data.len() <= data.len());
        }
    }
});
