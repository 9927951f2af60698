//! Stopping cleanly (issue "Packets from anywhere", point 2, file mode):
//! SIGINT or SIGTERM stops reading, every flow read so far is flushed (each
//! line whole), plugins drain, `summary.json` is written and weir exits 0;
//! a second signal exits at once with 130.
//!
//! The long input is one shared capture given 300 times (the files are one
//! stream), so the run lasts long enough to be interrupted. Signals are sent
//! with the `kill` command.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

const COPIES: usize = 300;

fn spawn_long_run(out: &std::path::Path, extra: &[String]) -> Child {
    let mut cmd = Command::new(weir());
    cmd.arg("run").arg("--quiet").arg("--out").arg(out);
    for _ in 0..COPIES {
        cmd.arg("--pcap").arg(pcap("web-browse-2013.pcap"));
    }
    cmd.args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot start weir")
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(child.id().to_string())
        .status()
        .expect("cannot run kill");
    assert!(status.success(), "kill -{name} failed");
}

/// CPU time the process has used, in clock ticks (`/proc/PID/stat`
/// utime + stime).
fn cpu_ticks(child: &Child) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", child.id())).unwrap_or_default();
    // Fields after the command name (which is in parentheses).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    tick(11) + tick(12)
}

/// Waits until the run is well under way (it has used `ticks` clock ticks
/// of CPU: start-up takes far less), at most 20 s.
fn wait_until_reading(child: &Child, ticks: u64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if cpu_ticks(child) >= ticks {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("the run did not get going within 20 s");
}

fn check_clean_stop(sig: &str) {
    let dir = tempdir();
    let out = dir.path().join("out");
    let child = spawn_long_run(&out, &[]);
    wait_until_reading(&child, 20);
    signal(&child, sig);
    let done = child.wait_with_output().unwrap();
    assert_eq!(
        done.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let s = summary(&out);
    assert_eq!(s["stopped_early"], true);
    let total = 4631 * COPIES as u64;
    let packets = s["packets"].as_u64().unwrap();
    assert!(
        packets > 0 && packets < total,
        "stopped early: {packets} of {total}"
    );
    // Every line is whole JSON, and every record the summary counts is there.
    let text = std::fs::read_to_string(out.join("flows.ndjson")).unwrap();
    assert!(text.ends_with('\n'));
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a whole line"))
        .collect();
    assert_eq!(lines.len() as u64, s["flow_records"].as_u64().unwrap());
    // Nothing read was lost: every flow created was flushed with a final
    // record (the end of input ends every live flow).
    let finals = lines.iter().filter(|l| l["end_reason"] != "active").count() as u64;
    assert_eq!(finals, s["flows"].as_u64().unwrap());
    // Counter groups were flushed too: the Hosts totals hold every byte read.
    let hosts_bytes: u64 = ndjson(&out.join("counters.ndjson"))
        .iter()
        .filter(|l| l["group"] == "Aggregates" && l["key"] == "TOTALBW")
        .map(|l| l["meters"][0].as_u64().unwrap())
        .sum();
    assert_eq!(hosts_bytes, s["bytes"].as_u64().unwrap());
}

#[test]
fn sigint_during_a_file_run_flushes_everything_read_and_exits_0() {
    check_clean_stop("INT");
}

#[test]
fn sigterm_during_a_file_run_flushes_everything_read_and_exits_0() {
    check_clean_stop("TERM");
}

#[test]
fn a_second_signal_exits_at_once() {
    let dir = tempdir();
    let out = dir.path().join("out");
    // A plugin that sleeps 20 ms per new flow and flushed flow: draining
    // its queue after the first signal takes many seconds.
    let slow = format!("{}:sleep_ms=20", plugin("testkit").display());
    let child = spawn_long_run(&out, &["--plugin".into(), slow]);
    wait_until_reading(&child, 5);
    signal(&child, "INT");
    std::thread::sleep(Duration::from_millis(300));
    let sent = Instant::now();
    signal(&child, "INT");
    let done = child.wait_with_output().unwrap();
    assert_eq!(done.status.code(), Some(130));
    assert!(
        sent.elapsed() < Duration::from_secs(5),
        "exited at once: {:?}",
        sent.elapsed()
    );
}
