//! Link types beyond Ethernet (issue "Packets from anywhere", point 6): BSD
//! loopback (NULL in both byte orders, LOOP), Linux cooked v2 (SLL2), PPP
//! (with and without HDLC framing), raw IPv4 (228), raw IPv6 (229) and the
//! raw IP numbers whose version nibble picks the IP version (12, 14, 101).
//!
//! Each capture is made here from a shared Ethernet capture by swapping the
//! 14-byte Ethernet header for the link type's own, with weir's pcap
//! writer. tshark reads every file and finds every IP packet in it (an
//! independent check of what was written); weir must then give the same
//! flows as on the original, with the same packets and the bytes changed by
//! exactly the header difference per packet.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::*;
use weir_capture::write::PcapWriter;
use weir_capture::FileSource;
use weir_core::source::{PacketSource, SourceItem};
use weir_plugin_api::Timestamp;

const SOURCE: &str = "web-browse-2013.pcap";

/// The IP packets of the shared capture `source` (after its Ethernet
/// header), with their times and IP versions.
fn ip_packets(source: &str) -> Vec<(Timestamp, Vec<u8>, u8)> {
    let mut src = FileSource::open(&[pcap(source)]).unwrap();
    let mut out = Vec::new();
    while let Some(item) = src.next_item().unwrap() {
        let SourceItem::Packet(p) = item else {
            continue;
        };
        let ethertype = u16::from_be_bytes([p.data[12], p.data[13]]);
        let version = match ethertype {
            0x0800 => 4,
            0x86DD => 6,
            _ => continue,
        };
        assert_eq!(p.data.len() as u32, p.wire_len, "whole frames");
        out.push((p.ts, p.data[14..].to_vec(), version));
    }
    out
}

/// Writes the IP packets of `source` with `header(version)` in front, as
/// link type `linktype`.
fn write(
    dir: &Path,
    source: &str,
    name: &str,
    linktype: u32,
    header: &dyn Fn(u8) -> Vec<u8>,
) -> (PathBuf, usize) {
    let packets = ip_packets(source);
    let path = dir.join(name);
    let file = std::fs::File::create(&path).unwrap();
    let mut w = PcapWriter::new(file, linktype, false, false).unwrap();
    let mut header_len = 0;
    for (ts, ip, version) in &packets {
        let mut frame = header(*version);
        header_len = frame.len();
        frame.extend_from_slice(ip);
        w.write_packet(*ts, &frame, frame.len() as u32).unwrap();
    }
    w.flush().unwrap();
    (path, header_len)
}

/// flow id -> (packets, bytes) from a run's final flow records.
fn flows(capture: &Path, out: &Path) -> BTreeMap<String, (u64, u64)> {
    let run = run_on(&[capture.to_path_buf()], out, &[]);
    expect_code(&run, 0);
    let mut m = BTreeMap::new();
    for f in ndjson(&out.join("flows.ndjson")) {
        if f["end_reason"] == "active" {
            continue;
        }
        let e = m
            .entry(format!(
                "{}|{}",
                f["flow_id"].as_str().unwrap(),
                f["first_ts"]
            ))
            .or_insert((0, 0));
        e.0 += f["az_packets"].as_u64().unwrap() + f["za_packets"].as_u64().unwrap();
        e.1 += f["az_bytes"].as_u64().unwrap() + f["za_bytes"].as_u64().unwrap();
    }
    m
}

fn check(name: &str, linktype: u32, header: &dyn Fn(u8) -> Vec<u8>) {
    check_from(SOURCE, name, linktype, header);
}

/// `source`'s IP packets rewritten as `linktype` give `source`'s flows.
fn check_from(source: &str, name: &str, linktype: u32, header: &dyn Fn(u8) -> Vec<u8>) {
    let dir = tempdir();
    let (made, header_len) = write(dir.path(), source, name, linktype, header);
    // tshark finds every IP packet of the file.
    let ip_frames = tshark_fields(&made, Some("ip or ipv6"), &["frame.number"])
        .lines()
        .count();
    assert_eq!(
        ip_frames,
        ip_packets(source).len(),
        "{name}: tshark reads every IP packet"
    );
    let base = flows(&pcap(source), &dir.path().join("base"));
    let got = flows(&made, &dir.path().join("made"));
    assert_eq!(base.len(), got.len(), "{name}: same flows");
    for (id, (pkts, bytes)) in &base {
        let (p2, b2) = got[id];
        assert_eq!(p2, *pkts, "{name} {id}: packets");
        assert_eq!(
            b2 + 14 * pkts,
            bytes + header_len as u64 * pkts,
            "{name} {id}: bytes"
        );
    }
}

#[test]
fn bsd_null_little_and_big_endian() {
    let af = |v: u8| if v == 4 { 2u32 } else { 30 };
    check("null-le.pcap", 0, &|v| af(v).to_le_bytes().to_vec());
    check("null-be.pcap", 0, &|v| af(v).to_be_bytes().to_vec());
}

#[test]
fn openbsd_loop() {
    check("loop.pcap", 108, &|v| {
        (if v == 4 { 2u32 } else { 24 }).to_be_bytes().to_vec()
    });
}

#[test]
fn linux_cooked_v2() {
    check("sll2.pcap", 276, &|v| {
        let mut h = vec![0u8; 20];
        h[..2].copy_from_slice(&(if v == 4 { 0x0800u16 } else { 0x86DD }).to_be_bytes());
        h[7] = 2; // interface index
        h[8..10].copy_from_slice(&1u16.to_be_bytes()); // ARPHRD_ETHER
        h[11] = 6; // address length
        h
    });
}

#[test]
fn ppp_with_and_without_hdlc_framing() {
    let proto = |v: u8| if v == 4 { 0x0021u16 } else { 0x0057 };
    check("ppp-hdlc.pcap", 9, &|v| {
        let mut h = vec![0xFF, 0x03];
        h.extend_from_slice(&proto(v).to_be_bytes());
        h
    });
    check("ppp-bare.pcap", 9, &|v| proto(v).to_be_bytes().to_vec());
}

#[test]
fn raw_ipv4_link_type_228() {
    check("raw4.pcap", 228, &|_| Vec::new());
}

/// LINKTYPE_IPV6 229, from two captures that hold only IPv6 (tshark counts
/// every frame of each as IPv6; `check_from` has tshark find every packet in
/// the file written).
#[test]
fn raw_ipv6_link_type_229() {
    for source in ["tls13-ipv6-sni.pcap", "icmp6-types.pcap"] {
        let all = tshark_fields(&pcap(source), None, &["frame.number"])
            .lines()
            .count();
        let v6 = tshark_fields(&pcap(source), Some("ipv6"), &["frame.number"])
            .lines()
            .count();
        assert_eq!((all, v6 > 0), (v6, true), "{source} is IPv6 only");
        check_from(source, "raw6.pcap", 229, &|_| Vec::new());
    }
}

/// The platform numbers of raw IP (DLT_RAW 12, and 14 on OpenBSD) and
/// LINKTYPE_RAW 101: the version nibble says IPv4 or IPv6.
#[test]
fn raw_ip_link_types_12_14_and_101() {
    for (name, linktype) in [("raw12.pcap", 12), ("raw14.pcap", 14), ("raw101.pcap", 101)] {
        check(name, linktype, &|_| Vec::new());
    }
}
