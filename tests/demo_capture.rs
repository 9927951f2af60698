//! The demo capture (`examples/demo`) against independent tools: tshark
//! decodes its TLS session (server name, cipher, two certificates), openssl
//! verifies the certificates tshark extracted, and two runs give the same
//! bytes. A missing tool fails the test.

mod common;
#[path = "../examples/demo/mod.rs"]
mod demo;

use std::path::Path;
use std::process::Command;

/// Runs `openssl` and returns its stdout; fails the test when openssl is
/// missing or exits with an error.
fn openssl(args: &[&str], dir: &Path) -> String {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run `openssl` ({e}): install openssl"));
    assert!(
        out.status.success(),
        "`openssl {}` failed ({:?}):\n{}{}",
        args.join(" "),
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn tls_fields(capture: &Path, filter: &str, fields: &[&str]) -> Vec<String> {
    let mut args = vec![
        "-n".to_string(),
        "-r".into(),
        capture.display().to_string(),
        "-Y".into(),
        filter.into(),
        "-T".into(),
        "fields".into(),
        "-E".into(),
        "occurrence=a".into(),
        "-E".into(),
        "aggregator=,".into(),
    ];
    for f in fields {
        args.extend(["-e".into(), (*f).to_string()]);
    }
    common::tool("tshark", &args)
        .lines()
        .map(str::to_string)
        .collect()
}

fn unhex(hex: &str) -> Vec<u8> {
    assert!(hex.len().is_multiple_of(2), "odd hex length");
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex digit"))
        .collect()
}

#[test]
fn demo_tls_session_decodes_and_its_chain_verifies() {
    let dir = common::tempdir();
    let capture = dir.path().join("demo.pcap");
    let again = dir.path().join("again.pcap");
    let packets = demo::write(&capture).unwrap();
    assert_eq!(demo::write(&again).unwrap(), packets);
    assert!(
        std::fs::read(&capture).unwrap() == std::fs::read(&again).unwrap(),
        "two runs of the demo capture differ"
    );

    // ClientHello: server name, offered suites, ALPN.
    let hello = tls_fields(
        &capture,
        "tls.handshake.type == 1",
        &[
            "tcp.srcport",
            "tcp.dstport",
            "tls.handshake.extensions_server_name",
            "tls.handshake.ciphersuite",
            "tls.handshake.extensions_alpn_str",
        ],
    );
    assert_eq!(
        hello,
        ["50443\t443\tshop.example.com\t0xc02b,0xc02c,0xcca9\th2,http/1.1"]
    );
    // ServerHello: the chosen suite and protocol.
    let server = tls_fields(
        &capture,
        "tls.handshake.type == 2",
        &[
            "tls.handshake.version",
            "tls.handshake.ciphersuite",
            "tls.handshake.extensions_alpn_str",
        ],
    );
    assert_eq!(server, ["0x0303\t0xc02b\th2"]);

    // The Certificate message, reassembled by tshark across segments.
    let certs = tls_fields(
        &capture,
        "tls.handshake.type == 11",
        &["tcp.reassembled.length", "tls.handshake.certificate"],
    );
    assert_eq!(certs.len(), 1, "one Certificate message: {certs:?}");
    let (reassembled, hex) = certs[0].split_once('\t').unwrap();
    assert!(
        !reassembled.is_empty(),
        "the Certificate message must span TCP segments"
    );
    let ders: Vec<Vec<u8>> = hex.split(',').map(unhex).collect();
    assert_eq!(ders.len(), 2, "leaf and CA");
    for (name, der) in ["leaf", "ca"].iter().zip(&ders) {
        let path = dir.path().join(format!("{name}.der"));
        std::fs::write(&path, der).unwrap();
        openssl(
            &[
                "x509",
                "-inform",
                "DER",
                "-in",
                &format!("{name}.der"),
                "-out",
                &format!("{name}.pem"),
            ],
            dir.path(),
        );
    }
    // Verified at a fixed time inside the validity (2026-07-01).
    let verified = openssl(
        &[
            "verify",
            "-attime",
            "1782864000",
            "-CAfile",
            "ca.pem",
            "leaf.pem",
        ],
        dir.path(),
    );
    assert_eq!(verified.trim(), "leaf.pem: OK");

    let leaf = openssl(&["x509", "-in", "leaf.pem", "-noout", "-text"], dir.path());
    for needle in [
        "Subject: C = US, O = Weir Demo Shop, CN = shop.example.com",
        "Issuer: C = US, O = Weir Demo, CN = Weir Demo Root CA",
        "DNS:shop.example.com, DNS:www.shop.example.com",
        "OCSP - URI:http://ocsp.example.com/",
        "CA Issuers - URI:http://ca.example.com/weir-demo-ca.der",
        "Not Before: Jan  1 00:00:00 2026 GMT",
        "Not After : Jan  1 00:00:00 2027 GMT",
        "Signature Algorithm: ED25519",
    ] {
        assert!(leaf.contains(needle), "leaf lacks `{needle}`:\n{leaf}");
    }
    let ca = openssl(&["x509", "-in", "ca.pem", "-noout", "-text"], dir.path());
    for needle in [
        "Subject: C = US, O = Weir Demo, CN = Weir Demo Root CA",
        "CA:TRUE",
        "Certificate Sign, CRL Sign",
    ] {
        assert!(ca.contains(needle), "CA lacks `{needle}`:\n{ca}");
    }
}
