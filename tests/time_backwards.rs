//! Time that goes backwards (issue "Packets from anywhere", point 8): the
//! stream clock stays monotonic, and packets older than it are counted and
//! reported, with one warning per input file, without making the run end
//! "with warnings" (nothing is lost).

mod common;

use common::*;

#[test]
fn a_later_file_older_than_the_clock_is_counted_and_named_once() {
    let dir = tempdir();
    let out = dir.path().join("out");
    let newer = pcap("alexa-app-mixed.pcapng");
    let older = pcap("web-browse-2013.pcap");
    let run = run_on(&[newer.clone(), older.clone()], &out, &[]);
    expect_code(&run, 0);
    let s = summary(&out);
    // Every packet of the 2013 file is older than the 2017 file's last one.
    let older_info = capinfos(&older);
    assert_eq!(s["packets_behind_clock"], older_info.packets);
    // The worst lag: from the newer file's last packet to the older's first.
    let last_new = *packet_times(&newer).iter().max().unwrap();
    let first_old = *packet_times(&older).iter().min().unwrap();
    let lag = (last_new.0 - first_old.0) as f64 + (last_new.1 as f64 - first_old.1 as f64) / 1e9;
    let got = s["max_behind_clock_secs"].as_f64().unwrap();
    assert!((got - lag).abs() < 1e-5, "{got} vs {lag}");
    let warnings: Vec<&str> = s["clock_warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].starts_with(&older.display().to_string()));
    assert!(warnings[0].contains(&format!(
        "{} packets older than the stream clock",
        older_info.packets
    )));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(
        stderr.matches("older than the stream clock").count(),
        2,
        "one line, and the summary's"
    );
}

#[test]
fn files_in_time_order_report_nothing() {
    let dir = tempdir();
    let out = dir.path().join("out");
    let run = run_on(
        &[pcap("web-browse-2013.pcap"), pcap("alexa-app-mixed.pcapng")],
        &out,
        &[],
    );
    expect_code(&run, 0);
    let s = summary(&out);
    assert_eq!(s["packets_behind_clock"], 0);
    assert!(s["clock_warnings"].as_array().unwrap().is_empty());
}
