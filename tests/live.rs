//! Live capture (issue 7, point 1): `weir run --interface IF`.
//!
//! No outside network is touched: each test makes two network namespaces
//! joined by a veth pair (MTU 9000, above the largest frame replayed; IPv6
//! off, so the kernel sends nothing of its own), replays shared captures
//! into one end with `tcpreplay` and captures the other end with weir,
//! inside its namespace. The namespaces (and so the veth pair) are deleted
//! when the test ends, also when it fails.
//!
//! Flows (per 5-tuple and VLANs: packets and bytes each way) must equal
//! those of the offline run over the same files, except for frames the
//! kernel reports dropped: with and without `--filter`, on two interfaces at
//! once, on loopback, and with a plugin too slow for the traffic. SIGINT
//! mid-capture flushes every flow and writes the summary. Needs root, `ip` (iproute2) and `tcpreplay`: a
//! missing tool fails the test.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

/// Captures replayed (frames of at most 4918 bytes; VLAN, QinQ, IPv6).
const REPLAYED: [&str; 5] = [
    "vlan-qinq-http.pcap",
    "web-browse-2013.pcap",
    "tls13-ipv6-sni.pcap",
    "dns-edns-v4v6.pcap",
    "icmp6-types.pcap",
];

/// Replay rate, packets per second: slow enough that the veth's receive
/// backlog (whose drops no socket counter sees) never overflows.
const PPS: &str = "3000";

/// Runs a command, failing the test (naming it) when it is missing or fails.
fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} ({e}): install it (iproute2, tcpreplay)"));
    assert!(
        out.status.success(),
        "`{program} {}` failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Two namespaces, `a` (veth0, the sender) and `b` (veth1, where weir
/// captures), deleted on drop.
struct Net {
    a: String,
    b: String,
}

impl Net {
    fn new() -> Net {
        Net::pairs(1)
    }

    /// `pairs` veth pairs: veth0/veth1, veth2/veth3, ... (even ends in `a`).
    fn pairs(pairs: usize) -> Net {
        static N: AtomicUsize = AtomicUsize::new(0);
        let id = format!(
            "weir{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let net = Net {
            a: format!("{id}a"),
            b: format!("{id}b"),
        };
        for ns in [&net.a, &net.b] {
            run("ip", &["netns", "add", ns]);
            // No IPv6 autoconfiguration, router or neighbour chatter.
            run(
                "ip",
                &[
                    "netns",
                    "exec",
                    ns,
                    "sysctl",
                    "-qw",
                    "net.ipv6.conf.all.disable_ipv6=1",
                    "net.ipv6.conf.default.disable_ipv6=1",
                ],
            );
        }
        for p in 0..pairs {
            let (here, there) = (format!("veth{}", 2 * p), format!("veth{}", 2 * p + 1));
            run(
                "ip",
                &[
                    "-n", &net.a, "link", "add", &here, "mtu", "9000", "type", "veth", "peer",
                    "name", &there, "netns", &net.b, "mtu", "9000",
                ],
            );
            run("ip", &["-n", &net.a, "link", "set", &here, "up"]);
            run("ip", &["-n", &net.b, "link", "set", &there, "up"]);
        }
        net
    }

    /// `promiscuity N` of veth1 (how many asked for promiscuous mode).
    fn promiscuity(&self) -> u64 {
        let text = run("ip", &["-d", "-n", &self.b, "link", "show", "veth1"]);
        let after = text
            .split("promiscuity ")
            .nth(1)
            .unwrap_or_else(|| panic!("no promiscuity in {text}"));
        after.split_whitespace().next().unwrap().parse().unwrap()
    }

    /// Starts weir on veth1 (inside namespace b).
    fn weir(&self, out: &Path, extra: &[&str]) -> Child {
        self.weir_on(&["veth1"], out, extra)
    }

    /// Starts weir on `interfaces` (inside namespace b).
    fn weir_on(&self, interfaces: &[&str], out: &Path, extra: &[&str]) -> Child {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.b])
            .arg(weir())
            .args(["run", "--quiet"]);
        for i in interfaces {
            cmd.args(["--interface", i]);
        }
        cmd.args(["--interval", "1", "--out"])
            .arg(out)
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot start ip netns exec weir")
    }

    /// `tcpreplay` of `files` into veth0, started.
    fn replay(&self, files: &[PathBuf], extra: &[&str]) -> Child {
        self.replay_on("veth0", files, extra)
    }

    /// `tcpreplay` of `files` into `interface` (in namespace a), started.
    fn replay_on(&self, interface: &str, files: &[PathBuf], extra: &[&str]) -> Child {
        Command::new("ip")
            .args(["netns", "exec", &self.a, "tcpreplay", "-q", "-i", interface])
            .args(["--pps", PPS])
            .args(extra)
            .args(files)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot start tcpreplay (install tcpreplay)")
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        for ns in [&self.a, &self.b] {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}

/// Waits until weir has written its first `capture.ndjson` line (its
/// sockets are open and an interval has ended), at most 20 s.
fn wait_capturing(out: &Path, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(text) = std::fs::read_to_string(out.join("capture.ndjson")) {
            if text.contains('\n') {
                return;
            }
        }
        if let Ok(Some(status)) = child.try_wait() {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                use std::io::Read;
                let _ = e.read_to_string(&mut err);
            }
            panic!("weir exited early ({status}): {err}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("weir did not start capturing within 20 s");
}

/// Waits until the received counter reaches `packets` (or 20 s pass).
fn wait_received(out: &Path, packets: u64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if received_so_far(out) >= packets {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn received_so_far(out: &Path) -> u64 {
    std::fs::read_to_string(out.join("capture.ndjson"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .map(|l| l["received"].as_u64().unwrap_or(0))
        .sum()
}

fn interrupt(child: Child) -> Output {
    let status = Command::new("kill")
        .arg("-INT")
        .arg(child.id().to_string())
        .status()
        .expect("cannot run kill");
    assert!(status.success(), "kill -INT failed");
    child.wait_with_output().unwrap()
}

fn finish_replay(replay: Child) {
    let done = replay.wait_with_output().unwrap();
    assert!(
        done.status.success(),
        "tcpreplay failed: {}",
        String::from_utf8_lossy(&done.stderr)
    );
}

/// (proto, VLANs, lower end, higher end) -> packets and bytes each way,
/// summed over final records (interim `active` ones are cumulative).
type Flows = BTreeMap<(u64, String, (String, u64), (String, u64)), [u64; 4]>;

fn flow_table(out: &Path) -> Flows {
    let mut t = Flows::new();
    for f in ndjson(&out.join("flows.ndjson")) {
        if f["end_reason"] == "active" {
            continue;
        }
        let u = |k: &str| f[k].as_u64().unwrap();
        let a = (f["a_ip"].as_str().unwrap().to_string(), u("a_port"));
        let z = (f["z_ip"].as_str().unwrap().to_string(), u("z_port"));
        let (az, za) = (
            [u("az_packets"), u("az_bytes")],
            [u("za_packets"), u("za_bytes")],
        );
        let (lo, hi, fwd, rev) = if a <= z {
            (a, z, az, za)
        } else {
            (z, a, za, az)
        };
        let e = t
            .entry((u("proto"), f["vlan"].to_string(), lo, hi))
            .or_default();
        e[0] += fwd[0];
        e[1] += fwd[1];
        e[2] += rev[0];
        e[3] += rev[1];
    }
    t
}

/// Live flows equal offline ones, but for frames the kernel dropped.
fn assert_same_flows(live_out: &Path, offline_out: &Path, what: &str) {
    let live = summary(live_out);
    let offline = summary(offline_out);
    let kernel_dropped = live["capture"]["kernel_dropped"].as_u64().unwrap();
    let (l, o) = (flow_table(live_out), flow_table(offline_out));
    assert!(!o.is_empty(), "{what}: the offline run has flows");
    if kernel_dropped == 0 {
        assert_eq!(live["packets"], offline["packets"], "{what}: packets");
        assert_eq!(live["bytes"], offline["bytes"], "{what}: bytes");
        assert_eq!(l, o, "{what}: flows (5-tuple, VLANs, packets, bytes)");
    } else {
        let mut missing = 0;
        for (k, want) in &o {
            let got = l.get(k).copied().unwrap_or_default();
            assert!(got[0] <= want[0] && got[2] <= want[2], "{what}: {k:?}");
            missing += want[0] - got[0] + want[2] - got[2];
        }
        assert!(
            l.keys().all(|k| o.contains_key(k)),
            "{what}: no flow of its own"
        );
        assert!(
            missing <= kernel_dropped,
            "{what}: {missing} lost, {kernel_dropped} reported"
        );
    }
    // Per-interval statistics add up to the totals.
    let lines = ndjson(&live_out.join("capture.ndjson"));
    let sum = |k: &str| lines.iter().map(|l| l[k].as_u64().unwrap()).sum::<u64>();
    assert_eq!(
        sum("received"),
        live["capture"]["received"].as_u64().unwrap()
    );
    assert_eq!(sum("kernel_dropped"), kernel_dropped);
    assert_eq!(live["capture"]["received"], live["packets"], "{what}");
}

fn offline(files: &[PathBuf], out: &Path, extra: &[String]) {
    let run = run_on(files, out, extra);
    expect_code(&run, 0);
}

/// Three captures at once on one replay: no filter, `tcp port 80` and
/// `vlan and tcp port 80` (the kernel takes the tag off; weir puts it back
/// and filters as on the file).
#[test]
fn live_flows_equal_the_offline_run_with_and_without_a_filter() {
    let net = Net::new();
    let dir = tempdir();
    let files: Vec<PathBuf> = REPLAYED.iter().map(|n| pcap(n)).collect();
    let filters = ["", "tcp port 80", "vlan and tcp port 80"];
    let args = |f: &str| -> Vec<String> {
        if f.is_empty() {
            vec![]
        } else {
            vec!["--filter".into(), f.into()]
        }
    };
    let mut runs = Vec::new();
    for (i, f) in filters.iter().enumerate() {
        let off = dir.path().join(format!("offline{i}"));
        offline(&files, &off, &args(f));
        let expected = summary(&off)["packets"].as_u64().unwrap();
        let out = dir.path().join(format!("live{i}"));
        let extra = args(f);
        let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
        let mut child = net.weir(&out, &extra);
        wait_capturing(&out, &mut child);
        runs.push((out, off, expected, child));
    }
    assert_eq!(net.promiscuity(), 3, "promiscuous mode is on by default");
    finish_replay(net.replay(&files, &[]));
    for (i, (out, off, expected, child)) in runs.into_iter().enumerate() {
        // Everything sent has been read (or dropped) before the stop.
        wait_received(&out, expected);
        let done = interrupt(child);
        assert_eq!(
            done.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&done.stderr)
        );
        assert_same_flows(&out, &off, &format!("filter {:?}", filters[i]));
        let s = summary(&out);
        assert_eq!(s["stopped_early"], true);
        assert_eq!(s["capture"]["interfaces"][0]["interface"], "veth1");
        if !filters[i].is_empty() {
            assert_eq!(s["filter"], filters[i]);
        }
    }
    // The VLAN copies of the connection kept their tags, QinQ both.
    let vlans: Vec<String> = flow_table(&dir.path().join("live0"))
        .keys()
        .map(|k| k.1.clone())
        .collect();
    for v in ["[42]", "[10,20]", "[]"] {
        assert!(vlans.iter().any(|x| x == v), "a flow with VLANs {v}");
    }
    assert!(
        flow_table(&dir.path().join("live2"))
            .keys()
            .all(|k| k.1 == "[42]"),
        "'vlan and tcp port 80' keeps only the once-tagged copy"
    );
    assert_eq!(
        net.promiscuity(),
        0,
        "promiscuous mode ends with the capture"
    );
}

/// SIGINT in the middle of a capture: exit 0, every flow seen so far is in
/// `flows.ndjson` (a final record each), the summary is written.
#[test]
fn sigint_mid_capture_flushes_every_flow_and_writes_the_summary() {
    let net = Net::new();
    let dir = tempdir();
    let out = dir.path().join("live");
    let mut child = net.weir(&out, &["--no-promisc"]);
    wait_capturing(&out, &mut child);
    assert_eq!(net.promiscuity(), 0, "--no-promisc");
    // About 15 s of traffic; interrupted after the first 1000 frames.
    let mut replay = net.replay(&[pcap("web-browse-2013.pcap")], &["--loop", "10"]);
    wait_received(&out, 1000);
    let done = interrupt(child);
    let _ = replay.kill();
    let _ = replay.wait();
    assert_eq!(
        done.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let s = summary(&out);
    assert_eq!(s["stopped_early"], true);
    let packets = s["packets"].as_u64().unwrap();
    assert!(
        (1000..46310).contains(&packets),
        "stopped mid-capture: {packets}"
    );
    assert_eq!(s["capture"]["received"].as_u64().unwrap(), packets);
    let text = std::fs::read_to_string(out.join("flows.ndjson")).unwrap();
    assert!(text.ends_with('\n'));
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a whole line"))
        .collect();
    assert_eq!(lines.len() as u64, s["flow_records"].as_u64().unwrap());
    let finals: Vec<&Value> = lines
        .iter()
        .filter(|l| l["end_reason"] != "active")
        .collect();
    assert_eq!(finals.len() as u64, s["flows"].as_u64().unwrap());
    // Every IP packet read is in a final record.
    let in_flows: u64 = finals
        .iter()
        .map(|f| f["az_packets"].as_u64().unwrap() + f["za_packets"].as_u64().unwrap())
        .sum();
    let malformed: u64 = s["decode_errors"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(
        in_flows,
        packets - s["non_ip"].as_u64().unwrap() - malformed
    );
}

/// A bad interface is one error naming it, exit 1, before anything runs.
#[test]
fn a_missing_interface_is_an_error_naming_it() {
    let net = Net::new();
    let dir = tempdir();
    let out = Command::new("ip")
        .args(["netns", "exec", &net.b])
        .arg(weir())
        .args(["run", "--interface", "nosuch0", "--out"])
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    expect_code(&out, 1);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "weir: --interface nosuch0: no such interface"
    );
}

/// `--interface` and `--pcap` do not mix (a usage error).
#[test]
fn interface_and_pcap_do_not_mix() {
    let dir = tempdir();
    let out = run_weir(&[
        "run".to_string(),
        "--interface".into(),
        "lo".into(),
        "--pcap".into(),
        pcap("dns-mixed.pcap").display().to_string(),
        "--out".into(),
        dir.path().join("out").display().to_string(),
    ]);
    expect_code(&out, 2);
}

/// A plugin far slower than the traffic (5 ms per flow callback, a queue of
/// one event): in live mode its events are dropped and counted, and the
/// packet path never waits for it, so the flows are still those of the
/// offline run.
#[test]
fn a_slow_plugin_loses_events_not_packets() {
    let net = Net::new();
    let dir = tempdir();
    let files = vec![pcap("web-browse-2013.pcap")];
    let off = dir.path().join("offline");
    offline(&files, &off, &[]);
    let out = dir.path().join("live");
    let slow = format!("{}:sleep_ms=5,weir.queue=1", plugin("testkit").display());
    let mut child = net.weir(&out, &["--plugin", &slow]);
    wait_capturing(&out, &mut child);
    finish_replay(net.replay(&files, &[]));
    wait_received(&out, 4631);
    let done = interrupt(child);
    assert_eq!(
        done.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let s = summary(&out);
    let dropped = s["plugins"][0]["dropped_events"].as_u64().unwrap();
    assert!(
        dropped > 0,
        "the slow plugin lost events: {}",
        s["plugins"][0]
    );
    assert_eq!(s["plugins"][0]["backpressure"], 0, "nothing ever waited");
    assert_eq!(s["capture"]["queue_dropped"].as_u64().unwrap(), dropped);
    let per_interval: u64 = ndjson(&out.join("capture.ndjson"))
        .iter()
        .map(|l| l["queue_dropped"].as_u64().unwrap())
        .sum();
    assert!(
        per_interval <= dropped && per_interval > 0,
        "per interval too"
    );
    assert_same_flows(&out, &off, "slow plugin");
}

/// Two interfaces in one run: each gets its own capture, flows are those of
/// both files, and the statistics are per interface.
#[test]
fn two_interfaces_are_one_stream() {
    let net = Net::pairs(2);
    let dir = tempdir();
    let (x, y) = (pcap("vlan-qinq-http.pcap"), pcap("dns-mixed.pcap"));
    let off = dir.path().join("offline");
    offline(&[x.clone(), y.clone()], &off, &[]);
    let out = dir.path().join("live");
    let mut child = net.weir_on(&["veth1", "veth3"], &out, &[]);
    wait_capturing(&out, &mut child);
    let rx = net.replay_on("veth0", std::slice::from_ref(&x), &[]);
    let ry = net.replay_on("veth2", std::slice::from_ref(&y), &[]);
    finish_replay(rx);
    finish_replay(ry);
    wait_received(&out, 42 + 464);
    let done = interrupt(child);
    assert_eq!(
        done.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let s = summary(&out);
    let per: Vec<(String, u64)> = s["capture"]["interfaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["interface"].as_str().unwrap().to_string(),
                i["received"].as_u64().unwrap() + i["kernel_dropped"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(per, [("veth1".to_string(), 42), ("veth3".to_string(), 464)]);
    // Per-5-tuple sums do not depend on how the two streams interleaved
    // (the files share no flow).
    assert_same_flows(&out, &off, "two interfaces");
}

/// On loopback the kernel shows each frame leaving and arriving; weir
/// takes it once (`PACKET_IGNORE_OUTGOING`). Replayed onto `lo` inside a
/// namespace of its own.
#[test]
fn loopback_frames_are_seen_once() {
    let net = Net::pairs(0);
    let dir = tempdir();
    let files = vec![pcap("dns-mixed.pcap")];
    let off = dir.path().join("offline");
    offline(&files, &off, &[]);
    run("ip", &["-n", &net.b, "link", "set", "lo", "up"]);
    let out = dir.path().join("live");
    let mut child = net.weir_on(&["lo"], &out, &[]);
    wait_capturing(&out, &mut child);
    let replay = Command::new("ip")
        .args(["netns", "exec", &net.b, "tcpreplay", "-q", "-i", "lo"])
        .args(["--pps", PPS])
        .args(&files)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot start tcpreplay (install tcpreplay)");
    finish_replay(replay);
    wait_received(&out, 464);
    let done = interrupt(child);
    assert_eq!(
        done.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert_same_flows(&out, &off, "loopback");
    assert_eq!(summary(&out)["capture"]["interfaces"][0]["interface"], "lo");
}

/// No traffic at all: intervals still end on the wall clock (one
/// `capture.ndjson` line a second, consecutive), and SIGTERM ends the run at
/// once (the source never blocks for more than its poll period).
#[test]
fn a_silent_interface_ticks_on_the_wall_clock_and_stops_on_sigterm() {
    let net = Net::new();
    let dir = tempdir();
    let out = dir.path().join("live");
    let wall = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    };
    let began = wall();
    let mut child = net.weir(&out, &[]);
    wait_capturing(&out, &mut child);
    std::thread::sleep(Duration::from_millis(2500));
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .expect("cannot run kill");
    assert!(status.success());
    let sent = Instant::now();
    let done = child.wait_with_output().unwrap();
    assert!(
        sent.elapsed() < Duration::from_secs(2),
        "stopped at once: {:?}",
        sent.elapsed()
    );
    assert_eq!(
        done.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let s = summary(&out);
    assert_eq!(s["packets"], 0);
    assert_eq!(s["stopped_early"], true);
    let starts: Vec<u64> = ndjson(&out.join("capture.ndjson"))
        .iter()
        .map(|l| l["start_ts"].as_u64().unwrap())
        .collect();
    assert!(starts.len() >= 3, "an interval a second: {starts:?}");
    for w in starts.windows(2) {
        assert_eq!(w[1], w[0] + 1, "consecutive seconds: {starts:?}");
    }
    assert!(
        starts[0] + 1 >= began && *starts.last().unwrap() <= wall(),
        "wall time: {starts:?} from {began}"
    );
}

/// Without CAP_NET_RAW the one error says what is missing. (Root with an
/// empty capability bounding set: the binary stays readable wherever the
/// checkout is.)
#[test]
fn without_privileges_the_error_says_what_is_needed() {
    let dir = tempdir();
    let out = Command::new("setpriv")
        .args(["--bounding-set=-all", "--inh-caps=-all"])
        .arg(weir())
        .args(["run", "--interface", "lo", "--out"])
        .arg(dir.path().join("out"))
        .output()
        .expect("cannot run setpriv (util-linux)");
    expect_code(&out, 1);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "weir: --interface lo: cannot open a packet socket (needs root or CAP_NET_RAW): Operation not permitted (os error 1)"
    );
}
