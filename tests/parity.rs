//! Flow parity with tshark: for every capture in `shared/pcaps` (the GRE
//! tunnel's inner flows and the reassembled fragments included), packets and bytes per direction of every
//! TCP/UDP 5-tuple equal tshark's conversation tables (`oracle/*/conv_tcp.tsv`,
//! `conv_udp.tsv`).
//!
//! Both sides are summed per 5-tuple: tshark may split one 5-tuple into several
//! conversations, weir into several flows (VLANs, timeouts, port reuse). Only
//! weir's final records count (`end_reason` other than `active`: interim
//! records of live flows are cumulative).

mod common;

use common::*;

/// The shared captures with IPv4 fragments (by their protocol hierarchies).
const FRAGMENTED: [&str; 2] = ["dns-edns-v4v6", "ipv4-fragments"];

/// Where tshark and weir count fragmented datagrams differently on purpose,
/// derived from tshark's own per-frame fields, applied to tshark's table.
///
/// Both reassemble. tshark counts a datagram once in its UDP conversation,
/// with the bytes of the frame that completed it (the only frame with
/// `udp.*` fields). weir counts it once too, with the bytes of every
/// fragment frame that went into it. A repeated fragment that arrives after
/// its datagram was complete (`ipv4-fragments` has two) starts a datagram
/// that never completes: weir counts it, unreassembled, in the port-less
/// flow of the IP pair; tshark in no UDP conversation.
fn adjust_for_fragments(capture: &std::path::Path, theirs: &mut ConvTable) {
    let text = tshark_fields(
        capture,
        Some("ip.flags.mf == 1 || ip.frag_offset > 0"),
        &[
            "frame.number",
            "frame.len",
            "ip.src",
            "ip.dst",
            "ip.id",
            "udp.srcport",
            "udp.dstport",
        ],
    );
    type Frag = (u64, u64, Option<(u16, u16)>);
    let mut datagrams: std::collections::BTreeMap<(String, String, String), Vec<Frag>> =
        Default::default();
    for line in text.lines() {
        let c: Vec<&str> = line.split('\t').collect();
        let ports = (!c[5].is_empty()).then(|| (c[5].parse().unwrap(), c[6].parse().unwrap()));
        datagrams
            .entry((c[2].to_string(), c[3].to_string(), c[4].to_string()))
            .or_default()
            .push((c[0].parse().unwrap(), c[1].parse().unwrap(), ports));
    }
    assert!(!datagrams.is_empty(), "{}: no fragments", capture.display());
    for ((src, dst, id), frags) in &datagrams {
        let done: Vec<&Frag> = frags.iter().filter(|f| f.2.is_some()).collect();
        assert_eq!(done.len(), 1, "datagram {src} {dst} {id}: reassembled once");
        let (done_no, done_len, ports) = *done[0];
        let (sport, dport) = ports.unwrap();
        let mut add = |a: (String, u16), b: (String, u16), packets: u64, bytes: u64| {
            let (lo, hi, dir) = if a <= b { (a, b, 0) } else { (b, a, 2) };
            let e = theirs.entry((17, lo, hi)).or_default();
            e[dir] += packets;
            e[dir + 1] += bytes;
        };
        let before: u64 = frags.iter().filter(|f| f.0 <= done_no).map(|f| f.1).sum();
        add(
            (src.clone(), sport),
            (dst.clone(), dport),
            0,
            before - done_len,
        );
        for late in frags.iter().filter(|f| f.0 > done_no) {
            add((src.clone(), 0), (dst.clone(), 0), 1, late.1);
        }
    }
}

#[test]
fn flows_match_tshark_conversations_on_every_capture() {
    let skip: [&str; 0] = [];
    let mut failures = Vec::new();
    let mut checked = 0;
    for name in manifest_captures() {
        if skip.contains(&name.as_str()) {
            continue;
        }
        let stem = name.rsplit_once('.').unwrap().0.to_string();
        let dir = tempdir();
        let out = run_on(&[pcap(&name)], dir.path(), &[]);
        let code = out.status.code();
        // truncated-http-mime exits 3 (truncated input); everything else cleanly.
        let want = if stem == "truncated-http-mime" { 3 } else { 0 };
        assert_eq!(
            code,
            Some(want),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let ours = weir_conv_table(&ndjson(&dir.path().join("flows.ndjson")));
        let mut theirs = oracle_conv_table(&[&stem]);
        if FRAGMENTED.contains(&stem.as_str()) {
            adjust_for_fragments(&pcap(&name), &mut theirs);
        }
        for (key, theirs_v) in &theirs {
            match ours.get(key) {
                Some(v) if v == theirs_v => {}
                other => failures.push(format!(
                    "{name}: {key:?}: tshark {theirs_v:?}, weir {other:?}"
                )),
            }
        }
        for key in ours.keys().filter(|k| !theirs.contains_key(*k)) {
            failures.push(format!(
                "{name}: {key:?}: weir has {:?}, tshark has no such conversation",
                ours[key]
            ));
        }
        checked += theirs.len();
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 500, "only {checked} conversations compared");
}

/// tshark keys conversations without VLANs: `vlan-qinq-http` is one TCP
/// conversation of 42 frames there. weir keys flows by VLAN, so the same
/// connection seen untagged, on VLAN 42 and on QinQ 10/20 is three flows of
/// 14 frames, with one Trisul id and three VLAN lists.
#[test]
fn vlans_split_flows_that_tshark_merges() {
    let dir = tempdir();
    let out = run_on(&[pcap("vlan-qinq-http.pcap")], dir.path(), &[]);
    expect_code(&out, 0);
    let flows = ndjson(&dir.path().join("flows.ndjson"));
    let conv = tsv(&oracle("vlan-qinq-http").join("conv_tcp.tsv"));
    assert_eq!(conv.len(), 1);
    let frames: u64 = conv[0]["frames"].parse().unwrap();
    let mut vlans: Vec<String> = flows.iter().map(|f| f["vlan"].to_string()).collect();
    vlans.sort();
    assert_eq!(vlans, ["[10,20]", "[42]", "[]"]);
    assert!(flows.iter().all(|f| f["flow_id"] == flows[0]["flow_id"]));
    for f in &flows {
        let packets = f["az_packets"].as_u64().unwrap() + f["za_packets"].as_u64().unwrap();
        assert_eq!(packets * 3, frames, "{f}");
    }
}

/// Flows are sharded over packet workers by a symmetric hash; the outputs must
/// not depend on how many there are: flows, and the resources and documents
/// the application parsers make (DNS queries waiting for a response are
/// swept at the markers every worker sees).
#[test]
fn worker_count_does_not_change_the_flows() {
    for name in [
        "web-browse-2013.pcap",
        "home-lan-mixed.pcap",
        "vlan-qinq-http.pcap",
        "alexa-app-mixed.pcapng",
        "dns-mixed.pcap",
    ] {
        let one = tempdir();
        let three = tempdir();
        expect_code(&run_on(&[pcap(name)], one.path(), &[]), 0);
        expect_code(
            &run_on(
                &[pcap(name)],
                three.path(),
                &["--workers".into(), "3".into()],
            ),
            0,
        );
        let a = std::fs::read_to_string(one.path().join("flows.ndjson")).unwrap();
        let b = std::fs::read_to_string(three.path().join("flows.ndjson")).unwrap();
        assert!(!a.is_empty());
        assert_eq!(a, b, "{name}: flows.ndjson differs between 1 and 3 workers");
        for file in ["resources.ndjson", "fts.ndjson"] {
            let a = std::fs::read_to_string(one.path().join(file)).unwrap();
            let b = std::fs::read_to_string(three.path().join(file)).unwrap();
            assert!(!a.is_empty(), "{name}: {file} empty");
            assert!(a == b, "{name}: {file} differs between 1 and 3 workers");
        }
        assert_eq!(summary(three.path())["workers"], 3);
    }
}
