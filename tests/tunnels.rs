//! Tunnels (issue "Packets from anywhere", point 4): the outer flow and the
//! inner flows are both tracked, and an inner flow records its tunnel.
//!
//! * `gre-tunnel` (a real capture) against tshark's IP-pair table
//!   (`conv_ipv4.tsv`: every IP layer of every frame counted) and its
//!   TCP/UDP tables.
//! * VXLAN, Geneve, GRE with key and sequence number, IP in IP, MPLS and
//!   PPPoE captures built here from a shared capture with the repository's
//!   frame builder (`weir_capture::synth::tunnel`). tshark reads each one
//!   and its per-layer TCP/UDP conversations (computed from its per-packet
//!   fields, every layer of every frame, as in `oracle/README.md`) must equal
//!   weir's flows, outer and inner; and the inner flows must be the flows of
//!   the original capture, with the same packets and the bytes grown by
//!   exactly the tunnel's overhead per packet.

mod common;

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::path::Path;

use common::*;
use serde_json::Value;
use weir_capture::synth::tunnel::{self, TunnelEnds};
use weir_capture::write::PcapWriter;
use weir_capture::FileSource;
use weir_core::source::{PacketSource, SourceItem};
use weir_plugin_api::Timestamp;

const SOURCE: &str = "web-browse-2013.pcap";

const ENDS: TunnelEnds = TunnelEnds {
    a: Ipv4Addr::new(192, 0, 2, 1),
    b: Ipv4Addr::new(198, 51, 100, 7),
};

/// The frames of the source capture, with their times.
fn frames() -> Vec<(Timestamp, Vec<u8>)> {
    let mut src = FileSource::open(&[pcap(SOURCE)]).unwrap();
    let mut out = Vec::new();
    while let Some(item) = src.next_item().unwrap() {
        if let SourceItem::Packet(p) = item {
            assert_eq!(p.data.len() as u32, p.wire_len, "whole frames");
            out.push((p.ts, p.data.to_vec()));
        }
    }
    out
}

fn write(path: &Path, frames: &[(Timestamp, Vec<u8>)]) {
    let file = std::fs::File::create(path).unwrap();
    let mut w = PcapWriter::new(std::io::BufWriter::new(file), 1, false, false).unwrap();
    for (ts, f) in frames {
        w.write_packet(*ts, f, f.len() as u32).unwrap();
    }
    w.flush().unwrap();
}

fn run(capture: &Path, out: &Path) -> Vec<Value> {
    let r = run_on(&[capture.to_path_buf()], out, &[]);
    expect_code(&r, 0);
    ndjson(&out.join("flows.ndjson"))
        .into_iter()
        .filter(|f| f["end_reason"] != "active")
        .collect()
}

/// tshark's TCP/UDP conversations over every layer of every frame of
/// `capture` (outer and inner), and the number of frames with more than one
/// IP layer.
fn tshark_layers(capture: &Path) -> (ConvTable, usize) {
    let fields = [
        "frame.len",
        "frame.protocols",
        "ip.src",
        "ip.dst",
        "ipv6.src",
        "ipv6.dst",
        "tcp.srcport",
        "tcp.dstport",
        "udp.srcport",
        "udp.dstport",
    ];
    let mut args: Vec<String> = ["-n", "-r"].map(String::from).to_vec();
    args.push(capture.display().to_string());
    args.extend(["-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|"].map(String::from));
    for f in fields {
        args.extend(["-e".to_string(), f.to_string()]);
    }
    let text = tool("tshark", &args);
    let mut table = ConvTable::new();
    let mut tunnelled = 0;
    for line in text.lines() {
        let cols: Vec<Vec<&str>> = line.split('\t').map(|c| c.split('|').collect()).collect();
        let len: u64 = cols[0][0].parse().unwrap();
        let at = |c: usize, i: usize| cols[c].get(i).copied().unwrap_or("").to_string();
        let (mut ip4, mut ip6, mut tcp, mut udp) = (0, 0, 0, 0);
        let mut ip: Option<(String, String)> = None;
        let mut ip_layers = 0;
        for token in cols[1][0].split(':') {
            match token {
                "ip" => {
                    ip = Some((at(2, ip4), at(3, ip4)));
                    ip4 += 1;
                    ip_layers += 1;
                }
                "ipv6" => {
                    ip = Some((at(4, ip6), at(5, ip6)));
                    ip6 += 1;
                    ip_layers += 1;
                }
                "tcp" | "udp" => {
                    let (proto, c, i) = if token == "tcp" {
                        tcp += 1;
                        (6u8, 6, tcp - 1)
                    } else {
                        udp += 1;
                        (17u8, 8, udp - 1)
                    };
                    let (src, dst) = ip.clone().expect("transport after IP");
                    let port = |c| at(c, i).parse::<u16>().unwrap();
                    let (a, b) = ((src, port(c)), (dst, port(c + 1)));
                    let (lo, hi, dir) = if a <= b { (a, b, 0) } else { (b, a, 2) };
                    let e = table.entry((proto, lo, hi)).or_default();
                    e[dir] += 1;
                    e[dir + 1] += len;
                }
                // Layers inside an ICMP error are not traffic (tshark's taps
                // skip them too).
                "icmp" | "icmpv6" => break,
                _ => {}
            }
        }
        tunnelled += usize::from(ip_layers > 1);
    }
    (table, tunnelled)
}

/// flow id -> (packets, bytes) of the flows whose `tunnel` matches `kind`
/// (`None`: untunnelled flows).
fn by_id(flows: &[Value], kind: Option<&str>) -> BTreeMap<String, (u64, u64)> {
    let mut m = BTreeMap::new();
    for f in flows {
        if f["tunnel"]["kind"].as_str() != kind {
            continue;
        }
        let u = |k: &str| f[k].as_u64().unwrap();
        let e = m
            .entry(f["flow_id"].as_str().unwrap().to_string())
            .or_insert((0, 0));
        e.0 += u("az_packets") + u("za_packets");
        e.1 += u("az_bytes") + u("za_bytes");
    }
    m
}

/// Builds `SOURCE` wrapped by `wrap`, and checks it (see the module docs).
/// `overhead` is what the wrapping adds to an IP frame; `kind`, `id` and
/// `outer` what the inner flows' `tunnel` must say.
fn check(
    name: &str,
    wrap: &dyn Fn(&[u8]) -> Vec<u8>,
    overhead: u64,
    kind: &str,
    id: u64,
    outer: bool,
) {
    let dir = tempdir();
    let made = dir.path().join(format!("{name}.pcap"));
    let source = frames();
    let wrapped: Vec<_> = source.iter().map(|(ts, f)| (*ts, wrap(f))).collect();
    write(&made, &wrapped);

    let ours = run(&made, &dir.path().join("made"));
    let (theirs, tunnelled) = tshark_layers(&made);
    assert!(
        theirs.len() > 20,
        "{name}: only {} conversations",
        theirs.len()
    );
    assert_eq!(
        weir_conv_table(&ours),
        theirs,
        "{name}: weir's flows (outer and inner) differ from tshark's layers"
    );
    let s = summary(&dir.path().join("made"));
    assert_eq!(
        s["tunnelled_packets"].as_u64().unwrap() as usize,
        tunnelled,
        "{name}: packets decapsulated, against tshark's frames with two IP layers"
    );
    if outer {
        assert!(
            tunnelled > 1000,
            "{name}: only {tunnelled} tunnelled frames"
        );
    }

    // The inner flows are the original flows, grown by the overhead.
    let base = by_id(&run(&pcap(SOURCE), &dir.path().join("base")), None);
    let inner = by_id(&ours, Some(kind));
    assert_eq!(
        base.keys().collect::<Vec<_>>(),
        inner.keys().collect::<Vec<_>>(),
        "{name}: inner flows"
    );
    for (flow, (packets, bytes)) in &base {
        assert_eq!(
            inner[flow],
            (*packets, bytes + overhead * packets),
            "{name} {flow}"
        );
    }
    let ends = [ENDS.a.to_string(), ENDS.b.to_string()];
    for f in ours.iter().filter(|f| f["tunnel"]["kind"] == kind) {
        let t = &f["tunnel"];
        assert_eq!(t["id"].as_u64(), Some(id), "{name}: {f}");
        if outer {
            let got = [
                t["outer_a"].as_str().unwrap(),
                t["outer_z"].as_str().unwrap(),
            ];
            assert!(
                got[0] != got[1] && got.iter().all(|g| ends.iter().any(|e| e == g)),
                "{name}: outer ends {got:?}"
            );
        } else {
            assert!(
                t["outer_a"].is_null() && t["outer_z"].is_null(),
                "{name}: {f}"
            );
        }
    }
}

#[test]
fn vxlan_inner_flows() {
    check(
        "vxlan",
        &|f| tunnel::vxlan(f, 5000, ENDS),
        50,
        "vxlan",
        5000,
        true,
    );
}

#[test]
fn geneve_inner_flows() {
    check(
        "geneve",
        &|f| tunnel::geneve(f, 77, ENDS),
        58,
        "geneve",
        77,
        true,
    );
}

#[test]
fn gre_with_key_and_sequence_inner_flows() {
    check(
        "gre",
        &|f| tunnel::gre(f, Some(0x0102_0304), Some(1), ENDS),
        32,
        "gre",
        0x0102_0304,
        true,
    );
}

#[test]
fn ip_in_ip_inner_flows() {
    check("ipip", &|f| tunnel::ip_in_ip(f, ENDS), 20, "ipip", 0, true);
}

#[test]
fn mpls_flows() {
    check(
        "mpls",
        &|f| tunnel::mpls(f, &[16, 3000]),
        8,
        "mpls",
        3000,
        false,
    );
}

#[test]
fn pppoe_flows() {
    check(
        "pppoe",
        &|f| tunnel::pppoe(f, 0x2a),
        8,
        "pppoe",
        0x2a,
        false,
    );
}

/// IP pair -> [frames lower->higher, bytes, frames higher->lower, bytes].
type PairTable = BTreeMap<(String, String), [u64; 4]>;

fn pair_add(t: &mut PairTable, a: &str, b: &str, ab: (u64, u64), ba: (u64, u64)) {
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

/// `gre-tunnel`: every IP layer of every frame counts for its IP pair, as
/// in tshark's IP conversation table; the inner flows name the tunnel.
#[test]
fn gre_tunnel_matches_tshark_ip_pairs() {
    let dir = tempdir();
    let flows = run(&pcap("gre-tunnel.pcap"), dir.path());
    let mut ours = PairTable::new();
    for f in &flows {
        let u = |k: &str| f[k].as_u64().unwrap();
        pair_add(
            &mut ours,
            f["a_ip"].as_str().unwrap(),
            f["z_ip"].as_str().unwrap(),
            (u("az_packets"), u("az_bytes")),
            (u("za_packets"), u("za_bytes")),
        );
    }
    let mut theirs = PairTable::new();
    for row in tsv(&oracle("gre-tunnel").join("conv_ipv4.tsv")) {
        let n = |k: &str| row[k].parse::<u64>().unwrap();
        pair_add(
            &mut theirs,
            &row["a_addr"],
            &row["b_addr"],
            (n("frames_a_to_b"), n("bytes_a_to_b")),
            (n("frames_b_to_a"), n("bytes_b_to_a")),
        );
    }
    assert_eq!(ours, theirs);
    let inner: Vec<_> = flows.iter().filter(|f| !f["tunnel"].is_null()).collect();
    assert!(!inner.is_empty());
    for f in inner {
        let t = &f["tunnel"];
        assert_eq!(
            (t["kind"].as_str(), t["id"].as_u64()),
            (Some("gre"), Some(0))
        );
        let mut ends = [
            t["outer_a"].as_str().unwrap(),
            t["outer_z"].as_str().unwrap(),
        ];
        ends.sort();
        assert_eq!(ends, ["172.27.1.66", "66.59.109.137"], "{f}");
    }
    let outer: Vec<_> = flows.iter().filter(|f| f["proto"] == 47).collect();
    assert_eq!(outer.len(), 1, "one outer GRE flow");
    assert!(outer[0]["tunnel"].is_null());
}
