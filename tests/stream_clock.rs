//! The stream clock, end to end through the CLI.
//!
//! Expected values are computed here from packet times read by `tshark`
//! (`frame.time_epoch`) and counts from `capinfos`, never from earlier weir
//! output. The model: the clock is the running maximum of packet times (it
//! never moves back); intervals are aligned to multiples of their length and
//! each interval in which the clock stands at least once is flushed exactly
//! once (the last one by the final flush); a metronome tick is delivered for
//! every whole second the clock stands in.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

use common::*;

/// Seconds in a (non-leap) year.
const YEAR: u64 = 365 * 86_400;

/// (flushes, metronome ticks) the model expects for packets read in this order.
fn expected_clock(times: &[(u64, u32)], interval: u64) -> (u64, u64) {
    let mut max: Option<(u64, u32)> = None;
    let mut intervals = BTreeSet::new();
    let mut seconds = BTreeSet::new();
    for &t in times {
        let now = match max {
            Some(m) if m >= t => m,
            _ => t,
        };
        max = Some(now);
        intervals.insert(now.0 / interval);
        seconds.insert(now.0);
    }
    (intervals.len() as u64, seconds.len() as u64)
}

fn u(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("`{key}` missing or not a number in {v}"))
}

/// Frames in final flow records (a reassembled datagram is one packet of
/// several frames) plus non-IP and malformed frames.
fn accounted_packets(out: &Path) -> u64 {
    let s = summary(out);
    let in_flows: u64 = ndjson(&out.join("flows.ndjson"))
        .iter()
        .filter(|f| f["end_reason"] != "active")
        .map(|f| u(f, "az_frames") + u(f, "za_frames"))
        .sum();
    let malformed: u64 = s["decode_errors"]
        .as_object()
        .expect("decode_errors object")
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    in_flows + u(&s, "non_ip") + malformed
}

/// Runs weir (quiet, plus `extra`) and returns the summary and the wall time.
fn timed_run(pcaps: &[PathBuf], out: &Path, extra: &[&str]) -> (Value, Duration) {
    let mut args: Vec<String> = vec!["--quiet".into()];
    args.extend(extra.iter().map(|a| a.to_string()));
    let start = Instant::now();
    let o = run_on(pcaps, out, &args);
    let took = start.elapsed();
    expect_code(&o, 0);
    (summary(out), took)
}

/// Runs one capture with `--interval` (`None`: weir's default, 60 s) and
/// checks flushes and ticks against the model.
fn check_clock(name: &str, interval: Option<u64>) {
    let src = pcap(name);
    let info = capinfos(&src);
    let times = packet_times(&src);
    assert_eq!(
        times.len() as u64,
        info.packets,
        "{name}: tshark vs capinfos packet count"
    );
    let mut max = times[0];
    let mut largest_jump = 0;
    for &t in &times[1..] {
        if t > max {
            largest_jump = largest_jump.max(t.0 - max.0);
            max = t;
        }
    }
    assert!(
        largest_jump > YEAR,
        "{name}: no gap of more than a year in the capture (largest {largest_jump} s): the test would not test skipping"
    );
    let (flushes, ticks) = expected_clock(&times, interval.unwrap_or(60));

    let tmp = tempdir();
    let out = tmp.path().join("out");
    let extra: Vec<String> = interval
        .map(|i| vec!["--interval".to_string(), i.to_string()])
        .unwrap_or_default();
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let (s, took) = timed_run(&[src], &out, &extra);
    let what = format!("{name} --interval {interval:?}");
    assert!(
        took < Duration::from_secs(30),
        "{what}: took {took:?}: empty intervals are being iterated over"
    );
    assert_eq!(u(&s, "packets"), info.packets, "{what}: packets");
    assert_eq!(
        s["last_ts"].as_str(),
        Some(as_weir_ts(&info.last).as_str()),
        "{what}: last_ts"
    );
    assert_eq!(
        u(&s, "flushes"),
        flushes,
        "{what}: flushes (one per interval with packets)"
    );
    assert_eq!(
        u(&s, "metronome_ticks"),
        ticks,
        "{what}: metronome ticks (one per second with packets)"
    );
    assert_eq!(
        accounted_packets(&out),
        info.packets,
        "{what}: frames in flows + non-IP + malformed"
    );
}

#[test]
fn years_long_gaps_default_interval_home_lan_mixed() {
    check_clock("home-lan-mixed.pcap", None);
}

#[test]
fn years_long_gaps_default_interval_dns_edns_v4v6() {
    check_clock("dns-edns-v4v6.pcap", None);
}

#[test]
fn years_long_gaps_interval_1_and_3600() {
    for name in ["home-lan-mixed.pcap", "dns-edns-v4v6.pcap"] {
        for interval in [1, 3600] {
            check_clock(name, Some(interval));
        }
    }
}

// ---------------------------------------------------------------------------
// Several files, one stream.
// ---------------------------------------------------------------------------

fn editcap_range(src: &Path, format: &str, range: &str, out: &Path) {
    tool(
        "editcap",
        &[
            OsStr::new("-F"),
            format.as_ref(),
            "-r".as_ref(),
            src.as_os_str(),
            out.as_os_str(),
            range.as_ref(),
        ],
    );
}

/// TCP streams (tshark's `tcp.stream`) with frames on both sides of `split`.
fn streams_across(src: &Path, split: u64) -> usize {
    let text = tshark_fields(src, None, &["frame.number", "tcp.stream"]);
    let mut before = BTreeSet::new();
    let mut after = BTreeSet::new();
    for line in text.lines() {
        let (n, stream) = line.split_once('\t').unwrap_or((line, ""));
        if stream.is_empty() {
            continue;
        }
        if n.parse::<u64>().unwrap() <= split {
            before.insert(stream.to_string());
        } else {
            after.insert(stream.to_string());
        }
    }
    before.intersection(&after).count()
}

fn check_split(name: &str) {
    let split = 200;
    let src = pcap(name);
    let info = capinfos(&src);
    assert!(info.packets > split, "{name}: too short to split");
    let spanning = streams_across(&src, split);
    assert!(
        spanning > 0,
        "{name}: no TCP connection spans frame {split}"
    );

    let tmp = tempdir();
    let part1 = tmp.path().join("part1.pcap");
    let part2 = tmp.path().join("part2.pcapng");
    editcap_range(&src, "pcap", &format!("1-{split}"), &part1);
    editcap_range(
        &src,
        "pcapng",
        &format!("{}-{}", split + 1, info.packets),
        &part2,
    );
    assert_eq!(capinfos(&part1).packets, split, "part1 packet count");
    assert_eq!(
        capinfos(&part2).packets,
        info.packets - split,
        "part2 packet count"
    );

    let whole = tmp.path().join("out-whole");
    timed_run(std::slice::from_ref(&src), &whole, &[]);
    let joined = tmp.path().join("out-joined");
    let (s, _) = timed_run(&[part1.clone(), part2.clone()], &joined, &[]);
    assert_eq!(
        u(&s, "packets"),
        info.packets,
        "{name}: packets of both parts"
    );
    let ours = sorted_lines(&joined.join("flows.ndjson"));
    let want = sorted_lines(&whole.join("flows.ndjson"));
    if ours != want {
        let only_ours: Vec<&String> = ours.iter().filter(|l| !want.contains(l)).collect();
        let only_want: Vec<&String> = want.iter().filter(|l| !ours.contains(l)).collect();
        panic!(
            "{name}: flows of part1+part2 differ from the single file ({spanning} connections span the split)\nonly in the split run:\n{only_ours:#?}\nonly in the single-file run:\n{only_want:#?}"
        );
    }
    let times = packet_times(&src);
    let (flushes, ticks) = expected_clock(&times, 60);
    assert_eq!(u(&s, "flushes"), flushes, "{name}: flushes of part1+part2");
    assert_eq!(
        u(&s, "metronome_ticks"),
        ticks,
        "{name}: ticks of part1+part2"
    );

    // Reverse order: part2's later packets first. The clock stays at the
    // largest time; nothing fails and every packet is counted.
    let reversed = tmp.path().join("out-reversed");
    let (s, _) = timed_run(&[part2.clone(), part1.clone()], &reversed, &[]);
    let what = format!("{name} part2 then part1");
    assert_eq!(u(&s, "packets"), info.packets, "{what}: packets");
    assert_eq!(
        accounted_packets(&reversed),
        info.packets,
        "{what}: frames in flows + non-IP + malformed"
    );
    assert_eq!(
        s["last_ts"].as_str(),
        Some(as_weir_ts(&info.last).as_str()),
        "{what}: the clock must end at the largest packet time"
    );
    let mut order = packet_times(&part2);
    order.extend(packet_times(&part1));
    let (flushes, ticks) = expected_clock(&order, 60);
    assert_eq!(u(&s, "flushes"), flushes, "{what}: flushes");
    assert_eq!(u(&s, "metronome_ticks"), ticks, "{what}: ticks");
}

#[test]
fn two_files_continue_their_flows_ssh_guess() {
    check_split("ssh-guess.pcap");
}

#[test]
fn two_files_continue_their_flows_http_bro_org() {
    check_split("http-bro-org.pcap");
}

// ---------------------------------------------------------------------------
// Timeouts.
// ---------------------------------------------------------------------------

type End = (String, u64);

/// Per UDP 5-tuple (lower end, higher end): packet times in file order, from tshark.
fn udp_conversations(src: &Path) -> BTreeMap<(End, End), Vec<(u64, u32)>> {
    let text = tshark_fields(
        src,
        None,
        &[
            "frame.time_epoch",
            "ip.src",
            "ip.dst",
            "ipv6.src",
            "ipv6.dst",
            "udp.srcport",
            "udp.dstport",
        ],
    );
    let mut convs: BTreeMap<(End, End), Vec<(u64, u32)>> = BTreeMap::new();
    for line in text.lines() {
        let c: Vec<&str> = line.split('\t').collect();
        assert_eq!(c.len(), 7, "tshark line {line:?}");
        assert!(!c[5].is_empty(), "not a UDP packet: {line:?}");
        let src_ip = if c[1].is_empty() { c[3] } else { c[1] };
        let dst_ip = if c[2].is_empty() { c[4] } else { c[2] };
        let a = (src_ip.to_string(), c[5].parse().unwrap());
        let b = (dst_ip.to_string(), c[6].parse().unwrap());
        let key = if a <= b { (a, b) } else { (b, a) };
        convs.entry(key).or_default().push(epoch_nanos(c[0]));
    }
    convs
}

fn nanos_between(a: (u64, u32), b: (u64, u32)) -> u128 {
    let f = |t: (u64, u32)| u128::from(t.0) * 1_000_000_000 + u128::from(t.1);
    f(b) - f(a)
}

#[test]
fn idle_timeout_splits_quiet_flows_and_loses_no_packet() {
    let name = "dns-mixed.pcap";
    let idle: u64 = 5;
    let src = pcap(name);
    let info = capinfos(&src);
    assert!(info.strict_order, "{name}: not in time order");
    let convs = udp_conversations(&src);
    let total: usize = convs.values().map(Vec::len).sum();
    assert_eq!(
        total as u64, info.packets,
        "{name}: every packet is UDP over IP"
    );
    let end = convs.values().flatten().copied().max().unwrap();

    // A silence of idle+1 s or more must end the flow, one shorter than
    // idle-1 s must not (the clock counts whole seconds: in between, either).
    let must = u128::from(idle + 1) * 1_000_000_000;
    let may = u128::from(idle - 1) * 1_000_000_000;
    let tmp = tempdir();
    let out = tmp.path().join("out");
    let (s, _) = timed_run(std::slice::from_ref(&src), &out, &["--idle-timeout", "5"]);
    let flows = ndjson(&out.join("flows.ndjson"));
    let mut records: BTreeMap<(End, End), Vec<&Value>> = BTreeMap::new();
    for f in &flows {
        assert_eq!(u(f, "proto"), 17, "{f}");
        let a = (f["a_ip"].as_str().unwrap().to_string(), u(f, "a_port"));
        let z = (f["z_ip"].as_str().unwrap().to_string(), u(f, "z_port"));
        let key = if a <= z { (a, z) } else { (z, a) };
        records.entry(key).or_default().push(f);
    }
    assert_eq!(
        records.keys().collect::<Vec<_>>(),
        convs.keys().collect::<Vec<_>>(),
        "{name}: 5-tuples of weir's flows vs tshark's"
    );

    let (mut must_timeouts, mut may_timeouts, mut must_splits) = (0, 0, 0);
    for (key, times) in &convs {
        let gaps = times.windows(2).map(|w| nanos_between(w[0], w[1]));
        let must_gaps = gaps.clone().filter(|&g| g >= must).count();
        let may_gaps = gaps.filter(|&g| g >= may).count();
        let tail = nanos_between(*times.last().unwrap(), end);
        must_splits += must_gaps;
        must_timeouts += must_gaps + usize::from(tail >= must);
        may_timeouts += may_gaps + usize::from(tail >= may);

        let mut recs = records[key].clone();
        recs.sort_by(|a, b| {
            a["first_ts"]
                .as_f64()
                .partial_cmp(&b["first_ts"].as_f64())
                .unwrap()
        });
        assert!(
            (1 + must_gaps..=1 + may_gaps).contains(&recs.len()),
            "{key:?}: {} flow records for gaps {:?} with idle timeout {idle} s",
            recs.len(),
            times
                .windows(2)
                .map(|w| nanos_between(w[0], w[1]))
                .collect::<Vec<_>>()
        );
        for r in &recs[..recs.len() - 1] {
            assert_eq!(
                r["end_reason"], "timeout",
                "{key:?}: a flow followed by another of the same 5-tuple: {r}"
            );
        }
        let packets: u64 = recs
            .iter()
            .map(|r| u(r, "az_packets") + u(r, "za_packets"))
            .sum();
        assert_eq!(
            packets,
            times.len() as u64,
            "{key:?}: packets over its flow records"
        );
    }
    assert!(
        must_splits > 0,
        "{name}: no silence long enough to test the idle timeout"
    );
    let timeouts = flows
        .iter()
        .filter(|f| f["end_reason"] == "timeout")
        .count();
    assert!(timeouts > 0);
    assert!(
        (must_timeouts..=may_timeouts).contains(&timeouts),
        "{name}: {timeouts} records ended by timeout, expected {must_timeouts}..={may_timeouts}"
    );
    assert_eq!(
        u(&s, "flows_timed_out"),
        timeouts as u64,
        "summary flows_timed_out vs records"
    );
    assert_eq!(
        accounted_packets(&out),
        info.packets,
        "{name}: packets in flows + non-IP + malformed"
    );
}

const COUNTERS: [&str; 6] = [
    "az_packets",
    "za_packets",
    "az_bytes",
    "za_bytes",
    "az_payload",
    "za_payload",
];

#[test]
fn active_timeout_writes_cumulative_interim_records() {
    let name = "http-bro-org.pcap";
    let active = 2.0;
    let src = pcap(name);
    let info = capinfos(&src);
    let longest = tsv(&oracle("http-bro-org").join("conv_tcp.tsv"))
        .iter()
        .map(|r| r["duration"].parse::<f64>().unwrap())
        .fold(0.0, f64::max);
    assert!(
        longest >= 3.0 * active,
        "{name}: no connection lasting 3 active timeouts (longest {longest} s)"
    );

    let tmp = tempdir();
    let out = tmp.path().join("out");
    timed_run(
        std::slice::from_ref(&src),
        &out,
        &["--active-timeout", "2", "--interval", "1"],
    );
    let flows = ndjson(&out.join("flows.ndjson"));
    let interim = flows.iter().filter(|f| f["end_reason"] == "active").count();
    assert!(
        interim > 0,
        "{name}: no interim (`active`) record with --active-timeout 2"
    );

    // In file order, a flow's interim records come before its final record;
    // every record of a flow carries totals since the flow began.
    let mut open: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for f in &flows {
        let id = f["flow_id"].as_str().unwrap().to_string();
        let earlier = open.entry(id.clone()).or_default();
        if let Some(prev) = earlier.last() {
            assert_eq!(
                prev["first_ts"], f["first_ts"],
                "{id}: first_ts changed between records"
            );
            for c in COUNTERS {
                assert!(
                    u(f, c) >= u(prev, c),
                    "{id}: {c} went down from {prev} to {f}"
                );
            }
            assert!(
                f["last_ts"].as_f64() >= prev["last_ts"].as_f64(),
                "{id}: last_ts went back from {prev} to {f}"
            );
        }
        if f["end_reason"] == "active" {
            earlier.push(f);
        } else {
            open.remove(&id);
        }
    }
    assert!(
        open.is_empty(),
        "interim records never followed by a final record: {:?}",
        open.keys()
    );

    // The final records are those of a run without interim records.
    let plain = tmp.path().join("out-plain");
    timed_run(std::slice::from_ref(&src), &plain, &["--interval", "1"]);
    let mut finals: Vec<String> = std::fs::read_to_string(out.join("flows.ndjson"))
        .unwrap()
        .lines()
        .filter(|l| serde_json::from_str::<Value>(l).unwrap()["end_reason"] != "active")
        .map(str::to_string)
        .collect();
    finals.sort();
    let want = sorted_lines(&plain.join("flows.ndjson"));
    assert!(want
        .iter()
        .all(|l| !l.contains("\"end_reason\":\"active\"")));
    assert_eq!(
        finals, want,
        "final records with interim records vs without"
    );
    assert_eq!(
        accounted_packets(&out),
        info.packets,
        "{name}: packets in final records + non-IP + malformed"
    );
}

/// The largest timeouts the CLI accepts (`u64::MAX` seconds) mean "never":
/// either the CLI refuses them as a usage error (exit 2), or the run gives
/// exactly the flow records of a run with the default timeouts (this capture
/// lasts 70 s: no flow reaches the default 120 s idle or 300 s active
/// timeout) and loses no packet.
#[test]
fn largest_timeouts_are_refused_or_mean_never() {
    let name = "ssh-guess.pcap";
    let src = pcap(name);
    let info = capinfos(&src);
    let (first, last) = (epoch_nanos(&info.first), epoch_nanos(&info.last));
    assert!(last.0 - first.0 < 100, "{name}: lasts more than 100 s");
    let tmp = tempdir();
    let plain = tmp.path().join("out-plain");
    timed_run(std::slice::from_ref(&src), &plain, &["--interval", "1"]);
    let want = sorted_lines(&plain.join("flows.ndjson"));
    assert!(!want.is_empty());
    let max = u64::MAX.to_string();
    for option in ["--active-timeout", "--idle-timeout"] {
        let out = tmp.path().join(format!("out{option}"));
        let o = run_on(
            std::slice::from_ref(&src),
            &out,
            &[
                "--quiet".into(),
                "--interval".into(),
                "1".into(),
                option.into(),
                max.clone(),
            ],
        );
        if o.status.code() == Some(2) {
            continue;
        }
        let what = format!("{name} --interval 1 {option} {max}");
        assert_eq!(
            o.status.code(),
            Some(0),
            "{what}: exit {:?}\nstderr:\n{}",
            o.status.code(),
            String::from_utf8_lossy(&o.stderr)
        );
        let s = summary(&out);
        assert_eq!(u(&s, "packets"), info.packets, "{what}: packets");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(
            !stderr.contains("panicked"),
            "{what}: a thread panicked:\n{stderr}"
        );
        assert_eq!(
            accounted_packets(&out),
            info.packets,
            "{what}: packets in final flow records + non-IP + malformed"
        );
        assert_eq!(
            sorted_lines(&out.join("flows.ndjson")),
            want,
            "{what}: flow records differ from the run with default timeouts"
        );
    }
}
