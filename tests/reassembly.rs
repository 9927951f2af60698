//! IP reassembly (issue "Packets from anywhere", point 5), against tshark,
//! which reassembles too.
//!
//! * `ipv4-fragments` (six NFS writes of six fragments, some repeated): every
//!   fragment frame counts for its IP pair, as in tshark's IP conversation
//!   table (`conv_ipv4.tsv`), and the UDP datagrams are whole: as many as
//!   tshark's UDP conversation counts, with tshark's UDP payload bytes.
//! * An IPv6 capture made here by fragmenting a shared capture's large
//!   packets (half of them with their fragments in reverse order) gives the
//!   same flows with the same packets as the original, every fragment's
//!   frame counted, and as many reassembled datagrams as tshark finds.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;
use serde_json::Value;
use weir_capture::synth::fragment::fragment;
use weir_capture::write::PcapWriter;
use weir_capture::FileSource;
use weir_core::source::{PacketSource, SourceItem};

fn run(capture: &Path, out: &Path, extra: &[&str]) -> Vec<Value> {
    let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    let r = run_on(&[capture.to_path_buf()], out, &extra);
    expect_code(&r, 0);
    ndjson(&out.join("flows.ndjson"))
        .into_iter()
        .filter(|f| f["end_reason"] != "active")
        .collect()
}

/// IP pair -> [frames lower->higher, bytes, frames higher->lower, bytes].
type Pairs = BTreeMap<(String, String), [u64; 4]>;

fn add(t: &mut Pairs, a: &str, b: &str, ab: (u64, u64), ba: (u64, u64)) {
    let (lo, hi, f, r) = if a <= b {
        (a, b, ab, ba)
    } else {
        (b, a, ba, ab)
    };
    let e = t.entry((lo.to_string(), hi.to_string())).or_default();
    e[0] += f.0;
    e[1] += f.1;
    e[2] += r.0;
    e[3] += r.1;
}

fn u(f: &Value, k: &str) -> u64 {
    f[k].as_u64().unwrap_or_else(|| panic!("{k} in {f}"))
}

#[test]
fn ipv4_fragments_count_every_frame_and_give_whole_datagrams() {
    let dir = tempdir();
    let capture = pcap("ipv4-fragments.pcap");
    let flows = run(&capture, dir.path(), &[]);
    let mut ours = Pairs::new();
    for f in &flows {
        add(
            &mut ours,
            f["a_ip"].as_str().unwrap(),
            f["z_ip"].as_str().unwrap(),
            (u(f, "az_frames"), u(f, "az_bytes")),
            (u(f, "za_frames"), u(f, "za_bytes")),
        );
    }
    let mut theirs = Pairs::new();
    for row in tsv(&oracle("ipv4-fragments").join("conv_ipv4.tsv")) {
        let n = |k: &str| row[k].parse::<u64>().unwrap();
        add(
            &mut theirs,
            &row["a_addr"],
            &row["b_addr"],
            (n("frames_a_to_b"), n("bytes_a_to_b")),
            (n("frames_b_to_a"), n("bytes_b_to_a")),
        );
    }
    assert_eq!(ours, theirs, "every fragment frame counted for its IP pair");

    // The UDP datagrams: as many as tshark counts, whole.
    let conv = tsv(&oracle("ipv4-fragments").join("conv_udp.tsv"));
    assert_eq!(conv.len(), 1);
    let c = &conv[0];
    let udp: Vec<&Value> = flows
        .iter()
        .filter(|f| f["proto"] == 17 && f["a_port"] != 0)
        .collect();
    assert_eq!(udp.len(), 1);
    let f = udp[0];
    let ends = |f: &Value| {
        let a = (f["a_ip"].as_str().unwrap().to_string(), u(f, "a_port"));
        let z = (f["z_ip"].as_str().unwrap().to_string(), u(f, "z_port"));
        (a, z)
    };
    let (a, _) = ends(f);
    let tshark_a = (c["a_addr"].clone(), c["a_port"].parse::<u64>().unwrap());
    let (ours_ab, ours_ba) = if a == tshark_a {
        (u(f, "az_packets"), u(f, "za_packets"))
    } else {
        (u(f, "za_packets"), u(f, "az_packets"))
    };
    assert_eq!(
        (ours_ab.to_string(), ours_ba.to_string()),
        (c["frames_a_to_b"].clone(), c["frames_b_to_a"].clone()),
        "one packet per datagram, as tshark"
    );
    let payload: u64 = tshark_fields(&capture, Some("udp"), &["udp.length"])
        .lines()
        .map(|l| l.parse::<u64>().unwrap() - 8)
        .sum();
    assert_eq!(
        u(f, "az_payload") + u(f, "za_payload"),
        payload,
        "UDP payload of whole datagrams, as tshark's udp.length"
    );
    assert!(u(f, "az_frames") + u(f, "za_frames") > u(f, "az_packets") + u(f, "za_packets"));

    let s = summary(dir.path());
    assert_eq!(s["reassembly"]["datagrams"], 6, "{}", s["reassembly"]);

    // Without reassembly every frame is a packet of its own.
    let plain = run(&capture, &dir.path().join("plain"), &["--no-reassembly"]);
    let total: u64 = plain
        .iter()
        .map(|f| u(f, "az_packets") + u(f, "za_packets"))
        .sum();
    assert_eq!(total, 53);
    assert_eq!(
        summary(&dir.path().join("plain"))["reassembly"]["datagrams"],
        0
    );
}

/// flow id + first time -> (packets, frames, bytes).
fn by_flow(flows: &[Value]) -> BTreeMap<String, (u64, u64, u64)> {
    let mut m = BTreeMap::new();
    for f in flows {
        let e = m
            .entry(format!(
                "{}|{}",
                f["flow_id"].as_str().unwrap(),
                f["first_ts"]
            ))
            .or_insert((0, 0, 0));
        e.0 += u(f, "az_packets") + u(f, "za_packets");
        e.1 += u(f, "az_frames") + u(f, "za_frames");
        e.2 += u(f, "az_bytes") + u(f, "za_bytes");
    }
    m
}

#[test]
fn a_fragmented_ipv6_capture_gives_the_original_flows() {
    let dir = tempdir();
    let source = pcap("tls13-ipv6-sni.pcap");
    let made = dir.path().join("fragmented.pcap");
    let mut src = FileSource::open(&[&source]).unwrap();
    let file = std::fs::File::create(&made).unwrap();
    let mut w = PcapWriter::new(std::io::BufWriter::new(file), 1, false, false).unwrap();
    // Per original frame: extra frames and bytes the fragmenting added.
    let (mut fragmented, mut extra_frames, mut extra_bytes) = (0u64, 0u64, 0u64);
    let mut id = 1u32;
    while let Some(item) = src.next_item().unwrap() {
        let SourceItem::Packet(p) = item else {
            continue;
        };
        let v6 = p.data.get(12..14) == Some(&[0x86, 0xdd][..]);
        let mut parts = if v6 {
            fragment(p.data, 512, id)
        } else {
            vec![p.data.to_vec()]
        };
        if parts.len() > 1 {
            fragmented += 1;
            extra_frames += parts.len() as u64 - 1;
            extra_bytes += parts.iter().map(|f| f.len() as u64).sum::<u64>() - p.data.len() as u64;
            if id.is_multiple_of(2) {
                parts.reverse();
            }
            id += 1;
        }
        for f in parts {
            w.write_packet(p.ts, &f, f.len() as u32).unwrap();
        }
    }
    w.flush().unwrap();
    drop(w);
    assert!(fragmented >= 10, "only {fragmented} packets fragmented");
    // tshark reassembles every one of them.
    let reassembled = tshark_fields(&made, Some("ipv6.fragments"), &["frame.number"])
        .lines()
        .count() as u64;
    assert_eq!(reassembled, fragmented, "tshark's reassembled datagrams");

    let base = by_flow(&run(&source, &dir.path().join("base"), &[]));
    let got = by_flow(&run(&made, &dir.path().join("made"), &[]));
    assert_eq!(
        base.keys().collect::<Vec<_>>(),
        got.keys().collect::<Vec<_>>()
    );
    let (mut frames, mut bytes) = (0, 0);
    for (flow, (packets, f, b)) in &base {
        let (p2, f2, b2) = got[flow];
        assert_eq!(p2, *packets, "{flow}: packets");
        assert_eq!(*f, *packets, "{flow}: unfragmented frames");
        frames += f2 - f;
        bytes += b2 - b;
    }
    assert_eq!(
        (frames, bytes),
        (extra_frames, extra_bytes),
        "every fragment's frame counted"
    );
    let s = summary(&dir.path().join("made"));
    assert_eq!(s["reassembly"]["datagrams"].as_u64(), Some(fragmented));
    assert_eq!(s["reassembly"]["fragments_unreassembled"], 0);
}
