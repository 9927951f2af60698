//! `--filter EXPR` (issue 7, point 3): tcpdump's syntax, libpcap's compiler.
//!
//! The oracle is tcpdump itself, piped into weir as a user would:
//! `tcpdump -r FILE -w - EXPR | weir run --pcap -` reads the frames libpcap
//! keeps, and must give exactly the flows (every line of `flows.ndjson`),
//! packets and bytes that `weir --filter EXPR` gives on FILE, with the rejected frames counted in `filtered_out`. Captures of
//! several link types (Ethernet, Linux cooked, raw IP, pcapng), with VLAN
//! tags (libpcap's `vlan` semantics) and IPv6.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use weir_capture::write::PcapWriter;
use weir_capture::FileSource;
use weir_core::source::{PacketSource, SourceItem};

/// Runs weir on `capture` (with `extra`), returns (sorted flow lines, summary).
fn weir_flows(capture: &Path, out: &Path, extra: &[String]) -> (Vec<String>, serde_json::Value) {
    let run = run_on(&[capture.to_path_buf()], out, extra);
    expect_code(&run, 0);
    (sorted_lines(&out.join("flows.ndjson")), summary(out))
}

/// `tcpdump -r capture -w - expr | weir run --pcap - --out out`: the
/// oracle exactly as a user would pipe it. Returns (sorted flow lines,
/// summary).
fn weir_on_tcpdump_pipe(
    capture: &Path,
    expr: &str,
    out: &Path,
) -> (Vec<String>, serde_json::Value) {
    use std::process::Stdio;
    let mut tcpdump = Command::new("tcpdump")
        .arg("-r")
        .arg(capture)
        .args(["-w", "-", expr])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run tcpdump ({e}): install tcpdump"));
    let pipe = tcpdump.stdout.take().unwrap();
    let run = Command::new(weir())
        .args(["run", "--pcap", "-", "--out"])
        .arg(out)
        .stdin(pipe)
        .output()
        .unwrap();
    assert!(tcpdump.wait().unwrap().success(), "tcpdump '{expr}' failed");
    expect_code(&run, 0);
    (sorted_lines(&out.join("flows.ndjson")), summary(out))
}

/// The check itself; returns the number of flow records kept.
fn same_as_tcpdump(capture: &Path, expr: &str) -> usize {
    let dir = tempdir();
    let (want, want_sum) = weir_on_tcpdump_pipe(capture, expr, &dir.path().join("oracle"));
    let (got, got_sum) = weir_flows(
        capture,
        &dir.path().join("filtered"),
        &["--filter".into(), expr.into()],
    );
    let (_, all_sum) = weir_flows(capture, &dir.path().join("all"), &[]);
    let name = capture.file_name().unwrap().to_string_lossy();
    assert_eq!(
        got, want,
        "{name} --filter '{expr}': flows differ from tcpdump's selection"
    );
    for k in ["packets", "bytes", "non_ip", "flows"] {
        assert_eq!(got_sum[k], want_sum[k], "{name} '{expr}': {k}");
    }
    let n = |s: &serde_json::Value, k: &str| s[k].as_u64().unwrap();
    assert_eq!(got_sum["filter"], expr);
    assert_eq!(
        n(&got_sum, "filtered_out"),
        n(&all_sum, "packets") - n(&got_sum, "packets"),
        "{name} '{expr}': filtered_out counts every frame not passed on"
    );
    assert!(all_sum["filtered_out"].is_null());
    got.len()
}

#[test]
fn tcp_port_80_on_ethernet_captures_matches_tcpdump() {
    for name in [
        "web-browse-2013.pcap",
        "http-bro-org.pcap",
        "home-lan-mixed.pcap",
    ] {
        let flows = same_as_tcpdump(&pcap(name), "tcp port 80");
        assert!(flows > 0, "{name}: the filter kept some flows");
    }
}

#[test]
fn linux_cooked_and_pcapng_captures_match_tcpdump() {
    for (name, expr) in [
        ("sll-cooked-mixed.pcap", "tcp port 80"),
        ("sll-cooked-mixed.pcap", "udp and not port 53"),
        ("alexa-app-mixed.pcapng", "tcp port 80"),
        ("alexa-app-mixed.pcapng", "udp port 53 or icmp6"),
    ] {
        let flows = same_as_tcpdump(&pcap(name), expr);
        assert!(flows > 0, "{name} '{expr}': the filter kept some flows");
    }
}

/// libpcap semantics for tags: `tcp port 80` matches the untagged copy
/// only; each `vlan` moves past one tag; `vlan 10 and vlan 20` is QinQ.
#[test]
fn vlan_semantics_are_libpcaps() {
    let cap = pcap("vlan-qinq-http.pcap");
    for (expr, vlans) in [
        ("tcp port 80", "[]"),
        ("vlan and tcp port 80", "[42]"),
        ("vlan 10 and vlan 20 and tcp port 80", "[10,20]"),
        ("vlan 42 and tcp port 80", "[42]"),
        ("vlan 10", "[10,20]"),
    ] {
        assert!(same_as_tcpdump(&cap, expr) > 0, "'{expr}' kept flows");
        // Which copy of the connection it kept.
        let dir = tempdir();
        let out = dir.path().join("out");
        weir_flows(&cap, &out, &["--filter".into(), expr.into()]);
        for f in ndjson(&out.join("flows.ndjson")) {
            assert_eq!(f["vlan"].to_string(), vlans, "'{expr}'");
        }
    }
}

#[test]
fn ipv6_filters_match_tcpdump() {
    for (name, expr) in [
        ("tls13-ipv6-sni.pcap", "ip6 and tcp port 443"),
        ("dns-edns-v4v6.pcap", "ip6"),
        ("dns-edns-v4v6.pcap", "ip and udp port 53"),
        ("icmp6-types.pcap", "icmp6"),
    ] {
        let flows = same_as_tcpdump(&pcap(name), expr);
        assert!(flows > 0, "{name} '{expr}': the filter kept some flows");
    }
}

/// A raw-IP capture (LINKTYPE_RAW), made from a shared Ethernet one: the
/// expression is compiled for DLT_RAW there.
#[test]
fn raw_ip_capture_matches_tcpdump() {
    let dir = tempdir();
    let raw = raw_ip_copy(dir.path(), "web-browse-2013.pcap");
    for expr in ["tcp port 80", "udp"] {
        let flows = same_as_tcpdump(&raw, expr);
        assert!(flows > 0, "raw IP '{expr}': the filter kept some flows");
    }
}

/// The IP packets of a shared Ethernet capture, written as LINKTYPE_RAW.
fn raw_ip_copy(dir: &Path, name: &str) -> PathBuf {
    let mut src = FileSource::open(&[pcap(name)]).unwrap();
    let path = dir.join("raw.pcap");
    let mut w = PcapWriter::new(std::fs::File::create(&path).unwrap(), 101, false, false).unwrap();
    while let Some(item) = src.next_item().unwrap() {
        let SourceItem::Packet(p) = item else {
            continue;
        };
        let ethertype = u16::from_be_bytes([p.data[12], p.data[13]]);
        if ethertype == 0x0800 || ethertype == 0x86DD {
            let ip = &p.data[14..];
            w.write_packet(p.ts, ip, p.wire_len - 14).unwrap();
        }
    }
    w.flush().unwrap();
    path
}

#[test]
fn a_bad_expression_is_a_usage_error_naming_it() {
    let dir = tempdir();
    let out = dir.path().join("out");
    let run = run_on(
        &[pcap("web-browse-2013.pcap")],
        &out,
        &["--filter".into(), "tcp prot 80".into()],
    );
    expect_code(&run, 2);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("'tcp prot 80'") && stderr.contains("--filter"),
        "names the expression and the flag: {stderr}"
    );
    assert!(!out.exists(), "nothing is opened or written");
}

/// Valid syntax, but not for the capture's link type: the run stops with
/// one error naming the expression and the link type.
#[test]
fn an_expression_wrong_for_the_link_type_names_both() {
    let dir = tempdir();
    let raw = raw_ip_copy(dir.path(), "dns-mixed.pcap");
    let out = dir.path().join("out");
    let run = run_on(
        &[raw],
        &out,
        &["--filter".into(), "ether host 00:11:22:33:44:55".into()],
    );
    expect_code(&run, 1);
    let s = summary(&out);
    let error = s["error"].as_str().unwrap();
    assert!(
        error.contains("ether host 00:11:22:33:44:55") && error.contains("RawIp"),
        "{error}"
    );
    assert_eq!(s["packets"], 0);
}
