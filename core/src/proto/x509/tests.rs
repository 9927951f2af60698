//! Tests of the certificate reader: literal vectors, properties, and every
//! certificate of the oracle against its `x509_certs.tsv` row and against
//! `openssl x509` itself. A missing certificate directory, oracle or
//! openssl fails the test.

use super::*;
use proptest::prelude::*;

const ORACLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/pcaps/oracle");

/// Every `certs/<sha256>.der` of the oracle, with the directory name.
fn oracle_certs() -> Vec<(String, std::path::PathBuf)> {
    let mut out = Vec::new();
    for dir in std::fs::read_dir(ORACLE).expect("oracle directory must exist") {
        let dir = dir.unwrap().path();
        let certs = dir.join("certs");
        if !certs.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&certs).unwrap() {
            let f = f.unwrap().path();
            if f.extension().is_some_and(|e| e == "der") {
                let name = dir.file_name().unwrap().to_string_lossy().into_owned();
                out.push((name, f));
            }
        }
    }
    out.sort();
    assert!(
        out.len() >= 26,
        "expected the oracle's 26 certificates, found {}",
        out.len()
    );
    out
}

fn openssl(args: &[&str]) -> String {
    let out = std::process::Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl must be installed");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn first_cert() -> Vec<u8> {
    std::fs::read(&oracle_certs()[0].1).unwrap()
}

#[test]
fn base64_vectors() {
    // RFC 4648 §10.
    for (i, o) in [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ] {
        assert_eq!(base64(i.as_bytes()), o);
    }
    assert_eq!(base64(&[0xff, 0xfe, 0xfd]), "//79");
}

#[test]
fn time_format() {
    assert_eq!(openssl_time(0), "Jan  1 00:00:00 1970 GMT");
    assert_eq!(openssl_time(1_622_433_125), "May 31 03:52:05 2021 GMT");
    assert_eq!(openssl_time(951_782_400), "Feb 29 00:00:00 2000 GMT");
    assert_eq!(openssl_time(-1), "Dec 31 23:59:59 1969 GMT");
    assert_eq!(openssl_time(253_402_300_799), "Dec 31 23:59:59 9999 GMT");
}

#[test]
fn escapes() {
    let c = |s: &str| s.chars().collect::<Vec<_>>();
    assert_eq!(
        escape_value(&c("VeriSign, Inc."), false),
        "VeriSign\\, Inc."
    );
    assert_eq!(
        escape_value(&c("VeriSign, Inc."), true),
        "\"VeriSign, Inc.\""
    );
    assert_eq!(escape_value(&c("#a b "), false), "\\#a b\\ ");
    assert_eq!(escape_value(&c("a\\b"), true), "a\\\\b");
    assert_eq!(escape_value(&c("é\n"), false), "\\C3\\A9\\0A");
    assert_eq!(escape_value(&c("é"), true), "é");
    assert_eq!(serial_magnitude(&[0, 0x80, 1]), &[0x80, 1]);
    assert_eq!(serial_magnitude(&[0]), &[0]);
}

#[test]
fn malformed_is_an_error() {
    let der = first_cert();
    for n in 0..der.len() {
        assert!(Certificate::parse(&der[..n]).is_err(), "prefix {n}");
    }
    let mut long = der.clone();
    long.push(0);
    assert_eq!(Certificate::parse(&long), Err(X509Error::TrailingData(1)));
    assert!(Certificate::parse(&der).is_ok());
    assert!(Certificate::parse(b"").is_err());
    assert!(Certificate::parse(b"-----BEGIN CERTIFICATE-----").is_err());
}

proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        if let Ok(c) = Certificate::parse(&bytes) {
            let _ = (c.pem(), c.text_dump().len());
        }
    }

    #[test]
    fn mutated_certificates_never_panic(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
    ) {
        let mut der = first_cert();
        let n = der.len();
        for (i, b) in edits {
            der[i % n] = b;
        }
        if let Ok(c) = Certificate::parse(&der) {
            let _ = chain_document(&[c]);
        }
    }
}

/// Undoes the oracle's TSV escaping of backslashes (`\\,` stands for
/// OpenSSL's `\,`; checked with `openssl -nameopt RFC2253` below).
fn tsv_unescape(s: &str) -> String {
    s.replace("\\\\", "\\")
}

#[test]
fn every_oracle_certificate_matches_its_tsv_row() {
    let mut rows_seen = std::collections::BTreeSet::new();
    let mut checked = 0;
    for (dir, path) in oracle_certs() {
        let der = std::fs::read(&path).unwrap();
        let c = Certificate::parse(&der).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let stem = path.file_stem().unwrap().to_str().unwrap();
        assert_eq!(c.sha256_hex(), stem);
        let tsv = std::fs::read_to_string(format!("{ORACLE}/{dir}/x509_certs.tsv")).unwrap();
        let mut lines = tsv.lines();
        let head: Vec<&str> = lines.next().unwrap().split('\t').collect();
        let col = |n: &str| head.iter().position(|h| *h == n).unwrap();
        let mut found = 0;
        for line in lines {
            let f: Vec<&str> = line.split('\t').collect();
            if f[col("sha256")] != stem {
                continue;
            }
            found += 1;
            rows_seen.insert((dir.clone(), line.to_string()));
            assert_eq!(c.sha1_hex(), f[col("sha1")], "{stem}");
            assert_eq!(c.der.len().to_string(), f[col("der_len")], "{stem}");
            assert_eq!(c.subject, tsv_unescape(f[col("subject")]), "{stem}");
            assert_eq!(c.issuer, tsv_unescape(f[col("issuer")]), "{stem}");
            assert_eq!(c.serial_hex, f[col("serial_hex")], "{stem}");
            assert_eq!(c.not_before, f[col("not_before")], "{stem}");
            assert_eq!(c.not_after, f[col("not_after")], "{stem}");
        }
        assert!(found > 0, "{stem}: no x509_certs.tsv row");
        // The same facts straight from openssl (RFC 2253, unescaped).
        let p = path.to_str().unwrap();
        let o = openssl(&[
            "x509", "-inform", "DER", "-noout", "-nameopt", "RFC2253", "-subject", "-issuer",
            "-serial", "-in", p,
        ]);
        let want = format!(
            "subject={}\nissuer={}\nserial={}\n",
            c.subject,
            c.issuer,
            c.serial_hex.to_uppercase()
        );
        assert_eq!(o, want, "{stem}");
        checked += 1;
    }
    // Every row of every x509_certs.tsv was matched by a certificate file.
    let mut rows = 0;
    for dir in std::fs::read_dir(ORACLE).unwrap() {
        let p = dir.unwrap().path().join("x509_certs.tsv");
        if let Ok(t) = std::fs::read_to_string(p) {
            rows += t.lines().skip(1).filter(|l| !l.is_empty()).count();
        }
    }
    assert_eq!(rows_seen.len(), rows, "every x509_certs.tsv row checked");
    assert!(checked >= 26);
}

#[test]
fn pem_and_text_dump_match_openssl() {
    let mut san_lines = 0;
    let mut ocsp_lines = 0;
    for (_, path) in oracle_certs() {
        let p = path.to_str().unwrap();
        let c = Certificate::parse(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(
            c.pem(),
            openssl(&["x509", "-inform", "der", "-in", p]),
            "{p}"
        );
        let text = openssl(&["x509", "-inform", "der", "-noout", "-text", "-in", p]);
        let theirs: Vec<&str> = text.lines().collect();
        // Every line we produce is one of openssl's, in openssl's order.
        let mut at = 0;
        for line in c.text_dump().lines() {
            let Some(i) = theirs[at..].iter().position(|t| *t == line) else {
                panic!("{p}: line {line:?} not in openssl's output (in order):\n{text}");
            };
            at += i + 1;
        }
        // And openssl's Issuer/Subject/Validity lines and the SAN and AIA
        // blocks are all ours.
        let ours: Vec<&str> = c.text_dump().lines().collect();
        let mut block = false;
        for t in &theirs {
            let indent = t.len() - t.trim_start_matches(' ').len();
            if indent <= 12 {
                block = t.contains("X509v3 Subject Alternative Name:")
                    || t.contains("Authority Information Access:");
            }
            let key = t.starts_with("        Issuer:")
                || t.starts_with("        Subject:")
                || t.starts_with("            Not ")
                || block;
            if key {
                assert!(
                    ours.contains(t),
                    "{p}: openssl line {t:?} missing from text_dump"
                );
                san_lines += usize::from(t.contains("DNS:"));
                ocsp_lines += usize::from(t.contains("OCSP - URI:"));
            }
        }
        // The parsed facts agree with the dump.
        for a in &c.alt_names {
            if let AltName::Dns(d) = a {
                assert!(c.text_dump().contains(&format!("DNS:{d}")));
            }
        }
        for u in &c.ocsp_urls {
            assert!(c.text_dump().contains(&format!("OCSP - URI:{u}")));
        }
    }
    assert!(
        san_lines > 0 && ocsp_lines > 0,
        "the oracle has SANs and OCSP URLs"
    );
}

#[test]
fn known_leaf_facts() {
    let path = format!(
        "{ORACLE}/tls12-google-certs/certs/7c4cb8ef8d84a20171b3ee521b2be4d973b5fcf9cfbd1786e5581c7fed14da47.der"
    );
    let c = Certificate::parse(&std::fs::read(&path).expect("oracle certificate")).unwrap();
    assert_eq!(c.subject, "CN=www.google.com");
    assert_eq!(c.issuer, "CN=GTS CA 1C3,O=Google Trust Services LLC,C=US");
    assert_eq!(c.not_before, "May 31 03:52:05 2021 GMT");
    assert_eq!(c.alt_names, vec![AltName::Dns("www.google.com".into())]);
    assert_eq!(c.ocsp_urls, vec!["http://ocsp.pki.goog/gts1c3".to_string()]);
    assert_eq!(c.is_ca, Some(false));
    assert_eq!(c.version, 3);
}

#[test]
fn chain_resource_layout() {
    let certs: Vec<CertInfo> = oracle_certs()
        .iter()
        .filter(|(d, _)| d == "tls12-google-certs")
        .map(|(_, p)| Certificate::parse(&std::fs::read(p).unwrap()).unwrap())
        .take(2)
        .collect();
    assert_eq!(certs.len(), 2);
    let (uri, label) = chain_resource_text(&certs);
    let want: String = certs
        .iter()
        .map(|c| {
            format!(
                "SHA1:{}\nSHA256:{}\nNAME:{}\n---\n",
                c.sha1_hex(),
                c.sha256_hex(),
                c.subject
            )
        })
        .collect();
    assert_eq!(uri, want);
    assert_eq!(label, format!("{}{}", certs[0].pem(), certs[1].pem()));
    assert_eq!(label.matches("-----BEGIN CERTIFICATE-----\n").count(), 2);
    let doc = chain_document(&certs);
    assert!(doc.starts_with("Certificate:\n"));
    assert_eq!(doc.matches("SHA1:").count(), 2);
    assert!(doc.find(&certs[0].pem()).unwrap() < doc.find(&certs[1].pem()).unwrap());
}
