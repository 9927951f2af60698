//! weir plugin `cgmon`: traces the flush of the Apps counter group.
//!
//! The port of Trisul's `metricmonitors/cgmon.lua`: a counter-group monitor
//! on Apps (`{C51B48D4-7876-479E-B0D9-BD9EFF03CE2E}`) subscribed to its flush.
//! It prints, one line each, to stdout:
//!
//! - `onload :  from cgmon<instance>` when the instance is made;
//! - `onbeginflush [<instance>]` when an interval's Apps flush begins;
//! - `onflush [<instance>]  <key>` for every key flushed (`SYS:GROUP_TOTALS`
//!   first);
//! - `onendflush [<instance>]` when it ends;
//! - `onunload:  bye   cgmon<instance>` when the monitor is dropped at the
//!   end of the run.
//!
//! `<instance>` is `host.instance_id()`. It takes no configuration keys.
//!
//! Each line is written with a single `write_all` on stdout and flushed at
//! once, so lines of several instances never interleave. A write error (for
//! example a closed pipe) is logged once through the host and further lines
//! are dropped: a plugin must not panic because its reader went away.

use std::io::{Stdout, Write};

use weir_plugin_api::{
    export_plugin, guid, Config, CounterGroupMonitor, CounterGroupRef, CounterRecord,
    CounterSubscription, HostHandle, LogLevel, Monitors, Timestamp,
};

/// The configuration keys cgmon accepts: none.
pub const CONFIG_KEYS: &[&str] = &[];

/// `onload :  from cgmon<instance>`.
pub fn load_line(instance: u32) -> String {
    format!("onload :  from cgmon{instance}")
}

/// `onunload:  bye   cgmon<instance>`.
pub fn unload_line(instance: u32) -> String {
    format!("onunload:  bye   cgmon{instance}")
}

/// `onbeginflush [<instance>]`.
pub fn begin_line(instance: u32) -> String {
    format!("onbeginflush [{instance}]")
}

/// `onflush [<instance>]  <key>`.
pub fn flush_line(instance: u32, key: &str) -> String {
    format!("onflush [{instance}]  {key}")
}

/// `onendflush [<instance>]`.
pub fn end_line(instance: u32) -> String {
    format!("onendflush [{instance}]")
}

/// The counter-group monitor; it prints to `out` (stdout when loaded).
pub struct Cgmon<W: Write = Stdout> {
    host: HostHandle,
    instance: u32,
    out: W,
    write_failed: bool,
}

impl<W: Write> Cgmon<W> {
    /// Builds the monitor and prints its load line; fails on any
    /// configuration key.
    pub fn new(config: &Config, host: HostHandle, out: W) -> Result<Cgmon<W>, String> {
        if let Some(key) = config.keys().find(|k| !CONFIG_KEYS.contains(k)) {
            return Err(format!(
                "unknown key {key:?} (cgmon takes no configuration)"
            ));
        }
        let mut monitor = Cgmon {
            instance: host.instance_id(),
            host,
            out,
            write_failed: false,
        };
        monitor.say(&load_line(monitor.instance));
        Ok(monitor)
    }

    /// Writes `line` and a newline, and flushes; logs the first error.
    fn say(&mut self, line: &str) {
        if self.write_failed {
            return;
        }
        let result = self
            .out
            .write_all(format!("{line}\n").as_bytes())
            .and_then(|()| self.out.flush());
        if let Err(e) = result {
            self.write_failed = true;
            self.host.log(
                LogLevel::Error,
                &format!("cannot write to stdout ({e}); no further lines are printed"),
            );
        }
    }
}

impl<W: Write + Send + 'static> CounterGroupMonitor for Cgmon<W> {
    fn subscription(&self) -> CounterSubscription {
        CounterSubscription::guid(guid::CG_APPS).flush()
    }

    fn on_begin_flush(&mut self, _group: &CounterGroupRef<'_>, _ts: Timestamp) {
        self.say(&begin_line(self.instance));
    }

    fn on_flush(&mut self, _group: &CounterGroupRef<'_>, _ts: Timestamp, key: &CounterRecord<'_>) {
        self.say(&flush_line(self.instance, key.key()));
    }

    fn on_end_flush(&mut self, _group: &CounterGroupRef<'_>, _ts: Timestamp) {
        self.say(&end_line(self.instance));
    }
}

impl<W: Write> Drop for Cgmon<W> {
    fn drop(&mut self) {
        self.say(&unload_line(self.instance));
    }
}

fn new_instance(config: &Config, host: HostHandle) -> Result<Monitors, String> {
    Ok(Monitors::new().counter_group(Cgmon::new(config, host, std::io::stdout())?))
}

export_plugin! {
    name: "cgmon",
    description: "prints the flush sequence of the Apps counter group",
    monitors: [CounterGroup],
    requires: "1.1",
    constructor: new_instance,
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use weir_plugin_api::abi::ext::Extensions;
    use weir_plugin_api::testing::{self, RecordingHost};
    use weir_plugin_api::{CounterEvents, MeterType, MonitorKind};

    /// A `Write` whose bytes the test reads back (clones share them).
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Captured {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// A `Write` that always fails, as stdout does once its reader is gone.
    struct ClosedPipe;

    impl Write for ClosedPipe {
        fn write(&mut self, _buf: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
    }

    const APPS_METERS: [MeterType; 2] = [MeterType::RateCounter, MeterType::Counter];

    fn apps() -> CounterGroupRef<'static> {
        CounterGroupRef {
            guid: guid::CG_APPS,
            name: "Apps".into(),
            interval_secs: 60,
            topper_bucket_secs: 300,
            meter_kinds: APPS_METERS.as_slice().into(),
            ext: Extensions::NONE,
        }
    }

    fn record<'a>(key: &'a str, label: &'a str, values: &'a [i64]) -> CounterRecord<'a> {
        CounterRecord {
            key: key.into(),
            label: label.into(),
            values: values.into(),
            ext: Extensions::NONE,
        }
    }

    #[test]
    fn lines_match_the_lua_sample() {
        assert_eq!(load_line(0), "onload :  from cgmon0");
        assert_eq!(unload_line(1), "onunload:  bye   cgmon1");
        assert_eq!(begin_line(0), "onbeginflush [0]");
        assert_eq!(flush_line(0, "p-0050"), "onflush [0]  p-0050");
        assert_eq!(end_line(2), "onendflush [2]");
    }

    #[test]
    fn prints_load_flush_sequence_and_unload() {
        let out = Captured::default();
        let host = RecordingHost::new().with_instance_id(2);
        let mut m = Cgmon::new(&Config::default(), host.handle(), out.clone()).unwrap();
        assert_eq!(out.text(), "onload :  from cgmon2\n");
        let ts = Timestamp::from_secs(1_367_526_060);
        m.on_begin_flush(&apps(), ts);
        m.on_flush(
            &apps(),
            ts,
            &record("SYS:GROUP_TOTALS", "Totals", &[9000, 3]),
        );
        m.on_flush(&apps(), ts, &record("p-0050", "http", &[1500, 1]));
        m.on_end_flush(&apps(), ts);
        drop(m);
        assert_eq!(
            out.text(),
            "onload :  from cgmon2\n\
             onbeginflush [2]\n\
             onflush [2]  SYS:GROUP_TOTALS\n\
             onflush [2]  p-0050\n\
             onendflush [2]\n\
             onunload:  bye   cgmon2\n"
        );
        assert!(host.calls().is_empty(), "{:#?}", host.calls());
    }

    #[test]
    fn subscribes_to_the_apps_flush_only() {
        let m = Cgmon::new(
            &Config::default(),
            RecordingHost::new().handle(),
            Captured::default(),
        )
        .unwrap();
        let sub = m.subscription();
        assert_eq!(sub.guids.as_slice(), &[guid::CG_APPS]);
        assert_eq!(sub.events, CounterEvents::FLUSH);
        assert!(sub.name_match.is_empty() && sub.name_regex.is_empty());
    }

    #[test]
    fn any_config_key_is_refused() {
        let err = testing::construct(
            r#"{"group":"Hosts"}"#,
            &RecordingHost::new(),
            &[MonitorKind::CounterGroup],
            new_instance,
        )
        .err()
        .unwrap();
        assert_eq!(err, r#"unknown key "group" (cgmon takes no configuration)"#);
    }

    #[test]
    fn a_write_error_is_logged_once_then_lines_are_dropped() {
        let host = RecordingHost::new();
        let mut m = Cgmon::new(&Config::default(), host.handle(), ClosedPipe).unwrap();
        m.on_begin_flush(&apps(), Timestamp::from_secs(60));
        m.on_flush(
            &apps(),
            Timestamp::from_secs(60),
            &record("p-0050", "", &[]),
        );
        drop(m);
        let calls = host.calls();
        assert_eq!(calls.len(), 1, "{calls:#?}");
        assert!(
            calls[0].starts_with("log error cannot write to stdout ("),
            "{}",
            calls[0]
        );
    }
}
