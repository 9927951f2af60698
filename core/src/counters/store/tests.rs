//! Meter-type semantics and the flush of the store, on hand-fed groups.

use super::*;
use crate::counters::group::{GroupDef, MeterDef};
use crate::counters::keys::KeyFormat;
use std::sync::{Arc, Mutex};

/// A `Write` whose bytes the test reads back.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Shared {
    fn lines(&self) -> Vec<serde_json::Value> {
        String::from_utf8(self.0.lock().unwrap().clone())
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

fn every_type() -> GroupDef {
    let kinds = [
        MeterType::Counter,
        MeterType::RateCounter,
        MeterType::Gauge,
        MeterType::RunningCounter,
        MeterType::Average,
        MeterType::DeltaRateCounter,
        MeterType::Maximum,
        MeterType::Minimum,
    ];
    GroupDef {
        guid: weir_plugin_api::Guid::from_u128(1),
        name: "Test".into(),
        description: String::new(),
        key_format: KeyFormat::Text,
        meters: kinds
            .iter()
            .map(|k| MeterDef::top(*k, k.as_str(), "units"))
            .collect(),
        topper_bucket_secs: 120,
        max_keys: 2,
    }
}

fn outputs() -> (CounterOutput, Shared, Shared) {
    let (c, t) = (Shared::default(), Shared::default());
    (
        CounterOutput::new(Box::new(c.clone()), Box::new(t.clone())),
        c,
        t,
    )
}

fn meters_of(lines: &[serde_json::Value], key: &str, start: u64) -> Vec<i64> {
    lines
        .iter()
        .find(|l| l["key"] == key && l["start_ts"] == start)
        .unwrap_or_else(|| panic!("no line for {key} at {start}"))["meters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect()
}

#[test]
fn meter_types_combine_as_documented() {
    let mut store = CounterStore::new(vec![every_type()], 60, &[]);
    let (mut out, counters, _) = outputs();
    // Interval [0, 60): feed 10, 30, 20 to every meter of "k".
    for v in [10, 30, 20] {
        for m in 0..8 {
            assert!(store.feed(0, "k", m, v));
        }
    }
    // Running counter: 60 fed above, then down to 1.
    store.feed(0, "k", 3, -59);
    store.flush(60, false, &mut out);
    // Interval [60, 120): the delta counter grows from 20 (last value) to 50.
    store.feed(0, "k", 5, 35);
    store.feed(0, "k", 5, 50);
    store.feed(0, "k", 3, 2);
    store.flush(120, false, &mut out);
    // Interval [120, 180): the delta counter was reset to 7; the running
    // counter is asked to go below 0 and stays at 0.
    store.feed(0, "k", 5, 7);
    store.feed(0, "k", 3, -10);
    store.flush(180, true, &mut out);
    let lines = counters.lines();
    // COUNTER, RATE: sums; GAUGE: last; RUNNING: running total (60 - 59);
    // AVERAGE: mean; DELTA: last - first in a key's first interval; MAX; MIN.
    assert_eq!(
        meters_of(&lines, "k", 0),
        vec![60, 60, 20, 1, 20, 10, 30, 10]
    );
    // The running total carries (1 + 2); the delta is 50 - 20; other
    // meters had no values: 0.
    assert_eq!(meters_of(&lines, "k", 60), vec![0, 0, 0, 3, 0, 30, 0, 0]);
    // A counter that went backwards counts from 0; a level stops at 0.
    assert_eq!(meters_of(&lines, "k", 120)[5], 7);
    assert_eq!(meters_of(&lines, "k", 120)[3], 0);
    assert_eq!(lines[0]["key"], GROUP_TOTALS_KEY, "totals come first");
    assert_eq!(lines[0]["interval"], 60);
    assert!(!store.feed(0, "k", 8, 1), "no meter 8");
    assert!(!store.feed(1, "k", 0, 1), "no group 1");
}

#[test]
fn key_cap_keeps_totals_whole_and_counts_drops() {
    let mut store = CounterStore::new(vec![every_type()], 60, &[0]);
    let (mut out, counters, toppers) = outputs();
    for (k, v) in [("a", 5), ("b", 7), ("c", 100), ("d", 1)] {
        store.feed(0, k, 0, v);
    }
    store.flush(60, false, &mut out);
    let lines = counters.lines();
    let keys: Vec<&str> = lines.iter().map(|l| l["key"].as_str().unwrap()).collect();
    assert_eq!(keys, vec![GROUP_TOTALS_KEY, "a", "b"]);
    assert_eq!(meters_of(&lines, GROUP_TOTALS_KEY, 0)[0], 113);
    let stats = &store.stats()[0].1;
    assert_eq!((stats.dropped_keys, stats.max_keys, stats.rows), (2, 2, 3));
    // Next interval: c and d find room again.
    store.feed(0, "c", 0, 1);
    store.flush(120, true, &mut out);
    // Toppers of meter 0 over the 120 s bucket [0, 120): b 7, a 5, c 1.
    let top: Vec<(String, i64, u64)> = toppers
        .lines()
        .iter()
        .filter(|l| l["meter"] == 0)
        .map(|l| {
            (
                l["key"].as_str().unwrap().to_string(),
                l["value"].as_i64().unwrap(),
                l["start_ts"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        top,
        vec![("b".into(), 7, 0), ("a".into(), 5, 0), ("c".into(), 1, 0)]
    );
    let run = store.run_top(0, 2);
    assert_eq!(
        run.iter()
            .map(|r| (r.key.as_str(), r.value))
            .collect::<Vec<_>>(),
        vec![("b", 7), ("a", 5)]
    );
}

#[test]
fn topper_buckets_close_on_their_boundary_or_when_skipped() {
    let mut store = CounterStore::new(vec![every_type()], 60, &[]);
    assert_eq!(store.topper_bucket(0), 120);
    let (mut out, _, toppers) = outputs();
    store.feed(0, "a", 0, 1);
    store.flush(60, false, &mut out);
    assert!(toppers.lines().is_empty(), "bucket [0,120) still open");
    // The next interval with data is [240, 300): bucket [0,120) closes first.
    store.feed(0, "a", 0, 2);
    store.flush(300, false, &mut out);
    let starts: Vec<u64> = toppers
        .lines()
        .iter()
        .filter(|l| l["meter"] == 0)
        .map(|l| l["start_ts"].as_u64().unwrap())
        .collect();
    assert_eq!(starts, vec![0]);
    store.flush(360, true, &mut out);
    let values: Vec<(u64, i64)> = toppers
        .lines()
        .iter()
        .filter(|l| l["meter"] == 0)
        .map(|l| {
            (
                l["start_ts"].as_u64().unwrap(),
                l["value"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(values, vec![(0, 1), (240, 2)]);
}
