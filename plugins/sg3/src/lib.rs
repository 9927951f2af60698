//! weir plugin `sg3`: one file per instance listing every flushed flow.
//!
//! The port of Trisul's `flows/sg3.lua`. Subscribed to the flow flush
//! (`on_begin_flush`, `on_flush`, `on_end_flush`); each instance writes to
//! `<dir>/fdetails.<instance id>`, truncated when the instance is built:
//!
//! - at the beginning of every flush, `Flushing flows at  ts=<secs> time=<%c>`;
//! - per flushed flow, a fixed-width line (see [`flush_line`]) numbered from 1
//!   across the whole run;
//! - at the end of every flush, 40 dashes and a blank line.
//!
//! Configuration: `dir` (default: the run's output directory).
//!
//! Writes go through a `BufWriter` that is flushed at every `on_end_flush`
//! (and in `Drop`), so the file is complete after each interval. A write error
//! is logged once and later lines are dropped.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use weir_plugin_api::time::ctime_utc;
use weir_plugin_api::{
    export_plugin, Config, FlowMonitor, FlowRecord, FlowSubscription, HostHandle, LogLevel,
    Monitors, Timestamp,
};

/// The configuration keys sg3 accepts.
pub const CONFIG_KEYS: &[&str] = &["dir"];

/// What `on_end_flush` writes: 40 dashes and a blank line.
pub const END_FLUSH: &str = "----------------------------------------\n\n";

/// The line written by `on_begin_flush(ts)`.
pub fn begin_flush_line(ts: Timestamp) -> String {
    format!(
        "Flushing flows at  ts={} time={}\n",
        ts.secs,
        ctime_utc(ts.secs)
    )
}

/// The line written for the `count`-th flushed flow; Lua's
/// `"%5d    %2s  %-15s %-6s %-15s %-6s   %8d %20s  %5d secs\n"` with count,
/// protocol (2 upper-case hex digits), A ip, A port, Z ip, Z port, total
/// bytes, first packet time (`%c`, UTC) and duration in whole seconds.
pub fn flush_line(count: u64, flow: &FlowRecord<'_>) -> String {
    format!(
        // `%2s` of a 2-digit hex string is just the 2 digits.
        "{:5}    {:02X}  {:<15} {:<6} {:<15} {:<6}   {:8} {:>20}  {:5} secs\n",
        count,
        flow.proto,
        flow.a_ip,
        flow.a_port,
        flow.z_ip,
        flow.z_port,
        flow.total_bytes(),
        ctime_utc(flow.first_ts.secs),
        flow.duration_secs(),
    )
}

/// The output directory named by `dir`, or the run's output directory. An
/// empty `dir` is refused rather than silently meaning "the engine's current
/// directory".
pub fn output_dir(config: &Config, host: &HostHandle) -> Result<PathBuf, String> {
    match config.path("dir") {
        Some(dir) if dir.as_os_str().is_empty() => Err("dir: must not be empty".to_string()),
        Some(dir) => Ok(dir),
        None => Ok(host.output_dir()),
    }
}

/// The flow monitor: a flush log in `fdetails.<instance id>`.
pub struct Sg3 {
    host: HostHandle,
    path: PathBuf,
    out: BufWriter<File>,
    count: u64,
    write_failed: bool,
}

impl Sg3 {
    /// Builds the monitor and creates (truncates) its file.
    pub fn new(config: &Config, host: HostHandle) -> Result<Sg3, String> {
        config
            .deny_unknown(CONFIG_KEYS)
            .map_err(|e| e.to_string())?;
        let dir = output_dir(config, &host)?;
        let path = dir.join(format!("fdetails.{}", host.instance_id()));
        let file = File::create(&path)
            .map_err(|e| format!("dir: cannot create {}: {e}", path.display()))?;
        Ok(Sg3 {
            host,
            path,
            out: BufWriter::new(file),
            count: 0,
            write_failed: false,
        })
    }

    /// The file this instance writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn write(&mut self, text: &str) {
        if self.write_failed {
            return;
        }
        if let Err(e) = self.out.write_all(text.as_bytes()) {
            self.report("write", e);
        }
    }

    fn flush(&mut self) {
        if self.write_failed {
            return;
        }
        if let Err(e) = self.out.flush() {
            self.report("flush", e);
        }
    }

    fn report(&mut self, what: &str, e: std::io::Error) {
        self.write_failed = true;
        self.host.log(
            LogLevel::Error,
            &format!(
                "cannot {what} {}: {e}; further lines are dropped",
                self.path.display()
            ),
        );
    }
}

impl FlowMonitor for Sg3 {
    fn subscription(&self) -> FlowSubscription {
        FlowSubscription::ip_flows().flush()
    }

    fn on_begin_flush(&mut self, ts: Timestamp) {
        self.write(&begin_flush_line(ts));
    }

    fn on_flush(&mut self, flow: &FlowRecord<'_>) {
        self.count += 1;
        let line = flush_line(self.count, flow);
        self.write(&line);
    }

    fn on_end_flush(&mut self, _ts: Timestamp) {
        self.write(END_FLUSH);
        self.flush();
    }
}

impl Drop for Sg3 {
    fn drop(&mut self) {
        self.flush();
    }
}

fn new_instance(config: &Config, host: HostHandle) -> Result<Monitors, String> {
    Ok(Monitors::new().flow(Sg3::new(config, host)?))
}

export_plugin! {
    name: "sg3",
    description: "writes every flushed flow to <dir>/fdetails.<instance id>",
    monitors: [Flow],
    constructor: new_instance,
}

#[cfg(test)]
mod tests {
    use super::*;
    use weir_plugin_api::testing::{flow_record, RecordingHost};
    use weir_plugin_api::{EndReason, FlowEvents};

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("weir-sg3-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn host(id: u32, dir: &Path) -> HostHandle {
        RecordingHost::new()
            .with_instance_id(id)
            .with_output_dir(dir)
            .handle()
    }

    /// A flow flushed after a FIN: 1 packet and `bytes` bytes each way, first
    /// and last packets at `first` and `last` seconds plus some microseconds
    /// (the line's duration counts whole seconds only).
    fn flushed(
        proto: u8,
        a: (&str, u16),
        z: (&str, u16),
        bytes: (u64, u64),
        first: u64,
        last: u64,
    ) -> FlowRecord<'static> {
        FlowRecord {
            az_bytes: bytes.0,
            za_bytes: bytes.1,
            az_packets: 1,
            za_packets: 1,
            first_ts: Timestamp {
                secs: first,
                usecs: 250,
            },
            last_ts: Timestamp {
                secs: last,
                usecs: 10,
            },
            end_reason: EndReason::Fin,
            ..flow_record("unused", proto, a, z)
        }
    }

    // Expected strings produced by Lua/C `string.format` with the sample's format.
    #[test]
    fn flush_line_matches_lua_format() {
        let f = flushed(
            6,
            ("192.168.1.2", 2964),
            ("209.216.249.58", 22),
            (1000, 234),
            1_427_726_689,
            1_427_726_694,
        );
        assert_eq!(
            flush_line(1, &f),
            "    1    06  192.168.1.2     2964   209.216.249.58  22           1234 Mon Mar 30 14:44:49 2015      5 secs\n"
        );
        // Wider values than the columns push the line right, as in C.
        let g = flushed(
            0x3A,
            ("2001:db8::1", 0),
            ("2001:db8::ffff:1", 0),
            (123_456_000, 789),
            0,
            0,
        );
        assert_eq!(
            flush_line(123_456, &g),
            "123456    3A  2001:db8::1     0      2001:db8::ffff:1 0        123456789 Thu Jan  1 00:00:00 1970      0 secs\n"
        );
    }

    #[test]
    fn begin_and_end_lines() {
        assert_eq!(
            begin_flush_line(Timestamp {
                secs: 1_427_726_700,
                usecs: 5
            }),
            "Flushing flows at  ts=1427726700 time=Mon Mar 30 14:45:00 2015\n"
        );
        assert_eq!(END_FLUSH, format!("{}\n\n", "-".repeat(40)));
    }

    #[test]
    fn file_is_complete_after_each_end_flush_and_counts_across_flushes() {
        let dir = temp_dir("run");
        std::fs::write(dir.join("fdetails.2"), "stale\n").unwrap();
        let mut m = Sg3::new(&Config::default(), host(2, &dir)).unwrap();
        assert_eq!(m.path(), dir.join("fdetails.2"));
        let f = flushed(17, ("10.0.0.1", 5353), ("10.0.0.2", 53), (60, 120), 60, 61);
        m.on_begin_flush(Timestamp::from_secs(120));
        m.on_flush(&f);
        m.on_flush(&f);
        m.on_end_flush(Timestamp::from_secs(120));
        let first = std::fs::read_to_string(dir.join("fdetails.2")).unwrap();
        m.on_begin_flush(Timestamp::from_secs(180));
        m.on_flush(&f);
        m.on_end_flush(Timestamp::from_secs(180));
        let all = std::fs::read_to_string(dir.join("fdetails.2")).unwrap();
        drop(m);
        let expected_first = format!(
            "{}{}{}{}",
            begin_flush_line(Timestamp::from_secs(120)),
            flush_line(1, &f),
            flush_line(2, &f),
            END_FLUSH
        );
        assert_eq!(first, expected_first);
        assert_eq!(
            all,
            format!(
                "{expected_first}{}{}{}",
                begin_flush_line(Timestamp::from_secs(180)),
                flush_line(3, &f),
                END_FLUSH
            )
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn config_and_subscription() {
        let dir = temp_dir("config");
        let other = temp_dir("config-other");
        let config = Config::parse(&format!(r#"{{"dir":{:?}}}"#, other.to_str().unwrap())).unwrap();
        let m = Sg3::new(&config, host(0, &dir)).unwrap();
        assert_eq!(m.path(), other.join("fdetails.0"));
        assert_eq!(m.subscription().events, FlowEvents::FLUSH);
        assert!(!m.subscription().filter);
        drop(m);
        let err = Sg3::new(
            &Config::parse(r#"{"directory":"x"}"#).unwrap(),
            host(0, &dir),
        )
        .err()
        .unwrap();
        assert!(err.contains("\"directory\""), "{err}");
        let err = Sg3::new(&Config::parse(r#"{"dir":""}"#).unwrap(), host(0, &dir))
            .err()
            .unwrap();
        assert!(err.starts_with("dir:"), "{err}");
        std::fs::remove_dir_all(dir).unwrap();
        std::fs::remove_dir_all(other).unwrap();
    }
}
