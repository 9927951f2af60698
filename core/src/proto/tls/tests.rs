//! Tests of [`TlsSession`]: hand-built handshakes, split invariance and
//! robustness (proptest), and every TLS row of the shared captures against
//! the tshark oracle.

use super::handshake::test::{alpn, client_hello, ext_bytes, list16, sni, vec16, versions};
use super::handshake::{ext, HELLO_RETRY_RANDOM};
use super::*;
use crate::proto::oracle_support::{oracle, pcap_path, tshark_allowing_cut, unhex, PCAPS};
use proptest::prelude::*;
use sha2::{Digest as _, Sha256};

fn ts(secs: u64) -> Timestamp {
    Timestamp::from_secs(secs)
}

fn record(ct: u8, payload: &[u8]) -> Vec<u8> {
    let mut r = vec![ct, 3, 1];
    r.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    r.extend_from_slice(payload);
    r
}

fn hs(t: u8, body: &[u8]) -> Vec<u8> {
    let n = body.len();
    let mut m = vec![t, (n >> 16) as u8, (n >> 8) as u8, n as u8];
    m.extend_from_slice(body);
    m
}

fn server_hello(version: u16, cipher: u16, exts: &[Vec<u8>], random: [u8; 32]) -> Vec<u8> {
    let mut b = version.to_be_bytes().to_vec();
    b.extend_from_slice(&random);
    b.push(0);
    b.extend_from_slice(&cipher.to_be_bytes());
    b.push(0);
    if !exts.is_empty() {
        b.extend(vec16(&exts.concat()));
    }
    b
}

fn certificate(certs: &[Vec<u8>]) -> Vec<u8> {
    let mut l = Vec::new();
    for c in certs {
        l.extend_from_slice(&(c.len() as u32).to_be_bytes()[1..]);
        l.extend_from_slice(c);
    }
    let mut m = (l.len() as u32).to_be_bytes()[1..].to_vec();
    m.extend(l);
    m
}

/// A Chrome-like ClientHello with GREASE everywhere.
fn grease_hello() -> Vec<u8> {
    client_hello(
        0x0303,
        &[0x0a0a, 0x1301, 0xc02f, 0x002f],
        &[
            ext_bytes(0x1a1a, &[]),
            sni("www.example.org"),
            alpn(&["h2", "http/1.1"]),
            versions(&[0x2a2a, 0x0304, 0x0303]),
            ext_bytes(ext::SUPPORTED_GROUPS, &list16(&[0x3a3a, 29, 23])),
            ext_bytes(ext::EC_POINT_FORMATS, &[1, 0]),
            ext_bytes(ext::SIGNATURE_ALGORITHMS, &list16(&[0x0403, 0x0804])),
            ext_bytes(0x4a4a, &[0]),
        ],
    )
}

/// A TLS 1.2 conversation: client and server byte streams.
fn tls12() -> (Vec<u8>, Vec<u8>) {
    let mut c = record(22, &hs(1, &grease_hello()));
    c.extend(record(22, &hs(16, &[0; 33])));
    c.extend(record(20, &[1]));
    c.extend(record(22, &[0x55; 40])); // encrypted Finished
    c.extend(record(23, &[0x66; 100]));
    let certs = vec![vec![0x30; 3000], vec![0x31; 20000], vec![0x32; 5]];
    let msgs = [
        hs(2, &server_hello(0x0303, 0xc02f, &[alpn(&["h2"])], [7; 32])),
        hs(11, &certificate(&certs)),
        hs(14, &[]),
    ]
    .concat();
    // Server handshake split across records of at most 2^14 bytes.
    let mut s = Vec::new();
    for part in msgs.chunks(1 << 14) {
        s.extend(record(22, part));
    }
    s.extend(record(20, &[1]));
    s.extend(record(22, &[0x77; 40]));
    s.extend(record(23, &[0x88; 10]));
    (c, s)
}

fn feed(c: &[u8], s: &[u8], cuts: &[usize]) -> (Vec<TlsEvent>, TlsStats) {
    let mut t = TlsSession::new(TlsConfig::default());
    let mut ev = Vec::new();
    for (side, bytes) in [(Side::Client, c), (Side::Server, s)] {
        let mut at = 0;
        for &cut in cuts.iter().chain(std::iter::once(&bytes.len())) {
            let cut = cut.clamp(at, bytes.len());
            t.data(side, ts(1), &bytes[at..cut], &mut ev);
            at = cut;
        }
    }
    (ev, t.stats().clone())
}

#[test]
fn tls12_handshake_events_and_stats() {
    let (c, s) = tls12();
    let (ev, st) = feed(&c, &s, &[]);
    assert_eq!(ev.len(), 3, "{ev:?}");
    let TlsEvent::ClientHello(ch) = &ev[0] else {
        panic!("{ev:?}")
    };
    assert_eq!(ch.sni.as_deref(), Some("www.example.org"));
    assert_eq!(ch.alpn, ["h2", "http/1.1"]);
    assert_eq!(ch.versions, [0x2a2a, 0x0304, 0x0303]);
    assert_eq!(ch.ciphers, [0x0a0a, 0x1301, 0xc02f, 0x002f]);
    assert_eq!(ch.ja3, "771,4865-49199-47,0-16-43-10-11-13,29-23,0");
    assert_eq!(
        ch.ja3_md5,
        fingerprint::ja3_md5("771,4865-49199-47,0-16-43-10-11-13,29-23,0")
    );
    assert!(ch.ja4.starts_with("t13d0306h2_"), "{}", ch.ja4);
    let TlsEvent::ServerHello(sh) = &ev[1] else {
        panic!()
    };
    assert_eq!((sh.version, sh.cipher), (0x0303, 0xc02f));
    assert_eq!(sh.alpn.as_deref(), Some("h2"));
    assert_eq!(sh.ja3s, "771,49199,16");
    let TlsEvent::Certificates(certs) = &ev[2] else {
        panic!()
    };
    assert_eq!(certs.side, Side::Server);
    assert_eq!(certs.count, 3);
    assert_eq!(certs.certs[1], vec![0x31; 20000]);
    // Each side stops at its CCS (its 1-byte payload counted as skipped):
    // Finished and application data are skipped.
    assert_eq!(st.encrypted_bytes, 1 + 40 + 100 + 1 + 40 + 10);
    assert_eq!(st.handshake_messages, 5);
    assert_eq!(st.records, 5 + 5);
    assert_eq!(
        (st.lost_bytes, st.bad_client_hello, st.bad_extension),
        (0, 0, 0)
    );
}

#[test]
fn split_at_every_byte_gives_the_same_events() {
    let (c, s) = tls12();
    let whole = feed(&c, &s, &[]);
    for cut in 0..c.len().max(s.len()) {
        assert_eq!(feed(&c, &s, &[cut]), whole, "cut {cut}");
    }
    let every: Vec<usize> = (0..s.len()).collect();
    assert_eq!(feed(&c, &s, &every), whole);
}

#[test]
fn tls13_stops_after_server_hello_and_survives_hrr() {
    let sv = ext_bytes(ext::SUPPORTED_VERSIONS, &[3, 4]);
    // HRR, then the second ClientHello after a dummy CCS, then the real SH.
    let c1 = record(22, &hs(1, &grease_hello()));
    let mut c2 = record(20, &[1]);
    c2.extend(record(22, &hs(1, &grease_hello())));
    c2.extend(record(23, &[9; 50]));
    let s1 = record(
        22,
        &hs(
            2,
            &server_hello(
                0x0303,
                0x1301,
                std::slice::from_ref(&sv),
                HELLO_RETRY_RANDOM,
            ),
        ),
    );
    let mut s2 = record(
        22,
        &[
            hs(2, &server_hello(0x0303, 0x1302, &[sv], [1; 32])),
            hs(8, &[0; 10]),
        ]
        .concat(),
    );
    s2.extend(record(20, &[1]));
    s2.extend(record(23, &[9; 60]));
    let mut t = TlsSession::new(TlsConfig::default());
    let mut ev = Vec::new();
    // Capture order: CH1, HRR, CCS + CH2, SH and the rest.
    t.data(Side::Client, ts(1), &c1, &mut ev);
    t.data(Side::Server, ts(2), &s1, &mut ev);
    t.data(Side::Client, ts(3), &c2, &mut ev);
    t.data(Side::Server, ts(4), &s2, &mut ev);
    let kinds: Vec<_> = ev
        .iter()
        .map(|e| match e {
            TlsEvent::ClientHello(_) => "ch",
            TlsEvent::ServerHello(sh) if sh.hello_retry => "hrr",
            TlsEvent::ServerHello(_) => "sh",
            TlsEvent::Certificates(_) => "cert",
        })
        .collect();
    assert_eq!(kinds, ["ch", "hrr", "ch", "sh"]);
    assert_eq!(t.version(), Some(0x0304));
    assert!(t.is_done());
    // The EncryptedExtensions stand-in after the SH, the CCS payload is
    // clear (dummy), and both application-data records.
    assert_eq!(t.stats().encrypted_bytes, 14 + 1 + 60 + 50);
}

#[test]
fn certificate_spanning_three_records_and_many_calls() {
    let certs = vec![vec![0xaa; 700], vec![0xbb; 300]];
    let msg = hs(11, &certificate(&certs));
    let third = msg.len() / 3 + 1;
    let mut s = Vec::new();
    for part in msg.chunks(third) {
        s.extend(record(22, part));
    }
    assert_eq!(s.len(), msg.len() + 15);
    for step in [1, 7, 100, s.len()] {
        let mut t = TlsSession::new(TlsConfig::default());
        let mut ev = Vec::new();
        for chunk in s.chunks(step) {
            t.data(Side::Server, ts(1), chunk, &mut ev);
        }
        let [TlsEvent::Certificates(c)] = &ev[..] else {
            panic!("{ev:?}")
        };
        assert_eq!(c.certs, certs);
        assert_eq!(t.stats().records, 3);
    }
}

#[test]
fn malformed_bytes_gaps_and_bounds_are_counted() {
    let mut t = TlsSession::new(TlsConfig {
        max_handshake_bytes: 100,
        ..TlsConfig::default()
    });
    let mut ev = Vec::new();
    t.data(Side::Client, ts(1), b"GET / HTTP/1.1\r\n\r\n", &mut ev);
    assert_eq!(t.stats().bad_record_header, 1);
    assert_eq!(t.stats().lost_bytes, 13);
    // Resynchronises on a data call starting with a record header.
    t.data(Side::Client, ts(2), &record(22, &hs(1, b"short")), &mut ev);
    assert_eq!(t.stats().bad_client_hello, 1);
    t.data(
        Side::Server,
        ts(2),
        &record(22, &hs(11, &[0; 101])),
        &mut ev,
    );
    assert_eq!(t.stats().handshake_too_large, 1);
    t.data(
        Side::Client,
        ts(3),
        &record(22, &hs(11, &[0; 4])[..6]),
        &mut ev,
    );
    t.gap(Side::Client, 10, &mut ev);
    assert_eq!(t.stats().gap_lost, 1);
    assert!(t.is_done());
    t.end(Side::Client, ts(9), &mut ev);
    t.end(Side::Server, ts(9), &mut ev);
    assert!(ev.is_empty());
    let mut sum = TlsStats::default();
    sum.add(t.stats());
    sum.add(t.stats());
    assert_eq!(sum.gap_lost, 2);
}

#[test]
fn certificates_off_still_counts() {
    let s = record(22, &hs(11, &certificate(&[vec![1; 10]])));
    let mut t = TlsSession::new(TlsConfig {
        certificates: false,
        ..TlsConfig::default()
    });
    let mut ev = Vec::new();
    t.data(Side::Server, ts(1), &s, &mut ev);
    let [TlsEvent::Certificates(c)] = &ev[..] else {
        panic!()
    };
    assert_eq!((c.count, c.certs.len()), (1, 0));
}

#[test]
fn detection() {
    let (c, s) = tls12();
    assert_eq!(looks_like_tls(&c), Detection::Yes);
    assert_eq!(looks_like_tls(&s), Detection::Yes);
    for n in 0..6 {
        assert_eq!(looks_like_tls(&c[..n]), Detection::NeedMore, "{n}");
    }
    assert_eq!(looks_like_tls(b"GET / HTTP/1.1"), Detection::No);
    assert_eq!(looks_like_tls(&[22, 3, 5]), Detection::No);
    assert_eq!(looks_like_tls(&[22, 3, 1, 0, 0, 1]), Detection::No);
    assert_eq!(looks_like_tls(&[22, 3, 1, 0x50, 0, 1]), Detection::No);
    assert_eq!(looks_like_tls(&[22, 3, 1, 0, 9, 11]), Detection::No);
    assert_eq!(looks_like_tls(&[23, 3, 3, 0, 9, 1]), Detection::No);
}

// Property tests.

/// One generated conversation: client and server streams cut into records
/// of generated sizes.
fn gen_conversation() -> impl Strategy<Value = (Vec<u8>, Vec<u8>)> {
    (
        proptest::collection::vec(any::<u16>(), 1..20),
        proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..600), 0..4),
        1usize..3000,
        any::<bool>(),
    )
        .prop_map(|(ciphers, certs, rec, tls13)| {
            let sv = versions(&[if tls13 { 0x0304 } else { 0x0303 }]);
            let ch = hs(1, &client_hello(0x0303, &ciphers, &[sni("a.b"), sv]));
            let sh_ext = if tls13 {
                vec![ext_bytes(ext::SUPPORTED_VERSIONS, &[3, 4])]
            } else {
                Vec::new()
            };
            let msgs = [
                hs(2, &server_hello(0x0303, ciphers[0], &sh_ext, [3; 32])),
                hs(11, &certificate(&certs)),
                hs(14, &[]),
            ]
            .concat();
            let mut s = Vec::new();
            for part in msgs.chunks(rec) {
                s.extend(record(22, part));
            }
            s.extend(record(20, &[1]));
            s.extend(record(23, &[5; 30]));
            let mut c = Vec::new();
            for part in ch.chunks(rec) {
                c.extend(record(22, part));
            }
            c.extend(record(23, &[5; 30]));
            (c, s)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn split_invariance(
        (c, s) in gen_conversation(),
        cuts in proptest::collection::vec(0usize..6000, 0..12),
    ) {
        let mut cuts = cuts;
        cuts.sort_unstable();
        let whole = feed(&c, &s, &[]);
        prop_assert!(!whole.0.is_empty());
        prop_assert_eq!(feed(&c, &s, &cuts), whole);
    }

    #[test]
    fn never_panics_on_random_input(
        ops in proptest::collection::vec(
            (0u8..4, proptest::collection::vec(any::<u8>(), 0..300)), 0..30),
        cap in 0usize..300,
    ) {
        let mut t = TlsSession::new(TlsConfig { max_handshake_bytes: cap, ..TlsConfig::default() });
        let mut ev = Vec::new();
        for (op, bytes) in &ops {
            let side = if op % 2 == 0 { Side::Client } else { Side::Server };
            if *op >= 2 && bytes.len() < 8 {
                t.gap(side, bytes.len() as u64, &mut ev);
            } else {
                // Half the time, make it look like a handshake record.
                let mut b = bytes.clone();
                if op & 2 == 0 && b.len() > 6 {
                    b[0] = 22;
                    b[1] = 3;
                    b[2] %= 5;
                }
                t.data(side, ts(1), &b, &mut ev);
            }
            prop_assert!(t.buffered_bytes(side) <= cap + 8);
        }
        let _ = looks_like_tls(ops.first().map_or(&[][..], |o| &o.1));
    }

    #[test]
    fn never_panics_on_mutated_conversations(
        (c, s) in gen_conversation(),
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
        cut in any::<usize>(),
    ) {
        let (mut c, mut s) = (c, s);
        for (i, (at, v)) in flips.iter().enumerate() {
            let buf = if i % 2 == 0 { &mut c } else { &mut s };
            let n = buf.len();
            buf[at % n] = *v;
        }
        let _ = feed(&c, &s, &[cut % 4000]);
    }
}

// Real captures against the tshark oracle. A missing capture, oracle or
// tshark fails the test.

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// One step of a replayed stream.
enum Seg {
    Data(Side, Vec<u8>),
    Gap(Side, u64),
}

/// Per TCP stream, its segments: `(srcport, seq, payload)` in capture order.
type Segments = std::collections::HashMap<u32, Vec<(u16, u64, Vec<u8>)>>;

/// The TCP segments of every stream of a capture (one tshark run):
/// stream → `(srcport, seq, payload)` in capture order.
fn stream_segments(path: &str) -> Segments {
    assert!(
        std::path::Path::new(path).exists(),
        "missing capture {path}"
    );
    let text = tshark_allowing_cut(&[
        "-n",
        "-r",
        path,
        "-Y",
        "tcp.len > 0",
        "-T",
        "fields",
        "-e",
        "tcp.stream",
        "-e",
        "tcp.srcport",
        "-e",
        "tcp.seq",
        "-e",
        "tcp.payload",
    ]);
    let mut map: std::collections::HashMap<u32, Vec<_>> = Default::default();
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let (Some(Ok(stream)), Some(Ok(port)), Some(Ok(seq)), Some(p)) = (
            f.first().map(|s| s.parse()),
            f.get(1).map(|s| s.parse()),
            f.get(2).map(|s| s.parse()),
            f.get(3),
        ) else {
            continue;
        };
        map.entry(stream).or_default().push((port, seq, unhex(p)));
    }
    map
}

/// Puts one stream's segments in order per side (as the engine's
/// reassembly does): a segment past the next expected byte is held until
/// the hole fills, a retransmission is trimmed to its new bytes, a hole
/// still open after 16 later segments (or at the end) is a gap.
fn in_order(segs: &[(u16, u64, Vec<u8>)], client_port: u16) -> Vec<Seg> {
    use std::collections::BTreeMap;
    let mut next = [None::<u64>; 2];
    let mut held: [BTreeMap<u64, Vec<u8>>; 2] = Default::default();
    let mut out = Vec::new();
    let drain = |k: usize,
                 mut force: bool,
                 next: &mut [Option<u64>; 2],
                 held: &mut [BTreeMap<u64, Vec<u8>>; 2],
                 out: &mut Vec<Seg>| {
        let side = if k == 0 { Side::Client } else { Side::Server };
        while let Some((&seq, _)) = held[k].first_key_value() {
            let expected = next[k].unwrap_or(seq);
            if seq > expected {
                if !force {
                    break;
                }
                out.push(Seg::Gap(side, seq - expected));
                force = false;
                next[k] = Some(seq);
                continue;
            }
            let payload = held[k].remove(&seq).unwrap_or_default();
            let end = seq + payload.len() as u64;
            if end > expected {
                out.push(Seg::Data(
                    side,
                    payload[(expected - seq) as usize..].to_vec(),
                ));
                next[k] = Some(end);
            }
        }
    };
    for (port, seq, payload) in segs {
        let k = if *port == client_port { 0 } else { 1 };
        next[k].get_or_insert(*seq);
        let e = held[k].entry(*seq).or_default();
        if payload.len() > e.len() {
            *e = payload.clone();
        }
        let force = held[k].len() > 16;
        drain(k, force, &mut next, &mut held, &mut out);
    }
    for k in 0..2 {
        while !held[k].is_empty() {
            drain(k, true, &mut next, &mut held, &mut out);
        }
    }
    out
}

/// The capture file of an oracle directory (`.pcap` or `.pcapng`).
/// Every capture of the manifest with at least one `tls_handshakes.tsv` row.
fn tls_captures() -> Vec<String> {
    let manifest =
        std::fs::read_to_string(format!("{PCAPS}/MANIFEST.tsv")).expect("MANIFEST.tsv must exist");
    manifest
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .map(|name| name.rsplit_once('.').map_or(name, |(n, _)| n).to_owned())
        .filter(|c| !oracle(c, "tls_handshakes.tsv").is_empty())
        .collect()
}

fn opt_hex(v: Option<u16>) -> String {
    v.map_or(String::new(), |v| format!("0x{v:04x}"))
}

/// Feeds one stream of a capture (from [`stream_segments`]) to a session
/// and returns its events.
fn replay(segs: &Segments, stream: u32, client_port: u16) -> (Vec<TlsEvent>, TlsStats) {
    let mut t = TlsSession::new(TlsConfig::default());
    let mut ev = Vec::new();
    let empty = Vec::new();
    for (i, seg) in in_order(segs.get(&stream).unwrap_or(&empty), client_port)
        .iter()
        .enumerate()
    {
        match seg {
            Seg::Data(side, bytes) => t.data(*side, ts(i as u64), bytes, &mut ev),
            Seg::Gap(side, n) => t.gap(*side, *n, &mut ev),
        }
    }
    t.end(Side::Client, ts(1 << 40), &mut ev);
    t.end(Side::Server, ts(1 << 40), &mut ev);
    (ev, t.stats().clone())
}

/// Feeds every TLS stream of `capture` and checks every oracle row of
/// `tls_handshakes.tsv` and `x509_certs.tsv`. Returns (handshake rows,
/// certificate rows) checked.
fn check_capture(capture: &str) -> (usize, usize) {
    let rows = oracle(capture, "tls_handshakes.tsv");
    let cert_rows = oracle(capture, "x509_certs.tsv");
    let segs = stream_segments(&pcap_path(capture));
    let mut streams: Vec<u32> = rows
        .iter()
        .map(|r| r["tcp_stream"].parse().unwrap())
        .collect();
    streams.sort_unstable();
    streams.dedup();
    let (mut n_rows, mut n_certs) = (0, 0);
    for stream in streams {
        let mine: Vec<_> = rows
            .iter()
            .filter(|r| r["tcp_stream"] == stream.to_string())
            .collect();
        let client_port: u16 = mine[0]["cport"].parse().unwrap();
        let (ev, st) = replay(&segs, stream, client_port);
        // These captures have no lost segment in their TLS streams, and
        // every record and message of theirs parses.
        let clean = TlsStats {
            records: st.records,
            handshake_messages: st.handshake_messages,
            encrypted_bytes: st.encrypted_bytes,
            ..TlsStats::default()
        };
        assert_eq!(st, clean, "{capture} stream {stream}");
        assert!(st.records > 0);
        let at = format!("{capture} stream {stream}");
        let chs: Vec<_> = ev
            .iter()
            .filter_map(|e| match e {
                TlsEvent::ClientHello(c) => Some(c),
                _ => None,
            })
            .collect();
        let shs: Vec<_> = ev
            .iter()
            .filter_map(|e| match e {
                TlsEvent::ServerHello(s) => Some(s),
                _ => None,
            })
            .collect();
        let certs: Vec<&Vec<u8>> = ev
            .iter()
            .filter_map(|e| match e {
                TlsEvent::Certificates(c) => Some(&c.certs),
                _ => None,
            })
            .flatten()
            .collect();
        assert_eq!(chs.len(), mine.len(), "{at}: ClientHellos {ev:?}");
        for (row, ch) in mine.iter().zip(&chs) {
            assert_eq!(ch.side, Side::Client, "{at}");
            assert_eq!(ch.sni.clone().unwrap_or_default(), row["sni"], "{at}");
            assert_eq!(opt_hex(Some(ch.legacy_version)), row["ch_version"], "{at}");
            let sv: Vec<String> = ch.versions.iter().map(|&v| opt_hex(Some(v))).collect();
            assert_eq!(sv.join("|"), row["ch_supported_versions"], "{at}");
            assert_eq!(ch.alpn.join("|"), row["ch_alpn"], "{at}");
            assert_eq!(ch.ja3_md5, row["ja3"], "{at}: {}", ch.ja3);
            assert_eq!(fingerprint::ja3_md5(&ch.ja3), ch.ja3_md5);
            n_rows += 1;
        }
        // The ServerHello of a row: the first in the stream at/after the
        // ClientHello; with one hello per stream, the first one.
        let row = mine[0];
        if row["sh_frame"].is_empty() {
            assert!(shs.is_empty(), "{at}: unexpected ServerHello");
        } else {
            let sh = shs
                .first()
                .unwrap_or_else(|| panic!("{at}: no ServerHello"));
            assert_eq!(
                opt_hex(Some(sh.version)),
                row["sh_selected_version"],
                "{at}"
            );
            assert_eq!(opt_hex(Some(sh.cipher)), row["sh_cipher_suite"], "{at}");
            assert_eq!(sh.alpn.clone().unwrap_or_default(), row["sh_alpn"], "{at}");
        }
        assert_eq!(
            certs.len().to_string(),
            row["cert_count_in_stream"],
            "{at}: certificates"
        );
        let want: Vec<(String, String)> = cert_rows
            .iter()
            .filter(|r| r["tcp_stream"] == stream.to_string())
            .map(|r| (r["der_len"].clone(), r["sha256"].clone()))
            .collect();
        let got: Vec<(String, String)> = certs
            .iter()
            .map(|c| (c.len().to_string(), hex(&Sha256::digest(c))))
            .collect();
        assert_eq!(got, want, "{at}: certificate hashes");
        n_certs += got.len();
    }
    (n_rows, n_certs)
}

/// Every TLS row of every shared capture: 100 % of `tls_handshakes.tsv`
/// and `x509_certs.tsv` rows.
#[test]
fn oracle_every_tls_capture() {
    let captures = tls_captures();
    for c in [
        "tls12-google-certs",
        "tls13-chrome-sni",
        "tls13-ipv6-sni",
        "alexa-app-mixed",
        "home-lan-mixed",
        "web-browse-2013",
    ] {
        assert!(captures.iter().any(|x| x == c), "{c} not in the manifest");
    }
    let (mut rows, mut certs) = (0, 0);
    for capture in &captures {
        let (r, c) = check_capture(capture);
        assert_eq!(r, oracle(capture, "tls_handshakes.tsv").len(), "{capture}");
        assert_eq!(c, oracle(capture, "x509_certs.tsv").len(), "{capture}");
        rows += r;
        certs += c;
    }
    assert!(
        rows >= 100 && certs >= 90,
        "{rows} rows, {certs} certificates"
    );
}

/// JA4 written again from the spec, over tshark's own dissection of a
/// ClientHello (values as tshark prints them: `0x1301` hex lists, decimal
/// extension types), so that the fingerprint of every real ClientHello is
/// checked against values weir did not parse.
fn ja4_from_tshark(
    ciphers: &[u16],
    exts: &[u16],
    sigs: &[u16],
    alpn: &str,
    sv: &[u16],
    legacy: u16,
) -> String {
    let grease = |v: &u16| (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
    let version = sv
        .iter()
        .filter(|v| !grease(v))
        .max()
        .copied()
        .unwrap_or(legacy);
    let ver = match version {
        0x0304 => "13",
        0x0303 => "12",
        0x0302 => "11",
        0x0301 => "10",
        0x0300 => "s3",
        _ => "00",
    };
    let c: Vec<u16> = ciphers.iter().filter(|v| !grease(v)).copied().collect();
    let e: Vec<u16> = exts.iter().filter(|v| !grease(v)).copied().collect();
    let sni = if e.contains(&0) { "d" } else { "i" };
    let first = alpn.split(',').next().unwrap_or("");
    let al = match (first.chars().next(), first.chars().last()) {
        (Some(f), Some(l)) if f.is_ascii_alphanumeric() && l.is_ascii_alphanumeric() => {
            format!("{f}{l}")
        }
        (Some(_), Some(_)) => {
            let h = hex(first.as_bytes());
            format!("{}{}", &h[..1], &h[h.len() - 1..])
        }
        _ => "00".into(),
    };
    let h12 = |s: String| {
        if s.is_empty() {
            "000000000000".to_owned()
        } else {
            hex(&Sha256::digest(s.as_bytes()))[..12].to_owned()
        }
    };
    let list = |v: &[u16]| {
        v.iter()
            .map(|x| format!("{x:04x}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut cs = c.clone();
    cs.sort_unstable();
    let mut es: Vec<u16> = e.iter().filter(|&&x| x != 0 && x != 16).copied().collect();
    es.sort_unstable();
    let sg: Vec<u16> = sigs.iter().filter(|v| !grease(v)).copied().collect();
    let mut cpart = list(&es);
    if !sg.is_empty() {
        cpart = format!("{cpart}_{}", list(&sg));
    }
    format!(
        "t{ver}{sni}{:02}{:02}{al}_{}_{}",
        c.len().min(99),
        e.len().min(99),
        h12(list(&cs)),
        h12(cpart)
    )
}

/// Every ClientHello of every TLS capture: ciphers, extension types,
/// signature algorithms, ALPN, supported_versions and the JA3 string as
/// tshark dissects them (`tls.handshake.ja3_full`), and JA4 recomputed from
/// tshark's values (tshark 4.0 has no JA4 field).
#[test]
fn client_hello_values_and_ja4_match_tshark_dissection() {
    let parse_list = |s: &str| -> Vec<u16> {
        s.split(',')
            .filter(|x| !x.is_empty())
            .map(|x| match x.strip_prefix("0x") {
                Some(h) => u16::from_str_radix(h, 16).unwrap(),
                None => x.parse().unwrap(),
            })
            .collect()
    };
    let mut checked = 0;
    for capture in tls_captures() {
        let path = pcap_path(&capture);
        let text = tshark_allowing_cut(&[
            "-n",
            "-r",
            &path,
            "-Y",
            "tls.handshake.type == 1",
            "-T",
            "fields",
            "-E",
            "occurrence=a",
            "-E",
            "aggregator=,",
            "-e",
            "tcp.stream",
            "-e",
            "tls.handshake.ciphersuite",
            "-e",
            "tls.handshake.extension.type",
            "-e",
            "tls.handshake.sig_hash_alg",
            "-e",
            "tls.handshake.extensions_alpn_str",
            "-e",
            "tls.handshake.extensions.supported_version",
            "-e",
            "tls.handshake.ja3_full",
            "-e",
            "tls.handshake.version",
        ]);
        let mut want: std::collections::HashMap<u32, Vec<Vec<String>>> = Default::default();
        for line in text.lines() {
            let f: Vec<String> = line.split('\t').map(str::to_owned).collect();
            want.entry(f[0].parse().unwrap()).or_default().push(f);
        }
        let rows = oracle(&capture, "tls_handshakes.tsv");
        let segs = stream_segments(&path);
        for (stream, hellos) in want {
            let row = rows
                .iter()
                .find(|r| r["tcp_stream"] == stream.to_string())
                .unwrap_or_else(|| panic!("{capture}/{stream}: not in the oracle"));
            let (ev, _) = replay(&segs, stream, row["cport"].parse().unwrap());
            let chs: Vec<_> = ev
                .iter()
                .filter_map(|e| match e {
                    TlsEvent::ClientHello(c) => Some(c),
                    _ => None,
                })
                .collect();
            assert_eq!(chs.len(), hellos.len(), "{capture}/{stream}");
            for (ch, f) in chs.iter().zip(&hellos) {
                let at = format!("{capture}/{stream}");
                let field = |i: usize| f.get(i).map_or("", String::as_str);
                // sig_hash_alg would also list signature_algorithms_cert
                // (extension 50); none of these ClientHellos has one.
                assert!(!ch.extensions.contains(&50), "{at}");
                let sigs = parse_list(field(3));
                assert_eq!(ch.ciphers, parse_list(field(1)), "{at}");
                assert_eq!(ch.extensions, parse_list(field(2)), "{at}");
                assert_eq!(ch.signature_algorithms, sigs, "{at}");
                assert_eq!(ch.alpn.join(","), field(4), "{at}");
                assert_eq!(ch.versions, parse_list(field(5)), "{at}");
                assert_eq!(ch.ja3, field(6), "{at}");
                let legacy = parse_list(field(7))[0];
                let theirs = ja4_from_tshark(
                    &parse_list(field(1)),
                    &parse_list(field(2)),
                    &sigs,
                    field(4),
                    &parse_list(field(5)),
                    legacy,
                );
                assert_eq!(ch.ja4, theirs, "{at}");
                checked += 1;
            }
        }
    }
    assert!(checked >= 100, "{checked} ClientHellos checked");
}

/// Every ServerHello of every TLS capture: JA3S as tshark computes it
/// (`tls.handshake.ja3s_full`, `tls.handshake.ja3s`).
#[test]
fn server_hello_ja3s_matches_tshark() {
    let mut checked = 0;
    for capture in tls_captures() {
        let path = pcap_path(&capture);
        let text = tshark_allowing_cut(&[
            "-n",
            "-r",
            &path,
            "-Y",
            "tls.handshake.type == 2",
            "-T",
            "fields",
            "-e",
            "tcp.stream",
            "-e",
            "tls.handshake.ja3s_full",
            "-e",
            "tls.handshake.ja3s",
        ]);
        let mut want: std::collections::HashMap<u32, Vec<(String, String)>> = Default::default();
        for line in text.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            want.entry(f[0].parse().unwrap())
                .or_default()
                .push((f[1].to_owned(), f[2].to_owned()));
        }
        let rows = oracle(&capture, "tls_handshakes.tsv");
        let segs = stream_segments(&path);
        for (stream, hellos) in want {
            let row = rows
                .iter()
                .find(|r| r["tcp_stream"] == stream.to_string())
                .unwrap_or_else(|| panic!("{capture}/{stream}: not in the oracle"));
            let (ev, _) = replay(&segs, stream, row["cport"].parse().unwrap());
            let got: Vec<(String, String)> = ev
                .iter()
                .filter_map(|e| match e {
                    TlsEvent::ServerHello(s) => Some((s.ja3s.clone(), s.ja3s_md5.clone())),
                    _ => None,
                })
                .collect();
            assert_eq!(got, hellos, "{capture}/{stream}");
            checked += got.len();
        }
    }
    assert!(checked >= 100, "{checked} ServerHellos checked");
}

/// Lost segments on real streams: each data segment of every stream of
/// tls12-google-certs in turn replaced by a gap of its length. Events may
/// only go missing (never appear or change), and a gap inside the
/// encrypted part loses nothing: the last segment of each side is
/// application data, so replacing it keeps every event.
#[test]
fn real_streams_with_a_segment_lost() {
    let capture = "tls12-google-certs";
    let segs = stream_segments(&pcap_path(capture));
    let rows = oracle(capture, "tls_handshakes.tsv");
    let mut variants = 0;
    for row in &rows {
        let stream: u32 = row["tcp_stream"].parse().unwrap();
        let port: u16 = row["cport"].parse().unwrap();
        let order = in_order(&segs[&stream], port);
        let run = |drop: Option<usize>| {
            let mut t = TlsSession::new(TlsConfig::default());
            let mut ev = Vec::new();
            for (i, seg) in order.iter().enumerate() {
                match seg {
                    Seg::Data(side, bytes) if Some(i) == drop => {
                        t.gap(*side, bytes.len() as u64, &mut ev)
                    }
                    Seg::Data(side, bytes) => t.data(*side, ts(i as u64), bytes, &mut ev),
                    Seg::Gap(side, n) => t.gap(*side, *n, &mut ev),
                }
            }
            ev
        };
        let full = run(None);
        let last_of = |side: Side| {
            order
                .iter()
                .rposition(|s| matches!(s, Seg::Data(x, _) if *x == side))
                .unwrap()
        };
        for side in [Side::Client, Side::Server] {
            assert_eq!(
                run(Some(last_of(side))),
                full,
                "{capture}/{stream} {side:?}"
            );
        }
        for i in 0..order.len() {
            let lossy = run(Some(i));
            let mut rest = full.iter();
            for e in &lossy {
                assert!(rest.any(|f| f == e), "{capture}/{stream} drop {i}: {e:?}");
            }
            variants += 1;
        }
    }
    assert!(variants >= 40, "{variants}");
}
