//! The certificate resource monitors end to end (plugin API 1.3), through
//! the CLI: `printcertchain`, `ssl` and `sha256_x509` (ports of Trisul's
//! `resources/*.lua`), with `filehash` beside them to show that what
//! `sha256_x509` feeds back reaches other resource monitors. Expected values
//! come from the run's `resources.ndjson`, from `openssl x509` (an
//! independent decoder and hasher of the printed PEM) and from the tshark
//! oracle (`x509_certs.tsv`), never from the plugins' own numbers alone.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::*;
use serde_json::Value;

const SSL_CERTIFICATES: &str = "SSL Certificates";
const FILE_HASHES: &str = "File Hashes";
const CAPTURES: [&str; 2] = ["tls12-google-certs.pcap", "alexa-app-mixed.pcapng"];

fn arg(plugin_name: &str, config: &str) -> Vec<String> {
    plugin_arg(plugin_name, config)
}

fn s(v: &Value) -> &str {
    js(v)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn multiset<I: IntoIterator<Item = T>, T: Ord>(items: I) -> BTreeMap<T, usize> {
    let mut m = BTreeMap::new();
    for i in items {
        *m.entry(i).or_insert(0) += 1;
    }
    m
}

fn stem(capture: &str) -> &str {
    capture
        .trim_end_matches(".pcapng")
        .trim_end_matches(".pcap")
}

/// What `openssl x509` says of one PEM certificate: its SHA-256 fingerprint
/// (lower-case hex, no colons) and its subject (RFC 2253).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct OpensslCert {
    sha256: String,
    subject: String,
}

/// Runs `openssl x509 -inform PEM -noout -fingerprint -sha256 -subject
/// -nameopt RFC2253` on `pem` (given on stdin). Fails the test when openssl
/// is missing or refuses the block.
fn openssl(pem: &str) -> OpensslCert {
    use std::io::Write;
    let mut child = Command::new("openssl")
        .args([
            "x509",
            "-inform",
            "PEM",
            "-noout",
            "-fingerprint",
            "-sha256",
            "-subject",
            "-nameopt",
            "RFC2253",
        ])
        .env("LC_ALL", "C")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot run `openssl` ({e}): install OpenSSL's command line tool")
        });
    child
        .stdin
        .take()
        .unwrap()
        .write_all(pem.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "openssl refused the block ({:?}):\n{}\n{pem}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    let field = |prefix: &str| -> String {
        stdout
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once('=')?;
                k.trim().eq_ignore_ascii_case(prefix).then(|| v.to_string())
            })
            .unwrap_or_else(|| panic!("openssl printed no `{prefix}=`:\n{stdout}"))
    };
    OpensslCert {
        sha256: field("sha256 Fingerprint").replace(':', "").to_lowercase(),
        subject: field("subject"),
    }
}

/// The PEM blocks of `text`, each from its BEGIN line through its END line.
fn blocks(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(b) = rest.find("-----BEGIN CERTIFICATE-----") {
        let e = rest[b..]
            .find("-----END CERTIFICATE-----")
            .unwrap_or_else(|| panic!("unterminated block in:\n{text}"))
            + b
            + "-----END CERTIFICATE-----".len();
        out.push(format!("{}\n", &rest[b..e]));
        rest = &rest[e..];
    }
    out
}

/// The two ends of a connection, in order, as `address:port`.
type Conn = (String, String);

/// Per connection, the multiset of its chains (each the SHA-256s of its
/// certificates in chain order).
type Chains = BTreeMap<Conn, BTreeMap<Vec<String>, usize>>;

/// The connection between `a` and `b` (either way).
fn conn_key(a: (&str, u64), b: (&str, u64)) -> Conn {
    let (x, y) = (format!("{}:{}", a.0, a.1), format!("{}:{}", b.0, b.1));
    if x <= y {
        (x, y)
    } else {
        (y, x)
    }
}

/// The oracle's chains: per connection, the multiset of chains (each the
/// SHA-256s in chain order).
fn oracle_chains(stem: &str) -> Chains {
    let rows = tsv(&oracle(stem).join("x509_certs.tsv"));
    assert!(!rows.is_empty(), "{stem}: the oracle has certificates");
    // One chain per Certificate message: (frame, sender) -> [(pos, sha256)].
    let mut chains: BTreeMap<(u64, String, Conn), Vec<(u64, String)>> = BTreeMap::new();
    for r in &rows {
        let n = |k: &str| {
            r[k].parse::<u64>()
                .unwrap_or_else(|_| panic!("{stem}: bad {k} {r:?}"))
        };
        let key = conn_key(
            (&r["sender"], n("sender_port")),
            (&r["receiver"], n("receiver_port")),
        );
        chains
            .entry((n("frame"), r["sender"].clone(), key))
            .or_default()
            .push((n("chain_pos"), r["sha256"].clone()));
    }
    let mut by_conn = Chains::new();
    for ((_, _, key), mut certs) in chains {
        certs.sort();
        let positions: Vec<u64> = certs.iter().map(|c| c.0).collect();
        assert_eq!(
            positions,
            (0..certs.len() as u64).collect::<Vec<_>>(),
            "{stem}: oracle chain positions"
        );
        *by_conn
            .entry(key)
            .or_default()
            .entry(certs.into_iter().map(|c| c.1).collect())
            .or_insert(0) += 1;
    }
    by_conn
}

/// The connection of a stored resource.
fn resource_conn(r: &Value) -> Conn {
    conn_key(
        (s(&r["source_ip"]), r["source_port"].as_u64().unwrap()),
        (s(&r["dest_ip"]), r["dest_port"].as_u64().unwrap()),
    )
}

/// A stored resource's flow as the plugins print it (Trisul's `to_s()`).
fn flow_line(r: &Value) -> String {
    resource_flow_line(r)
}

fn secs(r: &Value) -> u64 {
    r["ts"].as_f64().unwrap().floor() as u64
}

/// The entry `ssl` prints for a stored resource.
fn ssl_entry(r: &Value) -> String {
    let uri = s(&r["uri"]);
    assert!(uri.ends_with("---\n"), "an SSL Certificates uri: {uri:?}");
    format!(
        "{}\ntimestamp {}\ncertsubject = {uri}flow  = {}\n",
        "-".repeat(93),
        ctime(secs(r)),
        flow_line(r)
    )
}

/// The four lines `filehash` prints for a stored File Hashes resource.
fn filehash_block(r: &Value) -> String {
    format!(
        "timestamp {}\nhash = {}\nlabel  = {}\nflow  = {}\n",
        ctime(secs(r)),
        s(&r["uri"]),
        s(&r["label"]),
        flow_line(r)
    )
}

struct Run {
    out: PathBuf,
    output: Output,
    chains: String,
    ssl: String,
    sha: String,
    filehash: String,
    saved: PathBuf,
}

/// `weir run` on `capture` with the three plugins and filehash, each
/// writing to its own file, into `dir/<stem>`; `all` is sha256_x509's.
fn run(dir: &Path, capture: &str, all: bool) -> Run {
    let base = dir.join(format!("{}-{all}", stem(capture)));
    let f = |name: &str| base.join(name);
    let saved = f("saved");
    let plugins = [
        arg(
            "printcertchain",
            &format!("file={}", f("chains.txt").display()),
        ),
        arg("ssl", &format!("file={}", f("ssl.txt").display())),
        arg(
            "sha256_x509",
            &format!(
                "file={},save_dir={},all={all}",
                f("sha.txt").display(),
                saved.display()
            ),
        ),
        arg("filehash", &format!("file={}", f("filehash.txt").display())),
    ]
    .concat();
    std::fs::create_dir_all(&base).unwrap();
    let out = f("out");
    let output = run_on(&[pcap(capture)], &out, &plugins);
    expect_code(&output, 0);
    Run {
        out,
        output,
        chains: read(&f("chains.txt")),
        ssl: read(&f("ssl.txt")),
        sha: read(&f("sha.txt")),
        filehash: read(&f("filehash.txt")),
        saved,
    }
}

/// The stored resources of `group`.
fn of_group(stored: &[Value], group: &str) -> Vec<Value> {
    stored
        .iter()
        .filter(|r| r["group"] == group)
        .cloned()
        .collect()
}

#[test]
fn the_certificate_plugins_agree_with_openssl_the_oracle_and_the_stream() {
    let dir = tempdir();
    for capture in CAPTURES {
        let stem = stem(capture);
        let r = run(dir.path(), capture, false);
        let stored = ndjson(&r.out.join("resources.ndjson"));
        let certs = of_group(&stored, SSL_CERTIFICATES);
        assert!(!certs.is_empty(), "{capture}: SSL Certificates resources");
        let stderr = String::from_utf8_lossy(&r.output.stderr);
        assert!(
            !stderr.contains("not hashed") && !stderr.contains("cannot"),
            "{capture}: no plugin complaint:\n{stderr}"
        );

        // printcertchain prints each label's blocks exactly as found: the
        // engine's labels are nothing but blocks, so the output is the
        // labels, in stream order.
        let labels: String = certs.iter().map(|c| s(&c["label"])).collect();
        assert_eq!(r.chains, labels, "{capture}: printcertchain output");

        // Every printed block, decoded by openssl, per chain: the oracle's
        // chains, connection by connection; and each chain's uri lists the
        // same certificates (SHA256: and NAME: lines).
        let mut got = Chains::new();
        let mut leaves: Vec<OpensslCert> = Vec::new();
        let mut printed_blocks = 0;
        for c in &certs {
            let chain: Vec<OpensslCert> =
                blocks(s(&c["label"])).iter().map(|b| openssl(b)).collect();
            assert!(
                !chain.is_empty(),
                "{capture}: a chain of no certificate: {c}"
            );
            printed_blocks += chain.len();
            let uri_lines: String = chain
                .iter()
                .map(|o| format!("SHA256:{}\nNAME:{}\n---\n", o.sha256, o.subject))
                .collect();
            let uri_no_sha1: String = s(&c["uri"])
                .lines()
                .filter(|l| !l.starts_with("SHA1:"))
                .map(|l| format!("{l}\n"))
                .collect();
            assert_eq!(uri_no_sha1, uri_lines, "{capture}: the uri matches openssl");
            *got.entry(resource_conn(c))
                .or_default()
                .entry(chain.iter().map(|o| o.sha256.clone()).collect())
                .or_insert(0) += 1;
            leaves.push(chain[0].clone());
        }
        assert_eq!(blocks(&r.chains).len(), printed_blocks);
        let want = oracle_chains(stem);
        assert_eq!(got, want, "{capture}: printed chains against the oracle");

        // ssl: one entry per SSL Certificates resource, and nothing else.
        let want_ssl: String = certs.iter().map(ssl_entry).collect();
        assert_eq!(r.ssl, want_ssl, "{capture}: ssl output");
        assert_eq!(
            r.ssl.lines().filter(|l| *l == "-".repeat(93)).count(),
            certs.len()
        );

        // sha256_x509: the leaves' fingerprints, in order, and these are the
        // oracle's chain_pos 0 certificates.
        let want_sha: String = leaves
            .iter()
            .map(|o| format!("Cert sha256 fingerprint {}\n", o.sha256))
            .collect();
        assert_eq!(r.sha, want_sha, "{capture}: sha256_x509 output");
        let oracle_leaves = multiset(
            tsv(&oracle(stem).join("x509_certs.tsv"))
                .into_iter()
                .filter(|row| row["chain_pos"] == "0")
                .map(|row| row["sha256"].clone()),
        );
        assert_eq!(
            multiset(leaves.iter().map(|o| o.sha256.clone())),
            oracle_leaves,
            "{capture}: leaves against the oracle"
        );

        // The fed-back resources: in the stream, in File Hashes, one per
        // certificate resource, on its flow, labelled with the subject...
        let hashes = of_group(&stored, FILE_HASHES);
        let added: Vec<&Value> = hashes
            .iter()
            .filter(|h| s(&h["uri"]).starts_with("CERTSHA256:"))
            .collect();
        for h in &added {
            assert_eq!(h["group_guid"], "{9781DB2C-F78A-4F7F-A7E8-2B1A9A7BE71A}");
        }
        assert_eq!(
            multiset(added.iter().map(|h| (
                s(&h["flow_id"]).to_string(),
                s(&h["uri"]).to_string(),
                s(&h["label"]).to_string()
            ))),
            multiset(certs.iter().zip(&leaves).map(|(c, o)| (
                s(&c["flow_id"]).to_string(),
                format!("CERTSHA256:{}", o.sha256),
                o.subject.clone()
            ))),
            "{capture}: CERTSHA256 resources"
        );
        assert_eq!(
            summary(&r.out)["artifacts"]["added_by_plugins"],
            certs.len()
        );
        // ... and they reached filehash, another resource monitor, with
        // every other File Hashes resource.
        let mut fh_blocks: Vec<String> = Vec::new();
        let lines: Vec<&str> = r.filehash.split_inclusive('\n').collect();
        assert_eq!(
            lines.len() % 4,
            0,
            "{capture}: filehash prints 4 lines each"
        );
        for b in lines.chunks(4) {
            fh_blocks.push(b.concat());
        }
        assert_eq!(
            multiset(fh_blocks),
            multiset(hashes.iter().map(filehash_block)),
            "{capture}: filehash saw every File Hashes resource"
        );
        assert!(added.len() == certs.len() && !added.is_empty());

        // save_dir: one file per leaf, named by its fingerprint, which
        // openssl computes again from the file; nothing else.
        let mut names: Vec<String> = std::fs::read_dir(&r.saved)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        let mut want_names: Vec<String> =
            leaves.iter().map(|o| format!("{}.pem", o.sha256)).collect();
        want_names.sort();
        want_names.dedup();
        assert_eq!(names, want_names, "{capture}: saved files");
        for name in &names {
            let o = openssl(&read(&r.saved.join(name)));
            assert_eq!(
                format!("{}.pem", o.sha256),
                *name,
                "{capture}: {name} re-hashed"
            );
        }
    }
}

#[test]
fn all_true_hashes_and_feeds_back_every_certificate_of_every_chain() {
    let dir = tempdir();
    for capture in CAPTURES {
        let stem = stem(capture);
        let r = run(dir.path(), capture, true);
        let stored = ndjson(&r.out.join("resources.ndjson"));
        let certs = of_group(&stored, SSL_CERTIFICATES);
        let printed: Vec<String> = r
            .sha
            .lines()
            .map(|l| {
                l.strip_prefix("Cert sha256 fingerprint ")
                    .unwrap_or_else(|| panic!("{capture}: unexpected line {l}"))
                    .to_string()
            })
            .collect();
        let oracle_all = multiset(
            tsv(&oracle(stem).join("x509_certs.tsv"))
                .into_iter()
                .map(|row| row["sha256"].clone()),
        );
        assert_eq!(multiset(printed.iter().cloned()), oracle_all, "{capture}");
        let added = multiset(
            of_group(&stored, FILE_HASHES)
                .iter()
                .filter_map(|h| s(&h["uri"]).strip_prefix("CERTSHA256:").map(str::to_string)),
        );
        assert_eq!(
            added, oracle_all,
            "{capture}: one CERTSHA256 per certificate"
        );
        let total: usize = certs.iter().map(|c| blocks(s(&c["label"])).len()).sum();
        assert_eq!(printed.len(), total);
        // Every certificate saved once, under its own fingerprint.
        let names: Vec<String> = std::fs::read_dir(&r.saved)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(
            multiset(names.iter().cloned()),
            multiset(oracle_all.keys().map(|h| format!("{h}.pem"))),
            "{capture}: saved files"
        );
        // filehash, another resource monitor, printed each of them once.
        let fh = multiset(
            r.filehash
                .lines()
                .filter_map(|l| l.strip_prefix("hash = CERTSHA256:"))
                .map(str::to_string),
        );
        assert_eq!(fh, oracle_all, "{capture}: filehash saw them");
    }
}

#[test]
fn a_save_dir_that_cannot_be_created_refuses_the_run() {
    let dir = tempdir();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "").unwrap();
    let line = refusal(
        &arg("sha256_x509", &format!("save_dir={}/certs", file.display())),
        &dir.path().join("out"),
    );
    assert!(
        line.contains("libweir_plugin_sha256_x509.so") && line.contains("save_dir: cannot create"),
        "{line}"
    );
}

#[test]
fn tls13_chains_are_encrypted_so_the_plugins_print_and_add_nothing() {
    let dir = tempdir();
    let capture = "tls13-chrome-sni.pcap";
    assert!(
        tsv(&oracle(stem(capture)).join("x509_certs.tsv")).is_empty(),
        "tshark sees no certificate in clear"
    );
    let r = run(dir.path(), capture, true);
    let stored = ndjson(&r.out.join("resources.ndjson"));
    assert!(
        stored.iter().any(|x| x["group"] == "TLS"),
        "the handshakes were seen"
    );
    assert!(of_group(&stored, SSL_CERTIFICATES).is_empty());
    assert!(stored
        .iter()
        .all(|x| !s(&x["uri"]).starts_with("CERTSHA256:")));
    for (name, text) in [
        ("printcertchain", &r.chains),
        ("ssl", &r.ssl),
        ("sha256_x509", &r.sha),
    ] {
        assert_eq!(text, "", "{name} printed nothing");
    }
    assert_eq!(std::fs::read_dir(&r.saved).unwrap().count(), 0);
    assert_eq!(summary(&r.out)["artifacts"]["added_by_plugins"], 0);
}
