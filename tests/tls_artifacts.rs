//! TLS found by content (issue "Artifact streams, part 2"): against the
//! oracle of every shared capture,
//! - every ClientHello row of `tls_handshakes.tsv` is a resource in weir's
//!   TLS group with tshark's SNI, JA3, and the ServerHello's version,
//!   cipher and ALPN, and the stream's certificate count;
//! - every Certificate message of `x509_certs.tsv` is an SSL Certificates
//!   resource with the chain's SHA-256s and subjects in order, whose PEM
//!   blocks `openssl x509` reads back to the same SHA-256, and a chain
//!   document holding the same;
//! - the same traffic moved off port 443 gives the same artifacts.
//!
//! (JA4 is checked against tshark's dissection of every ClientHello by the
//! parser's own tests, `core/src/proto/tls/tests.rs`.)

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::*;
use serde_json::Value;
use weir_capture::synth::segments::move_port;
use weir_capture::write::PcapWriter;
use weir_capture::FileSource;
use weir_core::source::{PacketSource, SourceItem};

type Ends = (String, u64, String, u64);

fn ends(r: &Value) -> Ends {
    (
        r["source_ip"].as_str().unwrap().to_string(),
        r["source_port"].as_u64().unwrap(),
        r["dest_ip"].as_str().unwrap().to_string(),
        r["dest_port"].as_u64().unwrap(),
    )
}

fn group<'a>(items: &'a [Value], name: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    items.iter().filter(move |r| r["group"] == name)
}

/// The `key=value` pairs of a TLS resource's label.
fn label_pairs(label: &str) -> BTreeMap<String, String> {
    label
        .split(' ')
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or_else(|| panic!("{label}"));
            (k.to_string(), v.to_string())
        })
        .collect()
}

/// The values of the lines starting `prefix` in an SSL Certificates uri.
fn lines_of(uri: &str, prefix: &str) -> Vec<String> {
    uri.lines()
        .filter_map(|l| l.strip_prefix(prefix))
        .map(str::to_string)
        .collect()
}

/// The oracle's `\,` is written `\\,` in the TSV.
fn unescape(s: &str) -> String {
    s.replace("\\\\", "\\")
}

fn tls_captures() -> Vec<(String, String)> {
    manifest_captures()
        .into_iter()
        .map(|name| {
            let stem = name.rsplit_once('.').unwrap().0.to_string();
            (name, stem)
        })
        .filter(|(_, stem)| !tsv(&oracle(stem).join("tls_handshakes.tsv")).is_empty())
        .collect()
}

#[test]
fn every_client_hello_of_the_oracle_is_a_tls_resource() {
    let mut checked = 0;
    for (name, stem) in tls_captures() {
        let rows = tsv(&oracle(&stem).join("tls_handshakes.tsv"));
        let dir = tempdir();
        let out = dir.path().join("out");
        let run = run_on(&[pcap(&name)], &out, &[]);
        assert!(matches!(run.status.code(), Some(0 | 3)), "{name}: {run:?}");
        let res = ndjson(&out.join("resources.ndjson"));
        let got: BTreeMap<Ends, &Value> = group(&res, "TLS").map(|r| (ends(r), r)).collect();
        let mut streams = BTreeSet::new();
        for h in &rows {
            let key = (
                h["client"].clone(),
                h["cport"].parse().unwrap(),
                h["server"].clone(),
                h["sport"].parse().unwrap(),
            );
            // One resource per connection: a second ClientHello (after a
            // HelloRetryRequest) is part of the first one's.
            if !streams.insert(key.clone()) {
                continue;
            }
            let r = got
                .get(&key)
                .unwrap_or_else(|| panic!("{name}: no TLS resource for {key:?}"));
            let at = format!("{name} frame {}", h["ch_frame"]);
            let sni = if h["sni"].is_empty() { "-" } else { &h["sni"] };
            assert_eq!(r["uri"], sni, "{at}");
            let l = label_pairs(r["label"].as_str().unwrap());
            assert_eq!(l["ja3"], h["ja3"], "{at}");
            let or_dash = |v: &str| {
                if v.is_empty() {
                    "-".to_string()
                } else {
                    v.to_string()
                }
            };
            assert_eq!(
                l["client_alpn"],
                or_dash(&h["ch_alpn"].replace('|', ",")),
                "{at}"
            );
            if !h["sh_frame"].is_empty() {
                assert_eq!(l["version"], h["sh_version_name"], "{at}");
                assert_eq!(l["cipher"], h["sh_cipher_suite"], "{at}");
                assert_eq!(l["alpn"], or_dash(&h["sh_alpn"]), "{at}");
                assert_eq!(l["certs"], h["cert_count_in_stream"], "{at}");
                assert_eq!(l["ja3s"].len(), 32, "{at}");
            } else {
                assert_eq!(l["version"], "-", "{at}");
            }
            assert!(l["ja4"].starts_with('t'), "{at}: {}", l["ja4"]);
            checked += 1;
        }
        assert_eq!(
            got.len(),
            streams.len(),
            "{name}: one resource per connection"
        );
    }
    assert!(checked >= 100, "{checked} connections checked");
}

/// Length and header size of the DER element at the start of `der`.
fn der_len(der: &[u8]) -> (usize, usize) {
    match der[1] {
        n if n < 0x80 => (usize::from(n), 2),
        n => {
            let k = usize::from(n & 0x7F);
            let len = der[2..2 + k]
                .iter()
                .fold(0, |a, &b| a << 8 | usize::from(b));
            (len, 2 + k)
        }
    }
}

/// SHA-1 of a certificate's public key bits (RFC 5280's key identifier,
/// method 1), from openssl: the SubjectPublicKeyInfo openssl exports, its
/// BIT STRING's bytes after the unused-bits byte, hashed by `openssl dgst`.
fn pubkey_sha1(pem: &str, dir: &Path) -> String {
    let path = |n: &str| dir.join(n).to_str().unwrap().to_string();
    let (c, k, d, b) = (path("pk.pem"), path("k.pem"), path("k.der"), path("k.bin"));
    std::fs::write(&c, pem).unwrap();
    let key = tool("openssl", &["x509", "-noout", "-pubkey", "-in", &c]);
    std::fs::write(&k, key).unwrap();
    tool(
        "openssl",
        &["pkey", "-pubin", "-in", &k, "-outform", "DER", "-out", &d],
    );
    let spki = std::fs::read(&d).unwrap();
    let (_, outer) = der_len(&spki);
    let inner = &spki[outer..];
    let (alg_len, alg_hdr) = der_len(inner);
    let bits = &inner[alg_hdr + alg_len..];
    assert_eq!(bits[0], 0x03, "a BIT STRING");
    let (len, hdr) = der_len(bits);
    std::fs::write(&b, &bits[hdr + 1..hdr + len]).unwrap();
    let out = tool("openssl", &["dgst", "-sha1", "-r", &b]);
    out.split_whitespace().next().unwrap().to_string()
}

/// A chain as (client ends, SHA-256s in order, subjects in order).
type Chain = (String, u64, Vec<String>, Vec<String>);

#[test]
fn every_certificate_chain_of_the_oracle_is_a_resource_and_a_document() {
    let mut chains_checked = 0;
    let (mut certs_checked, mut oracle_certs) = (0, 0);
    for name in manifest_captures() {
        let stem = name.rsplit_once('.').unwrap().0.to_string();
        let rows = tsv(&oracle(&stem).join("x509_certs.tsv"));
        if rows.is_empty() {
            continue;
        }
        oracle_certs += rows.len();
        // One Certificate message per frame and direction.
        let mut by_msg: BTreeMap<(u64, String, String), Vec<_>> = BTreeMap::new();
        for r in &rows {
            let k = (
                r["frame"].parse().unwrap(),
                r["sender"].clone(),
                r["sender_port"].clone(),
            );
            by_msg.entry(k).or_default().push(r);
        }
        let mut want: Vec<Chain> = by_msg
            .into_values()
            .map(|mut c| {
                c.sort_by_key(|x| x["chain_pos"].parse::<u32>().unwrap());
                let (ip, port) = if c[0]["sender_role"] == "server" {
                    (&c[0]["receiver"], &c[0]["receiver_port"])
                } else {
                    (&c[0]["sender"], &c[0]["sender_port"])
                };
                (
                    ip.clone(),
                    port.parse().unwrap(),
                    c.iter().map(|x| x["sha256"].clone()).collect(),
                    c.iter().map(|x| unescape(&x["subject"])).collect(),
                )
            })
            .collect();
        want.sort();

        let dir = tempdir();
        let out = dir.path().join("out");
        let run = run_on(&[pcap(&name)], &out, &[]);
        assert!(matches!(run.status.code(), Some(0 | 3)), "{name}: {run:?}");
        let res = ndjson(&out.join("resources.ndjson"));
        let docs = ndjson(&out.join("fts.ndjson"));
        let mut got: Vec<Chain> = Vec::new();
        for r in group(&res, "SSL Certificates") {
            let uri = r["uri"].as_str().unwrap();
            let label = r["label"].as_str().unwrap();
            let shas = lines_of(uri, "SHA256:");
            let (ip, port, ..) = ends(r);
            // The PEM blocks, read back by openssl, in chain order.
            let pems: Vec<&str> = label
                .split_inclusive("-----END CERTIFICATE-----\n")
                .collect();
            assert_eq!(pems.len(), shas.len(), "{name}: {label}");
            for (pem, sha) in pems.iter().zip(&shas) {
                let p = dir.path().join("c.pem");
                std::fs::write(&p, pem).unwrap();
                let fp = tool(
                    "openssl",
                    &[
                        "x509",
                        "-noout",
                        "-fingerprint",
                        "-sha256",
                        "-in",
                        p.to_str().unwrap(),
                    ],
                );
                let hex: String = fp
                    .trim()
                    .rsplit('=')
                    .next()
                    .unwrap()
                    .replace(':', "")
                    .to_lowercase();
                assert_eq!(&hex, sha, "{name}");
                certs_checked += 1;
            }
            // Its chain document: same flow, every certificate's lines and
            // PEM block, the attributes of the leaf.
            let doc = group(&docs, "SSL Certificate (chain) FTS")
                .find(|d| {
                    d["flow_id"] == r["flow_id"] && d["text"].as_str().unwrap().contains(&shas[0])
                })
                .unwrap_or_else(|| panic!("{name}: no chain document for {uri}"));
            let text = doc["text"].as_str().unwrap();
            for (pem, sha) in pems.iter().zip(&shas) {
                assert!(text.contains(&format!("SHA256:{sha}\n")), "{name}");
                assert!(text.contains(pem), "{name}");
            }
            assert!(text.contains("        Issuer: "), "{name}: {text}");
            let attrs = &doc["attributes"];
            assert_eq!(
                attrs["chain_depth"],
                shas.len().to_string().as_str(),
                "{name}: {doc}"
            );
            assert_eq!(
                attrs["DERSHA1"],
                lines_of(uri, "SHA1:")[0].as_str(),
                "{name}"
            );
            let key_sha1 = pubkey_sha1(pems[0], dir.path());
            assert_eq!(attrs["PUBKEYSHA1"], key_sha1.as_str(), "{name}");
            got.push((ip, port, shas, lines_of(uri, "NAME:")));
        }
        got.sort();
        assert_eq!(got, want, "{name}: chains");
        chains_checked += want.len();
    }
    assert_eq!(certs_checked, oracle_certs, "every certificate read back");
    assert!(
        chains_checked >= 40 && certs_checked >= 90,
        "{chains_checked} chains, {certs_checked} certificates"
    );
}

/// The artifacts of `out` without the server port and flow id, sorted.
fn portless(out: &Path) -> Vec<String> {
    let mut v: Vec<String> = ndjson(&out.join("resources.ndjson"))
        .into_iter()
        .chain(ndjson(&out.join("fts.ndjson")))
        .filter(|r| r["group"] != "DNS Resources" && r["group"] != "DNS records full-text dump")
        .map(|r| {
            let body = r.get("uri").or(r.get("text")).unwrap().as_str().unwrap();
            format!(
                "{} {} {} {} {}",
                r["group"],
                r["source_ip"],
                r["source_port"],
                body,
                r.get("label").unwrap_or(&Value::Null)
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn tls_moved_off_port_443_gives_the_same_artifacts() {
    for capture in ["tls12-google-certs.pcap", "alexa-app-mixed.pcapng"] {
        let dir = tempdir();
        let mut src = FileSource::open(&[pcap(capture)]).unwrap();
        let mut frames = Vec::new();
        while let Some(item) = src.next_item().unwrap() {
            if let SourceItem::Packet(p) = item {
                frames.push((p.ts, p.data.to_vec()));
            }
        }
        let moved = move_port(&frames, 443, 8443);
        let path = dir.path().join("moved.pcap");
        let file = std::fs::File::create(&path).unwrap();
        let mut w = PcapWriter::new(file, 1, false, false).unwrap();
        for (ts, f) in &moved {
            w.write_packet(*ts, f, f.len() as u32).unwrap();
        }
        w.flush().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        expect_code(&run_on(&[pcap(capture)], &a, &[]), 0);
        expect_code(&run_on(&[path], &b, &[]), 0);
        let (orig, moved) = (portless(&a), portless(&b));
        let tls = orig.iter().filter(|l| l.starts_with("\"TLS\"")).count();
        assert!(tls >= 8, "{capture}: {tls} TLS resources");
        assert_eq!(orig, moved, "{capture}");
    }
}

/// Once a handshake went encrypted the flow is given up: its later bytes
/// are counted, not reassembled, and every TCP payload byte tshark sees is
/// in exactly one of the two counts.
#[test]
fn bytes_after_the_handshake_are_given_up_and_counted() {
    let capture = pcap("tls12-google-certs.pcap");
    let dir = tempdir();
    let out = dir.path().join("out");
    expect_code(&run_on(std::slice::from_ref(&capture), &out, &[]), 0);
    let t = &summary(&out)["tcp_reassembly"];
    let tshark: u64 = tshark_fields(&capture, None, &["tcp.len"])
        .lines()
        .filter_map(|l| l.trim().parse::<u64>().ok())
        .sum();
    let (parsed, given_up) = (
        t["payload_bytes"].as_u64().unwrap(),
        t["given_up_bytes"].as_u64().unwrap(),
    );
    assert!(given_up > 0, "{t}");
    assert_eq!(parsed + given_up, tshark, "{t}");
}
