//! SSH found by content (issue "Artifact streams, part 2", first step):
//! every SSH connection of the shared captures gives one resource in weir's
//! SSH group whose versions are `ssh.tsv`'s (the oracle) and whose HASSH and
//! HASSHServer are tshark's own `ssh.kex.hassh` / `ssh.kex.hasshserver`;
//! the same traffic moved off port 22 gives the same resources.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;
use weir_capture::synth::segments::move_port;
use weir_capture::write::PcapWriter;
use weir_capture::FileSource;
use weir_core::source::{PacketSource, SourceItem};

/// (client, cport, server, sport) -> (uri, label) of the SSH resources.
fn ssh_resources(out: &Path) -> BTreeMap<(String, u64, String, u64), (String, String)> {
    ndjson(&out.join("resources.ndjson"))
        .into_iter()
        .filter(|r| r["group"] == "SSH")
        .map(|r| {
            let key = (
                r["source_ip"].as_str().unwrap().to_string(),
                r["source_port"].as_u64().unwrap(),
                r["dest_ip"].as_str().unwrap().to_string(),
                r["dest_port"].as_u64().unwrap(),
            );
            let val = (
                r["uri"].as_str().unwrap().to_string(),
                r["label"].as_str().unwrap().to_string(),
            );
            (key, val)
        })
        .collect()
}

/// tshark's HASSH per TCP stream: (client hassh, server hasshserver).
fn tshark_hassh(capture: &Path) -> BTreeMap<String, (String, String)> {
    let text = tshark_fields(
        capture,
        Some("ssh.kex.hassh || ssh.kex.hasshserver"),
        &["tcp.stream", "ssh.kex.hassh", "ssh.kex.hasshserver"],
    );
    let mut m: BTreeMap<String, (String, String)> = BTreeMap::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let e = m.entry(f[0].to_string()).or_default();
        if let Some(h) = f.get(1).filter(|h| !h.is_empty()) {
            e.0 = h.to_string();
        }
        if let Some(h) = f.get(2).filter(|h| !h.is_empty()) {
            e.1 = h.to_string();
        }
    }
    m
}

#[test]
fn every_ssh_connection_of_the_oracle_is_a_resource_with_tsharks_hassh() {
    let mut rows_checked = 0;
    for name in manifest_captures() {
        let stem = name.rsplit_once('.').unwrap().0.to_string();
        let rows = tsv(&oracle(&stem).join("ssh.tsv"));
        if rows.is_empty() {
            continue;
        }
        let dir = tempdir();
        let out = dir.path().join("out");
        let run = run_on(&[pcap(&name)], &out, &[]);
        assert!(matches!(run.status.code(), Some(0 | 3)), "{name}: {run:?}");
        let got = ssh_resources(&out);
        let hassh = tshark_hassh(&pcap(&name));
        for r in &rows {
            let key = (
                r["client"].clone(),
                r["cport"].parse().unwrap(),
                r["server"].clone(),
                r["sport"].parse().unwrap(),
            );
            let (uri, label) = got
                .get(&key)
                .unwrap_or_else(|| panic!("{name}: no SSH resource for {key:?}; weir had {got:?}"));
            let show = |v: &str| {
                if v.is_empty() {
                    "-".to_string()
                } else {
                    v.to_string()
                }
            };
            assert_eq!(
                uri,
                &format!(
                    "{} -> {}",
                    show(&r["client_version"]),
                    show(&r["server_version"])
                ),
                "{name} stream {}",
                r["tcp_stream"]
            );
            if let Some((c, s)) = hassh.get(&r["tcp_stream"]) {
                assert_eq!(
                    label,
                    &format!("hassh={} hasshserver={}", show(c), show(s)),
                    "{name} stream {}",
                    r["tcp_stream"]
                );
            }
            rows_checked += 1;
        }
        assert_eq!(
            got.len(),
            rows.len(),
            "{name}: one resource per SSH connection"
        );
    }
    assert!(rows_checked >= 10, "SSH rows checked: {rows_checked}");
}

#[test]
fn ssh_moved_off_port_22_gives_the_same_resources() {
    let dir = tempdir();
    let mut src = FileSource::open(&[pcap("ssh-guess.pcap")]).unwrap();
    let mut frames = Vec::new();
    while let Some(item) = src.next_item().unwrap() {
        if let SourceItem::Packet(p) = item {
            frames.push((p.ts, p.data.to_vec()));
        }
    }
    let moved = move_port(&frames, 22, 2222);
    let path = dir.path().join("moved.pcap");
    let mut w = PcapWriter::new(std::fs::File::create(&path).unwrap(), 1, false, false).unwrap();
    for (ts, f) in &moved {
        w.write_packet(*ts, f, f.len() as u32).unwrap();
    }
    w.flush().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    expect_code(&run_on(&[pcap("ssh-guess.pcap")], &a, &[]), 0);
    expect_code(&run_on(&[path], &b, &[]), 0);
    let strip = |m: BTreeMap<(String, u64, String, u64), (String, String)>| {
        let mut v: Vec<(String, u64, String, String)> = m
            .into_iter()
            .map(|((c, cp, s, _), val)| (c, cp, s, format!("{} | {}", val.0, val.1)))
            .collect();
        v.sort();
        v
    };
    let (orig, moved) = (strip(ssh_resources(&a)), strip(ssh_resources(&b)));
    assert!(!orig.is_empty());
    assert_eq!(orig, moved);
}
