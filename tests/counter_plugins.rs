//! The counter-group API end to end (plugin API 1.1), with the `cgkit` test
//! plugin (`tests/plugins/cgkit`): a plugin registers its own counter group,
//! feeds it with `update_counter`, and a counter-group monitor subscribed to
//! it by name sees it, votes a key out and overrides a meter in the flush
//! filter, which changes what `counters.ndjson` holds.
//!
//! Expected values come from `flows.ndjson` of the same run (flows are
//! checked against tshark in `tests/parity.rs`): `cgkit` counts each new
//! flow under `port-<z port>`.

mod common;

use std::collections::BTreeMap;

use common::*;
use serde_json::Value;

const GROUP: &str = "Test Ports";

fn cgkit_run(capture: &str, config: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    cgkit_run_with(capture, config, &[])
}

fn cgkit_run_with(
    capture: &str,
    config: &str,
    extra: &[&str],
) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempdir();
    let out = dir.path().join("out");
    let plugin = format!("{}:{config}", plugin("cgkit").display());
    let mut args: Vec<String> = vec!["--plugin".into(), plugin];
    args.extend(extra.iter().map(|s| s.to_string()));
    let run = run_on(&[pcap(capture)], &out, &args);
    expect_code(&run, 0);
    (dir, out)
}

/// (key → meter 0 summed over intervals) of the group's rows.
fn rows_by_key(out: &std::path::Path) -> (Vec<Value>, BTreeMap<String, i64>) {
    let rows: Vec<Value> = ndjson(&out.join("counters.ndjson"))
        .into_iter()
        .filter(|l| l["group"] == GROUP)
        .collect();
    let mut by_key = BTreeMap::new();
    for r in rows.iter().filter(|r| r["key"] != "SYS:GROUP_TOTALS") {
        *by_key
            .entry(r["key"].as_str().unwrap().to_string())
            .or_insert(0) += r["meters"][0].as_i64().unwrap();
    }
    (rows, by_key)
}

/// New flows per `port-<z port>`, from the run's flow records (each flow
/// once: its last record).
fn flows_by_port(out: &std::path::Path) -> BTreeMap<String, i64> {
    let mut last: BTreeMap<(String, String), Value> = BTreeMap::new();
    for f in ndjson(&out.join("flows.ndjson")) {
        let id = (
            f["flow_id"].as_str().unwrap().to_string(),
            format!("{}|{}", f["first_ts"], f["vlan"]),
        );
        last.insert(id, f);
    }
    let mut by_port = BTreeMap::new();
    for f in last.values() {
        *by_port
            .entry(format!("port-{}", f["z_port"].as_u64().unwrap()))
            .or_insert(0) += 1;
    }
    by_port
}

#[test]
fn a_plugin_group_fed_by_update_counter_is_seen_filtered_and_overridden() {
    let (_d, out) = cgkit_run(
        "home-lan-mixed.pcap",
        "override_key=port-80,drop_key=port-53",
    );
    let (rows, by_key) = rows_by_key(&out);
    let mut want = flows_by_port(&out);
    assert!(want.len() > 10, "home-lan-mixed has many server ports");
    assert!(
        want.remove("port-53").is_some(),
        "the capture has DNS flows"
    );
    assert_eq!(by_key, want, "new flows per port, port-53 voted out");
    // The override replaced meter 1 of port-80 in every interval it had.
    let p80: Vec<&Value> = rows.iter().filter(|r| r["key"] == "port-80").collect();
    assert!(!p80.is_empty());
    assert!(p80.iter().all(|r| r["meters"][1] == 7), "{p80:?}");
    // Other keys keep their bytes (the flows' bytes when they began).
    assert!(rows
        .iter()
        .filter(|r| r["key"] == "port-1900")
        .all(|r| r["meters"][1].as_i64().unwrap() > 7));
    // The monitor's on_flush saw exactly what was written, in order.
    let log = std::fs::read_to_string(out.join("cgkit.0.log")).unwrap();
    let flushed: Vec<String> = log
        .lines()
        .filter(|l| {
            !l.starts_with("topper ") && !l.starts_with("update ") && !l.starts_with("newkey ")
        })
        .map(String::from)
        .collect();
    let written: Vec<String> = rows
        .iter()
        .map(|r| {
            let values: Vec<String> = r["meters"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.to_string())
                .collect();
            format!(
                "{GROUP} {} {} {}",
                r["start_ts"].as_u64().unwrap() + r["interval"].as_u64().unwrap(),
                r["key"].as_str().unwrap(),
                values.join(" ")
            )
        })
        .collect();
    assert_eq!(flushed, written);
    // Its topper callbacks saw what toppers.ndjson holds for the group.
    let toppers: Vec<String> = ndjson(&out.join("toppers.ndjson"))
        .into_iter()
        .filter(|t| t["group"] == GROUP)
        .map(|t| {
            format!(
                "topper {GROUP} {} {} {} {}",
                t["meter"],
                t["rank"],
                t["key"].as_str().unwrap(),
                t["value"]
            )
        })
        .collect();
    let seen: Vec<String> = log
        .lines()
        .filter(|l| l.starts_with("topper "))
        .map(String::from)
        .collect();
    assert!(!toppers.is_empty());
    assert_eq!(seen, toppers);
    // The summary lists the plugin's group.
    let s = summary(&out);
    assert!(s["counter_groups"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g["name"] == GROUP && g["guid"] == "{7E57C0DE-0000-4000-8000-000000000001}"));
}

#[test]
fn a_subscription_matching_no_group_stops_the_run_with_the_names() {
    let dir = tempdir();
    let out = dir.path().join("out");
    let plugin = format!("{}:name=no such group", plugin("cgkit").display());
    let run = run_on(
        &[pcap("dns-mixed.pcap")],
        &out,
        &["--plugin".into(), plugin],
    );
    expect_code(&run, 1);
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("subscribes to no counter group")
            && err.contains("\"no such group\"")
            && err.contains("Test Ports"),
        "{err}"
    );
    assert!(
        !out.join("counters.ndjson").exists() || ndjson(&out.join("counters.ndjson")).is_empty()
    );
}

/// A flow tracker's top K equals the K largest UDP flows by bytes that the
/// test ranks itself from `flows.ndjson` (one interval and one tracker
/// bucket of a day: web-browse-2013 lies within one UTC day).
#[test]
fn a_flow_tracker_keeps_the_top_k_of_its_bucket() {
    let (_d, out) = cgkit_run_with(
        "web-browse-2013.pcap",
        "tracker_bucket=86400,tracker_count=4",
        &["--interval", "86400"],
    );
    let mut udp: Vec<(i64, String)> = ndjson(&out.join("flows.ndjson"))
        .iter()
        .filter(|f| f["proto"] == 17)
        .map(|f| {
            (
                f["az_bytes"].as_i64().unwrap() + f["za_bytes"].as_i64().unwrap(),
                f["flow_id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(udp.len() > 10, "web-browse-2013 has many UDP flows");
    udp.sort_by_key(|u| std::cmp::Reverse(u.0));
    let lines = ndjson(&out.join("flowtrackers.ndjson"));
    let got: Vec<(i64, String)> = lines
        .iter()
        .map(|l| {
            (
                l["metric"].as_i64().unwrap(),
                l["flow_id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(got.len(), 4);
    assert_eq!(
        got.iter().map(|g| g.0).collect::<Vec<_>>(),
        udp[..4].iter().map(|u| u.0).collect::<Vec<_>>()
    );
    for (l, rank) in lines.iter().zip(1..) {
        assert_eq!(l["rank"], rank);
        assert_eq!(l["tracker"], "Big UDP flows");
        assert_eq!(l["plugin"], "cgkit#0");
        assert_eq!(l["bucket"], 86400);
        let id = l["flow_id"].as_str().unwrap();
        assert!(udp
            .iter()
            .any(|(b, f)| f == id && *b == l["metric"].as_i64().unwrap()));
    }
}

/// Real-time updates: each key's `on_update` values grow within an
/// interval, and the last before its flush has the flushed values (weir
/// sends pending updates right before each flush); every key written was
/// announced once by `on_new_key` before its first update.
#[test]
fn real_time_updates_grow_toward_the_flushed_values_and_new_keys_come_first() {
    let (_d, out) = cgkit_run("home-lan-mixed.pcap", "");
    let log = std::fs::read_to_string(out.join("cgkit.0.log")).unwrap();
    let mut announced = std::collections::BTreeSet::new();
    let mut last: BTreeMap<String, i64> = BTreeMap::new();
    let mut updates = 0;
    for line in log.lines() {
        let f: Vec<&str> = line.split(' ').collect();
        match f[0] {
            "newkey" => assert!(
                announced.insert(f[4].to_string()),
                "announced twice: {line}"
            ),
            "update" => {
                let key = f[4].to_string();
                assert!(announced.contains(&key), "update before newkey: {line}");
                let v: i64 = f[5].parse().unwrap();
                let prev = last.insert(key, v).unwrap_or(0);
                assert!(v >= prev, "values grow within the interval: {line}");
                updates += 1;
            }
            "Test" => {
                // A flush line: `Test Ports <ts> <key> <values>`.
                let key = f[3].to_string();
                if key != "SYS:GROUP_TOTALS" {
                    // The last update before a key's flush has its final values.
                    let flushed: i64 = f[4].parse().unwrap();
                    let seen = last.remove(&key);
                    assert_eq!(seen, Some(flushed), "last update vs flush: {line}");
                }
            }
            _ => {}
        }
    }
    // How many ticks see an update depends on when the plugin's feedback
    // arrives (its own thread), so only the invariants above are exact.
    assert!(updates > 0, "updates were delivered: {updates}");
    let (_, by_key) = rows_by_key(&out);
    assert!(by_key.keys().all(|k| announced.contains(k)));
}

/// `weir plugin info` shows what a 1.1 plugin subscribes to, its tracker's
/// settings and the counter groups its constructor registers.
#[test]
fn plugin_info_shows_counter_subscriptions_trackers_and_registered_groups() {
    let out = run_weir(&[
        "plugin".to_string(),
        "info".into(),
        "--json".into(),
        plugin("cgkit").display().to_string(),
    ]);
    expect_code(&out, 0);
    let info: Value = serde_json::from_slice(&out.stdout).unwrap();
    let subs = &info["subscriptions"];
    assert_eq!(
        subs["counter-group"]["name_match"],
        serde_json::json!(["test ports"])
    );
    assert_eq!(
        subs["counter-group"]["events"],
        serde_json::json!([
            "new_key",
            "update",
            "flush",
            "flush_filter",
            "topper_flush",
            "topper_filter"
        ])
    );
    assert_eq!(subs["flow-tracker"]["name"], "Big UDP flows");
    assert_eq!(subs["flow-tracker"]["count"], 3);
    assert_eq!(
        subs["registers"],
        serde_json::json!(["Test Ports {7E57C0DE-0000-4000-8000-000000000001}"])
    );
    assert_eq!(
        info["monitors"],
        serde_json::json!(["flow", "counter-group", "flow-tracker"])
    );
}

/// A topper-filter `Drop` removes the key from every topper list of the
/// group; the other entries keep their order and ranks close up.
#[test]
fn a_topper_filter_vote_removes_the_key_and_ranks_close_up() {
    let toppers_of = |out: &std::path::Path| -> Vec<(u64, String, i64, u64)> {
        ndjson(&out.join("toppers.ndjson"))
            .into_iter()
            .filter(|t| t["group"] == GROUP && t["meter"] == 0)
            .map(|t| {
                (
                    t["start_ts"].as_u64().unwrap(),
                    t["key"].as_str().unwrap().to_string(),
                    t["value"].as_i64().unwrap(),
                    t["rank"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let (_a, plain) = cgkit_run("home-lan-mixed.pcap", "");
    let (_b, filtered) = cgkit_run("home-lan-mixed.pcap", "drop_topper=port-5355");
    let before = toppers_of(&plain);
    let after = toppers_of(&filtered);
    assert!(
        before.iter().any(|t| t.1 == "port-5355"),
        "port-5355 is a topper"
    );
    assert!(!after.iter().any(|t| t.1 == "port-5355"));
    // Same entries otherwise, in the same order, ranks renumbered.
    let strip = |v: &[(u64, String, i64, u64)]| -> Vec<(u64, String, i64)> {
        v.iter()
            .filter(|t| t.1 != "port-5355")
            .map(|t| (t.0, t.1.clone(), t.2))
            .collect()
    };
    assert_eq!(strip(&before), strip(&after));
    let mut expect_rank = BTreeMap::new();
    for (start, _, _, rank) in &after {
        let r = expect_rank.entry(*start).or_insert(0);
        *r += 1;
        assert_eq!(rank, r);
    }
}
