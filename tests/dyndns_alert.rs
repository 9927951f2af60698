//! The `dyndns_alert` plugin end to end (plugin API 1.3), through the CLI.
//! Expected alerts are derived independently of the plugin: names from the
//! tshark oracle of each shared capture (`dns.tsv` qname outside ICMP
//! errors, `http.tsv` host, `tls_sni.tsv` sni), matched by this test's own
//! suffix matcher against the shipped `plugins/dyndns_alert/dynamic-dns.txt`
//! (read and parsed here, not through the plugin's code) or a custom list.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::*;

const SYSTEM_ALERTS: &str = "{F69C2462-ECEA-45B8-B1CB-F90342D37A4F}";

/// One expected or raised alert: name, zone (sigid), transport, and the
/// flow's two ends in sorted order (the oracle rows have no flow ids).
type Hit = (String, String, String, String, String);

fn stem(capture: &str) -> &str {
    capture
        .trim_end_matches(".pcapng")
        .trim_end_matches(".pcap")
}

/// The zones of a list file: first word of each line outside comments.
fn zones(text: &str) -> BTreeSet<String> {
    text.lines()
        .map(|l| l.split('#').next().unwrap().trim())
        .filter(|z| !z.is_empty())
        .map(|z| z.trim_end_matches('.').to_ascii_lowercase())
        .collect()
}

fn shipped_zones() -> BTreeSet<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("plugins/dyndns_alert/dynamic-dns.txt");
    let z = zones(&std::fs::read_to_string(&path).unwrap());
    assert!(z.len() > 100, "{}", path.display());
    z
}

/// The longest zone `name` equals or is under (label-aligned).
fn matched(zones: &BTreeSet<String>, name: &str) -> Option<String> {
    let labels: Vec<&str> = name.split('.').collect();
    (0..labels.len())
        .map(|i| labels[i..].join("."))
        .find(|cand| zones.contains(cand))
}

fn norm(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

fn no_port(host: &str) -> &str {
    match host.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') && p.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    }
}

fn ends(a: String, b: String) -> (String, String) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

/// The alerts the oracle of `capture` implies for `zones`, with the checks on.
fn expected(
    capture: &str,
    zones: &BTreeSet<String>,
    dns: bool,
    url: bool,
    tls: bool,
) -> BTreeSet<Hit> {
    let dir = oracle(stem(capture));
    let mut out = BTreeSet::new();
    let mut add = |name: &str, transport: &str, a: String, b: String| {
        let name = norm(name);
        if name.is_empty() || name == "-" {
            return;
        }
        if let Some(zone) = matched(zones, &name) {
            let (lo, hi) = ends(a, b);
            out.insert((name, zone, transport.to_string(), lo, hi));
        }
    };
    let need = |f: &str| {
        let p = dir.join(f);
        assert!(p.is_file(), "missing oracle {}", p.display());
        p
    };
    if dns {
        for r in tsv(&need("dns.tsv")) {
            if r["in_icmp_error"] != "0" {
                continue;
            }
            add(
                &r["qname"],
                &r["transport"],
                format!("{}:{}", r["src"], r["sport"]),
                format!("{}:{}", r["dst"], r["dport"]),
            );
        }
    }
    if url {
        for r in tsv(&need("http.tsv")) {
            add(
                no_port(&r["host"]),
                "tcp",
                format!("{}:{}", r["client"], r["cport"]),
                format!("{}:{}", r["server"], r["sport"]),
            );
        }
    }
    if tls {
        for r in tsv(&need("tls_sni.tsv")) {
            add(
                &r["sni"],
                "tcp",
                format!("{}:{}", r["client"], r["cport"]),
                format!("{}:{}", r["server"], r["sport"]),
            );
        }
    }
    out
}

/// Runs weir with the plugin on `capture`; returns the alerts as hits,
/// checking each alert's fixed fields and that no (name, flow) repeats.
fn run(capture: &str, config: &str) -> BTreeSet<Hit> {
    let tmp = tempdir();
    let out = tmp.path().join("out");
    let run = run_on(&[pcap(capture)], &out, &plugin_arg("dyndns_alert", config));
    // 3: finished with warnings (the capture cut short in a record).
    expect_code(
        &run,
        if capture.starts_with("truncated-") {
            3
        } else {
            0
        },
    );
    let stdout = String::from_utf8_lossy(&run.stdout).into_owned();
    let mut hits = BTreeSet::new();
    let mut per_flow = BTreeMap::new();
    for a in ndjson(&out.join("alerts.ndjson")) {
        assert_eq!(
            js(&a["group_guid"]).to_ascii_uppercase(),
            SYSTEM_ALERTS,
            "{a}"
        );
        assert_eq!(a["priority"], 2, "{a}");
        assert_eq!(js(&a["classification"]), "dyndns", "{a}");
        let message = js(&a["message"]);
        let name = message
            .strip_prefix("Request for dyndns resource ")
            .unwrap_or_else(|| panic!("{a}"))
            .to_string();
        assert!(
            stdout.contains(&format!("Dynamic DNS hit for {name}\n")),
            "{capture}: no hit line for {name}"
        );
        let flow_id = js(&a["flow_id"]).to_string();
        let transport = match &flow_id[..2] {
            "11" => "udp",
            "06" => "tcp",
            other => panic!("protocol {other} in {a}"),
        };
        *per_flow.entry((name.clone(), flow_id)).or_insert(0) += 1;
        let end = |ip: &str, port: &str| format!("{}:{}", js(&a[ip]), a[port].as_u64().unwrap());
        let (lo, hi) = ends(end("source_ip", "source_port"), end("dest_ip", "dest_port"));
        hits.insert((name, js(&a["sigid"]).to_string(), transport.into(), lo, hi));
    }
    for (k, n) in per_flow {
        assert_eq!(n, 1, "{capture}: {k:?} alerted {n} times");
    }
    hits
}

#[test]
fn one_alert_for_the_ddns_query() {
    let tmp = tempdir();
    let out = tmp.path().join("out");
    let run = run_on(
        &[pcap("dns-ddns-query.pcap")],
        &out,
        &plugin_arg("dyndns_alert", ""),
    );
    expect_code(&run, 0);
    let alerts = ndjson(&out.join("alerts.ndjson"));
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    let a = &alerts[0];
    assert_eq!(
        js(&a["message"]),
        "Request for dyndns resource donghakacademy.ddns.net"
    );
    assert_eq!(js(&a["sigid"]), "ddns.net");
    assert_eq!(js(&a["group"]), "System Alerts");
    assert!(!js(&a["flow_id"]).is_empty());
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        "Dynamic DNS hit for donghakacademy.ddns.net\n"
    );
}

#[test]
fn every_capture_matches_the_oracle_with_the_shipped_list() {
    let zones = shipped_zones();
    let mut total = 0;
    for capture in manifest_captures() {
        let want = expected(&capture, &zones, true, true, true);
        assert_eq!(run(&capture, ""), want, "{capture}");
        total += want.len();
    }
    assert!(total >= 1);
}

fn custom_list(dir: &Path) -> (PathBuf, BTreeSet<String>) {
    // TLDs as zones catch most names of the captures, in all three groups;
    // the longer zones check that the longest one is the sigid.
    let text = "# test list\ncom # t\norg\nnet\nexample.com\nbro.org # t\nddns.net\ngoogle.com\n";
    let path = dir.join("zones.txt");
    std::fs::write(&path, text).unwrap();
    (path, zones(text))
}

#[test]
fn custom_list_on_every_capture() {
    let tmp = tempdir();
    let (path, zones) = custom_list(tmp.path());
    let cfg = format!("list={}", path.display());
    let mut total = 0;
    for capture in manifest_captures() {
        let want = expected(&capture, &zones, true, true, true);
        assert_eq!(run(&capture, &cfg), want, "{capture}");
        total += want.len();
    }
    assert!(total > 50, "{total}");
}

#[test]
fn each_check_switched_off_removes_its_alerts() {
    let tmp = tempdir();
    let (path, zones) = custom_list(tmp.path());
    let list = format!("list={}", path.display());
    for capture in [
        "dns-mixed.pcap",
        "http-bro-org.pcap",
        "tls13-chrome-sni.pcap",
        "web-browse-2013.pcap",
    ] {
        for (key, dns, url, tls) in [
            ("dns", false, true, true),
            ("url", true, false, true),
            ("tls", true, true, false),
        ] {
            let want = expected(capture, &zones, dns, url, tls);
            let got = run(capture, &format!("{list},{key}=false"));
            assert_eq!(got, want, "{capture} {key}=false");
        }
    }
    // Some capture must lose alerts for each switch, or the test proves nothing.
    for (dns, url, tls, capture) in [
        (false, true, true, "dns-mixed.pcap"),
        (true, false, true, "http-bro-org.pcap"),
        (true, true, false, "tls13-chrome-sni.pcap"),
    ] {
        assert!(
            expected(capture, &zones, dns, url, tls).len()
                < expected(capture, &zones, true, true, true).len(),
            "{capture}"
        );
    }
}

#[test]
fn bad_lists_refuse_to_load() {
    let tmp = tempdir();
    let empty = tmp.path().join("empty.txt");
    std::fs::write(&empty, "# nothing\n\n").unwrap();
    let line = refusal(
        &plugin_arg("dyndns_alert", &format!("list={}", empty.display())),
        &tmp.path().join("o1"),
    );
    assert!(
        line.contains("list:") && line.contains("no zones"),
        "{line}"
    );
    let line = refusal(
        &plugin_arg("dyndns_alert", "list=/nonexistent/weir/zones.txt"),
        &tmp.path().join("o2"),
    );
    assert!(line.contains("list: cannot read"), "{line}");
}
