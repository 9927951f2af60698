//! Test support shared by the parsers' tests against the real captures in
//! `../shared/pcaps` and tshark's oracle beside them. A missing capture,
//! oracle file or tshark fails the test that asked for it.

use std::collections::HashMap;

/// The shared captures' directory.
pub const PCAPS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/pcaps");

/// Runs tshark and returns its standard output; any failure fails the test.
pub fn tshark(args: &[&str]) -> String {
    run_tshark(args, false)
}

/// As [`tshark`], but a capture cut short in the middle of a packet
/// (truncated-http-mime) still gives its output.
pub fn tshark_allowing_cut(args: &[&str]) -> String {
    run_tshark(args, true)
}

fn run_tshark(args: &[&str], cut_ok: bool) -> String {
    let out = std::process::Command::new("tshark")
        .args(args)
        .output()
        .expect("tshark must be installed");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() || cut_ok && stderr.contains("cut short"),
        "tshark {args:?} failed: {stderr}"
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Bytes of a hex string (two digits a byte).
pub fn unhex(hex: &str) -> Vec<u8> {
    (0..hex.len() / 2)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// Rows of the oracle TSV `file` of `capture` (its stem) as column-name →
/// value maps.
pub fn oracle(capture: &str, file: &str) -> Vec<HashMap<String, String>> {
    let path = format!("{PCAPS}/oracle/{capture}/{file}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split('\t')
        .map(str::to_owned)
        .collect();
    lines
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split('\t').map(str::to_owned))
                .collect()
        })
        .collect()
}

/// The path of the capture whose stem is `capture` (`.pcapng` if there is
/// one, else `.pcap`, which must exist).
pub fn pcap_path(capture: &str) -> String {
    let ng = format!("{PCAPS}/{capture}.pcapng");
    if std::path::Path::new(&ng).exists() {
        return ng;
    }
    let p = format!("{PCAPS}/{capture}.pcap");
    assert!(std::path::Path::new(&p).exists(), "missing capture {p}");
    p
}
