//! Plugins loaded as dylibs through the CLI: the sample plugins' outputs
//! against what the test computes from weir's own flows.ndjson and from the
//! tshark oracle, several instances, panics, slow plugins, votes, configs.
//! Loading refusals and API compatibility are in `abi_compat.rs`.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use common::*;
use serde_json::Value;

fn arg(plugin_name: &str, config: &str) -> Vec<String> {
    plugin_arg(plugin_name, config)
}

fn args(parts: &[Vec<String>]) -> Vec<String> {
    parts.concat()
}

fn final_records(out: &Path) -> Vec<Value> {
    ndjson(&out.join("flows.ndjson"))
        .into_iter()
        .filter(|f| f["end_reason"] != "active")
        .collect()
}

fn count<I: IntoIterator<Item = String>>(items: I) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for i in items {
        *m.entry(i).or_insert(0) += 1;
    }
    m
}

/// Trisul flow id of a tshark conversation row, computed here independently.
fn trisul_id(proto: u8, a: (&str, u16), b: (&str, u16)) -> String {
    use std::net::IpAddr;
    let (ia, ib): (IpAddr, IpAddr) = (a.0.parse().unwrap(), b.0.parse().unwrap());
    let hex = |ip: &IpAddr| match ip {
        IpAddr::V4(v) => v
            .octets()
            .iter()
            .map(|o| format!("{o:02X}"))
            .collect::<Vec<_>>()
            .join("."),
        IpAddr::V6(v) => v.octets().iter().map(|o| format!("{o:02X}")).collect(),
    };
    let bytes = |ip: &IpAddr| match ip {
        IpAddr::V4(v) => v.octets().to_vec(),
        IpAddr::V6(v) => v.octets().to_vec(),
    };
    // Z: lower port; equal ports: higher address.
    let a_is_z = a.1 < b.1 || (a.1 == b.1 && bytes(&ia) > bytes(&ib));
    let ((ai, ap), (zi, zp)) = if a_is_z {
        ((ib, b.1), (ia, a.1))
    } else {
        ((ia, a.1), (ib, b.1))
    };
    let kind = if ai.is_ipv4() { 'A' } else { 'B' };
    format!(
        "{proto:02X}{kind}:{}:p-{ap:04X}_{}:p-{zp:04X}",
        hex(&ai),
        hex(&zi)
    )
}

fn oracle_ids(stem: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for (file, proto) in [("conv_tcp.tsv", 6u8), ("conv_udp.tsv", 17u8)] {
        for row in tsv(&oracle(stem).join(file)) {
            let a = (row["a_addr"].as_str(), row["a_port"].parse().unwrap());
            let b = (row["b_addr"].as_str(), row["b_port"].parse().unwrap());
            ids.push(trisul_id(proto, a, b));
        }
    }
    ids
}

#[test]
fn sg1_prints_every_new_flow_once() {
    let dir = tempdir();
    let out = run_on(
        &[pcap("http-bro-org.pcap"), pcap("dns-mixed.pcap")],
        dir.path(),
        &arg("sg1", ""),
    );
    expect_code(&out, 0);
    let printed = count(
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_string),
    );
    let flows = count(
        final_records(dir.path())
            .iter()
            .map(|f| f["flow_id"].as_str().unwrap().to_string()),
    );
    assert_eq!(printed, flows, "sg1 lines vs one final record per flow");
    for stem in ["http-bro-org", "dns-mixed"] {
        for id in oracle_ids(stem) {
            assert!(
                printed.contains_key(&id),
                "tshark conversation {id} ({stem}) not printed by sg1"
            );
        }
    }
}

#[test]
fn two_sg2_instances_write_their_own_files() {
    let dir = tempdir();
    let (d1, d2) = (dir.path().join("one"), dir.path().join("two"));
    std::fs::create_dir_all(&d1).unwrap();
    std::fs::create_dir_all(&d2).unwrap();
    let out_dir = dir.path().join("out");
    let extra = args(&[
        arg("sg2", &format!("dir={}", d1.display())),
        arg("sg2", &format!("dir={}", d2.display())),
    ]);
    let out = run_on(
        &[pcap("ssh-guess.pcap"), pcap("icmp-ping-ssh.pcap")],
        &out_dir,
        &extra,
    );
    expect_code(&out, 0);
    let expected = count(
        final_records(&out_dir)
            .iter()
            .map(|f| f["flow_id"].as_str().unwrap().to_string()),
    );
    for (d, instance) in [(&d1, 0), (&d2, 1)] {
        let path = d.join(format!("flog.{instance}"));
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut ids = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let (n, id) = line
                .split_once("  ")
                .unwrap_or_else(|| panic!("bad sg2 line {line:?}"));
            assert_eq!(n.parse::<usize>().unwrap(), i + 1, "sg2 counts from 1");
            ids.push(id.to_string());
        }
        assert_eq!(count(ids), expected, "{}", path.display());
        assert!(
            !d.join(format!("flog.{}", 1 - instance)).exists(),
            "instance files are per directory"
        );
    }
}

#[test]
fn sg3_writes_every_flushed_flow_in_flush_order() {
    let dir = tempdir();
    let out = run_on(
        &[pcap("ssh-guess.pcap")],
        dir.path(),
        &args(&[arg("sg3", ""), vec!["--interval".into(), "10".into()]]),
    );
    expect_code(&out, 0);
    let flows = ndjson(&dir.path().join("flows.ndjson"));
    let text = std::fs::read_to_string(dir.path().join("fdetails.0")).unwrap();
    let begins: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("Flushing flows at  ts="))
        .collect();
    assert_eq!(
        begins.len() as u64,
        summary(dir.path())["flushes"].as_u64().unwrap()
    );
    let lines: Vec<&str> = text.lines().filter(|l| l.ends_with(" secs")).collect();
    assert_eq!(lines.len(), flows.len(), "one sg3 line per flushed record");
    let ends = text.lines().filter(|l| *l == "-".repeat(40)).count();
    assert_eq!(ends, begins.len());
    for (i, (line, f)) in lines.iter().zip(&flows).enumerate() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let u = |k: &str| f[k].as_u64().unwrap();
        assert_eq!(fields[0], (i + 1).to_string());
        assert_eq!(fields[1], format!("{:02X}", u("proto")));
        assert_eq!(fields[2], f["a_ip"].as_str().unwrap());
        assert_eq!(fields[3], u("a_port").to_string());
        assert_eq!(fields[4], f["z_ip"].as_str().unwrap());
        assert_eq!(fields[5], u("z_port").to_string());
        assert_eq!(fields[6], (u("az_bytes") + u("za_bytes")).to_string());
        // ssh-guess is from 2015-03-30; the date is printed in UTC, C locale.
        assert_eq!(&fields[7..12], &["Mon", "Mar", "30", fields[10], "2015"]);
        let first = f["first_ts"].as_f64().unwrap() as u64;
        let last = f["last_ts"].as_f64().unwrap() as u64;
        assert_eq!(fields[12], (last - first).to_string());
    }
}

#[test]
fn ssh_alerts_flags_exactly_the_small_ssh_sessions() {
    // ssh-guess's sessions are 7379, 7851 or 8323 bytes (tshark); 7500 sits between.
    let threshold = 7500u64;
    let dir = tempdir();
    let out = run_on(
        &[pcap("ssh-guess.pcap")],
        dir.path(),
        &arg("ssh_alerts", &format!("threshold={threshold}")),
    );
    expect_code(&out, 0);
    let mut expected = Vec::new();
    for row in tsv(&oracle("ssh-guess").join("conv_tcp.tsv")) {
        let bytes: u64 = row["bytes"].parse().unwrap();
        let ports = (
            row["a_port"].parse::<u16>().unwrap(),
            row["b_port"].parse::<u16>().unwrap(),
        );
        if (ports.0 == 22 || ports.1 == 22) && bytes < threshold {
            expected.push((
                trisul_id(6, (&row["a_addr"], ports.0), (&row["b_addr"], ports.1)),
                bytes,
            ));
        }
    }
    assert_eq!(expected.len(), 7, "oracle: seven sessions of 7379 bytes");
    let alerts = ndjson(&dir.path().join("alerts.ndjson"));
    let flows = ndjson(&dir.path().join("flows.ndjson"));
    assert_eq!(
        alerts.len(),
        2 * expected.len(),
        "one SSH Alerts and one Blacklist alert per session"
    );
    for (id, bytes) in &expected {
        let mine: Vec<&Value> = alerts
            .iter()
            .filter(|a| a["flow_id"] == id.as_str())
            .collect();
        assert_eq!(mine.len(), 2, "{id}");
        let groups: Vec<&str> = mine.iter().map(|a| a["group"].as_str().unwrap()).collect();
        assert!(
            groups.contains(&"SSH Alerts") && groups.contains(&"Blacklist"),
            "{groups:?}"
        );
        for a in &mine {
            assert_eq!(a["sigid"], "SSHXFER");
            assert_eq!(a["priority"], 1);
            assert_eq!(
                a["message"],
                format!("ssh session transferring {bytes} bytes, check it out")
            );
            assert_eq!(a["dest_port"], 22);
            assert_eq!(a["raised_by"], "ssh_alerts#0");
        }
        let bl = mine.iter().find(|a| a["group"] == "Blacklist").unwrap();
        assert_eq!(bl["group_guid"], "{5E97C3A3-41DB-4E34-92C3-87C904FAB83E}");
        assert_eq!(bl["classification"], "attack");
        assert_eq!(bl["status"], "FIRE");
        let ssh = mine.iter().find(|a| a["group"] == "SSH Alerts").unwrap();
        assert_eq!(ssh["group_guid"], "{0409EAC7-1E60-43D3-C0FA-A87429F99728}");
        // An alert about a flow carries the time of the flow's last packet
        // (not the flush's, which lies after the capture ends).
        let flow = flows.iter().find(|f| f["flow_id"] == id.as_str()).unwrap();
        for a in &mine {
            assert_eq!(a["ts"], flow["last_ts"], "{id}");
        }
    }
    // No alert is later than the capture's last packet (capinfos).
    let last: f64 = capinfos(&pcap("ssh-guess.pcap")).last.parse().unwrap();
    for a in &alerts {
        assert!(a["ts"].as_f64().unwrap() <= last + 1e-6, "{a} after {last}");
    }
}

#[test]
fn a_panicking_plugin_is_disabled_and_the_others_run_on() {
    let base = tempdir();
    let clean = base.path().join("clean");
    let out = run_on(&[pcap("http-bro-org.pcap")], &clean, &arg("sg2", ""));
    expect_code(&out, 0);

    for callback in [
        "on_flush",
        "on_new_flow",
        "flush_filter",
        "on_end_flush",
        "on_metronome",
    ] {
        let dir = base.path().join(callback);
        let extra = args(&[
            arg("testkit", &format!("panic_in={callback}")),
            arg("sg2", ""),
        ]);
        let out = run_on(&[pcap("http-bro-org.pcap")], &dir, &extra);
        expect_code(&out, 3);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let reports: Vec<&str> = stderr.lines().filter(|l| l.starts_with("weir:")).collect();
        assert_eq!(reports.len(), 1, "one line about the panic, got:\n{stderr}");
        let want = format!(
            "weir: plugin testkit#0 panicked in {callback}: testkit panic in {callback} (at "
        );
        assert!(
            reports[0].starts_with(&want) && reports[0].ends_with("instance disabled"),
            "{}",
            reports[0]
        );
        let s = summary(&dir);
        let tk = s["plugins"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "testkit")
            .unwrap();
        assert_eq!(tk["disabled"], true);
        let sg2 = s["plugins"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "sg2")
            .unwrap();
        assert_eq!(sg2["disabled"], false);
        assert_eq!(
            std::fs::read_to_string(dir.join("flog.0")).unwrap(),
            std::fs::read_to_string(clean.join("flog.0")).unwrap(),
            "sg2's output with a panicking neighbour ({callback})"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("flows.ndjson")).unwrap(),
            std::fs::read_to_string(clean.join("flows.ndjson")).unwrap()
        );
    }
}

#[test]
fn a_slow_plugin_with_a_tiny_queue_loses_nothing() {
    let dir = tempdir();
    let record = dir.path().join("record.txt");
    let extra = arg(
        "testkit",
        &format!("sleep_ms=1,weir.queue=1,record={}", record.display()),
    );
    let out = run_on(
        &[pcap("ssh-guess.pcap"), pcap("dns-mixed.pcap")],
        &dir.path().join("out"),
        &extra,
    );
    expect_code(&out, 0);
    let out_dir = dir.path().join("out");
    let s = summary(&out_dir);
    let tk = &s["plugins"][0];
    assert!(
        tk["backpressure"].as_u64().unwrap() > 0,
        "no back-pressure recorded: {tk}"
    );
    let text = std::fs::read_to_string(&record).unwrap();
    let flushed = count(
        text.lines()
            .filter_map(|l| l.strip_prefix("flush "))
            .map(|l| l.split(' ').next().unwrap().to_string()),
    );
    let records = count(
        ndjson(&out_dir.join("flows.ndjson"))
            .iter()
            .map(|f| f["flow_id"].as_str().unwrap().to_string()),
    );
    assert_eq!(
        flushed, records,
        "every flushed record reached the slow plugin"
    );
    let news = text.lines().filter(|l| l.starts_with("new ")).count() as u64;
    assert_eq!(
        news,
        s["flows"].as_u64().unwrap(),
        "every new flow reached the slow plugin"
    );
    // Both monitors of testkit record one line per callback they receive.
    let delivered = text.lines().count() as u64;
    assert_eq!(
        tk["events"].as_u64().unwrap(),
        delivered,
        "summary events = callbacks the plugin saw"
    );
}

#[test]
fn flush_filter_votes_drop_unless_someone_keeps() {
    let dir = tempdir();
    let drop_ssh = arg("testkit", "vote=drop,vote_port=22");
    let out = run_on(
        &[pcap("icmp-ping-ssh.pcap")],
        &dir.path().join("drop"),
        &args(&[drop_ssh.clone(), arg("sg3", "")]),
    );
    expect_code(&out, 0);
    let flows = ndjson(&dir.path().join("drop/flows.ndjson"));
    assert!(!flows.is_empty());
    assert!(
        flows.iter().all(|f| f["a_port"] != 22 && f["z_port"] != 22),
        "a dropped flow was written"
    );
    let sg3 = std::fs::read_to_string(dir.path().join("drop/fdetails.0")).unwrap();
    assert!(
        !sg3.lines().any(|l| l.contains(" 22 ")),
        "a dropped flow reached on_flush:\n{sg3}"
    );
    assert!(
        summary(&dir.path().join("drop"))["flow_records_dropped"]
            .as_u64()
            .unwrap()
            > 0
    );

    let keep = arg("testkit", "vote=keep,vote_port=22");
    let out = run_on(
        &[pcap("icmp-ping-ssh.pcap")],
        &dir.path().join("keep"),
        &args(&[drop_ssh, keep]),
    );
    expect_code(&out, 0);
    let flows = ndjson(&dir.path().join("keep/flows.ndjson"));
    assert!(
        flows.iter().any(|f| f["z_port"] == 22),
        "a Keep vote must win over Drop"
    );
}

#[test]
fn configs_reach_the_plugin_from_pairs_and_toml_files() {
    let dir = tempdir();
    let echo = dir.path().join("echo.json");
    let toml = dir.path().join("c.toml");
    std::fs::write(
        &toml,
        format!("echo_config = \"{}\"\nsleep_ms = 0\n", echo.display()),
    )
    .unwrap();
    let out = run_on(
        &[pcap("dns-ddns-query.pcap")],
        &dir.path().join("b"),
        &arg("testkit", &format!("@{}", toml.display())),
    );
    expect_code(&out, 0);
    let got: Value = serde_json::from_str(&std::fs::read_to_string(&echo).unwrap()).unwrap();
    assert_eq!(got["sleep_ms"], 0, "TOML keeps its types");
    assert_eq!(got["echo_config"], echo.display().to_string());

    let out = run_on(
        &[pcap("dns-ddns-query.pcap")],
        &dir.path().join("c"),
        &arg(
            "testkit",
            &format!(
                "echo_config={},tag=collector=127.0.0.1:4739",
                echo.display()
            ),
        ),
    );
    expect_code(&out, 0);
    let got: Value = serde_json::from_str(&std::fs::read_to_string(&echo).unwrap()).unwrap();
    assert_eq!(
        got["tag"], "collector=127.0.0.1:4739",
        "values keep their colons and equals signs"
    );
    assert!(got.get("weir.queue").is_none());
}

#[test]
fn bad_configs_are_usage_errors_and_refusals_stop_before_reading() {
    let dir = tempdir();
    for bad in ["novalue", "=x", "a=1,a=2", "@/nonexistent/config.toml"] {
        let out = run_on(
            &[pcap("ssh-guess.pcap")],
            &dir.path().join("x"),
            &arg("testkit", bad),
        );
        expect_code(&out, 2);
    }
    for (config, needle) in [
        ("refuse=not today", "not today"),
        ("bogus_key=1", "bogus_key"),
        ("panic_in=constructor", "panicked"),
        ("weir.nope=1", "weir.nope"),
    ] {
        let line = refusal(&arg("testkit", config), &dir.path().join("refused"));
        assert!(
            line.contains("libweir_plugin_testkit.so") && line.contains(needle),
            "{line}"
        );
    }
}

/// Regression: with stderr closed early (`weir ... 2>&1 | head -1`), a
/// panicking plugin's report could not be printed; the engine's message
/// panicked on the dispatcher thread and the flush vote waited forever.
#[test]
fn a_closed_stderr_does_not_hang_the_run() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let dir = tempdir();
    let mut child = Command::new(weir())
        .args(["run", "--pcap"])
        .arg(pcap("ssh-guess.pcap"))
        .arg("--out")
        .arg(dir.path())
        .arg("--plugin")
        .arg(format!("{}:panic_in=on_flush", plugin("testkit").display()))
        .arg("--plugin")
        .arg(plugin("ssh_alerts"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    // The reader is dropped here: stderr is now a closed pipe.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert_eq!(status.code(), Some(3));
            break;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("weir hung after its stderr was closed");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(summary(dir.path())["plugins"][0]["disabled"], true);
}

#[test]
fn flow_monitors_attach_to_session_groups_by_name() {
    let dir = tempdir();
    let record = dir.path().join("record.txt");
    let out = run_on(
        &[pcap("ssh-guess.pcap")],
        &dir.path().join("ok"),
        &arg(
            "testkit",
            &format!("group=ip FLOWS,record={}", record.display()),
        ),
    );
    expect_code(&out, 0);
    let news = std::fs::read_to_string(&record)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("new "))
        .count();
    assert_eq!(news, 11, "ssh-guess has 11 flows (tshark)");
    assert_eq!(tsv(&oracle("ssh-guess").join("conv_tcp.tsv")).len(), 11);

    let line = refusal(
        &arg("testkit", "group=no such group"),
        &dir.path().join("bad"),
    );
    assert!(
        line.contains("unknown session group name \"no such group\""),
        "{line}"
    );
}

/// Every callback kind reaches a plugin subscribed to everything, in stream
/// order: updates at most once per second of stream time per flow, one
/// metronome tick per stream second with packets, one terminate per flow, and
/// the flush brackets in the documented order.
#[test]
fn callbacks_arrive_as_documented() {
    let dir = tempdir();
    let record = dir.path().join("record.txt");
    let out_dir = dir.path().join("out");
    let extra = args(&[
        arg("testkit", &format!("record={}", record.display())),
        vec!["--interval".into(), "5".into()],
    ]);
    let out = run_on(&[pcap("http-bro-org.pcap")], &out_dir, &extra);
    expect_code(&out, 0);
    let s = summary(&out_dir);
    let text = std::fs::read_to_string(&record).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let kind = |p: &str| lines.iter().filter(|l| l.starts_with(p)).count() as u64;
    assert_eq!(kind("metronome "), s["metronome_ticks"].as_u64().unwrap());
    assert_eq!(
        kind("engine_metronome "),
        s["metronome_ticks"].as_u64().unwrap()
    );
    assert_eq!(kind("new "), s["flows"].as_u64().unwrap());
    assert_eq!(
        kind("terminate "),
        s["flows"].as_u64().unwrap(),
        "every flow ends exactly once"
    );
    assert_eq!(kind("engine_begin "), s["flushes"].as_u64().unwrap());

    let flows = ndjson(&out_dir.join("flows.ndjson"));
    let mut updates: BTreeMap<&str, u64> = BTreeMap::new();
    for l in &lines {
        if let Some(id) = l.strip_prefix("update ") {
            *updates.entry(id).or_default() += 1;
        }
    }
    assert!(updates.values().sum::<u64>() > 0);
    for f in flows.iter().filter(|f| f["end_reason"] != "active") {
        let id = f["flow_id"].as_str().unwrap();
        let span = f["last_ts"].as_f64().unwrap() as u64 - f["first_ts"].as_f64().unwrap() as u64;
        let n = updates.get(id).copied().unwrap_or(0);
        assert!(n <= span, "{id}: {n} updates over {span} s");
    }

    // Flush brackets: engine begin, flow begin, votes, flushes, flow end, engine end.
    let order: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.split(' ').next())
        .filter(|k| {
            [
                "engine_begin",
                "begin_flush",
                "filter",
                "flush",
                "end_flush",
                "engine_end",
            ]
            .contains(k)
        })
        .collect();
    let mut expect_next = "engine_begin";
    for k in order {
        let ok = match expect_next {
            "engine_begin" => k == "engine_begin",
            "begin_flush" => k == "begin_flush",
            "votes" => ["filter", "flush", "end_flush"].contains(&k),
            "flushes" => ["flush", "end_flush"].contains(&k),
            "engine_end" => k == "engine_end",
            _ => false,
        };
        assert!(ok, "{k} where {expect_next} was due");
        expect_next = match k {
            "engine_begin" => "begin_flush",
            "begin_flush" | "filter" => "votes",
            "flush" => "flushes",
            "end_flush" => "engine_end",
            _ => "engine_begin",
        };
    }
}

/// A callback that never returns is abandoned by the watchdog: the run
/// completes (exit 3), other plugins' outputs are as without it, and the
/// report names the plugin, instance and callback.
#[test]
fn a_hung_plugin_is_abandoned_and_the_run_completes() {
    let base = tempdir();
    let clean = base.path().join("clean");
    expect_code(
        &run_on(&[pcap("ssh-guess.pcap")], &clean, &arg("sg3", "")),
        0,
    );
    for callback in ["on_flush", "flush_filter", "on_new_flow"] {
        let dir = base.path().join(callback);
        let extra = args(&[
            arg("testkit", &format!("hang_in={callback},weir.queue=2")),
            arg("sg3", ""),
            vec!["--callback-timeout".into(), "1".into(), "--quiet".into()],
        ]);
        let started = std::time::Instant::now();
        let out = run_on(&[pcap("ssh-guess.pcap")], &dir, &extra);
        expect_code(&out, 3);
        assert!(
            started.elapsed().as_secs() < 30,
            "{callback}: took {:?}",
            started.elapsed()
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains(&format!(
                "plugin testkit#0 did not return from {callback} within 1 s"
            )),
            "{stderr}"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("fdetails.0")).unwrap(),
            std::fs::read_to_string(clean.join("fdetails.0")).unwrap(),
            "{callback}: sg3 beside a hung plugin"
        );
        assert_eq!(summary(&dir)["plugins"][0]["disabled"], true);
    }
}

#[test]
fn version_names_the_plugin_api_to_build_against() {
    let out = run_weir(&["--version"]);
    expect_code(&out, 0);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text.trim(),
        format!(
            "weir {} (plugin API {})",
            env!("CARGO_PKG_VERSION"),
            weir_plugin_api::API_VERSION
        )
    );
}

#[test]
fn an_alert_without_a_flow_is_never_stamped_after_the_last_packet() {
    // testkit raises one flow-less alert at every engine end of flush;
    // the last flush's time (the end of the last interval) lies after the
    // capture's last packet, so that alert gets the last packet's time.
    let dir = tempdir();
    let capture = pcap("ssh-guess.pcap");
    let out = run_on(
        std::slice::from_ref(&capture),
        dir.path(),
        &arg("testkit", "end_alert=FLUSHED"),
    );
    expect_code(&out, 0);
    let alerts = ndjson(&dir.path().join("alerts.ndjson"));
    let info = capinfos(&capture);
    let (first, last): (f64, f64) = (info.first.parse().unwrap(), info.last.parse().unwrap());
    // One per interval flush: the capture spans 70 s, two 60 s intervals.
    assert_eq!(alerts.len(), 2, "{alerts:?}");
    for a in &alerts {
        assert_eq!(a["group"], "System Alerts");
        assert_eq!(a["flow_id"], Value::Null);
        let ts = a["ts"].as_f64().unwrap();
        assert!(
            ts >= first && ts <= last + 1e-6,
            "{a}: outside {first}..{last}"
        );
    }
    let stamped = |a: &Value| a["ts"].as_f64().unwrap();
    assert!(
        alerts.iter().any(|a| (stamped(a) - last).abs() < 1e-6),
        "{alerts:?}"
    );
}
