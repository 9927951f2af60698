//! The `counters` module deals with `counters.ndjson` and `toppers.ndjson`
//! (schemas in `docs/OUTPUTS.md`).
//!
//! `counters.ndjson`: one line per group, key and interval: `group_guid`,
//! `group`, `key` (Trisul format), `label`, `start_ts` (seconds), `interval`
//! (seconds), `meters` (raw volumes, indexed by meter id). Every group that
//! had traffic writes its `SYS:GROUP_TOTALS` line first, then its keys in
//! key order.
//!
//! `toppers.ndjson`: one line per group, meter, topper bucket and rank:
//! `group_guid`, `group`, `meter`, `meter_name`, `start_ts`, `bucket`
//! (seconds), `rank` (from 1), `key`, `label`, `value`.

use std::io::{self, Write};

use super::{push_i64, push_json_str, push_u64};

/// One line of `counters.ndjson`.
#[derive(Debug)]
pub struct CounterRow<'a> {
    /// Group GUID, `{...}` upper case.
    pub group_guid: &'a str,
    /// Group name.
    pub group: &'a str,
    /// Trisul key.
    pub key: &'a str,
    /// Label.
    pub label: &'a str,
    /// Start of the interval, seconds.
    pub start_ts: u64,
    /// Interval length, seconds.
    pub interval: u64,
    /// Raw volumes by meter id.
    pub meters: &'a [i64],
}

/// One line of `toppers.ndjson`.
#[derive(Debug)]
pub struct TopperRow<'a> {
    /// Group GUID.
    pub group_guid: &'a str,
    /// Group name.
    pub group: &'a str,
    /// Meter id.
    pub meter: usize,
    /// Meter name.
    pub meter_name: &'a str,
    /// Start of the topper bucket, seconds.
    pub start_ts: u64,
    /// Topper bucket length, seconds.
    pub bucket: u64,
    /// Rank, from 1.
    pub rank: usize,
    /// Trisul key.
    pub key: &'a str,
    /// Label.
    pub label: &'a str,
    /// The meter's value over the bucket.
    pub value: i64,
}

/// Appends the line of `row` (with its newline).
pub fn push_counter_line(out: &mut String, row: &CounterRow<'_>) {
    out.push_str("{\"group_guid\":\"");
    out.push_str(row.group_guid);
    out.push_str("\",\"group\":");
    push_json_str(out, row.group);
    out.push_str(",\"key\":");
    push_json_str(out, row.key);
    out.push_str(",\"label\":");
    push_json_str(out, row.label);
    out.push_str(",\"start_ts\":");
    push_u64(out, row.start_ts);
    out.push_str(",\"interval\":");
    push_u64(out, row.interval);
    out.push_str(",\"meters\":[");
    for (i, v) in row.meters.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_i64(out, *v);
    }
    out.push_str("]}\n");
}

/// Appends the line of `row` (with its newline).
pub fn push_topper_line(out: &mut String, row: &TopperRow<'_>) {
    out.push_str("{\"group_guid\":\"");
    out.push_str(row.group_guid);
    out.push_str("\",\"group\":");
    push_json_str(out, row.group);
    out.push_str(",\"meter\":");
    push_u64(out, row.meter as u64);
    out.push_str(",\"meter_name\":");
    push_json_str(out, row.meter_name);
    out.push_str(",\"start_ts\":");
    push_u64(out, row.start_ts);
    out.push_str(",\"bucket\":");
    push_u64(out, row.bucket);
    out.push_str(",\"rank\":");
    push_u64(out, row.rank as u64);
    out.push_str(",\"key\":");
    push_json_str(out, row.key);
    out.push_str(",\"label\":");
    push_json_str(out, row.label);
    out.push_str(",\"value\":");
    push_i64(out, row.value);
    out.push_str("}\n");
}

/// The two files' writers. The first write error is kept and reported at
/// the end of the run; later lines are dropped.
pub struct CounterOutput {
    counters: Box<dyn Write + Send>,
    toppers: Box<dyn Write + Send>,
    line: String,
    /// The first write error, with the file it happened on.
    pub error: Option<String>,
}

impl CounterOutput {
    /// Writers for `counters.ndjson` and `toppers.ndjson`.
    pub fn new(counters: Box<dyn Write + Send>, toppers: Box<dyn Write + Send>) -> CounterOutput {
        CounterOutput {
            counters,
            toppers,
            line: String::with_capacity(256),
            error: None,
        }
    }

    /// A sink that discards everything (for embedding without files).
    pub fn discard() -> CounterOutput {
        CounterOutput::new(Box::new(io::sink()), Box::new(io::sink()))
    }

    /// Writes one `counters.ndjson` line.
    pub fn counter(&mut self, row: &CounterRow<'_>) {
        self.line.clear();
        push_counter_line(&mut self.line, row);
        if self.error.is_none() {
            if let Err(e) = self.counters.write_all(self.line.as_bytes()) {
                self.error = Some(format!("counters.ndjson: {e}"));
            }
        }
    }

    /// Writes one `toppers.ndjson` line.
    pub fn topper(&mut self, row: &TopperRow<'_>) {
        self.line.clear();
        push_topper_line(&mut self.line, row);
        if self.error.is_none() {
            if let Err(e) = self.toppers.write_all(self.line.as_bytes()) {
                self.error = Some(format!("toppers.ndjson: {e}"));
            }
        }
    }

    /// Flushes both files.
    pub fn flush(&mut self) {
        for (name, w) in [
            ("counters.ndjson", &mut self.counters),
            ("toppers.ndjson", &mut self.toppers),
        ] {
            if let Err(e) = w.flush() {
                self.error.get_or_insert(format!("{name}: {e}"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_json() {
        let mut s = String::new();
        push_counter_line(
            &mut s,
            &CounterRow {
                group_guid: "{4CD742B1-C1CA-4708-BE78-0FCA2EB01A86}",
                group: "Hosts",
                key: "C0.A8.01.04",
                label: "192.168.1.4",
                start_ts: 60,
                interval: 60,
                meters: &[10, -1, 0],
            },
        );
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["meters"], serde_json::json!([10, -1, 0]));
        assert_eq!(v["label"], "192.168.1.4");
        s.clear();
        push_topper_line(
            &mut s,
            &TopperRow {
                group_guid: "{x}",
                group: "Apps",
                meter: 0,
                meter_name: "Total",
                start_ts: 300,
                bucket: 300,
                rank: 1,
                key: "p-0050",
                label: "http",
                value: 99,
            },
        );
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(
            (v["rank"].as_u64(), v["value"].as_i64()),
            (Some(1), Some(99))
        );
    }
}
