//! Arbitrary bytes through the DNS parser: as one UDP message (the owned
//! summary, both Trisul texts, the zero-copy views and detection), and as a
//! DNS-over-TCP stream cut at points seeded by the first byte. Nothing may
//! panic; as a differential check, the TCP framer must hand out the same
//! messages whatever the split, and every message it hands out must fit its
//! 2-byte length prefix. The same bytes as an ICMP error quoting a
//! datagram: the quoted payload must lie inside the message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use weir_core::proto::dns::tcp::{TcpFramer, MAX_MESSAGE};
use weir_core::decode::icmp::quoted_udp;
use weir_core::proto::dns::{looks_like_dns, looks_like_dns_tcp, text, wire, DnsMessage};

fn udp(bytes: &[u8]) {
    let _ = looks_like_dns(bytes, 53);
    let _ = looks_like_dns(bytes, 5353);
    if let Ok(m) = DnsMessage::parse(bytes) {
        let label = text::label(&m);
        assert_eq!(label.lines().count(), m.answers.len());
        let dump = text::fts_dump(&m);
        assert!(dump.starts_with("QUERY\t") || dump.starts_with("RESPONSE\t"));
    }
    if let Ok(w) = wire::Message::new_checked(bytes) {
        for q in w.questions().flatten() {
            assert!(q.name.labels().map(|l| l.len() + 1).sum::<usize>() < wire::MAX_NAME_LEN);
        }
        for r in w.records().flatten() {
            let _ = r.data();
        }
    }
}

fn frame(data: &[u8], cuts: impl Iterator<Item = usize>) -> Vec<Vec<u8>> {
    let mut f = TcpFramer::new();
    let mut out = Vec::new();
    let mut at = 0;
    for c in cuts {
        let end = (at + c).min(data.len());
        f.data(&data[at..end], |m| out.push(m.to_vec()));
        at = end;
    }
    f.data(&data[at..], |m| out.push(m.to_vec()));
    assert!(f.pending() <= MAX_MESSAGE + 2);
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&seed, rest)) = data.split_first() else {
        return;
    };
    udp(rest);
    let _ = looks_like_dns_tcp(rest);
    for v6 in [false, true] {
        if let Some(q) = quoted_udp(rest, v6) {
            let inside = rest.as_ptr_range();
            let p = q.payload.as_ptr_range();
            assert!(inside.start <= p.start && p.end <= inside.end);
            udp(q.payload);
        }
    }
    let whole = frame(rest, std::iter::empty());
    let mut x = u32::from(seed) | 1;
    let split = frame(
        rest,
        std::iter::from_fn(|| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            Some((x % 64) as usize)
        })
        .take(64),
    );
    assert_eq!(whole, split);
    for m in &whole {
        assert!(!m.is_empty() && m.len() <= MAX_MESSAGE);
        udp(m);
    }
});
