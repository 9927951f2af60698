//! The ported counter-group and flow-tracker samples (`plugins/cgmon`,
//! `cgmon_2`, `cgmon_3`, `snmp_cg`, `long_ssh`), each checked line by line
//! against values the test derives: from the run's own `counters.ndjson` and
//! `toppers.ndjson` (themselves checked against tshark in
//! `tests/counters.rs`) and, for `long_ssh`, from tshark's TCP conversations.

mod common;

use std::collections::BTreeMap;

use common::*;
use serde_json::Value;

fn run_with(capture: &str, plugins: &[&str]) -> (tempfile::TempDir, std::path::PathBuf, String) {
    let dir = tempdir();
    let out = dir.path().join("out");
    let mut args = Vec::new();
    for p in plugins {
        args.push("--plugin".to_string());
        args.push(plugin(p).display().to_string());
    }
    let run = run_on(&[pcap(capture)], &out, &args);
    expect_code(&run, 0);
    let stdout = String::from_utf8(run.stdout).unwrap();
    (dir, out, stdout)
}

fn group_rows(out: &std::path::Path, group: &str) -> Vec<Value> {
    ndjson(&out.join("counters.ndjson"))
        .into_iter()
        .filter(|l| l["group"] == group)
        .collect()
}

#[test]
fn cgmon_traces_every_apps_flush_key_by_key() {
    let (_d, out, stdout) = run_with("web-browse-2013.pcap", &["cgmon"]);
    let mut want = vec!["onload :  from cgmon0".to_string()];
    let mut current = None;
    for r in group_rows(&out, "Apps") {
        let start = r["start_ts"].as_u64().unwrap();
        if current != Some(start) {
            if current.is_some() {
                want.push("onendflush [0]".into());
            }
            want.push("onbeginflush [0]".into());
            current = Some(start);
        }
        want.push(format!("onflush [0]  {}", r["key"].as_str().unwrap()));
    }
    assert!(want.len() > 4, "Apps has rows");
    want.push("onendflush [0]".into());
    want.push("onunload:  bye   cgmon0".into());
    let got: Vec<&str> = stdout.lines().collect();
    assert_eq!(got, want);
    assert_eq!(got[2], "onflush [0]  SYS:GROUP_TOTALS");
}

#[test]
fn cgmon_3_prints_the_hosts_toppers_meter_by_meter() {
    let (_d, out, stdout) = run_with("web-browse-2013.pcap", &["cgmon_3"]);
    let last_interval_end = group_rows(&out, "Hosts")
        .iter()
        .map(|r| r["start_ts"].as_u64().unwrap() + r["interval"].as_u64().unwrap())
        .max()
        .unwrap();
    let mut want = Vec::new();
    let mut meter = None;
    for t in ndjson(&out.join("toppers.ndjson"))
        .iter()
        .filter(|t| t["group"] == "Hosts")
    {
        let m = t["meter"].as_u64().unwrap();
        if meter != Some(m) {
            want.push(format!(
                "----------- Topper Flush [0] Meter {m} Time {last_interval_end} "
            ));
            meter = Some(m);
        }
        want.push(format!(
            "ontopperflush  [0]    {}  {}",
            t["key"].as_str().unwrap(),
            t["value"]
        ));
    }
    assert!(want.len() > 20);
    let got: Vec<&str> = stdout.lines().collect();
    assert_eq!(got, want);
}

#[test]
fn cgmon_2_prints_real_time_apps_values_that_grow_to_the_flushed_ones() {
    let (_d, out, stdout) = run_with("ssh-guess.pcap", &["cgmon_2"]);
    // (interval start, key) -> flushed meter 0.
    let flushed: BTreeMap<(u64, String), i64> = group_rows(&out, "Apps")
        .iter()
        .map(|r| {
            (
                (
                    r["start_ts"].as_u64().unwrap(),
                    r["key"].as_str().unwrap().to_string(),
                ),
                r["meters"][0].as_i64().unwrap(),
            )
        })
        .collect();
    let mut last: BTreeMap<(u64, String), i64> = BTreeMap::new();
    let mut lines = 0;
    for line in stdout.lines() {
        // onupdate  [0]   <ts>  <key right-aligned in 10> <values>
        let rest = line.strip_prefix("onupdate  [0]   ").expect(line);
        let (ts, rest) = rest.split_once("  ").unwrap();
        let ts: u64 = ts.parse().unwrap();
        let key = rest[..10].trim_start().to_string();
        assert_eq!(&rest[10..11], " ", "{line}");
        let v0: i64 = rest[11..].split(' ').next().unwrap().parse().unwrap();
        let interval = ts - ts % 60;
        let k = (interval, key.clone());
        let cap = *flushed
            .get(&k)
            .unwrap_or_else(|| panic!("no Apps row for {k:?}"));
        let prev = last.insert(k, v0).unwrap_or(0);
        assert!(prev <= v0 && v0 <= cap, "{line}: {prev} <= {v0} <= {cap}");
        lines += 1;
    }
    assert!(lines > 5, "updates were printed: {lines}");
}

#[test]
fn snmp_cg_declares_the_snmp_interface_group() {
    let (_d, out, _) = run_with("dns-mixed.pcap", &["snmp_cg"]);
    let s = summary(&out);
    let g = s["counter_groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "SNMP-Interface")
        .expect("SNMP-Interface in the summary")
        .clone();
    assert_eq!(g["guid"], "{9781DB2C-F78A-4F7F-A7E8-2B1A9A7BE71A}");
    let info = run_weir(&[
        "plugin".to_string(),
        "info".into(),
        "--json".into(),
        plugin("snmp_cg").display().to_string(),
    ]);
    expect_code(&info, 0);
    let info: Value = serde_json::from_slice(&info.stdout).unwrap();
    assert_eq!(
        info["subscriptions"]["registers"],
        serde_json::json!(["SNMP-Interface {9781DB2C-F78A-4F7F-A7E8-2B1A9A7BE71A}"])
    );
}

/// Microseconds of a tshark epoch text (`1427726689.213953`).
fn micros(text: &str) -> i64 {
    let (s, f) = text.split_once('.').unwrap_or((text, "0"));
    let f = format!("{f:0<6}");
    s.parse::<i64>().unwrap() * 1_000_000 + f[..6].parse::<i64>().unwrap()
}

#[test]
fn long_ssh_ranks_every_ssh_session_by_its_tshark_duration() {
    let (_d, out, _) = run_with("ssh-guess.pcap", &["long_ssh"]);
    let mut want: Vec<(i64, u16)> = tsv(&oracle("ssh-guess").join("conv_tcp.tsv"))
        .iter()
        .filter(|c| c["a_port"] == "22" || c["b_port"] == "22")
        .map(|c| {
            let ms = (micros(&c["end_epoch"]) - micros(&c["start_epoch"])) / 1000;
            let client: u16 = if c["b_port"] == "22" {
                &c["a_port"]
            } else {
                &c["b_port"]
            }
            .parse()
            .unwrap();
            (ms.max(1), client)
        })
        .collect();
    assert_eq!(want.len(), 11, "tshark's 11 SSH connections");
    let lines = ndjson(&out.join("flowtrackers.ndjson"));
    let mut got: Vec<(i64, u16)> = lines
        .iter()
        .map(|l| {
            (
                l["metric"].as_i64().unwrap(),
                l["a_port"].as_u64().unwrap() as u16,
            )
        })
        .collect();
    want.sort();
    got.sort();
    assert_eq!(got, want, "each session once, its duration in ms");
    // Within a bucket, ranks follow the metric, longest first.
    let mut by_bucket: BTreeMap<u64, Vec<(u64, i64)>> = BTreeMap::new();
    for l in &lines {
        assert_eq!(l["tracker"], "Long SSH sessions");
        by_bucket
            .entry(l["start_ts"].as_u64().unwrap())
            .or_default()
            .push((l["rank"].as_u64().unwrap(), l["metric"].as_i64().unwrap()));
    }
    for entries in by_bucket.values() {
        for (i, w) in entries.windows(2).enumerate() {
            assert_eq!(w[0].0, i as u64 + 1);
            assert!(w[0].1 >= w[1].1);
        }
    }
}
