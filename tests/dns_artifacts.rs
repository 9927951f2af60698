//! DNS found by content (issue "Artifact streams, part 2"): against the
//! oracle of every shared capture (`dns.tsv`, `dns_rr.tsv`, tshark's),
//! - every DNS, mDNS and LLMNR message, over UDP, TCP or quoted in an ICMP
//!   error, is a document in the DNS FTS group at its time with its id,
//!   holding its question names and every record (owner, TTL, type, data);
//! - every transaction is a DNS resource: a response's `uri` is its
//!   question (its first answer's owner without one) and its label lists
//!   the answers; a query's name is a resource too, its response's or an
//!   unanswered one at the query's time.

mod common;

use std::collections::HashMap;

use common::*;
use serde_json::Value;

/// Epoch text `1413054930.198203` as microseconds.
fn micros(text: &str) -> u64 {
    let (s, f) = text.split_once('.').unwrap_or((text, ""));
    let f = format!("{f:0<6}");
    s.parse::<u64>().unwrap() * 1_000_000 + f[..6].parse::<u64>().unwrap()
}

/// An output's `ts` (a JSON number, so within a microsecond of the text).
fn ts_micros(v: &Value) -> u64 {
    (v["ts"].as_f64().unwrap() * 1e6).round() as u64
}

fn near(a: u64, b: u64) -> bool {
    a.abs_diff(b) <= 1
}

#[test]
fn every_dns_message_and_record_of_the_oracle_is_in_weirs_output() {
    let (mut messages, mut records, mut transactions) = (0, 0, 0);
    for name in manifest_captures() {
        let stem = name.rsplit_once('.').unwrap().0.to_string();
        let rows = tsv(&oracle(&stem).join("dns.tsv"));
        if rows.is_empty() {
            continue;
        }
        let dir = tempdir();
        let out = dir.path().join("out");
        let run = run_on(&[pcap(&name)], &out, &[]);
        assert!(matches!(run.status.code(), Some(0 | 3)), "{name}: {run:?}");
        let docs: Vec<Value> = ndjson(&out.join("fts.ndjson"))
            .into_iter()
            .filter(|d| d["group"] == "DNS records full-text dump")
            .collect();
        let res: Vec<Value> = ndjson(&out.join("resources.ndjson"))
            .into_iter()
            .filter(|d| d["group"] == "DNS Resources")
            .collect();
        // Documents by (time, id, query|response), from their key.
        let mut by_key: HashMap<(u64, u16, String), Vec<&str>> = HashMap::new();
        for d in &docs {
            let key = d["key"].as_str().unwrap();
            let p: Vec<&str> = key.rsplitn(4, '/').collect();
            assert_eq!(p.len(), 4, "{key}");
            assert!(near(ts_micros(d), p[2].parse().unwrap()), "{key}");
            by_key
                .entry((p[2].parse().unwrap(), p[1].parse().unwrap(), p[0].to_string()))
                .or_default()
                .push(d["text"].as_str().unwrap());
        }
        let mut frame_key = HashMap::new();
        for r in &rows {
            let kind = if r["qr"] == "1" { "response" } else { "query" };
            let key = (micros(&r["ts"]), r["id"].parse().unwrap(), kind.to_string());
            let at = format!("{name} frame {}", r["frame"]);
            let texts = by_key
                .get(&key)
                .unwrap_or_else(|| panic!("{at}: no DNS document {key:?}"));
            for q in r["qname"].split('|').filter(|q| !q.is_empty()) {
                let line = format!("\n.{q}\t\t");
                assert!(texts.iter().any(|t| t.contains(&line)), "{at}: {q} in {texts:?}");
            }
            frame_key.insert(r["frame"].clone(), (key, r["in_icmp_error"] == "1"));
            messages += 1;

            // Resources: not for messages inside ICMP errors.
            if r["in_icmp_error"] == "1" {
                continue;
            }
            let q = r["qname"].split('|').next().unwrap_or("").to_string();
            let at_time = |x: &&Value| near(ts_micros(x), micros(&r["ts"]));
            if r["qr"] == "1" {
                let want = if q.is_empty() {
                    // No question: named by its first answer.
                    tsv(&oracle(&stem).join("dns_rr.tsv"))
                        .into_iter()
                        .find(|rr| rr["frame"] == r["frame"] && rr["section"] == "answer")
                        .map(|rr| rr["rr_name"].clone())
                } else {
                    Some(q.clone())
                };
                if let Some(want) = want {
                    assert!(
                        res.iter().filter(at_time).any(|x| x["uri"] == want.as_str()),
                        "{at}: no DNS resource {want}"
                    );
                    transactions += 1;
                }
            } else if !q.is_empty() {
                // Answered (a resource of that name at or after the query)
                // or unanswered (at the query's time, empty label).
                let t = micros(&r["ts"]);
                assert!(
                    res.iter()
                        .any(|x| x["uri"] == q.as_str() && ts_micros(x) + 1 >= t),
                    "{at}: query {q} has no resource"
                );
            }
        }
        for rr in tsv(&oracle(&stem).join("dns_rr.tsv")) {
            let (key, quoted) = &frame_key[&rr["frame"]];
            let at = format!("{name} frame {}", rr["frame"]);
            let owner = if rr["rr_name"] == "<Root>" {
                ".".to_string()
            } else {
                format!(".{}", rr["rr_name"])
            };
            // tshark gives no TTL for OPT (its TTL field holds flags).
            let line = if rr["rr_type_name"] == "OPT" {
                format!("{owner}\t")
            } else {
                format!("{owner}\t{}\t{}\t", rr["ttl"], rr["rr_type_name"])
            };
            let texts = &by_key[key];
            assert!(
                texts.iter().any(|t| t
                    .lines()
                    .any(|l| l.starts_with(&line) && l.contains(rr["rdata"].as_str()))),
                "{at}: record {line:?} {:?} not in {texts:?}",
                rr["rdata"]
            );
            // An answer of a response is in its resource's label too
            // (a response quoted in an ICMP error makes no resource).
            let answer = rr["section"] == "answer" && key.2 == "response";
            if answer && !quoted && !rr["rdata"].is_empty() {
                let want = format!("{} {} IN {} ", rr["rr_name"], rr["ttl"], rr["rr_type_name"]);
                assert!(
                    res.iter().any(|x| near(ts_micros(x), key.0)
                        && x["label"]
                            .as_str()
                            .unwrap()
                            .lines()
                            .any(|l| l.starts_with(&want) && l.contains(rr["rdata"].as_str()))),
                    "{at}: answer {want} {} in no resource label",
                    rr["rdata"]
                );
            }
            records += 1;
        }
    }
    assert!(
        messages >= 880 && records >= 2000 && transactions >= 300,
        "{messages} messages, {records} records, {transactions} responses"
    );
}

#[test]
fn a_query_without_an_answer_is_an_unanswered_resource() {
    // dns-ddns-query: one query for a dynamic-DNS name, no answer.
    let dir = tempdir();
    let out = dir.path().join("out");
    expect_code(&run_on(&[pcap("dns-ddns-query.pcap")], &out, &[]), 0);
    let res = ndjson(&out.join("resources.ndjson"));
    let rows = tsv(&oracle("dns-ddns-query").join("dns.tsv"));
    assert_eq!(rows.len(), 1);
    assert_eq!(res.len(), 1, "{res:?}");
    assert_eq!(res[0]["group"], "DNS Resources");
    assert_eq!(res[0]["uri"], rows[0]["qname"].as_str());
    assert_eq!(res[0]["label"], "");
    assert!(near(ts_micros(&res[0]), micros(&rows[0]["ts"])));
    assert_eq!(res[0]["source_ip"], rows[0]["src"].as_str());
    let s = summary(&out);
    assert_eq!(s["dns"]["unanswered"], 1, "{s}");
    assert_eq!(s["dns"]["queries"], 1, "{s}");
}

#[test]
fn dns_over_tcp_and_in_icmp_errors_are_read() {
    let count = |stem: &str, transport: &str, icmp: &str| {
        tsv(&oracle(stem).join("dns.tsv"))
            .iter()
            .filter(|r| r["transport"] == transport && r["in_icmp_error"] == icmp)
            .count() as u64
    };
    let dir = tempdir();
    for (capture, stem) in [
        ("dns-edns-v4v6.pcap", "dns-edns-v4v6"),
        ("gre-tunnel.pcap", "gre-tunnel"),
        ("icmp6-types.pcap", "icmp6-types"),
    ] {
        let out = dir.path().join(stem);
        expect_code(&run_on(&[pcap(capture)], &out, &[]), 0);
        let s = summary(&out);
        let d = &s["dns"];
        assert_eq!(d["tcp_messages"], count(stem, "tcp", "0"), "{stem}: {d}");
        assert_eq!(d["udp_messages"], count(stem, "udp", "0"), "{stem}: {d}");
        assert_eq!(d["icmp_messages"], count(stem, "", "1"), "{stem}: {d}");
    }
    assert!(count("dns-edns-v4v6", "tcp", "0") >= 9);
    // --no-dns: none of it.
    let out = dir.path().join("off");
    expect_code(
        &run_on(&[pcap("dns-mixed.pcap")], &out, &["--no-dns".to_string()]),
        0,
    );
    assert!(ndjson(&out.join("resources.ndjson")).is_empty());
    assert!(ndjson(&out.join("fts.ndjson")).is_empty());
}
